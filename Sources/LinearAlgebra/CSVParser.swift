import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A single pass over CSV bytes, line by line, without building strings for
/// numeric cells.
struct CSVParser {
    let bytes: UnsafeBufferPointer<UInt8>
    let delimiter: UInt8
    private var position = 0
    private var lineNumber = 0

    init(bytes: UnsafeBufferPointer<UInt8>, delimiter: UInt8) {
        self.bytes = bytes
        self.delimiter = delimiter
        // A UTF-8 byte-order mark is not part of the first cell.
        if bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { position = 3 }
    }

    mutating func table<Scalar: BLASScalar>(header policy: CSV.HeaderPolicy, columns selection: [String]? = nil) throws(CSVError) -> CSVTable<Scalar> {
        guard let first = nextLine() else { throw CSVError(.empty) }
        let firstCells = try cells(of: first)
        let columns = firstCells.count
        let isHeader: Bool
        switch policy {
        case .present: isHeader = true
        case .absent: isHeader = false
        case .automatic:
            if let selection {
                // Names need a header; indices alone look at their own cells
                // (at every cell when one is out of range, so that the error
                // can list the header's names).
                let indices = selection.map { Int($0) }
                if indices.contains(nil) {
                    isHeader = true
                } else if indices.allSatisfy({ (0..<columns).contains($0!) }) {
                    isHeader = indices.contains { parseNumber(firstCells[$0!].range) == nil }
                } else {
                    isHeader = firstCells.contains { parseNumber($0.range) == nil }
                }
            } else {
                isHeader = firstCells.contains { parseNumber($0.range) == nil }
            }
        }
        let names = isHeader ? firstCells.map { text(of: $0) } : nil
        // Each selected column, as an index of the file's columns.
        let selected = try selection.map { selection throws(CSVError) in
            try selection.map { name throws(CSVError) -> Int in
                if let index = names?.firstIndex(of: name) { return index }
                if let index = Int(name), (0..<columns).contains(index) { return index }
                throw CSVError(.unknownColumn(name: name, header: names), line: 1)
            }
        } ?? Array(0..<columns)
        // Where each of the file's columns goes in a row of the table (none, one, or more places).
        var places = [[Int]](repeating: [], count: columns)
        for (place, column) in selected.enumerated() { places[column].append(place) }
        var values: [Scalar] = []
        if !isHeader { try appendNumbers(of: first, columns: columns, places: places, width: selected.count, to: &values) }
        while let line = nextLine() {
            try appendNumbers(of: line, columns: columns, places: places, width: selected.count, to: &values)
        }
        let header = names.map { names in selected.map { names[$0] } }
        let width = selected.count
        return CSVTable(header: header, matrix: Matrix(rows: values.count / Swift.max(width, 1), columns: width, elements: values))
    }

    /// The next line with content, without its line end (LF, CRLF, or a lone
    /// CR as old Mac files have); blank lines are skipped.
    private mutating func nextLine() -> Range<Int>? {
        let (lf, cr) = (UInt8(ascii: "\n"), UInt8(ascii: "\r"))
        while position < bytes.count {
            lineNumber += 1
            let start = position
            var end = start
            while end < bytes.count && bytes[end] != lf && bytes[end] != cr { end += 1 }
            position = end + 1
            if end < bytes.count && bytes[end] == cr && end + 1 < bytes.count && bytes[end + 1] == lf { position = end + 2 }
            if bytes[start..<end].contains(where: { !isBlank($0) }) { return start..<end }
        }
        return nil
    }

    private struct Cell {
        var range: Range<Int>
        /// Whether the cell was in quotes and contains an escaped quote (`""`).
        var hasEscapedQuote: Bool
    }

    /// Splits a line into trimmed, unquoted cells.
    private func cells(of line: Range<Int>) throws(CSVError) -> [Cell] {
        var result: [Cell] = []
        try forEachCell(of: line) { cell throws(CSVError) in result.append(cell) }
        return result
    }

