import ArgumentParser
import Clustering
import Foundation
import LinearAlgebra

/// `--weight-prior`.
enum WeightPriorOption: String, ExpressibleByArgument, CaseIterable {
    case dirichletProcess = "dirichlet-process"
    case dirichletDistribution = "dirichlet-distribution"

    var prior: BayesianGaussianMixture.WeightPrior {
        switch self {
        case .dirichletProcess: return .dirichletProcess
        case .dirichletDistribution: return .dirichletDistribution
        }
    }
}

/// The settings of a variational fit (`fit --bayesian`, `select --bayesian`):
/// scikit-learn's `BayesianGaussianMixture` priors. The mean and covariance
/// priors are the data's, as scikit-learn's defaults.
struct BayesianOptions: ParsableArguments {
    @Flag(help: ArgumentHelp("Fit by variational inference (scikit-learn's BayesianGaussianMixture): -k is an upper bound, and components the data do not support get weights near 0."))
    var bayesian = false

    @Option(name: .customLong("weight-prior"),
            help: "With --bayesian: the prior on the weights, \(WeightPriorOption.allCases.map(\.rawValue).joined(separator: " or ")) (default dirichlet-process).")
    var weightPrior: WeightPriorOption?

    @Option(name: .customLong("weight-concentration"), parsing: .unconditional,
            help: "With --bayesian: the weight prior's concentration γ₀; small values keep few components (default 1/K).")
    var weightConcentration: Double?

    @Option(name: .customLong("mean-precision"), parsing: .unconditional,
            help: "With --bayesian: the precision β₀ of the prior on the means (default 1).")
    var meanPrecision: Double?

    @Option(name: .customLong("degrees-of-freedom"), parsing: .unconditional,
            help: "With --bayesian: the degrees of freedom ν₀ of the prior on the precisions, above d − 1 (default d).")
    var degreesOfFreedom: Double?

    func validate() throws {
        let given = [weightPrior.map { _ in "--weight-prior" }, weightConcentration.map { _ in "--weight-concentration" },
                     meanPrecision.map { _ in "--mean-precision" }, degreesOfFreedom.map { _ in "--degrees-of-freedom" }]
            .compactMap { $0 }
        if !bayesian, let first = given.first { throw ValidationError("\(first) is a prior of the variational fit; add --bayesian") }
        for (value, name) in [(weightConcentration, "--weight-concentration"), (meanPrecision, "--mean-precision"),
                              (degreesOfFreedom, "--degrees-of-freedom")] {
            if let value, !(value > 0 && value.isFinite) { throw ValidationError("\(name) must be a positive number, got \(value)") }
        }
    }

    /// Checks what depends on the data's dimension d.
    func check(dimension d: Int) throws {
        if let degreesOfFreedom, !(degreesOfFreedom > Double(d - 1)) {
            throw ValidationError("--degrees-of-freedom must be above d − 1 = \(d - 1) for data of \(d) columns, got \(degreesOfFreedom)")
        }
    }

    func estimator(components: Int, covariance: CovarianceType, em: EMOptions) -> BayesianGaussianMixture {
        var estimator = BayesianGaussianMixture(
            componentCount: components, covarianceType: covariance, weightPrior: weightPrior?.prior ?? .dirichletProcess,
            tolerance: em.tol, regularization: em.regCovar, maxIterations: em.maxIter, initializationCount: em.nInit,
            initialization: em.initialization.initialization, seed: em.seed)
        estimator.weightConcentrationPrior = weightConcentration
        estimator.meanPrecisionPrior = meanPrecision
        estimator.degreesOfFreedomPrior = degreesOfFreedom
        return estimator
    }
}

extension FitInput {
    /// Fits the variational `estimator` to these rows, or continues from `start`.
    func fit(_ estimator: BayesianGaussianMixture, sampleWeights: [Double]?,
             continuingFrom start: BayesianGaussianMixtureModel?) throws(ClusteringError) -> BayesianGaussianMixtureModel {
        if let start {
            switch self {
            case .matrixFloat(let m): return try estimator.fit(m, continuingFrom: start, sampleWeights: sampleWeights)
            case .matrixDouble(let m): return try estimator.fit(m, continuingFrom: start, sampleWeights: sampleWeights)
            case .npyFloat(let s): return try estimator.fit(s, continuingFrom: start, sampleWeights: sampleWeights)
            case .npyDouble(let s): return try estimator.fit(s, continuingFrom: start, sampleWeights: sampleWeights)
            }
        }
        switch self {
        case .matrixFloat(let m): return try estimator.fit(m, sampleWeights: sampleWeights)
        case .matrixDouble(let m): return try estimator.fit(m, sampleWeights: sampleWeights)
        case .npyFloat(let s): return try estimator.fit(s, sampleWeights: sampleWeights)
        case .npyDouble(let s): return try estimator.fit(s, sampleWeights: sampleWeights)
        }
    }
}

extension Fit {
    /// `fit --bayesian`: a variational fit from the same starts as EM's, or
    /// continuing from a variational model given with --init-from.
    func fitBayesian(_ data: FitInput, sampleWeights weights: [Double]?) throws -> BayesianGaussianMixtureModel {
        try variational.check(dimension: data.columns)
        var estimator = variational.estimator(components: components ?? 1, covariance: covariance?.type ?? .full, em: em)
        var start: BayesianGaussianMixtureModel?
        if let initFrom {
            guard let model = try initialModel(initFrom, dimension: data.columns) as? BayesianGaussianMixtureModel else {
                throw DataError("\(initFrom) holds an EM fit; --bayesian continues only from a --bayesian model "
                                + "(start from responsibilities with --init-responsibilities or --init-labels)")
            }
            if let weightPrior = variational.weightPrior, weightPrior.prior != model.priors.weightPrior {
                throw ValidationError("--weight-prior \(weightPrior.rawValue) conflicts with \(initFrom), which has a \(model.priors.weightPrior.rawValue) prior")
            }
            if variational.weightConcentration != nil || variational.meanPrecision != nil || variational.degreesOfFreedom != nil {
                throw ValidationError("a fit continued from \(initFrom) keeps that model's priors; leave out --weight-concentration, --mean-precision and --degrees-of-freedom")
            }
            estimator.componentCount = model.componentCount
            estimator.covarianceType = model.covarianceType
            estimator.weightPrior = model.priors.weightPrior
            start = model
        }
        if let responsibilities = try startingResponsibilities(rows: data.rows) {
            estimator.componentCount = responsibilities.columns
            estimator.initialResponsibilities = responsibilities
        }
        estimator.progress = progressReporter(verbose: verbose, maxIterations: em.maxIter)
        estimator.memoryLimit = fitAllocationLimit(budget: memoryBudget, dataBytes: data.byteCount, streamed: data.isStreamed)
        return try describing(self.data, sampleWeights: sampleWeights, initialModel: startFile) {
            try data.fit(estimator, sampleWeights: weights, continuingFrom: start)
        }
    }
}
