import Foundation
import LinearAlgebra

/// A Gaussian mixture estimator fitted by expectation–maximisation, with
/// scikit-learn's parameters, defaults and semantics.
///
/// ```swift
/// import Gauss
///
/// let data = try CSV.read(contentsOf: "faithful.csv").matrix
/// let model = try GaussianMixture(componentCount: 2, seed: 1).fit(data)
/// print(model.weights, model.means, try model.predict(data))
/// ```
///
/// Each iteration is one pass over the data in blocks of rows: the E-step of
/// a block is one matrix product plus a stable log-sum-exp, and its
/// responsibilities fold straight into ``SufficientStatistics``, from which
/// the M-step computes the new parameters. Data can be any
/// ``RowBlockSource``, so a memory-mapped `.npy` file larger than memory is
/// fitted the same way as a matrix. `Float` data are multiplied in `Float`
/// while the statistics and the small d×d factorisations are in `Double`.
public struct GaussianMixture: Sendable {
    /// How EM's starting parameters are chosen (scikit-learn's `init_params`).
    public enum Initialization: String, Sendable, CaseIterable {
        /// Responsibilities from the labels of a k-means fit (the default).
        case kmeans
        /// Components centered on k-means++ seeds.
        case kMeansPlusPlus = "k-means++"
        /// Random responsibilities, normalised per row.
        case random
        /// Components centered on K distinct rows drawn uniformly.
        case randomFromData = "random_from_data"
        /// The partition into K clusters of mclust's model-based
        /// hierarchical clustering (``HierarchicalClustering``), R's mclust's
        /// default; deterministic, so the seed plays no part. Above
        /// ``HierarchicalClustering/subsetSize`` rows the tree is grown on a
        /// subset, and the start is the M-step of the subset's partition.
        case hierarchical = "hc"
    }

    /// When EM stops, and at which parameters.
    public enum ConvergenceRule: String, Sendable, CaseIterable {
        /// scikit-learn's: when the mean log-likelihood per row changes by
        /// less than ``GaussianMixture/tolerance``; the parameters are those
        /// of the M-step after that E-step (the default).
        case scikitLearn = "scikit-learn"
        /// R mclust's `me`: when the total log-likelihood ℓ changes by at
        /// most ``GaussianMixture/tolerance`` relative to 1 + |ℓ|; the
        /// parameters are those whose log-likelihood that is, with no
        /// M-step after it (mclust's default tolerance is 1e-5).
        case mclust
    }

