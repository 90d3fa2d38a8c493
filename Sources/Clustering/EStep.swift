import LinearAlgebra

/// The E-step under one set of parameters, a block of rows at a time: the
/// rows' features, their weighted log-densities, each row's log-likelihood
/// and responsibilities, and the statistics they add. Each worker runs its
/// own copy (the scratch is per copy).
///
/// For a block of m rows, with the family's features φ (see
/// ``CovarianceFamily``):
///
/// 1. ``features``: φ(x − center), m × F;
/// 2. ``logDensities``: log πₖ + log N(xᵢ | μₖ, Σₖ), m × K, from the family's
///    ``LogDensityKernel``;
/// 3. ``logLikelihoods``: log p(xᵢ) = log Σₖ exp(…), and
///    ``responsibilities``: rᵢₖ = exp(logDensityᵢₖ − log p(xᵢ)), by one
///    max-shifted, vectorised softmax per row;
/// 4. ``SufficientStatistics/accumulate(features:responsibilities:rowWeights:workspace:)``
///    with the responsibilities times the sample weights.
struct EStep<Scalar: BLASScalar> {
    /// K.
    let componentCount: Int
    private let family: any CovarianceFamily.Type
    /// The center the rows are shifted by, in the rows' precision.
    private let center: [Scalar]
    private var kernel: any LogDensityKernel<Scalar>
    /// The buffers below, held as one value so that handing them from pass
    /// to pass moves them instead of copying (and reference-counting) each.
    private var buffers: EStepScratch<Scalar>
    /// The last block's φ(x − center) (m × F).
    var features: Matrix<Scalar> { buffers.features }
    /// The last block's weighted log-densities (m × K).
    var logDensities: Matrix<Double> { buffers.logDensities }
    /// The last block's log p(xᵢ), after ``normalize()``.
    var logLikelihoods: [Double] { buffers.logLikelihoods }
    /// The last block's rᵢₖ (m × K), after ``normalize()``.
    var responsibilities: Matrix<Double> { buffers.responsibilities }
    /// Whether the log-densities and statistics may be taken from the rows
    /// themselves, ``features`` left unwritten (Double rows of at least
    /// ``rowFeaturesMinimumDimension`` coordinates, of a family of the
    /// diagonal or spherical layout whose kernel
    /// ``LogDensityKernel/readsRows``): at n = 20 000, d = 32, K = 8,
    /// writing a block's 65 diagonal features per row took as long as
    /// multiplying them. Data of one block keep their written features
    /// from pass to pass instead.
    private let readsRows: Bool
    /// Whether the block last evaluated was read as rows.
    private var blockReadAsRows = false
    /// Whether ``accumulate(_:firstRow:rowWeights:onlyBlock:into:)`` also sums the
    /// responsibilities' entropy (for the variational lower bound).
    let collectsEntropy: Bool

    /// The E-step under `parameters`, writing into `scratch`'s buffers
    /// where they have the shapes this step needs (a fit's earlier passes
    /// leave them so), into new ones otherwise.
    init(_ parameters: MixtureParameters, collectsEntropy: Bool = false, center: [Double]? = nil,
         reusing scratch: consuming EStepScratch<Scalar>? = nil) {
        componentCount = parameters.componentCount
        self.collectsEntropy = collectsEntropy
        family = parameters.covarianceType.family
        let center = center ?? parameters.center
        // Double rows share the caller's array.
        self.center = Scalar.self == Double.self ? unsafeBitCast(center, to: [Scalar].self) : center.map { Scalar($0) }
        let centeredMeans = Matrix<Double>(rows: parameters.componentCount, columns: parameters.dimension) { k, j in
            parameters.means[k, j] - center[j]
        }
        // Preparing the kernel factorises d×d matrices (an eigendecomposition
        // for a shared orientation): single-threaded BLAS at small d.
        let family = family
        kernel = withSmallMatrixBLAS(dimension: parameters.dimension) {
            family.logDensityKernel(parameters, centeredMeans: centeredMeans, as: Scalar.self)
        }
        readsRows = Scalar.self == Double.self && family.rowFeatures != nil && kernel.readsRows
            && parameters.dimension >= Self.rowFeaturesMinimumDimension
        let featureCount = family.featureCount(dimension: parameters.dimension), k = parameters.componentCount
        if let reused = scratch.take(), reused.fits(featureCount: featureCount, componentCount: k) {
            buffers = reused
        } else {
            buffers = EStepScratch(featureCount: featureCount, componentCount: k)
        }
    }

