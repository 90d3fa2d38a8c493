import LinearAlgebra

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
        var ranked: [Candidate] = []
        var failures: [Failure] = []
        for type in covarianceTypes {
            for k in componentCounts {
                var cell = estimator
                cell.componentCount = k
                cell.covarianceType = type
                do {
                    let model = try cell.fit(source, sampleWeights: sampleWeights)
                    ranked.append(Candidate(componentCount: k, covarianceType: type, model: model,
                                            bic: try model.bic(source), aic: try model.aic(source)))
                } catch {
                    failures.append(Failure(componentCount: k, covarianceType: type, error: error))
                }
            }
        }
        ranked.sort { $0.bic < $1.bic }
        return Result(ranked: ranked, failures: failures)
    }
}
