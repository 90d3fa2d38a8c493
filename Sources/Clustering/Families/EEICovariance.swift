import LinearAlgebra

/// mclust's EEI, λ·A: one diagonal covariance shared by every component.
/// Its M-step pools the diagonal estimates: σ²ⱼ = Σₖ nₖ·Sₖⱼ / Σₖ nₖ.
enum EEICovariance: ConstrainedCovarianceFamily {
    typealias Layout = DiagonalCovariance
    static var covarianceType: CovarianceType { .eei }
    static var isShared: Bool { true }
    static func covarianceParameterCount(components k: Int, dimension d: Int) -> Int { d }

    static func constrain(_ estimates: [Matrix<Double>], counts n: [Double], previous: [Matrix<Double>]?) -> [Matrix<Double>] {
        let s = estimates[0], total = n.reduce(0, +)
        let pooled = (0..<s.columns).map { j in n.indices.reduce(0.0) { $0 + n[$1] * s[$1, j] } / total }
        return [Matrix(rows: n.count, columns: s.columns) { _, j in pooled[j] }]
    }
}