    /// This step's buffers, for the next pass of the same fit (see
    /// ``init(_:collectsEntropy:center:reusing:)``). Consuming the step leaves them
    /// referenced only by the result, so the next step writes them in place.
    consuming func scratch() -> EStepScratch<Scalar> {
        buffers
    }

    /// Rows per block for data of `rowCount` rows: few enough that one
    /// worker's scratch stays within ``BlockSizes/eStepScratchBytesPerWorker``
    /// (a block's features are written, multiplied, normalised and
    /// multiplied again while they are in the core's cache), but at least
    /// ``BlockSizes/eStepMinimumRows``, for BLAS to run at speed. Data of at
    /// most ``BlockSizes/rows`` rows whose scratch fits in
    /// ``BlockSizes/scratchBytesPerWorker`` are one block: split, their
    /// few microseconds of work per iteration would go to handing blocks to
    /// threads (and model selection, which fits such data a cell per core,
    /// relies on it).
    static func blockRows(componentCount k: Int, dimension d: Int, covarianceType: CovarianceType, rowCount: Int) -> Int {
        let perRow = Swift.max(covarianceType.family.scratchBytesPerRow(
            components: k, dimension: d, scalarSize: MemoryLayout<Scalar>.size), 1)
        if rowCount <= BlockSizes.rows && rowCount <= BlockSizes.scratchBytesPerWorker / perRow { return Swift.max(rowCount, 1) }
        let rows = BlockSizes.eStepScratchBytesPerWorker / perRow
        return Swift.min(Swift.max(rows, BlockSizes.eStepMinimumRows), 16_384)
    }

    /// The fewest coordinates for which ``readsRows``: below it, forming z
    /// per block costs more than the multiply-adds it feeds. A C harness,
    /// one core, Xeon (family 6, model 207), 682-row blocks, K = 8, µs per
    /// block, forms and moments from the rows / features written, their
    /// forms, and Rᵀ·φ by OpenBLAS's GEMM: diagonal d = 4 20.6 / 15.6,
    /// d = 32 26.8 / 89; spherical d = 4 27.6 / 12.4, d = 32 22 / 47.
    static var rowFeaturesMinimumDimension: Int { 16 }

    /// The runs of blocks a pass over several blocks is split into, taken
    /// by the workers one at a time: more runs than workers, so that a
    /// worker that starts late still takes its share, and a fixed number,
    /// so that the statistics (merged in run order) do not depend on how
    /// many workers there are.
    static var runCount: Int { 8 }

    /// Steps 1 and 2 for `block`: ``features`` and ``logDensities``.
    mutating func evaluate(_ block: Matrix<Scalar>) {
        evaluate(block, reusingFeatures: false)
    }

    /// ``evaluate(_:)``, keeping ``features`` when `reusingFeatures` and
    /// they were written about this step's center (by the previous pass of
    /// a fit whose data are this one block, about the fit's fixed center).
    private mutating func evaluate(_ block: Matrix<Scalar>, reusingFeatures: Bool) {
        let m = block.rows, k = componentCount
        blockReadAsRows = readsRows && !reusingFeatures
        if blockReadAsRows {
            if buffers.logDensities.rows != m { buffers.logDensities = .scratch(rows: m, columns: k) }
            kernel.weightedLogDensities(rows: block, center: center, into: &buffers.logDensities)
            return
        }
        if buffers.features.rows != m || buffers.logDensities.rows != m {
            buffers.features = .scratch(rows: m, columns: buffers.features.columns)
            buffers.logDensities = .scratch(rows: m, columns: k)
            buffers.featuresCenter = nil
        }
        if !(reusingFeatures && buffers.featuresCenter == center) {
            family.writeFeatures(of: block, center: center, into: &buffers.features)
            buffers.featuresCenter = reusingFeatures ? center : nil
        }
        kernel.weightedLogDensities(features: buffers.features, into: &buffers.logDensities)
    }

