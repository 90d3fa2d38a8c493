import LinearAlgebra

/// The parameters EM iterates on: weights, means and Cholesky factors of the
/// precisions, in Double whatever the data's precision.
struct MixtureParameters: Sendable, Equatable {
    var weights: [Double]
    /// K×d.
    var means: Matrix<Double>
    /// scikit-learn's `precisions_cholesky_`.
    var precisionCholesky: CovarianceParameters

    var componentCount: Int { weights.count }
    var dimension: Int { means.columns }
    var covarianceType: CovarianceType { precisionCholesky.covarianceType }

    /// A point near the data's centre, Σₖ πₖ·μₖ. EM works in coordinates
    /// shifted by it, which keeps the second moments and the expanded
    /// distances of the E-step from cancelling when the data sit far from
    /// the origin.
    var centre: [Double] {
        var c = [Double](repeating: 0, count: dimension)
        let total = weights.reduce(0, +)
        for k in 0..<componentCount {
            for j in 0..<dimension { c[j] += weights[k] / total * means[k, j] }
        }
        return c
    }
}
