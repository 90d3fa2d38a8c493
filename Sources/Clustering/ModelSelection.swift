import LinearAlgebra
import RealModule

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

    /// The outcome: fitted candidates by increasing BIC, then the cells that failed.
    public struct Result: Sendable {
        public let ranked: [Candidate]
        public let failures: [Failure]
    }

    /// Fits every combination of `componentCounts` and `covarianceTypes` with
    /// the other settings of `estimator`, and ranks the fits by BIC.
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
    /// - Complexity: the sum of the fits' costs.
    public static func rank<Source: RowBlockSource>(
        _ source: Source, componentCounts: [Int], covarianceTypes: [CovarianceType] = CovarianceType.scikitLearnTypes,
        estimator: GaussianMixture = GaussianMixture(), sampleWeights: [Double]? = nil
    ) throws(ClusteringError) -> Result {
        try validateData(source, sampleWeights: sampleWeights, minimumRows: 1)
        var estimator = estimator
        if estimator.initialization == .hierarchical && estimator.initialResponsibilities == nil && estimator.hierarchy == nil {
            // One tree gives every K its partition, as mclust's mclustBIC grows one.
            estimator.hierarchy = try HierarchicalClustering().mergeTree(source)
        }
        var ranked: [Candidate] = []
        var failures: [Failure] = []
        for type in covarianceTypes {
            for k in componentCounts {
                var cell = estimator
                cell.componentCount = k
                cell.covarianceType = type
                do {
                    let model = try cell.fit(source, sampleWeights: sampleWeights)
                    ranked.append(try candidate(model, on: source))
                } catch {
                    failures.append(Failure(componentCount: k, covarianceType: type, error: error))
                }
            }
        }
        ranked.sort { $0.bic < $1.bic }
        return Result(ranked: ranked, failures: failures)
    }

    /// The criteria of `model` on the rows it was fitted to, in one pass.
    static func candidate<Source: RowBlockSource>(_ model: GaussianMixtureModel, on source: Source) throws(ClusteringError) -> Candidate {
        let n = Double(source.rowCount), p = Double(model.parameterCount)
        let logLikelihood = try model.logLikelihoods(source).reduce(0, +)
        let (_, uncertainties) = try model.classify(source)
        let classificationLogLikelihood = uncertainties.reduce(0.0) { $0 + Double.log(1 - $1) }
        let bic = -2 * logLikelihood + p * Double.log(n)
        return Candidate(componentCount: model.componentCount, covarianceType: model.covarianceType, model: model,
                         bic: bic, aic: -2 * logLikelihood + 2 * p, icl: bic - 2 * classificationLogLikelihood,
                         logLikelihood: logLikelihood)
    }
}