    private func forEachCell(of line: Range<Int>, _ body: (Cell) throws(CSVError) -> Void) throws(CSVError) {
        var i = line.lowerBound
        var column = 1
        while true {
            while i < line.upperBound && isTrimmed(bytes[i]) { i += 1 }
            var cell: Cell
            if i < line.upperBound && bytes[i] == UInt8(ascii: "\"") {
                // Quoted: runs to the next quote not doubled.
                let start = i + 1
                var j = start
                var escaped = false
                while true {
                    guard j < line.upperBound else {
                        throw CSVError(.unterminatedQuote, line: lineNumber, column: column)
                    }
                    if bytes[j] == UInt8(ascii: "\"") {
                        if j + 1 < line.upperBound && bytes[j + 1] == UInt8(ascii: "\"") {
                            escaped = true
                            j += 2
                            continue
                        }
                        break
                    }
                    j += 1
                }
                cell = Cell(range: start..<j, hasEscapedQuote: escaped)
                i = j + 1
                // Only blanks may follow the closing quote: `"1"abc` is not the number 1.
                while i < line.upperBound && bytes[i] != delimiter {
                    guard isTrimmed(bytes[i]) else { throw CSVError(.textAfterQuote, line: lineNumber, column: column) }
                    i += 1
                }
            } else {
                let start = i
                while i < line.upperBound && bytes[i] != delimiter { i += 1 }
                var end = i
                while end > start && isTrimmed(bytes[end - 1]) { end -= 1 }
                cell = Cell(range: start..<end, hasEscapedQuote: false)
            }
            try body(cell)
            if i >= line.upperBound { return }
            i += 1  // the delimiter
            column += 1
        }
    }

    /// Appends a row's selected numbers: the cell of column c goes to each
    /// of `places[c]` (of `width`); other cells are not read.
    private func appendNumbers<Scalar: BLASScalar>(
        of line: Range<Int>, columns: Int, places: [[Int]], width: Int, to values: inout [Scalar]
    ) throws(CSVError) {
        var column = 0
        let start = values.count
        values.append(contentsOf: repeatElement(Scalar.zero, count: width))
        try forEachCell(of: line) { cell throws(CSVError) in
            column += 1
            guard column <= columns, !places[column - 1].isEmpty else { return }
            guard let value = parseNumber(cell.range) else {
                throw CSVError(.invalidNumber(text: text(of: cell)), line: lineNumber, column: column)
            }
            for place in places[column - 1] { values[start + place] = Scalar(value) }
        }
        if column != columns {
            throw CSVError(.raggedRow(expected: columns, found: column), line: lineNumber)
        }
    }

    /// The number a cell holds, read as `strtod` reads it, or `nil` when the
    /// cell is empty or has anything after the number.
    private func parseNumber(_ range: Range<Int>) -> Double? {
        guard !range.isEmpty else { return nil }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: range.count + 1) { buffer -> Double? in
            for (k, byte) in bytes[range].enumerated() { buffer[k] = CChar(bitPattern: byte) }
            buffer[range.count] = 0
            var end: UnsafeMutablePointer<CChar>? = nil
            let value = strtod(buffer.baseAddress!, &end)
            // strtod skips leading space itself; a cell with inner space or trailing text fails here.
            guard end == buffer.baseAddress! + range.count, !isTrimmed(bytes[range.lowerBound]) else { return nil }
            return value
        }
    }

    private func text(of cell: Cell) -> String {
        let raw = String(decoding: bytes[cell.range], as: UTF8.self)
        return cell.hasEscapedQuote ? raw.replacingOccurrences(of: "\"\"", with: "\"") : raw
    }

    private func isTrimmed(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || (byte == UInt8(ascii: "\t") && delimiter != UInt8(ascii: "\t"))
    }

    private func isBlank(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r")
    }
}
