import Clustering
import Foundation
import LinearAlgebra
import Testing

/// `fit --fix`: EM with parameters held.
@Suite struct FixedParameterCommandTests {
    @Test func theLecturesEMLearnsOnlyTheMeans() throws {
        let run = try gauss("fit", faithful, "-k", "2", "--fix", "weights=uniform,covariances=identity", "--tol", "0", "--max-iter", "5")
        #expect(run.status == 0, "\(run.stderr)")
        let model = try JSONDecoder().decode(GaussianMixtureModel.self, from: Data(run.stdout.utf8))
        var estimator = GaussianMixture(componentCount: 2, tolerance: 0, maxIterations: 5, initialWeights: [0.5, 0.5],
                                        initialPrecisions: .identity(.full, componentCount: 2, dimension: 2))
        estimator.fixedParameters = [.weights, .covariances]
        #expect(model == (try estimator.fit(BayesianCommandTests.data)))
        #expect(model.weights == [0.5, 0.5] && model.covariances == .identity(.full, componentCount: 2, dimension: 2))
        let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as! [String: Any]
        #expect((object["settings"] as! [String: Any])["fixed_parameters"] as? [String] == ["weights", "covariances"])
    }

    @Test func heldMeansStayWhereTheStartPutThem() throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let start = dir.appendingPathComponent("start.json").path
        #expect(try gauss("fit", faithful, "-k", "2", "--covariance", "diag", "--max-iter", "1", "--output", start).status == 0)
        let run = try gauss("fit", faithful, "--init-from", start, "--fix", "means", "--max-iter", "20")
        #expect(run.status == 0, "\(run.stderr)")
        let startModel = try JSONDecoder().decode(GaussianMixtureModel.self, from: Data(contentsOf: URL(fileURLWithPath: start)))
        let model = try JSONDecoder().decode(GaussianMixtureModel.self, from: Data(run.stdout.utf8))
        #expect(model.means == startModel.means)
        #expect(model.covariances != startModel.covariances, "the covariances are fitted")
    }

    @Test func badFixOptionsAreRefused() throws {
        let unknown = try gauss("fit", faithful, "--fix", "weights,precisions")
        #expect(unknown.status == 2 && unknown.stderr.contains("invalid for '--fix"), "\(unknown.stderr)")
        let bayesian = try gauss("fit", faithful, "--fix", "means", "--bayesian")
        #expect(bayesian.status == 2 && bayesian.stderr.contains("--fix applies to EM, not to --bayesian"))
    }
}
