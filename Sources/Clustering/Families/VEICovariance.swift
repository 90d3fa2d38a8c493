import LinearAlgebra

/// mclust's VEI, λₖ·A: diagonal, a volume per component, one shape. Its
/// M-step alternates (Celeux and Govaert 1995) between the shape given the
/// volumes, A ∝ Σₖ nₖ·diag(Sₖ)/λₖ with |A| = 1, and the volumes given the
/// shape, λₖ = tr(Sₖ·A⁻¹)/d, to the fixed point.
enum VEICovariance: ConstrainedCovarianceFamily {
    typealias Layout = DiagonalCovariance
    static var covarianceType: CovarianceType { .vei }
    static func covarianceParameterCount(components k: Int, dimension d: Int) -> Int { k + d - 1 }

    static func constrain(_ estimates: [Matrix<Double>], counts n: [Double], previous: [Matrix<Double>]?) -> [Matrix<Double>] {
        let s = estimates[0], k = s.rows, d = s.columns
        var lambda = (0..<k).map { geometricMean(s.row($0)) }
        var shape = [Double](repeating: 1, count: d)
        iterateToFixedPoint {
            let pooled = (0..<d).map { j in (0..<k).reduce(0.0) { $0 + n[$1] * s[$1, j] / lambda[$1] } }
            let g = geometricMean(pooled)
            shape = pooled.map { $0 / g }
            let next = (0..<k).map { c in (0..<d).reduce(0.0) { $0 + s[c, $1] / shape[$1] } / Double(d) }
            defer { lambda = next }
            return relativeChange(lambda, next)
        }
        return [Matrix(rows: k, columns: d) { c, j in lambda[c] * shape[j] }]
    }
}
