import LinearAlgebra

/// A Gaussian mixture fitted by variational inference, with scikit-learn's
/// `BayesianGaussianMixture` parameters, defaults and semantics: give an
/// upper bound on K, and the weight prior switches off the components the
/// data do not support.
///
/// ```swift
/// let model = try BayesianGaussianMixture(componentCount: 10, seed: 1).fit(data)
/// print(model.weights)   // most near 0: the data support only a few components
/// ```
///
/// Each iteration is EM's pass over the data: the E-step runs the same
/// batched kernel as ``GaussianMixture`` with the variational terms in place
/// of log πₖ, and the M-step turns the same ``SufficientStatistics`` into
/// the posterior (see ``BayesianGaussianMixtureModel``). So a fit streams
/// from a memory-mapped `.npy` file, takes sample weights and runs on every
/// core as EM does. The lower bound is scikit-learn's (without the terms
/// constant in the parameters) and never decreases.
public struct BayesianGaussianMixture: Sendable {
    /// The prior on the weights (scikit-learn's `weight_concentration_prior_type`).
    public enum WeightPrior: String, Sendable, CaseIterable {
        /// A Dirichlet process, truncated at K components, by stick breaking.
        case dirichletProcess = "dirichlet_process"
        /// A symmetric Dirichlet distribution over K weights.
        case dirichletDistribution = "dirichlet_distribution"
    }

    /// K, the largest number of components (default 1).
    public var componentCount: Int
    /// The covariance constraint (default full).
    public var covarianceType: CovarianceType
    /// The prior on the weights (default a Dirichlet process).
    public var weightPrior: WeightPrior = .dirichletProcess
    /// γ₀, the concentration of the weight prior (default 1/K): small values
    /// put the mass on few components.
    public var weightConcentrationPrior: Double? = nil
    /// β₀, the precision of the prior on the means (default 1).
    public var meanPrecisionPrior: Double? = nil
    /// m₀, the prior mean (d values; default the data's mean).
    public var meanPrior: [Double]? = nil
    /// ν₀, the degrees of freedom of the prior on the precisions, above d − 1 (default d).
    public var degreesOfFreedomPrior: Double? = nil
    /// Ψ₀, the prior on the covariances, in the shape of one component's
    /// covariance: d×d (full, tied), 1×d (diag), 1×1 (spherical). Default:
    /// the data's covariance (divided by n − 1) in that shape.
    public var covariancePrior: Matrix<Double>? = nil
    /// Iterations stop when the lower bound changes by less than this (default 1e-3).
    public var tolerance: Double
    /// Added to every variance of the M-step's estimates (default 1e-6).
    public var regularization: Double
    /// Iterations per start at most (default 100).
    public var maxIterations: Int
    /// Starts to run; the one with the highest lower bound is kept (default 1).
    public var initializationCount: Int
    /// How the starting responsibilities are chosen (default k-means).
    public var initialization: GaussianMixture.Initialization
    /// Starting responsibilities, replacing ``initialization``: an n×K
    /// matrix whose rows are non-negative and sum to 1 (see
    /// ``GaussianMixture/initialResponsibilities``).
    public var initialResponsibilities: Matrix<Double>? = nil
    /// The seed of every random choice.
    public var seed: UInt64
    /// Called after every iteration.
    public var progress: (@Sendable (GaussianMixture.Progress) -> Void)?
    /// The memory a fit may use beyond its data, in bytes (nil: the machine's).
    public var memoryLimit: Int? = nil

    public init(
        componentCount: Int = 1, covarianceType: CovarianceType = .full, weightPrior: WeightPrior = .dirichletProcess,
        tolerance: Double = 1e-3, regularization: Double = 1e-6, maxIterations: Int = 100, initializationCount: Int = 1,
        initialization: GaussianMixture.Initialization = .kmeans, seed: UInt64 = 0,
        progress: (@Sendable (GaussianMixture.Progress) -> Void)? = nil
    ) {
        self.componentCount = componentCount
        self.covarianceType = covarianceType
        self.weightPrior = weightPrior
        self.tolerance = tolerance
        self.regularization = regularization
        self.maxIterations = maxIterations
        self.initializationCount = initializationCount
        self.initialization = initialization
        self.seed = seed
        self.progress = progress
    }

    /// The settings EM shares with this estimator: its checks and its
    /// starting responsibilities are EM's.
    private var em: GaussianMixture {
        var em = GaussianMixture(
            componentCount: componentCount, covarianceType: covarianceType, tolerance: tolerance,
            regularization: regularization, maxIterations: maxIterations, initializationCount: initializationCount,
            initialization: initialization, seed: seed)
        em.initialResponsibilities = initialResponsibilities
        em.memoryLimit = memoryLimit
        return em
    }

