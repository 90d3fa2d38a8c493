import LinearAlgebra
import RealModule

/// Tied covariance: every component shares one general d×d matrix.
///
/// Features φ(x) = [x, 1]. The log-densities project each row once on the
/// shared factor U (y = xᵀU) and expand ‖y − bₖ‖² = ‖y‖² − 2y·bₖ + ‖bₖ‖²:
/// two GEMMs, 2·m·d² + 2·m·K·d flops for m rows. The second moment is one
/// SYRK of the rows scaled by their sample weights.
enum TiedCovariance: CovarianceFamily {
    static var covarianceType: CovarianceType { .tied }
    static var storage: CovarianceStorage { .matrices }
    static var isShared: Bool { true }

    static func blockShapes(components k: Int, dimension d: Int) -> [(rows: Int, columns: Int)] { [(d, d)] }

    static func arrayShape(components k: Int, dimension d: Int) -> [Int] { [d, d] }

    static func covarianceParameterCount(components k: Int, dimension d: Int) -> Int { d * (d + 1) / 2 }

    static func featureCount(dimension d: Int) -> Int { d + 1 }

    static func coordinateColumns(dimension d: Int) -> Range<Int> { 0..<d }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func writeFeatures<Scalar: BLASScalar>(of block: Matrix<Scalar>, center: [Scalar], into features: inout Matrix<Scalar>) {
        MixtureRowKernels.writeFeatures(.coordinates, of: block, center: center, into: &features)
    }

    static func logDensityKernel<Scalar: BLASScalar>(
        _ parameters: MixtureParameters, centeredMeans: Matrix<Double>, as: Scalar.Type
    ) -> any LogDensityKernel<Scalar> {
        Kernel<Scalar>(factor: parameters.precisionsCholesky.blocks[0], logWeight: parameters.logWeight(of:),
                       centeredMeans: centeredMeans)
    }

    static func scratchBytesPerRow(components k: Int, dimension d: Int, scalarSize: Int) -> Int {
        scalarSize * (3 * d + 3 * k) + 8 * k
    }

    static func secondMomentShape(components k: Int, dimension d: Int) -> (rows: Int, columns: Int) { (d, d) }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func accumulateSecondMoments<Scalar: BLASScalar>(
        into statistics: inout SufficientStatistics, moments: Matrix<Double>, features: Matrix<Scalar>,
        responsibilities: Matrix<Scalar>, rowWeights: UnsafeBufferPointer<Double>?,
        workspace: inout SufficientStatistics.Workspace<Scalar>
    ) {
        let d = statistics.dimension, m = features.rows
        // Shift (zeros) and scales in the workspace: no allocation per block.
        if workspace.shift.count != d { workspace.shift = [Scalar](repeating: 0, count: d) }
        for j in 0..<d { workspace.shift[j] = 0 }
        if let rowWeights {
            if workspace.rowScales.count != m { workspace.rowScales = [Scalar](repeating: 0, count: m) }
            for i in 0..<m { workspace.rowScales[i] = Scalar(rowWeights[i].squareRoot()) }
        }
        let used = workspace.fillScaledRows(features: features, dimension: d, shift: workspace.shift,
                                            scales: rowWeights == nil ? nil : workspace.rowScales)
        statistics.addGram(of: workspace.scaledRows[rows: 0..<used], toSecondMomentRowsFrom: 0, workspace: &workspace)
    }

    static func covariances(
        from statistics: SufficientStatistics, shiftedMeans: Matrix<Double>, counts n: [Double], regularization: Double,
        previous: CovarianceParameters?
    ) -> CovarianceParameters {
        let k = statistics.componentCount, d = statistics.dimension
        let nTotal = n.reduce(0, +)
        // Σ = (S₂ − Σₖ Nₖ·m′ₖm′ₖᵀ) / N: the second moment less the means' outer products.
        var meanOuter = Matrix<Double>(rows: d, columns: d)
        let scaled = Matrix<Double>(rows: k, columns: d) { i, j in shiftedMeans[i, j] * n[i].squareRoot() }
        BLAS.syrk(scaled, into: &meanOuter, triangle: .lower, transpose: .transpose)
        var sigma = Matrix<Double>(rows: d, columns: d) { i, j in
            j <= i ? (statistics.secondMoments[i, j] - meanOuter[i, j]) / nTotal : 0
        }
        sigma.symmetrize(from: .lower)
        for i in 0..<d { sigma[i, i] += regularization }
        return .tied(sigma)
    }

