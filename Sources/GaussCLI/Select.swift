import ArgumentParser
import Clustering
import Foundation
import LinearAlgebra

struct Select: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fit every number of components × covariance type and rank the fits by BIC.",
        discussion: """
            Prints a table, best (lowest BIC) first, with AIC and the total log-likelihood. Cells \
            that cannot be fitted are listed after it with the reason.

            With --models, the fits follow R's mclust (Mclust()): every K starts from the partition \
            cut from one tree of mclust's hierarchical clustering (--init hc), with no regularisation \
            (--reg-covar 0) and mclust's rule of convergence (--convergence mclust --tol 1e-5); \
            any of these given explicitly is used instead. Above 2000 rows the tree is grown on \
            2000 evenly spaced rows (mclust draws them at random).

            Examples:
              gauss select data.csv --components 1...8
              gauss select data.csv --components 1...9 --models all --plot bic.svg
              gauss select data.csv --components 2,4,8 --covariance diag,full --output best.json
              gauss select data.csv --bayesian --components 10

            With --bayesian, one variational fit per covariance type with the largest count of \
            --components as K chooses K instead: the table lists the components whose weight is \
            above --weight-threshold. Lower bounds of different covariance types do not compare, \
            so --output then needs a single --covariance.
            """
    )

    @Argument(help: "The data: .csv or .npy.")
    var data: String

    @Option(help: "Component counts: a range like 1...10, or a list like 2,4,8.")
    var components: String = "1...10"

    @Option(help: "Covariance types: all (scikit-learn's four), or a comma-separated list of full, tied, diag, spherical or mclust's model names (EII … VVV).")
    var covariance: String?

    @Option(help: ArgumentHelp("mclust's models: all (the fourteen) or a comma-separated list like EII,VEV,VVV; the table is mclust's.",
                               discussion: "BIC and ICL are then printed in mclust's sign (higher is better), the best by each marked."))
    var models: String?

    @Option(help: "Draw BIC (mclust's sign) against the number of components, one line per model, to this SVG file.")
    var plot: String?

    @OptionGroup var em: EMOptions

    @OptionGroup(title: "Variational fit") var variational: BayesianOptions

    @Option(name: .customLong("weight-threshold"), parsing: .unconditional,
            help: "With --bayesian: the weight above which a component counts as supported by the data (default 0.01).")
    var weightThreshold: Double?

    @Option(name: .shortAndLong, help: "Write the best model here.")
    var output: String?

    @Flag(help: "Print the data and grid first, then a line per fitted cell (BIC, iterations, time); otherwise a terminal gets a status line.")
    var verbose = false

    @Option(name: .customLong("memory-limit"), parsing: .unconditional,
            help: ArgumentHelp("Memory the fits may use, data and this program included (e.g. 512M, 8G).",
                               discussion: "A .npy file larger than half of it is streamed from disk on every pass."))
    var memoryLimit: ByteCount?

    /// The most component counts one `select` compares.
    static let maximumFits = 1000

    func parsedComponents() throws -> [Int] {
        let text = components.replacingOccurrences(of: " ", with: "")
        for separator in ["...", "-"] where text.contains(separator) {
            let parts = text.components(separatedBy: separator)
            guard parts.count == 2, let low = Int(parts[0]), let high = Int(parts[1]), low >= 1, low <= high else {
                throw ValidationError("--components must look like 1...10 with 1 ≤ low ≤ high, got \(components)")
            }
            // Every count is a fit: a range that asks for more is a typo, not a plan.
            guard high - low < Select.maximumFits else {
                throw ValidationError("--components \(components) asks for \(high - low + 1) component counts; "
                                      + "at most \(Select.maximumFits) can be compared")
            }
            return Array(low...high)
        }
        let list = text.split(separator: ",").map { Int($0) }
        guard !list.isEmpty, list.allSatisfy({ ($0 ?? 0) >= 1 }) else {
            throw ValidationError("--components must be a range like 1...10 or a list like 2,4,8 of positive counts, got \(components)")
        }
        guard list.count <= Select.maximumFits else {
            throw ValidationError("--components lists \(list.count) counts; at most \(Select.maximumFits) can be compared")
        }
        return list.map { $0! }
    }

    func parsedTypes() throws -> [CovarianceType] {
        if let models {
            if models == "all" { return CovarianceType.mclustModels }
            return try models.split(separator: ",").map {
                guard let type = CovarianceType(name: $0.trimmingCharacters(in: .whitespaces)) else {
                    throw ValidationError("--models takes all or mclust's model names (EII, VII, EEI, VEI, EVI, VVI, EEE, VEE, EVE, VVE, EEV, VEV, EVV, VVV); got \($0)")
                }
                return type
            }
        }
        guard let covariance, covariance != "all" else { return CovarianceType.scikitLearnTypes }
        return try covariance.split(separator: ",").map {
            guard let type = CovarianceType(name: $0.trimmingCharacters(in: .whitespaces)) else {
                throw ValidationError("--covariance takes all or full, tied, diag, spherical or mclust's model names (EII … VVV); got \($0)")
            }
            return type
        }
    }

    func validate() throws {
        _ = try parsedComponents()
        if covariance != nil && models != nil { throw ValidationError("--covariance and --models both choose the models; give one") }
        if variational.bayesian && (models != nil || plot != nil) { throw ValidationError("--models and --plot are for EM fits, not --bayesian") }
        if variational.bayesian && em.convergence == .mclust { throw ValidationError("--convergence mclust applies to EM, not to --bayesian") }
        let types = try parsedTypes()
        if let weightThreshold {
            guard variational.bayesian else { throw ValidationError("--weight-threshold applies to --bayesian") }
            guard weightThreshold >= 0 && weightThreshold < 1 else {
                throw ValidationError("--weight-threshold must be at least 0 and below 1, got \(weightThreshold)")
            }
        }
        if variational.bayesian && output != nil && types.count != 1 {
            throw ValidationError("lower bounds of different covariance types do not compare; give one --covariance with --bayesian --output")
        }
    }

    func run() throws {
        try checkOutput(output, isNotAnyOf: [data])
        try checkOutput(plot, isNotAnyOf: [data, output], option: "--plot")
        let counts = try parsedComponents(), types = try parsedTypes()
        // mclust's table is mclust's procedure unless a setting says otherwise.
        let em = self.em.resolved(mclust: models != nil)
        // A .npy file is mapped and read block by block, as fit reads it.
        let budget = memoryLimit?.bytes ?? Int(clamping: ProcessInfo.processInfo.physicalMemory)
        let data = try openFitInput(self.data, columns: em.columnList, dtype: em.dtype, memoryBudget: budget, delimiter: em.delimiter.byte)
        var estimator = em.estimator(components: 1, covariance: .full)
        estimator.memoryLimit = fitAllocationLimit(budget: budget, dataBytes: data.byteCount, streamed: data.isStreamed)
        if variational.bayesian { return try selectByVariationalFit(data, componentCount: counts.max()!, types: types) }
        if verbose {
            standardError(Info.kernelSummary)
            standardError("gauss: \(data.rows) rows × \(data.columns) columns (\(data.dtype.rawValue)), \(counts.count * types.count) fits: "
                          + "K in \(components), \(types.count) covariance type\(types.count == 1 ? "" : "s"), "
                          + "\(em.initialization.rawValue) start\(em.convergence == .mclust ? ", mclust's convergence rule" : "")")
        }
        let progress = selectionProgress(verbose: verbose)
        let result: ModelSelection.Result = try describing(self.data) {
            switch data {
            case .matrixFloat(let m):
                return try ModelSelection.rank(m, componentCounts: counts, covarianceTypes: types, estimator: estimator, progress: progress)
            case .matrixDouble(let m):
                return try ModelSelection.rank(m, componentCounts: counts, covarianceTypes: types, estimator: estimator, progress: progress)
            case .npyFloat(let s):
                return try ModelSelection.rank(s, componentCounts: counts, covarianceTypes: types, estimator: estimator, progress: progress)
            case .npyDouble(let s):
                return try ModelSelection.rank(s, componentCounts: counts, covarianceTypes: types, estimator: estimator, progress: progress)
            }
        }
        finishProgress()
        try writeStandardOutput(models == nil ? scikitLearnTable(result) : mclustTable(result))
        if let plot { try writeOutput(bicFigure(result, counts: counts, types: types).text, to: plot) }
        if let output {
            guard let best = result.ranked.first else { throw DataError("no combination could be fitted, so there is no model to write") }
            let settings = FitSettings(
                n_components: best.componentCount, covariance_type: best.covarianceType.rawValue, tol: em.tol,
                reg_covar: em.regCovar, max_iter: em.maxIter, n_init: em.nInit, init_params: em.initialization.initialization.rawValue,
                random_state: em.seed, dtype: data.dtype.rawValue, n_samples: data.rows, convergence: em.convergence == .mclust ? "mclust" : nil, columns: em.columnList)
            try writeModel(best.model, settings: settings, to: output)
        }
    }
}