    /// Step 3: ``logLikelihoods`` and ``responsibilities`` of the block
    /// last evaluated. Terms below e⁻⁷⁴⁵ of the largest underflow to 0; a
    /// row with no finite log-density (unreachable for finite data and
    /// parameters) gets zero responsibilities, so it stays out of the
    /// statistics.
    mutating func normalize() {
        let m = buffers.logDensities.rows, k = componentCount
        if buffers.responsibilities.rows != m {
            buffers.responsibilities = .scratch(rows: m, columns: k)
            buffers.logLikelihoods = [Double](repeating: 0, count: m)
        }
        buffers.logDensities.withUnsafeBufferPointer { densities in
            buffers.responsibilities.withUnsafeMutableBufferPointer { r in
                buffers.logLikelihoods.withUnsafeMutableBufferPointer { lse in
                    VectorMath.softmax(ofRows: densities, columns: k, into: r, logSumExp: lse)
                }
            }
        }
    }

    /// Steps 1 to 4 for `block`, whose first row is row `firstRow` of the
    /// rows `rowWeights` (nil: all 1) belong to.
    ///
    /// With `onlyBlock`, `block` is all the data of the fit this step's
    /// scratch came from and goes on to, so that features written about
    /// the same center by the previous pass still hold.
    mutating func accumulate(_ block: Matrix<Scalar>, firstRow: Int, rowWeights: [Double]?, onlyBlock: Bool = false,
                             into statistics: inout SufficientStatistics) {
        evaluate(block, reusingFeatures: onlyBlock)
        normalize()
        let m = block.rows, k = componentCount
        if collectsEntropy { statistics.responsibilityEntropy += entropy(firstRow: firstRow, rowWeights: rowWeights) }
        // Unweighted Double rows take the responsibilities as they are.
        if rowWeights == nil, let same = responsibilities as? Matrix<Scalar> {
            statistics.totalWeight += Double(m)
            statistics.logLikelihoodSum += buffers.logLikelihoods.withUnsafeBufferPointer(sumInFourParts)
            accumulateStatistics(block, responsibilities: same, rowWeights: nil, into: &statistics)
            return
        }
        if buffers.weightedResponsibilities.rows != m { buffers.weightedResponsibilities = .scratch(rows: m, columns: k) }
        let logLikelihoods = buffers.logLikelihoods
        buffers.responsibilities.withUnsafeBufferPointer { r in
            buffers.weightedResponsibilities.withUnsafeMutableBufferPointer { out in
                for i in 0..<m {
                    let w = rowWeights?[firstRow + i] ?? 1
                    statistics.totalWeight += w
                    statistics.logLikelihoodSum += w * logLikelihoods[i]
                    for c in 0..<k { out[i * k + c] = Scalar(w * r[i * k + c]) }
                }
            }
        }
        withRowWeights(rowWeights, firstRow..<(firstRow + m)) { weights in
            accumulateStatistics(block, responsibilities: buffers.weightedResponsibilities, rowWeights: weights, into: &statistics)
        }
    }

    /// Step 4 for `block`, from its features or, when ``readsRows``, from
    /// the rows.
    private mutating func accumulateStatistics(
        _ block: Matrix<Scalar>, responsibilities: Matrix<Scalar>, rowWeights: UnsafeBufferPointer<Double>?,
        into statistics: inout SufficientStatistics
    ) {
        if blockReadAsRows, var workspace = buffers.statisticsWorkspace as? SufficientStatistics.Workspace<Double> {
            // Moved out and back so the workspace's buffers stay uniquely referenced.
            buffers.statisticsWorkspace = SufficientStatistics.Workspace<Scalar>()
            statistics.accumulate(rows: block as! Matrix<Double>, center: center as! [Double],
                                  responsibilities: responsibilities as! Matrix<Double>, workspace: &workspace)
            buffers.statisticsWorkspace = workspace as! SufficientStatistics.Workspace<Scalar>
            return
        }
        statistics.accumulate(features: buffers.features, responsibilities: responsibilities, rowWeights: rowWeights,
                              workspace: &buffers.statisticsWorkspace)
    }
}

