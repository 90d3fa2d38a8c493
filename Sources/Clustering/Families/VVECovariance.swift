import LinearAlgebra

/// mclust's VVE, λₖ·D·Aₖ·Dᵀ: one orientation, a volume and shape per
/// component. Given D, each component's λₖ·Aₖ is its rotated diagonal
/// diag(Dᵀ·Sₖ·D); D comes from ``sharedOrientation(_:counts:previousFactors:equalVolumes:)``.
enum VVECovariance: ConstrainedCovarianceFamily {
    typealias Layout = FullCovariance
    static var covarianceType: CovarianceType { .vve }
    static func covarianceParameterCount(components k: Int, dimension d: Int) -> Int { k + k * (d - 1) + d * (d - 1) / 2 }

    static func logDensityKernel<Scalar: BLASScalar>(
        _ parameters: MixtureParameters, centeredMeans: Matrix<Double>, as type: Scalar.Type
    ) -> any LogDensityKernel<Scalar> {
        sharedOrientationKernel(parameters, centeredMeans: centeredMeans, as: type)
    }

    static func constrain(_ estimates: [Matrix<Double>], counts n: [Double], previous: [Matrix<Double>]?) -> [Matrix<Double>] {
        let (orientation, diagonals) = sharedOrientation(estimates, counts: n, previousFactors: previous, equalVolumes: false)
        return rotated(orientation, diagonals: diagonals)
    }
}
