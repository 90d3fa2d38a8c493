import LinearAlgebra

// Shape rules: slicing, padding, concatenation, reshaping, transposes,
// diagonals, triangular packing and selection. All are linear, and each
// pullback is another of them.

extension Variable {
    /// Rows `range` (and optionally columns `columnRange`) as a new variable.
    /// A slice of whole rows shares the value's storage.
    ///
    /// - Complexity: O(r·c) for an r×c slice, and no copy for a slice of whole rows; the pullback
    ///   pads into the m×n shape, O(m·n).
    public func slice(rows range: Range<Int>, columns columnRange: Range<Int>? = nil) -> Variable {
        let cols = columnRange ?? 0..<columns
        let (r, c) = shape
        precondition(range.lowerBound >= 0 && range.upperBound <= r && cols.lowerBound >= 0 && cols.upperBound <= c,
                     "slice rows \(range), columns \(cols) out of range for \(r)×\(c)")
        let source = value
        let part = cols.count == c ? source[rows: range] : tape.makeMatrix(rows: range.count, columns: cols.count) { out in
            source.withUnsafeBufferPointer { v in
                for i in 0..<range.count {
                    let from = (range.lowerBound + i) * c + cols.lowerBound
                    for j in 0..<cols.count { out[i * cols.count + j] = v[from + j] }
                }
            }
        }
        return tape.record(part, "slice", [self], tangent: { t, _ in t[0]!.slice(rows: range, columns: cols) }) { g, _ in [g.padded(toRows: r, columns: c, at: (range.lowerBound, cols.lowerBound))] }
    }

    /// This matrix placed at `origin` in a zero matrix of `rows × columns`.
    ///
    /// - Complexity: O(r·c) for the r×c result; the pullback is a slice, O(m·n) for this m×n
    ///   variable.
    public func padded(toRows r: Int, columns c: Int, at origin: (Int, Int)) -> Variable {
        let (h, w) = shape
        precondition(origin.0 >= 0 && origin.0 + h <= r && origin.1 >= 0 && origin.1 + w <= c,
                     "padding \(h)×\(w) at \(origin) does not fit in \(r)×\(c)")
        let source = value
        let big = tape.makeMatrix(rows: r, columns: c) { out in
            out.update(repeating: 0)
            source.withUnsafeBufferPointer { v in
                for i in 0..<h {
                    let to = (origin.0 + i) * c + origin.1
                    for j in 0..<w { out[to + j] = v[i * w + j] }
                }
            }
        }
        return tape.record(big, "pad", [self], tangent: { t, _ in t[0]!.padded(toRows: r, columns: c, at: origin) }) { g, _ in [g.slice(rows: origin.0..<(origin.0 + h), columns: origin.1..<(origin.1 + w))] }
    }

    /// The variables stacked vertically (equal column counts).
    ///
    /// - Complexity: O(N) for N elements in all, for the value and for the pullback (one slice per
    ///   part).
    public static func concatenate(rows parts: [Variable]) -> Variable {
        let total = parts.reduce(0) { $0 + $1.rows }
        var result = Matrix<Double>(rows: total, columns: parts[0].columns)
        var offsets: [Int] = []
        var offset = 0
        for part in parts {
            precondition(part.columns == result.columns, "concatenating rows of different widths")
            result[rows: offset..<(offset + part.rows)] = part.value
            offsets.append(offset)
            offset += part.rows
        }
        return parts[0].tape.record(result, "concatenateRows", parts, tangent: { t, _ in
            Variable.concatenate(rows: zip(parts, t).map { part, tangent in tangent ?? part.zerosLike })
        }) { g, _ in
            zip(parts, offsets).map { part, start in g.slice(rows: start..<(start + part.rows)) }
        }
    }

    /// The variables side by side (equal row counts).
    ///
    /// - Complexity: O(N) for N elements in all, through transposes and ``concatenate(rows:)``.
    public static func concatenate(columns parts: [Variable]) -> Variable {
        concatenate(rows: parts.map { $0.transposed() }).transposed()
    }

    /// The same elements, row-major, as `rows × columns`.
    ///
    /// - Complexity: O(m·n), a copy; the pullback is another reshape.
    public func reshaped(rows r: Int, columns c: Int) -> Variable {
        precondition(r * c == rows * columns, "cannot reshape \(rows)×\(columns) to \(r)×\(c)")
        let (h, w) = shape
        return tape.record(value.reshaped(rows: r, columns: c), "reshape", [self], tangent: { t, _ in t[0]!.reshaped(rows: r, columns: c) }) { g, _ in
            [g.reshaped(rows: h, columns: w)]
        }
    }