/// The buffers an ``EStep`` writes a block into, handed from one pass to
/// the next by fits whose data are one block: a fit of a few hundred rows
/// takes tens of microseconds per iteration, and allocating these afresh
/// each pass was a noticeable part of it.
struct EStepScratch<Scalar: BLASScalar> {
    var features: Matrix<Scalar>
    var logDensities: Matrix<Double>
    var logLikelihoods: [Double]
    var responsibilities: Matrix<Double>
    var weightedResponsibilities: Matrix<Scalar>
    var statisticsWorkspace: SufficientStatistics.Workspace<Scalar>
    /// The center `features` hold the one block's features about, or nil.
    var featuresCenter: [Scalar]?
    /// Statistics the fit is done with, whose buffers the next pass's
    /// statistics take (see ``SufficientStatistics/zero(under:center:reusing:)``).
    var spentStatistics: SufficientStatistics? = nil

    /// Empty buffers, shaped for `featureCount` features and
    /// `componentCount` components, sized by the first block.
    init(featureCount: Int, componentCount k: Int) {
        features = Matrix(rows: 0, columns: featureCount)
        logDensities = Matrix(rows: 0, columns: k)
        logLikelihoods = []
        responsibilities = logDensities
        weightedResponsibilities = Matrix(rows: 0, columns: k)
        statisticsWorkspace = SufficientStatistics.Workspace<Scalar>()
        featuresCenter = nil
    }

    /// Whether these buffers have the columns a step of `featureCount`
    /// features and `componentCount` components writes.
    func fits(featureCount: Int, componentCount k: Int) -> Bool {
        features.columns == featureCount && logDensities.columns == k && responsibilities.columns == k
            && weightedResponsibilities.columns == k
    }
}

/// Σ of `values` in four partial sums (element i into sum i mod 4), added
/// as (s₀ + s₁) + (s₂ + s₃): a block's log-likelihoods added one after
/// another each waited on the last addition, a few cycles per row.
func sumInFourParts(_ values: UnsafeBufferPointer<Double>) -> Double {
    var (s0, s1, s2, s3) = (0.0, 0.0, 0.0, 0.0)
    var i = 0
    while i + 4 <= values.count {
        s0 += values[i]
        s1 += values[i + 1]
        s2 += values[i + 2]
        s3 += values[i + 3]
        i += 4
    }
    if i < values.count { s0 += values[i] }
    if i + 1 < values.count { s1 += values[i + 1] }
    if i + 2 < values.count { s2 += values[i + 2] }
    return (s0 + s1) + (s2 + s3)
}

extension EStep {
    /// −Σᵢ wᵢ·Σₖ rᵢₖ·log rᵢₖ over the block last normalised, with
    /// log rᵢₖ = logDensityᵢₖ − log p(xᵢ); a responsibility that underflowed
    /// to 0 adds nothing.
    private func entropy(firstRow: Int, rowWeights: [Double]?) -> Double {
        let m = responsibilities.rows, k = componentCount
        var total = 0.0
        responsibilities.withUnsafeBufferPointer { r in
            logDensities.withUnsafeBufferPointer { logDensity in
                for i in 0..<m {
                    var row = 0.0
                    for c in 0..<k where r[i * k + c] > 0 {
                        row += r[i * k + c] * (logDensity[i * k + c] - logLikelihoods[i])
                    }
                    total -= (rowWeights?[firstRow + i] ?? 1) * row
                }
            }
        }
        return total
    }
}

