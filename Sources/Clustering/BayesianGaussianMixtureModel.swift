import LinearAlgebra

/// A fitted variational Gaussian mixture: the posterior over weights, means
/// and precisions, under scikit-learn's names and shapes.
///
/// Predictions are scikit-learn's: a row's weighted log-density for
/// component k is log N(x | mₖ, Wₖ⁻¹/νₖ) plus E[log πₖ] and the terms for
/// the uncertainty of the precisions and means, so ``predict(_:)`` and
/// ``predictProbabilities(_:)`` take the expectation over the posterior,
/// and ``logLikelihoods(_:)`` (scikit-learn's `score_samples`) is the
/// log-sum-exp of those terms, not the density of a single mixture.
public struct BayesianGaussianMixtureModel: Sendable, Equatable {
    let posterior: VariationalPosterior
    /// The priors, with their defaults resolved against the data.
    public let priors: BayesianPriors
    /// Whether the last start converged.
    public let converged: Bool
    /// Iterations of the start kept.
    public let iterationCount: Int
    /// The lower bound (ELBO, without its constant terms) after the last
    /// iteration; −∞ when no iteration ran.
    public let lowerBound: Double
    /// The lower bound after each iteration of the start kept.
    public let lowerBoundHistory: [Double]

    init(posterior: VariationalPosterior, priors: BayesianPriors, converged: Bool, iterationCount: Int,
         lowerBound: Double, lowerBoundHistory: [Double]) {
        self.posterior = posterior
        self.priors = priors
        self.converged = converged
        self.iterationCount = iterationCount
        self.lowerBound = lowerBound
        self.lowerBoundHistory = lowerBoundHistory
    }

    /// The posterior of the weights (scikit-learn's `weight_concentration_`).
    public var weightConcentration: WeightConcentration { posterior.weightConcentration }
    /// The posterior mean of the weights (scikit-learn's `weights_`).
    public var weights: [Double] { posterior.expectedWeights }
    /// βₖ (scikit-learn's `mean_precision_`).
    public var meanPrecisions: [Double] { posterior.meanPrecisions }
    /// mₖ, K×d (scikit-learn's `means_`).
    public var means: Matrix<Double> { posterior.means }
    /// νₖ: K values, or one for tied covariance (scikit-learn's `degrees_of_freedom_`).
    public var degreesOfFreedom: [Double] { posterior.degreesOfFreedom }
    /// Wₖ⁻¹/νₖ in the covariance type's shape (scikit-learn's `covariances_`).
    public var covariances: CovarianceParameters { posterior.covariances }
    /// Upper Cholesky factors of the inverses of ``covariances`` (scikit-learn's `precisions_cholesky_`).
    public var precisionsCholesky: CovarianceParameters { posterior.precisionsCholesky }
    /// The inverses of ``covariances`` (scikit-learn's `precisions_`).
    public var precisions: CovarianceParameters { posterior.precisionsCholesky.precisionsFromCholesky() }

    public var covarianceType: CovarianceType { posterior.covarianceType }
    /// K, including the components the fit switched off.
    public var componentCount: Int { posterior.componentCount }
    public var dimension: Int { posterior.dimension }

    /// The components whose expected weight is above `threshold`: those
    /// the data support (scikit-learn users count `weights_ > threshold`).
    public func activeComponents(threshold: Double = 0.01) -> [Int] {
        let weights = self.weights
        return weights.indices.filter { weights[$0] > threshold }
    }

    // MARK: Scores and predictions

    /// The log-sum-exp over components of each row's weighted log-density
    /// (scikit-learn's `score_samples` for this model).
    ///
    /// - Throws: ``ClusteringError/dimensionMismatch(expected:actual:)``,
    ///   ``ClusteringError/nonFiniteValue(row:column:)`` or
    ///   ``ClusteringError/logDensityOverflow(row:)``.
    public func logLikelihoods<Source: RowBlockSource>(_ source: Source) throws(ClusteringError) -> [Double] {
        try posterior.eStepParameters.logLikelihoodsBlocks(BlockReader(source))
    }

    /// The mean of ``logLikelihoods(_:)``, weighted by `sampleWeights` if given (scikit-learn's `score`).
    public func score<Source: RowBlockSource>(_ source: Source, sampleWeights: [Double]? = nil) throws(ClusteringError) -> Double {
        try posterior.eStepParameters.meanLogLikelihood(BlockReader(source), sampleWeights: sampleWeights)
    }

    /// Each row's responsibilities under the posterior (n×K; scikit-learn's `predict_proba`).
    public func predictProbabilities<Source: RowBlockSource>(_ source: Source) throws(ClusteringError) -> Matrix<Double> {
        try posterior.eStepParameters.predictProbabilitiesBlocks(BlockReader(source))
    }

    /// The most probable component of each row.
    public func predict<Source: RowBlockSource>(_ source: Source) throws(ClusteringError) -> [Int] {
        try posterior.eStepParameters.predictBlocks(BlockReader(source))
    }

    /// Each row's most probable component and its uncertainty, one minus its
    /// largest responsibility (mclust's `classification` and `uncertainty`).
    public func classify<Source: RowBlockSource>(_ source: Source) throws(ClusteringError) -> (labels: [Int], uncertainties: [Double]) {
        try posterior.eStepParameters.classifyBlocks(BlockReader(source))
    }
}

// MARK: Sampling

extension BayesianGaussianMixtureModel {
    /// The Gaussian mixture of the posterior's point estimates: the expected
    /// weights, the means mₖ and the covariances Wₖ⁻¹/νₖ (what scikit-learn's
    /// `sample` draws from for this model).
    public var pointEstimate: GaussianMixtureModel {
        GaussianMixtureModel(parameters: MixtureParameters(weights: weights, means: means, precisionsCholesky: precisionsCholesky),
                             covariances: covariances, converged: converged, iterationCount: iterationCount,
                             lowerBound: lowerBound, lowerBoundHistory: lowerBoundHistory)
    }

    /// `count` draws from ``pointEstimate`` and the component of each,
    /// grouped by component (scikit-learn's `sample`); the same seed gives
    /// the same sample.
    public func sample(count: Int, seed: UInt64) -> (samples: Matrix<Double>, components: [Int]) {
        pointEstimate.sample(count: count, seed: seed)
    }

    /// The draws of ``sample(count:seed:)`` in blocks of at most `blockRows`
    /// rows (see ``GaussianMixtureModel/sample(count:seed:blockRows:_:)``).
    public func sample<E: Error>(count: Int, seed: UInt64, blockRows: Int = 4096,
                                 _ body: (_ rows: Matrix<Double>, _ component: Int) throws(E) -> Void) throws(E) {
        try pointEstimate.sample(count: count, seed: seed, blockRows: blockRows, body)
    }
}

extension BayesianGaussianMixtureModel: StartComparable {
    /// scikit-learn's rule, as for EM: the first start whose lower bound
    /// beats the best so far, or any start while the best is −∞.
    package func replaces(_ best: BayesianGaussianMixtureModel) -> Bool {
        lowerBound > best.lowerBound || best.lowerBound == -.infinity
    }
}
