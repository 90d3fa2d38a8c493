import LinearAlgebra
import RealModule

/// Spherical covariance: each component has one variance for every feature.
///
/// Features φ(x) = [x, ‖x‖², 1], so that
/// sₖ(x) = pₖ·‖x‖² − 2·pₖ·μₖ·x + pₖ·‖μₖ‖² (pₖ = 1/σ²ₖ) is one product φ·C
/// (2·m·K·d flops for m rows), and Rᵀ·φ gives the second moments
/// Σᵢ rᵢₖ·‖xᵢ‖² with the counts and first moments. Where the data allow
/// (as for ``DiagonalCovariance``), both products are taken from the rows
/// themselves and φ is never written (``rowFeatures``).
enum SphericalCovariance: CovarianceFamily {
    static var covarianceType: CovarianceType { .spherical }
    static var storage: CovarianceStorage { .componentValues }
    static var widensFloatMoments: Bool { true }
    static var rowFeatures: RowFeatures? { .spherical }

    static func blockShapes(components k: Int, dimension d: Int) -> [(rows: Int, columns: Int)] { [(k, 1)] }

    static func arrayShape(components k: Int, dimension d: Int) -> [Int] { [k] }

    static func covarianceParameterCount(components k: Int, dimension d: Int) -> Int { k }

    static func featureCount(dimension d: Int) -> Int { d + 2 }

    static func coordinateColumns(dimension d: Int) -> Range<Int> { 0..<d }

    static func writeFeatures<Scalar: BLASScalar>(of block: Matrix<Scalar>, center: [Scalar], into features: inout Matrix<Scalar>) {
        MixtureRowKernels.writeFeatures(.spherical, of: block, center: center, into: &features)
    }

    @_specialize(where Scalar == Float)
    static func widenFeatures<Scalar: BLASScalar>(_ features: Matrix<Scalar>, into wide: inout Matrix<Double>) {
        let f = features.columns, d = f - 2
        features.withUnsafeBufferPointer { phi in
            wide.withUnsafeMutableBufferPointer { out in
                for row in stride(from: 0, to: phi.count, by: f) {
                    var norm = 0.0
                    for j in 0..<d {
                        let v = Double(phi[row + j])
                        out[row + j] = v
                        norm += v * v
                    }
                    out[row + d] = norm
                    out[row + d + 1] = 1
                }
            }
        }
    }

    static func logDensityKernel<Scalar: BLASScalar>(
        _ parameters: MixtureParameters, centeredMeans means: Matrix<Double>, as: Scalar.Type
    ) -> any LogDensityKernel<Scalar> {
        let factors = parameters.precisionsCholesky.blocks[0]
        let k = parameters.componentCount, d = parameters.dimension
        var coefficients = Matrix<Double>(rows: d + 2, columns: k)
        var logDeterminants = [Double](repeating: 0, count: k)
        for component in 0..<k {
            let p = factors[component, 0] * factors[component, 0]
            var norm = 0.0
            for j in 0..<d {
                coefficients[j, component] = -2 * means[component, j] * p
                norm += means[component, j] * means[component, j]
            }
            coefficients[d, component] = p
            coefficients[d + 1, component] = norm * p
            logDeterminants[component] = Double(d) * Double.log(factors[component, 0])
        }
        return QuadraticFormKernel<Scalar>(
            constants: componentConstants(logWeight: parameters.logWeight(of:), logDeterminants: consume logDeterminants, dimension: d),
            coefficients: coefficients, rowFeatures: .spherical)
    }

    static func scratchBytesPerRow(components k: Int, dimension d: Int, scalarSize: Int) -> Int {
        scalarSize * (2 * d + 3 * k) + 8 * k
    }

    static func secondMomentShape(components k: Int, dimension d: Int) -> (rows: Int, columns: Int) { (k, 1) }

    static func accumulateSecondMoments<Scalar: BLASScalar>(
        into statistics: inout SufficientStatistics, moments: Matrix<Double>, features: Matrix<Scalar>,
        responsibilities: Matrix<Scalar>, rowWeights: UnsafeBufferPointer<Double>?,
        workspace: inout SufficientStatistics.Workspace<Scalar>
    ) {
        addSecondMoments(moments, to: &statistics)
    }

    /// Σᵢ rᵢₖ·‖xᵢ‖²: the ‖x‖² column of Rᵀ·φ.
    static func addSecondMoments(_ moments: Matrix<Double>, to statistics: inout SufficientStatistics) {
        let d = statistics.dimension
        for c in 0..<statistics.componentCount { statistics.secondMoments[c, 0] += moments[c, d] }
    }

    static func covariances(
        from statistics: SufficientStatistics, shiftedMeans: Matrix<Double>, counts n: [Double], regularization: Double,
        previous: CovarianceParameters?
    ) -> CovarianceParameters {
        let d = statistics.dimension
        return .spherical((0..<statistics.componentCount).map { c in
            let squaredNorm = (0..<d).reduce(0.0) { $0 + shiftedMeans[c, $1] * shiftedMeans[c, $1] }
            return (statistics.secondMoments[c, 0] / n[c] - squaredNorm) / Double(d) + regularization
        })
    }

    /// σ²ₖ + Nₖ/nₖ·(mean over j of δ²ₖⱼ).
    static func widening(
        _ covariances: CovarianceParameters, byOffsets delta: Matrix<Double>, counts: [Double], regularizedCounts n: [Double]
    ) -> CovarianceParameters {
        let variances = covariances.blocks[0], d = delta.columns
        return .spherical((0..<delta.rows).map { c in
            variances[c, 0] + counts[c] / n[c] * (0..<d).reduce(0.0) { $0 + delta[c, $1] * delta[c, $1] } / Double(d)
        })
    }

    static func defaultCovariancePrior(dataCovariance: Matrix<Double>) -> Matrix<Double> {
        let d = dataCovariance.rows
        return Matrix(rows: 1, columns: 1, elements: [(0..<d).reduce(0.0) { $0 + dataCovariance[$1, $1] } / Double(d)])
    }

    /// Wₖ = (ψ₀ + Nₖ·(Sₖ + β₀/βₖ·mean over j of δ²ₖⱼ)) / νₖ.
    static func posteriorCovariances(
        prior: Matrix<Double>, estimates: CovarianceParameters, counts n: [Double], meanOffsets delta: Matrix<Double>,
        meanPrecisionPrior beta0: Double, meanPrecisions beta: [Double], degreesOfFreedom nu: [Double]
    ) -> CovarianceParameters {
        let s = estimates.blocks[0], d = delta.columns
        return .spherical((0..<delta.rows).map { c in
            let meanSquare = (0..<d).reduce(0.0) { $0 + delta[c, $1] * delta[c, $1] } / Double(d)
            return (prior[0, 0] + n[c] * (s[c, 0] + beta0 / beta[c] * meanSquare)) / nu[c]
        })
    }

    static func parameterDoubles(components k: Int, dimension d: Int) -> Int { saturatingProduct(k, d) }
}