/// A line per cell with --verbose (cells finish in any order when they run
/// concurrently); otherwise, on a terminal, a status line rewritten in place.
func selectionProgress(verbose: Bool) -> (@Sendable (ModelSelection.Progress) -> Void)? {
    if verbose {
        return { p in
            let cell = "[\(p.finished)/\(p.total)] K = \(p.componentCount) \(p.covarianceType.mclustName)"
            if let bic = p.bic, let iterations = p.iterations {
                standardError("\(cell): BIC \(bic), \(iterations) iterations\(p.converged == true ? "" : " (did not converge)"), "
                              + String(format: "%.3f s", p.elapsed))
            } else {
                standardError("\(cell): not fitted: \(p.error.map(\.description) ?? "unknown")")
            }
        }
    }
    guard isatty(2) != 0 else { return nil }
    return { p in standardError("\r\u{1B}[K[\(p.finished)/\(p.total)] fitted K = \(p.componentCount) \(p.covarianceType.mclustName)", newline: false) }
}

extension Select {
    /// `select --bayesian`: one variational fit per covariance type, with
    /// the components above the weight threshold listed.
    func selectByVariationalFit(_ data: FitInput, componentCount k: Int, types: [CovarianceType]) throws {
        try variational.check(dimension: data.columns)
        let threshold = weightThreshold ?? 0.01
        let budget = memoryLimit?.bytes ?? Int(clamping: ProcessInfo.processInfo.physicalMemory)
        var table = "covariance   components  supported     lower bound  weights above \(threshold)\n"
        var fitted: BayesianGaussianMixtureModel?
        for type in types {
            var estimator = variational.estimator(components: k, covariance: type, em: em)
            estimator.memoryLimit = fitAllocationLimit(budget: budget, dataBytes: data.byteCount, streamed: data.isStreamed)
            let name = type.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)
            do {
                let model = try data.fit(estimator, sampleWeights: nil, continuingFrom: nil)
                let active = model.activeComponents(threshold: threshold)
                let weights = active.map { "\($0): " + String(format: "%.4f", model.weights[$0]) }.joined(separator: ", ")
                table += "\(name)  " + String(format: "%10d  %9d  %14.6g", k, active.count, model.lowerBound) + "  \(weights)"
                    + (model.converged ? "" : " (did not converge)") + "\n"
                fitted = model
            } catch {
                table += "\(name)  " + String(format: "%10d", k) + "  not fitted: \(error.description)\n"
            }
        }
        try writeStandardOutput(table)
        if let output {
            guard let fitted else { throw DataError("the fit failed, so there is no model to write") }
            let settings = FitSettings(
                n_components: k, covariance_type: fitted.covarianceType.rawValue, tol: em.tol, reg_covar: em.regCovar,
                max_iter: em.maxIter, n_init: em.nInit, init_params: em.initialization.initialization.rawValue, random_state: em.seed,
                dtype: data.dtype.rawValue, n_samples: data.rows, columns: em.columnList)
            try writeModel(fitted, settings: settings, to: output)
        }
    }
}

