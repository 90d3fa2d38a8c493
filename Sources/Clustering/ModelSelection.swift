import LinearAlgebra
import RealModule
import Synchronization

/// Fits a grid of component counts × covariance types and ranks the fits by
/// BIC, as R's mclust does; scikit-learn leaves this loop to its users.
///
/// ```swift
/// let selection = try ModelSelection.rank(data, componentCounts: Array(1...6))
/// let best = selection.ranked[0]          // lowest BIC
/// print(best.componentCount, best.covarianceType, best.bic)
/// ```
public enum ModelSelection {
    /// One fitted cell of the grid.
    public struct Candidate: Sendable {
        public let componentCount: Int
        public let covarianceType: CovarianceType
        public let model: GaussianMixtureModel
        /// The Bayesian information criterion on the data fitted (lower is better).
        public let bic: Double
        /// The Akaike information criterion on the data fitted (lower is better).
        public let aic: Double
        /// The integrated complete-data likelihood criterion of Biernacki,
        /// Celeux and Govaert (2000), as mclust computes it, in scikit-learn's
        /// sign: BIC − 2·Σᵢ log maxₖ rᵢₖ, which adds the entropy of the
        /// hard classification (lower is better; mclust's ICL is −1 × this).
        public let icl: Double
        /// The total log-likelihood of the data fitted.
        public let logLikelihood: Double
    }

    /// A cell of the grid that could not be fitted, and why.
    public struct Failure: Sendable {
        public let componentCount: Int
        public let covarianceType: CovarianceType
        public let error: ClusteringError
    }

    /// What a progress handler is told as each cell of the grid is done
    /// (from the thread that fitted it: cells may finish concurrently).
    public struct Progress: Sendable {
        public let componentCount: Int
        public let covarianceType: CovarianceType
        /// The cell's BIC (lower is better), or nil when it could not be fitted.
        public let bic: Double?
        /// Why the cell could not be fitted.
        public let error: ClusteringError?
        /// EM's iterations, and whether it converged, for a fitted cell.
        public let iterations: Int?
        public let converged: Bool?
        /// Cells done so far, this one included, of `total`.
        public let finished: Int
        public let total: Int
        /// Seconds since the selection started.
        public let elapsed: Double
    }

    /// The outcome: fitted candidates by increasing BIC, then the cells that failed.
    public struct Result: Sendable {
        public let ranked: [Candidate]
        public let failures: [Failure]
    }

    /// Fits every combination of `componentCounts` and `covarianceTypes` with
    /// the other settings of `estimator`, and ranks the fits by BIC;
    /// `progress` is told as each cell is done.
    ///
    /// With ``GaussianMixture/Initialization/hierarchical`` one tree is grown
    /// and cut at every K, as mclust's `mclustBIC` does; with
    /// ``GaussianMixture/mclust(componentCount:model:)``'s settings the grid
    /// is mclust's `Mclust()` (see that method).
    ///
    /// A cell whose fit fails (a collapsed component, more components than
    /// rows) is reported in ``Result/failures`` instead of stopping the search.
    ///
    /// - Throws: ``ClusteringError`` for problems with the data or weights
    ///   themselves, which no cell could fit.
    /// - Complexity: the sum of the fits' costs, spread over the cores when
    ///   the data are one block of rows (each fit then runs on one core).
    public static func rank<Source: RowBlockSource>(
        _ source: Source, componentCounts: [Int], covarianceTypes: [CovarianceType] = CovarianceType.scikitLearnTypes,
        estimator: GaussianMixture = GaussianMixture(), sampleWeights: [Double]? = nil,
        progress: (@Sendable (Progress) -> Void)? = nil
    ) throws(ClusteringError) -> Result {
        try validateData(source, sampleWeights: sampleWeights, minimumRows: 1)
        let clock = ContinuousClock.now
        var estimator = estimator
        if estimator.initialization == .hierarchical && estimator.initialResponsibilities == nil && estimator.hierarchy == nil {
            // One tree gives every K its partition, as mclust's mclustBIC grows one.
            estimator.hierarchy = try HierarchicalClustering().mergeTree(source)
        }
        // Grid order: by type, then by count.
        let cells = covarianceTypes.flatMap { type in componentCounts.map { (type, $0) } }
        let finished = Atomic<Int>(0)
        func fit(_ cell: Int) -> Swift.Result<Candidate, ClusteringError> {
            var estimator = estimator
            (estimator.covarianceType, estimator.componentCount) = cells[cell]
            let outcome: Swift.Result<Candidate, ClusteringError>
            do throws(ClusteringError) {
                outcome = .success(try candidate(estimator.fit(source, sampleWeights: sampleWeights), on: source))
            } catch {
                outcome = .failure(error)
            }
            if let progress {
                let candidate = try? outcome.get()
                progress(Progress(componentCount: cells[cell].1, covarianceType: cells[cell].0, bic: candidate?.bic,
                                  error: { if case .failure(let error) = outcome { return error } else { return nil } }(),
                                  iterations: candidate?.model.iterationCount, converged: candidate?.model.converged,
                                  finished: finished.add(1, ordering: .relaxed).newValue, total: cells.count,
                                  elapsed: (ContinuousClock.now - clock).inSeconds))
            }
            return outcome
        }
        // A fit of one block of rows has no parallel work of its own, so the
        // cells are spread over the cores instead, the costliest (most
        // components) first; each fit is the same wherever it runs.
        let outcomes: [Swift.Result<Candidate, ClusteringError>]
        if source.rowCount <= BlockSizes.rows {
            let order = cells.indices.sorted { cells[$0].1 > cells[$1].1 }
            let results = concurrentMap(count: order.count, workers: defaultWorkerCount) { fit(order[$0]) }
            var byCell = [Swift.Result<Candidate, ClusteringError>?](repeating: nil, count: cells.count)
            for (position, cell) in order.enumerated() { byCell[cell] = results[position] }
            outcomes = byCell.map { $0! }
        } else {
            outcomes = cells.indices.map(fit)
        }
        var ranked: [Candidate] = []
        var failures: [Failure] = []
        for (cell, outcome) in zip(cells, outcomes) {
            switch outcome {
            case .success(let candidate): ranked.append(candidate)
            case .failure(let error): failures.append(Failure(componentCount: cell.1, covarianceType: cell.0, error: error))
            }
        }
        ranked.sort { $0.bic < $1.bic }
        return Result(ranked: ranked, failures: failures)
    }

    /// The criteria of `model` on the rows it was fitted to, from one
    /// evaluation of the log-densities (the same values as
    /// `model.logLikelihoods` and `model.classify`, which would take two).
    static func candidate<Source: RowBlockSource>(_ model: GaussianMixtureModel, on source: Source) throws(ClusteringError) -> Candidate {
        let n = Double(source.rowCount), p = Double(model.parameterCount)
        let (logLikelihoods, uncertainties) = try model.parameters.logLikelihoodsAndUncertaintiesBlocks(BlockReader(source))
        let logLikelihood = logLikelihoods.reduce(0, +)
        let classificationLogLikelihood = uncertainties.reduce(0.0) { $0 + Double.log(1 - $1) }
        let bic = -2 * logLikelihood + p * Double.log(n)
        return Candidate(componentCount: model.componentCount, covarianceType: model.covarianceType, model: model,
                         bic: bic, aic: -2 * logLikelihood + 2 * p, icl: bic - 2 * classificationLogLikelihood,
                         logLikelihood: logLikelihood)
    }
}
