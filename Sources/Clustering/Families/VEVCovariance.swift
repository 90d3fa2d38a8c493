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
        let systems = DescendingEigensystems(estimates)
        let (lambda, shape) = volumesAndShape(diagonals: systems.values, counts: n, dimension: systems.dimension)
        return systems.rotated(diagonal: shape, scales: lambda)
    }
}
