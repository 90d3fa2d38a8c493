import ArgumentParser
import Foundation

// Where a command's output goes, and writing it so that nothing is lost or
// destroyed. The semantics follow `cp`, `sort -o` and numpy's `save`:
//
// - `-` (or no `--output` where stdout is the default) is standard output;
// - a regular file, or a new one, is replaced atomically: the output goes to
//   a temporary file beside it, renamed over it once complete, with the old
//   file's mode (and, for root, its owner); a file we may not write is
//   refused, as `cp` refuses it;
// - a regular file with other hard links is rewritten in place, so that
//   every name sees the new contents (this is not atomic);
// - a character device, FIFO or socket (`/dev/null`, `/dev/stdout`, a named
//   pipe) is written through, never replaced;
// - a symbolic link is followed to the file it names, and that file is
//   written as above;
// - a directory is refused.

/// A failed write: one message, exit status 1; a closed pipe exits quietly.
struct WriteFailure: Error {
    let name: String
    let code: Int32

    var isBrokenPipe: Bool { code == EPIPE }
    var message: String { "\(name): cannot write (\(String(cString: strerror(code))))" }
}

/// How `writeOutput` writes to a path, decided from what is there.
enum OutputDestination: Equatable {
    case standardOutput
    /// A new or regular file, replaced atomically; the mode and owner to give it.
    case replace(path: String, mode: mode_t, owner: uid_t?, group: gid_t?)
    /// A device, FIFO, socket or hard-linked file, written through.
    case writeThrough(path: String)

    /// What writing to `path` means; throws for a directory, a symlink
    /// loop, a missing directory or a file we may not write.
    static func resolve(_ path: String) throws -> OutputDestination {
        if path == "-" { return .standardOutput }
        guard !path.isEmpty else { throw DataError("--output is empty; give a file name, or - for standard output") }
        var status = stat()
        guard stat(path, &status) == 0 else {
            switch errno {
            case ENOENT: return try newFile(followingSymbolicLinks(path), named: path)
            case ELOOP: throw DataError("\(path): too many levels of symbolic links")
            default: throw DataError("\(path): cannot write (\(String(cString: strerror(errno))))")
            }
        }
        switch status.st_mode & S_IFMT {
        case S_IFDIR:
            throw DataError("\(path): is a directory; give a file name for the output")
        case S_IFREG:
            guard access(path, W_OK) == 0 else {
                throw DataError("\(path): cannot write (\(String(cString: strerror(errno))))")
            }
            if status.st_nlink > 1 { return .writeThrough(path: path) }
            // The file itself, wherever symbolic links lead, is what gets replaced.
            guard let resolved = realpath(path, nil) else {
                throw DataError("\(path): cannot write (\(String(cString: strerror(errno))))")
            }
            defer { free(resolved) }
            return .replace(path: String(cString: resolved), mode: status.st_mode & 0o7777,
                            owner: status.st_uid, group: status.st_gid)
        default:
            // Devices, FIFOs, sockets, /proc/self/fd/N: opened and written, never replaced.
            return .writeThrough(path: path)
        }
    }

    /// A file to create at `target` (the end of any dangling symbolic links).
    private static func newFile(_ target: String, named path: String) throws -> OutputDestination {
        let directory = URL(fileURLWithPath: target).deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw DataError("\(path): cannot write the file: the directory \(directory) does not exist")
        }
        let mask = umask(0)
        umask(mask)
        return .replace(path: target, mode: 0o666 & ~mask, owner: nil, group: nil)
    }

    /// `path` with the symbolic links of its last component followed to
    /// where they point, for a file that does not exist yet (as `open` and
    /// `cp` create the file a dangling link names).
    private static func followingSymbolicLinks(_ path: String) throws -> String {
        var current = path
        for _ in 0..<40 {
            var status = stat()
            guard lstat(current, &status) == 0, status.st_mode & S_IFMT == S_IFLNK else { return current }
            guard let destination = try? FileManager.default.destinationOfSymbolicLink(atPath: current) else {
                throw DataError("\(path): cannot read the symbolic link \(current)")
            }
            current = destination.hasPrefix("/")
                ? destination
                : URL(fileURLWithPath: current).deletingLastPathComponent().appendingPathComponent(destination).path
        }
        throw DataError("\(path): too many levels of symbolic links")
    }
}

