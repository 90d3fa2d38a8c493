import LinearAlgebra
import RealModule

/// What one E-step pass leaves behind and the M-step needs: per component
/// the responsibility mass Nₖ = Σᵢ rᵢₖ, the first moment Σᵢ rᵢₖ·xᵢ and the
/// second moment (a d×d matrix, a diagonal or a single number, by
/// covariance type), plus the weighted log-likelihood.
///
/// Statistics of disjoint sets of rows, taken under the same parameters,
/// add up: ``merge(_:)`` with ``zero(componentCount:dimension:covarianceType:shifts:)``
/// as identity makes them a monoid. That one fact serves blocks of a pass,
/// `partialFit`-style streaming, and the allreduce of distributed EM.
///
/// Moments are kept around shifts rather than the origin, so that
/// Σ = S₂/N − (m − c)(m − c)ᵀ does not cancel catastrophically: every type
/// shifts by the parameters' center Σₖ πₖμₖ, and full covariance further
/// shifts component k by its previous mean.
public struct SufficientStatistics: Sendable, Equatable {
    /// The covariance type the second moments are for.
    public let covarianceType: CovarianceType
    /// K.
    public let componentCount: Int
    /// d.
    public let dimension: Int
    /// The point every moment is taken around (d values).
    private(set) var center: [Double]
    /// Full only: component k's second moment is taken around
    /// `center + componentShifts[k]` (K×d).
    private(set) var componentShifts: Matrix<Double>
    /// Σᵢ wᵢ over the rows seen (the number of rows without sample weights).
    public internal(set) var totalWeight: Double
    /// Σᵢ wᵢ·log p(xᵢ) under the parameters the E-step used.
    public internal(set) var logLikelihoodSum: Double
    /// −Σᵢ wᵢ·Σₖ rᵢₖ·log rᵢₖ, the entropy of the responsibilities, which the
    /// variational lower bound needs; 0 unless the E-step was asked for it.
    public internal(set) var responsibilityEntropy: Double = 0
    /// Nₖ = Σᵢ wᵢ·rᵢₖ (K).
    public internal(set) var counts: [Double]
    /// Σᵢ wᵢ·rᵢₖ·(xᵢ − center) (K×d).
    var firstMoments: Matrix<Double>
    /// Second moments around the shifts: full K×(d×d) lower triangles as
    /// one (K·d)×d matrix; tied d×d (lower triangle); diag K×d; spherical K×1.
    var secondMoments: Matrix<Double>

    /// Statistics of no rows, taken around `center` (and for families that
    /// shift each component, around `componentShifts`, K×d; zero if nil).
    static func zero(componentCount k: Int, dimension d: Int, covarianceType: CovarianceType,
                     center: [Double], componentShifts: Matrix<Double>? = nil) -> SufficientStatistics {
        let family = covarianceType.family
        let secondShape = family.secondMomentShape(components: k, dimension: d)
        return SufficientStatistics(
            covarianceType: covarianceType, componentCount: k, dimension: d, center: center,
            componentShifts: componentShifts ?? Matrix(rows: family.shiftsEachComponent ? k : 0, columns: d),
            totalWeight: 0, logLikelihoodSum: 0, counts: [Double](repeating: 0, count: k),
            firstMoments: Matrix(rows: k, columns: d), secondMoments: Matrix(rows: secondShape.rows, columns: secondShape.columns))
    }

