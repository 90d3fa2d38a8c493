import Foundation

extension Matrix: CustomStringConvertible {
    /// The shape and elements, aligned in columns, with six significant digits.
    /// Like numpy, a matrix with more than ``printEdgeLimit`` rows (columns)
    /// shows its first and last three and `...` between them.
    ///
    /// ```
    /// 2×3 Matrix<Double>
    /// [[      1     2.5      -3]
    ///  [ 0.0001   1e+10       6]]
    /// ```
    public var description: String {
        let shownRows = Matrix.shownIndices(rows)
        let shownColumns = Matrix.shownIndices(columns)
        let cells = shownRows.map { i in
            shownColumns.map { j in
                guard let i, let j else { return "..." }
                return String(format: "%.6g", Double(self[i, j]))
            }
        }
        let width = cells.joined().map(\.count).max() ?? 0
        let lines = cells.map { row in
            "[" + row.map { String(repeating: " ", count: width - $0.count) + $0 }.joined(separator: " ") + "]"
        }
        let body = lines.isEmpty ? "[]" : "[" + lines.joined(separator: "\n ") + "]"
        return "\(rows)×\(columns) Matrix<\(Scalar.self)>\n\(body)"
    }

    /// Matrices with more rows (columns) than this print only their edges.
    public static var printEdgeLimit: Int { 10 }

    /// The indices to print along a dimension of length `n`, `nil` standing for `...`.
    private static func shownIndices(_ n: Int) -> [Int?] {
        let edge = 3
        if n <= printEdgeLimit { return Array(0..<n) }
        return Array(0..<edge) + [nil] + Array((n - edge)..<n)
    }
}
