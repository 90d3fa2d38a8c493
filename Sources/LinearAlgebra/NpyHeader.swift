/// The element types `.npy` reading and writing support.
public enum NpyDType: String, Sendable {
    /// Little-endian IEEE single precision, numpy's `<f4`.
    case float32 = "<f4"
    /// Little-endian IEEE double precision, numpy's `<f8`.
    case float64 = "<f8"

    /// Bytes per element.
    public var size: Int { self == .float32 ? 4 : 8 }

    /// The dtype numpy writes for `Scalar`.
    public init<Scalar: BLASScalar>(_: Scalar.Type) {
        self = Scalar.self == Float.self ? .float32 : .float64
    }
}

/// The header of a `.npy` file (NEP 1, "A simple file format for NumPy
/// arrays"): format version, dtype, memory order and shape.
public struct NpyHeader: Equatable, Sendable {
    /// The format version's major number: 1, 2 or 3.
    public var majorVersion: Int
    /// The element type.
    public var dtype: NpyDType
    /// Whether the data is stored column by column (Fortran order).
    public var fortranOrder: Bool
    /// The array's shape: one or two dimensions.
    public var shape: [Int]
    /// The offset of the first data byte from the start of the file.
    public var dataOffset: Int

    /// Rows of the array seen as a matrix (a 1-D array is one column).
    public var rows: Int { shape[0] }
    /// Columns of the array seen as a matrix (a 1-D array is one column).
    public var columns: Int { shape.count == 2 ? shape[1] : 1 }
    /// Bytes of data the shape calls for.
    public var dataByteCount: Int { rows * columns * dtype.size }

    static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)

    /// The longest header accepted, in bytes.
    public static let maximumHeaderLength = 65_536

    /// Parses the header at the start of `bytes` (which may hold the rest of
    /// the file too).
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(NpyError) -> NpyHeader {
        let prefixLength = Swift.min(bytes.count, 6)
        guard prefixLength > 0, bytes.prefix(prefixLength).elementsEqual(magic.prefix(prefixLength)) else {
            throw NpyError(.notNpy)
        }
        guard bytes.count >= 8 else { throw NpyError(.malformedHeader("the file ends inside the magic string and version")) }
        let major = Int(bytes[6]), minor = Int(bytes[7])
        guard (1...3).contains(major) && minor == 0 else { throw NpyError(.unsupportedVersion(major: major, minor: minor)) }
        let lengthSize = major == 1 ? 2 : 4
        guard bytes.count >= 8 + lengthSize else { throw NpyError(.malformedHeader("the file ends before the header length")) }
        var headerLength = 0
        for k in 0..<lengthSize { headerLength |= Int(bytes[8 + k]) << (8 * k) }
        let start = 8 + lengthSize
        // A header is a short dictionary; numpy itself refuses headers over
        // 10 000 bytes by default. A huge length field is a corrupt file,
        // never a reason to read (or allocate) that much.
        guard headerLength <= maximumHeaderLength else {
            throw NpyError(.malformedHeader("the header length field says \(headerLength) bytes, "
                                            + "more than the \(maximumHeaderLength) a .npy header may have"))
        }
        guard bytes.count >= start + headerLength else {
            throw NpyError(.malformedHeader("the header is \(headerLength) bytes but the file ends after \(bytes.count - start)"))
        }
        let text = String(decoding: bytes[start..<(start + headerLength)], as: UTF8.self)
        var parser = NpyDictionaryParser(text)
        let dictionary = try parser.parse()

        guard case .string(let descr)? = dictionary["descr"] else {
            if let value = dictionary["descr"] { throw NpyError(.unsupportedDtype(value.text)) }
            throw NpyError(.malformedHeader("no 'descr' key"))
        }
        guard let dtype = NpyDType(rawValue: descr) else { throw NpyError(.unsupportedDtype(descr)) }
        guard case .bool(let fortranOrder)? = dictionary["fortran_order"] else {
            throw NpyError(.malformedHeader("no boolean 'fortran_order' key"))
        }
        guard case .tuple(let shape)? = dictionary["shape"] else {
            throw NpyError(.malformedHeader("no tuple 'shape' key"))
        }
        guard shape.count == 1 || shape.count == 2 else { throw NpyError(.unsupportedShape(shape)) }
        guard shape.allSatisfy({ $0 >= 0 }) else { throw NpyError(.malformedHeader("the shape \(shape) has a negative dimension")) }
        // The size must be representable; whether the file holds that many
        // bytes is checked against the file, before anything is allocated.
        var bytes = dtype.size, overflow = false
        for dimension in shape where !overflow { (bytes, overflow) = bytes.multipliedReportingOverflow(by: dimension) }
        guard !overflow, bytes < Int.max / 2 else {
            throw NpyError(.malformedHeader("the shape \(shape) is too large"))
        }
        return NpyHeader(majorVersion: major, dtype: dtype, fortranOrder: fortranOrder, shape: shape,
                         dataOffset: start + headerLength)
    }

    /// The header bytes for an array of `shape`, padded with spaces so that
    /// the data starts on a 64-byte boundary, as numpy does. `dataOffset` and
    /// `majorVersion` are taken from the result, not from `self`.
    func encoded(majorVersion requested: Int) -> [UInt8] {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        let dictionary = "{'descr': '\(dtype.rawValue)', 'fortran_order': \(fortranOrder ? "True" : "False"), 'shape': \(shapeText), }"
        let lengthSize = requested == 1 ? 2 : 4
        let unpadded = 8 + lengthSize + dictionary.utf8.count + 1
        let padding = (64 - unpadded % 64) % 64
        let header = Array(dictionary.utf8) + [UInt8](repeating: UInt8(ascii: " "), count: padding) + [UInt8(ascii: "\n")]
        var bytes = NpyHeader.magic + [UInt8(requested), 0]
        for k in 0..<lengthSize { bytes.append(UInt8(truncatingIfNeeded: header.count >> (8 * k))) }
        return bytes + header
    }
}

