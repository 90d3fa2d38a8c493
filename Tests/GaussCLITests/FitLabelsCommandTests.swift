import Clustering
import Foundation
import LinearAlgebra
import Testing

/// `fit --labels`: scikit-learn's fit_predict from the command line.
@Suite struct FitLabelsCommandTests {
    @Test(arguments: [[], ["--bayesian", "-k", "5"]])
    func labelsAreThoseGaussPredictGives(options: [String]) throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let npy = dir.appendingPathComponent("faithful.npy").path
        try Npy.write(BayesianCommandTests.data, to: npy)
        let model = dir.appendingPathComponent("model.json").path, labels = dir.appendingPathComponent("labels.csv").path
        let run = try gauss(["fit", npy, "-k", "2", "--labels", labels, "--output", model] + options, environment: nil)
        #expect(run.status == 0, "\(run.stderr)")
        let predicted = try gauss("predict", model, faithful)
        #expect(predicted.status == 0)
        let written = try String(contentsOfFile: labels, encoding: .utf8)
        #expect(written == predicted.stdout && written.split(separator: "\n").count == 272)
    }

    @Test func labelsNeedAPlaceOfTheirOwn() throws {
        let both = try gauss("fit", faithful, "--labels", "-")
        #expect(both.status == 2 && both.stderr.contains("would both go to standard output"))
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let npy = dir.appendingPathComponent("data.npy").path
        try Npy.write(BayesianCommandTests.data, to: npy)
        let distributed = try gauss("fit", npy, "--distributed", "--labels", dir.appendingPathComponent("l.csv").path)
        #expect(distributed.status == 2 && distributed.stderr.contains("--labels is not supported with --distributed"))
        let onInput = try gauss("fit", faithful, "--labels", faithful, "--output", dir.appendingPathComponent("m.json").path)
        #expect(onInput.status == 2 && onInput.stderr.contains("--labels \(faithful) is the input"), "\(onInput.stderr)")
        #expect(try String(contentsOfFile: faithful, encoding: .utf8).hasPrefix("eruptions"), "the data file is untouched")
    }
}
