import LinearAlgebra

/// JSON with scikit-learn's attribute names, without the trailing
/// underscore, and `"model": "bayesian"`:
///
/// ```json
/// {"model": "bayesian", "covariance_type": "full", "n_components": 3, "n_features": 2,
///  "weight_concentration_prior_type": "dirichlet_process", "weight_concentration_prior": 0.33,
///  "mean_precision_prior": 1, "mean_prior": [...], "degrees_of_freedom_prior": 2,
///  "covariance_prior": [[...]], "weights": [...], "weight_concentration": [[...], [...]],
///  "mean_precision": [...], "means": [[...]], "degrees_of_freedom": [...],
///  "covariances": [[[...]]], "precisions_cholesky": [[[...]]],
///  "converged": true, "n_iter": 12, "lower_bound": -512.3, "lower_bounds": [...]}
/// ```
///
/// Arrays nest as scikit-learn's do: `weight_concentration` is the pair
/// (α, β) for a Dirichlet process and γ for a Dirichlet distribution;
/// `degrees_of_freedom` is one number for tied covariance; `covariance_prior`
/// is a matrix (full, tied), a list (diag) or a number (spherical).
/// `weights` is written for readers and, when read, must agree with
/// `weight_concentration`. Decoding checks every shape and value, and keeps
/// stored precision factors as they are, so a model read back predicts
/// exactly as the one written.
extension BayesianGaussianMixtureModel: Codable {
    enum CodingKeys: String, CodingKey {
        case model
        case covarianceType = "covariance_type"
        case componentCount = "n_components"
        case featureCount = "n_features"
        case weightPrior = "weight_concentration_prior_type"
        case weightConcentrationPrior = "weight_concentration_prior"
        case meanPrecisionPrior = "mean_precision_prior"
        case meanPrior = "mean_prior"
        case degreesOfFreedomPrior = "degrees_of_freedom_prior"
        case covariancePrior = "covariance_prior"
        case weights
        case weightConcentration = "weight_concentration"
        case meanPrecisions = "mean_precision"
        case means
        case degreesOfFreedom = "degrees_of_freedom"
        case covariances
        case precisionsCholesky = "precisions_cholesky"
        case converged
        case iterationCount = "n_iter"
        case lowerBound = "lower_bound"
        case lowerBoundHistory = "lower_bounds"
    }

    /// The value of `"model"` in this model's JSON.
    public static let modelName = "bayesian"

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(Self.modelName, forKey: .model)
        try container.encode(covarianceType, forKey: .covarianceType)
        try container.encode(componentCount, forKey: .componentCount)
        try container.encode(dimension, forKey: .featureCount)
        try container.encode(priors.weightPrior.rawValue, forKey: .weightPrior)
        try container.encode(priors.weightConcentration, forKey: .weightConcentrationPrior)
        try container.encode(priors.meanPrecision, forKey: .meanPrecisionPrior)
        try container.encode(priors.mean, forKey: .meanPrior)
        try container.encode(priors.degreesOfFreedom, forKey: .degreesOfFreedomPrior)
        // Nested as scikit-learn's covariance_prior_: a number, a list or a matrix.
        let prior = priors.covariance
        switch Self.priorNesting(covarianceType, dimension: dimension) {
        case .number: try container.encode(prior[0, 0], forKey: .covariancePrior)
        case .list: try container.encode(prior.elements, forKey: .covariancePrior)
        case .matrix: try container.encodeRows(prior, forKey: .covariancePrior)
        }
        try container.encode(weights, forKey: .weights)
        switch weightConcentration {
        case .dirichletProcess(let alpha, let beta): try container.encode([alpha, beta], forKey: .weightConcentration)
        case .dirichletDistribution(let gamma): try container.encode(gamma, forKey: .weightConcentration)
        }
        try container.encode(meanPrecisions, forKey: .meanPrecisions)
        try container.encodeRows(means, forKey: .means)
        if covarianceType.family.isShared {
            try container.encode(degreesOfFreedom[0], forKey: .degreesOfFreedom)
        } else {
            try container.encode(degreesOfFreedom, forKey: .degreesOfFreedom)
        }
        try container.encode(covariances, forKey: .covariances)
        try container.encode(precisionsCholesky, forKey: .precisionsCholesky)
        try container.encode(converged, forKey: .converged)
        try container.encode(iterationCount, forKey: .iterationCount)
        try container.encode(lowerBound.isFinite ? lowerBound : nil, forKey: .lowerBound)
        try container.encode(lowerBoundHistory, forKey: .lowerBoundHistory)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        func corrupted(_ key: CodingKeys, _ description: String) -> DecodingError {
            .dataCorruptedError(forKey: key, in: container, debugDescription: description)
        }
        func positive(_ values: [Double], _ key: CodingKeys, count: Int, above floor: Double = 0) throws -> [Double] {
            guard values.count == count else { throw corrupted(key, "\(key.stringValue) has \(values.count) values, expected \(count)") }
            guard values.allSatisfy({ $0 > floor && $0.isFinite }) else {
                throw corrupted(key, "every value of \(key.stringValue) must be finite and above \(floor)")
            }
            return values
        }
        let name = try container.decode(String.self, forKey: .model)
        guard name == Self.modelName else { throw corrupted(.model, "model is \"\(name)\", not \"\(Self.modelName)\"") }
        let type = try container.decode(CovarianceType.self, forKey: .covarianceType)
        let means = try container.decodeRows(forKey: .means)
        let k = means.rows, d = means.columns
        guard means.elements.allSatisfy(\.isFinite) else { throw corrupted(.means, "means hold NaN or infinity") }