extension Select {
    /// The ranking as scikit-learn users read it: BIC and AIC, lower is better.
    func scikitLearnTable(_ result: ModelSelection.Result) -> String {
        var table = "rank  components  covariance            BIC            AIC   log-likelihood\n"
        for (rank, candidate) in result.ranked.enumerated() {
            table += String(format: "%4d  %10d  ", rank + 1, candidate.componentCount)
                + candidate.covarianceType.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)
                + String(format: "  %13.6g  %13.6g  %15.6g\n", candidate.bic, candidate.aic, candidate.logLikelihood)
        }
        return table + failureLines(result, name: \.rawValue)
    }

    /// The ranking as mclust users read it: BIC and ICL in mclust's sign,
    /// 2·log-likelihood − parameters·log n (higher is better), the best by
    /// each marked; scikit-learn's BIC is −1 × mclust's.
    func mclustTable(_ result: ModelSelection.Result) -> String {
        var table = "BIC and ICL in mclust's sign (higher is better); scikit-learn's BIC is -1 times mclust's.\n"
        table += "rank  components  model   BIC (mclust)   ICL (mclust)   log-likelihood  best\n"
        let bestICL = result.ranked.indices.min { result.ranked[$0].icl < result.ranked[$1].icl }
        for (rank, candidate) in result.ranked.enumerated() {
            let best = [rank == 0 ? "BIC" : nil, rank == bestICL ? "ICL" : nil].compactMap { $0 }.joined(separator: ",")
            table += String(format: "%4d  %10d  ", rank + 1, candidate.componentCount)
                + candidate.covarianceType.mclustName.padding(toLength: 6, withPad: " ", startingAt: 0)
                + String(format: "  %13.6f  %13.6f  %15.6f  ", -candidate.bic, -candidate.icl, candidate.logLikelihood) + best + "\n"
        }
        return table + failureLines(result, name: \.mclustName)
    }

    /// The cells that could not be fitted, each with the reason.
    func failureLines(_ result: ModelSelection.Result, name: KeyPath<CovarianceType, String>) -> String {
        result.failures.map { failure in
            "  --  \(String(repeating: " ", count: max(0, 10 - String(failure.componentCount).count)))\(failure.componentCount)  "
                + "\(failure.covarianceType[keyPath: name].padding(toLength: 10, withPad: " ", startingAt: 0))  not fitted: \(failure.error.description)\n"
        }.joined()
    }

    /// BIC (mclust's sign) against K, one line and marker per model, as
    /// mclust's plot of a BIC table; cells that failed leave gaps.
    func bicFigure(_ result: ModelSelection.Result, counts: [Int], types: [CovarianceType]) -> SVGFigure {
        let points = result.ranked.map { (Double($0.componentCount), -$0.bic) }
        var figure = SVGFigure(width: 760, height: max(480, 80 + 18 * Double(types.count)))
        let bounds = Bounds(covering: points.isEmpty ? [(Double(counts.min()!), 0), (Double(counts.max()!), 1)] : points)
        let axes = Axes(left: 80, top: 40, width: 500, height: 380, bounds: bounds)
        var parts = ["<g class=\"panel\">", axes.frame(title: "BIC of each model against the number of components",
                                                       xLabel: "number of components", yLabel: "BIC (mclust's sign: higher is better)")]
        for (index, type) in types.enumerated() {
            let color = componentColor(index), dashed = index >= componentColors.count ? " stroke-dasharray=\"5,3\"" : ""
            // Consecutive fitted counts are joined; a failed count breaks the line.
            var run: [(Double, Double)] = []
            func flush() {
                if run.count > 1 { parts.append(axes.path(run, attributes: "class=\"bic\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.6\"\(dashed)")) }
                run = []
            }
            for k in counts.sorted() {
                guard let candidate = result.ranked.first(where: { $0.covarianceType == type && $0.componentCount == k }) else { flush(); continue }
                let point = (Double(k), -candidate.bic)
                run.append(point)
                parts.append("<circle cx=\"\(svgNumber(axes.x(point.0)))\" cy=\"\(svgNumber(axes.y(point.1)))\" r=\"2.6\" fill=\"\(color)\"/>")
            }
            flush()
            let row = 60 + Double(index) * 18
            parts.append("<line x1=\"600\" y1=\"\(svgNumber(row - 4))\" x2=\"624\" y2=\"\(svgNumber(row - 4))\" stroke=\"\(color)\" stroke-width=\"2\"\(dashed)/>")
            parts.append("<text x=\"630\" y=\"\(svgNumber(row))\" font-size=\"11\" fill=\"#222\">\(type.mclustName)</text>")
        }
        parts.append("</g>")
        figure.add(parts.joined(separator: "\n"))
        return figure
    }
}
