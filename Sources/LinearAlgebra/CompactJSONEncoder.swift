/// Encodes `Encodable` values as compact JSON with sorted keys, holding
/// little beyond the output itself.
///
/// Foundation's `JSONEncoder` first builds a tree with one node (and one
/// heap-allocated string) per number, then writes it: for a model of 10⁶
/// numbers (K = 32 full covariances at d = 128) that is about 90 MB on top
/// of the 20 MB of text. This encoder writes every finished value straight
/// into its parent's bytes, so only containers that are still open are
/// held apart; arrays of numbers become text as they are encoded.
///
/// Numbers are written as Swift's shortest round-trip text (`Double`'s
/// `description`), so decoding gives back the same values. Non-finite
/// numbers throw `EncodingError.invalidValue`, as `JSONEncoder` does by
/// default. Object members are sorted by key, as with `.sortedKeys`.
public struct CompactJSONEncoder: Sendable {
    public init() {}

    /// The JSON text of `value`, as UTF-8 bytes.
    ///
    /// - Complexity: O(size of the output).
    public func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        var output: [UInt8] = []
        try encode(value) { output.append(contentsOf: $0) }
        return output
    }

    /// Encodes `value` and hands its text to `write` in pieces, in order, so
    /// that the whole text is never held in memory at once (the pieces of
    /// the largest arrays are about their own size).
    ///
    /// - Complexity: O(size of the output).
    public func encode<T: Encodable>(_ value: T, writingTo write: (UnsafeRawBufferPointer) throws -> Void) throws {
        let root = JSONNode(isObject: false)
        let encoder = StreamingEncoder(node: root, codingPath: [])
        try value.encode(to: encoder)
        try withoutActuallyEscaping(write) { write in
            var sink = JSONSink(write: write)
            try root.writeSingleValue(into: &sink, codingPath: [])
            try sink.flush()
        }
    }
}

/// Collects small pieces of text and passes large ones through.
private struct JSONSink {
    let write: (UnsafeRawBufferPointer) throws -> Void
    var buffer: [UInt8] = []
    static let bufferSize = 1 << 16

    mutating func append(_ byte: UInt8) throws {
        buffer.append(byte)
        if buffer.count >= Self.bufferSize { try flush() }
    }

    mutating func append(contentsOf bytes: [UInt8]) throws {
        if bytes.count >= Self.bufferSize {
            try flush()
            try bytes.withUnsafeBytes(write)
        } else {
            buffer.append(contentsOf: bytes)
            if buffer.count >= Self.bufferSize { try flush() }
        }
    }

    mutating func flush() throws {
        guard !buffer.isEmpty else { return }
        try buffer.withUnsafeBytes(write)
        buffer.removeAll(keepingCapacity: true)
    }
}

/// A container still open: an object's members, or an array's elements
/// (finished ones already as text), or a single value.
private final class JSONNode {
    enum Part {
        case text([UInt8])
        case node(JSONNode)
        /// An array of numbers, kept as numbers and written as text only
        /// when the output is: text is about twice their size.
        case numbers(write: (inout JSONSink) throws -> Void)
    }

    /// Whether this holds an object (keyed members) rather than array elements.
    var isObject: Bool
    /// Set once a container of either kind has been asked for.
    var kindChosen = false
    /// Array elements in order (runs of finished text joined).
    var elements: [Part] = []
    var elementCount = 0
    /// Object members by key; a later member of the same key replaces an earlier one.
    var members: [String: Part] = [:]

    init(isObject: Bool) { self.isObject = isObject }

    /// A container node, its kind fixed, as the nested-container calls open.
    static func container(isObject: Bool) -> JSONNode {
        let node = JSONNode(isObject: isObject)
        node.kindChosen = true
        return node
    }

    func append(text: [UInt8]) {
        if elementCount > 0 { appendRaw([UInt8(ascii: ",")]) }
        appendRaw(text)
        elementCount += 1
    }

    func append(node: JSONNode) { append(part: .node(node)) }

    func append(part: Part) {
        if case .text(let text) = part { return append(text: text) }
        if elementCount > 0 { appendRaw([UInt8(ascii: ",")]) }
        elements.append(part)
        elementCount += 1
    }

