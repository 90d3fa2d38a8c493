import Foundation
import Testing
@testable import LinearAlgebra

/// Input that claims to be enormous is refused before anything is allocated.
@Suite struct ResourceBoundTests {
    func temporaryFile(_ bytes: [UInt8]) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("gauss-\(UUID().uuidString).npy").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func npyHeaderClaimingATrillionRowsIsTruncatedNotAllocated() throws {
        let header = NpyHeader(majorVersion: 1, dtype: .float64, fortranOrder: false, shape: [1_000_000_000_000, 3], dataOffset: 0)
        let path = try temporaryFile(header.encoded(majorVersion: 1) + [UInt8](repeating: 0, count: 16))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let expected = NpyError(.truncated(expectedBytes: 24_000_000_000_000, availableBytes: 16), file: path)
        #expect(throws: expected) { try Npy.read(contentsOf: path, as: Double.self) }
        #expect(throws: expected) { try NpyFile(path: path) }
    }

    @Test func npyShapeWhoseSizeOverflowsIsMalformed() throws {
        for shape in [[3_037_000_500, 3_037_000_500], [1 << 31, 1 << 31], [Int.max, 2]] {
            let header = NpyHeader(majorVersion: 1, dtype: .float64, fortranOrder: false, shape: shape, dataOffset: 0)
            let path = try temporaryFile(header.encoded(majorVersion: 1))
            defer { try? FileManager.default.removeItem(atPath: path) }
            let expected = NpyError(.malformedHeader("the shape \(shape) is too large"), file: path)
            #expect(throws: expected) { try Npy.read(contentsOf: path, as: Double.self) }
        }
    }
}