    /// Statistics of no rows for an E-step under `parameters`: taken around
    /// their center and, where the family shifts each component, around
    /// each component's mean.
    /// `center` replaces the parameters' own (see
    /// ``expectation(of:under:rowWeights:collectsEntropy:workers:center:scratch:)``).
    ///
    /// `spent`, statistics a fit is done with, lends its buffers when it
    /// has this mixture's shape: a fit of a few hundred rows takes
    /// microseconds per iteration, and four new buffers each were a
    /// noticeable part of them.
    static func zero(under parameters: MixtureParameters, center: [Double]? = nil,
                     reusing spent: consuming SufficientStatistics? = nil) -> SufficientStatistics {
        let center = center ?? parameters.center, k = parameters.componentCount, d = parameters.dimension
        let shiftsEachComponent = parameters.covarianceType.family.shiftsEachComponent
        if var statistics = spent.take(), statistics.covarianceType == parameters.covarianceType,
           statistics.componentCount == k, statistics.dimension == d {
            statistics.center = center
            (statistics.totalWeight, statistics.logLikelihoodSum, statistics.responsibilityEntropy) = (0, 0, 0)
            statistics.counts.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
            statistics.firstMoments.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
            statistics.secondMoments.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
            if shiftsEachComponent {
                parameters.means.withUnsafeBufferPointer { means in
                    statistics.componentShifts.withUnsafeMutableBufferPointer { shifts in
                        for c in 0..<k { for j in 0..<d { shifts[c * d + j] = means[c * d + j] - center[j] } }
                    }
                }
            }
            return statistics
        }
        let shifts = shiftsEachComponent ? Matrix<Double>(rows: k, columns: d) { parameters.means[$0, $1] - center[$1] } : nil
        return zero(componentCount: k, dimension: d, covarianceType: parameters.covarianceType, center: center,
                    componentShifts: shifts)
    }

    /// Adds the statistics of other rows taken under the same parameters.
    ///
    /// - Precondition: both were taken around the same center and shifts.
    public mutating func merge(_ other: SufficientStatistics) {
        precondition(covarianceType == other.covarianceType && componentCount == other.componentCount
                     && dimension == other.dimension, "merging statistics of different mixtures")
        precondition(center == other.center && componentShifts == other.componentShifts,
                     "merging statistics taken under different parameters")
        totalWeight += other.totalWeight
        logLikelihoodSum += other.logLikelihoodSum
        responsibilityEntropy += other.responsibilityEntropy
        for k in counts.indices { counts[k] += other.counts[k] }
        BLAS.axpy(1, other.firstMoments, &firstMoments)
        BLAS.axpy(1, other.secondMoments, &secondMoments)
    }

    /// The mean log-likelihood per unit of weight: scikit-learn's lower bound.
    public var meanLogLikelihood: Double { logLikelihoodSum / totalWeight }
}

// MARK: - The M-step

extension SufficientStatistics {
    /// The maximum-likelihood parameters for these statistics, with
    /// `regularization` added to every variance, as scikit-learn's M-step
    /// computes them (including its 10·ε added to every Nₖ, which keeps an
    /// empty component finite).
    ///
    /// - Parameters:
    ///   - weightsOverTotal: divide Nₖ by the total weight rather than by
    ///     Σₖ Nₖ (scikit-learn's initialisation does this).
    ///   - previous: the precision factors the statistics were taken under,
    ///     where an iterative M-step starts (nil at a start).
    /// - Throws: ``ClusteringError/componentCollapsed(component:regularization:)``.
    /// - Complexity: the family's; O(K·d³) for full, O(d³ + K·d²) for tied, O(K·d) otherwise.
    func parameters(regularization: Double, weightsOverTotal: Bool = false,
                    previous: CovarianceParameters? = nil) throws(ClusteringError) -> (MixtureParameters, CovarianceParameters) {
        let (n, means, covariances) = try gaussianEstimates(regularization: regularization, previous: previous)
        let nTotal = n.reduce(0, +)
        let weights = n.map { $0 / (weightsOverTotal ? totalWeight : nTotal) }
        let factors = try covariances.precisionsCholeskyForMStep(regularization: regularization)
        return (MixtureParameters(weights: weights, means: means, precisionsCholesky: factors), covariances)
    }

