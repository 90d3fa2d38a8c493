import Foundation

/// Standard input, where a command reads a file named `-` (CSV data, a
/// model file, weights or labels). It can be read once: a second file named
/// `-` in the same command is an error naming both.
enum StandardInput {
    static let name = "-"

    /// What the first reader took standard input as, and its bytes.
    nonisolated(unsafe) private static var taken: (role: String, bytes: Data)?

    /// All of standard input, for `role` ("data", "the model"); the second
    /// reader of a command fails.
    static func read(as role: String) throws -> Data {
        if let taken {
            guard taken.role == role else {
                throw DataError("standard input is already read as \(taken.role); give \(role) as a file, not -")
            }
            return taken.bytes
        }
        let bytes: Data
        do { bytes = try FileHandle.standardInput.readToEnd() ?? Data() } catch {
            throw DataError("standard input: cannot read (\(error.localizedDescription))")
        }
        taken = (role, bytes)
        return bytes
    }

    /// How messages name `path`: "standard input" for `-`.
    static func describe(_ path: String) -> String { path == name ? "standard input" : path }
}
