import RealModule

// Row-wise and column-wise reductions. Each has an allocating form and an
// `into:` form that reuses the caller's array in hot loops.
//
// Conventions for edge cases, the same for every reduction:
// - a sum over no elements is 0, a maximum −∞, a mean NaN (0/0), and a
//   log-sum-exp −∞ (the log of an empty sum);
// - NaN anywhere in a row (column) makes that row's (column's) max and
//   log-sum-exp NaN;
// - log-sum-exp is max-shifted, so 1e300 or −1e300 do not overflow or
//   underflow; all −∞ gives −∞ (not NaN), and any +∞ gives +∞.

extension Matrix {
    /// The sum of all elements.
    @inlinable public func sum() -> Scalar {
        withUnsafeBufferPointer { $0.reduce(0, +) }
    }

    /// The sum of each row, `rows` values.
    @inlinable public func rowSums() -> [Scalar] {
        var result = [Scalar](repeating: 0, count: rows)
        rowSums(into: &result)
        return result
    }

    /// Writes the sum of each row into `result`, which must have `rows` elements.
    @inlinable public func rowSums(into result: inout [Scalar]) {
        reduceRows(into: &result) { row in row.reduce(0, +) }
    }

    /// The sum of each column, `columns` values.
    @inlinable public func columnSums() -> [Scalar] {
        var result = [Scalar](repeating: 0, count: columns)
        columnSums(into: &result)
        return result
    }

    /// Writes the sum of each column into `result`, which must have `columns` elements.
    @inlinable public func columnSums(into result: inout [Scalar]) {
        precondition(result.count == columns, "expected \(columns) outputs, got \(result.count)")
        for j in result.indices { result[j] = 0 }
        forEachRow { row in
            for j in row.indices { result[j] += row[j] }
        }
    }

    /// The mean of each row (NaN for a matrix without columns).
    @inlinable public func rowMeans() -> [Scalar] {
        let scale = 1 / Scalar(columns)
        return rowSums().map { $0 * scale }
    }

    /// The mean of each column (NaN for a matrix without rows).
    @inlinable public func columnMeans() -> [Scalar] {
        let scale = 1 / Scalar(rows)
        return columnSums().map { $0 * scale }
    }

    /// The largest element of each row; −∞ for no columns, NaN if the row holds NaN.
    @inlinable public func rowMaxima() -> [Scalar] {
        var result = [Scalar](repeating: 0, count: rows)
        rowMaxima(into: &result)
        return result
    }

    /// Writes the largest element of each row into `result` (`rows` elements).
    @inlinable public func rowMaxima(into result: inout [Scalar]) {
        reduceRows(into: &result, Matrix.maximum)
    }

    /// The largest element of each column; −∞ for no rows, NaN if the column holds NaN.
    @inlinable public func columnMaxima() -> [Scalar] {
        var result = [Scalar](repeating: 0, count: columns)
        columnMaxima(into: &result)
        return result
    }

    /// Writes the largest element of each column into `result` (`columns` elements).
    @inlinable public func columnMaxima(into result: inout [Scalar]) {
        precondition(result.count == columns, "expected \(columns) outputs, got \(result.count)")
        for j in result.indices { result[j] = -.infinity }
        forEachRow { row in
            for j in row.indices where row[j] > result[j] || row[j].isNaN { result[j] = row[j] }
        }
    }

    /// `log Σⱼ exp(aᵢⱼ)` for each row, computed stably.
    ///
    /// - Complexity: one `exp` per element, vectorised for `Double`
    ///   (``VectorMath/logSumExp(ofRows:columns:into:)``).
    @inlinable public func rowLogSumExp() -> [Scalar] {
        var result = [Scalar](repeating: 0, count: rows)
        rowLogSumExp(into: &result)
        return result
    }

    /// Writes `log Σⱼ exp(aᵢⱼ)` of each row into `result` (`rows` elements).
    @inlinable public func rowLogSumExp(into result: inout [Scalar]) {
        if Scalar.self == Double.self {
            precondition(result.count == rows, "expected \(rows) outputs, got \(result.count)")
            withUnsafeBufferPointer { x in
                result.withUnsafeMutableBufferPointer { result in
                    x.withMemoryRebound(to: Double.self) { x in
                        result.withMemoryRebound(to: Double.self) { VectorMath.logSumExp(ofRows: x, columns: columns, into: $0) }
                    }
                }
            }
            return
        }
        reduceRows(into: &result) { row in
            let shift = Matrix.maximum(row)
            if !shift.isFinite { return shift }
            var sum: Scalar = 0
            for x in row { sum += .exp(x - shift) }
            return shift + .log(sum)
        }
    }

    /// `log Σᵢ exp(aᵢⱼ)` for each column, computed stably.
    @inlinable public func columnLogSumExp() -> [Scalar] {
        var result = [Scalar](repeating: 0, count: columns)
        columnLogSumExp(into: &result)
        return result
    }

    /// Writes `log Σᵢ exp(aᵢⱼ)` of each column into `result` (`columns` elements).
    @inlinable public func columnLogSumExp(into result: inout [Scalar]) {
        let shifts = columnMaxima()
        precondition(result.count == columns, "expected \(columns) outputs, got \(result.count)")
        for j in result.indices { result[j] = 0 }
        forEachRow { row in
            for j in row.indices where shifts[j].isFinite { result[j] += .exp(row[j] - shifts[j]) }
        }
        for j in result.indices {
            result[j] = shifts[j].isFinite ? shifts[j] + .log(result[j]) : shifts[j]
        }
    }

    /// The maximum of `values`, propagating NaN; −∞ when empty.
    @inlinable static func maximum(_ values: UnsafeBufferPointer<Scalar>) -> Scalar {
        var result = -Scalar.infinity
        for x in values where x > result || x.isNaN {
            if x.isNaN { return x }
            result = x
        }
        return result
    }

    /// Calls `body` with each row in order.
    @inlinable func forEachRow(_ body: (UnsafeBufferPointer<Scalar>) -> Void) {
        let n = columns
        withUnsafeBufferPointer { all in
            for i in 0..<rows { body(UnsafeBufferPointer(rebasing: all[(i * n)..<(i * n + n)])) }
        }
    }

    /// Sets `result[i]` to `reduce(row i)`.
    @inlinable func reduceRows(into result: inout [Scalar], _ reduce: (UnsafeBufferPointer<Scalar>) -> Scalar) {
        precondition(result.count == rows, "expected \(rows) outputs, got \(result.count)")
        var i = 0
        forEachRow { row in
            result[i] = reduce(row)
            i += 1
        }
    }
}
