import LinearAlgebra
import RealModule

// Shape rules: slicing, concatenation, reshaping, triangular packing, and
// selection. All are linear, and each pullback is another of them.

extension Variable {
    /// Rows `range` (and optionally columns `columnRange`) as a new variable.
    /// A slice of whole rows shares the value's storage.
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
        return tape.record(part, "slice", [self]) { g, _ in [g.padded(toRows: r, columns: c, at: (range.lowerBound, cols.lowerBound))] }
    }

    /// This matrix placed at `origin` in a zero matrix of `rows × columns`.
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
        return tape.record(big, "pad", [self]) { g, _ in [g.slice(rows: origin.0..<(origin.0 + h), columns: origin.1..<(origin.1 + w))] }
    }

    /// The variables stacked vertically (equal column counts).
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
        return parts[0].tape.record(result, "concatenateRows", parts) { g, _ in
            zip(parts, offsets).map { part, start in g.slice(rows: start..<(start + part.rows)) }
        }
    }

    /// The variables side by side (equal row counts).
    public static func concatenate(columns parts: [Variable]) -> Variable {
        concatenate(rows: parts.map { $0.transposed() }).transposed()
    }

    /// The same elements, row-major, as `rows × columns`.
    public func reshaped(rows r: Int, columns c: Int) -> Variable {
        precondition(r * c == rows * columns, "cannot reshape \(rows)×\(columns) to \(r)×\(c)")
        let (h, w) = shape
        return tape.record(value.reshaped(rows: r, columns: c), "reshape", [self]) { g, _ in
            [g.reshaped(rows: h, columns: w)]
        }
    }

    /// The n×n lower-triangular matrix whose entries below (or, with
    /// `includingDiagonal`, on and below) the diagonal come from this column,
    /// column by column: (1,0), (2,0), …, (n−1,0), (2,1), … (gradbench's
    /// layout for the GMM's L).
    public func unpackLower(size n: Int, includingDiagonal: Bool = false) -> Variable {
        let positions = lowerPositions(n, includingDiagonal)
        precondition(rows * columns == positions.count, "\(positions.count) values fill the triangle of a \(n)×\(n) matrix, got \(rows * columns)")
        let values = value.elements
        var result = Matrix<Double>(rows: n, columns: n)
        for (k, (i, j)) in positions.enumerated() { result[i, j] = values[k] }
        let (h, w) = shape
        return tape.record(result, "unpackLower", [self]) { g, _ in
            [g.packLower(includingDiagonal: includingDiagonal).reshaped(rows: h, columns: w)]
        }
    }

    /// The entries below (or on and below) the diagonal, column by column, as a column.
    public func packLower(includingDiagonal: Bool = false) -> Variable {
        precondition(rows == columns, "packing the triangle of a square matrix, got \(rows)×\(columns)")
        let positions = lowerPositions(rows, includingDiagonal)
        let source = value
        let packed = Matrix<Double>(rows: positions.count, columns: 1) { k, _ in source[positions[k].0, positions[k].1] }
        let n = rows
        return tape.record(packed, "packLower", [self]) { g, _ in [g.unpackLower(size: n, includingDiagonal: includingDiagonal)] }
    }

    /// Elementwise `mask ≠ 0 ? self : other`, with a constant mask: the
    /// gradient flows only to the side chosen, so a NaN or ∞ in the branch not
    /// taken never reaches it.
    public func select(where condition: Matrix<Double>, else other: Variable) -> Variable {
        precondition(condition.rows == rows && condition.columns == columns && other.rows == rows && other.columns == columns,
                     "select needs a mask and two branches of one shape")
        let mask = condition.map { $0 != 0 ? 1.0 : 0.0 }
        let (chosen, otherwise) = (value, other.value)
        let result = Matrix<Double>(rows: rows, columns: columns) { i, j in mask[i, j] != 0 ? chosen[i, j] : otherwise[i, j] }
        return tape.record(result, "select", [self, other]) { g, _ in
            [self.isConstant ? nil : g.masked(mask), other.isConstant ? nil : g.masked(mask.map { 1 - $0 })]
        }
    }

    /// xᵖ elementwise, for a constant p.
    public func power(_ p: Double) -> Variable {
        tape.record(value.map { Double.pow($0, p) }, "power", [self]) { g, _ in [g.timesNonzero(p * self.power(p - 1))] }
    }

    /// 1 / (1 + e⁻ˣ) elementwise.
    public func sigmoid() -> Variable {
        tape.record(value.map { 1 / (1 + Double.exp(-$0)) }, "sigmoid", [self]) { g, y in [g * (y * (1 - y))] }
    }

    /// log(1 + eˣ) elementwise, computed without overflow.
    public func softplus() -> Variable {
        tape.record(value.map { $0 > 0 ? $0 + Double.log(onePlus: Double.exp(-$0)) : Double.log(onePlus: Double.exp($0)) },
                    "softplus", [self]) { g, _ in [g * self.sigmoid()] }
    }

    /// The mean of each column (1×columns).
    public func meanOverRows() -> Variable { sumOverRows() / Double(rows) }

    /// The mean of each row (rows×1).
    public func meanOverColumns() -> Variable { sumOverColumns() / Double(columns) }
}

