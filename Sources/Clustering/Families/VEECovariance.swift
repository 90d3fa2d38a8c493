import LinearAlgebra

/// mclust's VEE, λₖ·C with |C| = 1: a volume per component, one shape and
/// orientation. Its M-step alternates between C ∝ Σₖ nₖ·Sₖ/λₖ and
/// λₖ = tr(Sₖ·C⁻¹)/d to the fixed point.
enum VEECovariance: ConstrainedCovarianceFamily {
    typealias Layout = FullCovariance
    static var covarianceType: CovarianceType { .vee }
    static func covarianceParameterCount(components k: Int, dimension d: Int) -> Int { k + (d - 1) + d * (d - 1) / 2 }

    static func logDensityKernel<Scalar: BLASScalar>(
        _ parameters: MixtureParameters, centeredMeans: Matrix<Double>, as type: Scalar.Type
    ) -> any LogDensityKernel<Scalar> {
        sharedOrientationKernel(parameters, centeredMeans: centeredMeans, as: type)
    }

    static func constrain(_ estimates: [Matrix<Double>], counts n: [Double], previous: [Matrix<Double>]?) -> [Matrix<Double>] {
        let k = estimates.count, d = estimates[0].rows
        var lambda = estimates.map(volume)
        var shared = Matrix<Double>.identity(d)
        iterateToFixedPoint {
            var pooled = Matrix<Double>(rows: d, columns: d)
            for c in 0..<k { pooled = pooled + (n[c] / lambda[c]) * estimates[c] }
            let v = volume(of: pooled)
            shared = (1 / v) * pooled
            guard let factor = try? Cholesky(shared) else {
                lambda = [Double](repeating: .nan, count: k)
                return 0
            }
            let next = estimates.map { s in factor.solve(s).diagonal.reduce(0, +) / Double(d) }
            defer { lambda = next }
            return relativeChange(lambda, next)
        }
        return lambda.map { $0 * shared }
    }
}
