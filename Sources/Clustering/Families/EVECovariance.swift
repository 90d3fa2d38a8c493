import LinearAlgebra

/// mclust's EVE, λ·D·Aₖ·Dᵀ: one volume and orientation, a shape per
/// component. Given D, the rotated diagonals wₖ = diag(Dᵀ·Sₖ·D) give
/// Aₖ = wₖ/gₖ and λ = Σₖ nₖ·gₖ / Σₖ nₖ (gₖ their geometric means, as for
/// EVI); D comes from ``sharedOrientation(_:counts:previousFactors:diagonals:)``.
enum EVECovariance: ConstrainedCovarianceFamily {
    typealias Layout = FullCovariance
    static var covarianceType: CovarianceType { .eve }
    static func covarianceParameterCount(components k: Int, dimension d: Int) -> Int { 1 + k * (d - 1) + d * (d - 1) / 2 }

    static func logDensityKernel<Scalar: BLASScalar>(
        _ parameters: MixtureParameters, centeredMeans: Matrix<Double>, as type: Scalar.Type
    ) -> any LogDensityKernel<Scalar> {
        sharedOrientationKernel(parameters, centeredMeans: centeredMeans, as: type)
    }

    static func constrain(_ estimates: [Matrix<Double>], counts n: [Double], previous: [Matrix<Double>]?) -> [Matrix<Double>] {
        let total = n.reduce(0, +)
        let k = estimates.count, d = estimates.first?.rows ?? 0
        var g = [Double](repeating: 0, count: k)
        let (orientation, diagonals) = sharedOrientation(estimates, counts: n, previousFactors: previous) { w in
            for c in 0..<k { g[c] = geometricMean(w[(c * d)..<((c + 1) * d)]) }
            let lambda = n.indices.reduce(0.0) { $0 + n[$1] * g[$1] } / total
            for c in 0..<k { for i in 0..<d { w[c * d + i] = lambda * w[c * d + i] / g[c] } }
        }
        return diagonals.map { rotated(orientation, diagonal: $0) }
    }
}
