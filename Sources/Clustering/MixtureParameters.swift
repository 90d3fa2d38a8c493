import LinearAlgebra
import RealModule

/// The parameters EM iterates on: weights, means and Cholesky factors of the
/// precisions, in Double whatever the data's precision.
package struct MixtureParameters: Sendable, Equatable {
    package var weights: [Double]
    /// K×d.
    package var means: Matrix<Double>
    /// scikit-learn's `precisions_cholesky_`.
    package var precisionsCholesky: CovarianceParameters
    /// The per-component terms the E-step adds in place of log πₖ, when
    /// they are not the logarithms of ``weights``: the variational mixture's
    /// E[log πₖ] plus its corrections for the uncertainty of the precisions
    /// and means (see ``VariationalPosterior``). Not part of ``packed``.
    package var logWeightTerms: [Double]? = nil

    package init(weights: [Double], means: Matrix<Double>, precisionsCholesky: CovarianceParameters, logWeightTerms: [Double]? = nil) {
        self.weights = weights
        self.means = means
        self.precisionsCholesky = precisionsCholesky
        self.logWeightTerms = logWeightTerms
    }

    /// What the E-step adds to component k's log-density: log πₖ, or
    /// ``logWeightTerms``[k].
    func logWeight(of k: Int) -> Double { logWeightTerms?[k] ?? Double.log(weights[k]) }

    package var componentCount: Int { weights.count }
    package var dimension: Int { means.columns }
    package var covarianceType: CovarianceType { precisionsCholesky.covarianceType }

    /// A point near the data's center, Σₖ πₖ·μₖ. EM works in coordinates
    /// shifted by it, which keeps the second moments and the expanded
    /// distances of the E-step from cancelling when the data sit far from
    /// the origin.
    var center: [Double] {
        var c = [Double](repeating: 0, count: dimension)
        let total = weights.reduce(0, +)
        for k in 0..<componentCount {
            for j in 0..<dimension { c[j] += weights[k] / total * means[k, j] }
        }
        return c
    }
}

// MARK: - One flat buffer, for broadcasting

extension MixtureParameters {
    /// Weights, means and precision factors in one buffer (the factors'
    /// matrices row by row), for sending to other processes.
    package var packed: [Double] {
        weights + means.elements + precisionsCholesky.flattened
    }

    /// The parameters of `buffer`, laid out as ``packed`` for a mixture of
    /// `componentCount` components of `dimension` with `covarianceType`.
    ///
    /// - Precondition: the buffer has exactly that layout's length.
    package init(packed buffer: [Double], componentCount k: Int, dimension d: Int, covarianceType: CovarianceType) {
        precondition(buffer.count == Self.packedCount(componentCount: k, dimension: d, covarianceType: covarianceType),
                     "a packed buffer of \(buffer.count) values, expected \(Self.packedCount(componentCount: k, dimension: d, covarianceType: covarianceType))")
        weights = Array(buffer[0..<k])
        means = Matrix(rows: k, columns: d, elements: Array(buffer[k..<(k + k * d)]))
        precisionsCholesky = CovarianceParameters(covarianceType, components: k, dimension: d, flattened: buffer[(k + k * d)...])
    }

    /// The length of ``packed`` for such a mixture.
    package static func packedCount(componentCount k: Int, dimension d: Int, covarianceType: CovarianceType) -> Int {
        k + k * d + covarianceType.family.blockShapes(components: k, dimension: d).reduce(0) { $0 + $1.rows * $1.columns }
    }
}
