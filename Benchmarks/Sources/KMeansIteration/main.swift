// Times Lloyd iterations of Gauss's k-means on a .npy file, the way the
// comparison script times scikit-learn's: from the same initial centers
// (evenly spaced rows), tolerance 0, the time of 1 + m iterations minus the
// time of 1, each the best of several repeats.
//
//   kmeans-iteration DATA.npy K [--float32] [--iterations m] [--repeats r] [--algorithm automatic|lloyd|elkan]
//
// Prints one JSON object: seconds per iteration and the final inertia.
import BenchmarkData
import Foundation
import Gauss

// Run OpenBLAS kernels that match the processor (this may restart the program once).
BLASKernel.selectForProcessor()
// As the gauss tool does: OpenBLAS's idle threads spin for a short time only.
BLASThreading.shortenIdleSpin()

let arguments = CommandLine.arguments
guard arguments.count >= 3, let k = Int(arguments[2]) else {
    FileHandle.standardError.write("usage: kmeans-iteration DATA.npy K [--float32] [--iterations m] [--repeats r] [--algorithm automatic|lloyd|elkan]\n".data(using: .utf8)!)
    exit(2)
}
let extraIterations = integerOption("--iterations", in: arguments, default: 2)
let repeats = integerOption("--repeats", in: arguments, default: 3)
let algorithm: KMeans.Algorithm
switch arguments.firstIndex(of: "--algorithm").map({ arguments[$0 + 1] }) ?? "automatic" {
case "automatic": algorithm = .automatic
case "lloyd": algorithm = .lloyd
case "elkan": algorithm = .elkan
case let other:
    FileHandle.standardError.write("kmeans-iteration: unknown algorithm \(other)\n".data(using: .utf8)!)
    exit(2)
}


func measure<S: BLASScalar>(_ data: NpyRowSource<S>) throws -> (Double, Double) {
    let n = data.rowCount
    let centers = Matrix<Double>(rows: k, columns: data.columnCount) { c, j in
        let row = c * (n - 1) / max(k - 1, 1)
        return Double(data.rows(row..<(row + 1))[0, j])
    }
    func estimator(_ iterations: Int) -> KMeans {
        var estimator = KMeans(clusterCount: k, initialization: .centers(centers), maxIterations: iterations, tolerance: 0)
        estimator.algorithm = algorithm
        return estimator
    }
    var one = Double.infinity, many = Double.infinity, inertia = 0.0
    for _ in 0..<repeats {
        one = min(one, try elapsedSeconds { _ = try estimator(1).fit(data) })
        var model: KMeansModel? = nil
        many = min(many, try elapsedSeconds { model = try estimator(1 + extraIterations).fit(data) })
        inertia = model!.inertia
    }
    return ((many - one) / Double(extraIterations), inertia)
}

let (perIteration, inertia) = arguments.contains("--float32")
    ? try measure(NpyRowSource<Float>(path: arguments[1]))
    : try measure(NpyRowSource<Double>(path: arguments[1]))
print("{\"seconds_per_iteration\": \(perIteration), \"inertia\": \(inertia)}")
