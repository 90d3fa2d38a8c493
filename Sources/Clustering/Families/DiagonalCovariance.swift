import LinearAlgebra
import RealModule

/// Diagonal covariance: each component has its own variance per feature.
///
/// Features φ(x) = [x∘x, x, 1], so that
/// sₖ(x) = Σⱼ x²ⱼ·pₖⱼ − 2·xⱼ·μₖⱼ·pₖⱼ + μ²ₖⱼ·pₖⱼ (pₖⱼ = 1/σ²ₖⱼ) is one
/// product φ·C (4·m·K·d flops for m rows), and Rᵀ·φ gives the second moments
/// Σᵢ rᵢₖ·x²ᵢⱼ with the counts and first moments. On Double data of
/// several blocks and at least `EStep.rowFeaturesMinimumDimension`
/// coordinates, with a coefficient matrix that fits the L2, both products
/// are taken from the rows themselves, z = x − center formed a tile of rows
/// at a time and φ never written (``rowFeatures``); otherwise φ is written
/// (once, for data of one block) and multiplied.
enum DiagonalCovariance: CovarianceFamily {
    static var covarianceType: CovarianceType { .diag }
    static var storage: CovarianceStorage { .componentValues }
    static var widensFloatMoments: Bool { true }

    static func blockShapes(components k: Int, dimension d: Int) -> [(rows: Int, columns: Int)] { [(k, d)] }

    static func arrayShape(components k: Int, dimension d: Int) -> [Int] { [k, d] }

    static func covarianceParameterCount(components k: Int, dimension d: Int) -> Int { k * d }

    static func featureCount(dimension d: Int) -> Int { 2 * d + 1 }

    static func coordinateColumns(dimension d: Int) -> Range<Int> { d..<(2 * d) }

    static func writeFeatures<Scalar: BLASScalar>(of block: Matrix<Scalar>, center: [Scalar], into features: inout Matrix<Scalar>) {
        MixtureRowKernels.writeFeatures(.diagonal, of: block, center: center, into: &features)
    }

    @_specialize(where Scalar == Float)
    static func widenFeatures<Scalar: BLASScalar>(_ features: Matrix<Scalar>, into wide: inout Matrix<Double>) {
        let f = features.columns, d = (f - 1) / 2
        features.withUnsafeBufferPointer { phi in
            wide.withUnsafeMutableBufferPointer { out in
                for row in stride(from: 0, to: phi.count, by: f) {
                    for j in 0..<d {
                        let v = Double(phi[row + d + j])
                        out[row + j] = v * v
                        out[row + d + j] = v
                    }
                    out[row + 2 * d] = 1
                }
            }
        }
    }

    static func logDensityKernel<Scalar: BLASScalar>(
        _ parameters: MixtureParameters, centeredMeans means: Matrix<Double>, as: Scalar.Type
    ) -> any LogDensityKernel<Scalar> {
        let factors = parameters.precisionsCholesky.blocks[0]
        let logDeterminants = (0..<factors.rows).map { c in (0..<factors.columns).reduce(0.0) { $0 + Double.log(factors[c, $1]) } }
        return QuadraticFormKernel<Scalar>(diagonalPrecisions: factors.map { $0 * $0 }, means: means,
                                           logWeight: parameters.logWeight(of:), logDeterminants: consume logDeterminants)
    }

    static func scratchBytesPerRow(components k: Int, dimension d: Int, scalarSize: Int) -> Int {
        scalarSize * (2 * d + 3 * k) + 8 * k
    }

    static func secondMomentShape(components k: Int, dimension d: Int) -> (rows: Int, columns: Int) { (k, d) }

    static func accumulateSecondMoments<Scalar: BLASScalar>(
        into statistics: inout SufficientStatistics, moments: Matrix<Double>, features: Matrix<Scalar>,
        responsibilities: Matrix<Scalar>, rowWeights: UnsafeBufferPointer<Double>?,
        workspace: inout SufficientStatistics.Workspace<Scalar>
    ) {
        addSecondMoments(moments, to: &statistics)
    }

    /// Σᵢ rᵢₖ·x²ᵢⱼ: the x∘x columns of Rᵀ·φ.
    static func addSecondMoments(_ moments: Matrix<Double>, to statistics: inout SufficientStatistics) {
        for c in 0..<statistics.componentCount {
            for j in 0..<statistics.dimension { statistics.secondMoments[c, j] += moments[c, j] }
        }
    }

    static var rowFeatures: RowFeatures? { .diagonal }

    static func covariances(
        from statistics: SufficientStatistics, shiftedMeans: Matrix<Double>, counts n: [Double], regularization: Double,
        previous: CovarianceParameters?
    ) -> CovarianceParameters {
        .diag(Matrix(rows: statistics.componentCount, columns: statistics.dimension) { i, j in
            statistics.secondMoments[i, j] / n[i] - shiftedMeans[i, j] * shiftedMeans[i, j] + regularization
        })
    }

    /// σ²ₖⱼ + Nₖ/nₖ·δ²ₖⱼ.
    static func widening(
        _ covariances: CovarianceParameters, byOffsets delta: Matrix<Double>, counts: [Double], regularizedCounts n: [Double]
    ) -> CovarianceParameters {
        let variances = covariances.blocks[0]
        return .diag(Matrix(rows: delta.rows, columns: delta.columns) { c, j in
            variances[c, j] + counts[c] / n[c] * delta[c, j] * delta[c, j]
        })
    }

    static func defaultCovariancePrior(dataCovariance: Matrix<Double>) -> Matrix<Double> {
        Matrix(rows: 1, columns: dataCovariance.rows) { _, j in dataCovariance[j, j] }
    }

    /// Wₖⱼ = (ψ₀ⱼ + Nₖ·(Sₖⱼ + β₀/βₖ·δ²ₖⱼ)) / νₖ.
    static func posteriorCovariances(
        prior: Matrix<Double>, estimates: CovarianceParameters, counts n: [Double], meanOffsets delta: Matrix<Double>,
        meanPrecisionPrior beta0: Double, meanPrecisions beta: [Double], degreesOfFreedom nu: [Double]
    ) -> CovarianceParameters {
        let s = estimates.blocks[0]
        return .diag(Matrix(rows: delta.rows, columns: delta.columns) { c, j in
            (prior[0, j] + n[c] * (s[c, j] + beta0 / beta[c] * delta[c, j] * delta[c, j])) / nu[c]
        })
    }

    static func parameterDoubles(components k: Int, dimension d: Int) -> Int { saturatingProduct(k, d) }
}
