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

    @Option(help: "CSV columns to use, by header name or 0-based index, comma-separated (default: those the model was fitted to).")
    var columns: String?

    @Option(help: "The character between CSV cells: one character, or tab, comma, semicolon, space, pipe.")
    var delimiter = DelimiterOption(byte: UInt8(ascii: ","))

    var columnList: [String]? { columns?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }

    func validate() throws {
        if model == StandardInput.name && data == StandardInput.name {
            throw ValidationError("the model and the data cannot both be standard input (-); give one of them as a file")
        }
    }

    /// The model, and the data checked against its dimension.
    func load() throws -> (FittedModel, LoadedData) {
        let model = try readModel(self.model)
        let data = try loadData(self.data, columns: columnList ?? modelColumns(self.model), delimiter: delimiter.byte)
        guard data.columns == model.dimension else {
            throw DataError("\(self.data) has \(data.columns) columns but \(self.model) was fitted to \(model.dimension)")
        }
        return (model, data)
    }

    /// The model, and the data as blocks of rows: a `.npy` file is mapped
    /// and read a block at a time (its pages handed back after each block
    /// when it is larger than half the memory limit), never copied whole.
    func loadBlocks(memoryLimit: ByteCount?) throws -> (FittedModel, DataBlocks) {
        let model = try readModel(self.model)
        let budget = memoryLimit?.bytes ?? Int(clamping: ProcessInfo.processInfo.physicalMemory)
        let input = try openFitInput(data, columns: columnList ?? modelColumns(self.model), dtype: nil,
                                     memoryBudget: budget, delimiter: delimiter.byte)
        guard input.columns == model.dimension else {
            throw DataError("\(data) has \(input.columns) columns but \(self.model) was fitted to \(model.dimension)")
        }
        return (model, DataBlocks(input: input, path: data))
    }
}

/// Where predict and score write, and the memory they may use reading the
/// data block by block.
struct OutputAndMemory: ParsableArguments {
    @Option(name: .shortAndLong, help: "Write here instead of to stdout.")
    var output: String?

    @Option(name: .customLong("memory-limit"), parsing: .unconditional,
            help: ArgumentHelp("Memory the command may use (e.g. 512M, 8G); default: physical memory.",
                               discussion: "A .npy file larger than half of it is read from disk block by block."))
    var memoryLimit: ByteCount?
}

/// A command's data, a block of rows at a time.
struct DataBlocks {
    let input: FitInput
    let path: String

    var rows: Int { input.rows }

    /// Calls `body` with consecutive blocks of about 8 MiB and the rows each
    /// covers. Library errors name rows of the whole file, not of the block.
    func forEach(_ body: (Range<Int>, LoadedData) throws -> Void) throws {
        let blockRows = Swift.max(1, (8 << 20) / Swift.max(1, 8 * input.columns))
        var start = 0
        while start < input.rows {
            let range = start..<Swift.min(start + blockRows, input.rows)
            let block: LoadedData
            switch input {
            case .matrixFloat(let m): block = .float(m[rows: range])
            case .matrixDouble(let m): block = .double(m[rows: range])
            case .npyFloat(let source): block = .float(source.rows(range))
            case .npyDouble(let source): block = .double(source.rows(range))
            }
            do {
                try body(range, block)
            } catch let error as ClusteringError {
                throw DataError("\(path): \(error.offsettingRows(by: range.lowerBound).description)")
            }
            start = range.upperBound
        }
    }
}

extension ClusteringError {
    /// The same error with its row numbers counted from `offset` on.
    func offsettingRows(by offset: Int) -> ClusteringError {
        switch self {
        case .nonFiniteValue(let row, let column): return .nonFiniteValue(row: row + offset, column: column)
        case .logDensityOverflow(let row): return .logDensityOverflow(row: row + offset)
        default: return self
        }
    }
}

struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the most probable component of each row (0-based), or with --proba every component's probability.",
        discussion: """
            Examples:
              gauss predict model.json data.csv > labels.csv
              gauss predict model.json data.csv --proba --output probabilities.csv
              gauss predict model.json data.csv --uncertainty
            """
    )

    @OptionGroup var input: ModelAndData

    @Flag(help: "Print K comma-separated probabilities per row instead of a label.")
    var proba = false

    @Flag(help: "Print each row's label and its uncertainty, 1 − its largest probability (mclust's uncertainty), as label,uncertainty.")
    var uncertainty = false

    func validate() throws {
        if proba && uncertainty { throw ValidationError("--proba and --uncertainty are two different outputs; give one") }
    }

    @OptionGroup var destination: OutputAndMemory

    func run() throws {
        try checkOutput(destination.output, isNotAnyOf: [input.model, input.data])
        let (model, data) = try input.loadBlocks(memoryLimit: destination.memoryLimit)
        // Written block by block: a replaced file appears only when complete.
        try writeOutput(to: destination.output) { write in
            try data.forEach { _, block in
                var text: String
                if proba {
                    let probabilities: Matrix<Double>
                    switch block {
                    case .float(let m): probabilities = try model.predictProbabilities(m)
                    case .double(let m): probabilities = try model.predictProbabilities(m)
                    }
                    text = CSV.string(probabilities)
                } else if uncertainty {
                    let classes: (labels: [Int], uncertainties: [Double])
                    switch block {
                    case .float(let m): classes = try model.classify(m)
                    case .double(let m): classes = try model.classify(m)
                    }
                    text = zip(classes.labels, classes.uncertainties).map { "\($0),\($1)\n" }.joined()
                } else {
                    let labels: [Int]
                    switch block {
                    case .float(let m): labels = try model.predict(m)
                    case .double(let m): labels = try model.predict(m)
                    }
                    text = labels.map { "\($0)\n" }.joined()
                }
                try text.withUTF8 { try write(UnsafeRawBufferPointer($0)) }
            }
        }
    }
}

struct Score: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the mean log-likelihood per row under a model, or with --per-sample one per row.",
        discussion: """
            Examples:
              gauss score model.json test.csv
              gauss score model.json test.csv --per-sample --output log-likelihoods.csv
            """
    )

    @OptionGroup var input: ModelAndData

    @Flag(name: .customLong("per-sample"), help: "Print each row's log-likelihood instead of the mean.")
    var perSample = false

    @OptionGroup var destination: OutputAndMemory

    func run() throws {
        try checkOutput(destination.output, isNotAnyOf: [input.model, input.data])
        let (model, data) = try input.loadBlocks(memoryLimit: destination.memoryLimit)
        // The mean of no rows is not a number this command can print.
        if !perSample && data.rows == 0 {
            throw DataError("\(input.data) has no rows; the mean log-likelihood of no rows is undefined")
        }
        var sum = 0.0
        try writeOutput(to: destination.output) { write in
            try data.forEach { _, block in
                let values: [Double]
                switch block {
                case .float(let m): values = try model.logLikelihoods(m)
                case .double(let m): values = try model.logLikelihoods(m)
                }
                if perSample {
                    var text = values.map { "\($0)\n" }.joined()
                    try text.withUTF8 { try write(UnsafeRawBufferPointer($0)) }
                } else {
                    sum += values.reduce(0, +)
                }
            }
            if !perSample {
                var text = "\(sum / Double(data.rows))\n"
                try text.withUTF8 { try write(UnsafeRawBufferPointer($0)) }
            }
        }
    }
}

struct Sample: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Draw rows from a model, as CSV or .npy.",
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

    @Option(name: .shortAndLong, help: "Write here instead of to stdout: a .npy file (float64) when the name ends in .npy, CSV otherwise.")
    var output: String?

    func validate() throws {
        guard count >= 0 else { throw ValidationError("-n must be at least 0, got \(count)") }
    }

    func run() throws {
        try checkOutput(output, isNotAnyOf: [self.model])
        let model = try readModel(self.model)
        // Rows are written as they are drawn: any -n takes memory for one block.
        // An --output named .npy is a float64 .npy file, whose header gives the
        // shape up front; anything else is CSV.
        let asNpy = output?.lowercased().hasSuffix(".npy") ?? false
        try writeOutput(to: output) { write in
            if asNpy { try Npy.header(rows: count, columns: model.dimension, as: Double.self).withUnsafeBytes(write) }
            try model.sample(count: count, seed: seed, blockRows: 4096) { rows, _ in
                if asNpy {
                    try rows.withUnsafeBufferPointer { try write(UnsafeRawBufferPointer($0)) }
                } else {
                    var text = CSV.string(rows)
                    try text.withUTF8 { try write(UnsafeRawBufferPointer($0)) }
                }
            }
        }
    }
}
