import LinearAlgebra
import RealModule

/// A covariance family that stores, evaluates and accumulates its
/// parameters as `Layout` does and differs only in its M-step: mclust's
/// models beyond scikit-learn's four. A model of full matrices (VEE … EVV)
/// has the layout of ``FullCovariance``, a diagonal one (EEI, VEI, EVI)
/// that of ``DiagonalCovariance``, EII that of ``SphericalCovariance``; the
/// values are repeated per component where the model shares them, so the
/// E-step, the statistics and the JSON shape are the layout's.
///
/// The M-step starts from the layout's estimates Sₖ, the covariances of the
/// responsibilities with the regularisation added to every variance (so
/// that every model is regularised as scikit-learn's are, and equals
/// mclust's M-step with no regularisation), and imposes the constraint by
/// maximising the expected log-likelihood Σₖ −½·nₖ·(log |Σₖ| + tr(Sₖ·Σₖ⁻¹))
/// over the model's Σₖ.
protocol ConstrainedCovarianceFamily: CovarianceFamily {
    associatedtype Layout: CovarianceFamily
    /// The constrained covariances from the layout's estimates Sₖ (in the
    /// layout's blocks) and the counts nₖ, as blocks of the same layout.
    static func constrain(_ estimates: [Matrix<Double>], counts n: [Double]) -> [Matrix<Double>]
}

extension ConstrainedCovarianceFamily {
    static var storage: CovarianceStorage { Layout.storage }
    static func blockShapes(components k: Int, dimension d: Int) -> [(rows: Int, columns: Int)] {
        Layout.blockShapes(components: k, dimension: d)
    }
    static func arrayShape(components k: Int, dimension d: Int) -> [Int] { Layout.arrayShape(components: k, dimension: d) }
    static func featureCount(dimension d: Int) -> Int { Layout.featureCount(dimension: d) }
    static func coordinateColumns(dimension d: Int) -> Range<Int> { Layout.coordinateColumns(dimension: d) }
    static func writeFeatures<Scalar: BLASScalar>(of block: Matrix<Scalar>, center: [Scalar], into features: inout Matrix<Scalar>) {
        Layout.writeFeatures(of: block, center: center, into: &features)
    }
    static func logDensityKernel<Scalar: BLASScalar>(
        _ parameters: MixtureParameters, centeredMeans: Matrix<Double>, as type: Scalar.Type
    ) -> any LogDensityKernel<Scalar> {
        Layout.logDensityKernel(parameters, centeredMeans: centeredMeans, as: type)
    }
    static func scratchBytesPerRow(components k: Int, dimension d: Int, scalarSize: Int) -> Int {
        Layout.scratchBytesPerRow(components: k, dimension: d, scalarSize: scalarSize)
    }
    static var shiftsEachComponent: Bool { Layout.shiftsEachComponent }
    static func secondMomentShape(components k: Int, dimension d: Int) -> (rows: Int, columns: Int) {
        Layout.secondMomentShape(components: k, dimension: d)
    }
    static var widensFloatMoments: Bool { Layout.widensFloatMoments }
    static func widenFeatures<Scalar: BLASScalar>(_ features: Matrix<Scalar>, into wide: inout Matrix<Double>) {
        Layout.widenFeatures(features, into: &wide)
    }
    static func accumulateSecondMoments<Scalar: BLASScalar>(
        into statistics: inout SufficientStatistics, moments: Matrix<Double>, features: Matrix<Scalar>,
        responsibilities: Matrix<Scalar>, rowWeights: UnsafeBufferPointer<Double>?,
        workspace: inout SufficientStatistics.Workspace<Scalar>
    ) {
        Layout.accumulateSecondMoments(into: &statistics, moments: moments, features: features,
                                       responsibilities: responsibilities, rowWeights: rowWeights, workspace: &workspace)
    }
    static func parameterDoubles(components k: Int, dimension d: Int) -> Int { Layout.parameterDoubles(components: k, dimension: d) }

    static func covariances(
        from statistics: SufficientStatistics, shiftedMeans: Matrix<Double>, counts: [Double], regularization: Double
    ) -> CovarianceParameters {
        let estimates = Layout.covariances(from: statistics, shiftedMeans: shiftedMeans, counts: counts, regularization: regularization)
        return CovarianceParameters(covarianceType, blocks: constrain(estimates.blocks, counts: counts))
    }

    // Held means and the variational mixture are scikit-learn's four types'
    // alone; the estimators refuse the others before they get here.
    static func widening(
        _ covariances: CovarianceParameters, byOffsets delta: Matrix<Double>, counts: [Double], regularizedCounts: [Double]
    ) -> CovarianceParameters {
        preconditionFailure("held means are not supported for \(covarianceType.mclustName)")
    }
    static func defaultCovariancePrior(dataCovariance: Matrix<Double>) -> Matrix<Double> {
        preconditionFailure("the variational mixture does not support \(covarianceType.mclustName)")
    }
    static func posteriorCovariances(
        prior: Matrix<Double>, estimates: CovarianceParameters, counts n: [Double], meanOffsets: Matrix<Double>,
        meanPrecisionPrior: Double, meanPrecisions: [Double], degreesOfFreedom: [Double]
    ) -> CovarianceParameters {
        preconditionFailure("the variational mixture does not support \(covarianceType.mclustName)")
    }
}

// MARK: - Shared by the constrained M-steps