    /// The M-step with the parameters in `fixed` kept as `current` (and
    /// `covariances`, the covariances of `current`'s precision factors) has
    /// them: the others maximise the expected log-likelihood given those.
    /// Means do not depend on the weights or covariances, and weights on
    /// neither; covariances about fixed means μₖ are the scatter about
    /// them, the responsibilities' covariances widened by δₖ = x̄ₖ − μₖ.
    func parameters(regularization: Double, holding fixed: GaussianMixture.FixedParameters, at current: MixtureParameters,
                    covariances currentCovariances: CovarianceParameters) throws(ClusteringError) -> (MixtureParameters, CovarianceParameters) {
        guard !fixed.isEmpty else { return try parameters(regularization: regularization, previous: current.precisionsCholesky) }
        var (n, means, covariances) = try gaussianEstimates(regularization: regularization, previous: current.precisionsCholesky)
        let nTotal = n.reduce(0, +)
        let weights = fixed.contains(.weights) ? current.weights : n.map { $0 / nTotal }
        if fixed.contains(.means) {
            if !fixed.contains(.covariances) {
                let offsets = Matrix<Double>(rows: componentCount, columns: dimension) { c, j in means[c, j] - current.means[c, j] }
                covariances = covarianceType.family.widening(covariances, byOffsets: offsets, counts: counts, regularizedCounts: n)
            }
            means = current.means
        }
        if fixed.contains(.covariances) {
            return (MixtureParameters(weights: weights, means: means, precisionsCholesky: current.precisionsCholesky), currentCovariances)
        }
        let factors = try covariances.precisionsCholeskyForMStep(regularization: regularization)
        return (MixtureParameters(weights: weights, means: means, precisionsCholesky: factors), covariances)
    }

    /// Nₖ (with scikit-learn's 10·ε added), the means and the covariances
    /// (`regularization` added to every variance) of the responsibilities:
    /// scikit-learn's `_estimate_gaussian_parameters`, from which EM and the
    /// variational mixture each take their M-step.
    ///
    /// - Throws: ``ClusteringError/statisticsOverflow`` when a sum overflowed.
    func gaussianEstimates(regularization: Double, previous: CovarianceParameters? = nil) throws(ClusteringError) -> (counts: [Double], means: Matrix<Double>, covariances: CovarianceParameters) {
        let k = componentCount, d = dimension
        // Overflowed sums would surface as a "collapsed" component.
        guard firstMoments.withUnsafeBufferPointer({ $0.allSatisfy(\.isFinite) })
                && secondMoments.withUnsafeBufferPointer({ $0.allSatisfy(\.isFinite) }) else {
            throw .statisticsOverflow
        }
        let n = counts.map { $0 + 10 * Double.ulpOfOne }
        // m′ₖ, the new means relative to the center, and the means, through
        // buffers (this runs every M-step).
        let shiftedMeans = firstMoments.withUnsafeBufferPointer { first in
            Matrix<Double>(unsafeUninitializedRows: k, columns: d) { m in
                for i in 0..<k { for j in 0..<d { m[i * d + j] = first[i * d + j] / n[i] } }
            }
        }
        let means = shiftedMeans.withUnsafeBufferPointer { shifted in
            Matrix<Double>(unsafeUninitializedRows: k, columns: d) { m in
                for i in 0..<k { for j in 0..<d { m[i * d + j] = shifted[i * d + j] + center[j] } }
            }
        }
        let covariances = withSmallMatrixBLAS(dimension: d) {
            covarianceType.family.covariances(from: self, shiftedMeans: shiftedMeans, counts: n,
                                              regularization: regularization, previous: previous)
        }
        return (n, means, covariances)
    }
}

extension CovarianceParameters {
    /// The precision factors of these covariances, failing as the M-step
    /// reports a covariance that is not positive definite.
    func precisionsCholeskyForMStep(regularization: Double) throws(ClusteringError) -> CovarianceParameters {
        do {
            return try withSmallMatrixBLAS(dimension: blocks.first?.columns ?? 0) { () throws(ComponentIndex) in
                try precisionsCholeskyFromCovariances()
            }
        } catch {
            throw .componentCollapsed(component: covarianceType.family.isShared ? nil : error.value, regularization: regularization)
        }
    }
}

/// Runs `body`, d×d factorisations and solves (the M-step's, a log-density
/// kernel's preparation), with OpenBLAS single-threaded below
/// ``BlockSizes/threadedFactorizationDimension``, where its threads only
/// add synchronisation.
func withSmallMatrixBLAS<R, E: Error>(dimension d: Int, _ body: () throws(E) -> R) throws(E) -> R {
    d < BlockSizes.threadedFactorizationDimension ? try BLASThreading.withSingleThreadedBLAS(body) : try body()
}