    /// The n×n lower-triangular matrix whose entries below (or, with
    /// `includingDiagonal`, on and below) the diagonal come from this column,
    /// column by column: (1,0), (2,0), …, (n−1,0), (2,1), … (gradbench's
    /// layout for the GMM's L).
    ///
    /// - Complexity: O(n²) for the value and for the pullback; one tape node.
    public func unpackLower(size n: Int, includingDiagonal: Bool = false) -> Variable {
        let positions = lowerPositions(n, includingDiagonal)
        precondition(rows * columns == positions.count, "\(positions.count) values fill the triangle of a \(n)×\(n) matrix, got \(rows * columns)")
        let values = value.elements
        var result = Matrix<Double>(rows: n, columns: n)
        for (k, (i, j)) in positions.enumerated() { result[i, j] = values[k] }
        let (h, w) = shape
        return tape.record(result, "unpackLower", [self], tangent: { t, _ in t[0]!.unpackLower(size: n, includingDiagonal: includingDiagonal) }) { g, _ in
            [g.packLower(includingDiagonal: includingDiagonal).reshaped(rows: h, columns: w)]
        }
    }

    /// The entries below (or on and below) the diagonal, column by column, as a column.
    ///
    /// - Complexity: O(n²) for the value and for the pullback; one tape node.
    public func packLower(includingDiagonal: Bool = false) -> Variable {
        precondition(rows == columns, "packing the triangle of a square matrix, got \(rows)×\(columns)")
        let positions = lowerPositions(rows, includingDiagonal)
        let source = value
        let packed = Matrix<Double>(rows: positions.count, columns: 1) { k, _ in source[positions[k].0, positions[k].1] }
        let n = rows
        return tape.record(packed, "packLower", [self], tangent: { t, _ in t[0]!.packLower(includingDiagonal: includingDiagonal) }) { g, _ in [g.unpackLower(size: n, includingDiagonal: includingDiagonal)] }
    }

    /// Elementwise `mask ≠ 0 ? self : other`, with a constant mask: the
    /// gradient flows only to the side chosen, so a NaN or ∞ in the branch not
    /// taken never reaches it.
    ///
    /// - Complexity: O(m·n) for the value and for the pullback; one tape node.
    public func select(where condition: Matrix<Double>, else other: Variable) -> Variable {
        precondition(condition.rows == rows && condition.columns == columns && other.rows == rows && other.columns == columns,
                     "select needs a mask and two branches of one shape")
        let mask = condition.map { $0 != 0 ? 1.0 : 0.0 }
        let (chosen, otherwise) = (value, other.value)
        let result = Matrix<Double>(rows: rows, columns: columns) { i, j in mask[i, j] != 0 ? chosen[i, j] : otherwise[i, j] }
        return tape.record(result, "select", [self, other], tangent: { t, _ in
            (t[0] ?? self.zerosLike).select(where: mask, else: t[1] ?? other.zerosLike)
        }) { g, _ in
            [self.isConstant ? nil : g.masked(mask), other.isConstant ? nil : g.masked(mask.map { 1 - $0 })]
        }
    }


    /// The transpose.
    ///
    /// - Complexity: O(m·n) for the value and for the pullback; one tape node.
    public func transposed() -> Variable {
        tape.record(value.transposed(), "transpose", [self], tangent: { t, _ in t[0]!.transposed() }) { g, _ in [g.transposed()] }
    }

    /// The diagonal of a square matrix, as a column.
    ///
    /// - Complexity: O(n) for an n×n matrix; the pullback builds an n×n matrix, O(n²).
    public func diagonal() -> Variable {
        precondition(rows == columns, "the diagonal of a square matrix, got \(rows)×\(columns)")
        return tape.record(Matrix(rows: rows, columns: 1, elements: value.diagonal), "diagonal", [self], tangent: { t, _ in t[0]!.diagonal() }) { g, _ in
            [g.diagonalMatrix()]
        }
    }

    /// The square matrix with this column (or row) on its diagonal.
    ///
    /// - Complexity: O(n²) for the n×n result; the pullback reads its diagonal, O(n) on an n×n
    ///   cotangent.
    public func diagonalMatrix() -> Variable {
        precondition(rows == 1 || columns == 1, "a diagonal from a vector, got \(rows)×\(columns)")
        return tape.record(Matrix(diagonal: value.elements), "diagonalMatrix", [self], tangent: { t, _ in t[0]!.diagonalMatrix() }) { g, _ in
            let d = g.diagonal()
            return [self.rows == 1 ? d.transposed() : d]
        }
    }
}

/// (row, column) of the triangle's entries, column by column.
private func lowerPositions(_ n: Int, _ includingDiagonal: Bool) -> [(Int, Int)] {
    var positions: [(Int, Int)] = []
    for j in 0..<n {
        for i in (includingDiagonal ? j : j + 1)..<n { positions.append((i, j)) }
    }
    return positions
}
