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
    case hc

    var initialization: GaussianMixture.Initialization {
        switch self {
        case .kmeans: return .kmeans
        case .kMeansPlusPlus: return .kMeansPlusPlus
        case .random: return .random
        case .randomFromData: return .randomFromData
        case .hc: return .hierarchical
        }
    }
}

/// `--delimiter`: the byte between CSV cells: one ASCII character, or
/// `tab` (also `\t`), `comma`, `semicolon`, `space`, `pipe`.
struct DelimiterOption: ExpressibleByArgument {
    var byte: UInt8

    init(byte: UInt8) { self.byte = byte }

    init?(argument: String) {
        let named: [String: Character] = ["tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "space": " ", "pipe": "|"]
        guard let character = named[argument.lowercased()] ?? (argument.count == 1 ? argument.first : nil),
              let ascii = character.asciiValue, !"\"\n\r0123456789.-+eE".contains(character) else { return nil }
        byte = ascii
    }

    static var defaultValueDescription: String { "," }
}

/// `--convergence`.
extension GaussianMixture.ConvergenceRule: ExpressibleByArgument {}

extension DataType: ExpressibleByArgument {}

/// The EM settings shared by `fit` and `select`. Those left unset take
/// scikit-learn's defaults, or mclust's where `select --models` asks for
/// mclust's procedure (see ``resolved(mclust:)``).
struct EMOptions: ParsableArguments {
    @Option(name: .customLong("tol"), parsing: .unconditional,
            help: "Stop when the lower bound changes by less than this (default 1e-3, absolute; with --convergence mclust 1e-5, relative); 0 runs every iteration.")
    var tolSetting: Double?

    @Option(name: .customLong("reg-covar"), parsing: .unconditional,
            help: "Added to every variance to keep covariances positive definite (default 1e-6; 0 with select --models).")
    var regCovarSetting: Double?

    @Option(name: .customLong("max-iter"), parsing: .unconditional, help: "EM iterations per start at most (default 100; 10000 with select --models).")
    var maxIterSetting: Int?

    @Option(name: .customLong("n-init"), parsing: .unconditional, help: "Starts to run; the best lower bound is kept.")
    var nInit: Int = 1

    @Option(name: .customLong("init"),
            help: "How EM starts: \(InitOption.allCases.map(\.rawValue).joined(separator: ", ")) (mclust's hierarchical clustering; default kmeans, hc with select --models).")
    var initializationSetting: InitOption?

    @Option(help: ArgumentHelp("When EM stops: scikit-learn (the mean log-likelihood changes by less than --tol, default) or mclust (the total changes by at most --tol relative to it, as R's mclust; default with select --models).",
                               valueName: "rule"))
    var convergence: GaussianMixture.ConvergenceRule?

    @Option(parsing: .unconditional, help: "Seed of every random choice; the same seed gives the same fit.")
    var seed: UInt64 = 0

    @Option(help: "Precision to fit in: float32 or float64 (default: the .npy file's, float64 for CSV).")
    var dtype: DataType?

    @Option(help: "CSV columns to use, by header name or 0-based index, comma-separated; the others may hold text.")
    var columns: String?

    @Option(help: "The character between CSV cells: one character, or tab, comma, semicolon, space, pipe.")
    var delimiter = DelimiterOption(byte: UInt8(ascii: ","))

    func validate() throws {
        if let tolSetting { guard tolSetting >= 0 && tolSetting.isFinite else { throw ValidationError("--tol must be a non-negative number, got \(tolSetting)") } }
        if let regCovarSetting {
            guard regCovarSetting >= 0 && regCovarSetting.isFinite else { throw ValidationError("--reg-covar must be a non-negative number, got \(regCovarSetting)") }
        }
        if let maxIterSetting { guard maxIterSetting >= 0 else { throw ValidationError("--max-iter must be at least 0, got \(maxIterSetting)") } }
        guard nInit >= 1 else { throw ValidationError("--n-init must be at least 1, got \(nInit)") }
    }

    var columnList: [String]? { columns?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }

    /// The settings, with scikit-learn's defaults for those left unset
    /// (after ``resolved(mclust:)``, with the defaults it chose).
    var tol: Double { tolSetting ?? (convergence == .mclust ? 1e-5 : 1e-3) }
    var regCovar: Double { regCovarSetting ?? 1e-6 }
    var maxIter: Int { maxIterSetting ?? 100 }
    var initialization: InitOption { initializationSetting ?? .kmeans }

    /// The settings given, the rest from scikit-learn's defaults or, with
    /// `mclust`, from mclust's (hc start, no regularisation, mclust's rule
    /// at 1e-5, 10 000 iterations at most).
    func resolved(mclust: Bool = false) -> EMOptions {
        var options = self
        options.convergence = convergence ?? (mclust ? .mclust : .scikitLearn)
        options.tolSetting = tolSetting ?? (options.convergence == .mclust ? 1e-5 : 1e-3)
        options.regCovarSetting = regCovarSetting ?? (mclust ? 0 : 1e-6)
        options.maxIterSetting = maxIterSetting ?? (mclust ? 10_000 : 100)
        options.initializationSetting = initializationSetting ?? (mclust ? .hc : .kmeans)
        return options
    }

    func estimator(components: Int, covariance: CovarianceType) -> GaussianMixture {
        var estimator = GaussianMixture(componentCount: components, covarianceType: covariance, tolerance: tol, regularization: regCovar,
                                        maxIterations: maxIter, initializationCount: nInit, initialization: initialization.initialization,
                                        seed: seed)
        estimator.convergenceRule = convergence ?? .scikitLearn
        return estimator
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
