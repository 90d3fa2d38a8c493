import Autodiff
import Benchmark
import Foundation
import LinearAlgebra

// The gradbench GMM objective and its gradient at every gradbench size
// (n = 1000), on a tape reused between runs as the gradbench tool does; and
// a chain of tiny operations, whose time per node is the tape's bookkeeping.

/// A gradbench-shaped input with normal draws (q and l scaled by 0.3).
func gmmInput(d: Int, k: Int, n: Int = 1000, seed: UInt64) -> GMMObjective.Input {
    var rng = Xoshiro256StarStar(seed: seed)
    func draws(_ count: Int, _ scale: Double = 1) -> [Double] { (0..<count).map { _ in scale * rng.nextNormal() } }
    return GMMObjective.Input(
        d: d, k: k, n: n, x: (0..<n).map { _ in draws(d) }, m: 0, gamma: 1, alpha: draws(k),
        mu: (0..<k).map { _ in draws(d) }, q: (0..<k).map { _ in draws(d, 0.3) },
        l: (0..<k).map { _ in draws(d * (d - 1) / 2, 0.3) })
}

let benchmarks: @Sendable () -> Void = {
    // OpenBLAS kernels that match the processor (this may restart the benchmark process once).
    BLASKernel.selectForProcessor()
    let configuration = Benchmark.Configuration(metrics: [.wallClock, .mallocCountTotal, .peakMemoryResident],
                                                warmupIterations: 1, maxDuration: .seconds(1), maxIterations: 1000)
    for d in [2, 10, 20, 32, 64, 128] {
        for k in [5, 10, 25, 50, 100, 200] {
            nonisolated(unsafe) var gmm: GMMObjective? = nil
            let tape = Tape()
            Benchmark("GMM objective d=\(d) K=\(k)", configuration: configuration) { benchmark in
                if gmm == nil { gmm = try! GMMObjective(gmmInput(d: d, k: k, seed: UInt64(100 * d + k))) }
                benchmark.startMeasurement()
                blackHole(gmm!.objective(using: tape))
            }
            Benchmark("GMM gradient d=\(d) K=\(k)", configuration: configuration) { benchmark in
                if gmm == nil { gmm = try! GMMObjective(gmmInput(d: d, k: k, seed: UInt64(100 * d + k))) }
                benchmark.startMeasurement()
                blackHole(gmm!.gradient(using: tape))
            }
        }
    }
    // 10 000 × (multiply, sin) on 1×1 values: 20 001 nodes per pass.
    Benchmark("tape chain of 20001 tiny nodes, forward and backward",
              configuration: .init(metrics: [.wallClock, .mallocCountTotal], maxDuration: .seconds(2))) { _ in
        let tape = Tape()
        let x = tape.variable(0.5)
        var y = x
        for _ in 0..<10_000 { y = (y * 0.999).sin() }
        blackHole(tape.gradient(of: y, with: [x])[0].scalar)
    }
}
