import Foundation

/// A matrix read from a CSV file, with its column names if it had a header.
public struct CSVTable<Scalar: BLASScalar>: Sendable {
    /// The column names from the header row, or `nil` without one.
    public var header: [String]?
    /// The numbers, one row per data line.
    public var matrix: Matrix<Scalar>
}

/// Reading and writing numeric CSV files.
///
/// Reading follows what data files in the wild look like: an optional header
/// row, any one-byte delimiter, spaces and tabs around cells trimmed, blank
/// lines skipped, `\r\n` line ends, a UTF-8 byte-order mark, and cells in
/// double quotes (`"1.5"`, or names containing the delimiter, with `""` for
/// a quote). Every cell of a data row must be a number as C's `strtod` reads
/// it (so `1e-3`, `-inf` and `nan` are accepted; rejecting non-finite data is
/// the caller's decision), or, when `columns` selects some, every selected
/// cell: the others may hold anything. Errors name the line and cell at fault.
public enum CSV {
    /// Whether the first non-blank line is a header row.
    public enum HeaderPolicy: Sendable {
        /// A header exactly when some cell of the first line is not a number.
        case automatic
        /// The first line is a header.
        case present
        /// The first line is data.
        case absent
    }

    /// Reads the CSV file at `path`.
    ///
    /// A header-only file gives a matrix with no rows and as many columns as
    /// the header has names.
    ///
    /// - Parameters:
    ///   - path: the file.
    ///   - as: the element type of the matrix.
    ///   - delimiter: the byte between cells.
    ///   - header: whether the first line is a header.
    ///   - columns: the columns to read, in this order, each a header name
    ///     or a 0-based index (nil: all). Names imply a header; with indices
    ///     alone and ``HeaderPolicy/automatic``, the first line is a header
    ///     when one of its selected cells is not a number. The table's
    ///     header keeps the selected names.
    /// - Throws: ``CSVError`` naming the file, line and column at fault.
    /// - Complexity: O(file size).
    public static func read<Scalar: BLASScalar>(
        contentsOf path: String, as: Scalar.Type = Double.self,
        delimiter: UInt8 = UInt8(ascii: ","), header: HeaderPolicy = .automatic, columns: [String]? = nil
    ) throws(CSVError) -> CSVTable<Scalar> {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            let why = FileManager.default.fileExists(atPath: path) ? "permission denied or not a regular file" : "no such file"
            throw CSVError(.unreadable(why), file: path)
        }
        do {
            return try parse(data, as: Scalar.self, delimiter: delimiter, header: header, columns: columns)
        } catch var error {
            error.file = path
            throw error
        }
    }

    /// Parses CSV text held in memory (`columns` as for
    /// ``read(contentsOf:as:delimiter:header:columns:)``).
    ///
    /// - Throws: ``CSVError`` naming the line and column at fault.
    public static func parse<Scalar: BLASScalar>(
        _ text: some DataProtocol, as: Scalar.Type = Double.self,
        delimiter: UInt8 = UInt8(ascii: ","), header policy: HeaderPolicy = .automatic, columns: [String]? = nil
    ) throws(CSVError) -> CSVTable<Scalar> {
        let bytes = Array(text)
        let result: Result<CSVTable<Scalar>, CSVError> = bytes.withUnsafeBufferPointer { buffer in
            var parser = CSVParser(bytes: buffer, delimiter: delimiter)
            return Result { () throws(CSVError) in try parser.table(header: policy, columns: columns) }
        }
        return try result.get()
    }

    /// The CSV text of `matrix`, one line per row, numbers in shortest
    /// round-trip form (reading them back gives the same values bit for bit).
    public static func string<Scalar: BLASScalar>(
        _ matrix: Matrix<Scalar>, header: [String]? = nil, delimiter: Character = ","
    ) -> String {
        precondition(header == nil || header!.count == matrix.columns,
                     "a header of \(header!.count) names for \(matrix.columns) columns")
        var text = ""
        if let header {
            text += header.map { quotedIfNeeded($0, delimiter: delimiter) }.joined(separator: String(delimiter)) + "\n"
        }
        for i in 0..<matrix.rows {
            text += matrix.row(i).map(\.description).joined(separator: String(delimiter)) + "\n"
        }
        return text
    }

    /// Writes `matrix` as CSV to `path`, atomically: a reader never sees a
    /// half-written file.
    ///
    /// - Throws: ``CSVError`` with reason ``CSVError/Reason/unreadable(_:)``
    ///   when the file cannot be written.
    public static func write<Scalar: BLASScalar>(
        _ matrix: Matrix<Scalar>, to path: String, header: [String]? = nil, delimiter: Character = ","
    ) throws(CSVError) {
        let text = string(matrix, header: header, delimiter: delimiter)
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw CSVError(.unreadable("cannot write: \(error.localizedDescription)"), file: path)
        }
    }

    private static func quotedIfNeeded(_ name: String, delimiter: Character) -> String {
        let needsQuotes = name.contains(delimiter) || name.contains("\"") || name.contains("\n")
            || name.first?.isWhitespace == true || name.last?.isWhitespace == true
        return needsQuotes ? "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : name
    }
}
