import LinearAlgebra

// Squared norms over blocks of a product, x·C, and the adjoint that gives
// C's cotangent, xᵀ·(Y ∘ repeated g): the GMM's Mahalanobis terms and their
// pullback. Composed from matmul and the block rules, the m × K·w product Y
// makes three trips through memory (OpenBLAS zeroes it, writes it, the
// norms read it) and its cotangent two more. Where one row's product is
// small, these rules go through the rows in runs whose piece of Y is still
// in cache when it is used, and that stay under OpenBLAS's small-matrix
// bound, where nothing is packed or zeroed first. Elsewhere they are the
// composition.

extension Variable {
    /// `self.matmul(other).squaredNormsOverBlocks(width:)`, fused: Σ of
    /// squares over each run of `width` adjacent columns of self·other
    /// (m × p times p × K·width gives m × K).
    ///
    /// The product is recorded as a `matmul` node of its own (its value is
    /// needed by the pullback), but the norms' pullback goes straight to
    /// `self` and `other` through ``transposedTimesScaledBlocks(_:_:_:width:scale:)``,
    /// without an m × K·width cotangent.
    ///
    /// - Complexity: one GEMM and one pass over the product, O(m·p·K·w); the pullback is one
    ///   more GEMM for each operand that is not constant.
    public func matmulSquaredNormsOverBlocks(_ other: Variable, width: Int) -> Variable {
        let (a, b) = (value, other.value)
        let (m, p, n) = (a.rows, a.columns, b.columns)
        precondition(b.rows == p, "matmulSquaredNormsOverBlocks: \(m)×\(p) times \(b.rows)×\(n)")
        precondition(width > 0 && n % width == 0, "\(n) columns do not split into blocks of \(width)")
        guard let run = productRunRows(multiplyAddsPerRow: p * n) else {
            return matmul(other).squaredNormsOverBlocks(width: width)
        }
        let k = n / width
        var product = tape.makeMatrix(rows: m, columns: n) { _ in }
        var norms = tape.makeMatrix(rows: m, columns: k) { _ in }
        a.withUnsafeBufferPointer { x in
            b.withUnsafeBufferPointer { c in
                product.withUnsafeMutableBufferPointer { y in
                    norms.withUnsafeMutableBufferPointer { out in
                        forEachRowRun(rows: m, elements: m * n) { rows in
                            for first in stride(from: rows.lowerBound, to: rows.upperBound, by: run) {
                                let count = Swift.min(run, rows.upperBound - first)
                                Double.blasGemm(.none, .none, count, n, p, 1, x.baseAddress! + first * p, p,
                                                c.baseAddress!, n, 0, y.baseAddress! + first * n, n)
                                VectorMath.blockSums(of: UnsafeBufferPointer(start: y.baseAddress! + first * n, count: count * n), width: width,
                                                     squaring: true, into: UnsafeMutableBufferPointer(start: out.baseAddress! + first * k, count: count * k))
                            }
                        }
                    }
                }
            }
        }
        let y = recordProduct(product, other)
        return tape.record(norms, "matmulSquaredNormsOverBlocks", [self, other, y], tangent: { t, _ in
            // Through the product's own tangent, which the forward pass has by then.
            t[2].map { 2 * (y * $0).sumOverBlocks(width: width) }
        }) { g, _ in
            // d(self) = (2Y ∘ repeated g)·otherᵀ, d(other) = selfᵀ·(2Y ∘ repeated g); none through y.
            [self.isConstant ? nil : y.timesRepeatedBlocks(g, width: width, scale: 2).matmul(other, transposeOther: .transpose),
             other.isConstant ? nil : Variable.transposedTimesScaledBlocks(self, y, g, width: width, scale: 2),
             nil]
        }
    }

