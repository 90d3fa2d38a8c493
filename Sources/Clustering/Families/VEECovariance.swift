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

    /// Each step works on flat d × d arrays with a plain-loop Cholesky
    /// inverse of the pooled matrix P: λₖ = |P|^(1/d)·tr(P⁻¹·Sₖ)/d. A
    /// step is a few hundred flops at small d, where allocating matrices and
    /// calling LAPACK per step cost ten times the arithmetic (the fixed
    /// point takes tens of steps per M-step).
    static func constrain(_ estimates: [Matrix<Double>], counts n: [Double], previous: [Matrix<Double>]?) -> [Matrix<Double>] {
        let k = estimates.count, d = estimates[0].rows, size = d * d
        var lambda = estimates.map(volume)
        var scatter = [Double](repeating: 0, count: k * size)
        for c in 0..<k {
            estimates[c].withUnsafeBufferPointer { e in
                for i in 0..<size { scatter[c * size + i] = e[i] }
            }
        }
        var pooled = [Double](repeating: 0, count: size)
        var inverse = [Double](repeating: 0, count: size), factor = [Double](repeating: 0, count: size)
        var next = [Double](repeating: 0, count: k)
        var scale = Double.nan
        iterateToFixedPoint {
            for i in 0..<size { pooled[i] = 0 }
            for c in 0..<k {
                let weight = n[c] / lambda[c]
                for i in 0..<size { pooled[i] += weight * scatter[c * size + i] }
            }
            let logDeterminant = pooled.withUnsafeBufferPointer { a in
                factor.withUnsafeMutableBufferPointer { l in
                    inverse.withUnsafeMutableBufferPointer { SmallCholesky.inverse(of: a, dimension: d, factor: l, into: $0) }
                }
            }
            guard let logDeterminant else {
                lambda = [Double](repeating: .nan, count: k)
                return 0
            }
            // C = P/|P|^(1/d), so tr(Sₖ·C⁻¹) = |P|^(1/d)·tr(Sₖ·P⁻¹).
            scale = Double.exp(logDeterminant / Double(d))
            for c in 0..<k {
                var trace = 0.0
                for i in 0..<size { trace += inverse[i] * scatter[c * size + i] }
                next[c] = scale * trace / Double(d)
            }
            defer { swap(&lambda, &next) }
            return relativeChange(lambda, next)
        }
        let shared = pooled.map { $0 / scale }
        return Matrix.blocks(count: k, rows: d, columns: d) { c, sigma in
            for i in 0..<size { sigma[i] = lambda[c] * shared[i] }
        }
    }
}
