import LinearAlgebra

// Batched rules over K blocks of d×d stored side by side in a d × K·d matrix
// (block k in columns k·d ..< (k+1)·d). They let a model with K small
// matrices (the GMM's Qₖᵀ) be built and used in a constant number of tape
// nodes, instead of K slices whose pullbacks each pad to the whole
// parameter. The set is closed under pullbacks: each rule's pullback is
// made of rules in this file.
//
// The second group works on K runs of w adjacent columns of an m × K·w
// matrix (the GMM's per-component features): sums and squared norms over
// each run, and their adjoints, which repeat a column over its run.

extension Variable {
    /// d × K·d with block k = diag(row k of `diagonals`) (K×d).
    ///
    /// - Complexity: O(K·d²) to fill the d × K·d result; the pullback reads its K·d diagonal
    ///   entries, O(K·d).
    public static func blockDiagonals(_ diagonals: Variable) -> Variable {
        let (k, d) = diagonals.shape
        let e = diagonals.value
        let result = diagonals.tape.makeMatrix(rows: d, columns: k * d) { out in
            out.update(repeating: 0)
            e.withUnsafeBufferPointer { e in
                for c in 0..<k { for i in 0..<d { out[i * k * d + c * d + i] = e[c * d + i] } }
            }
        }
        return diagonals.tape.record(result, "blockDiagonals", [diagonals], tangent: { t, _ in blockDiagonals(t[0]!) }) { g, _ in [g.diagonalsOfBlocks(width: d)] }
    }

    /// K×d: row k is the diagonal of block k.
    ///
    /// - Complexity: O(K·d); the pullback fills a d × K·d matrix, O(K·d²).
    public func diagonalsOfBlocks(width d: Int) -> Variable {
        let k = columns / d
        let blocks = value
        let result = tape.makeMatrix(rows: k, columns: d) { out in
            blocks.withUnsafeBufferPointer { w in
                for c in 0..<k { for i in 0..<d { out[c * d + i] = w[i * k * d + c * d + i] } }
            }
        }
        return tape.record(result, "diagonalsOfBlocks", [self], tangent: { t, _ in t[0]!.diagonalsOfBlocks(width: d) }) { g, _ in [Variable.blockDiagonals(g)] }
    }

