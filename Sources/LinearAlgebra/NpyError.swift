/// Why a `.npy` file could not be read or written.
public struct NpyError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What went wrong.
    public enum Reason: Equatable, Sendable {
        /// The file could not be opened, read, mapped or written.
        case unreadable(String)
        /// The file does not start with the `.npy` magic string.
        case notNpy
        /// A format version other than 1.0, 2.0 and 3.0.
        case unsupportedVersion(major: Int, minor: Int)
        /// The header is cut short or is not the dictionary numpy writes.
        case malformedHeader(String)
        /// An element type other than little-endian float32 (`<f4`) or float64 (`<f8`).
        case unsupportedDtype(String)
        /// A shape with other than one or two dimensions.
        case unsupportedShape([Int])
        /// The file holds fewer data bytes than the header's shape needs.
        case truncated(expectedBytes: Int, availableBytes: Int)
    }

    /// What went wrong.
    public var reason: Reason
    /// The file, when there is one.
    public var file: String?

    public init(_ reason: Reason, file: String? = nil) {
        self.reason = reason
        self.file = file
    }

    public var description: String {
        let place = file.map { "\($0): " } ?? ""
        switch reason {
        case .unreadable(let why): return place + "cannot read the file: \(why)"
        case .notNpy: return place + "not a .npy file (it does not start with \\x93NUMPY)"
        case .unsupportedVersion(let major, let minor):
            return place + ".npy format version \(major).\(minor) is not supported (only 1.0, 2.0 and 3.0)"
        case .malformedHeader(let why): return place + "malformed .npy header: \(why)"
        case .unsupportedDtype(let dtype):
            return place + "dtype '\(dtype)' is not supported; save the array as float32 or float64 (little-endian), e.g. with arr.astype('<f8')"
        case .unsupportedShape(let shape):
            let text = "(" + shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? ",)" : ")")
            return place + "an array of shape \(text) is not supported; only 1-D and 2-D arrays are"
        case .truncated(let expected, let available):
            return place + "the file is truncated: the header's shape needs \(expected) data bytes but only \(available) are present"
        }
    }
}