    private func appendRaw(_ bytes: [UInt8]) {
        if case .text? = elements.last, case .text(var last) = elements.removeLast() {
            // Taken out of the array, `last` is uniquely referenced and grows in place.
            last.append(contentsOf: bytes)
            elements.append(.text(last))
        } else {
            elements.append(.text(bytes))
        }
    }

    /// Writes this node as a whole JSON value, releasing each part once it
    /// is written: a node is written only once.
    func write(into output: inout JSONSink) throws {
        func write(_ part: Part) throws {
            switch part {
            case .text(let bytes): try output.append(contentsOf: bytes)
            case .node(let node): try node.write(into: &output)
            case .numbers(let write): try write(&output)
            }
        }
        if isObject {
            try output.append(UInt8(ascii: "{"))
            for (index, key) in members.keys.sorted().enumerated() {
                if index > 0 { try output.append(UInt8(ascii: ",")) }
                var name: [UInt8] = []
                appendString(key, to: &name)
                try output.append(contentsOf: name)
                try output.append(UInt8(ascii: ":"))
                try write(members.removeValue(forKey: key)!)
            }
            try output.append(UInt8(ascii: "}"))
        } else {
            try output.append(UInt8(ascii: "["))
            for index in elements.indices {
                try write(elements[index])
                elements[index] = .text([])
            }
            elements = []
            try output.append(UInt8(ascii: "]"))
        }
    }

    /// The root: a value encoded as a single value is its one element.
    func writeSingleValue(into output: inout JSONSink, codingPath: [any CodingKey]) throws {
        if kindChosen { return try write(into: &output) }
        guard elementCount == 1, case .text(let bytes)? = elements.first else {
            throw EncodingError.invalidValue((), .init(codingPath: codingPath, debugDescription: "no value was encoded"))
        }
        try output.append(contentsOf: bytes)
    }
}

