import Foundation
import LinearAlgebra
import Testing

/// CompactJSONEncoder against Foundation's JSONEncoder: the same values,
/// compact, sorted keys, numbers that read back exactly.
@Suite struct CompactJSONEncoderTests {
    struct Inner: Codable, Equatable {
        var name: String
        var flag: Bool
        var missing: Int?
        var values: [Float]
    }

    struct Outer: Codable, Equatable {
        var zeta: Double
        var alpha: Int
        var matrix: [[Double]]
        var blocks: [[[Double]]]
        var inner: Inner
        var list: [Inner]
        var text: String
        var unsigned: UInt64
    }

    static let sample = Outer(
        zeta: 0.1 + 0.2, alpha: -7,
        matrix: [[1, -2.5e-300, 3.141592653589793], [1e16, Double.leastNonzeroMagnitude, -0.0]],
        blocks: [[[1, 2], [3, 4]], [[5e-7, 6], [7, 8.000000000000002]]],
        inner: Inner(name: "a \"quoted\"\\ name\n\t\u{1}é", flag: true, missing: nil, values: [1.5, 0.1, 3e38]),
        list: [Inner(name: "", flag: false, missing: 3, values: [])],
        text: "", unsigned: .max)

    @Test func decodesToTheSameValue() throws {
        let bytes = try CompactJSONEncoder().encode(Self.sample)
        let decoded = try JSONDecoder().decode(Outer.self, from: Data(bytes))
        #expect(decoded == Self.sample)
        #expect(decoded.matrix[0][1].bitPattern == Self.sample.matrix[0][1].bitPattern)
    }

    @Test func sameObjectAsJSONEncoder() throws {
        let ours = try CompactJSONEncoder().encode(Self.sample)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let theirs = try encoder.encode(Self.sample)
        let a = try JSONSerialization.jsonObject(with: Data(ours)) as! NSDictionary
        let b = try JSONSerialization.jsonObject(with: theirs) as! NSDictionary
        #expect(a == b)
    }

    @Test func compactWithSortedKeys() throws {
        struct Small: Encodable { var b = 2; var a = [1.0, 0.5]; var c: String? = nil }
        let text = String(decoding: try CompactJSONEncoder().encode(Small()), as: UTF8.self)
        // A nil optional is left out, as encodeIfPresent does.
        #expect(text == #"{"a":[1,0.5],"b":2}"#)
    }

    @Test func nonFiniteNumbersThrowWithTheirPlace() throws {
        struct Bad: Encodable { var fine = [1.0]; var rows = [[1.0], [2.0, .nan]] }
        #expect {
            _ = try CompactJSONEncoder().encode(Bad())
        } throws: { error in
            guard case EncodingError.invalidValue(_, let context)? = error as? EncodingError else { return false }
            return context.codingPath.map(\.stringValue) == ["rows"]
        }
        #expect(throws: EncodingError.self) { _ = try CompactJSONEncoder().encode([Double.infinity]) }
        #expect(throws: EncodingError.self) { _ = try CompactJSONEncoder().encode(-Float.infinity) }
    }

    @Test func singleValuesAtTheTop() throws {
        #expect(String(decoding: try CompactJSONEncoder().encode(42), as: UTF8.self) == "42")
        #expect(String(decoding: try CompactJSONEncoder().encode("x"), as: UTF8.self) == "\"x\"")
        #expect(String(decoding: try CompactJSONEncoder().encode([Int]()), as: UTF8.self) == "[]")
        #expect(String(decoding: try CompactJSONEncoder().encode(Optional<Int>.none), as: UTF8.self) == "null")
    }

    @Test func piecesConcatenateToTheWhole() throws {
        // A large array is handed over in pieces; together they are the text.
        let big = (0..<100_000).map { Double($0) / 7 }
        var pieces = 0
        var joined: [UInt8] = []
        try CompactJSONEncoder().encode(["values": big]) { piece in
            pieces += 1
            joined.append(contentsOf: piece)
        }
        #expect(pieces > 1)
        #expect(joined == (try CompactJSONEncoder().encode(["values": big])))
        let decoded = try JSONDecoder().decode([String: [Double]].self, from: Data(joined))
        #expect(decoded["values"] == big)
    }
}
