import Benchmark
import Clustering
import Foundation
import LinearAlgebra

// One Lloyd iteration of k-means (assignment by one GEMM per block, then the
// new centres) at the EM sizes, in Float and Double.

func clusteredData<S: BLASScalar>(_: S.Type, rows n: Int, columns d: Int, clusters k: Int, seed: UInt64) -> Matrix<S> {
    var rng = Xoshiro256StarStar(seed: seed)
    let centres = Matrix<Double>.normal(rows: k, columns: d, standardDeviation: 3, using: &rng)
    return Matrix(rows: n, columns: d) { i, j in S(centres[i % k, j] + rng.nextNormal()) }
}

func kMeansBenchmarks<S: BLASScalar>(_: S.Type, name: String) {
    let faithful = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("data/faithful.csv").path
    let sizes: [(label: String, k: Int, data: () -> Matrix<S>)] = [
        ("faithful", 2, { try! CSV.read(contentsOf: faithful, as: S.self).matrix }),
        ("medium", 32, { clusteredData(S.self, rows: 20_000, columns: 128, clusters: 32, seed: 1) }),
        ("large", 32, { clusteredData(S.self, rows: 100_000, columns: 128, clusters: 32, seed: 2) }),
    ]
    for (label, k, makeData) in sizes {
        nonisolated(unsafe) var data: Matrix<S>? = nil
        let configuration = Benchmark.Configuration(
            metrics: [.wallClock, .mallocCountTotal, .peakMemoryResident],
            warmupIterations: 1, maxDuration: .seconds(label == "faithful" ? 1 : 5), maxIterations: 100)
        Benchmark("Lloyd iteration \(label) \(name)", configuration: configuration) { benchmark in
            if data == nil { data = makeData() }
            let x = data!
            let centres = Matrix<Double>(rows: k, columns: x.columns) { c, j in Double(x[c * (x.rows - 1) / max(k - 1, 1), j]) }
            let estimator = KMeans(clusterCount: k, initialization: .centers(centres), maxIterations: 1)
            benchmark.startMeasurement()
            blackHole(try! estimator.fit(x))
            benchmark.stopMeasurement()
        }
    }
}

let benchmarks: @Sendable () -> Void = {
    kMeansBenchmarks(Double.self, name: "Double")
    kMeansBenchmarks(Float.self, name: "Float")
}
