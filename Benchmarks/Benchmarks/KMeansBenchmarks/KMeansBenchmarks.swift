import Benchmark
import BenchmarkData
import Clustering
import Foundation
import LinearAlgebra

// One Lloyd iteration of k-means (assignment by one GEMM per block, then the
// new centres) at the EM sizes, in Float and Double.

func kMeansBenchmarks<S: BLASScalar>(_: S.Type, name: String) {
    for (label, k, makeData) in emSizes(S.self) {
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
    // OpenBLAS kernels that match the processor (this may restart the benchmark process once).
    BLASKernel.selectForProcessor()
    kMeansBenchmarks(Double.self, name: "Double")
    kMeansBenchmarks(Float.self, name: "Float")
}
