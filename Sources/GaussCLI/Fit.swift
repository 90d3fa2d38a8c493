import ArgumentParser
import Clustering
import Foundation
import LinearAlgebra

struct Fit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fit a Gaussian mixture to a CSV or .npy file and write the model as JSON.",
        discussion: """
            Settings and semantics are scikit-learn's GaussianMixture: the lower bound is the mean \
            log-likelihood of the last E-step; EM converges when it changes by less than --tol.

            Examples:
              gauss fit data.csv -k 3 --covariance diag --output model.json
              gauss fit big.npy -k 32 --dtype float32 --verbose --output model.json
              gauss fit data.csv --init-from start.json --max-iter 10
              gauss fit data.csv --init-labels labels.csv -k 3
              gauss fit data.csv -k 10 --bayesian --output model.json

            With --bayesian the fit is scikit-learn's BayesianGaussianMixture: the lower bound is \
            the evidence lower bound (without scikit-learn's constant terms), -k is an upper bound \
            on the components, and --init-from continues from a --bayesian model file.
            """
    )

    @Argument(help: "The data: .csv or .npy.")
    var data: String

    @Option(name: [.customShort("k"), .customLong("components")], parsing: .unconditional, help: "Number of components (default 1).")
    var components: Int?

    @Option(name: [.customLong("covariance"), .customLong("model")],
            help: ArgumentHelp("Covariance type: full, tied, diag or spherical (default full), or one of mclust's models.",
                               discussion: "mclust's names: EII, VII, EEI, VEI, EVI, VVI, EEE, VEE, EVE, VVE, EEV, VEV, EVV, VVV (VVV is full, EEE tied, VVI diag, VII spherical)."))
    var covariance: CovarianceOption?

    @OptionGroup var em: EMOptions

    @OptionGroup(title: "Variational fit") var variational: BayesianOptions

    @Option(help: ArgumentHelp("Parameters EM holds at their starting values: a comma-separated list of weights, means, covariances.",
                               discussion: "weights=uniform and covariances=identity hold them at 1/K and the identity instead; "
                                   + "--fix weights=uniform,covariances=identity is the EM that learns only the means."))
    var fix: FixOption?

    @Option(name: .customLong("init-from"), help: "Start EM from the weights, means and covariances of this model file.")
    var initFrom: String?

    @Option(name: .customLong("init-responsibilities"),
            help: ArgumentHelp("Start EM from these responsibilities: a CSV or .npy file, one row per data row, one column per component.",
                               discussion: "Each row non-negative, summing to 1; the number of columns is K."))
    var initResponsibilities: String?

    @Option(name: .customLong("init-labels"),
            help: ArgumentHelp("Start EM from this partition: a CSV or .npy file with one integer label, 0 to K-1, per data row.",
                               discussion: "K is -k, or else the largest label plus one."))
    var initLabels: String?

    @Option(name: .customLong("sample-weights"), help: "A CSV or .npy file with one non-negative weight per row.")
    var sampleWeights: String?

    @Option(name: .shortAndLong, help: "Write the model here instead of to stdout.")
    var output: String?

    @Option(help: ArgumentHelp("Write each row's most probable component (0 to K-1), one per line, to this file.",
                               discussion: "scikit-learn's fit_predict: the labels of the fitted model, as gauss predict gives them."))
    var labels: String?

    @Option(name: .customLong("memory-limit"), parsing: .unconditional,
            help: ArgumentHelp("Memory the fit may use, data and this program included (e.g. 512M, 8G).",
                               discussion: "A .npy file larger than half of it is streamed from disk on every pass."))
    var memoryLimit: ByteCount?

    @Flag(help: "On stderr: the BLAS kernels, a line on the data and the fit, a line per iteration of the k-means start and of EM (iteration, lower bound, change, seconds), then the peak memory.")
    var verbose = false

    @Flag(help: ArgumentHelp("Fit on every process of an MPI job: mpirun -np P gauss fit DATA.npy --distributed ...",
                             discussion: "Each process reads its own rows of the .npy file; process 0 writes the model."))
    var distributed = false

    func validate() throws {
        if let components, components < 1 { throw ValidationError("--components must be at least 1, got \(components)") }
        if distributed, let conflict = distributedConflict { throw ValidationError(conflict) }
        if labels == "-" && (output ?? "-") == "-" {
            throw ValidationError("--labels - and the model would both go to standard output; give the model an --output file")
        }
        if fix != nil && variational.bayesian { throw ValidationError("--fix applies to EM, not to --bayesian") }
        if em.convergence == .mclust && variational.bayesian { throw ValidationError("--convergence mclust applies to EM, not to --bayesian") }
        if [initFrom, initResponsibilities, initLabels].compactMap({ $0 }).count > 1 {
            throw ValidationError("--init-from, --init-responsibilities and --init-labels each say where EM starts; give one")
        }
    }

    func run() throws {
        try checkOutput(output, isNotAnyOf: [data, sampleWeights, initFrom, initResponsibilities, initLabels, labels])
        try checkOutput(labels, isNotAnyOf: [data, sampleWeights, initFrom, initResponsibilities, initLabels, output], option: "--labels")
        if distributed { return try runDistributed() }
        if verbose { standardError(Info.kernelSummary) }
        let data = try openFitInput(self.data, columns: em.columnList, dtype: em.dtype, memoryBudget: memoryBudget, delimiter: em.delimiter.byte)
        let weights = try sampleWeights.map(loadVector)
        if verbose && data.isStreamed {
            standardError("gauss: \(self.data) is larger than half the memory limit; streaming it from disk on every pass")
        }
        let model: FittedModel
        if variational.bayesian {
            model = try fitBayesian(data, sampleWeights: weights)
        } else {
            var estimator = em.estimator(components: components ?? 1, covariance: covariance?.type ?? .full)
            try applyStart(to: &estimator, rows: data.rows, dimension: data.columns)
            applyFixedParameters(to: &estimator, dimension: data.columns)
            estimator.progress = progressReporter(verbose: verbose, maxIterations: em.maxIter, starts: em.nInit)
            estimator.kMeansProgress = kMeansProgressReporter(verbose: verbose)
            if verbose {
                standardError("gauss: \(data.rows) rows × \(data.columns) columns (\(data.dtype.rawValue)), K = \(estimator.componentCount), "
                              + "\(estimator.covarianceType.rawValue) covariance (mclust's \(estimator.covarianceType.mclustName)), "
                              + "\(startOption ?? em.initialization.rawValue) start, \(em.nInit) start\(em.nInit == 1 ? "" : "s")")
            }
            estimator.memoryLimit = fitAllocationLimit(budget: memoryBudget, dataBytes: data.byteCount, streamed: data.isStreamed)
            model = try describing(self.data, sampleWeights: sampleWeights, initialModel: startFile) {
                try data.fit(estimator, sampleWeights: weights)
            }
        }
        finishProgress()
        if verbose, let memory = residentMemory() {
            standardError("gauss: peak resident memory \(memory.peak / (1 << 20)) MiB")
        }
        try write(model, dtype: data.dtype, rows: data.rows)
        if let labels { try writeLabels(of: model, for: data, to: labels) }
    }
}

