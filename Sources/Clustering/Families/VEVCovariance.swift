import LinearAlgebra

/// mclust's VEV, λₖ·Dₖ·A·Dₖᵀ: one shape, a volume and orientation per
/// component. With Sₖ = Lₖ·Ωₖ·Lₖᵀ (eigenvalues descending), Dₖ = Lₖ, and
/// the M-step alternates between A ∝ Σₖ nₖ·Ωₖ/λₖ (|A| = 1) and
/// λₖ = tr(Ωₖ·A⁻¹)/d to the fixed point.
enum VEVCovariance: ConstrainedCovarianceFamily {
    typealias Layout = FullCovariance
    static var covarianceType: CovarianceType { .vev }
    static func covarianceParameterCount(components k: Int, dimension d: Int) -> Int { k + (d - 1) + k * d * (d - 1) / 2 }

    static func constrain(_ estimates: [Matrix<Double>], counts n: [Double], previous: [Matrix<Double>]?) -> [Matrix<Double>] {
        let systems = descendingEigensystems(estimates), k = estimates.count, d = estimates[0].rows
        var lambda = systems.map { geometricMean($0.values) }
        var shape = [Double](repeating: 1, count: d)
        iterateToFixedPoint {
            let pooled = (0..<d).map { j in (0..<k).reduce(0.0) { $0 + n[$1] * systems[$1].values[j] / lambda[$1] } }
            let g = geometricMean(pooled)
            shape = pooled.map { $0 / g }
            let next = systems.map { system in (0..<d).reduce(0.0) { $0 + system.values[$1] / shape[$1] } / Double(d) }
            defer { lambda = next }
            return relativeChange(lambda, next)
        }
        return (0..<k).map { c in rotated(systems[c].vectors, diagonal: shape.map { $0 * lambda[c] }) }
    }
}
