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
    /// `previous` are the blocks of the current precision factors, if any,
    /// for an iterative M-step to start from.
    static func constrain(_ estimates: [Matrix<Double>], counts n: [Double], previous: [Matrix<Double>]?) -> [Matrix<Double>]
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
    static var rowFeatures: RowFeatures? { Layout.rowFeatures }
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
        from statistics: SufficientStatistics, shiftedMeans: Matrix<Double>, counts: [Double], regularization: Double,
        previous: CovarianceParameters?
    ) -> CovarianceParameters {
        let estimates = Layout.covariances(from: statistics, shiftedMeans: shiftedMeans, counts: counts,
                                           regularization: regularization, previous: nil)
        return CovarianceParameters(covarianceType, blocks: constrain(estimates.blocks, counts: counts, previous: previous?.blocks))
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
/// factor (NaN when it has none): in plain loops at small d, where a
/// ``Cholesky`` value and its LAPACK call were 40% of VEE's M-step.
func volume(of s: Matrix<Double>) -> Double {
    let d = s.rows
    guard d <= SmallCholesky.largestDimension else {
        guard let factor = try? Cholesky(s) else { return .nan }
        return Double.exp(factor.logDeterminant / Double(d))
    }
    let logDeterminant = s.withUnsafeBufferPointer { a in
        withUnsafeTemporaryAllocation(of: Double.self, capacity: d * d) { SmallCholesky.factor(a, dimension: d, into: $0) }
    }
    return logDeterminant.map { Double.exp($0 / Double(d)) } ?? .nan
}

/// Iterates `step` until it returns a relative change at most `tolerance`
/// or `limit` steps have run: the alternating M-steps of mclust's VEI, VEE,
/// VEV, EVE and VVE, which converge to the constrained maximum. The default
/// is mclust's own inner tolerance (`emControl()$tol[2]`, √ε ≈ 1.5e-8),
/// which its meVEI, meVEE and meVEV pass to their inner loops; 1e-14 took
/// 12.5 steps per M-step on an iris selection where √ε takes 7.
func iterateToFixedPoint(tolerance: Double = Double.ulpOfOne.squareRoot(), limit: Int = 10_000, _ step: () -> Double) {
    for _ in 0..<limit where !(step() > tolerance) { return }
}

/// mclust's alternating M-step of VEI and VEV, given each component's
/// diagonal wₖ (K × d values, component c's from c·d: VEI's diag(Sₖ),
/// VEV's eigenvalues of Sₖ): the shape A ∝ Σₖ nₖ·wₖ/λₖ with |A| = 1 and the
/// volumes λₖ = Σⱼ wₖⱼ/Aⱼ / d, alternated to the fixed point from λₖ the
/// geometric mean of wₖ. Flat arrays throughout: tens of steps run every
/// M-step, and arrays made per step cost more than their arithmetic.
func volumesAndShape(diagonals w: [Double], counts n: [Double], dimension d: Int) -> (volumes: [Double], shape: [Double]) {
    let k = n.count
    var lambda = (0..<k).map { geometricMean(w[($0 * d)..<(($0 + 1) * d)]) }
    var shape = [Double](repeating: 1, count: d), next = [Double](repeating: 0, count: k)
    iterateToFixedPoint {
        for j in 0..<d {
            var sum = 0.0
            for c in 0..<k { sum += n[c] * w[c * d + j] / lambda[c] }
            shape[j] = sum
        }
        let g = geometricMean(shape)
        for j in 0..<d { shape[j] /= g }
        for c in 0..<k {
            var sum = 0.0
            for j in 0..<d { sum += w[c * d + j] / shape[j] }
            next[c] = sum / Double(d)
        }
        defer { swap(&lambda, &next) }
        return relativeChange(lambda, next)
    }
    return (lambda, shape)
}

/// The largest relative change between two arrays of values.
func relativeChange(_ old: [Double], _ new: [Double]) -> Double {
    zip(old, new).reduce(0.0) { Swift.max($0, abs($1.0 - $1.1) / Swift.max(abs($1.1), .leastNormalMagnitude)) }
}

/// The eigenvalues (descending, mclust's order) and eigenvectors (columns,
/// in the same order) of K symmetric d×d matrices, in two flat arrays:
/// the M-steps of EEV and VEV take K of these every iteration, where an
/// array and a matrix per component cost as much as the rotations at d = 4.
/// A matrix whose decomposition fails has NaN values and vectors.
struct DescendingEigensystems {
    let count: Int
    let dimension: Int
    /// K × d: component c's from c·d.
    let values: [Double]
    /// K × d × d: component c's d×d matrix, row-major, from c·d².
    let vectors: [Double]

    init(_ matrices: [Matrix<Double>]) {
        count = matrices.count
        dimension = matrices.first?.rows ?? 0
        (values, vectors) = Self.decompose(matrices, dimension: dimension)
    }

    private static func decompose(_ matrices: [Matrix<Double>], dimension d: Int) -> (values: [Double], vectors: [Double]) {
        let k = matrices.count, size = d * d
        var values = [Double](repeating: .nan, count: k * d), vectors = [Double](repeating: .nan, count: k * size)
        guard k > 0 else { return (values, vectors) }
        guard d <= SmallSymmetricEigen.largestDimension else {
            for (c, m) in matrices.enumerated() {
                guard let eigen = ascendingEigensystem(m) else { continue }
                for j in 0..<d {
                    values[c * d + j] = eigen.values[d - 1 - j]
                    for i in 0..<d { vectors[c * size + i * d + j] = eigen.vectors[i, d - 1 - j] }
                }
            }
            return (values, vectors)
        }
        // All K in one call, whose rotations run side by side, and straight
        // into the results, the columns reversed on the way.
        withUnsafeTemporaryAllocation(of: Double.self, capacity: k * (2 * size + d)) { buffer in
            let stacked = UnsafeMutableBufferPointer(rebasing: buffer[0..<(k * size)])
            let columns = UnsafeMutableBufferPointer(rebasing: buffer[(k * size)..<(2 * k * size)])
            let ascending = UnsafeMutableBufferPointer(rebasing: buffer[(2 * k * size)...])
            for (c, m) in matrices.enumerated() {
                precondition(m.rows == d && m.columns == d, "DescendingEigensystems: matrices of one size")
                m.withUnsafeBufferPointer { source in
                    for i in 0..<size { stacked[c * size + i] = source[i] }
                }
            }
            withUnsafeTemporaryAllocation(of: Int32.self, capacity: k) { decomposed in
                SmallSymmetricEigen.decompose(UnsafeBufferPointer(stacked), count: k, dimension: d, values: ascending,
                                              vectors: columns, decomposed: decomposed)
                for c in 0..<k where decomposed[c] == 1 {
                    for j in 0..<d { values[c * d + j] = ascending[c * d + d - 1 - j] }
                    for i in 0..<d {
                        for j in 0..<d { vectors[c * size + i * d + j] = columns[c * size + i * d + d - 1 - j] }
                    }
                }
            }
        }
        return (values, vectors)
    }

    func values(of c: Int) -> [Double] { Array(values[(c * dimension)..<((c + 1) * dimension)]) }

    func vectors(of c: Int) -> Matrix<Double> {
        let size = dimension * dimension
        return Matrix(rows: dimension, columns: dimension, elements: Array(vectors[(c * size)..<((c + 1) * size)]))
    }

    /// Dₖ·diag(sₖ·v)·Dₖᵀ for every component k, with its own vectors Dₖ
    /// and sₖ = `scales[k]` (none: v itself), as ``rotated(_:diagonal:)``
    /// computes each (sₖ·vₜ rounded first); at small d in one allocation.
    func rotated(diagonal v: [Double], scales: [Double]? = nil) -> [Matrix<Double>] {
        let d = dimension, size = d * d
        guard d <= SmallSymmetricEigen.largestDimension else {
            return (0..<count).map { c in
                Clustering.rotated(vectors(of: c), diagonal: scales.map { s in v.map { $0 * s[c] } } ?? v)
            }
        }
        return vectors.withUnsafeBufferPointer { all in
            Matrix.blocks(count: count, rows: d, columns: d) { c, result in
                let axes = UnsafeBufferPointer(rebasing: all[(c * size)..<((c + 1) * size)])
                if let scales {
                    rotateInLoops(axes, dimension: d, into: result) { v[$0] * scales[c] }
                } else {
                    rotateInLoops(axes, dimension: d, into: result) { v[$0] }
                }
            }
        }
    }
}

/// The eigenvalues, ascending, and eigenvectors (columns) of a symmetric
/// matrix, or nil: ``SmallSymmetricEigen`` for small ones, LAPACK above.
func ascendingEigensystem(_ m: Matrix<Double>) -> (values: [Double], vectors: Matrix<Double>)? {
    if m.rows <= SmallSymmetricEigen.largestDimension { return SmallSymmetricEigen.decompose(m) }
    guard let eigen = try? SymmetricEigendecomposition(m) else { return nil }
    return (eigen.values, eigen.vectors)
}

/// D·diag(values)·Dᵀ: in plain loops at the d of ``SmallSymmetricEigen``
/// (one matrix, the upper triangle mirrored), a BLAS product above.
func rotated(_ d: Matrix<Double>, diagonal values: [Double]) -> Matrix<Double> {
    let n = d.rows
    guard n <= SmallSymmetricEigen.largestDimension else {
        let scaled = Matrix(rows: d.rows, columns: d.columns) { i, j in d[i, j] * values[j] }
        return scaled.matmul(d, transposeOther: .transpose)
    }
    return d.withUnsafeBufferPointer { axes in
        Matrix(unsafeUninitializedRows: n, columns: n) { rotateInLoops(axes, dimension: n, into: $0) { values[$0] } }
    }
}

/// D·diag(vₖ)·Dᵀ for each component's diagonal vₖ, K × d values in
/// `diagonals` (component c's from c·d), as ``rotated(_:diagonal:)``
/// computes each, at small d in one allocation: EVE's and VVE's
/// covariances from their shared D.
func rotated(_ d: Matrix<Double>, diagonals: [Double]) -> [Matrix<Double>] {
    let n = d.rows, k = diagonals.count / Swift.max(n, 1)
    guard n <= SmallSymmetricEigen.largestDimension else {
        return (0..<k).map { rotated(d, diagonal: Array(diagonals[($0 * n)..<(($0 + 1) * n)])) }
    }
    return d.withUnsafeBufferPointer { axes in
        Matrix.blocks(count: k, rows: n, columns: n) { c, result in
            rotateInLoops(axes, dimension: n, into: result) { diagonals[c * n + $0] }
        }
    }
}

/// D·diag(value(0), …)·Dᵀ for the d×d row-major D in `axes`, into
/// `result`, in plain loops: the upper triangle computed, the lower
/// mirrored.
@inline(__always)
private func rotateInLoops(
    _ axes: UnsafeBufferPointer<Double>, dimension n: Int, into result: UnsafeMutableBufferPointer<Double>, _ value: (Int) -> Double
) {
    for i in 0..<n {
        for j in i..<n {
            var sum = 0.0
            for t in 0..<n { sum += axes[i * n + t] * value(t) * axes[j * n + t] }
            result[i * n + j] = sum
            result[j * n + i] = sum
        }
    }
}

/// The orientation D that mclust's EVE and VVE share between components,
/// Σₖ = D·diag(vₖ)·Dᵀ, with the diagonals vₖ made from wₖ = diag(Dᵀ·Sₖ·D)
/// (the model's volumes and shapes given D): wₖ themselves for VVE, and
/// with `equalVolumes` (EVE) λ·wₖ/gₖ, gₖ the geometric mean of wₖ and
/// λ = Σₖ nₖ·gₖ / Σₖ nₖ. The vₖ come back flat, K × d values, component
/// c's from c·d.
///
/// Given the vₖ, D minimises Σₖ nₖ·tr(Dᵀ·Sₖ·D·diag(vₖ)⁻¹) over orthogonal
/// matrices. mclust does this by majorise–minimise steps (Browne and
/// McNicholas, 2014), which converge linearly and slowly (thousands of
/// steps to 1e-13 on these data); Gauss sweeps plane rotations instead, as
/// Jacobi's eigenvalue method does: restricted to the rotation of columns i
/// and j by θ, the objective is P·cos 2θ + Q·sin 2θ plus a constant, with
/// P = Σₖ (ωₖᵢ − ωₖⱼ)(Mₖᵢᵢ − Mₖⱼⱼ)/2 and Q = Σₖ (ωₖᵢ − ωₖⱼ)·Mₖᵢⱼ for
/// Mₖ = Dᵀ·Sₖ·D and ωₖ = nₖ/vₖ, so each rotation takes its exact minimum.
/// Sweeps (``MixtureRowKernels/orientationSweep(rotated:axes:precisions:dimension:components:using:)``)
/// alternate with vₖ, the whole loop in C
/// (``MixtureRowKernels/sharedOrientationSweeps(rotated:axes:counts:equalVolumes:dimension:components:limit:diagonals:using:)``);
/// neither raises the objective. They stop when no
/// rotation's sine and no vₖ changes by more than √ε ≈ 1.5e-8, mclust's
/// own inner tolerance (its `emControl` default); each EM iteration starts
/// them from the current orientation, read off `previousFactors` (the
/// precision factors the statistics were taken under), as mclust's starts
/// from its last; at a start, from the eigenvectors of Σₖ nₖ·Sₖ.
func sharedOrientation(
    _ estimates: [Matrix<Double>], counts n: [Double], previousFactors: [Matrix<Double>]?, equalVolumes: Bool
) -> (orientation: Matrix<Double>, diagonals: [Double]) {
    let k = estimates.count, d = estimates[0].rows
    var orientation: Matrix<Double>
    if let factor = previousFactors?.first, factor.withUnsafeBufferPointer({ $0.allSatisfy(\.isFinite) }) {
        // The current orientation: the eigenvectors of any component's
        // precision U·Uᵀ, which the model gives the same D as its covariance.
        orientation = DescendingEigensystems([factor.matmul(factor, transposeOther: .transpose)]).vectors(of: 0)
    } else {
        var pooled = Matrix<Double>(rows: d, columns: d)
        for c in 0..<k { pooled = pooled + n[c] * estimates[c] }
        orientation = DescendingEigensystems([pooled]).vectors(of: 0)
    }
    // Mₖ = Dᵀ·Sₖ·D, kept current through every rotation: K symmetric d×d
    // matrices interleaved, entry (l, i) of every component side by side at
    // ((l·d + i)·K ..< +K), so that each step of a rotation is one short
    // contiguous run over the components; and D, both rotated in place.
    // Written by plain loops through one d×d scratch: two matrix products
    // per component allocated four buffers each M-step.
    var rotated = [Double](repeating: 0, count: d * d * k)
    orientation.withUnsafeBufferPointer { axes in
        rotated.withUnsafeMutableBufferPointer { rotated in
            withUnsafeTemporaryAllocation(of: Double.self, capacity: d * d) { product in
                for c in 0..<k {
                    estimates[c].withUnsafeBufferPointer { s in
                        // Sₖ·D, then Dᵀ·(Sₖ·D) into the interleaved layout.
                        for r in 0..<d {
                            for i in 0..<d {
                                var sum = 0.0
                                for t in 0..<d { sum += s[r * d + t] * axes[t * d + i] }
                                product[r * d + i] = sum
                            }
                        }
                        for l in 0..<d {
                            for i in 0..<d {
                                var sum = 0.0
                                for r in 0..<d { sum += axes[r * d + l] * product[r * d + i] }
                                rotated[(l * d + i) * k + c] = sum
                            }
                        }
                    }
                }
            }
        }
    }
    var axes = orientation.elements
    var current = [Double](repeating: 0, count: k * d)
    MixtureRowKernels.sharedOrientationSweeps(rotated: &rotated, axes: &axes, counts: n, equalVolumes: equalVolumes,
                                              dimension: d, components: k, limit: 1000, diagonals: &current)
    return (Matrix(rows: d, columns: d, elements: axes), current)
}
