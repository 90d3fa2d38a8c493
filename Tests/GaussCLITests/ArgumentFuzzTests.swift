import Foundation
import LinearAlgebra
import Testing
@testable import GaussCLI

/// Random text where the command line takes sizes, component ranges,
/// column selections and output paths: every string gets a value or an
/// error, never a trap, and every value is within its bounds.
@Suite struct ArgumentFuzzTests {
    static let pieces = ["0", "1", "7", "9", "42", "1000", "1001", "9223372036854775807", "99999999999999999999",
                         "-", "...", "..", ",", ".", " ", "e", "e308", "k", "K", "M", "G", "T", "iB", "B", "x", "nan",
                         "inf", "-1", "1e3", "\u{0}", "\u{1B}", "é", "a", "b", "c", "/", "//", "../", "./"]

    /// `count` strings of one to six random pieces, the same on every run.
    static func strings(_ count: Int, seed: UInt64) -> [String] {
        var rng = Xoshiro256StarStar(seed: seed)
        return (0..<count).map { _ in
            (0..<(1 + Int(rng.next() % 6))).map { _ in pieces[Int(rng.next() % UInt64(pieces.count))] }.joined()
        }
    }

    @Test func byteCounts() {
        for text in Self.strings(3000, seed: 1) {
            if let count = ByteCount(argument: text) { #expect(count.bytes >= 1 && count.bytes < 1 << 62, "\(text.debugDescription)") }
        }
    }

    @Test func componentRanges() throws {
        for text in Self.strings(300, seed: 2) {  // argument-parser takes ~15 ms a parse
            guard let select = try? Select.parse(["data.csv", "--components", text]),
                  let counts = try? select.parsedComponents() else { continue }
            #expect(!counts.isEmpty && counts.count <= Select.maximumFits && counts.allSatisfy { $0 >= 1 },
                    "\(text.debugDescription) gave \(counts.count) counts")
        }
    }

    /// Any --columns text either selects columns of a|b|c (as many as it
    /// names) or fails with CSV's error, never a crash.
    @Test func columnSelections() {
        let file = Array("a,b,c\n1,2,3\n".utf8)
        for text in Self.strings(3000, seed: 3) {
            let columns = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let table = try? CSV.parse(file, as: Double.self, columns: columns) else { continue }
            #expect(table.matrix.columns == columns.count && table.matrix.elements.allSatisfy { [1, 2, 3].contains($0) },
                    "\(text.debugDescription)")
        }
    }

    @Test func outputPathsAreResolvedWithoutWriting() throws {
        let directory = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data("x".utf8).write(to: directory.appendingPathComponent("a"))
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("b"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: directory.appendingPathComponent("c").path, withDestinationPath: "a")
        for text in Self.strings(2000, seed: 4) where !text.contains("\u{0}") {
            let path = directory.path + "/" + text
            if case .replace(let target, _, _, _)? = try? OutputDestination.resolve(path) {
                #expect(!target.isEmpty)
            }
        }
        // Nothing was written: the directory holds what the test made.
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        #expect(names == ["a", "b", "c"])
    }
}
