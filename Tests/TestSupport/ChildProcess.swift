import Foundation

/// What a command run by ``runChild(_:_:environment:input:directory:timeout:)`` did.
public struct ChildRun: Sendable {
    public var status: Int32
    /// Whether it exited (rather than being ended by a signal).
    public var exited: Bool
    public var stdout: String
    public var stderr: String
    /// Whether it ran past its time and was killed, with every process it
    /// started; `stderr` then ends with what they were doing.
    public var timedOut: Bool
}

/// Runs `executable` with `arguments` and waits for it at most `timeout`
/// seconds, so that a hang fails one test with its cause instead of holding
/// up the whole run.
///
/// The command's environment carries a mark of this run, which everything it
/// starts inherits (`mpirun`'s processes, say, which each take a process
/// group of their own), so that all of them can be found and killed with it.
/// Both pipes are read as the command writes them, so neither can fill and
/// stop it. A command still running at `timeout` is killed with everything
/// it started, after `ps` and, where gdb is installed, each process's stacks
/// are appended to `stderr`. Processes it started that outlive it (and so
/// would hold its pipes open) are killed too.
public func runChild(
    _ executable: String, _ arguments: [String], environment: [String: String]? = nil, input: Data? = nil,
    directory: URL? = nil, timeout: Double
) throws -> ChildRun {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let mark = "GAUSS_TEST_CHILD=\(UUID().uuidString)"
    var marked = environment ?? ProcessInfo.processInfo.environment
    marked["GAUSS_TEST_CHILD"] = String(mark.dropFirst("GAUSS_TEST_CHILD=".count))
    process.environment = marked
    if let directory { process.currentDirectoryURL = directory }
    let out = Pipe(), err = Pipe(), inputPipe = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = input == nil ? FileHandle.nullDevice : inputPipe
    let exited = DispatchSemaphore(value: 0)
    process.terminationHandler = { _ in exited.signal() }
    try process.run()
    let stdout = PipeReader(out.fileHandleForReading), stderr = PipeReader(err.fileHandleForReading)
    if let input {
        let writer = inputPipe.fileHandleForWriting
        Thread.detachNewThread {
            try? writer.write(contentsOf: input)
            try? writer.close()
        }
    }
    var diagnosis = ""
    let timedOut = exited.wait(timeout: .now() + timeout) == .timedOut
    if timedOut {
        diagnosis = describeProcesses(processes(marked: mark))
        killProcesses(marked: mark)
        exited.wait()
    }
    // Whatever it started and left behind would keep the pipes open.
    killProcesses(marked: mark)
    let output = stdout.wait(seconds: 10), errors = stderr.wait(seconds: 10)
    let header = timedOut ? "\n[killed after \(timeout) s: \(([executable] + arguments).joined(separator: " "))]\n" : ""
    return ChildRun(status: process.terminationStatus, exited: process.terminationReason == .exit,
                    stdout: String(decoding: output, as: UTF8.self),
                    stderr: String(decoding: errors, as: UTF8.self) + header + diagnosis, timedOut: timedOut)
}

/// Reads a pipe to its end on a thread of its own.
private final class PipeReader: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        Thread.detachNewThread { [self] in
            let all = handle.readDataToEndOfFile()
            lock.withLock { data = all }
            done.signal()
        }
    }

    /// What was read, once the pipe is closed or `seconds` have passed
    /// (then nothing: the reader is abandoned).
    func wait(seconds: Double) -> Data {
        guard done.wait(timeout: .now() + seconds) == .success else { return Data("[the pipe stayed open]".utf8) }
        return lock.withLock { data }
    }
}

/// The processes whose environment holds `mark`, from /proc.
private func processes(marked mark: String) -> [Int32] {
    let me = getpid()
    let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc"))?.compactMap { Int32($0) } ?? []
    return pids.filter { pid in
        guard pid != me, let environment = try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/environ")) else { return false }
        return environment.split(separator: 0).contains { $0.elementsEqual(mark.utf8) }
    }
}

private func killProcesses(marked mark: String) {
    for pid in processes(marked: mark) { _ = kill(pid, SIGKILL) }
}

/// `ps` of `pids`, and each one's stacks where gdb is installed.
private func describeProcesses(_ pids: [Int32]) -> String {
    guard !pids.isEmpty else { return "(no process of the command is left)\n" }
    var text = tool("/bin/ps", ["-o", "pid,ppid,pgid,stat,etime,time,args", "-p", pids.map(String.init).joined(separator: ",")])
    let gdb = "/usr/bin/gdb"
    guard FileManager.default.isExecutableFile(atPath: gdb) else { return text + "(gdb is not installed: no stacks)\n" }
    for pid in pids {
        text += "--- stacks of process \(pid)\n"
        text += tool("/usr/bin/timeout", ["30", gdb, "-p", String(pid), "-batch", "-nx", "-ex", "thread apply all bt 30"])
    }
    return text
}

/// The standard output and error of a short diagnostic command.
private func tool(_ path: String, _ arguments: [String]) -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    process.standardInput = FileHandle.nullDevice
    guard (try? process.run()) != nil else { return "(\(path) did not start)\n" }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
}
