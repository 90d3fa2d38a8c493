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
        let k = estimates[0].rows, d = estimates[0].columns
        let (lambda, shape) = volumesAndShape(diagonals: estimates[0].elements, counts: n, dimension: d)
        return [Matrix(rows: k, columns: d) { c, j in lambda[c] * shape[j] }]
    }
}
