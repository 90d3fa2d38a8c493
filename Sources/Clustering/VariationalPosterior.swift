import LinearAlgebra
import RealModule

/// The priors of a variational Gaussian mixture, with every default
/// resolved against the data (scikit-learn's attributes with a trailing
/// underscore: `weight_concentration_prior_`, `mean_precision_prior_`,
/// `mean_prior_`, `degrees_of_freedom_prior_`, `covariance_prior_`).
public struct BayesianPriors: Sendable, Equatable {
    /// Which prior the weights have.
    public var weightPrior: BayesianGaussianMixture.WeightPrior
    /// γ₀ (the Dirichlet process' concentration, or each Dirichlet parameter).
    public var weightConcentration: Double
    /// β₀, the precision of the prior on the means.
    public var meanPrecision: Double
    /// m₀, the prior mean (d values).
    public var mean: [Double]
    /// ν₀, the degrees of freedom of the Wishart prior on the precisions.
    public var degreesOfFreedom: Double
    /// Ψ₀, the prior on the covariances: d×d (full, tied), 1×d (diag) or 1×1 (spherical).
    public var covariance: Matrix<Double>
}

/// The weights' posterior: Beta(αₖ, βₖ) for the stick-breaking proportions
/// of a Dirichlet process, or Dirichlet(γ) for a Dirichlet distribution
/// (scikit-learn's `weight_concentration_`).
public enum WeightConcentration: Sendable, Equatable {
    case dirichletProcess(alpha: [Double], beta: [Double])
    case dirichletDistribution([Double])
}