        // The priors, checked as the estimator checks priors it is given.
        let prior = try container.decode(String.self, forKey: .weightPrior)
        guard let weightPrior = BayesianGaussianMixture.WeightPrior(rawValue: prior) else {
            throw corrupted(.weightPrior, "weight_concentration_prior_type must be dirichlet_process or dirichlet_distribution, got \(prior)")
        }
        guard type.isScikitLearnType else {
            throw corrupted(.covarianceType, "a variational model has one of scikit-learn's covariance types (full, tied, diag, spherical), not \(type.mclustName)")
        }
        let covariancePrior: Matrix<Double>
        switch Self.priorNesting(type, dimension: d) {
        case .number: covariancePrior = Matrix(rows: 1, columns: 1, elements: [try container.decode(Double.self, forKey: .covariancePrior)])
        case .list:
            let values = try container.decode([Double].self, forKey: .covariancePrior)
            covariancePrior = Matrix(rows: 1, columns: values.count, elements: values)
        case .matrix: covariancePrior = try container.decodeRows(forKey: .covariancePrior)
        }
        let priors = BayesianPriors(
            weightPrior: weightPrior,
            weightConcentration: try container.decode(Double.self, forKey: .weightConcentrationPrior),
            meanPrecision: try container.decode(Double.self, forKey: .meanPrecisionPrior),
            mean: try container.decode([Double].self, forKey: .meanPrior),
            degreesOfFreedom: try container.decode(Double.self, forKey: .degreesOfFreedomPrior),
            covariance: covariancePrior)
        var estimator = BayesianGaussianMixture(componentCount: k, covarianceType: type, weightPrior: weightPrior)
        estimator.weightConcentrationPrior = priors.weightConcentration
        estimator.meanPrecisionPrior = priors.meanPrecision
        estimator.meanPrior = priors.mean
        estimator.degreesOfFreedomPrior = priors.degreesOfFreedom
        estimator.covariancePrior = priors.covariance
        do { try estimator.validatePriors(dimension: d) } catch {
            let key: CodingKeys
            switch error {
            case .invalidSetting(let name, _), .invalidParameter(let name, _), .parameterShape(let name, _, _):
                key = name.hasPrefix("weight") ? .weightConcentrationPrior : name.hasPrefix("mean precision") ? .meanPrecisionPrior
                    : name.hasPrefix("mean") ? .meanPrior : name.hasPrefix("degrees") ? .degreesOfFreedomPrior : .covariancePrior
            default: key = .covariancePrior
            }
            throw corrupted(key, error.description)
        }