    /// Fits the variational posterior to the rows of `source`.
    ///
    /// - Parameter sampleWeights: a non-negative weight per row: a row of
    ///   weight 2 counts as the row twice (scikit-learn has no such option).
    /// - Throws: ``ClusteringError`` for bad data, settings or priors, a fit
    ///   that would need more than ``memoryLimit``, or when a covariance
    ///   collapses.
    /// - Complexity: per iteration EM's (about 3·n·K·d² flops for full), and
    ///   two passes before the first to resolve the default priors.
    public func fit<Source: RowBlockSource>(_ source: Source, sampleWeights: [Double]? = nil) throws(ClusteringError) -> BayesianGaussianMixtureModel {
        try fitBlocks(BlockReader(source), sampleWeights: sampleWeights)
    }

    /// Fits the rows and labels each with its most probable component under
    /// the fitted model (scikit-learn's `fit_predict`, whose labels come
    /// from an E-step after the fit, so they equal `model.predict(source)`).
    ///
    /// - Complexity: the fit and one more pass over the rows.
    public func fitPredict<Source: RowBlockSource>(
        _ source: Source, sampleWeights: [Double]? = nil
    ) throws(ClusteringError) -> (model: BayesianGaussianMixtureModel, labels: [Int]) {
        let model = try fit(source, sampleWeights: sampleWeights)
        return (model, try model.predict(source))
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func fitBlocks<Scalar: BLASScalar>(_ source: BlockReader<Scalar>, sampleWeights: [Double]?) throws(ClusteringError) -> BayesianGaussianMixtureModel {
        try validate(source, sampleWeights: sampleWeights)
        return try bestStartInOneProcess(of: self, source: source, sampleWeights: sampleWeights) { rng, setup throws(ClusteringError) in
            try startingPosterior(source, sampleWeights: sampleWeights, priors: setup.priors, using: &rng)
        }
    }

    /// Fits one part of the rows whose statistics `reduction` sums over
    /// every part (see ``bestStart(of:part:sampleWeights:reduction:drawStart:)``);
    /// `drawStart` makes a start's posterior on the first part, given the
    /// priors resolved over all parts.
    package func fit<Scalar: BLASScalar>(
        part: BlockReader<Scalar>, sampleWeights: [Double]?, reduction: PartReduction,
        drawStart: (inout Xoshiro256StarStar, BayesianPriors) throws(ClusteringError) -> VariationalPosterior
    ) throws(PartFailure) -> BayesianGaussianMixtureModel {
        try bestStart(of: self, part: part, sampleWeights: sampleWeights, reduction: reduction) { rng, setup throws(ClusteringError) in
            try drawStart(&rng, setup.priors)
        }
    }

    /// Continues from `model`'s posterior (scikit-learn's `warm_start`): one
    /// start, with the first change measured from `model.lowerBound`, under
    /// the model's priors.
    public func fit<Source: RowBlockSource>(
        _ source: Source, continuingFrom model: BayesianGaussianMixtureModel, sampleWeights: [Double]? = nil
    ) throws(ClusteringError) -> BayesianGaussianMixtureModel {
        let reader = BlockReader(source)
        try validate(reader, sampleWeights: sampleWeights)
        guard model.componentCount == componentCount && model.covarianceType == covarianceType
                && model.priors.weightPrior == weightPrior else {
            throw .invalidParameter(name: "model to continue from",
                                    reason: "it has \(model.componentCount) \(model.covarianceType) components with a \(model.priors.weightPrior.rawValue) prior")
        }
        guard model.dimension == reader.columnCount else { throw .dimensionMismatch(expected: model.dimension, actual: reader.columnCount) }
        return try runVariational(reader, sampleWeights: sampleWeights, from: model.posterior, priors: model.priors,
                                  previousLowerBound: model.lowerBound, start: 0, clock: .now, reduction: .single)
    }

    /// The starting posterior of one start: the M-step of the starting
    /// responsibilities (scikit-learn's `_initialize`).
    package func startingPosterior<Source: RowBlockSource>(
        _ source: Source, sampleWeights: [Double]?, priors: BayesianPriors, using rng: inout Xoshiro256StarStar
    ) throws(ClusteringError) -> VariationalPosterior {
        let responsibilities = try em.startingResponsibilities(source, sampleWeights: sampleWeights, using: &rng)
        // In Double whatever the data's type, as EM's start (see DoublePrecisionSource).
        let statistics = SufficientStatistics.fromResponsibilities(
            of: DoublePrecisionSource(source), componentCount: componentCount, covarianceType: covarianceType,
            rowWeights: sampleWeights, responsibilities: responsibilities)
        return try VariationalPosterior(statistics: statistics, priors: priors, regularization: regularization)
    }

    /// The iterations of one start; `reduction` sums each E-step's
    /// statistics over the parts of a distributed fit.
    private func runVariational<Source: RowBlockSource>(
        _ source: Source, sampleWeights: [Double]?, from initial: VariationalPosterior, priors: BayesianPriors,
        previousLowerBound: Double, start: Int, clock: ContinuousClock.Instant, reduction: PartReduction
    ) throws(ClusteringError) -> BayesianGaussianMixtureModel {
        var posterior = initial
        var lowerBound = previousLowerBound
        var history: [Double] = []
        var converged = false
        var iterations = 0
        var scratch: EStepScratch<Source.Scalar>? = nil
        while iterations < maxIterations {
            iterations += 1
            var statistics = SufficientStatistics.expectation(
                of: source, under: posterior.eStepParameters, rowWeights: sampleWeights, collectsEntropy: true,
                scratch: &scratch)
            statistics.sum(over: reduction)
            posterior = try VariationalPosterior(statistics: statistics, priors: priors, regularization: regularization)
            let previous = lowerBound
            lowerBound = posterior.lowerBound(responsibilityEntropy: statistics.responsibilityEntropy)
            history.append(lowerBound)
            let change = lowerBound - previous
            converged = abs(change) < tolerance
            if let progress {
                progress(GaussianMixture.Progress(initialization: start, iteration: iterations, lowerBound: lowerBound,
                                                  change: change, elapsed: (ContinuousClock.now - clock).inSeconds))
            }
            if converged { break }
        }
        return BayesianGaussianMixtureModel(
            posterior: posterior, priors: priors, converged: converged, iterationCount: iterations,
            lowerBound: iterations == 0 ? -.infinity : lowerBound, lowerBoundHistory: history)
    }

    // MARK: Checks and priors

    /// Checks the settings, the data, the starting responsibilities and the
    /// priors given. `totalRows` is the number of rows of the whole data set
    /// when `source` is one part of it.
    package func validate<Source: RowBlockSource>(_ source: Source, sampleWeights: [Double]?, totalRows: Int? = nil) throws(ClusteringError) {
        guard covarianceType.isScikitLearnType else {
            throw .invalidSetting(name: "covariance type",
                                  reason: "the variational mixture has scikit-learn's full, tied, diag and spherical, not mclust's \(covarianceType.mclustName)")
        }
        try em.validate(source, sampleWeights: sampleWeights, totalRows: totalRows)
        try validatePriors(dimension: source.columnCount)
    }

    /// Checks the priors given against data of `d` columns.
    func validatePriors(dimension d: Int) throws(ClusteringError) {
        func checkPositive(_ value: Double?, _ name: String) throws(ClusteringError) {
            if let value, !(value > 0 && value.isFinite) { throw .invalidSetting(name: name, reason: "must be finite and positive, got \(value)") }
        }
        try checkPositive(weightConcentrationPrior, "weight concentration prior")
        try checkPositive(meanPrecisionPrior, "mean precision prior")
        if let meanPrior {
            guard meanPrior.count == d else { throw .parameterShape(name: "mean prior", expected: [d], actual: [meanPrior.count]) }
            guard meanPrior.allSatisfy(\.isFinite) else { throw .invalidParameter(name: "mean prior", reason: "it holds NaN or infinity") }
        }
        if let degreesOfFreedomPrior, !(degreesOfFreedomPrior > Double(d - 1) && degreesOfFreedomPrior.isFinite) {
            throw .invalidSetting(name: "degrees of freedom prior", reason: "must be finite and above d − 1 = \(d - 1), got \(degreesOfFreedomPrior)")
        }
        if let covariancePrior { try checkCovariancePrior(covariancePrior, dimension: d) }
    }

    private func checkCovariancePrior(_ prior: Matrix<Double>, dimension d: Int) throws(ClusteringError) {
        let shape = covarianceType.family.blockShapes(components: 1, dimension: d)[0]
        guard prior.rows == shape.rows && prior.columns == shape.columns else {
            throw .parameterShape(name: "covariance prior", expected: [shape.rows, shape.columns], actual: [prior.rows, prior.columns])
        }
        guard prior.elements.allSatisfy(\.isFinite) else { throw .invalidParameter(name: "covariance prior", reason: "it holds NaN or infinity") }
        if prior.rows == prior.columns && prior.rows > 1 {
            for i in 0..<d { for j in 0..<i where prior[i, j] != prior[j, i] {
                throw .invalidParameter(name: "covariance prior", reason: "it is not symmetric (entries \(i), \(j) and \(j), \(i) differ)")
            } }
        }
        // As a one-component covariance it must be positive definite.
        guard (try? CovarianceParameters(covarianceType, blocks: [prior]).precisionsCholeskyFromCovariances()) != nil else {
            throw .invalidParameter(name: "covariance prior", reason: "it is not positive definite")
        }
    }

    /// The priors with their defaults taken from the rows of every part: the
    /// weighted mean, and the weighted covariance with n − 1 in the
    /// denominator, in two passes (as numpy's `cov`).
    func resolvePriors<Scalar: BLASScalar>(
        _ part: BlockReader<Scalar>, sampleWeights: [Double]?, reduction: PartReduction
    ) throws(ClusteringError) -> BayesianPriors {
        let d = part.columnCount
        var mean = meanPrior ?? []
        var covariance = covariancePrior
        if meanPrior == nil || covariancePrior == nil {
            var sums = [Double](repeating: 0, count: d + 1)
            part.forEachBlock(rows: BlockSizes.rows) { range, block in
                for i in 0..<block.rows {
                    let w = sampleWeights?[range.lowerBound + i] ?? 1
                    for j in 0..<d { sums[j] += w * Double(block[i, j]) }
                    sums[d] += w
                }
            }
            reduction.sum(&sums)
            let dataMean = (0..<d).map { sums[$0] / sums[d] }
            if meanPrior == nil { mean = dataMean }
            if covariancePrior == nil {
                guard sums[d] > 1 else {
                    throw .invalidSetting(name: "covariance prior",
                                          reason: "the default is the data's covariance, which needs a total weight above 1; give one")
                }
                var scatter = Matrix<Double>(rows: d, columns: d)
                part.forEachBlock(rows: BlockSizes.rows) { range, block in
                    let centered = Matrix<Double>(rows: block.rows, columns: d) { i, j in
                        (sampleWeights?[range.lowerBound + i] ?? 1).squareRoot() * (Double(block[i, j]) - dataMean[j])
                    }
                    BLAS.syrk(centered, into: &scatter, triangle: .lower, transpose: .transpose, beta: 1)
                }
                var values = scatter.elements
                reduction.sum(&values)
                var dataCovariance = Matrix(rows: d, columns: d, elements: values.map { $0 / (sums[d] - 1) })
                dataCovariance.symmetrize(from: .lower)
                covariance = covarianceType.family.defaultCovariancePrior(dataCovariance: dataCovariance)
            }
        }
        return BayesianPriors(
            weightPrior: weightPrior, weightConcentration: weightConcentrationPrior ?? 1 / Double(componentCount),
            meanPrecision: meanPrecisionPrior ?? 1, mean: mean, degreesOfFreedom: degreesOfFreedomPrior ?? Double(d),
            covariance: covariance!)
    }
}

extension BayesianGaussianMixture: IterativeEstimator {
    package typealias Model = BayesianGaussianMixtureModel
    package typealias Start = VariationalPosterior