    /// Σ + Σₖ Nₖ·δₖδₖᵀ / Σₖ nₖ.
    static func widening(
        _ covariances: CovarianceParameters, byOffsets delta: Matrix<Double>, counts: [Double], regularizedCounts n: [Double]
    ) -> CovarianceParameters {
        let k = delta.rows, d = delta.columns, nTotal = n.reduce(0, +)
        var spread = Matrix<Double>(rows: d, columns: d)
        let scaled = Matrix<Double>(rows: k, columns: d) { c, j in delta[c, j] * counts[c].squareRoot() }
        BLAS.syrk(scaled, into: &spread, triangle: .lower, transpose: .transpose)
        spread.symmetrize(from: .lower)
        let sigma = covariances.blocks[0]
        return .tied(Matrix(rows: d, columns: d) { i, j in sigma[i, j] + spread[i, j] / nTotal })
    }

    static func defaultCovariancePrior(dataCovariance: Matrix<Double>) -> Matrix<Double> { dataCovariance }

    /// W = (Ψ₀ + S·ΣNₖ/K + β₀/K·Σₖ (Nₖ/βₖ)·δₖδₖᵀ) / ν.
    static func posteriorCovariances(
        prior: Matrix<Double>, estimates: CovarianceParameters, counts n: [Double], meanOffsets delta: Matrix<Double>,
        meanPrecisionPrior beta0: Double, meanPrecisions beta: [Double], degreesOfFreedom nu: [Double]
    ) -> CovarianceParameters {
        let k = delta.rows, d = delta.columns
        let share = n.reduce(0, +) / Double(k), s = estimates.blocks[0]
        var spread = Matrix<Double>(rows: d, columns: d)
        let scaled = Matrix<Double>(rows: k, columns: d) { c, j in delta[c, j] * (n[c] / beta[c]).squareRoot() }
        BLAS.syrk(scaled, into: &spread, triangle: .lower, transpose: .transpose)
        spread.symmetrize(from: .lower)
        return .tied(Matrix(rows: d, columns: d) { i, j in
            (prior[i, j] + s[i, j] * share + beta0 / Double(k) * spread[i, j]) / nu[0]
        })
    }

    static func parameterDoubles(components k: Int, dimension d: Int) -> Int {
        saturatingSum(saturatingProduct(d, d), saturatingProduct(k, d))
    }

    /// sₖ(x) = ‖y‖² − 2y·bₖ + ‖bₖ‖² with y = xᵀU and bₖ = μₖᵀU.
    struct Kernel<Scalar: BLASScalar>: LogDensityKernel {
        let constants: [Double]
        /// [U; 0]: (d + 1) × d, so that φ·this = xᵀU.
        let projection: Matrix<Scalar>
        /// bₖ (K × d).
        let projectedMeans: Matrix<Scalar>
        /// ‖bₖ‖².
        let projectedMeanNorms: [Double]
        private var projections = Matrix<Scalar>(rows: 0, columns: 0)
        private var crossTerms = Matrix<Scalar>(rows: 0, columns: 0)

        // Specialised: the factors are copied element by element.
        @_specialize(where Scalar == Float)
        @_specialize(where Scalar == Double)
        init(factor u: Matrix<Double>, logWeight: (Int) -> Double, centeredMeans means: Matrix<Double>) {
            let d = u.rows
            var c = Matrix<Double>(rows: d + 1, columns: d)
            c[rows: 0..<d] = u
            projection = c.converted()
            let b = means.matmul(u)
            projectedMeans = b.converted()
            projectedMeanNorms = b.map { $0 * $0 }.rowSums()
            let logDeterminant = (0..<d).reduce(0.0) { $0 + Double.log(u[$1, $1]) }
            constants = componentConstants(logWeight: logWeight, logDeterminants: [Double](repeating: logDeterminant, count: means.rows),
                                           dimension: d)
        }

        @_specialize(where Scalar == Float)
        @_specialize(where Scalar == Double)
        mutating func weightedLogDensities(features: Matrix<Scalar>, into logDensities: inout Matrix<Double>) {
            let m = features.rows, k = constants.count, d = projection.columns
            precondition(logDensities.rows == m && logDensities.columns == k)
            if projections.rows != m {
                projections = .scratch(rows: m, columns: d)
                crossTerms = .scratch(rows: m, columns: k)
            }
            BLAS.gemm(features, projection, into: &projections)
            BLAS.gemm(projections, projectedMeans, into: &crossTerms, transposeB: .transpose)
            let (norms, constants) = (projectedMeanNorms, self.constants)
            projections.withUnsafeBufferPointer { y in
                crossTerms.withUnsafeBufferPointer { cross in
                    logDensities.withUnsafeMutableBufferPointer { out in
                        for i in 0..<m {
                            let yNorm = Double(sumOfSquares(y, i * d, d))
                            for c in 0..<k {
                                // Rounding can make a distance of zero slightly negative.
                                let s = Swift.max(0, yNorm - 2 * Double(cross[i * k + c]) + norms[c])
                                out[i * k + c] = constants[c] - 0.5 * s
                            }
                        }
                    }
                }
            }
        }
    }
}
