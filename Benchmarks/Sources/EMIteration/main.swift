// Times EM iterations of Gauss on a .npy file, the same way the comparison
// script times scikit-learn: from explicit initial parameters, with tol 0,
// the time of 1 + m iterations minus the time of 1, each the best of several
// repeats.
//
//   em-iteration DATA.npy K TYPE [--float32] [--iterations m] [--repeats r] [--fit]
//   em-iteration DATA.npy K TYPE --bayesian START.npy [--iterations m] [--repeats r]
//   em-iteration DATA.npy K TYPE --start START.npy [--reg-covar x] [--iterations m] [--repeats r]
//   em-iteration DATA.npy K TYPE --hierarchical [--repeats r]
//   em-iteration DATA.npy K TYPE --select [--repeats r]
//
// --start starts EM from the n×K responsibilities in START.npy (mclust's me()
// starts the same way) instead of the deterministic parameters below; TYPE
// may be any of mclust's names.
// --bayesian times the variational fit (BayesianGaussianMixture, default
// priors) from the n×K starting responsibilities in START.npy instead.
//
// Prints one JSON object: seconds per iteration and the final lower bound.
import BenchmarkData
import Foundation
import Gauss

// Run OpenBLAS kernels that match the processor (this may restart the program once).
BLASKernel.selectForProcessor()
// As the gauss tool does: OpenBLAS's idle threads spin for a short time only.
BLASThreading.shortenIdleSpin()

let arguments = CommandLine.arguments
guard arguments.count >= 4, let k = Int(arguments[2]), let type = CovarianceType(name: arguments[3]) else {
    FileHandle.standardError.write("usage: em-iteration DATA.npy K full|tied|diag|spherical [--float32] [--iterations m] [--repeats r]\n".data(using: .utf8)!)
    exit(2)
}
let extraIterations = integerOption("--iterations", in: arguments, default: 2)
let repeats = integerOption("--repeats", in: arguments, default: 3)
let useFloat = arguments.contains("--float32")


/// --start START.npy: the responsibilities EM starts from, if given.
let startingResponsibilities: Matrix<Double>? = try arguments.firstIndex(of: "--start").map { flag in
    try NpyFile(path: arguments[flag + 1]).matrix(as: Double.self)
}
let regularization = arguments.firstIndex(of: "--reg-covar").flatMap { Double(arguments[$0 + 1]) } ?? 1e-6

/// Deterministic start: the given responsibilities, or else evenly spaced
/// rows as means, equal weights, unit precisions.
func estimator(_ data: some RowBlockSource, iterations: Int) -> GaussianMixture {
    if let startingResponsibilities {
        var estimator = GaussianMixture(componentCount: k, covarianceType: type, tolerance: 0, regularization: regularization,
                                        maxIterations: iterations)
        estimator.initialResponsibilities = startingResponsibilities
        return estimator
    }
    let n = data.rowCount, d = data.columnCount
    let means = Matrix<Double>(rows: k, columns: d) { c, j in Double(data.rows((c * (n - 1) / max(k - 1, 1))..<(c * (n - 1) / max(k - 1, 1) + 1))[0, j]) }
    let precisions = CovarianceParameters.identity(type, componentCount: k, dimension: d)
    return GaussianMixture(componentCount: k, covarianceType: type, tolerance: 0, maxIterations: iterations,
                           initialWeights: [Double](repeating: 1 / Double(k), count: k), initialMeans: means,
                           initialPrecisions: precisions)
}

func measure<Source: RowBlockSource>(_ data: Source) throws -> (Double, Double) {
    // Minimum of each over the repeats, then the difference: a slow outlier
    // in either set cannot make the estimate small or negative.
    var one = Double.infinity, many = Double.infinity
    var bound = 0.0
    for _ in 0..<repeats {
        one = min(one, try elapsedSeconds { _ = try estimator(data, iterations: 1).fit(data) })
        var model: GaussianMixtureModel? = nil
        many = min(many, try elapsedSeconds { model = try estimator(data, iterations: 1 + extraIterations).fit(data) })
        bound = model!.lowerBound
    }
    return ((many - one) / Double(extraIterations), bound)
}