    /// scale · xᵀ·(y ∘ each column of g repeated `width` times), for x m × p,
    /// y m × K·width and g m × K: the cotangent of C in
    /// ``matmulSquaredNormsOverBlocks(_:width:)``, without the m × K·width
    /// scaled copy of y where the rows can go in runs.
    ///
    /// - Complexity: one GEMM, O(m·p·K·w), and one pass over y; the pullback is one or two
    ///   GEMMs of the same size.
    public static func transposedTimesScaledBlocks(_ x: Variable, _ y: Variable, _ g: Variable, width: Int, scale: Double) -> Variable {
        let (m, p, n) = (x.rows, x.columns, y.columns)
        precondition(y.rows == m && g.rows == m && width > 0 && n == g.columns * width,
                     "transposedTimesScaledBlocks: \(m)×\(p), \(y.rows)×\(n) and \(g.rows)×\(g.columns) in blocks of \(width)")
        guard let run = productRunRows(multiplyAddsPerRow: p * n) else {
            return x.matmul(y.timesRepeatedBlocks(g, width: width, scale: scale), transposeSelf: .transpose)
        }
        let tape = x.tape
        let k = g.columns
        let workers = m * n >= parallelRuleThreshold ? Swift.min(defaultWorkerCount, Swift.max(1, m / run)) : 1
        // Per worker: one run of scaled rows, then (but for worker 0, which
        // writes the result) its partial product.
        let perWorker = (run + p) * n
        var scratch = tape.makeMatrix(rows: workers, columns: perWorker) { _ in }
        var result = tape.makeMatrix(rows: p, columns: n) { _ in }
        let (a, yValue, gValue) = (x.value, y.value, g.value)
        a.withUnsafeBufferPointer { x in
            yValue.withUnsafeBufferPointer { y in
                gValue.withUnsafeBufferPointer { g in
                    scratch.withUnsafeMutableBufferPointer { scratch in
                        result.withUnsafeMutableBufferPointer { result in
                            _ = concurrentRuns(count: workers, workers: workers) { assigned in
                                for worker in assigned {
                                    let scaled = scratch.baseAddress! + worker * perWorker
                                    let partial = worker == 0 ? result.baseAddress! : scaled + run * n
                                    var beta = 0.0
                                    for first in stride(from: worker * m / workers, to: (worker + 1) * m / workers, by: run) {
                                        let count = Swift.min(run, (worker + 1) * m / workers - first)
                                        VectorMath.scaleBlocks(of: UnsafeBufferPointer(start: y.baseAddress! + first * n, count: count * n), width: width,
                                                               by: UnsafeBufferPointer(start: g.baseAddress! + first * k, count: count * k), scale: scale,
                                                               into: UnsafeMutableBufferPointer(start: scaled, count: count * n))
                                        Double.blasGemm(.transpose, .none, p, n, count, 1, x.baseAddress! + first * p, p,
                                                        scaled, n, beta, partial, n)
                                        beta = 1
                                    }
                                    if beta == 0 { partial.update(repeating: 0, count: p * n) }
                                }
                            }
                            for worker in 1..<Swift.max(1, workers) {
                                let partial = scratch.baseAddress! + worker * perWorker + run * n
                                for index in 0..<(p * n) { result[index] += partial[index] }
                            }
                        }
                    }
                }
            }
        }
        tape.recycle(scratch)
        return tape.record(result, "transposedTimesScaledBlocks", [x, y, g], tangent: { t, _ in
            let moved = [t[0].map { transposedTimesScaledBlocks($0, y, g, width: width, scale: scale) },
                         t[1].map { transposedTimesScaledBlocks(x, $0, g, width: width, scale: scale) },
                         t[2].map { transposedTimesScaledBlocks(x, y, $0, width: width, scale: scale) }]
            return moved.reduce(nil) { Variable.sum($0, $1) }
        }) { h, _ in
            // R = s·xᵀ(y ∘ rep g): dx = s(y ∘ rep g)·hᵀ, dy = s(x·h) ∘ rep g, dg = s·Σ_blocks (x·h) ∘ y.
            let projected = y.isConstant && g.isConstant ? nil : x.matmul(h)
            return [x.isConstant ? nil : y.timesRepeatedBlocks(g, width: width, scale: scale).matmul(h, transposeOther: .transpose),
                    y.isConstant ? nil : projected!.timesRepeatedBlocks(g, width: width, scale: scale),
                    g.isConstant ? nil : scale * (projected! * y).sumOverBlocks(width: width)]
        }
    }
}

/// Rows per run in the fused product rules: the most whose product (each
/// row `multiplyAddsPerRow`) stays under OpenBLAS's small-matrix bound, so
/// that a run's piece of the product is still in cache when it is used;
/// nil when that is fewer than 16 rows. gradbench's GMM inputs (n = 1000;
/// Zen 4, best of three alternating runs) took runs of 23 rows at d = 20,
/// K = 100 (gradient 5.5 → 4.4 ms against the composition) and 18 at
/// d = 32, K = 50 (4.9 → 3.9 ms); a minimum of 8 rows was no quicker than 16.
func productRunRows(multiplyAddsPerRow perRow: Int) -> Int? {
    guard perRow > 0 else { return nil }
    let rows = BLASKernel.smallMatrixGEMMBound / perRow
    return rows >= 16 ? rows : nil
}