    /// Parameters that EM holds at their starting values (see
    /// ``GaussianMixture/fixedParameters``).
    public struct FixedParameters: OptionSet, Sendable, Hashable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }

        public static let weights = FixedParameters(rawValue: 1 << 0)
        public static let means = FixedParameters(rawValue: 1 << 1)
        public static let covariances = FixedParameters(rawValue: 1 << 2)
    }

    /// What a progress handler is told after every EM iteration.
    public struct Progress: Sendable {
        /// Which start (0-based) of ``GaussianMixture/initializationCount``.
        public var initialization: Int
        /// The iteration just finished (1-based).
        public var iteration: Int
        /// The lower bound after it.
        public var lowerBound: Double
        /// Its change from the previous iteration (∞ after the first).
        public var change: Double
        /// Seconds since the fit started.
        public var elapsed: Double
    }

    /// K, the number of components (default 1).
    public var componentCount: Int
    /// The covariance constraint (default full).
    public var covarianceType: CovarianceType
    /// EM stops when the lower bound changes by less than this (default 1e-3).
    public var tolerance: Double
    /// Added to every variance: keeps covariances positive definite (default 1e-6).
    public var regularization: Double
    /// EM iterations per start at most (default 100).
    public var maxIterations: Int
    /// Starts to run; the one with the highest lower bound is kept (default 1).
    public var initializationCount: Int
    /// How starting parameters are chosen (default k-means).
    public var initialization: Initialization
    /// Starting weights, replacing those of ``initialization`` (K values summing to 1).
    public var initialWeights: [Double]?
    /// Starting means (K×d), replacing those of ``initialization``.
    public var initialMeans: Matrix<Double>?
    /// Starting precisions in the shape of ``covarianceType``, replacing
    /// those of ``initialization``.
    public var initialPrecisions: CovarianceParameters?
    /// Starting responsibilities, replacing ``initialization``: an n×K matrix
    /// whose rows are non-negative and sum to 1 (within 1e-6). The starting
    /// weights, means and covariances are their M-step, as in scikit-learn's
    /// `_initialize`; ``initialWeights``, ``initialMeans`` and
    /// ``initialPrecisions`` still replace their parts. Every start begins
    /// here, so more than one start repeats one fit.
    /// ``responsibilities(labels:componentCount:)`` makes them from a hard
    /// partition, such as the k-means labels scikit-learn starts from.
    public var initialResponsibilities: Matrix<Double>?
    /// The seed of every random choice: the same seed gives the same fit.
    public var seed: UInt64
    /// Called after every EM iteration.
    public var progress: (@Sendable (Progress) -> Void)?
    /// Called after every Lloyd iteration of the k-means initialisation
    /// (``Initialization/kmeans``), which can take longer than EM itself.
    public var kMeansProgress: (@Sendable (KMeans.Progress) -> Void)? = nil
    /// Parameters held at their starting values through every iteration
    /// (default none): the M-step maximises the expected log-likelihood over
    /// the others, so the lower bound still never decreases. With the means
    /// held, the covariances are the responsibilities' scatter about them.
    /// The starting values are the start's: give them as ``initialWeights``,
    /// ``initialMeans`` or ``initialPrecisions`` to choose them (uniform
    /// weights and identity precisions give the lecture's EM that learns
    /// the means alone).
    public var fixedParameters: FixedParameters = []
    /// When EM stops (default scikit-learn's rule).
    public var convergenceRule: ConvergenceRule = .scikitLearn
    /// A cancellation check, called after every iteration (nil: none). When
    /// it returns true the fit stops there as if it had run its last
    /// iteration (the model says it did not converge) and starts no further
    /// starts, keeping the best so far. A distributed fit ignores it.
    public var isCancelled: (@Sendable () -> Bool)? = nil
    /// The tree that ``Initialization/hierarchical`` cuts, when it has been
    /// grown already (model selection grows one for every K).
    package var hierarchy: MergeTree? = nil
    /// The memory a fit may use beyond its data, in bytes (nil: the
    /// machine's physical memory). A fit whose ``memoryEstimate(rows:columns:)``
    /// exceeds it fails with ``ClusteringError/insufficientMemory(required:limit:)``
    /// before allocating.
    public var memoryLimit: Int? = nil

    public init(
        componentCount: Int = 1, covarianceType: CovarianceType = .full, tolerance: Double = 1e-3,
        regularization: Double = 1e-6, maxIterations: Int = 100, initializationCount: Int = 1,
        initialization: Initialization = .kmeans, initialWeights: [Double]? = nil, initialMeans: Matrix<Double>? = nil,
        initialPrecisions: CovarianceParameters? = nil, seed: UInt64 = 0, progress: (@Sendable (Progress) -> Void)? = nil
    ) {
        self.componentCount = componentCount
        self.covarianceType = covarianceType
        self.tolerance = tolerance
        self.regularization = regularization
        self.maxIterations = maxIterations
        self.initializationCount = initializationCount
        self.initialization = initialization
        self.initialWeights = initialWeights
        self.initialMeans = initialMeans
        self.initialPrecisions = initialPrecisions
        self.seed = seed
        self.progress = progress
    }

    /// An estimator with R mclust's defaults (`Mclust()` and `me()`): the
    /// start cut from ``HierarchicalClustering``'s tree, no regularisation,
    /// and mclust's rule of convergence at a relative change of 1e-5 (at
    /// most 10 000 iterations, where mclust has no limit).
    ///
    /// ```swift
    /// let model = try GaussianMixture.mclust(componentCount: 3, model: .tied).fit(data)
    /// ```
    public static func mclust(componentCount: Int = 1, model: CovarianceType = .full) -> GaussianMixture {
        var estimator = GaussianMixture(componentCount: componentCount, covarianceType: model, tolerance: 1e-5, regularization: 0,
                                        maxIterations: 10_000, initialization: .hierarchical)
        estimator.convergenceRule = .mclust
        return estimator
    }

    /// Fits a mixture to the rows of `source`.
    ///
    /// - Parameter sampleWeights: a non-negative weight per row: a row of
    ///   weight 2 counts as the row twice (scikit-learn has no such option).
    /// - Throws: ``ClusteringError`` for bad data, settings or initial
    ///   parameters, a fit that would need more than ``memoryLimit``, or
    ///   when a component collapses.
    /// - Complexity: per iteration about 3·n·K·d² flops (full), 2·n·d² +
    ///   4·n·K·d (tied), 6·n·K·d (diag), 4·n·K·d (spherical).
    public func fit<Source: RowBlockSource>(_ source: Source, sampleWeights: [Double]? = nil) throws(ClusteringError) -> GaussianMixtureModel {
        try fitBlocks(BlockReader(source), sampleWeights: sampleWeights)
    }

    /// Fits the rows and labels each with its most probable component under
    /// the fitted model (scikit-learn's `fit_predict`, whose labels come
    /// from an E-step after the fit, so they equal `model.predict(source)`).
    ///
    /// - Complexity: the fit and one more pass over the rows.
    public func fitPredict<Source: RowBlockSource>(
        _ source: Source, sampleWeights: [Double]? = nil
    ) throws(ClusteringError) -> (model: GaussianMixtureModel, labels: [Int]) {
        let model = try fit(source, sampleWeights: sampleWeights)
        return (model, try model.predict(source))
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func fitBlocks<Scalar: BLASScalar>(_ source: BlockReader<Scalar>, sampleWeights: [Double]?) throws(ClusteringError) -> GaussianMixtureModel {
        try validate(source, sampleWeights: sampleWeights)
        return try bestStartInOneProcess(of: self, source: source, sampleWeights: sampleWeights) { rng, _ throws(ClusteringError) in
            try initialParameters(source, sampleWeights: sampleWeights, using: &rng)
        }
    }

    /// The fit of one part of the data through the one driver of every
    /// estimator (``bestStart(of:part:sampleWeights:reduction:drawStart:)``),
    /// with the starts drawn on part 0 by `drawStart`: the whole fit in one
    /// process (``PartReduction/single``), or this process's share of a
    /// distributed one, whose statistics `reduction` sums over the parts.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    package func fit<Scalar: BLASScalar>(
        part: BlockReader<Scalar>, sampleWeights: [Double]?, reduction: PartReduction,
        drawStart: (inout Xoshiro256StarStar) throws(ClusteringError) -> (MixtureParameters, CovarianceParameters)
    ) throws(PartFailure) -> GaussianMixtureModel {
        try bestStart(of: self, part: part, sampleWeights: sampleWeights, reduction: reduction) { rng, _ throws(ClusteringError) in
            try drawStart(&rng)
        }
    }

    /// Continues EM from `model`'s parameters (scikit-learn's `warm_start`):
    /// one start, with the first change measured from `model.lowerBound`.
    public func fit<Source: RowBlockSource>(
        _ source: Source, continuingFrom model: GaussianMixtureModel, sampleWeights: [Double]? = nil
    ) throws(ClusteringError) -> GaussianMixtureModel {
        try continueBlocks(BlockReader(source), from: model, sampleWeights: sampleWeights)
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func continueBlocks<Scalar: BLASScalar>(
        _ source: BlockReader<Scalar>, from model: GaussianMixtureModel, sampleWeights: [Double]?
    ) throws(ClusteringError) -> GaussianMixtureModel {
        try validate(source, sampleWeights: sampleWeights)
        guard model.componentCount == componentCount && model.covarianceType == covarianceType else {
            throw .invalidParameter(name: "model to continue from",
                                    reason: "it has \(model.componentCount) \(model.covarianceType) components, not \(componentCount) \(covarianceType)")
        }
        guard model.dimension == source.columnCount else {
            throw .dimensionMismatch(expected: model.dimension, actual: source.columnCount)
        }
        return try runEM(source, sampleWeights: sampleWeights, from: model.parameters, covariances: model.covariances,
                         previousLowerBound: model.lowerBound, start: 0, clock: .now)
    }

    /// The EM loop of one start; `reduction` sums each E-step's statistics
    /// over the parts of a distributed fit, so that every part takes the
    /// same M-step.
    private func runEM<Source: RowBlockSource>(
        _ source: Source, sampleWeights: [Double]?, from initial: MixtureParameters, covariances initialCovariances: CovarianceParameters,
        previousLowerBound: Double, start: Int, clock: ContinuousClock.Instant, reduction: PartReduction = .single
    ) throws(ClusteringError) -> GaussianMixtureModel {
        var parameters = initial
        // Only the last iteration's covariances are kept: for full covariance
        // they are K·d² numbers that need not stay alive through every E-step.
        var covariances: CovarianceParameters? = maxIterations == 0 ? initialCovariances : nil
        var lowerBound = previousLowerBound
        var history: [Double] = []
        var converged = false
        var iterations = 0
        // The covariances of `parameters`, for mclust's rule, which stops before an M-step.
        var currentCovariances = initialCovariances
        // From the second E-step on, every E-step about the center the first
        // M-step left, Σπₖμₖ, which is the data's mean up to rounding and stays
        // so (see `expectation`): data of one block are then turned into
        // features once per fit. (Not the start's: a start far from the data
        // would leave every E-step's features cancelling.)
        var center: [Double]? = nil
        var scratch: EStepScratch<Source.Scalar>? = nil
        iterating: while iterations < maxIterations {
            iterations += 1
            var statistics = SufficientStatistics.expectation(of: source, under: parameters, rowWeights: sampleWeights,
                                                              center: center, scratch: &scratch)
            statistics.sum(over: reduction)
            let previous = lowerBound
            lowerBound = statistics.meanLogLikelihood
            history.append(lowerBound)
            let change = lowerBound - previous
            switch convergenceRule {
            case .scikitLearn:
                converged = abs(change) < tolerance
            case .mclust:
                let total = lowerBound * statistics.totalWeight
                converged = abs(change * statistics.totalWeight) <= tolerance * (1 + abs(total))
                if converged {
                    covariances = currentCovariances
                    report(start: start, iteration: iterations, lowerBound: lowerBound, change: change, clock: clock)
                    break iterating
                }
            }
            let newCovariances: CovarianceParameters
            (parameters, newCovariances) = try statistics.parameters(
                regularization: regularization, holding: fixedParameters, at: parameters, covariances: initialCovariances)
            if center == nil { center = parameters.center }
            // Its buffers go to the next E-step's statistics.
            scratch?.spentStatistics = consume statistics
            if convergenceRule == .mclust { currentCovariances = newCovariances }
            if converged || iterations == maxIterations { covariances = newCovariances }
            report(start: start, iteration: iterations, lowerBound: lowerBound, change: change, clock: clock)
            if converged { break }
            // Checked after the report, so a handler that counts iterations can stop at the one it saw.
            if reduction.count == 1, isCancelled?() == true {
                covariances = newCovariances
                break
            }
        }
        return GaussianMixtureModel(parameters: parameters, covariances: covariances!, converged: converged,
                                    iterationCount: iterations, lowerBound: iterations == 0 ? -.infinity : lowerBound,
                                    lowerBoundHistory: history)
    }

    private func report(start: Int, iteration: Int, lowerBound: Double, change: Double, clock: ContinuousClock.Instant) {
        guard let progress else { return }
        let elapsed = ContinuousClock.now - clock
        progress(Progress(initialization: start, iteration: iteration, lowerBound: lowerBound, change: change, elapsed: elapsed.inSeconds))
    }

    // MARK: Checks

    /// Checks the settings, the data and the initial parameters. `totalRows`
    /// is the number of rows of the whole data set when `source` is one part
    /// of it (a distributed fit), for the check of K against the rows.
    package func validate<Source: RowBlockSource>(_ source: Source, sampleWeights: [Double]?, totalRows: Int? = nil) throws(ClusteringError) {
        guard componentCount >= 1 else { throw .invalidSetting(name: "component count", reason: "must be at least 1, got \(componentCount)") }
        guard tolerance >= 0 && !tolerance.isNaN else { throw .invalidSetting(name: "tolerance", reason: "must be non-negative, got \(tolerance)") }
        guard regularization >= 0 && regularization.isFinite else {
            throw .invalidSetting(name: "covariance regularization", reason: "must be finite and non-negative, got \(regularization)")
        }
        guard maxIterations >= 0 else { throw .invalidSetting(name: "maximum iterations", reason: "must be non-negative, got \(maxIterations)") }
        guard initializationCount >= 1 else {
            throw .invalidSetting(name: "initialization count", reason: "must be at least 1, got \(initializationCount)")
        }
        if fixedParameters.contains(.means) && !fixedParameters.contains(.covariances) && !covarianceType.isScikitLearnType {
            throw .invalidSetting(name: "fixed parameters",
                                  reason: "with the means held, the covariances are fitted only for full, tied, diag and spherical, not \(covarianceType.mclustName); hold the covariances too")
        }
        try validateShapeAndWeights(source, sampleWeights: sampleWeights, minimumRows: componentCount, totalRows: totalRows)
        try checkMemory(required: memoryEstimate(rows: source.rowCount, columns: source.columnCount), limit: memoryLimit)
        try source.checkFinite(blockRows: BlockSizes.rows)
        let k = componentCount, d = source.columnCount
        if let initialResponsibilities { try checkResponsibilities(initialResponsibilities, rows: source.rowCount, componentCount: k) }
        if let initialWeights { try checkWeights(initialWeights, componentCount: k) }
        if let initialMeans { try checkMeans(initialMeans, componentCount: k, dimension: d) }
        if let initialPrecisions {
            let expected = CovarianceParameters.expectedShape(covarianceType, components: k, dimension: d)
            guard initialPrecisions.covarianceType == covarianceType && initialPrecisions.shape == expected else {
                throw .parameterShape(name: "initial precisions", expected: expected, actual: initialPrecisions.shape)
            }
            do { _ = try initialPrecisions.precisionsCholeskyFromPrecisions() } catch {
                throw .precisionNotPositiveDefinite(component: covarianceType.family.isShared ? nil : error.value)
            }
        }
    }
}

