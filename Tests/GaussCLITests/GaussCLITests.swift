import Clustering
import Foundation
@testable import GaussCLI
import LinearAlgebra
import TestSupport
import Testing

#if canImport(FoundationXML)
import FoundationXML
#endif

/// Runs the built `gauss` executable, as a user would.
struct Run {
    let status: Int32
    let stdout: String
    let stderr: String
}

let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The `gauss` built beside the test bundle (swift test builds every
/// product), so that a sanitized test run runs the sanitized tool.
let gaussExecutable: URL = URL(fileURLWithPath: builtGauss(packageRoot: packageRoot))

/// The `gauss` in the directory of the running test binary, else the plain debug build's.
func builtGauss(packageRoot: URL) -> String {
    let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    for directory in [testBinary.deletingLastPathComponent(), Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent()] {
        let candidate = directory.appendingPathComponent("gauss").path
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return packageRoot.appendingPathComponent(".build/debug/gauss").path
}

func gauss(_ arguments: String...) throws -> Run {
    try gauss(arguments, environment: nil)
}

/// The test's own environment with OpenBLAS held to the kernels this test
/// process runs. The tests compare what `gauss` prints with what the library
/// computes here, bit for bit; where OpenBLAS does not know the processor
/// model, `gauss` would otherwise restart itself on wider kernels, which sum
/// in another order. KernelSelectionTests test that restart on its own.
let sameKernelsEnvironment: [String: String] = {
    var environment = ProcessInfo.processInfo.environment
    if (environment["OPENBLAS_CORETYPE"] ?? "").isEmpty { environment["OPENBLAS_CORETYPE"] = BLASKernel.loaded }
    return environment
}()

/// Runs `gauss` with `environment` in place of the test's own, when given;
/// with ``sameKernelsEnvironment`` otherwise. A run past `timeout` seconds
/// is killed and fails the test, with what its processes were doing in `stderr`.
func gauss(_ arguments: [String], environment: [String: String]?, input: Data? = nil, timeout: Double = 300) throws -> Run {
    let run = try runChild(gaussExecutable.path, arguments, environment: environment ?? sameKernelsEnvironment,
                           input: input, timeout: timeout)
    #expect(!run.timedOut, "gauss \(arguments.joined(separator: " ")) ran past \(timeout) s: \(run.stderr)")
    return Run(status: run.status, stdout: run.stdout, stderr: run.stderr)
}

let faithful = packageRoot.appendingPathComponent("data/faithful.csv").path
let iris = packageRoot.appendingPathComponent("data/iris.csv").path

/// A directory of its own for a test's files.
func scratchDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("gauss-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Counts elements of an SVG by name and class, failing on malformed XML.
final class SVGCounter: NSObject, XMLParserDelegate {
    var panels = 0, ellipses = 0, elements = 0

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        elements += 1
        if name == "g" && attributes["class"] == "panel" { panels += 1 }
        if name == "path" && attributes["class"] == "ellipse" { ellipses += 1 }
    }

    static func count(_ path: String) throws -> SVGCounter {
        let counter = SVGCounter()
        let parser = XMLParser(data: try Data(contentsOf: URL(fileURLWithPath: path)))
        parser.delegate = counter
        try #require(parser.parse(), "well-formed XML")
        return counter
    }
}

@Suite struct GaussCLITests {
    @Test func helpListsCommandsWithExamples() throws {
        let top = try gauss("--help")
        #expect(top.status == 0)
        for command in ["fit", "predict", "score", "sample", "select", "kmeans", "plot", "demo"] { #expect(top.stdout.contains(command)) }
        let fit = try gauss("fit", "--help")
        #expect(fit.status == 0 && fit.stdout.contains("Examples:") && fit.stdout.contains("--reg-covar"))
    }

    @Test func fitWritesTheModelTheLibraryFits() throws {
        let run = try gauss("fit", faithful, "-k", "2")
        #expect(run.status == 0, "\(run.stderr)")
        let model = try JSONDecoder().decode(GaussianMixtureModel.self, from: Data(run.stdout.utf8))
        let data = try CSV.read(contentsOf: faithful).matrix
        let expected = try GaussianMixture(componentCount: 2, seed: 0).fit(data)
        #expect(model == expected, "fit → JSON → decode is the library's model, bit for bit")
        let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as! [String: Any]
        #expect(object["gauss_model_version"] as? Int == 1)
        let settings = object["settings"] as! [String: Any]
        #expect(settings["n_components"] as? Int == 2 && settings["covariance_type"] as? String == "full"
                && settings["init_params"] as? String == "kmeans" && settings["random_state"] as? Int == 0)
    }

    @Test func weightsPrecisionColumnsAndVerboseOptions() throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let weights = dir.appendingPathComponent("weights.csv").path
        try Data((0..<272).map { $0 % 2 == 0 ? "2\n" : "1\n" }.joined().utf8).write(to: URL(fileURLWithPath: weights))
        let run = try gauss("fit", faithful, "-k", "2", "--columns", "waiting,eruptions", "--sample-weights", weights,
                            "--dtype", "float32", "--verbose")
        #expect(run.status == 0, "\(run.stderr)")
        let model = try JSONDecoder().decode(GaussianMixtureModel.self, from: Data(run.stdout.utf8))
        let all = try CSV.read(contentsOf: faithful).matrix
        let swapped = Matrix<Float>(rows: all.rows, columns: 2) { Float(all[$0, 1 - $1]) }
        let expected = try GaussianMixture(componentCount: 2).fit(swapped, sampleWeights: (0..<272).map { $0 % 2 == 0 ? 2 : 1 })
        #expect(model == expected, "columns by name, weights and float32 reach the library's fit")
        let lines = run.stderr.split(separator: "\n").filter { $0.hasPrefix("iteration ") }
        #expect(lines.count == model.iterationCount && lines[0].contains("lower bound") && lines[0].contains("change"))
        let unknown = try gauss("fit", faithful, "--columns", "height")
        #expect(unknown.status == 1 && unknown.stderr.contains("no column \"height\": the columns are eruptions, waiting"))
    }

    @Test func predictScoreAndSampleMatchTheLibrary() throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let modelPath = dir.appendingPathComponent("model.json").path
        let fitted = try gauss("fit", faithful, "-k", "2", "--covariance", "diag", "--output", modelPath)
        #expect(fitted.status == 0)
        let model = try JSONDecoder().decode(GaussianMixtureModel.self, from: Data(contentsOf: URL(fileURLWithPath: modelPath)))
        let data = try CSV.read(contentsOf: faithful).matrix

        let expectedLabels = try model.predict(data).map { "\($0)\n" }.joined()
        let expectedProbabilities = CSV.string(try model.predictProbabilities(data))
        let expectedScore = "\(try model.score(data))\n"
        let expectedPerSample = try model.logLikelihoods(data).map { "\($0)\n" }.joined()
        let labels = try gauss("predict", modelPath, faithful)
        #expect(labels.status == 0 && labels.stdout == expectedLabels)
        let proba = try gauss("predict", modelPath, faithful, "--proba")
        #expect(proba.stdout == expectedProbabilities, "shortest round-trip numbers, identical")
        let score = try gauss("score", modelPath, faithful)
        #expect(score.stdout == expectedScore)
        let perSample = try gauss("score", modelPath, faithful, "--per-sample")
        #expect(perSample.stdout == expectedPerSample)
        let sample = try gauss("sample", modelPath, "-n", "50", "--seed", "3")
        #expect(sample.stdout == CSV.string(model.sample(count: 50, seed: 3).samples))
        #expect(sample.stdout.split(separator: "\n").count == 50)
    }

    @Test func predictScoreAndSampleWriteToOutputAndReadNpy() throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let modelPath = dir.appendingPathComponent("model.json").path
        #expect(try gauss("fit", faithful, "-k", "2", "--output", modelPath).status == 0)
        let data = try CSV.read(contentsOf: faithful).matrix
        let npy = dir.appendingPathComponent("faithful.npy").path
        try Npy.write(data, to: npy)
        // Each command's --output holds exactly what it prints without it, for CSV and .npy input alike.
        for (command, extra) in [("predict", [String]()), ("predict", ["--proba"]), ("score", []), ("score", ["--per-sample"])] {
            let printed = try gauss([command, modelPath, faithful] + extra, environment: nil)
            #expect(printed.status == 0, "\(command) \(extra): \(printed.stderr)")
            let fromNpy = try gauss([command, modelPath, npy] + extra, environment: nil)
            #expect(fromNpy.status == 0 && fromNpy.stdout == printed.stdout, "\(command) \(extra) on .npy: \(fromNpy.stderr)")
            let file = dir.appendingPathComponent("\(command)\(extra.joined()).out").path
            let written = try gauss([command, modelPath, npy, "--output", file] + extra, environment: nil)
            #expect(written.status == 0 && written.stdout.isEmpty)
            #expect(try String(contentsOfFile: file, encoding: .utf8) == printed.stdout, "\(command) \(extra) --output")
        }
        let printed = try gauss("sample", modelPath, "-n", "20", "--seed", "4")
        let file = dir.appendingPathComponent("sample.csv").path
        #expect(try gauss("sample", modelPath, "-n", "20", "--seed", "4", "--output", file).status == 0)
        #expect(try String(contentsOfFile: file, encoding: .utf8) == printed.stdout)
    }

    @Test func selectTakesAListOfComponentCounts() throws {
        let run = try gauss("select", faithful, "--components", "2,4,8", "--covariance", "diag")
        #expect(run.status == 0, "\(run.stderr)")
        let rows = run.stdout.split(separator: "\n").dropFirst().map { $0.split(separator: " ", omittingEmptySubsequences: true) }
        #expect(Set(rows.map { Int($0[1])! }) == [2, 4, 8])
        #expect(rows.allSatisfy { $0[2] == "diag" })
    }

    @Test func initFromReproducesTheFitFromThoseParameters() throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let start = dir.appendingPathComponent("start.json").path
        let first = try gauss("fit", faithful, "-k", "2", "--max-iter", "2", "--output", start)
        #expect(first.status == 0)
        let startModel = try JSONDecoder().decode(GaussianMixtureModel.self, from: Data(contentsOf: URL(fileURLWithPath: start)))
        let run = try gauss("fit", faithful, "--init-from", start)
        #expect(run.status == 0, "\(run.stderr)")
        let model = try JSONDecoder().decode(GaussianMixtureModel.self, from: Data(run.stdout.utf8))
        let data = try CSV.read(contentsOf: faithful).matrix
        var estimator = GaussianMixture(componentCount: 2, initialWeights: startModel.weights, initialMeans: startModel.means)
        estimator.initialPrecisions = .full(startModel.covariances.matrixArray.map { try! Cholesky($0).inverse() })
        let expected = try estimator.fit(data)
        #expect(model.weights == expected.weights && model.means == expected.means && model.iterationCount == expected.iterationCount)
        // Zero iterations return the file's parameters as they are.
        let same = try gauss("fit", faithful, "--init-from", start, "--max-iter", "0")
        let unchanged = try JSONDecoder().decode(GaussianMixtureModel.self, from: Data(same.stdout.utf8))
        #expect(unchanged.weights == startModel.weights && unchanged.means == startModel.means)
        // A conflicting -k is a usage error.
        let conflict = try gauss("fit", faithful, "--init-from", start, "-k", "3")
        #expect(conflict.status == 2 && conflict.stderr.contains("conflicts"))
    }

    @Test func fitStartsFromGivenLabelsOrResponsibilities() throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = try CSV.read(contentsOf: faithful).matrix
        let labels = (0..<data.rows).map { data[$0, 1] > 70 ? 1 : 0 }
        let labelFile = dir.appendingPathComponent("labels.npy").path
        try Npy.write(Matrix<Double>(rows: data.rows, columns: 1) { i, _ in Double(labels[i]) }, to: labelFile)
        let fromLabels = try gauss("fit", faithful, "--init-labels", labelFile, "--covariance", "diag")
        #expect(fromLabels.status == 0, "\(fromLabels.stderr)")
        var estimator = GaussianMixture(componentCount: 2, covarianceType: .diag)
        estimator.initialResponsibilities = try GaussianMixture.responsibilities(labels: labels, componentCount: 2)
        #expect(try JSONDecoder().decode(GaussianMixtureModel.self, from: Data(fromLabels.stdout.utf8)) == estimator.fit(data),
                "K from the largest label; the library's fit from those labels")
        let settings = try JSONSerialization.jsonObject(with: Data(fromLabels.stdout.utf8)) as? [String: Any]
        #expect((settings?["settings"] as? [String: Any])?["init_params"] as? String == "init-labels")

        // Soft responsibilities from a CSV; K is its number of columns.
        let responsibilityFile = dir.appendingPathComponent("responsibilities.csv").path
        let soft = Matrix<Double>(rows: data.rows, columns: 3) { i, c in labels[i] == 1 ? [0.7, 0.2, 0.1][c] : [0.1, 0.3, 0.6][c] }
        try Data(CSV.string(soft).utf8).write(to: URL(fileURLWithPath: responsibilityFile))
        let fromResponsibilities = try gauss("fit", faithful, "--init-responsibilities", responsibilityFile)
        #expect(fromResponsibilities.status == 0, "\(fromResponsibilities.stderr)")
        estimator = GaussianMixture(componentCount: 3)
        estimator.initialResponsibilities = soft
        #expect(try JSONDecoder().decode(GaussianMixtureModel.self, from: Data(fromResponsibilities.stdout.utf8)) == estimator.fit(data))

        // Bad starts name the file and say what is wrong.
        let short = dir.appendingPathComponent("short.csv").path
        try Data("0\n1\n1\n".utf8).write(to: URL(fileURLWithPath: short))
        let fewLabels = try gauss("fit", faithful, "--init-labels", short)
        #expect(fewLabels.status == 1 && fewLabels.stderr == "gauss: \(short): there are 3 labels for 272 data rows; give one label per data row\n")
        let fraction = dir.appendingPathComponent("fraction.csv").path
        try Data(String(repeating: "0.5\n", count: 272).utf8).write(to: URL(fileURLWithPath: fraction))
        let notIntegers = try gauss("fit", faithful, "--init-labels", fraction)
        #expect(notIntegers.status == 1 && notIntegers.stderr == "gauss: \(fraction): row 1 holds 0.5, not an integer label\n")
        // An absurd label is refused before an n×K matrix is made.
        let huge = dir.appendingPathComponent("huge.csv").path
        try Data(String(repeating: "1e15\n", count: 272).utf8).write(to: URL(fileURLWithPath: huge))
        let hugeLabels = try gauss("fit", faithful, "--init-labels", huge)
        #expect(hugeLabels.status == 1 && hugeLabels.stderr.contains("components need at least"))
        let outOfRange = try gauss("fit", faithful, "--init-labels", labelFile, "-k", "1")
        #expect(outOfRange.status == 1
                && outOfRange.stderr == "gauss: \(labelFile): invalid initial labels: row 1 has label 1; labels are 0 to 0\n")
        let notSummingToOne = try gauss("fit", faithful, "--init-responsibilities", fraction)
        #expect(notSummingToOne.status == 1
                && notSummingToOne.stderr == "gauss: \(fraction): invalid initial responsibilities: row 1 sums to 0.5, not 1\n")
        let twoStarts = try gauss("fit", faithful, "--init-labels", labelFile, "--init-responsibilities", responsibilityFile)
        #expect(twoStarts.status == 2 && twoStarts.stderr.contains("give one"))
        let conflict = try gauss("fit", faithful, "--init-responsibilities", responsibilityFile, "-k", "2")
        #expect(conflict.status == 2 && conflict.stderr.contains("conflicts with \(responsibilityFile), which has 3 columns"))
    }

    @Test func kmeansWritesTheLibrarysCentersAndLabels() throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let labelsPath = dir.appendingPathComponent("labels.txt").path
        let run = try gauss("kmeans", iris, "-k", "3", "--n-init", "2", "--seed", "5", "--algorithm", "lloyd", "--labels", labelsPath)
        #expect(run.status == 0, "\(run.stderr)")
        let file = try JSONDecoder().decode(KMeansFile.self, from: Data(run.stdout.utf8))
        var estimator = KMeans(clusterCount: 3, initializationCount: 2, seed: 5)
        estimator.algorithm = .lloyd
        let expected = try estimator.fit(try CSV.read(contentsOf: iris).matrix)
        #expect(file.centers == (0..<3).map { Array(expected.centers.row($0)) } && file.inertia == expected.inertia
                && file.iterationCount == expected.iterationCount, "the library's k-means, bit for bit")
        #expect(file.settings.n_clusters == 3 && file.settings.algorithm == "lloyd" && file.settings.`init` == "k-means++")
        #expect(try String(contentsOfFile: labelsPath, encoding: .utf8) == expected.labels.map { "\($0)\n" }.joined())
        let tooMany = try gauss("kmeans", faithful, "-k", "300")
        #expect(tooMany.status == 1 && tooMany.stderr.contains("at least 300 samples"))
        let local = try gauss("kmeans", faithful, "--labels", labelsPath, "--distributed")
        #expect(local.status == 2 && local.stderr.contains("--distributed reads a .npy file"))
    }

    @Test func selectRanksByBICAndWritesTheBest() throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let best = dir.appendingPathComponent("best.json").path
        let run = try gauss("select", faithful, "--components", "1...3", "--covariance", "full,diag", "--output", best)
        #expect(run.status == 0, "\(run.stderr)")
        let rows = run.stdout.split(separator: "\n").dropFirst().map { $0.split(separator: " ", omittingEmptySubsequences: true) }
        #expect(rows.count == 6)
        let bics = rows.map { Double($0[3])! }
        #expect(bics == bics.sorted())
        let model = try JSONDecoder().decode(GaussianMixtureModel.self, from: Data(contentsOf: URL(fileURLWithPath: best)))
        #expect(model.componentCount == Int(rows[0][1])! && model.covarianceType.rawValue == String(rows[0][2]))
    }

    @Test func plotDrawsEveryComponentInPrincipalComponents() throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let modelPath = dir.appendingPathComponent("iris.json").path, svg = dir.appendingPathComponent("iris.svg").path
        let fitted = try gauss("fit", iris, "--columns", "0,1,2,3", "-k", "3", "--output", modelPath)
        #expect(fitted.status == 0)
        let run = try gauss("plot", modelPath, iris, "--columns", "0,1,2,3", "--output", svg)
        #expect(run.status == 0, "\(run.stderr)")
        let counts = try SVGCounter.count(svg)
        #expect(counts.panels == 1 && counts.ellipses == 6, "1σ and 2σ for each of 3 components")
        let chosen = try gauss("plot", modelPath, iris, "--columns", "0,1,2,3", "--dims", "0,2", "--output", svg)
        #expect(chosen.status == 0)
        let outOfRange = try gauss("plot", modelPath, iris, "--columns", "0,1,2,3", "--dims", "0,9", "--output", svg)
        #expect(outOfRange.status == 2)
    }

    @Test func demoDrawsEMAndTheDividedDifferences() throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let figures = dir.appendingPathComponent("figures")
        let run = try gauss("demo", "--output-directory", figures.path)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("Old Faithful") && run.stdout.contains("lower bound") && run.stdout.contains("covariance"))
        let em = figures.appendingPathComponent("em-old-faithful.svg").path
        let counts = try SVGCounter.count(em)
        // EM converges at iteration 13 from this start: start, 1…6, 13, and the lower bound.
        #expect(counts.panels == 9, "start, iterations 1 to 6, the last, and the lower bound")
        #expect(counts.ellipses == 8 * 2 * 2)
        // Points blend the components' colours: some are neither pure colour.
        let text = try String(contentsOfFile: em, encoding: .utf8)
        let fills = Set(text.components(separatedBy: "fill=\"#").dropFirst().map { $0.prefix(6) })
        #expect(fills.count > 10, "\(fills.count) distinct point colours")
        let differences = figures.appendingPathComponent("divided-differences.svg").path
        let lines = try String(contentsOfFile: differences, encoding: .utf8)
        #expect(lines.contains("class=\"dual\"") && lines.components(separatedBy: "class=\"optimum\"").count - 1 == 2)
        #expect(try SVGCounter.count(differences).elements > 0, "well-formed XML")
        // One Gaussian beside the mixture, each titled with its fit: the BICs are mclust's
        // (VVV, K = 1 and 2: 2607.62 and 2322.19 in scikit-learn's sign).
        let density = try String(contentsOfFile: figures.appendingPathComponent("mixture-density.svg").path, encoding: .utf8)
        #expect(density.contains("one Gaussian: log-likelihood -1289.8, BIC 2607.6") && density.contains("two components: log-likelihood -1130.3, BIC 2322.2"),
                "\(density.prefix(2000))")
        #expect(density.components(separatedBy: "class=\"panel\"").count - 1 == 2)
        // k-means from EM's start: start, iterations 1–3 and its converged one, over EM's start, 1–3 and converged.
        let hard = figures.appendingPathComponent("kmeans-hard-em.svg").path
        let hardCounts = try SVGCounter.count(hard)
        #expect(hardCounts.panels == 10 && hardCounts.ellipses == 5 * 2 * 2, "\(hardCounts.panels) panels, \(hardCounts.ellipses) ellipses")
        let hardText = try String(contentsOfFile: hard, encoding: .utf8)
        #expect(hardText.components(separatedBy: "class=\"center\"").count - 1 == 5 * 2)
        #expect(hardText.contains("iteration 13 (converged)") && hardText.contains("(converged)</text>"))
        // Measured costs: two panels, four series for the gradient and two for the Jacobian.
        let costs = try String(contentsOfFile: figures.appendingPathComponent("forward-reverse.svg").path, encoding: .utf8)
        #expect(costs.components(separatedBy: "class=\"series\"").count - 1 == 6)
        #expect(try SVGCounter.count(figures.appendingPathComponent("forward-reverse.svg").path).panels == 2)
    }

    @Test func negativeNumbersAreReadAsValuesNotOptions() throws {
        // "-1" after -k is the value -1 (refused for what it is), not a missing value.
        let k = try gauss("fit", faithful, "-k", "-1")
        #expect(k.status == 2 && k.stderr.contains("--components must be at least 1, got -1"), "\(k.stderr)")
        let tol = try gauss("fit", faithful, "--tol", "-1")
        #expect(tol.status == 2 && !tol.stderr.contains("Missing value") && tol.stderr.contains("-1"), "\(tol.stderr)")
        let n = try gauss("sample", faithful, "-n", "-5")
        #expect(n.status == 2 && n.stderr.contains("-n must be at least 0, got -5"), "\(n.stderr)")
    }

    @Test func absurdRequestsAreRefusedWithAMessage() throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        for range in ["1...9223372036854775807", "1...100000000000", "5-2000"] {
            let run = try gauss("select", faithful, "--components", range)
            #expect(run.status == 2, "\(range): \(run.stderr)")
            #expect(run.stderr.contains("at most 1000 can be compared"), "\(range): \(run.stderr)")
        }
        let emptyColumns = try gauss("fit", faithful, "--columns", "")
        #expect(emptyColumns.status == 1 && emptyColumns.stderr.contains("--columns is empty"), "\(emptyColumns.stderr)")
        let emptyOutput = try gauss("fit", faithful, "-o", "")
        #expect(emptyOutput.status == 1 && emptyOutput.stderr.contains("--output is empty"), "\(emptyOutput.stderr)")
        let negativeLimit = try gauss("fit", faithful, "--memory-limit", "-5G")
        #expect(negativeLimit.status == 2 && negativeLimit.stderr.contains("invalid for '--memory-limit"), "\(negativeLimit.stderr)")
        // The mean log-likelihood of no rows is refused, not printed as NaN.
        let model = dir.appendingPathComponent("model.json").path
        #expect(try gauss("fit", faithful, "-k", "2", "-o", model).status == 0)
        let empty = dir.appendingPathComponent("empty.csv").path
        try Data("eruptions,waiting\n".utf8).write(to: URL(fileURLWithPath: empty))
        let plot = try gauss("plot", model, empty, "-o", dir.appendingPathComponent("empty.svg").path)
        #expect(plot.status == 1 && plot.stderr.contains("has no rows to plot"), "\(plot.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("empty.svg").path))
        let score = try gauss("score", model, empty)
        #expect(score.status == 1 && score.stdout.isEmpty, "\(score.stdout)")
        #expect(score.stderr.contains("has no rows"), "\(score.stderr)")
    }

    @Test func plotLabelsTheSelectedColumnsAndEscapesControlCharacters() throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = dir.appendingPathComponent("model.json").path
        let svg = dir.appendingPathComponent("plot.svg").path
        #expect(try gauss("fit", iris, "-k", "2", "--columns", "petal_length,3", "-o", model).status == 0)
        let run = try gauss("plot", model, iris, "--columns", "petal_length,3", "-o", svg)
        #expect(run.status == 0, "\(run.stderr)")
        let text = try String(contentsOfFile: svg, encoding: .utf8)
        #expect(text.contains(">petal_length<") && text.contains(">petal_width<"), "the axes name the selected columns")
        #expect(!text.contains(">sepal_length<"))
        // A header with a control character still gives well-formed XML.
        let odd = dir.appendingPathComponent("odd.csv").path
        try Data("a\u{1}b,c<d\n1,2\n3,5\n2,2\n8,9\n".utf8).write(to: URL(fileURLWithPath: odd))
        let oddModel = dir.appendingPathComponent("odd.json").path
        #expect(try gauss("fit", odd, "-k", "1", "-o", oddModel).status == 0)
        #expect(try gauss("plot", oddModel, odd, "-o", svg).status == 0)
        _ = try SVGCounter.count(svg)
    }

    @Test func filesThatAreNotCSVSayWhatTheyAre() throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let cases: [(String, [UInt8], String)] = [
            ("data.csv.gz", [0x1F, 0x8B, 8, 0, 0, 0], "is gzip-compressed"),
            ("data.npz", Array("PK".utf8) + [3, 4, 20, 0], "is a zip archive"),
            ("data.bin", [0x93] + Array("NUMPY".utf8) + [1, 0], "is a .npy file"),
            ("model.json", Array("  {\"weights\": [1]}".utf8), "looks like JSON"),
            ("blob.csv", [0x41, 0x00, 0x42, 0x0A], "is a binary file"),
        ]
        for (name, bytes, expected) in cases {
            let path = dir.appendingPathComponent(name).path
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let run = try gauss("fit", path)
            #expect(run.status == 1 && run.stderr.contains(expected), "\(name): \(run.stderr)")
        }
        let loop = dir.appendingPathComponent("loop.csv").path
        try FileManager.default.createSymbolicLink(atPath: loop, withDestinationPath: "loop.csv")
        let looping = try gauss("fit", loop)
        #expect(looping.status == 1 && looping.stderr.contains("too many levels of symbolic links"), "\(looping.stderr)")
    }

    @Test func valuesBeyondFloat32AreNamedWhenFittingAsFloat32() throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let csv = dir.appendingPathComponent("wide.csv").path
        try Data("a,b\n1,2\n3,1e39\n2,2\n".utf8).write(to: URL(fileURLWithPath: csv))
        let run = try gauss("fit", csv, "--dtype", "float32")
        #expect(run.status == 1 && run.stderr.contains("row 2, column 2: 1e+39 is beyond the range of float32"), "\(run.stderr)")
        let npy = dir.appendingPathComponent("wide.npy").path
        try Npy.write(Matrix<Double>([[1, 2], [3, 1e39], [2, 2]]), to: npy)
        let fromNpy = try gauss("fit", npy, "--dtype", "float32")
        #expect(fromNpy.status == 1 && fromNpy.stderr.contains("beyond the range of float32"), "\(fromNpy.stderr)")
        #expect(try gauss("fit", npy).status == 0, "as float64 the same file fits")
    }

    @Test func errorsNameTheFileAtFault() throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let weights = dir.appendingPathComponent("weights.csv").path
        try Data("1\n2\n".utf8).write(to: URL(fileURLWithPath: weights))
        let run = try gauss("fit", faithful, "-k", "2", "--sample-weights", weights)
        #expect(run.status == 1 && run.stderr.hasPrefix("gauss: \(weights): there are 2 sample weights"), "\(run.stderr)")
        // A model with bad weights says so under "weights", not "covariances".
        let model = dir.appendingPathComponent("model.json").path
        try Data(#"{"covariance_type":"diag","weights":[0.9,0.5],"means":[[0,0],[1,1]],"covariances":[[1,1],[2,2]]}"#.utf8)
            .write(to: URL(fileURLWithPath: model))
        let predict = try gauss("predict", model, faithful)
        #expect(predict.status == 1 && predict.stderr.contains("weights:") && !predict.stderr.contains("covariances:"),
                "\(predict.stderr)")
    }

    @Test func demoRefusesAnOutputDirectoryThatIsNotOne() throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("file").path
        try "x".write(toFile: file, atomically: true, encoding: .utf8)
        let onFile = try gauss("demo", "--output-directory", file)
        #expect(onFile.status == 1 && onFile.stderr.contains("\(file): is not a directory"), "\(onFile.stderr)")
        let fifo = dir.appendingPathComponent("fifo").path
        #expect(mkfifo(fifo, 0o600) == 0)
        let onFIFO = try gauss("demo", "--output-directory", fifo)
        #expect(onFIFO.status == 1 && onFIFO.stderr.contains("is not a directory"), "\(onFIFO.stderr)")
        let under = try gauss("demo", "--output-directory", file + "/figures")
        #expect(under.status == 1 && under.stderr.contains("cannot create the directory"), "\(under.stderr)")
        // A symlink to a directory is that directory.
        let target = dir.appendingPathComponent("target"), link = dir.appendingPathComponent("link").path
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target.path)
        #expect(try gauss("demo", "--output-directory", link).status == 0)
        #expect(FileManager.default.fileExists(atPath: target.appendingPathComponent("mixture-density.svg").path))
    }

    @Test func demoRunsFromACopiedBinaryAlone() throws {
        // The demo data are compiled in: a copy of the executable with no
        // resource bundle beside it works (it used to trap in Bundle.module).
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let copy = dir.appendingPathComponent("gauss")
        try FileManager.default.copyItem(at: gaussExecutable, to: copy)
        let run = try runChild(copy.path, ["demo", "--output", dir.appendingPathComponent("demo.svg").path], directory: dir,
                               timeout: 300)
        #expect(run.exited && run.status == 0, "\(run.stderr)")
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("demo.svg").path))
    }

    @Test func theCompiledInDemoDataAreDataFaithfulCSV() throws {
        let table = try CSV.read(contentsOf: faithful)
        #expect(table.header == OldFaithful.columnNames)
        #expect(table.matrix.rows == OldFaithful.rows.count)
        for (i, row) in OldFaithful.rows.enumerated() {
            #expect(table.matrix[i, 0] == row.eruptions && table.matrix[i, 1] == row.waiting, "row \(i + 1)")
        }
    }

    @Test func dataErrorsExitWithOneSentenceAndStatusOne() throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let bad = dir.appendingPathComponent("bad.csv").path
        try Data("a,b\n1,2\n3,x\n4,5\n".utf8).write(to: URL(fileURLWithPath: bad))
        let output = dir.appendingPathComponent("never.json").path

        let missing = try gauss("fit", dir.appendingPathComponent("absent.csv").path, "--output", output)
        #expect(missing.status == 1 && missing.stderr.contains("no such file"))
        let cell = try gauss("fit", bad, "--output", output)
        #expect(cell.status == 1 && cell.stderr.contains("bad.csv, line 3, column 2: \"x\" is not a number"))
        let int64 = packageRoot.appendingPathComponent("Tests/LinearAlgebraTests/Fixtures/npy/bad_int64.npy").path
        let dtype = try gauss("fit", int64, "--output", output)
        #expect(dtype.status == 1 && dtype.stderr.contains("dtype '<i8' is not supported"))
        let tooMany = try gauss("fit", faithful, "-k", "500", "--output", output)
        #expect(tooMany.status == 1 && tooMany.stderr.contains("need at least 500 samples"))
        // One enormous line: 100 000 columns, whose full covariance alone would need 80 GB.
        let wide = dir.appendingPathComponent("wide.csv").path
        let line = (0..<100_000).map { String($0 % 10) }.joined(separator: ",")
        try Data((line + "\n" + line + "\n").utf8).write(to: URL(fileURLWithPath: wide))
        let huge = try gauss("fit", wide, "-k", "1", "--output", output)
        #expect(huge.status == 1 && huge.stderr.contains("more than the limit"), "\(huge.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output), "no partial output after a failure")

        let modelPath = dir.appendingPathComponent("model.json").path
        let fitted = try gauss("fit", faithful, "-k", "2", "--output", modelPath)
        #expect(fitted.status == 0)
        let wrongDimension = try gauss("predict", modelPath, iris)
        #expect(wrongDimension.status == 1 && wrongDimension.stderr.contains("columns"))
        let broken = dir.appendingPathComponent("broken.json").path
        try Data(#"{"covariance_type":"full","weights":[1],"means":[[0,0]],"covariances":[[[1,0]]]}"#.utf8)
            .write(to: URL(fileURLWithPath: broken))
        let shape = try gauss("predict", broken, faithful)
        #expect(shape.status == 1 && shape.stderr.contains("not a valid model file"))
        let future = dir.appendingPathComponent("future.json").path
        try Data(#"{"gauss_model_version":99}"#.utf8).write(to: URL(fileURLWithPath: future))
        let version = try gauss("score", future, faithful)
        #expect(version.status == 1 && version.stderr.contains("version 99 is not supported"))
    }

    @Test(arguments: [
        ["fit", faithful, "-k", "0"], ["fit", faithful, "--tol", "-1"], ["fit", faithful, "--covariance", "round"],
        ["select", faithful, "--components", "5...2"], ["sample", "model.json"], ["frobnicate"],
    ])
    func usageErrorsExitWithStatusTwo(arguments: [String]) throws {
        let run = try gauss(arguments, environment: nil)
        #expect(run.status == 2, "\(arguments): \(run.stderr)")
        #expect(!run.stderr.isEmpty)
    }
}

extension CovarianceParameters {
    /// The full matrices, for tests of full covariance.
    var matrixArray: [Matrix<Double>] {
        covarianceType == .full ? matrices : []
    }
}
