import Clustering
import Foundation
import LinearAlgebra
import Testing

/// mclust's models and outputs from the command line.
@Suite struct MclustCommandTests {
    static let data = try! CSV.read(contentsOf: faithful).matrix

    @Test func fitTakesMclustsNames() throws {
        let run = try gauss("fit", faithful, "-k", "3", "--covariance", "VEV")
        #expect(run.status == 0, "\(run.stderr)")
        let model = try JSONDecoder().decode(GaussianMixtureModel.self, from: Data(run.stdout.utf8))
        #expect(model == (try GaussianMixture(componentCount: 3, covarianceType: .vev).fit(Self.data)))
        #expect(run.stdout.contains("\"covariance_type\":\"VEV\""))
        let alias = try gauss("fit", faithful, "-k", "3", "--covariance", "VVV")
        #expect(alias.status == 0 && alias.stdout.contains("\"covariance_type\":\"full\""))
        let unknown = try gauss("fit", faithful, "--covariance", "VVX")
        #expect(unknown.status == 2 && unknown.stderr.contains("VVX"), "\(unknown.stderr)")
        // --model is another spelling of --covariance; one of them, once.
        let spelled = try gauss("fit", faithful, "-k", "3", "--model", "VEV")
        #expect(spelled.status == 0 && spelled.stdout == run.stdout, "\(spelled.stderr)")
        let both = try gauss("fit", faithful, "-k", "3", "--model", "VEV", "--covariance", "EEV")
        #expect(both.status == 0 && both.stdout.contains("\"covariance_type\":\"EEV\""), "the last given wins, as for any option")
    }

    @Test func predictPrintsLabelsAndUncertainties() throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("model.json").path
        #expect(try gauss("fit", faithful, "-k", "2", "--covariance", "EEV", "--output", path).status == 0)
        let model = try JSONDecoder().decode(GaussianMixtureModel.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        let (labels, uncertainties) = try model.classify(Self.data)
        let run = try gauss("predict", path, faithful, "--uncertainty")
        #expect(run.status == 0 && run.stdout == zip(labels, uncertainties).map { "\($0),\($1)\n" }.joined())
        let both = try gauss("predict", path, faithful, "--uncertainty", "--proba")
        #expect(both.status == 2 && both.stderr.contains("give one"))
    }
}

/// `select --models`: mclust's table and BIC plot.
@Suite struct MclustSelectTests {
    @Test func theTableIsMclustsWithTheBestByEachMarked() throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let svg = dir.appendingPathComponent("bic.svg").path
        let run = try gauss("select", faithful, "--models", "EII,VEV,EEE", "--components", "1...3", "--plot", svg)
        #expect(run.status == 0, "\(run.stderr)")
        let lines = run.stdout.split(separator: "\n")
        #expect(lines[0].contains("mclust's sign") && lines[1].contains("BIC (mclust)") && lines[1].contains("ICL (mclust)"))
        let rows = lines.dropFirst(2)
        #expect(rows.count == 9)
        #expect(rows.first!.hasSuffix("BIC") || rows.first!.hasSuffix("BIC,ICL"))
        #expect(rows.filter { $0.contains("ICL") }.count == 1)
        // mclust's BIC is −1 × the library's, ranked highest first.
        let data = try CSV.read(contentsOf: faithful).matrix
        let result = try ModelSelection.rank(data, componentCounts: [1, 2, 3], covarianceTypes: [.eii, .vev, .tied], estimator: .mclust())
        let first = rows.first!.split(separator: " ")
        #expect(first[1] == "\(result.ranked[0].componentCount)" && first[2] == result.ranked[0].covarianceType.mclustName)
        #expect(first[3] == String(format: "%.6f", -result.ranked[0].bic))
        let figure = try String(contentsOfFile: svg, encoding: .utf8)
        #expect(figure.components(separatedBy: "class=\"bic\"").count - 1 == 3, "one line per model")
        #expect(try SVGCounter.count(svg).elements > 0, "well-formed XML")
    }

    /// With every model and K = 1…9, mclust's procedure picks what
    /// `Mclust(faithful)` picks (mclust 6.0.0: EEE, K = 3, BIC −2314.316296).
    @Test func allModelsPickMclustsChoice() throws {
        let run = try gauss("select", faithful, "--models", "all", "--components", "1...9")
        #expect(run.status == 0, "\(run.stderr)")
        let best = run.stdout.split(separator: "\n")[2].split(separator: " ")
        #expect(best[1] == "3" && best[2] == "EEE" && best[3] == "-2314.316296", "\(best)")
        // An explicit setting replaces mclust's default: k-means starts differ.
        let kmeans = try gauss("select", faithful, "--models", "EEE", "--components", "3", "--init", "kmeans")
        #expect(kmeans.status == 0 && !kmeans.stdout.contains("-2314.316296"), "\(kmeans.stdout)")
    }

    @Test func fitTakesMclustsStartAndRule() throws {
        let run = try gauss("fit", faithful, "-k", "3", "--covariance", "EEE", "--init", "hc", "--convergence", "mclust", "--reg-covar", "0")
        #expect(run.status == 0, "\(run.stderr)")
        let model = try JSONDecoder().decode(GaussianMixtureModel.self, from: Data(run.stdout.utf8))
        #expect(model == (try GaussianMixture.mclust(componentCount: 3, model: .tied).fit(MclustCommandTests.data)))
        #expect(run.stdout.contains("\"init_params\":\"hc\"") && run.stdout.contains("\"convergence\":\"mclust\"")
                && run.stdout.contains("\"tol\":1e-05"), "\(run.stdout)")
        let bayesian = try gauss("fit", faithful, "--bayesian", "--convergence", "mclust")
        #expect(bayesian.status == 2 && bayesian.stderr.contains("--convergence mclust applies to EM"), "\(bayesian.stderr)")
    }

    @Test func conflictingChoicesAreRefused() throws {
        let both = try gauss("select", faithful, "--models", "all", "--covariance", "full")
        #expect(both.status == 2 && both.stderr.contains("give one"))
        let unknown = try gauss("select", faithful, "--models", "VVX")
        #expect(unknown.status == 2 && unknown.stderr.contains("--models takes all or mclust's model names"))
    }
}
