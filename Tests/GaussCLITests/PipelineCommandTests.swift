import Clustering
import Foundation
import LinearAlgebra
import Testing

/// `-` for standard input, --delimiter, --columns over text columns, the
/// columns a model remembers, and `sample -o x.npy`.
@Suite struct PipelineCommandTests {
    static let faithfulText = try! Data(contentsOf: URL(fileURLWithPath: faithful))

    func gaussReading(_ input: Data, _ arguments: String...) throws -> Run {
        try gauss(arguments, environment: nil, input: input)
    }

    /// `cat data.csv | gauss fit - -k 2 | gauss predict - data.csv`, step by
    /// step: the same model and labels as from the files.
    @Test func standardInputCarriesDataAndModels() throws {
        let fromFile = try gauss("fit", faithful, "-k", "2")
        let fromPipe = try gaussReading(Self.faithfulText, "fit", "-", "-k", "2")
        #expect(fromPipe.status == 0, "\(fromPipe.stderr)")
        #expect(fromPipe.stdout == fromFile.stdout)
        let labels = try gaussReading(Data(fromPipe.stdout.utf8), "predict", "-", faithful)
        let model = try JSONDecoder().decode(GaussianMixtureModel.self, from: Data(fromFile.stdout.utf8))
        let data = try CSV.read(contentsOf: faithful).matrix
        let expectedLabels = try model.predict(data).map { "\($0)\n" }.joined()
        #expect(labels.status == 0 && labels.stdout == expectedLabels, "\(labels.stderr)")
        // The data on standard input instead, the model from a file.
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("model.json").path
        try fromFile.stdout.write(toFile: path, atomically: true, encoding: .utf8)
        let scored = try gaussReading(Self.faithfulText, "score", path, "-")
        let expectedScore = try model.score(data)
        #expect(scored.status == 0 && Double(scored.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) == expectedScore)
    }

    @Test func standardInputIsReadOnceAndMustBeCSV() throws {
        let both = try gaussReading(Self.faithfulText, "predict", "-", "-")
        #expect(both.status == 2 && both.stderr.contains("cannot both be standard input"), "\(both.stderr)")
        let gzip = try gaussReading(Data([0x1F, 0x8B, 8, 0, 0, 0]), "fit", "-")
        #expect(gzip.status == 1 && gzip.stderr.contains("standard input: is gzip-compressed"), "\(gzip.stderr)")
        let npy = try gaussReading(Data(Npy.encode(Matrix<Double>([[1, 2]]))), "fit", "-")
        #expect(npy.status == 1 && npy.stderr.contains("standard input: is a .npy file"), "\(npy.stderr)")
        let empty = try gaussReading(Data(), "fit", "-")
        #expect(empty.status == 1 && empty.stderr.contains("standard input"), "\(empty.stderr)")
        // Weights and data cannot both come from standard input.
        let twice = try gaussReading(Self.faithfulText, "fit", "-", "--sample-weights", "-")
        #expect(twice.status == 1 && twice.stderr.contains("standard input is already read as data; give the sample weights as a file"),
                "\(twice.stderr)")
    }

    @Test func delimitersAreNamedOrGiven() throws {
        let expected = try gauss("fit", faithful, "-k", "2").stdout
        let text = String(decoding: Self.faithfulText, as: UTF8.self)
        for (name, separator) in [("tab", "\t"), ("semicolon", ";"), (";", ";"), ("pipe", "|")] {
            let run = try gaussReading(Data(text.replacingOccurrences(of: ",", with: separator).utf8), "fit", "-", "-k", "2",
                                       "--delimiter", name)
            #expect(run.status == 0 && run.stdout == expected, "--delimiter \(name): \(run.stderr)")
        }
        let bad = try gauss("fit", faithful, "--delimiter", "ab")
        #expect(bad.status == 2 && bad.stderr.contains("delimiter"), "\(bad.stderr)")
        let digit = try gauss("fit", faithful, "--delimiter", "5")
        #expect(digit.status == 2, "a digit cannot separate numbers")
    }

    /// iris's `species` column is text in this copy; the measurements are
    /// selected around it, and the model remembers which, so predict picks
    /// the same columns from a file with more of them.
    @Test func columnsSkipTextAndTheModelRemembersThem() throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let csv = dir.appendingPathComponent("iris-named.csv").path
        let lines = try String(contentsOfFile: iris, encoding: .utf8).split(separator: "\n")
        let names = ["setosa", "versicolor", "virginica"]
        let named = [String(lines[0])] + lines.dropFirst().map { line -> String in
            var cells = line.split(separator: ",").map(String.init)
            cells[4] = names[Int(cells[4])!]
            return cells.joined(separator: ",")
        }
        try (named.joined(separator: "\n") + "\n").write(toFile: csv, atomically: true, encoding: .utf8)
        let model = dir.appendingPathComponent("model.json").path
        let fit = try gauss("fit", csv, "-k", "3", "--columns", "petal_length,petal_width", "-o", model)
        #expect(fit.status == 0, "\(fit.stderr)")
        #expect(try String(contentsOfFile: model, encoding: .utf8).contains("\"columns\":[\"petal_length\",\"petal_width\"]"))
        let byDefault = try gauss("predict", model, csv), explicit = try gauss("predict", model, csv, "--columns", "2,3")
        #expect(byDefault.status == 0 && byDefault.stdout == explicit.stdout && !byDefault.stdout.isEmpty, "\(byDefault.stderr)")
        let text = try gauss("fit", csv, "--columns", "species")
        #expect(text.status == 1 && text.stderr.contains("\"setosa\" is not a number"), "\(text.stderr)")
        let unknown = try gauss("fit", csv, "--columns", "petal")
        #expect(unknown.status == 1 && unknown.stderr.contains("no column \"petal\": the columns are sepal_length"), "\(unknown.stderr)")
    }

    @Test func sampleWritesNpyWhenTheNameSaysSo() throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = dir.appendingPathComponent("model.json").path, npy = dir.appendingPathComponent("rows.NPY").path
        #expect(try gauss("fit", faithful, "-k", "2", "-o", model).status == 0)
        let run = try gauss("sample", model, "-n", "5000", "--seed", "3", "-o", npy)
        #expect(run.status == 0, "\(run.stderr)")
        let rows = try Npy.read(contentsOf: npy, as: Double.self)
        let csv = try gauss("sample", model, "-n", "5000", "--seed", "3")
        #expect(rows.rows == 5000 && rows.columns == 2)
        let fromCSV = try CSV.parse(Array(csv.stdout.utf8), as: Double.self).matrix
        #expect(rows == fromCSV)
    }
}