extension GaussianMixture: IterativeEstimator {
    /// Starting parameters and the covariances they came from (kept exactly
    /// for a fit of no iterations).
    package typealias Start = (MixtureParameters, CovarianceParameters)

    package func packedStartCount(dimension d: Int) -> Int {
        let k = componentCount
        let parameters = MixtureParameters.packedCount(componentCount: k, dimension: d, covarianceType: covarianceType)
        // The covariances take as many values as the precision factors.
        return parameters + (parameters - k - k * d)
    }

    package func pack(_ start: Start) -> [Double] { start.0.packed + start.1.flattened }

    package func unpackStart(_ buffer: ArraySlice<Double>, dimension d: Int) -> Start {
        let k = componentCount
        let split = buffer.startIndex + MixtureParameters.packedCount(componentCount: k, dimension: d, covarianceType: covarianceType)
        return (MixtureParameters(packed: Array(buffer[..<split]), componentCount: k, dimension: d, covarianceType: covarianceType),
                CovarianceParameters(covarianceType, components: k, dimension: d, flattened: buffer[split...]))
    }

    /// The clock of the progress reports' elapsed time.
    package func setup<Scalar: BLASScalar>(
        _ part: BlockReader<Scalar>, sampleWeights: [Double]?, reduction: PartReduction
    ) -> ContinuousClock.Instant {
        .now
    }

    package func iterate<Scalar: BLASScalar>(
        _ part: BlockReader<Scalar>, sampleWeights: [Double]?, from start: Start, index: Int, setup clock: ContinuousClock.Instant,
        reduction: PartReduction
    ) throws(ClusteringError) -> GaussianMixtureModel {
        try runEM(part, sampleWeights: sampleWeights, from: start.0, covariances: start.1, previousLowerBound: -.infinity,
                  start: index, clock: clock, reduction: reduction)
    }
}
