import Benchmark
import BenchmarkData
import Clustering
import Foundation
import LinearAlgebra

// One EM iteration (an E-step pass that gathers the sufficient statistics,
// then the M-step) for every covariance type, at the sizes of the issue:
// Old Faithful (272 × 2, K = 2), medium (n = 20 000, d = 128, K = 32) and
// large (n = 100 000), in Float and Double, with allocations and peak
// memory. The data are well-separated clusters drawn once per size.

/// A start of K evenly spaced rows as means, equal weights and identity precisions.
func fixedStart<S: BLASScalar>(_ data: Matrix<S>, _ k: Int, _ type: CovarianceType) -> GaussianMixtureModel {
    let n = data.rows, d = data.columns
    let means = Matrix<Double>(rows: k, columns: d) { c, j in Double(data[c * (n - 1) / max(k - 1, 1), j]) }
    return try! GaussianMixtureModel(weights: [Double](repeating: 1 / Double(k), count: k), means: means,
                                     covariances: .identity(type, componentCount: k, dimension: d))
}

func emBenchmarks<S: BLASScalar>(_: S.Type, name: String) {
    for (label, k, makeData) in emSizes(S.self) {
        nonisolated(unsafe) var data: Matrix<S>? = nil  // drawn when a benchmark of this size first runs
        for type in CovarianceType.allCases {
            let configuration = Benchmark.Configuration(
                metrics: [.wallClock, .mallocCountTotal, .peakMemoryResident],
                warmupIterations: 1, maxDuration: .seconds(label == "faithful" ? 1 : 5), maxIterations: 100)
            Benchmark("EM iteration \(type) \(label) \(name)", configuration: configuration) { benchmark in
                if data == nil { data = makeData() }
                let x = data!
                let start = fixedStart(x, k, type)
                let estimator = GaussianMixture(componentCount: k, covarianceType: type)
                benchmark.startMeasurement()
                let statistics = try! start.statistics(of: x)
                blackHole(try! estimator.model(from: statistics, previous: start))
                benchmark.stopMeasurement()
            }
        }
    }
}

let benchmarks: @Sendable () -> Void = {
    // OpenBLAS kernels that match the processor (this may restart the benchmark process once).
    BLASKernel.selectForProcessor()
    emBenchmarks(Double.self, name: "Double")
    emBenchmarks(Float.self, name: "Float")
}
