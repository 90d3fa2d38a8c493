import LinearAlgebra

/// mclust's EII, λ·I: one variance for every feature and component
/// (spherical, equal volume). Its M-step pools the spherical estimates:
/// λ = Σₖ nₖ·σ²ₖ / Σₖ nₖ.
enum EIICovariance: ConstrainedCovarianceFamily {
    typealias Layout = SphericalCovariance
    static var covarianceType: CovarianceType { .eii }
    static var isShared: Bool { true }
    static func covarianceParameterCount(components k: Int, dimension d: Int) -> Int { 1 }

    static func constrain(_ estimates: [Matrix<Double>], counts n: [Double], previous: [Matrix<Double>]?) -> [Matrix<Double>] {
        let variances = estimates[0]
        let pooled = n.indices.reduce(0.0) { $0 + n[$1] * variances[$1, 0] } / n.reduce(0, +)
        return [Matrix(rows: n.count, columns: 1, repeating: pooled)]
    }
}
