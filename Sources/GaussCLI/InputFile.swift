import Foundation

/// Checks that `path` names a file this tool can read as `what` ("data",
/// "model", "sample weights"), with a message that says what is wrong:
/// missing, a symlink loop, a directory, unreadable; and, for a file read as
/// CSV, one that is plainly something else (gzip, a zip or `.npz`, a `.npy`
/// under another name, JSON, or binary) rather than "0 rows" or a cell of
/// binary bytes.
func checkInputFile(_ path: String, readAsCSV: Bool) throws {
    var status = stat()
    guard stat(path, &status) == 0 else {
        switch errno {
        case ENOENT: throw DataError("\(path): no such file")
        case ELOOP: throw DataError("\(path): too many levels of symbolic links")
        default: throw DataError("\(path): cannot read (\(String(cString: strerror(errno))))")
        }
    }
    if status.st_mode & S_IFMT == S_IFDIR { throw DataError("\(path): is a directory, not a file") }
    guard access(path, R_OK) == 0 else { throw DataError("\(path): cannot read (\(String(cString: strerror(errno))))") }
    guard readAsCSV, status.st_mode & S_IFMT == S_IFREG else { return }
    if let kind = sniffNonCSV(path) { throw DataError("\(path): \(kind)") }
}

/// What a file meant to be CSV plainly is instead, from its first bytes.
func sniffNonCSV(_ path: String) -> String? {
    guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
    defer { try? handle.close() }
    return sniffNonCSV(head: [UInt8]((try? handle.read(upToCount: 1024)) ?? Data()))
}

/// What bytes meant to be CSV plainly are instead, from the first of them.
func sniffNonCSV(head: [UInt8]) -> String? {
    func starts(_ magic: [UInt8]) -> Bool { head.count >= magic.count && Array(head.prefix(magic.count)) == magic }
    if starts([0x1F, 0x8B]) { return "is gzip-compressed; decompress it first (gunzip) and give the CSV" }
    if starts([0x50, 0x4B, 0x03, 0x04]) {
        return "is a zip archive (a numpy .npz is one); save each array with numpy.save as a .npy file"
    }
    if starts([0x93] + Array("NUMPY".utf8)) { return "is a .npy file; name it with the .npy extension (standard input takes CSV)" }
    let firstVisible = head.first { !(Character(UnicodeScalar($0)).isWhitespace) }
    if firstVisible == UInt8(ascii: "{") || firstVisible == UInt8(ascii: "[") {
        return "looks like JSON (a model file?); data must be CSV (an optional header row, then numbers) or .npy"
    }
    if head.contains(0) { return "is a binary file, not CSV text; data must be CSV or .npy" }
    return nil
}