        // The posterior.
        let weightConcentration: WeightConcentration
        switch weightPrior {
        case .dirichletProcess:
            let pair = try container.decode([[Double]].self, forKey: .weightConcentration)
            guard pair.count == 2 else { throw corrupted(.weightConcentration, "weight_concentration of a Dirichlet process is the pair [alpha, beta]") }
            weightConcentration = .dirichletProcess(alpha: try positive(pair[0], .weightConcentration, count: k),
                                                    beta: try positive(pair[1], .weightConcentration, count: k))
        case .dirichletDistribution:
            weightConcentration = .dirichletDistribution(
                try positive(try container.decode([Double].self, forKey: .weightConcentration), .weightConcentration, count: k))
        }
        let meanPrecisions = try positive(try container.decode([Double].self, forKey: .meanPrecisions), .meanPrecisions, count: k)
        let degreesOfFreedom = type.family.isShared
            ? try positive([try container.decode(Double.self, forKey: .degreesOfFreedom)], .degreesOfFreedom, count: 1, above: Double(d - 1))
            : try positive(try container.decode([Double].self, forKey: .degreesOfFreedom), .degreesOfFreedom, count: k, above: Double(d - 1))
        let covariances = try container.decode(type, forKey: .covariances, components: k, dimension: d)
        let computedFactors: CovarianceParameters
        do { computedFactors = try covariances.precisionsCholeskyFromCovariances() } catch {
            throw corrupted(.covariances, "the covariance of component \(error.value) is not positive definite")
        }
        let factors = try container.decodePrecisionFactors(
            of: covariances, forKey: .precisionsCholesky, components: k, dimension: d, computed: computedFactors)
        let posterior = VariationalPosterior(
            weightConcentration: weightConcentration, meanPrecisions: meanPrecisions, means: means,
            degreesOfFreedom: degreesOfFreedom, covariances: covariances, precisionsCholesky: factors)
        if let weights = try container.decodeIfPresent([Double].self, forKey: .weights) {
            let expected = posterior.expectedWeights
            guard weights.count == k, zip(weights, expected).allSatisfy({ abs($0 - $1) <= 1e-9 * max(1, abs($1)) }) else {
                throw corrupted(.weights, "weights are not the posterior mean of weight_concentration; give consistent values, or leave weights out")
            }
        }
        self.init(posterior: posterior, priors: priors,
                  converged: try container.decodeIfPresent(Bool.self, forKey: .converged) ?? false,
                  iterationCount: try container.decodeIfPresent(Int.self, forKey: .iterationCount) ?? 0,
                  lowerBound: try container.decodeIfPresent(Double.self, forKey: .lowerBound) ?? -.infinity,
                  lowerBoundHistory: try container.decodeIfPresent([Double].self, forKey: .lowerBoundHistory) ?? [])
    }
}

extension BayesianGaussianMixtureModel {
    enum PriorNesting { case number, list, matrix }

    /// How scikit-learn nests `covariance_prior_` for `type`: one
    /// component's covariance, a number (spherical), a list (diag) or a
    /// matrix (full, tied).
    static func priorNesting(_ type: CovarianceType, dimension d: Int) -> PriorNesting {
        guard type.family.storage == .componentValues else { return .matrix }
        return type.family.blockShapes(components: 1, dimension: d)[0].columns == 1 ? .number : .list
    }
}

extension VariationalPosterior {
    init(weightConcentration: WeightConcentration, meanPrecisions: [Double], means: Matrix<Double>,
         degreesOfFreedom: [Double], covariances: CovarianceParameters, precisionsCholesky: CovarianceParameters) {
        self.weightConcentration = weightConcentration
        self.meanPrecisions = meanPrecisions
        self.means = means
        self.degreesOfFreedom = degreesOfFreedom
        self.covariances = covariances
        self.precisionsCholesky = precisionsCholesky
    }
}