/// The geometric mean of positive values, (Π vⱼ)^(1/d): the volume of a
/// diagonal, as mclust's λ factors it out (NaN when one is not positive).
func geometricMean(_ values: some Collection<Double>) -> Double {
    guard values.allSatisfy({ $0 > 0 }) else { return .nan }
    return Double.exp(values.reduce(0.0) { $0 + Double.log($1) } / Double(values.count))
}

/// |S|^(1/d) of a symmetric positive definite matrix, from its Cholesky
/// factor (NaN when it has none).
func volume(of s: Matrix<Double>) -> Double {
    guard let factor = try? Cholesky(s) else { return .nan }
    return Double.exp(factor.logDeterminant / Double(s.rows))
}

/// Iterates `step` until it returns a relative change at most `tolerance`
/// or `limit` steps have run: the alternating M-steps of mclust's VEI, VEE,
/// VEV, EVE and VVE, which converge to the constrained maximum.
func iterateToFixedPoint(tolerance: Double = 1e-14, limit: Int = 10_000, _ step: () -> Double) {
    for _ in 0..<limit where !(step() > tolerance) { return }
}

/// The largest relative change between two arrays of values.
func relativeChange(_ old: [Double], _ new: [Double]) -> Double {
    zip(old, new).reduce(0.0) { Swift.max($0, abs($1.0 - $1.1) / Swift.max(abs($1.1), .leastNormalMagnitude)) }
}

/// Eigenvalues (descending, mclust's order) and eigenvectors (columns, in
/// the same order) of each symmetric matrix; NaN values when one fails.
func descendingEigensystems(_ matrices: [Matrix<Double>]) -> [(values: [Double], vectors: Matrix<Double>)] {
    matrices.map { m in
        let d = m.rows
        guard let eigen = try? SymmetricEigendecomposition(m) else {
            return ([Double](repeating: .nan, count: d), Matrix(rows: d, columns: d, repeating: .nan))
        }
        return (eigen.values.reversed(), Matrix(rows: d, columns: d) { i, j in eigen.vectors[i, d - 1 - j] })
    }
}

/// D·diag(values)·Dᵀ.
func rotated(_ d: Matrix<Double>, diagonal values: [Double]) -> Matrix<Double> {
    let scaled = Matrix(rows: d.rows, columns: d.columns) { i, j in d[i, j] * values[j] }
    return scaled.matmul(d, transposeOther: .transpose)
}

/// The orientation D that mclust's EVE and VVE share between components,
/// Σₖ = D·diag(vₖ)·Dᵀ, with the diagonals vₖ that `diagonals` makes from
/// wₖ = diag(Dᵀ·Sₖ·D) (the model's volumes and shapes given D).
///
/// D minimises Σₖ nₖ·tr(Dᵀ·Sₖ·D·diag(vₖ)⁻¹) over orthogonal matrices by
/// the majorise–minimise step of Browne and McNicholas (2014): with αₖ the
/// largest eigenvalue of Sₖ, each Sₖ − αₖ·I is negative semidefinite, so the
/// objective lies below its linearisation at the current D, whose minimum
/// over orthogonal matrices is the orthogonal polar factor of
/// −F = −Σₖ nₖ·(Sₖ − αₖ·I)·D·diag(vₖ)⁻¹. Alternating it with vₖ never
/// raises the objective; it starts from the eigenvectors of Σₖ nₖ·Sₖ.
func sharedOrientation(
    _ estimates: [Matrix<Double>], counts n: [Double], diagonals: ([[Double]]) -> [[Double]]
) -> (orientation: Matrix<Double>, diagonals: [[Double]]) {
    let k = estimates.count, d = estimates[0].rows
    var pooled = Matrix<Double>(rows: d, columns: d)
    for c in 0..<k { pooled = pooled + n[c] * estimates[c] }
    var orientation = descendingEigensystems([pooled])[0].vectors
    let largest = descendingEigensystems(estimates).map { $0.values[0] }
    func rotatedDiagonals(_ o: Matrix<Double>) -> [[Double]] {
        diagonals(estimates.map { s in o.matmul(s.matmul(o), transposeSelf: .transpose).diagonal })
    }
    var current = rotatedDiagonals(orientation)
    iterateToFixedPoint(tolerance: 1e-13) {
        var f = Matrix<Double>(rows: d, columns: d)
        for c in 0..<k {
            let shifted = Matrix(rows: d, columns: d) { i, j in estimates[c][i, j] - (i == j ? largest[c] : 0) }
            let product = shifted.matmul(orientation)
            f = f + Matrix(rows: d, columns: d) { i, j in -n[c] * product[i, j] / current[c][j] }
        }
        guard let next = orthogonalPolarFactor(f) else { return 0 }
        let change = zip(next.elements, orientation.elements).reduce(0.0) { Swift.max($0, abs($1.0 - $1.1)) }
        orientation = next
        current = rotatedDiagonals(orientation)
        return change
    }
    return (orientation, current)
}

/// Q of the polar decomposition M = Q·P (Q orthogonal, P symmetric positive
/// definite): M·(MᵀM)^(−1/2); nil when M is singular.
func orthogonalPolarFactor(_ m: Matrix<Double>) -> Matrix<Double>? {
    let gram = m.matmul(m, transposeSelf: .transpose)
    guard let eigen = try? SymmetricEigendecomposition(gram), let smallest = eigen.values.first,
          smallest > 1e-300 * Swift.max(1, eigen.values.last!) else { return nil }
    let v = eigen.vectors
    let inverseRoot = Matrix(rows: v.rows, columns: v.columns) { i, j in v[i, j] / eigen.values[j].squareRoot() }
        .matmul(v, transposeOther: .transpose)
    return m.matmul(inverseRoot)
}