extension SufficientStatistics {
    /// The E-step over every row of `source` under `parameters`: each row's
    /// responsibilities folded into statistics as soon as its block is done.
    ///
    /// - Parameter rowWeights: one non-negative weight per row of `source`, or nil.
    /// - Parameter collectsEntropy: also sum ``SufficientStatistics/responsibilityEntropy``.
    /// - Complexity: one pass; about n·K·d·(2d + 8) flops for full
    ///   covariance (2.5·n·K·d² for Float rows or d > 256).
    static func expectation<Source: RowBlockSource>(
        of source: Source, under parameters: MixtureParameters, rowWeights: [Double]?, collectsEntropy: Bool = false,
        workers: Int = defaultWorkerCount
    ) -> SufficientStatistics {
        var scratch: EStepScratch<Source.Scalar>? = nil
        return expectation(of: source, under: parameters, rowWeights: rowWeights, collectsEntropy: collectsEntropy,
                           workers: workers, scratch: &scratch)
    }

    /// ``expectation(of:under:rowWeights:collectsEntropy:workers:)`` for one
    /// pass of a fit: data of one block write into `scratch`'s buffers (the
    /// previous pass's, nil at the first) and leave them there for the next.
    ///
    /// `center` replaces the parameters' own as the point the features and
    /// statistics are taken about: a fit holds one from its first M-step on
    /// (the data's mean up to rounding, as the parameters' own stays after
    /// every M-step), so that data of one block keep their features from
    /// pass to pass.
    static func expectation<Source: RowBlockSource>(
        of source: Source, under parameters: MixtureParameters, rowWeights: [Double]?, collectsEntropy: Bool = false,
        workers: Int = defaultWorkerCount, center: [Double]? = nil, scratch: inout EStepScratch<Source.Scalar>?
    ) -> SufficientStatistics {
        let blockRows = EStep<Source.Scalar>.blockRows(
            componentCount: parameters.componentCount, dimension: parameters.dimension, covarianceType: parameters.covarianceType,
            rowCount: source.rowCount)
        let blockCount = (source.rowCount + blockRows - 1) / blockRows
        if blockCount <= 1 {
            // Data of one block is small (see `blockRows`): its products are
            // too small for OpenBLAS's threads, whose start-up and spinning
            // doubled a diagonal-covariance iteration at n = 2 000, d = 32,
            // K = 8 (0.38–0.50 against 0.19–0.20 ms), so it runs on this
            // thread alone, as concurrent runs do.
            return BLASThreading.withSingleThreadedBLAS {
                let spent = scratch?.spentStatistics.take() ?? nil
                var step = EStep<Source.Scalar>(parameters, collectsEntropy: collectsEntropy, center: center,
                                                reusing: scratch.take())
                var statistics = SufficientStatistics.zero(under: parameters, center: center, reusing: consume spent)
                source.forEachBlock(rows: blockRows) { range, block in
                    step.accumulate(block, firstRow: range.lowerBound, rowWeights: rowWeights, onlyBlock: true, into: &statistics)
                }
                scratch = step.scratch()
                return statistics
            }
        }
        let start = EStep<Source.Scalar>(parameters, collectsEntropy: collectsEntropy, center: center)
        // Each worker takes a contiguous run of blocks; their statistics merge in order.
        var partials = concurrentRuns(count: blockCount, runs: EStep<Source.Scalar>.runCount, workers: workers) { blocks in
            let rows = (blocks.lowerBound * blockRows)..<Swift.min(blocks.upperBound * blockRows, source.rowCount)
            var step = start
            var statistics = SufficientStatistics.zero(under: parameters, center: center)
            RowRangeSource(source, rows: rows).forEachBlock(rows: blockRows) { range, block in
                step.accumulate(block, firstRow: rows.lowerBound + range.lowerBound, rowWeights: rowWeights,
                                into: &statistics)
            }
            return statistics
        }
        // Moved out of the array, the first partial is uniquely referenced and merges in place.
        var total = partials.removeFirst()
        for partial in partials { total.merge(partial) }
        return total
    }
}
