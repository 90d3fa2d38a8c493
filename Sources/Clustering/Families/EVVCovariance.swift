import LinearAlgebra

/// mclust's EVV, λ·Cₖ with |Cₖ| = 1: one volume, a shape and orientation
/// per component. In closed form: with gₖ = |Sₖ|^(1/d), Cₖ = Sₖ/gₖ and
/// λ = Σₖ nₖ·gₖ / Σₖ nₖ.
enum EVVCovariance: ConstrainedCovarianceFamily {
    typealias Layout = FullCovariance
    static var covarianceType: CovarianceType { .evv }
    static func covarianceParameterCount(components k: Int, dimension d: Int) -> Int { 1 - k + k * d * (d + 1) / 2 }

    static func constrain(_ estimates: [Matrix<Double>], counts n: [Double], previous: [Matrix<Double>]?) -> [Matrix<Double>] {
        let g = estimates.map(volume)
        let lambda = n.indices.reduce(0.0) { $0 + n[$1] * g[$1] } / n.reduce(0, +)
        let d = estimates[0].rows
        return Matrix.blocks(count: estimates.count, rows: d, columns: d) { c, sigma in
            let factor = lambda / g[c]
            estimates[c].withUnsafeBufferPointer { s in
                for i in 0..<(d * d) { sigma[i] = factor * s[i] }
            }
        }
    }
}