extension Fit {
    /// Holds what `--fix` names, at the values it gives (after the start
    /// options, which they replace).
    func applyFixedParameters(to estimator: inout GaussianMixture, dimension: Int) {
        guard let fix else { return }
        estimator.fixedParameters = fix.parameters
        let k = estimator.componentCount
        if fix.uniformWeights { estimator.initialWeights = [Double](repeating: 1 / Double(k), count: k) }
        if fix.identityCovariances {
            estimator.initialPrecisions = .identity(estimator.covarianceType, componentCount: k, dimension: dimension)
        }
    }

    /// Writes the fitted model's label of every row to `path`, reading the
    /// rows a block at a time as `predict` does.
    func writeLabels(of model: FittedModel, for input: FitInput, to path: String) throws {
        try writeOutput(to: path) { write in
            try DataBlocks(input: input, path: data).forEach { _, block in
                let labels: [Int]
                switch block {
                case .float(let m): labels = try model.predict(m)
                case .double(let m): labels = try model.predict(m)
                }
                var text = labels.map { "\($0)\n" }.joined()
                try text.withUTF8 { try write(UnsafeRawBufferPointer($0)) }
            }
        }
    }

    /// `--memory-limit`, or the machine's physical memory.
    var memoryBudget: Int { memoryLimit?.bytes ?? Int(clamping: ProcessInfo.processInfo.physicalMemory) }