// MARK: - Accumulating a block

extension SufficientStatistics {
    /// Scratch for accumulating blocks, sized on first use.
    struct Workspace<Scalar: BLASScalar> {
        /// Rᵀ·φ (K × features), and the same in Double.
        var moments = Matrix<Scalar>(rows: 0, columns: 0)
        var wideMoments = Matrix<Double>(rows: 0, columns: 0)
        /// Rows scaled for a SYRK, packed from the top, and its output.
        var scaledRows = Matrix<Scalar>(rows: 0, columns: 0)
        var gram = Matrix<Scalar>(rows: 0, columns: 0)
        /// Per row, the scale of its scaled row; and the shift, per feature
        /// (the families that use them write them in full before each use).
        var rowScales: [Scalar] = []
        var shift: [Scalar] = []
        /// With ``CovarianceFamily/widensFloatMoments``: φ and R in Double.
        var wideFeatures = Matrix<Double>(rows: 0, columns: 0)
        var wideResponsibilities = Matrix<Double>(rows: 0, columns: 0)
    }

    /// Adds a block: `features` are the family's φ(x − center) of its rows,
    /// `responsibilities` the rᵢₖ already multiplied by the sample weights,
    /// and `rowWeights` the sample weights (nil: all 1).
    ///
    /// - Complexity: 2·m·K·F flops for the moments (F features) plus the
    ///   family's second moments: for full, m·K·d² (K SYRKs); for tied, m·d².
    mutating func accumulate<Scalar: BLASScalar>(
        features: Matrix<Scalar>, responsibilities: Matrix<Scalar>, rowWeights: UnsafeBufferPointer<Double>?,
        workspace: inout Workspace<Scalar>
    ) {
        let family = covarianceType.family
        let k = componentCount, f = features.columns
        // Rᵀ·φ gives Nₖ and Σ r·x at once (φ ends in a column of ones), and
        // for some families the second moments as well.
        if Scalar.self != Double.self && family.widensFloatMoments {
            // Their variance is Σ r·x²/N − m², which cancels: with x² rounded
            // to Float, a component of few rows gets rounding noise of
            // ε_Float·x² in place of its variance. Squares and sums of the
            // same (Float) x taken in Double cancel exactly.
            widen(features, responsibilities, family: family, &workspace)
            resize(&workspace.wideMoments, k, f)
            BLAS.gemm(workspace.wideResponsibilities, workspace.wideFeatures, into: &workspace.wideMoments, transposeA: .transpose)
        } else if Scalar.self == Double.self, MixtureRowKernels.takesResponsibilityProducts(components: k, features: f) {
            // Few components and features: no GEMM, straight into the Double moments.
            resize(&workspace.wideMoments, k, f)
            let done = MixtureRowKernels.responsibilityProducts(responsibilities as! Matrix<Double>, features: features as! Matrix<Double>,
                                                                into: &workspace.wideMoments)
            precondition(done, "the widest instruction set refused Rᵀ·Φ of a shape it takes")
        } else {
            resize(&workspace.moments, k, f)
            resize(&workspace.wideMoments, k, f)
            BLAS.gemm(responsibilities, features, into: &workspace.moments, transposeA: .transpose)
            workspace.moments.withUnsafeBufferPointer { narrow in
                workspace.wideMoments.withUnsafeMutableBufferPointer { wide in
                    for i in narrow.indices { wide[i] = Double(narrow[i]) }
                }
            }
        }
        let moments = workspace.wideMoments
        addCountsAndFirstMoments(moments, family: family)
        family.accumulateSecondMoments(into: &self, moments: moments, features: features, responsibilities: responsibilities,
                                       rowWeights: rowWeights, workspace: &workspace)
    }