/// The variational posterior of a Bayesian Gaussian mixture, in
/// scikit-learn's parameterisation: q(π) by ``WeightConcentration``;
/// q(μₖ, Λₖ) normal–Wishart with mean precision βₖ, means mₖ, degrees of
/// freedom νₖ and covariances Wₖ⁻¹/νₖ (scikit-learn normalises the Wishart
/// scale by νₖ), whose precision factors the E-step uses.
///
/// Its E-step is EM's on ``eStepParameters``: the same log-density kernel
/// with E[log πₖ] and the uncertainty terms of each component in place of
/// log πₖ. Its M-step (``init(statistics:priors:regularization:)``) starts
/// from EM's Gaussian estimates of the same statistics.
package struct VariationalPosterior: Sendable, Equatable {
    var weightConcentration: WeightConcentration
    /// βₖ (K).
    var meanPrecisions: [Double]
    /// mₖ (K×d).
    var means: Matrix<Double>
    /// νₖ (K values; one for a shared covariance).
    var degreesOfFreedom: [Double]
    var covariances: CovarianceParameters
    var precisionsCholesky: CovarianceParameters

    var componentCount: Int { meanPrecisions.count }
    var dimension: Int { means.columns }
    var covarianceType: CovarianceType { covariances.covarianceType }

    /// νₖ, whether or not the covariance is shared.
    func degreesOfFreedom(component k: Int) -> Double { degreesOfFreedom[degreesOfFreedom.count == 1 ? 0 : k] }

    /// The M-step: the posterior given the statistics of one E-step
    /// (scikit-learn's `_m_step`, and `_initialize` from starting
    /// responsibilities).
    ///
    /// - Throws: ``ClusteringError/componentCollapsed(component:regularization:)``
    ///   when a covariance is not positive definite, or
    ///   ``ClusteringError/statisticsOverflow``.
    init(statistics: SufficientStatistics, priors: BayesianPriors, regularization: Double) throws(ClusteringError) {
        let (n, x, s) = try statistics.gaussianEstimates(regularization: regularization)
        let k = n.count, d = x.columns
        switch priors.weightPrior {
        case .dirichletProcess:
            // βₖ = γ₀ + Σⱼ₍ⱼ₎ₖ₎ Nⱼ, summed from the last component as scikit-learn does.
            var tail = [Double](repeating: 0, count: k)
            var sum = 0.0
            for c in stride(from: k - 1, to: 0, by: -1) {
                sum += n[c]
                tail[c - 1] = sum
            }
            weightConcentration = .dirichletProcess(alpha: n.map { 1 + $0 }, beta: tail.map { priors.weightConcentration + $0 })
        case .dirichletDistribution:
            weightConcentration = .dirichletDistribution(n.map { priors.weightConcentration + $0 })
        }
        let beta0 = priors.meanPrecision
        meanPrecisions = n.map { beta0 + $0 }
        means = Matrix(rows: k, columns: d) { c, j in (beta0 * priors.mean[j] + n[c] * x[c, j]) / (beta0 + n[c]) }
        let family = statistics.covarianceType.family
        degreesOfFreedom = family.isShared
            ? [priors.degreesOfFreedom + n.reduce(0, +) / Double(k)]
            : n.map { priors.degreesOfFreedom + $0 }
        let offsets = Matrix<Double>(rows: k, columns: d) { c, j in x[c, j] - priors.mean[j] }
        covariances = family.posteriorCovariances(
            prior: priors.covariance, estimates: s, counts: n, meanOffsets: offsets, meanPrecisionPrior: beta0,
            meanPrecisions: meanPrecisions, degreesOfFreedom: degreesOfFreedom)
        precisionsCholesky = try covariances.precisionsCholeskyForMStep(regularization: regularization)
    }

    /// E[log πₖ] under q(π) (scikit-learn's `_estimate_log_weights`).
    var expectedLogWeights: [Double] {
        switch weightConcentration {
        case .dirichletProcess(let alpha, let beta):
            // E[log vₖ] + Σⱼ₍ⱼ₎ₖ₎ E[log(1 − vⱼ)] for the sticks vₖ ~ Beta(αₖ, βₖ).
            var result = [Double](repeating: 0, count: alpha.count)
            var rest = 0.0
            for c in alpha.indices {
                let total = digamma(alpha[c] + beta[c])
                result[c] = digamma(alpha[c]) - total + rest
                rest += digamma(beta[c]) - total
            }
            return result
        case .dirichletDistribution(let gamma):
            let total = digamma(gamma.reduce(0, +))
            return gamma.map { digamma($0) - total }
        }
    }

    /// The posterior mean of the weights (scikit-learn's `weights_`).
    var expectedWeights: [Double] {
        switch weightConcentration {
        case .dirichletProcess(let alpha, let beta):
            var weights = [Double](repeating: 0, count: alpha.count)
            var remaining = 1.0
            for c in alpha.indices {
                weights[c] = alpha[c] / (alpha[c] + beta[c]) * remaining
                remaining *= beta[c] / (alpha[c] + beta[c])
            }
            let total = weights.reduce(0, +)
            return weights.map { $0 / total }
        case .dirichletDistribution(let gamma):
            let total = gamma.reduce(0, +)
            return gamma.map { $0 / total }
        }
    }

    /// What the E-step runs on: the means and precision factors, with
    /// log πₖ replaced by E[log πₖ] − ½·d·log νₖ + ½·(E[log |Λₖ|]′ − d/βₖ),
    /// where E[log |Λₖ|]′ = d·log 2 + Σⱼ ψ((νₖ − j)/2) (scikit-learn's
    /// `_estimate_log_prob` plus `_estimate_log_weights`).
    var eStepParameters: MixtureParameters {
        let d = Double(dimension)
        let logWeights = expectedLogWeights
        let terms = (0..<componentCount).map { c in
            let nu = degreesOfFreedom(component: c)
            let logLambda = d * Double.log(2) + (0..<dimension).reduce(0.0) { $0 + digamma(0.5 * (nu - Double($1))) }
            return logWeights[c] - 0.5 * d * Double.log(nu) + 0.5 * (logLambda - d / meanPrecisions[c])
        }
        return MixtureParameters(weights: expectedWeights, means: means, precisionsCholesky: precisionsCholesky,
                                 logWeightTerms: terms)
    }

    /// The evidence lower bound after the M-step, given the entropy of the
    /// E-step's responsibilities, with scikit-learn's constant terms left
    /// out as scikit-learn leaves them (`_compute_lower_bound`), so that the
    /// values compare.
    func lowerBound(responsibilityEntropy: Double) -> Double {
        let k = componentCount, d = Double(dimension)
        let logDeterminants = precisionsCholesky.logDeterminantsOfFactors(dimension: dimension)
        func logWishartNorm(_ nu: Double, _ logDeterminant: Double) -> Double {
            let logDet = logDeterminant - 0.5 * d * Double.log(nu)
            let gammas = (0..<dimension).reduce(0.0) { $0 + Double.logGamma(0.5 * (nu - Double($1))) }
            return -(nu * logDet + nu * d * 0.5 * Double.log(2) + gammas)
        }
        let logWishart = degreesOfFreedom.count == 1
            ? Double(k) * logWishartNorm(degreesOfFreedom[0], logDeterminants[0])
            : (0..<k).reduce(0.0) { $0 + logWishartNorm(degreesOfFreedom[$1], logDeterminants[$1]) }
        let logWeightNorm: Double
        switch weightConcentration {
        case .dirichletProcess(let alpha, let beta):
            logWeightNorm = -zip(alpha, beta).reduce(0.0) {
                $0 + Double.logGamma($1.0) + Double.logGamma($1.1) - Double.logGamma($1.0 + $1.1)
            }
        case .dirichletDistribution(let gamma):
            logWeightNorm = Double.logGamma(gamma.reduce(0, +)) - gamma.reduce(0.0) { $0 + Double.logGamma($1) }
        }
        return responsibilityEntropy - logWishart - logWeightNorm - 0.5 * d * meanPrecisions.reduce(0.0) { $0 + Double.log($1) }
    }
}