    /// Writes the model with the settings it was fitted with to `--output`
    /// (or stdout), and says so on stderr.
    func write(_ model: FittedModel, dtype: DataType, rows: Int) throws {
        let settings = FitSettings(
            n_components: model.componentCount, covariance_type: model.covarianceType.rawValue, tol: em.tol,
            reg_covar: em.regCovar, max_iter: em.maxIter, n_init: em.nInit,
            init_params: startOption ?? em.initialization.initialization.rawValue, random_state: em.seed,
            dtype: dtype.rawValue, n_samples: rows,
            fixed_parameters: fix.map { fix in
                [("weights", GaussianMixture.FixedParameters.weights), ("means", .means), ("covariances", .covariances)]
                    .filter { fix.parameters.contains($0.1) }.map(\.0)
            },
            convergence: em.convergence == .mclust ? "mclust" : nil, columns: em.columnList)
        try writeModel(model, settings: settings, to: output)
        if output == nil && !model.converged {
            standardError("gauss: did not converge after \(model.iterationCount) iterations (lower bound \(model.lowerBound)); "
                          + "raise --max-iter or --tol")
        }
        if let output {
            var active = ""
            if let bayesian = model as? BayesianGaussianMixtureModel {
                active = "\(bayesian.activeComponents().count) of \(model.componentCount) components with weight above 0.01, "
            }
            standardError("gauss: \(model.converged ? "converged" : "did not converge") after \(model.iterationCount) iterations, "
                          + "\(active)lower bound \(model.lowerBound); model written to \(output)")
        }
    }
}

/// Progress on stderr: one line per iteration with --verbose; otherwise, when
/// stderr is a terminal, one status line rewritten in place.
func progressReporter(verbose: Bool, maxIterations: Int, starts: Int = 1) -> (@Sendable (GaussianMixture.Progress) -> Void)? {
    if verbose {
        return { p in
            if p.iteration == 1 && starts > 1 { standardError("EM, start \(p.initialization + 1) of \(starts)") }
            standardError("iteration \(p.iteration)  lower bound \(p.lowerBound)  change \(p.change)  \(String(format: "%.3f", p.elapsed)) s")
        }
    }
    guard isatty(2) != 0 else { return nil }
    return { p in
        let filled = maxIterations > 0 ? min(20, 20 * p.iteration / maxIterations) : 20
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: 20 - filled)
        let start = starts > 1 ? "start \(p.initialization + 1)/\(starts), " : ""
        standardError("\r\u{1B}[K[\(bar)] \(start)iteration \(p.iteration)/\(maxIterations)  lower bound \(String(format: "%.6g", p.lowerBound))",
                      newline: false)
    }
}

/// Progress of the k-means start on stderr, as ``progressReporter(verbose:maxIterations:starts:)``
/// reports EM's: a line per Lloyd iteration with --verbose, a status line on a terminal.
func kMeansProgressReporter(verbose: Bool) -> (@Sendable (KMeans.Progress) -> Void)? {
    if verbose {
        return { p in
            standardError("k-means start: iteration \(p.iteration)  centers moved \(p.centerShift)  \(String(format: "%.3f", p.elapsed)) s")
        }
    }
    guard isatty(2) != 0 else { return nil }
    return { p in standardError("\r\u{1B}[Kk-means start: iteration \(p.iteration)", newline: false) }
}

/// Ends the in-place status line, if one was drawn.
func finishProgress() {
    if isatty(2) != 0 { standardError("\r\u{1B}[K", newline: false) }
}
