import Clustering
import Foundation
@testable import GaussCLI
import LinearAlgebra
import Testing

/// `gauss fit` of a `.npy` file larger than `--memory-limit`: streamed, with
/// the peak resident memory of the process (the kernel's VmHWM) under the limit.
@Suite struct OutOfCoreTests {
    /// Sanitizers hold freed memory in quarantine and map shadow memory, so
    /// a resident-memory bound means nothing under them (scripts/test sets this).
    static let sanitized = ProcessInfo.processInfo.environment["GAUSS_SANITIZER"] != nil

    /// EM and the variational fit (whose default priors take two more passes).
    @Test(.enabled(if: !sanitized, "resident memory is not bounded under a sanitizer"), arguments: [[], ["--bayesian"]])
    func aFileLargerThanTheLimitIsFittedWithPeakMemoryUnderIt(fit: [String]) throws {
        let directory = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = directory.appendingPathComponent("big.npy").path
        let rows = 160_000, columns = 128
        try writeClusteredNpy(rows: rows, columns: columns, to: data)
        let fileBytes = rows * columns * 8
        let limit = 96 << 20
        #expect(fileBytes > limit)

        let streamed = directory.appendingPathComponent("streamed.json").path
        let run = try gauss(["fit", data, "-k", "4", "--covariance", "diag", "--init", "k-means++", "--max-iter", "4", "--tol", "0",
                             "--memory-limit", "96M", "--verbose", "--output", streamed] + fit, environment: nil)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("streaming it from disk"))
        let peak = try #require(reportedPeak(run.stderr), "\(run.stderr)")
        #expect(peak < limit, "peak resident memory \(peak >> 20) MiB, limit 96 MiB")

        // The same fit with the file mapped and kept resident: the same model.
        let resident = directory.appendingPathComponent("resident.json").path
        let whole = try gauss(["fit", data, "-k", "4", "--covariance", "diag", "--init", "k-means++", "--max-iter", "4", "--tol", "0",
                               "--verbose", "--output", resident] + fit, environment: nil)
        #expect(whole.status == 0, "\(whole.stderr)")
        let wholePeak = try #require(reportedPeak(whole.stderr), "\(whole.stderr)")
        #expect(wholePeak > fileBytes, "a resident fit holds the whole file")
        let a = try jsonObject(streamed), b = try jsonObject(resident)
        #expect(a["means"] as? [[Double]] == b["means"] as? [[Double]])
        #expect(a["lower_bound"] as? Double == b["lower_bound"] as? Double)
        #expect((a["model"] as? String) == (fit.isEmpty ? "gaussian_mixture" : "bayesian"))
    }

    @Test func aLimitTooSmallForTheFitIsOneSentence() throws {
        let directory = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = directory.appendingPathComponent("data.npy").path
        try writeClusteredNpy(rows: 20_000, columns: 16, to: data)
        // Random initialisation holds two n×K matrices: 20 000 × 64 × 16 bytes is over 16 MiB.
        let run = try gauss("fit", data, "-k", "64", "--init", "random", "--memory-limit", "16M")
        #expect(run.status == 1)
        #expect(run.stderr.contains("more than the limit"), "\(run.stderr)")
        #expect(run.stdout.isEmpty)
    }

    @Test(arguments: [("512M", 512 << 20), ("8G", 8 << 30), ("1.5G", 3 << 29), ("65536", 65536), ("64KiB", 64 << 10),
                      ("2mb", 2 << 20), (" 3k ", 3072)])
    func memorySizesParse(text: String, bytes: Int) {
        #expect(ByteCount(argument: text)?.bytes == bytes)
    }

    @Test func theCommandTakesAMemoryLimit() throws {
        let run = try gauss("fit", faithful, "-k", "2", "--memory-limit", "512M", "--verbose")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(!run.stderr.contains("streaming"), "a small CSV is loaded, not streamed")
        #expect(run.stderr.contains("peak resident memory"))
    }

    @Test(arguments: ["", "0", "-5M", "12Q", "M", "1e40"])
    func badMemorySizesAreUsageErrors(text: String) throws {
        let run = try gauss("fit", faithful, "--memory-limit", text)
        #expect(run.status == 2, "\(text)")
        #expect(run.stderr.contains("memory-limit"), "\(text): \(run.stderr)")
    }
}

/// Writes a `rows × columns` float64 `.npy` file of four shifted copies of
/// one random block, a block at a time (the file is never whole in memory).
func writeClusteredNpy(rows: Int, columns: Int, to path: String) throws {
    var header = "{'descr': '<f8', 'fortran_order': False, 'shape': (\(rows), \(columns)), }"
    header += String(repeating: " ", count: 63 - (10 + header.utf8.count) % 64) + "\n"
    var prefix: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
    prefix += [UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)]
    prefix += Array(header.utf8)
    guard FileManager.default.createFile(atPath: path, contents: Data(prefix)) else { throw CocoaError(.fileWriteUnknown) }
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    defer { try? handle.close() }
    try handle.seekToEnd()
    var rng = Xoshiro256StarStar(seed: 7)
    let blockRows = 1000
    let block = (0..<(blockRows * columns)).map { _ in rng.nextNormal() }
    let shiftedBlocks = (0..<4).map { s in Data(block.map { $0 + 3 * Double(s) }.withUnsafeBytes { Array($0) }) }
    var written = 0
    while written < rows {
        let count = min(blockRows, rows - written)
        let data = shiftedBlocks[(written / blockRows) % 4]
        try handle.write(contentsOf: data.prefix(count * columns * 8))
        written += count
    }
}

