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
