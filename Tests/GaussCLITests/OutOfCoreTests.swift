import Foundation
@testable import GaussCLI
import LinearAlgebra
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `gauss fit` of a `.npy` file larger than `--memory-limit`: streamed, with
/// the peak resident memory of the process (as the kernel counts it) under
/// the limit.
@Suite struct OutOfCoreTests {
    /// Sanitizers hold freed memory in quarantine and map shadow memory, so
    /// a resident-memory bound means nothing under them (scripts/test sets this).
    static let sanitized = ProcessInfo.processInfo.environment["GAUSS_SANITIZER"] != nil

    @Test(.enabled(if: !sanitized, "resident memory is not bounded under a sanitizer"))
    func aFileLargerThanTheLimitIsFittedWithPeakMemoryUnderIt() throws {
        let directory = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = directory.appendingPathComponent("big.npy").path
        let rows = 160_000, columns = 128
        try writeClusteredNpy(rows: rows, columns: columns, to: data)
        let fileBytes = rows * columns * 8
        let limit = 96 << 20
        #expect(fileBytes > limit)

        let streamed = directory.appendingPathComponent("streamed.json").path
        let (run, peak) = try gaussMeasuringPeakMemory(
            ["fit", data, "-k", "4", "--covariance", "diag", "--init", "k-means++", "--max-iter", "4", "--tol", "0",
             "--memory-limit", "96M", "--verbose", "--output", streamed])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("streaming it from disk"))
        #expect(peak < limit, "peak resident memory \(peak >> 20) MiB, limit 96 MiB")

        // The same fit with the file mapped and kept resident: the same model.
        let resident = directory.appendingPathComponent("resident.json").path
        let (whole, wholePeak) = try gaussMeasuringPeakMemory(
            ["fit", data, "-k", "4", "--covariance", "diag", "--init", "k-means++", "--max-iter", "4", "--tol", "0",
             "--output", resident])
        #expect(whole.status == 0, "\(whole.stderr)")
        #expect(wholePeak > fileBytes, "a resident fit holds the whole file")
        let a = try jsonObject(streamed), b = try jsonObject(resident)
        #expect(a["means"] as? [[Double]] == b["means"] as? [[Double]])
        #expect(a["lower_bound"] as? Double == b["lower_bound"] as? Double)
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
    FileManager.default.createFile(atPath: path, contents: Data(prefix))
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

/// Runs `gauss` with `arguments` and returns what it printed and its peak
/// resident memory in bytes, as `wait4` reports it for that one process.
func gaussMeasuringPeakMemory(_ arguments: [String]) throws -> (Run, Int) {
    let directory = try scratchDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let outPath = directory.appendingPathComponent("stdout").path, errPath = directory.appendingPathComponent("stderr").path
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    let argv = ([gaussExecutable.path] + arguments).map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    var pid: pid_t = 0
    let spawned = posix_spawn(&pid, gaussExecutable.path, &actions, nil, argv, environ)
    try #require(spawned == 0, "posix_spawn failed: \(spawned)")
    var status: Int32 = 0
    var usage = rusage()
    while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
    let exitStatus = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
    let run = Run(status: exitStatus, stdout: try String(contentsOfFile: outPath, encoding: .utf8),
                  stderr: try String(contentsOfFile: errPath, encoding: .utf8))
    return (run, usage.ru_maxrss * 1024)  // Linux reports kibibytes
}

func jsonObject(_ path: String) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
}