// --bayesian START.npy: the variational fit from given responsibilities,
// timed as EM is; the fit of 1 + m iterations also resolves the priors and
// takes the starting M-step, as the fit of 1 does, so the difference is m
// iterations.
if let flag = arguments.firstIndex(of: "--bayesian"), flag + 1 < arguments.count {
    let responsibilities = try NpyFile(path: arguments[flag + 1]).matrix(as: Double.self)
    func variational(iterations: Int) -> BayesianGaussianMixture {
        var estimator = BayesianGaussianMixture(componentCount: k, covarianceType: type, tolerance: 0, maxIterations: iterations)
        estimator.initialResponsibilities = responsibilities
        return estimator
    }
    func measureVariational<Source: RowBlockSource>(_ data: Source) throws -> (Double, Double) {
        var one = Double.infinity, many = Double.infinity
        var bound = 0.0
        for _ in 0..<repeats {
            one = min(one, try elapsedSeconds { _ = try variational(iterations: 1).fit(data) })
            var model: BayesianGaussianMixtureModel? = nil
            many = min(many, try elapsedSeconds { model = try variational(iterations: 1 + extraIterations).fit(data) })
            bound = model!.lowerBound
        }
        return ((many - one) / Double(extraIterations), bound)
    }
    let (perIteration, lowerBound) = useFloat
        ? try measureVariational(NpyRowSource<Float>(path: arguments[1]))
        : try measureVariational(NpyRowSource<Double>(path: arguments[1]))
    print("{\"seconds_per_iteration\": \(perIteration), \"lower_bound\": \(lowerBound)}")
    exit(0)
}

// --hierarchical: mclust's hierarchical clustering of the rows (at most
// 2000 of them), the best of r runs, and its partition into K clusters.
if arguments.contains("--hierarchical") {
    let data = try NpyFile(path: arguments[1]).matrix(as: Double.self)
    var best = Double.infinity
    var tree: MergeTree? = nil
    for _ in 0..<repeats { best = min(best, try elapsedSeconds { tree = try HierarchicalClustering().mergeTree(data) }) }
    print("{\"seconds\": \(best), \"rows\": \(tree!.rows.count), \"labels\": \(tree!.labels(clusterCount: k))}")
    exit(0)
}

// --select: mclust's whole model selection (Mclust(data, G = 1:K)): the
// fourteen models at every count 1...K from one hierarchical tree (built
// each time), the best of r runs.
if arguments.contains("--select") {
    let data = try NpyFile(path: arguments[1]).matrix(as: Double.self)
    var result: ModelSelection.Result? = nil
    var elapsed = Double.infinity
    for _ in 0..<repeats {
        elapsed = min(elapsed, try elapsedSeconds {
            result = try ModelSelection.rank(data, componentCounts: Array(1...k), covarianceTypes: CovarianceType.mclustModels,
                                             estimator: .mclust())
        })
    }
    let best = result!.ranked[0]
    print("{\"seconds\": \(elapsed), \"model\": \"\(best.covarianceType.mclustName)\", \"n_components\": \(best.componentCount), "
          + "\"bic\": \(-best.bic), \"failures\": \(result!.failures.count)}")
    exit(0)
}

// --fit: one whole fit with default settings (k-means initialisation), timed.
if arguments.contains("--fit") {
    func fitWhole<Source: RowBlockSource>(_ data: Source) throws {
        var model: GaussianMixtureModel? = nil
        let elapsed = try elapsedSeconds { model = try GaussianMixture(componentCount: k, covarianceType: type, seed: 0).fit(data) }
        print("{\"seconds\": \(elapsed), \"iterations\": \(model!.iterationCount), \"converged\": \(model!.converged), \"lower_bound\": \(model!.lowerBound)}")
    }
    try useFloat ? fitWhole(NpyRowSource<Float>(path: arguments[1])) : fitWhole(NpyRowSource<Double>(path: arguments[1]))
    exit(0)
}

// The file is memory-mapped: blocks are views of it, so peak memory is the
// data plus what EM itself allocates.
let (perIteration, lowerBound) = useFloat
    ? try measure(NpyRowSource<Float>(path: arguments[1]))
    : try measure(NpyRowSource<Double>(path: arguments[1]))
print("{\"seconds_per_iteration\": \(perIteration), \"lower_bound\": \(lowerBound)}")
