import LinearAlgebra

/// The parameters EM iterates on: weights, means and Cholesky factors of the
/// precisions, in Double whatever the data's precision.
package struct MixtureParameters: Sendable, Equatable {
    package var weights: [Double]
    /// K×d.
    package var means: Matrix<Double>
    /// scikit-learn's `precisions_cholesky_`.
    package var precisionCholesky: CovarianceParameters

    package var componentCount: Int { weights.count }
    package var dimension: Int { means.columns }
    package var covarianceType: CovarianceType { precisionCholesky.covarianceType }

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
        var buffer = weights + means.elements
        switch precisionCholesky {
        case .full(let factors): for factor in factors { buffer += factor.elements }
        case .tied(let factor), .diag(let factor): buffer += factor.elements
        case .spherical(let values): buffer += values
        }
        return buffer
    }

    /// The parameters of `buffer`, laid out as ``packed`` for a mixture of
    /// `componentCount` components of `dimension` with `covarianceType`.
    ///
    /// - Precondition: the buffer has exactly that layout's length.
    package init(packed buffer: [Double], componentCount k: Int, dimension d: Int, covarianceType: CovarianceType) {
        var offset = 0
        func take(_ count: Int) -> [Double] {
            defer { offset += count }
            return Array(buffer[offset..<(offset + count)])
        }
        weights = take(k)
        means = Matrix(rows: k, columns: d, elements: take(k * d))
        switch covarianceType {
        case .full: precisionCholesky = .full((0..<k).map { _ in Matrix(rows: d, columns: d, elements: take(d * d)) })
        case .tied: precisionCholesky = .tied(Matrix(rows: d, columns: d, elements: take(d * d)))
        case .diag: precisionCholesky = .diag(Matrix(rows: k, columns: d, elements: take(k * d)))
        case .spherical: precisionCholesky = .spherical(take(k))
        }
        precondition(offset == buffer.count, "a packed buffer of \(buffer.count) values, expected \(offset)")
    }

    /// The length of ``packed`` for such a mixture.
    package static func packedCount(componentCount k: Int, dimension d: Int, covarianceType: CovarianceType) -> Int {
        switch covarianceType {
        case .full: return k + k * d + k * d * d
        case .tied: return k + k * d + d * d
        case .diag: return k + 2 * k * d
        case .spherical: return 2 * k + k * d
        }
    }
}