/// Refuses an output that is one of the command's inputs (the same file,
/// by device and inode, however it is spelled): writing it would destroy
/// the input, or read it half-written.
func checkOutput(_ output: String?, isNotAnyOf inputs: [String?], option: String = "--output") throws {
    guard let output, output != "-" else { return }
    var out = stat()
    guard stat(output, &out) == 0, out.st_mode & S_IFMT == S_IFREG else { return }
    for case let input? in inputs {
        var status = stat()
        if stat(input, &status) == 0 && status.st_dev == out.st_dev && status.st_ino == out.st_ino {
            throw ValidationError("\(option) \(output) is the input \(input); write the output to another file")
        }
    }
}

/// Writes `text` to `path` (see the rules above), or to stdout when `path`
/// is nil: a replaced file is never left half-written.
func writeOutput(_ text: String, to path: String?) throws {
    var text = text
    try writeOutput(to: path) { write in try text.withUTF8 { try write(UnsafeRawBufferPointer($0)) } }
}

/// Writes what `produce` hands its `write` function, in pieces, to `path`
/// (see the rules above), or to stdout when `path` is nil. The whole output
/// is never held at once.
func writeOutput(to path: String?, _ produce: (_ write: (UnsafeRawBufferPointer) throws -> Void) throws -> Void) throws {
    switch try path.map(OutputDestination.resolve) ?? .standardOutput {
    case .standardOutput:
        try produce { try writeAll($0, to: STDOUT_FILENO, describing: "standard output") }
    case .writeThrough(let target):
        let descriptor = open(target, O_WRONLY | O_TRUNC | O_CLOEXEC)
        guard descriptor >= 0 else { throw WriteFailure(name: path!, code: errno) }
        defer { close(descriptor) }
        try produce { try writeAll($0, to: descriptor, describing: path!) }
    case .replace(let target, let mode, let owner, let group):
        try replaceAtomically(target, named: path!, mode: mode, owner: owner, group: group, produce)
    }
}

/// Writes into a temporary file beside `target` and renames it over `target`.
private func replaceAtomically(
    _ target: String, named name: String, mode: mode_t, owner: uid_t?, group: gid_t?,
    _ produce: (_ write: (UnsafeRawBufferPointer) throws -> Void) throws -> Void
) throws {
    let url = URL(fileURLWithPath: target)
    var template = Array(url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).XXXXXX").path.utf8CString)
    let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
    guard descriptor >= 0 else { throw WriteFailure(name: name, code: errno) }
    _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
    let temporary = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    var open = true
    do {
        try produce { try writeAll($0, to: descriptor, describing: name) }
        fchmod(descriptor, mode)
        if let owner, let group, geteuid() == 0 { _ = fchown(descriptor, owner, group) }
        open = false
        guard close(descriptor) == 0 else { throw WriteFailure(name: name, code: errno) }
        guard rename(temporary, target) == 0 else { throw WriteFailure(name: name, code: errno) }
    } catch {
        if open { close(descriptor) }
        unlink(temporary)
        throw error
    }
}

/// Writes all of `bytes` to a file descriptor, retrying short writes.
private func writeAll(_ bytes: UnsafeRawBufferPointer, to descriptor: Int32, describing name: String) throws {
    var offset = 0
    while offset < bytes.count {
        let written = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
        if written < 0 {
            if errno == EINTR { continue }
            throw WriteFailure(name: name, code: errno)
        }
        offset += written
    }
}

/// Writes a line to stderr; a closed or full stderr is ignored (there is
/// nowhere left to report it).
func standardError(_ text: String, newline: Bool = true) {
    var line = newline ? text + "\n" : text
    line.withUTF8 { bytes in
        var offset = 0
        while offset < bytes.count {
            let written = write(STDERR_FILENO, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 && errno == EINTR { continue }
            if written <= 0 { return }
            offset += written
        }
    }
}

/// Writes `text` to standard output now, unbuffered; throws if it cannot
/// (the commands use this, not print(), whose errors are silent).
func writeStandardOutput(_ text: String) throws {
    var text = text
    try text.withUTF8 { try writeAll(UnsafeRawBufferPointer($0), to: STDOUT_FILENO, describing: "standard output") }
}
