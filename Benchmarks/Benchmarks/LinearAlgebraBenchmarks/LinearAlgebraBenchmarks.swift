import Benchmark
import Foundation
import LinearAlgebra

// GEMM, SYRK and Cholesky in Float and Double at three sizes. Besides wall
// time, each reports its rate in MFLOPS (a custom metric), to set beside the
// machine's peak (docs/benchmarks.md): these are the floor every EM and
// reverse-mode number stands on.

/// A run's flop rate, measured around `body` and recorded in MFLOPS.
func recordRate(_ benchmark: Benchmark, flops: Double, _ body: () -> Void) {
    let start = DispatchTime.now().uptimeNanoseconds
    body()
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
    benchmark.measurement(.custom("MFLOPS", polarity: .prefersLarger, useScalingFactor: false), Int(flops / seconds / 1e6))
}

func linearAlgebraBenchmarks<S: BLASScalar>(_: S.Type, name: String) {
    let configuration = Benchmark.Configuration(
        metrics: [.wallClock, .custom("MFLOPS", polarity: .prefersLarger, useScalingFactor: false)],
        warmupIterations: 2, maxDuration: .seconds(2), maxIterations: 1000)
    for n in [64, 256, 1024] {
        var rng = Xoshiro256StarStar(seed: UInt64(n))
        let a = Matrix<S>.uniform(rows: n, columns: n, using: &rng)
        let b = Matrix<S>.uniform(rows: n, columns: n, using: &rng)
        // A well-conditioned SPD matrix: A·Aᵀ + n·I.
        var spd = Matrix<S>(rows: n, columns: n)
        BLAS.syrk(a, into: &spd)
        spd.symmetrize(from: .lower)
        for i in 0..<n { spd[i, i] += S(n) }

        Benchmark("gemm \(name) \(n)", configuration: configuration) { benchmark in
            var c = Matrix<S>(rows: n, columns: n)
            recordRate(benchmark, flops: 2 * Double(n * n * n)) { BLAS.gemm(a, b, into: &c) }
            blackHole(c)
        }
        Benchmark("syrk \(name) \(n)", configuration: configuration) { benchmark in
            var c = Matrix<S>(rows: n, columns: n)
            recordRate(benchmark, flops: Double(n * n * n)) { BLAS.syrk(a, into: &c) }
            blackHole(c)
        }
        Benchmark("potrf \(name) \(n)", configuration: configuration) { benchmark in
            var factor = spd
            factor.withUnsafeMutableBufferPointer { _ in }  // copy outside the timed part
            recordRate(benchmark, flops: Double(n * n * n) / 3) { try! LAPACK.potrf(&factor, triangle: .lower) }
            blackHole(factor)
        }
    }
}

let benchmarks: @Sendable () -> Void = {
    // OpenBLAS kernels that match the processor (this may restart the benchmark process once).
    BLASKernel.selectForProcessor()
    linearAlgebraBenchmarks(Double.self, name: "Double")
    linearAlgebraBenchmarks(Float.self, name: "Float")
}
