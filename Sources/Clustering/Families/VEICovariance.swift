import LinearAlgebra

/// mclust's VEI, λₖ·A: diagonal, a volume per component, one shape. Its
/// M-step alternates (Celeux and Govaert 1995) between the shape given the
/// volumes, A ∝ Σₖ nₖ·diag(Sₖ)/λₖ with |A| = 1, and the volumes given the
/// shape, λₖ = tr(Sₖ·A⁻¹)/d, to the fixed point.
enum VEICovariance: ConstrainedCovarianceFamily {
    typealias Layout = DiagonalCovariance
    static var covarianceType: CovarianceType { .vei }
    static func covarianceParameterCount(components k: Int, dimension d: Int) -> Int { k + d - 1 }

    /// The fixed point's steps work on flat arrays (as VEV's do): arrays
    /// made per step cost more than their arithmetic.
    static func constrain(_ estimates: [Matrix<Double>], counts n: [Double], previous: [Matrix<Double>]?) -> [Matrix<Double>] {
        let s = estimates[0].elements, k = estimates[0].rows, d = estimates[0].columns
        var lambda = (0..<k).map { geometricMean(s[($0 * d)..<(($0 + 1) * d)]) }
        var shape = [Double](repeating: 1, count: d), next = [Double](repeating: 0, count: k)
        iterateToFixedPoint {
            for j in 0..<d {
                var sum = 0.0
                for c in 0..<k { sum += n[c] * s[c * d + j] / lambda[c] }
                shape[j] = sum
            }
            let g = geometricMean(shape)
            for j in 0..<d { shape[j] /= g }
            for c in 0..<k {
                var sum = 0.0
                for j in 0..<d { sum += s[c * d + j] / shape[j] }
                next[c] = sum / Double(d)
            }
            defer { swap(&lambda, &next) }
            return relativeChange(lambda, next)
        }
        return [Matrix(rows: k, columns: d) { c, j in lambda[c] * shape[j] }]
    }
}