/// The peak resident memory `gauss fit --verbose` reports, in bytes: the
/// kernel's high-water mark of the process (VmHWM), read by the process as
/// it finishes. (Measuring from outside with `wait4` is wrong here: a child
/// spawned from this multi-threaded test process inherits its high-water
/// mark across exec.)
func reportedPeak(_ stderr: String) -> Int? {
    guard let line = stderr.split(separator: "\n").first(where: { $0.contains("peak resident memory") }),
          let mebibytes = line.split(separator: " ").dropLast().last.flatMap({ Int($0) }) else { return nil }
    return mebibytes << 20
}

func jsonObject(_ path: String) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
}

/// A `.npy` file truncated by another program while `gauss fit` maps it.
@Suite struct ShrinkingInputTests {
    @Test(.enabled(if: !OutOfCoreTests.sanitized, "sanitizers install their own SIGBUS handling"))
    func aFileTruncatedDuringAFitEndsItWithAMessage() throws {
        let directory = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = directory.appendingPathComponent("data.npy").path
        let model = directory.appendingPathComponent("model.json").path
        try writeClusteredNpy(rows: 200_000, columns: 16, to: data)
        let process = Process()
        process.executableURL = gaussExecutable
        // Runs until stopped: every pass reads the whole file again.
        process.arguments = ["fit", data, "-k", "4", "--covariance", "diag", "--init", "random-from-data",
                             "--max-iter", "1000000", "--tol", "0", "-o", model]
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        usleep(1_500_000)
        #expect(truncate(data, 4096) == 0)
        // It must end on its own, soon; stop it if it does not.
        var waited = 0
        while process.isRunning && waited < 600 { usleep(100_000); waited += 1 }
        if process.isRunning { process.terminate() }
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationReason == .exit && process.terminationStatus == 1, "\(message)")
        #expect(message.contains("data.npy: the file became shorter while it was being read"), "\(message)")
        #expect(!FileManager.default.fileExists(atPath: model))
    }
}

/// predict and score read a `.npy` file block by block (about 8 MiB a
/// block), with the same answers as on the whole matrix.
@Suite struct BlockwisePredictionTests {
    @Test func selectReadsANpyFileAsFitDoes() throws {
        let directory = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let npy = directory.appendingPathComponent("faithful.npy").path
        try Npy.write(try CSV.read(contentsOf: faithful).matrix, to: npy)
        let fromCSV = try gauss("select", faithful, "--components", "1...3", "--seed", "2")
        let fromNpy = try gauss("select", npy, "--components", "1...3", "--seed", "2", "--memory-limit", "1G")
        #expect(fromCSV.status == 0 && fromNpy.status == 0, "\(fromNpy.stderr)")
        #expect(fromCSV.stdout == fromNpy.stdout)
    }

    @Test func plotReadsOnlyTheRowsItDraws() throws {
        let directory = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = directory.appendingPathComponent("data.npy").path
        let model = directory.appendingPathComponent("model.json").path
        let svg = directory.appendingPathComponent("plot.svg").path
        try writeClusteredNpy(rows: 50_000, columns: 3, to: data)
        #expect(try gauss("fit", data, "-k", "2", "--max-iter", "3", "-o", model).status == 0)
        let run = try gauss("plot", model, data, "-o", svg)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try String(contentsOfFile: svg, encoding: .utf8).contains("16667 of 50000 points shown"))
        _ = try SVGCounter.count(svg)
    }

    @Test func blocksGiveTheWholeFilesAnswersAndItsRowNumbers() throws {
        let directory = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = directory.appendingPathComponent("data.npy").path
        let model = directory.appendingPathComponent("model.json").path
        try writeClusteredNpy(rows: 40_000, columns: 64, to: data)  // 16 384 rows a block: three blocks
        #expect(try gauss("fit", data, "-k", "3", "--covariance", "diag", "--max-iter", "5", "-o", model).status == 0)
        let fitted = try JSONDecoder().decode(GaussianMixtureModel.self, from: Data(contentsOf: URL(fileURLWithPath: model)))
        let matrix = try Npy.read(contentsOf: data, as: Double.self)

        let labels = try gauss("predict", model, data, "--memory-limit", "16M")
        #expect(labels.status == 0, "\(labels.stderr)")
        #expect(labels.stdout.split(separator: "\n").map { Int($0)! } == (try fitted.predict(matrix)))
        let score = try gauss("score", model, data)
        let mean = try #require(Double(score.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(abs(mean - (try fitted.score(matrix))) <= 1e-12 * abs(mean))
        let perSample = try gauss("score", model, data, "--per-sample")
        #expect(perSample.stdout.split(separator: "\n").count == 40_000)

        // A row that overflows, in the third block, is named by its row in the file.
        var far = matrix
        for j in 0..<far.columns { far[30_000, j] = 1e200 }
        let farPath = directory.appendingPathComponent("far.npy").path
        try Npy.write(far, to: farPath)
        let run = try gauss("predict", model, farPath)
        #expect(run.status == 1 && run.stderr.contains("row 30001 is so far from every component"), "\(run.stderr)")
    }
}
