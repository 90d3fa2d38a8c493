import ArgumentParser
import Clustering
import Foundation
import LinearAlgebra

/// The model and data arguments shared by predict, score and plot.
struct ModelAndData: ParsableArguments {
    @Argument(help: "A model file written by gauss fit.")
    var model: String

    @Argument(help: "The data: .csv or .npy, with the model's number of columns.")
    var data: String

    @Option(help: "CSV columns to use, by header name or 0-based index, comma-separated.")
    var columns: String?

    /// The model, and the data checked against its dimension.
    func load() throws -> (GaussianMixtureModel, LoadedData) {
        let model = try readModel(self.model)
        let data = try loadData(self.data, columns: columns?.split(separator: ",").map(String.init))
        guard data.columns == model.dimension else {
            throw DataError("\(self.data) has \(data.columns) columns but \(self.model) was fitted to \(model.dimension)")
        }
        return (model, data)
    }
}

struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the most probable component of each row (0-based), or with --proba every component's probability.",
        discussion: """
            Examples:
              gauss predict model.json data.csv > labels.csv
              gauss predict model.json data.csv --proba --output probabilities.csv
            """
    )

    @OptionGroup var input: ModelAndData

    @Flag(help: "Print K comma-separated probabilities per row instead of a label.")
    var proba = false

    @Option(name: .shortAndLong, help: "Write here instead of to stdout.")
    var output: String?

    func run() throws {
        try checkOutput(output, isNotAnyOf: [input.model, input.data])
        let (model, data) = try input.load()
        var text = ""
        if proba {
            let probabilities: Matrix<Double> = try describing(input.data) {
                switch data {
                case .float(let m): return try model.predictProbabilities(m)
                case .double(let m): return try model.predictProbabilities(m)
                }
            }
            text = CSV.string(probabilities)
        } else {
            let labels: [Int] = try describing(input.data) {
                switch data {
                case .float(let m): return try model.predict(m)
                case .double(let m): return try model.predict(m)
                }
            }
            text = labels.map { "\($0)\n" }.joined()
        }
        try writeOutput(text, to: output)
    }
}

struct Score: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the mean log-likelihood per row under a model, or with --per-sample one per row.",
        discussion: """
            Examples:
              gauss score model.json test.csv
              gauss score model.json test.csv --per-sample > log-likelihoods.csv
            """
    )

    @OptionGroup var input: ModelAndData

    @Flag(name: .customLong("per-sample"), help: "Print each row's log-likelihood instead of the mean.")
    var perSample = false

    func run() throws {
        let (model, data) = try input.load()
        let values: [Double] = try describing(input.data) {
            switch data {
            case .float(let m): return try model.logLikelihoods(m)
            case .double(let m): return try model.logLikelihoods(m)
            }
        }
        if perSample {
            try writeOutput(values.map { "\($0)\n" }.joined(), to: nil)
        } else {
            // The mean of no rows is not a number this command can print.
            guard !values.isEmpty else { throw DataError("\(input.data) has no rows; the mean log-likelihood of no rows is undefined") }
            try writeOutput("\(values.reduce(0, +) / Double(values.count))\n", to: nil)
        }
    }
}

struct Sample: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Draw rows from a model, as CSV.",
        discussion: """
            The rows come grouped by component, as scikit-learn returns them; the same seed gives \
            the same rows.

            Example:
              gauss sample model.json -n 1000 --seed 7 > synthetic.csv
            """
    )

    @Argument(help: "A model file written by gauss fit.")
    var model: String

    @Option(name: .customShort("n"), parsing: .unconditional, help: "How many rows to draw.")
    var count: Int

    @Option(parsing: .unconditional, help: "Seed of the draws.")
    var seed: UInt64 = 0

    @Option(name: .shortAndLong, help: "Write here instead of to stdout.")
    var output: String?

    func validate() throws {
        guard count >= 0 else { throw ValidationError("-n must be at least 0, got \(count)") }
    }

    func run() throws {
        try checkOutput(output, isNotAnyOf: [self.model])
        let model = try readModel(self.model)
        // Rows are written as they are drawn: any -n takes memory for one block.
        try writeOutput(to: output) { write in
            try model.sample(count: count, seed: seed) { rows, _ in
                var text = CSV.string(rows)
                try text.withUTF8 { try write(UnsafeRawBufferPointer($0)) }
            }
        }
    }
}
