import LinearAlgebra

// Batched rules over K blocks of d×d stored side by side in a d × K·d matrix
// (block k in columns k·d ..< (k+1)·d). They let a model with K small
// matrices (the GMM's Qₖᵀ) be built and used in a constant number of tape
// nodes, instead of K slices whose pullbacks each pad to the whole
// parameter. The set is closed under pullbacks: each rule's pullback is
// made of rules in this file.

extension Variable {
    /// d × K·d with block k = diag(row k of `diagonals`) (K×d).
    public static func blockDiagonals(_ diagonals: Variable) -> Variable {
        let (k, d) = diagonals.shape
        let e = diagonals.value
        let result = diagonals.tape.makeMatrix(rows: d, columns: k * d) { out in
            out.update(repeating: 0)
            e.withUnsafeBufferPointer { e in
                for c in 0..<k { for i in 0..<d { out[i * k * d + c * d + i] = e[c * d + i] } }
            }
        }
        return diagonals.tape.record(result, "blockDiagonals", [diagonals]) { g, _ in [g.diagonalsOfBlocks(width: d)] }
    }

    /// K×d: row k is the diagonal of block k.
    public func diagonalsOfBlocks(width d: Int) -> Variable {
        let k = columns / d
        let blocks = value
        let result = tape.makeMatrix(rows: k, columns: d) { out in
            blocks.withUnsafeBufferPointer { w in
                for c in 0..<k { for i in 0..<d { out[c * d + i] = w[i * k * d + c * d + i] } }
            }
        }
        return tape.record(result, "diagonalsOfBlocks", [self]) { g, _ in [Variable.blockDiagonals(g)] }
    }

    /// d × K·d with block k = Lₖᵀ, where Lₖ is strictly lower triangular with
    /// entries from row k of `packed` (K × d(d−1)/2) column by column.
    public static func blockTransposedLowers(_ packed: Variable, size d: Int) -> Variable {
        let (k, p) = packed.shape
        precondition(p == d * (d - 1) / 2, "\(p) values per block cannot fill a strict \(d)×\(d) triangle")
        let source = packed.value
        let result = packed.tape.makeMatrix(rows: d, columns: k * d) { out in
            out.update(repeating: 0)
            source.withUnsafeBufferPointer { v in
                forEachStrictLowerEntry(blocks: k, size: d) { packedIndex, blockIndex in out[blockIndex] = v[packedIndex] }
            }
        }
        return packed.tape.record(result, "blockTransposedLowers", [packed]) { g, _ in [g.packTransposedLowerBlocks(size: d)] }
    }

    /// The adjoint of ``blockTransposedLowers(_:size:)``: K × d(d−1)/2.
    public func packTransposedLowerBlocks(size d: Int) -> Variable {
        let k = columns / d
        let blocks = value
        let result = tape.makeMatrix(rows: k, columns: d * (d - 1) / 2) { out in
            blocks.withUnsafeBufferPointer { w in
                forEachStrictLowerEntry(blocks: k, size: d) { packedIndex, blockIndex in out[packedIndex] = w[blockIndex] }
            }
        }
        return tape.record(result, "packTransposedLowerBlocks", [self]) { g, _ in [Variable.blockTransposedLowers(g, size: d)] }
    }

    /// Every d×d block transposed in place.
    public func transposeBlocks(width d: Int) -> Variable {
        let (m, n) = shape
        let source = value
        let result = tape.makeMatrix(rows: m, columns: n) { out in
            source.withUnsafeBufferPointer { w in
                for c in 0..<(n / d) {
                    for i in 0..<d { for j in 0..<d { out[i * n + c * d + j] = w[j * n + c * d + i] } }
                }
            }
        }
        return tape.record(result, "transposeBlocks", [self]) { g, _ in [g.transposeBlocks(width: d)] }
    }

    /// K×d: row k of `rows` (K×d) times block k of `blocks` (d × K·d).
    public static func rowsTimesBlocks(_ rows: Variable, _ blocks: Variable) -> Variable {
        let (k, d) = rows.shape
        precondition(blocks.rows == d && blocks.columns == k * d, "rowsTimesBlocks: \(k)×\(d) rows with \(blocks.rows)×\(blocks.columns) blocks")
        let (a, w) = (rows.value, blocks.value)
        let result = rows.tape.makeMatrix(rows: k, columns: d) { out in
            a.withUnsafeBufferPointer { a in
                w.withUnsafeBufferPointer { w in
                    out.update(repeating: 0)
                    for c in 0..<k {
                        for i in 0..<d {
                            let ai = a[c * d + i]
                            for j in 0..<d { out[c * d + j] += ai * w[i * k * d + c * d + j] }
                        }
                    }
                }
            }
        }
        return rows.tape.record(result, "rowsTimesBlocks", [rows, blocks]) { g, _ in
            [rows.isConstant ? nil : rowsTimesBlocks(g, blocks.transposeBlocks(width: d)),
             blocks.isConstant ? nil : outerBlocks(rows, g)]
        }
    }

    /// d × K·d with block k = aₖᵀ·bₖ (outer product of row k of each K×d operand).
    public static func outerBlocks(_ a: Variable, _ b: Variable) -> Variable {
        let (k, d) = a.shape
        let (x, y) = (a.value, b.value)
        let result = a.tape.makeMatrix(rows: d, columns: k * d) { out in
            x.withUnsafeBufferPointer { x in
                y.withUnsafeBufferPointer { y in
                    for c in 0..<k {
                        for i in 0..<d {
                            let xi = x[c * d + i]
                            for j in 0..<d { out[i * k * d + c * d + j] = xi * y[c * d + j] }
                        }
                    }
                }
            }
        }
        return a.tape.record(result, "outerBlocks", [a, b]) { g, _ in
            [a.isConstant ? nil : rowsTimesBlocks(b, g.transposeBlocks(width: d)),
             b.isConstant ? nil : rowsTimesBlocks(a, g)]
        }
    }
}

/// Visits Lₖ(i, j), i > j, of every block in gradbench's column-by-column
/// order: `body(index in the K × d(d−1)/2 packing, index of (j, i) in the
/// d × K·d matrix of transposed blocks)`.
@inline(__always)
private func forEachStrictLowerEntry(blocks k: Int, size d: Int, _ body: (Int, Int) -> Void) {
    let perBlock = d * (d - 1) / 2
    for c in 0..<k {
        var index = c * perBlock
        for j in 0..<d {
            for i in (j + 1)..<max(j + 1, d) {
                body(index, j * k * d + c * d + i)
                index += 1
            }
        }
    }
}