// MARK: - One flat buffer, for broadcasting

extension VariationalPosterior {
    /// The number of values of ``packed`` for K components of dimension d.
    static func packedCount(componentCount k: Int, dimension d: Int, covarianceType: CovarianceType) -> Int {
        let blocks = covarianceType.family.blockShapes(components: k, dimension: d).reduce(0) { $0 + $1.rows * $1.columns }
        return 2 * k + k + k * d + k + 2 * blocks
    }

    /// α and β (or γ and K zeros), βₖ, the means, K values of ν, the
    /// covariances and their precision factors.
    var packed: [Double] {
        let k = componentCount
        let weightValues: [Double]
        switch weightConcentration {
        case .dirichletProcess(let alpha, let beta): weightValues = alpha + beta
        case .dirichletDistribution(let gamma): weightValues = gamma + [Double](repeating: 0, count: k)
        }
        let nu = (0..<k).map { degreesOfFreedom(component: $0) }
        return weightValues + meanPrecisions + means.elements + nu + covariances.flattened + precisionsCholesky.flattened
    }

    init(packed buffer: ArraySlice<Double>, componentCount k: Int, dimension d: Int, covarianceType: CovarianceType,
         weightPrior: BayesianGaussianMixture.WeightPrior) {
        precondition(buffer.count == Self.packedCount(componentCount: k, dimension: d, covarianceType: covarianceType))
        var offset = buffer.startIndex
        func take(_ count: Int) -> [Double] {
            defer { offset += count }
            return Array(buffer[offset..<(offset + count)])
        }
        let weightValues = take(2 * k)
        switch weightPrior {
        case .dirichletProcess:
            weightConcentration = .dirichletProcess(alpha: Array(weightValues[..<k]), beta: Array(weightValues[k...]))
        case .dirichletDistribution:
            weightConcentration = .dirichletDistribution(Array(weightValues[..<k]))
        }
        meanPrecisions = take(k)
        means = Matrix(rows: k, columns: d, elements: take(k * d))
        let nu = take(k)
        degreesOfFreedom = covarianceType.family.isShared ? [nu[0]] : nu
        let blocks = covarianceType.family.blockShapes(components: k, dimension: d).reduce(0) { $0 + $1.rows * $1.columns }
        covariances = CovarianceParameters(covarianceType, components: k, dimension: d, flattened: buffer[offset..<(offset + blocks)])
        offset += blocks
        precisionsCholesky = CovarianceParameters(covarianceType, components: k, dimension: d,
                                                  flattened: buffer[offset..<(offset + blocks)])
    }
}

extension CovarianceParameters {
    /// log |Uₖ| of precision factors, per component (one value for a shared
    /// factor): the sum of the logarithms of a triangular factor's
    /// diagonal, or of a component's values, each standing for d/w of the
    /// diagonal when a component has w values (one for spherical).
    func logDeterminantsOfFactors(dimension d: Int) -> [Double] {
        switch storage {
        case .matrices:
            return blocks.map { u in (0..<d).reduce(0.0) { $0 + Double.log(u[$1, $1]) } }
        case .componentValues:
            let values = blocks[0], scale = Double(d) / Double(values.columns)
            return (0..<values.rows).map { c in scale * (0..<values.columns).reduce(0.0) { $0 + Double.log(values[c, $1]) } }
        }
    }
}
