import ArgumentParser
import Clustering

/// `--covariance`: scikit-learn's name or mclust's (VVV, EEE, … VEV).
struct CovarianceOption: ExpressibleByArgument {
    var type: CovarianceType
    /// As given on the command line.
    var rawValue: String

    init?(argument: String) {
        guard let type = CovarianceType(name: argument) else { return nil }
        self.type = type
        rawValue = argument
    }

    static var allValueStrings: [String] {
        CovarianceType.scikitLearnTypes.map(\.rawValue) + CovarianceType.mclustModels.map(\.mclustName)
    }
}

/// `--init`.
enum InitOption: String, ExpressibleByArgument, CaseIterable {
    case kmeans
    case kMeansPlusPlus = "k-means++"
    case random
    case randomFromData = "random-from-data"

    var initialization: GaussianMixture.Initialization {
        switch self {
        case .kmeans: return .kmeans
        case .kMeansPlusPlus: return .kMeansPlusPlus
        case .random: return .random
        case .randomFromData: return .randomFromData
        }
    }
}

extension DataType: ExpressibleByArgument {}

/// The EM settings shared by `fit` and `select`.
struct EMOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Stop when the lower bound changes by less than this (absolute); 0 runs every iteration.")
    var tol: Double = 1e-3

    @Option(name: .customLong("reg-covar"), parsing: .unconditional, help: "Added to every variance to keep covariances positive definite.")
    var regCovar: Double = 1e-6

    @Option(name: .customLong("max-iter"), parsing: .unconditional, help: "EM iterations per start at most.")
    var maxIter: Int = 100

    @Option(name: .customLong("n-init"), parsing: .unconditional, help: "Starts to run; the best lower bound is kept.")
    var nInit: Int = 1

    @Option(name: .customLong("init"), help: "How EM starts: \(InitOption.allCases.map(\.rawValue).joined(separator: ", ")).")
    var initialization: InitOption = .kmeans

    @Option(parsing: .unconditional, help: "Seed of every random choice; the same seed gives the same fit.")
    var seed: UInt64 = 0

    @Option(help: "Precision to fit in: float32 or float64 (default: the .npy file's, float64 for CSV).")
    var dtype: DataType?

    @Option(help: "CSV columns to use, by header name or 0-based index, comma-separated.")
    var columns: String?

    func validate() throws {
        guard tol >= 0 && tol.isFinite else { throw ValidationError("--tol must be a non-negative number, got \(tol)") }
        guard regCovar >= 0 && regCovar.isFinite else { throw ValidationError("--reg-covar must be a non-negative number, got \(regCovar)") }
        guard maxIter >= 0 else { throw ValidationError("--max-iter must be at least 0, got \(maxIter)") }
        guard nInit >= 1 else { throw ValidationError("--n-init must be at least 1, got \(nInit)") }
    }

    var columnList: [String]? { columns?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }

    func estimator(components: Int, covariance: CovarianceType) -> GaussianMixture {
        GaussianMixture(componentCount: components, covarianceType: covariance, tolerance: tol, regularization: regCovar,
                        maxIterations: maxIter, initializationCount: nInit, initialization: initialization.initialization,
                        seed: seed)
    }
}

import Foundation

/// `--fix`: parameters EM holds at their starting values, and optionally
/// the values: `weights=uniform` (1/K each) and `covariances=identity`.
struct FixOption: ExpressibleByArgument {
    var parameters: GaussianMixture.FixedParameters = []
    var uniformWeights = false
    var identityCovariances = false

    init?(argument: String) {
        for item in argument.split(separator: ",", omittingEmptySubsequences: false).map({ $0.trimmingCharacters(in: .whitespaces) }) {
            switch item {
            case "weights": parameters.insert(.weights)
            case "means": parameters.insert(.means)
            case "covariances": parameters.insert(.covariances)
            case "weights=uniform": parameters.insert(.weights); uniformWeights = true
            case "covariances=identity": parameters.insert(.covariances); identityCovariances = true
            default: return nil
            }
        }
    }

    static var defaultValueDescription: String { "none" }
}
