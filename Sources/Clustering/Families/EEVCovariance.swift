import LinearAlgebra

/// mclust's EEV, λ·Dₖ·A·Dₖᵀ: one volume and shape, an orientation per
/// component. In closed form: with Sₖ = Lₖ·Ωₖ·Lₖᵀ (eigenvalues
/// descending), Dₖ = Lₖ and λ·A = Σₖ nₖ·Ωₖ / Σₖ nₖ.
enum EEVCovariance: ConstrainedCovarianceFamily {
    typealias Layout = FullCovariance
    static var covarianceType: CovarianceType { .eev }
    static func covarianceParameterCount(components k: Int, dimension d: Int) -> Int { 1 + (d - 1) + k * d * (d - 1) / 2 }

    static func constrain(_ estimates: [Matrix<Double>], counts n: [Double], previous: [Matrix<Double>]?) -> [Matrix<Double>] {
        let systems = DescendingEigensystems(estimates), d = systems.dimension, total = n.reduce(0, +)
        let pooled = (0..<d).map { j in n.indices.reduce(0.0) { $0 + n[$1] * systems.values[$1 * d + j] } / total }
        return systems.rotated(diagonal: pooled)
    }
}
