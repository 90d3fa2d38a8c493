import Clustering
import Foundation
import LinearAlgebra
import Testing

/// `fit --bayesian` and the commands that read its model file.
@Suite struct BayesianCommandTests {
    static let data = try! CSV.read(contentsOf: faithful).matrix

    static func decode(_ path: String) throws -> BayesianGaussianMixtureModel {
        try JSONDecoder().decode(BayesianGaussianMixtureModel.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// scikit-learn's example: a Dirichlet process with K = 10 on Old
    /// Faithful keeps two components; the file is the library's fit.
    @Test func fitWritesTheLibrarysVariationalModel() throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("model.json").path
        let run = try gauss("fit", faithful, "-k", "10", "--bayesian", "--output", path)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("2 of 10 components with weight above 0.01"), "\(run.stderr)")
        let model = try Self.decode(path)
        let expected = try BayesianGaussianMixture(componentCount: 10).fit(Self.data)
        #expect(model == expected, "fit → JSON → decode is the library's model, bit for bit")
        #expect(model.activeComponents().count == 2)
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
        #expect(object["model"] as? String == "bayesian" && object["gauss_model_version"] as? Int == 1)
        #expect((object["settings"] as! [String: Any])["n_components"] as? Int == 10)
    }

    @Test func priorsAndStartsReachTheLibrary() throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let labels = dir.appendingPathComponent("labels.csv").path
        try Data((0..<Self.data.rows).map { "\($0 % 3)\n" }.joined().utf8).write(to: URL(fileURLWithPath: labels))
        let path = dir.appendingPathComponent("model.json").path
        let run = try gauss("fit", faithful, "--bayesian", "--init-labels", labels, "--covariance", "diag",
                            "--weight-prior", "dirichlet-distribution", "--weight-concentration", "2.5",
                            "--mean-precision", "0.5", "--degrees-of-freedom", "3", "--tol", "0", "--max-iter", "12",
                            "--output", path)
        #expect(run.status == 0, "\(run.stderr)")
        var estimator = BayesianGaussianMixture(componentCount: 3, covarianceType: .diag, weightPrior: .dirichletDistribution,
                                                tolerance: 0, maxIterations: 12)
        estimator.weightConcentrationPrior = 2.5
        estimator.meanPrecisionPrior = 0.5
        estimator.degreesOfFreedomPrior = 3
        estimator.initialResponsibilities = try GaussianMixture.responsibilities(
            labels: (0..<Self.data.rows).map { $0 % 3 }, componentCount: 3)
        let model = try Self.decode(path)
        #expect(model == (try estimator.fit(Self.data)))
        #expect(model.iterationCount == 12)

        // --init-from a variational model continues it (scikit-learn's warm start).
        let continued = dir.appendingPathComponent("continued.json").path
        let warm = try gauss("fit", faithful, "--bayesian", "--init-from", path, "--tol", "0", "--max-iter", "3", "--output", continued)
        #expect(warm.status == 0, "\(warm.stderr)")
        estimator.maxIterations = 3
        #expect(try Self.decode(continued) == (try estimator.fit(Self.data, continuingFrom: model)))
    }

    @Test func predictScoreSampleAndPlotReadTheVariationalModel() throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("model.json").path
        #expect(try gauss("fit", faithful, "-k", "4", "--bayesian", "--covariance", "tied", "--output", path).status == 0)
        let model = try Self.decode(path)
        let labels = try gauss("predict", path, faithful)
        let expectedLabels = try model.predict(Self.data).map { "\($0)\n" }.joined()
        #expect(labels.status == 0 && labels.stdout == expectedLabels)
        let proba = try gauss("predict", path, faithful, "--proba")
        #expect(proba.stdout == CSV.string(try model.predictProbabilities(Self.data)))
        let score = try gauss("score", path, faithful)
        #expect(score.stdout == "\(try model.score(Self.data))\n")
        let sample = try gauss("sample", path, "-n", "40", "--seed", "2")
        #expect(sample.stdout == CSV.string(model.sample(count: 40, seed: 2).samples))
        let svg = dir.appendingPathComponent("model.svg").path
        let plot = try gauss("plot", path, faithful, "--output", svg)
        #expect(plot.status == 0, "\(plot.stderr)")
        #expect(try String(contentsOfFile: svg, encoding: .utf8).contains("variational"))
    }

    @Test func badVariationalOptionsAreRefused() throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let withoutFlag = try gauss("fit", faithful, "--mean-precision", "2")
        #expect(withoutFlag.status != 0 && withoutFlag.stderr.contains("--mean-precision is a prior of the variational fit; add --bayesian"))
        let negative = try gauss("fit", faithful, "--bayesian", "--weight-concentration", "-1")
        #expect(negative.status != 0 && negative.stderr.contains("--weight-concentration must be a positive number, got -1.0"))
        let degrees = try gauss("fit", faithful, "--bayesian", "--degrees-of-freedom", "0.5")
        #expect(degrees.status != 0 && degrees.stderr.contains("--degrees-of-freedom must be above d − 1 = 1"))
        let prior = try gauss("fit", faithful, "--bayesian", "--weight-prior", "uniform")
        #expect(prior.status != 0 && prior.stderr.contains("dirichlet-process"))
        let em = dir.appendingPathComponent("em.json").path
        #expect(try gauss("fit", faithful, "-k", "2", "--output", em).status == 0)
        let fromEM = try gauss("fit", faithful, "--bayesian", "--init-from", em)
        #expect(fromEM.status != 0 && fromEM.stderr.contains("holds an EM fit"), "\(fromEM.stderr)")
        let unknown = dir.appendingPathComponent("unknown.json").path
        try Data(#"{"model": "dirichlet", "weights": [1]}"#.utf8).write(to: URL(fileURLWithPath: unknown))
        let kind = try gauss("predict", unknown, faithful)
        #expect(kind.status != 0 && kind.stderr.contains("\"model\" is \"dirichlet\""), "\(kind.stderr)")
    }

    /// `select --bayesian` chooses K by the components a variational fit
    /// keeps: one fit per covariance type at the largest count given.
    @Test func selectListsTheComponentsEachVariationalFitKeeps() throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("best.json").path
        let run = try gauss("select", faithful, "--bayesian", "--components", "2...8", "--covariance", "full",
                            "--weight-threshold", "0.05", "--output", path)
        #expect(run.status == 0, "\(run.stderr)")
        let expected = try BayesianGaussianMixture(componentCount: 8).fit(Self.data)
        #expect(try Self.decode(path) == expected)
        let active = expected.activeComponents(threshold: 0.05)
        let row = try #require(run.stdout.split(separator: "\n").first { $0.hasPrefix("full") })
        let fields = row.split(separator: " ")
        #expect(fields[1] == "8" && fields[2] == "\(active.count)", "\(row)")
        for component in active { #expect(row.contains("\(component): " + String(format: "%.4f", expected.weights[component]))) }

        let all = try gauss("select", faithful, "--bayesian", "--components", "6")
        #expect(all.status == 0 && all.stdout.split(separator: "\n").count == 5, "a header and four covariance types: \(all.stdout)")
        let twoTypes = try gauss("select", faithful, "--bayesian", "--output", path)
        #expect(twoTypes.status != 0 && twoTypes.stderr.contains("give one --covariance"))
        let plain = try gauss("select", faithful, "--weight-threshold", "0.1")
        #expect(plain.status != 0 && plain.stderr.contains("--weight-threshold applies to --bayesian"))
    }
}