    /// Adds a block of a family whose features can be formed from the
    /// rows (``CovarianceFamily/rowFeatures``) from its rows (m × d), whose
    /// features about `center` were never written: the same Rᵀ·φ, from
    /// ``MixtureRowKernels/diagonalMoments(rows:center:responsibilities:into:using:)``
    /// or ``MixtureRowKernels/sphericalMoments(rows:center:responsibilities:into:using:)``.
    /// `responsibilities` are multiplied by the sample weights already.
    ///
    /// - Complexity: 4·m·K·d flops for the diagonal layout, 2·m·K·d for
    ///   the spherical.
    mutating func accumulate(
        rows: Matrix<Double>, center: [Double], responsibilities: Matrix<Double>, workspace: inout Workspace<Double>
    ) {
        let family = covarianceType.family, k = componentCount, d = dimension
        precondition(rows.columns == d && responsibilities.columns == k)
        switch family.rowFeatures {
        case .diagonal:
            resize(&workspace.wideMoments, k, 2 * d + 1)
            MixtureRowKernels.diagonalMoments(rows: rows, center: center, responsibilities: responsibilities,
                                              into: &workspace.wideMoments)
            addCountsAndFirstMoments(workspace.wideMoments, family: family)
            DiagonalCovariance.addSecondMoments(workspace.wideMoments, to: &self)
        case .spherical:
            resize(&workspace.wideMoments, k, d + 2)
            MixtureRowKernels.sphericalMoments(rows: rows, center: center, responsibilities: responsibilities,
                                               into: &workspace.wideMoments)
            addCountsAndFirstMoments(workspace.wideMoments, family: family)
            SphericalCovariance.addSecondMoments(workspace.wideMoments, to: &self)
        case nil:
            preconditionFailure("\(covarianceType)'s features are not formed from the rows")
        }
    }

    /// Nₖ and Σ r·x from Rᵀ·φ, whose last column is the ones'.
    private mutating func addCountsAndFirstMoments(_ moments: Matrix<Double>, family: any CovarianceFamily.Type) {
        let coordinates = family.coordinateColumns(dimension: dimension).lowerBound, f = moments.columns, d = dimension
        // Through buffers: this runs every E-step, where a subscript's
        // uniqueness check per element cost more than the additions.
        moments.withUnsafeBufferPointer { moments in
            counts.withUnsafeMutableBufferPointer { counts in
                firstMoments.withUnsafeMutableBufferPointer { first in
                    for c in 0..<counts.count {
                        counts[c] += moments[c * f + f - 1]
                        for j in 0..<d { first[c * d + j] += moments[c * f + coordinates + j] }
                    }
                }
            }
        }
    }

    /// φ recomputed in Double by the family, and R widened.
    private func widen<Scalar: BLASScalar>(
        _ features: Matrix<Scalar>, _ responsibilities: Matrix<Scalar>, family: any CovarianceFamily.Type,
        _ workspace: inout Workspace<Scalar>
    ) {
        resize(&workspace.wideFeatures, features.rows, features.columns)
        resize(&workspace.wideResponsibilities, responsibilities.rows, responsibilities.columns)
        family.widenFeatures(features, into: &workspace.wideFeatures)
        responsibilities.withUnsafeBufferPointer { r in
            workspace.wideResponsibilities.withUnsafeMutableBufferPointer { out in
                for i in r.indices { out[i] = Double(r[i]) }
            }
        }
    }

