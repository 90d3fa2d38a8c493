import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Standard input, where a command reads a file named `-` (CSV data, a
/// model file, weights or labels). It can be read once: a second file named
/// `-` in the same command is an error naming both.
enum StandardInput {
    static let name = "-"

    /// What the first reader took standard input as, and its bytes: plain
    /// statics (an array's buffer, not an enum payload whose pointer bits
    /// LeakSanitizer cannot follow to the heap).
    nonisolated(unsafe) private static var takenAs: String?
    nonisolated(unsafe) private static var bytes: [UInt8] = []

    /// All of standard input, for `role` ("data", "the model"); the second
    /// reader of a command fails.
    static func read(as role: String) throws -> [UInt8] {
        if let takenAs {
            guard takenAs == role else {
                throw DataError("standard input is already read as \(takenAs); give \(role) as a file, not -")
            }
            return bytes
        }
        // read(2) in a loop rather than FileHandle.readToEnd, whose buffers
        // LeakSanitizer reports as leaked.
        var all: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(STDIN_FILENO, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { throw DataError("standard input: cannot read (\(String(cString: strerror(errno))))") }
            if count == 0 { break }
            all.append(contentsOf: chunk[0..<count])
        }
        (takenAs, bytes) = (role, all)
        return all
    }

    /// How messages name `path`: "standard input" for `-`.
    static func describe(_ path: String) -> String { path == name ? "standard input" : path }
}