/// (row, column) of the triangle's entries, column by column.
private func lowerPositions(_ n: Int, _ includingDiagonal: Bool) -> [(Int, Int)] {
    var positions: [(Int, Int)] = []
    for j in 0..<n {
        for i in (includingDiagonal ? j : j + 1)..<n { positions.append((i, j)) }
    }
    return positions
}


extension Variable {
    /// Sums each run of `width` adjacent columns: rows × (K·width) → rows × K.
    public func sumOverBlocks(width: Int) -> Variable {
        tape.record(reduceBlocks(width: width, squaring: false), "sumOverBlocks", [self]) { g, _ in [g.repeatBlocks(width: width)] }
    }

    /// Σ y (or Σ y²) over each block of `width` adjacent columns of the value.
    private func reduceBlocks(width: Int, squaring: Bool) -> Matrix<Double> {
        precondition(width > 0 && columns % width == 0, "\(columns) columns do not split into blocks of \(width)")
        let k = columns / width, m = rows
        let y = value
        return tape.makeMatrix(rows: m, columns: k) { out in
            y.withUnsafeBufferPointer { y in
                forEachRowRun(rows: m, elements: y.count) { run in
                    for i in run {
                        for c in 0..<k {
                            let start = y.baseAddress! + i * k * width + c * width
                            out[i * k + c] = laneSum(start, width, squaring: squaring)
                        }
                    }
                }
            }
        }
    }

    /// Σ of squares over each run of `width` adjacent columns: rows × (K·width)
    /// → rows × K, fused (one pass, no squared copy); its pullback is
    /// 2·x ∘ the cotangent repeated over each block.
    public func squaredNormsOverBlocks(width: Int) -> Variable {
        let sums = reduceBlocks(width: width, squaring: true)
        return tape.record(sums, "squaredNormsOverBlocks", [self]) { g, _ in [self.timesRepeatedBlocks(g, width: width, scale: 2)] }
    }

    /// scale · self ∘ (each column of `g` repeated `width` times), in one
    /// pass: the pullback of ``squaredNormsOverBlocks(width:)`` without two
    /// temporaries of the full size.
    public func timesRepeatedBlocks(_ g: Variable, width: Int, scale: Double) -> Variable {
        let k = g.columns, m = rows
        precondition(g.rows == m && columns == k * width, "timesRepeatedBlocks: \(rows)×\(columns) with \(g.rows)×\(g.columns) in blocks of \(width)")
        let (y, gValue) = (value, g.value)
        let result = tape.makeMatrix(rows: m, columns: columns) { out in
            y.withUnsafeBufferPointer { y in
                gValue.withUnsafeBufferPointer { g in
                    forEachRowRun(rows: m, elements: y.count) { run in
                        for i in run {
                            for c in 0..<k {
                                let factor = scale * g[i * k + c], start = i * k * width + c * width
                                for j in 0..<width { out[start + j] = factor * y[start + j] }
                            }
                        }
                    }
                }
            }
        }
        return tape.record(result, "timesRepeatedBlocks", [self, g]) { cotangent, _ in
            [self.isConstant ? nil : cotangent.timesRepeatedBlocks(g, width: width, scale: scale),
             g.isConstant ? nil : scale * (cotangent * self).sumOverBlocks(width: width)]
        }
    }

    /// Repeats each column `width` times: rows × K → rows × (K·width); the
    /// adjoint of ``sumOverBlocks(width:)``.
    public func repeatBlocks(width: Int) -> Variable {
        let k = columns, m = rows
        let gValue = value
        let repeated = tape.makeMatrix(rows: m, columns: k * width) { out in
            gValue.withUnsafeBufferPointer { g in
                forEachRowRun(rows: m, elements: out.count) { run in
                    for i in run {
                        for c in 0..<k {
                            let v = g[i * k + c]
                            for j in 0..<width { out[i * k * width + c * width + j] = v }
                        }
                    }
                }
            }
        }
        return tape.record(repeated, "repeatBlocks", [self]) { g, _ in [g.sumOverBlocks(width: width)] }
    }
}

// Sums with eight lanes of partial sums, so that long blocks are bound by
// memory rather than by the latency of one chain of additions; short blocks
// take the plain loop. `squaring` is a constant at each (inlined) call.

@inline(__always)
private func laneSum(_ x: UnsafePointer<Double>, _ count: Int, squaring: Bool) -> Double {
    var total = 0.0
    var j = 0
    if count >= 16 {
        var lanes = SIMD8<Double>()
        let raw = UnsafeRawPointer(x)
        while j + 8 <= count {
            let v = raw.loadUnaligned(fromByteOffset: j * 8, as: SIMD8<Double>.self)
            lanes += squaring ? v * v : v
            j += 8
        }
        total = lanes.sum()
    }
    while j < count {
        total += squaring ? x[j] * x[j] : x[j]
        j += 1
    }
    return total
}
