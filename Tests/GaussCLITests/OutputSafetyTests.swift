import Foundation
import TestSupport
import Testing

/// Where output goes: regular files replaced atomically with their mode,
/// special files written through and never replaced, symlinks followed,
/// inputs never overwritten, and write errors reported, not crashed on.
/// Every special file here is one the test makes itself.
@Suite struct OutputSafetyTests {
    /// A scratch directory with a model fitted to Old Faithful.
    func setUp() throws -> (directory: URL, model: String) {
        let directory = try scratchDirectory()
        let model = directory.appendingPathComponent("model.json").path
        let fit = try gauss("fit", faithful, "-k", "2", "--seed", "1", "-o", model)
        try #require(fit.status == 0, "\(fit.stderr)")
        return (directory, model)
    }

    func fileType(_ path: String) -> mode_t {
        var status = stat()
        return lstat(path, &status) == 0 ? status.st_mode & S_IFMT : 0
    }

    @Test func dashIsStandardOutput() throws {
        let (directory, model) = try setUp()
        defer { try? FileManager.default.removeItem(at: directory) }
        let run = try gauss("predict", model, faithful, "-o", "-")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.split(separator: "\n").count == 272)
        #expect(!FileManager.default.fileExists(atPath: "-"))
    }

    @Test func aSymlinkIsFollowedAndKept() throws {
        let (directory, model) = try setUp()
        defer { try? FileManager.default.removeItem(at: directory) }
        let target = directory.appendingPathComponent("labels.txt").path
        let link = directory.appendingPathComponent("link.txt").path
        try "old\n".write(toFile: target, atomically: false, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "labels.txt")
        let run = try gauss("predict", model, faithful, "-o", link)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(fileType(link) == S_IFLNK)
        #expect(try String(contentsOfFile: target, encoding: .utf8).split(separator: "\n").count == 272)
        // A dangling link creates the file it names.
        let dangling = directory.appendingPathComponent("dangling.txt").path
        try FileManager.default.createSymbolicLink(atPath: dangling, withDestinationPath: "new.txt")
        let second = try gauss("predict", model, faithful, "-o", dangling)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(fileType(dangling) == S_IFLNK)
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("new.txt").path))
    }

    @Test func aFIFOIsWrittenThroughNotReplaced() throws {
        let (directory, model) = try setUp()
        defer { try? FileManager.default.removeItem(at: directory) }
        let fifo = directory.appendingPathComponent("pipe").path
        try #require(mkfifo(fifo, 0o600) == 0)
        // A reader on another thread: opening a FIFO for writing waits for one.
        let received = Mutex<Data>()
        let reader = Thread {
            if let handle = FileHandle(forReadingAtPath: fifo) { received.set(handle.readDataToEndOfFile()) }
        }
        reader.start()
        let run = try gauss("predict", model, faithful, "-o", fifo)
        #expect(run.status == 0, "\(run.stderr)")
        for _ in 0..<200 where received.get().isEmpty { usleep(10_000) }
        #expect(fileType(fifo) == S_IFIFO)
        #expect(String(decoding: received.get(), as: UTF8.self).split(separator: "\n").count == 272)
    }

    @Test func standardOutputThroughProcSelfIsWrittenThrough() throws {
        let (directory, model) = try setUp()
        defer { try? FileManager.default.removeItem(at: directory) }
        let link = directory.appendingPathComponent("stdout").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "/proc/self/fd/1")
        let run = try gauss("predict", model, faithful, "-o", link)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.split(separator: "\n").count == 272)
        #expect(fileType(link) == S_IFLNK)
    }

    @Test func aReplacedFileKeepsItsModeAndHardLinksSeeTheNewContents() throws {
        let (directory, model) = try setUp()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("labels.txt").path
        try "old\n".write(toFile: path, atomically: false, encoding: .utf8)
        chmod(path, 0o640)
        #expect(try gauss("predict", model, faithful, "-o", path).status == 0)
        var status = stat()
        stat(path, &status)
        #expect(status.st_mode & 0o7777 == 0o640)

        let other = directory.appendingPathComponent("other-name.txt").path
        try #require(link(path, other) == 0)
        let run = try gauss("predict", model, faithful, "--proba", "-o", path)
        #expect(run.status == 0, "\(run.stderr)")
        let contents = try String(contentsOfFile: other, encoding: .utf8)
        #expect(contents.split(separator: "\n").first?.contains(",") == true, "the other name sees the new contents")
    }

    @Test func theInputIsNeverTheOutput() throws {
        let (directory, model) = try setUp()
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = directory.appendingPathComponent("data.csv").path
        try FileManager.default.copyItem(atPath: faithful, toPath: data)
        let before = try Data(contentsOf: URL(fileURLWithPath: data))
        let alias = directory.appendingPathComponent("alias.csv").path
        try FileManager.default.createSymbolicLink(atPath: alias, withDestinationPath: data)
        for output in [data, alias, directory.path + "/./data.csv"] {
            let run = try gauss("predict", model, data, "-o", output)
            #expect(run.status == 2)
            #expect(run.stderr.contains("is the input"), "\(run.stderr)")
        }
        let fit = try gauss("fit", data, "-k", "2", "-o", alias)
        #expect(fit.status == 2 && fit.stderr.contains("is the input"), "\(fit.stderr)")
        let sample = try gauss("sample", model, "-n", "3", "-o", model)
        #expect(sample.status == 2, "\(sample.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: data)) == before)
    }

    @Test func aDirectoryOrAMissingDirectoryIsAnError() throws {
        let (directory, model) = try setUp()
        defer { try? FileManager.default.removeItem(at: directory) }
        let run = try gauss("predict", model, faithful, "-o", directory.path)
        #expect(run.status == 1)
        #expect(run.stderr.contains("is a directory"), "\(run.stderr)")
        let missing = try gauss("predict", model, faithful, "-o", directory.appendingPathComponent("no/such.txt").path)
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("does not exist"), "\(missing.stderr)")
        let loop = directory.appendingPathComponent("loop").path
        try FileManager.default.createSymbolicLink(atPath: loop, withDestinationPath: "loop")
        let looping = try gauss("predict", model, faithful, "-o", loop)
        #expect(looping.status == 1)
        #expect(looping.stderr.contains("too many levels of symbolic links"), "\(looping.stderr)")
    }

    /// Runs a /bin/sh command line (for redirections the test cannot make with Process).
    func shell(_ command: String) throws -> Run {
        let run = try runChild("/bin/sh", ["-c", command], timeout: 300)
        #expect(!run.timedOut, "\(command): \(run.stderr)")
        return Run(status: run.status, stdout: run.stdout, stderr: run.stderr)
    }

    @Test func writeErrorsEndWithOneMessageNotACrash() throws {
        let (directory, model) = try setUp()
        defer { try? FileManager.default.removeItem(at: directory) }
        let tool = gaussExecutable.path
        // A full device as standard output (opened by the shell, not replaced).
        let full = try shell("'\(tool)' predict '\(model)' '\(faithful)' > /dev/full")
        #expect(full.status == 1, "\(full.stderr)")
        #expect(full.stderr.contains("No space left on device"), "\(full.stderr)")
        #expect(full.stderr.split(separator: "\n").count == 1)
        // print()ed output (select's table, info) is checked too.
        let info = try shell("'\(tool)' info > /dev/full")
        #expect(info.status == 1 && info.stderr.contains("No space left on device"), "\(info.stderr)")
        // A reader that went away (the pipe's read end closed before gauss
        // writes): a quiet exit with status 1, not death by SIGPIPE.
        let process = Process()
        process.executableURL = gaussExecutable
        process.arguments = ["predict", model, faithful]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try out.fileHandleForReading.close()
        try process.run()
        let message = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationReason == .exit && process.terminationStatus == 1)
        #expect(message.isEmpty, "\(String(decoding: message, as: UTF8.self))")
        // A trillion samples start at once (component counts are one multinomial
        // draw, not one draw per row) and stop when the reader does.
        let many = try shell("timeout 60 '\(tool)' sample '\(model)' -n 1000000000000 | head -2")
        #expect(many.stdout.split(separator: "\n").count == 2, "\(many.stderr)")
        // No stderr at all: still a clean exit status, not a signal.
        let closed = try shell("'\(tool)' fit '\(directory.path)/missing.csv' 2>&-; echo $? >&2")
        #expect(closed.stderr.trimmingCharacters(in: .whitespacesAndNewlines) == "1", "\(closed.stderr)")
    }
}

/// A value shared with another thread.
final class Mutex<Value>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()
    init(_ value: Value) { self.value = value }
    convenience init() where Value == Data { self.init(Data()) }
    func get() -> Value { lock.withLock { value } }
    func set(_ newValue: Value) { lock.withLock { value = newValue } }
}
