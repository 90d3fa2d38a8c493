import LinearAlgebra

/// mclust's EVI, λ·Aₖ: diagonal, one volume, a shape per component. In
/// closed form: with gₖ the geometric mean of Sₖ's diagonal, Aₖ = Sₖ/gₖ and
/// λ = Σₖ nₖ·gₖ / Σₖ nₖ.
enum EVICovariance: ConstrainedCovarianceFamily {
    typealias Layout = DiagonalCovariance
    static var covarianceType: CovarianceType { .evi }
    static func covarianceParameterCount(components k: Int, dimension d: Int) -> Int { 1 + k * (d - 1) }

    static func constrain(_ estimates: [Matrix<Double>], counts n: [Double], previous: [Matrix<Double>]?) -> [Matrix<Double>] {
        let s = estimates[0], k = s.rows, d = s.columns
        let g = s.withUnsafeBufferPointer { s in (0..<k).map { geometricMean(s[($0 * d)..<(($0 + 1) * d)]) } }
        let lambda = n.indices.reduce(0.0) { $0 + n[$1] * g[$1] } / n.reduce(0, +)
        return [Matrix(rows: s.rows, columns: s.columns) { k, j in lambda * s[k, j] / g[k] }]
    }
}