/// The Python dictionary literal of a `.npy` header: string keys and values
/// that are strings, booleans or tuples of non-negative integers. Anything
/// else (a structured dtype's list, say) is kept as raw text.
struct NpyDictionaryParser {
    enum Value: Equatable {
        case string(String)
        case bool(Bool)
        case tuple([Int])
        case other(String)

        var text: String {
            switch self {
            case .string(let s), .other(let s): return s
            case .bool(let b): return b ? "True" : "False"
            case .tuple(let t): return "\(t)"
            }
        }
    }

    private let characters: [Character]
    private var index = 0

    init(_ text: String) { characters = Array(text) }

    mutating func parse() throws(NpyError) -> [String: Value] {
        var result: [String: Value] = [:]
        try expect("{")
        while true {
            skipSpace()
            if peek == "}" { index += 1; break }
            let key = try string()
            try expect(":")
            result[key] = try value()
            skipSpace()
            if peek == "," { index += 1; continue }
            try expect("}")
            break
        }
        return result
    }

    private var peek: Character? { index < characters.count ? characters[index] : nil }

    private mutating func skipSpace() {
        while let c = peek, c.isWhitespace { index += 1 }
    }

    private mutating func expect(_ c: Character) throws(NpyError) {
        skipSpace()
        guard peek == c else { throw NpyError(.malformedHeader("expected '\(c)' at character \(index + 1)")) }
        index += 1
    }

    private mutating func string() throws(NpyError) -> String {
        skipSpace()
        guard let quote = peek, quote == "'" || quote == "\"" else {
            throw NpyError(.malformedHeader("expected a quoted string at character \(index + 1)"))
        }
        index += 1
        var s = ""
        while let c = peek, c != quote { s.append(c); index += 1 }
        guard peek == quote else { throw NpyError(.malformedHeader("unterminated string")) }
        index += 1
        return s
    }

    private mutating func value() throws(NpyError) -> Value {
        skipSpace()
        switch peek {
        case "'", "\"": return .string(try string())
        case "(": return try tuple()
        case "[", "{": return .other(try bracketed())
        default:
            var word = ""
            while let c = peek, c.isLetter || c.isNumber || c == "_" { word.append(c); index += 1 }
            switch word {
            case "True": return .bool(true)
            case "False": return .bool(false)
            default: throw NpyError(.malformedHeader("unexpected value '\(word)' at character \(index + 1)"))
            }
        }
    }

    private mutating func tuple() throws(NpyError) -> Value {
        try expect("(")
        var items: [Int] = []
        while true {
            skipSpace()
            if peek == ")" { index += 1; return .tuple(items) }
            var digits = ""
            while let c = peek, c.isASCII && c.isNumber { digits.append(c); index += 1 }
            // Python 2 wrote long integers with an L suffix.
            if peek == "L" { index += 1 }
            guard let n = Int(digits) else { throw NpyError(.malformedHeader("the shape holds a non-integer at character \(index + 1)")) }
            items.append(n)
            skipSpace()
            if peek == "," { index += 1 } else if peek != ")" {
                throw NpyError(.malformedHeader("expected ',' or ')' in the shape at character \(index + 1)"))
            }
        }
    }

    private mutating func bracketed() throws(NpyError) -> String {
        let start = index
        var depth = 0
        while let c = peek {
            index += 1
            if c == "[" || c == "{" || c == "(" { depth += 1 }
            if c == "]" || c == "}" || c == ")" { depth -= 1; if depth == 0 { return String(characters[start..<index]) } }
        }
        throw NpyError(.malformedHeader("unterminated bracket"))
    }
}
