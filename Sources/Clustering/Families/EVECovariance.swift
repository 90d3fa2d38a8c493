import LinearAlgebra

/// mclust's EVE, λ·D·Aₖ·Dᵀ: one volume and orientation, a shape per
/// component. Given D, the rotated diagonals wₖ = diag(Dᵀ·Sₖ·D) give
/// Aₖ = wₖ/gₖ and λ = Σₖ nₖ·gₖ / Σₖ nₖ (gₖ their geometric means, as for
/// EVI); D comes from ``sharedOrientation(_:counts:previousFactors:equalVolumes:)``.
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
        let (orientation, diagonals) = sharedOrientation(estimates, counts: n, previousFactors: previous, equalVolumes: true)
        return rotated(orientation, diagonals: diagonals)
    }
}
