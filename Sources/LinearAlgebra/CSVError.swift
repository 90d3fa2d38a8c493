/// Why a CSV file could not be read, with the place in the file at fault.
public struct CSVError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What went wrong.
    public enum Reason: Equatable, Sendable {
        /// The file could not be opened or read.
        case unreadable(String)
        /// The file holds no line with any content.
        case empty
        /// A cell is not a number; `text` is the cell as written.
        case invalidNumber(text: String)
        /// A row has a different number of cells from the first row.
        case raggedRow(expected: Int, found: Int)
        /// A quoted cell has no closing quote on its line.
        case unterminatedQuote
        /// Text between a closing quote and the next delimiter, as in `"1"abc`.
        case textAfterQuote
        /// A selected column is neither a header name nor a 0-based index of
        /// the file's columns; `header` holds the names when there is one.
        case unknownColumn(name: String, header: [String]?)
    }

    /// What went wrong.
    public var reason: Reason
    /// The file, when the data came from one.
    public var file: String?
    /// The 1-based line number, when the error has a place.
    public var line: Int?
    /// The 1-based cell number within the line, when the error has a place.
    public var column: Int?

    public init(_ reason: Reason, file: String? = nil, line: Int? = nil, column: Int? = nil) {
        self.reason = reason
        self.file = file
        self.line = line
        self.column = column
    }

    public var description: String {
        var place = [file, line.map { "line \($0)" }, column.map { "column \($0)" }].compactMap { $0 }.joined(separator: ", ")
        if !place.isEmpty { place += ": " }
        switch reason {
        case .unreadable(let why): return place + "cannot read the file: \(why)"
        case .empty: return place + "the file has no data (it is empty or blank)"
        case .invalidNumber(let text) where text.isEmpty: return place + "empty cell where a number was expected"
        case .invalidNumber(let text): return place + "\"\(Self.printable(text))\" is not a number"
        case .raggedRow(let expected, let found):
            return place + "found \(found) cells, but the first row has \(expected)"
        case .unterminatedQuote: return place + "a quoted cell is not closed on its line"
        case .textAfterQuote: return place + "text follows the closing quote of a cell; quote the whole cell"
        case .unknownColumn(let name, let header):
            let known = header.map { ": the columns are " + $0.map { Self.printable($0) }.joined(separator: ", ") }
                ?? " (the file has no header; use 0-based indices)"
            return place + "no column \"\(Self.printable(name))\"" + known
        }
    }

    /// `text` safe to print on a terminal: control characters (escape
    /// sequences among them) as `\u{…}`, and at most 60 characters.
    static func printable(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars.prefix(60) {
            if scalar.properties.generalCategory == .control || scalar == "\u{FFFD}" {
                result += "\\u{" + String(scalar.value, radix: 16) + "}"
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return text.unicodeScalars.count > 60 ? result + "…" : result
    }
}