    /// Adds the lower triangle of gᵀg for the rows g of `rows` (m × d) to
    /// rows `start..<start + d` of the second moments, widening to Double.
    mutating func addGram<Scalar: BLASScalar>(
        of rows: Matrix<Scalar>, toSecondMomentRowsFrom start: Int, workspace: inout Workspace<Scalar>
    ) {
        let d = dimension
        // Where OpenBLAS has small-matrix GEMM kernels (its AVX-512 sets),
        // panels of columns are far quicker than a SYRK, whose packing is
        // most of its time, while the largest panel's product (d × w × m)
        // stays under their bound. One core, Zen 4, Cooperlake kernels,
        // full-Gram GFLOPS equivalent, panels against SYRK: 93 / 41 at
        // m = 600, d = 32; 100 / 60 at m = 300, d = 64; well beyond the
        // bound the SYRK wins (41 / 56 at m = 4000, d = 64). Float rows
        // keep the SYRK, whose float32 rounding the scikit-learn parity
        // tests bound.
        // The panels add straight into the moments (no d × d scratch to add
        // in a second pass).
        if Scalar.self == Double.self && BLASKernel.hasSmallMatrixGEMM
            && rows.rows * d * Self.gramPanelWidth(dimension: d) <= BLASKernel.smallMatrixGEMMBound {
            return Self.lowerGram(of: rows as! Matrix<Double>, into: &secondMoments, fromRow: start, accumulating: true)
        }
        resize(&workspace.gram, d, d)
        BLAS.syrk(rows, into: &workspace.gram, triangle: .lower, transpose: .transpose)
        workspace.gram.withUnsafeBufferPointer { g in
            secondMoments.withUnsafeMutableBufferPointer { s in
                for i in 0..<d {
                    let target = (start + i) * d, source = i * d
                    for j in 0...i { s[target + j] += Double(g[source + j]) }
                }
            }
        }
    }
}

extension SufficientStatistics {
    /// gᵀg's lower triangle by GEMMs over column panels of width w: panel
    /// p of gᵀg below its diagonal block is g[:, p…]ᵀ·g[:, panel p], so the
    /// products skip most of the upper triangle ((b + 1)/2b of gᵀg's flops
    /// with b panels). Written to (or, accumulating, added to) rows
    /// `row ..< row + d` of `gram`. The entries above the diagonal inside
    /// each diagonal w × w block are written too; the others above it are
    /// not touched.
    static func lowerGram<Scalar: BLASScalar>(
        of rows: Matrix<Scalar>, into gram: inout Matrix<Scalar>, fromRow row: Int = 0, accumulating: Bool = false
    ) {
        let (m, d) = (rows.rows, rows.columns)
        precondition(gram.columns == d && row >= 0 && gram.rows >= row + d)
        guard m > 0 && d > 0 else {
            if !accumulating {
                gram.withUnsafeMutableBufferPointer { $0[(row * d)..<((row + d) * d)].update(repeating: 0) }
            }
            return
        }
        let width = gramPanelWidth(dimension: d)
        rows.withUnsafeBufferPointer { g in
            gram.withUnsafeMutableBufferPointer { out in
                let g = g.baseAddress!, out = out.baseAddress! + row * d
                for p in stride(from: 0, to: d, by: width) {
                    Scalar.blasGemm(.transpose, .none, d - p, Swift.min(width, d - p), m, 1, g + p, d, g + p, d,
                                    accumulating ? 1 : 0, out + p * d + p, d)
                }
            }
        }
    }

    /// Panels of 8 columns: narrower ones give OpenBLAS's small-matrix
    /// kernels too little to do per call (4 columns took 1.2× as long at
    /// m = 600, d = 32), wider ones compute more of the upper triangle.
    static func gramPanelWidth(dimension d: Int) -> Int { Swift.min(d, 8) }
}

extension SufficientStatistics.Workspace {
    /// Writes sᵢ·(x′ᵢ − shift) (x′ᵢ the first d features, sᵢ =
    /// scales[i·stride + column]) for every row of non-zero scale (every
    /// row, unscaled, when `scales` is nil), packed from the top of
    /// ``scaledRows``; returns how many.
    mutating func fillScaledRows(
        features: Matrix<Scalar>, dimension d: Int, shift: [Scalar], scales: [Scalar]?, column: Int = 0, stride: Int = 1
    ) -> Int {
        let m = features.rows
        if scaledRows.rows != m || scaledRows.columns != d { scaledRows = .scratch(rows: m, columns: d) }
        return MixtureRowKernels.scaledRows(features, dimension: d, scales: scales, column: column, stride: stride,
                                            shift: shift, into: &scaledRows)!
    }
}

/// Makes `matrix` rows × columns (its contents then undefined) if it is not.
private func resize<Scalar: BLASScalar>(_ matrix: inout Matrix<Scalar>, _ rows: Int, _ columns: Int) {
    if matrix.rows != rows || matrix.columns != columns { matrix = .scratch(rows: rows, columns: columns) }
}