    /// d × K·d with block k = Lₖᵀ, where Lₖ is strictly lower triangular with
    /// entries from row k of `packed` (K × d(d−1)/2) column by column.
    ///
    /// - Complexity: O(K·d²) for the value and for the pullback; one tape node.
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
        return packed.tape.record(result, "blockTransposedLowers", [packed], tangent: { t, _ in blockTransposedLowers(t[0]!, size: d) }) { g, _ in [g.packTransposedLowerBlocks(size: d)] }
    }

    /// The adjoint of ``blockTransposedLowers(_:size:)``: K × d(d−1)/2.
    ///
    /// - Complexity: O(K·d²) for the value and for the pullback; one tape node.
    public func packTransposedLowerBlocks(size d: Int) -> Variable {
        let k = columns / d
        let blocks = value
        let result = tape.makeMatrix(rows: k, columns: d * (d - 1) / 2) { out in
            blocks.withUnsafeBufferPointer { w in
                forEachStrictLowerEntry(blocks: k, size: d) { packedIndex, blockIndex in out[packedIndex] = w[blockIndex] }
            }
        }
        return tape.record(result, "packTransposedLowerBlocks", [self], tangent: { t, _ in t[0]!.packTransposedLowerBlocks(size: d) }) { g, _ in [Variable.blockTransposedLowers(g, size: d)] }
    }

    /// Every d×d block transposed in place.
    ///
    /// - Complexity: O(K·d²) for the value and for the pullback; one tape node.
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
        return tape.record(result, "transposeBlocks", [self], tangent: { t, _ in t[0]!.transposeBlocks(width: d) }) { g, _ in [g.transposeBlocks(width: d)] }
    }

    /// K×d: row k of `rows` (K×d) times block k of `blocks` (d × K·d).
    ///
    /// - Complexity: O(K·d²) for the value; the pullback is one ``rowsTimesBlocks`` and one
    ///   ``outerBlocks``, O(K·d²).
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
        return rows.tape.record(result, "rowsTimesBlocks", [rows, blocks], tangent: { t, _ in
            Variable.sum(t[0].map { rowsTimesBlocks($0, blocks) }, t[1].map { rowsTimesBlocks(rows, $0) })
        }) { g, _ in
            [rows.isConstant ? nil : rowsTimesBlocks(g, blocks.transposeBlocks(width: d)),
             blocks.isConstant ? nil : outerBlocks(rows, g)]
        }
    }

    /// d × K·d with block k = aₖᵀ·bₖ (outer product of row k of each K×d operand).
    ///
    /// - Complexity: O(K·d²) for the value; the pullback is two ``rowsTimesBlocks``, O(K·d²).
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
        return a.tape.record(result, "outerBlocks", [a, b], tangent: { t, _ in
            Variable.sum(t[0].map { outerBlocks($0, b) }, t[1].map { outerBlocks(a, $0) })
        }) { g, _ in
            [a.isConstant ? nil : rowsTimesBlocks(b, g.transposeBlocks(width: d)),
             b.isConstant ? nil : rowsTimesBlocks(a, g)]
        }
    }

    /// Sums each run of `width` adjacent columns: rows × (K·width) → rows × K.
    ///
    /// - Complexity: O(m·K·w) for an m × K·w input, in one pass split over the cores when large;
    ///   the pullback repeats the cotangent, O(m·K·w).
    public func sumOverBlocks(width: Int) -> Variable {
        tape.record(reduceBlocks(width: width, squaring: false), "sumOverBlocks", [self], tangent: { t, _ in t[0]!.sumOverBlocks(width: width) }) { g, _ in [g.repeatBlocks(width: width)] }
    }

    /// Σ y (or Σ y²) over each block of `width` adjacent columns of the value.
    private func reduceBlocks(width: Int, squaring: Bool) -> Matrix<Double> {
        precondition(width > 0 && columns % width == 0, "\(columns) columns do not split into blocks of \(width)")
        let k = columns / width, m = rows
        let y = value
        return tape.makeMatrix(rows: m, columns: k) { out in
            y.withUnsafeBufferPointer { y in
                forEachRowRun(rows: m, elements: y.count) { run in
                    VectorMath.blockSums(of: UnsafeBufferPointer(rebasing: y[(run.lowerBound * k * width)..<(run.upperBound * k * width)]),
                                         width: width, squaring: squaring,
                                         into: UnsafeMutableBufferPointer(rebasing: out[(run.lowerBound * k)..<(run.upperBound * k)]))
                }
            }
        }
    }

    /// Σ of squares over each run of `width` adjacent columns: rows × (K·width)
    /// → rows × K, fused (one pass, no squared copy); its pullback is
    /// 2·x ∘ the cotangent repeated over each block.
    ///
    /// - Complexity: O(m·K·w) for an m × K·w input, in one pass; the pullback is O(m·K·w).
    public func squaredNormsOverBlocks(width: Int) -> Variable {
        let sums = reduceBlocks(width: width, squaring: true)
        return tape.record(sums, "squaredNormsOverBlocks", [self], tangent: { t, _ in
            2 * (self * t[0]!).sumOverBlocks(width: width)
        }) { g, _ in [self.timesRepeatedBlocks(g, width: width, scale: 2)] }
    }

    /// scale · self ∘ (each column of `g` repeated `width` times), in one
    /// pass: the pullback of ``squaredNormsOverBlocks(width:)`` without two
    /// temporaries of the full size.
    ///
    /// - Complexity: O(m·K·w) in one pass; the pullback is O(m·K·w).
    public func timesRepeatedBlocks(_ g: Variable, width: Int, scale: Double) -> Variable {
        let k = g.columns, m = rows
        precondition(g.rows == m && columns == k * width, "timesRepeatedBlocks: \(rows)×\(columns) with \(g.rows)×\(g.columns) in blocks of \(width)")
        let (y, gValue) = (value, g.value)
        let result = tape.makeMatrix(rows: m, columns: columns) { out in
            y.withUnsafeBufferPointer { y in
                gValue.withUnsafeBufferPointer { g in
                    forEachRowRun(rows: m, elements: y.count) { run in
                        let (values, blocks) = (run.lowerBound * k * width..<run.upperBound * k * width, run.lowerBound * k..<run.upperBound * k)
                        VectorMath.scaleBlocks(of: UnsafeBufferPointer(rebasing: y[values]), width: width,
                                               by: UnsafeBufferPointer(rebasing: g[blocks]), scale: scale,
                                               into: UnsafeMutableBufferPointer(rebasing: out[values]))
                    }
                }
            }
        }
        return tape.record(result, "timesRepeatedBlocks", [self, g], tangent: { t, _ in
            Variable.sum(t[0].map { $0.timesRepeatedBlocks(g, width: width, scale: scale) },
                         t[1].map { self.timesRepeatedBlocks($0, width: width, scale: scale) })
        }) { cotangent, _ in
            [self.isConstant ? nil : cotangent.timesRepeatedBlocks(g, width: width, scale: scale),
             g.isConstant ? nil : scale * (cotangent * self).sumOverBlocks(width: width)]
        }
    }

    /// Repeats each column `width` times: rows × K → rows × (K·width); the
    /// adjoint of ``sumOverBlocks(width:)``.
    ///
    /// - Complexity: O(m·K·w) for the m × K·w result; the pullback sums over the blocks, O(m·K·w).
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
        return tape.record(repeated, "repeatBlocks", [self], tangent: { t, _ in t[0]!.repeatBlocks(width: width) }) { g, _ in [g.sumOverBlocks(width: width)] }
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