    package func packedStartCount(dimension d: Int) -> Int {
        VariationalPosterior.packedCount(componentCount: componentCount, dimension: d, covarianceType: covarianceType)
    }

    package func pack(_ start: VariationalPosterior) -> [Double] { start.packed }

    package func unpackStart(_ buffer: ArraySlice<Double>, dimension d: Int) -> VariationalPosterior {
        VariationalPosterior(packed: buffer, componentCount: componentCount, dimension: d, covarianceType: covarianceType,
                             weightPrior: weightPrior)
    }

    /// The priors, resolved over every part, and the progress clock.
    package func setup<Scalar: BLASScalar>(
        _ part: BlockReader<Scalar>, sampleWeights: [Double]?, reduction: PartReduction
    ) throws(ClusteringError) -> (priors: BayesianPriors, clock: ContinuousClock.Instant) {
        (try resolvePriors(part, sampleWeights: sampleWeights, reduction: reduction), .now)
    }

    package func iterate<Scalar: BLASScalar>(
        _ part: BlockReader<Scalar>, sampleWeights: [Double]?, from start: VariationalPosterior, index: Int,
        setup: (priors: BayesianPriors, clock: ContinuousClock.Instant), reduction: PartReduction
    ) throws(ClusteringError) -> BayesianGaussianMixtureModel {
        try runVariational(part, sampleWeights: sampleWeights, from: start, priors: setup.priors, previousLowerBound: -.infinity,
                           start: index, clock: setup.clock, reduction: reduction)
    }
}
