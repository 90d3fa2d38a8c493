import LinearAlgebra

/// mclust's VEV, λₖ·Dₖ·A·Dₖᵀ: one shape, a volume and orientation per
/// component. With Sₖ = Lₖ·Ωₖ·Lₖᵀ (eigenvalues descending), Dₖ = Lₖ, and
/// the M-step alternates between A ∝ Σₖ nₖ·Ωₖ/λₖ (|A| = 1) and
/// λₖ = tr(Ωₖ·A⁻¹)/d to the fixed point.
enum VEVCovariance: ConstrainedCovarianceFamily {
    typealias Layout = FullCovariance
    static var covarianceType: CovarianceType { .vev }
    static func covarianceParameterCount(components k: Int, dimension d: Int) -> Int { k + (d - 1) + k * d * (d - 1) / 2 }

    /// The fixed point's steps work on flat arrays: tens of them run every
    /// M-step, and arrays made per step cost more than their arithmetic.
    static func constrain(_ estimates: [Matrix<Double>], counts n: [Double], previous: [Matrix<Double>]?) -> [Matrix<Double>] {
        let systems = descendingEigensystems(estimates), k = estimates.count, d = estimates[0].rows
        var lambda = systems.map { geometricMean($0.values) }
        var shape = [Double](repeating: 1, count: d), next = [Double](repeating: 0, count: k)
        iterateToFixedPoint {
            for j in 0..<d {
                var sum = 0.0
                for c in 0..<k { sum += n[c] * systems[c].values[j] / lambda[c] }
                shape[j] = sum
            }
            let g = geometricMean(shape)
            for j in 0..<d { shape[j] /= g }
            for c in 0..<k {
                var sum = 0.0
                for j in 0..<d { sum += systems[c].values[j] / shape[j] }
                next[c] = sum / Double(d)
            }
            defer { swap(&lambda, &next) }
            return relativeChange(lambda, next)
        }
        return (0..<k).map { c in rotated(systems[c].vectors, diagonal: shape.map { $0 * lambda[c] }) }
    }
}