/// The text of a JSON string.
private func appendString(_ string: String, to output: inout [UInt8]) {
    output.append(UInt8(ascii: "\""))
    for byte in string.utf8 {
        switch byte {
        case UInt8(ascii: "\""): output.append(contentsOf: Array(#"\""#.utf8))
        case UInt8(ascii: "\\"): output.append(contentsOf: Array(#"\\"#.utf8))
        case 0x0A: output.append(contentsOf: Array(#"\n"#.utf8))
        case 0x0D: output.append(contentsOf: Array(#"\r"#.utf8))
        case 0x09: output.append(contentsOf: Array(#"\t"#.utf8))
        case 0..<0x20:
            let hex = Array("0123456789abcdef".utf8)
            output.append(contentsOf: Array(#"\u00"#.utf8))
            output.append(hex[Int(byte >> 4)])
            output.append(hex[Int(byte & 0xF)])
        default: output.append(byte)
        }
    }
    output.append(UInt8(ascii: "\""))
}

/// JSON text of one scalar value.
private enum Scalars {
    static func text<F: BinaryFloatingPoint & LosslessStringConvertible>(
        _ value: F, _ codingPath: [any CodingKey]
    ) throws -> [UInt8] {
        guard value.isFinite else {
            throw EncodingError.invalidValue(value, .init(codingPath: codingPath,
                                                          debugDescription: "\(value) cannot be written as a JSON number"))
        }
        // Whole numbers without ".0", as JSONEncoder writes them, while every
        // integer of that size is exact in F (below 2^52 for Double, 2^23 for Float).
        if value == value.rounded(), abs(value) < F(Int64(1) << F.significandBitCount) {
            return Array(String(Int64(value)).utf8)
        }
        return Array(value.description.utf8)
    }

    static func text(_ value: String) -> [UInt8] {
        var output: [UInt8] = []
        appendString(value, to: &output)
        return output
    }

    static func text<T: BinaryInteger & LosslessStringConvertible>(_ value: T) -> [UInt8] { Array(value.description.utf8) }
    static func text(_ value: Bool) -> [UInt8] { Array((value ? "true" : "false").utf8) }
    static let null = Array("null".utf8)
}

/// The `Encoder` handed to `encode(to:)`: writes into one node.
private struct StreamingEncoder: Encoder {
    let node: JSONNode
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        node.isObject = true
        node.kindChosen = true
        return KeyedEncodingContainer(KeyedContainer<Key>(node: node, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        node.isObject = false
        node.kindChosen = true
        return UnkeyedContainer(node: node, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        SingleValueContainer(node: node, codingPath: codingPath)
    }
}

/// Encodes `value` on its own and returns its text, or the node of a
/// container it left open for later (nested containers).
private func encoded<T: Encodable>(_ value: T, codingPath: [any CodingKey]) throws -> JSONNode.Part {
    // Arrays of numbers, the bulk of a model, go straight to text.
    // Checked now, so that a bad number is reported with its place.
    if let numbers = value as? [Double] {
        try checkFinite(numbers, codingPath)
        return .numbers { try writeNumbers(numbers, into: &$0) }
    }
    if let rows = value as? [[Double]] {
        for row in rows { try checkFinite(row, codingPath) }
        return .numbers { try writeArray(rows, into: &$0) { try writeNumbers($1, into: &$0) } }
    }
    if let blocks = value as? [[[Double]]] {
        for block in blocks { for row in block { try checkFinite(row, codingPath) } }
        return .numbers {
            try writeArray(blocks, into: &$0) { sink, block in
                try writeArray(block, into: &sink) { try writeNumbers($1, into: &$0) }
            }
        }
    }
    let node = JSONNode(isObject: false)
    try value.encode(to: StreamingEncoder(node: node, codingPath: codingPath))
    if node.kindChosen {
        var text: [UInt8] = []
        var sink = JSONSink { text.append(contentsOf: $0) }
        try node.write(into: &sink)
        try sink.flush()
        return .text(text)
    }
    guard node.elementCount == 1, case .text(let text)? = node.elements.first else {
        throw EncodingError.invalidValue(value, .init(codingPath: codingPath, debugDescription: "\(T.self) encoded no value"))
    }
    return .text(text)
}

private func checkFinite(_ numbers: [Double], _ codingPath: [any CodingKey]) throws {
    if let bad = numbers.first(where: { !$0.isFinite }) { _ = try Scalars.text(bad, codingPath) }
}

/// `[`, each element written by `body`, separated by commas, `]`.
private func writeArray<Element>(_ elements: [Element], into sink: inout JSONSink,
                                  _ body: (inout JSONSink, Element) throws -> Void) throws {
    try sink.append(UInt8(ascii: "["))
    for (index, element) in elements.enumerated() {
        if index > 0 { try sink.append(UInt8(ascii: ",")) }
        try body(&sink, element)
    }
    try sink.append(UInt8(ascii: "]"))
}

/// Finite numbers (checked when encoded) as a JSON array.
private func writeNumbers(_ numbers: [Double], into sink: inout JSONSink) throws {
    try writeArray(numbers, into: &sink) { try $0.append(contentsOf: try Scalars.text($1, [])) }
}

private struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: JSONNode
    let codingPath: [any CodingKey]

    private func set(_ text: [UInt8], _ key: Key) { node.members[key.stringValue] = .text(text) }

    mutating func encodeNil(forKey key: Key) throws { set(Scalars.null, key) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { set(Scalars.text(value), key) }
    mutating func encode(_ value: String, forKey key: Key) throws { set(Scalars.text(value), key) }
    mutating func encode(_ value: Double, forKey key: Key) throws { set(try Scalars.text(value, codingPath + [key]), key) }
    mutating func encode(_ value: Float, forKey key: Key) throws { set(try Scalars.text(value, codingPath + [key]), key) }
    mutating func encode(_ value: Int, forKey key: Key) throws { set(Scalars.text(value), key) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { set(Scalars.text(value), key) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { set(Scalars.text(value), key) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { set(Scalars.text(value), key) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { set(Scalars.text(value), key) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { set(Scalars.text(value), key) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { set(Scalars.text(value), key) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { set(Scalars.text(value), key) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { set(Scalars.text(value), key) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { set(Scalars.text(value), key) }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        node.members[key.stringValue] = try encoded(value, codingPath: codingPath + [key])
    }

    /// A new container node stored under `key`.
    private func member(_ key: Key, isObject: Bool) -> JSONNode {
        let child = JSONNode.container(isObject: isObject)
        node.members[key.stringValue] = .node(child)
        return child
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type,
                                                        forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        KeyedEncodingContainer(KeyedContainer<NestedKey>(node: member(key, isObject: true), codingPath: codingPath + [key]))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        UnkeyedContainer(node: member(key, isObject: false), codingPath: codingPath + [key])
    }

    mutating func superEncoder() -> any Encoder { superEncoder(forKey: Key(stringValue: "super")!) }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        StreamingEncoder(node: member(key, isObject: false), codingPath: codingPath + [key])
    }
}

/// An index as a coding key, for coding paths inside arrays.
private struct IndexKey: CodingKey {
    let intValue: Int?
    var stringValue: String { "\(intValue!)" }
    init(_ index: Int) { intValue = index }
    init?(stringValue: String) { nil }
    init?(intValue: Int) { self.intValue = intValue }
}

/// The scalar `encode` methods that unkeyed and single-value containers
/// share: each appends one value to `node`.
private protocol AppendingContainer {
    var node: JSONNode { get }
    /// The coding path of the value about to be appended.
    var valuePath: [any CodingKey] { get }
}

extension AppendingContainer {
    mutating func encodeNil() throws { node.append(text: Scalars.null) }
    mutating func encode(_ value: Bool) throws { node.append(text: Scalars.text(value)) }
    mutating func encode(_ value: String) throws { node.append(text: Scalars.text(value)) }
    mutating func encode(_ value: Double) throws { node.append(text: try Scalars.text(value, valuePath)) }
    mutating func encode(_ value: Float) throws { node.append(text: try Scalars.text(value, valuePath)) }
    mutating func encode(_ value: Int) throws { node.append(text: Scalars.text(value)) }
    mutating func encode(_ value: Int8) throws { node.append(text: Scalars.text(value)) }
    mutating func encode(_ value: Int16) throws { node.append(text: Scalars.text(value)) }
    mutating func encode(_ value: Int32) throws { node.append(text: Scalars.text(value)) }
    mutating func encode(_ value: Int64) throws { node.append(text: Scalars.text(value)) }
    mutating func encode(_ value: UInt) throws { node.append(text: Scalars.text(value)) }
    mutating func encode(_ value: UInt8) throws { node.append(text: Scalars.text(value)) }
    mutating func encode(_ value: UInt16) throws { node.append(text: Scalars.text(value)) }
    mutating func encode(_ value: UInt32) throws { node.append(text: Scalars.text(value)) }
    mutating func encode(_ value: UInt64) throws { node.append(text: Scalars.text(value)) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        node.append(part: try encoded(value, codingPath: valuePath))
    }
}

private struct UnkeyedContainer: UnkeyedEncodingContainer, AppendingContainer {
    let node: JSONNode
    let codingPath: [any CodingKey]
    var count: Int { node.elementCount }

    private var elementPath: [any CodingKey] { codingPath + [IndexKey(count)] }
    var valuePath: [any CodingKey] { elementPath }

    /// A new container node appended as the next element, and its coding path.
    private func element(isObject: Bool) -> (node: JSONNode, path: [any CodingKey]) {
        let child = JSONNode.container(isObject: isObject), path = elementPath
        node.append(node: child)
        return (child, path)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let child = element(isObject: true)
        return KeyedEncodingContainer(KeyedContainer<NestedKey>(node: child.node, codingPath: child.path))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let child = element(isObject: false)
        return UnkeyedContainer(node: child.node, codingPath: child.path)
    }

    mutating func superEncoder() -> any Encoder {
        let child = element(isObject: false)
        return StreamingEncoder(node: child.node, codingPath: child.path)
    }
}

private struct SingleValueContainer: SingleValueEncodingContainer, AppendingContainer {
    let node: JSONNode
    let codingPath: [any CodingKey]
    var valuePath: [any CodingKey] { codingPath }
}
