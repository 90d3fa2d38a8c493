/// BLAS on ``Matrix``: each wrapper writes into a caller-owned output so that
/// hot loops allocate nothing.
///
/// Shapes are checked with `precondition`: a mismatch is a programmer error.
/// Row views of a larger matrix are accepted everywhere without copying.
/// Operands with zero rows or columns are handled here, so BLAS never sees a
/// degenerate leading dimension.
public enum BLAS {}

extension BLAS {
    /// `C ← α·op(A)·op(B) + β·C`.
    ///
    /// With `beta == 0` the old contents of `c` are not read (NaN in `c` does
    /// not propagate), as in reference BLAS.
    ///
    /// - Complexity: 2·m·n·k flops.
    @inlinable public static func gemm<S>(
        _ a: Matrix<S>, _ b: Matrix<S>, into c: inout Matrix<S>,
        transposeA: Transpose = .none, transposeB: Transpose = .none,
        alpha: S = 1, beta: S = 0
    ) {
        let (m, k) = transposeA.isTransposed ? (a.columns, a.rows) : (a.rows, a.columns)
        let (kb, n) = transposeB.isTransposed ? (b.columns, b.rows) : (b.rows, b.columns)
        precondition(k == kb, "gemm: inner dimensions differ, op(A) is \(m)×\(k) and op(B) is \(kb)×\(n)")
        precondition(c.rows == m && c.columns == n, "gemm: C is \(c.rows)×\(c.columns), expected \(m)×\(n)")
        if m == 0 || n == 0 { return }
        if k == 0 {
            scaleOrZero(beta, &c)
            return
        }
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    S.blasGemm(transposeA, transposeB, m, n, k, alpha, pa.baseAddress!, a.columns,
                               pb.baseAddress!, b.columns, beta, pc.baseAddress!, n)
                }
            }
        }
    }

    /// `y ← α·op(A)·x + β·y`.
    ///
    /// - Complexity: 2·m·n flops.
    @inlinable public static func gemv<S>(
        _ a: Matrix<S>, _ x: [S], into y: inout [S],
        transpose: Transpose = .none, alpha: S = 1, beta: S = 0
    ) {
        let (m, n) = transpose.isTransposed ? (a.columns, a.rows) : (a.rows, a.columns)
        precondition(x.count == n, "gemv: x has \(x.count) elements, op(A) has \(n) columns")
        precondition(y.count == m, "gemv: y has \(y.count) elements, op(A) has \(m) rows")
        if m == 0 { return }
        if n == 0 {
            for i in y.indices { y[i] = beta == 0 ? 0 : beta * y[i] }
            return
        }
        a.withUnsafeBufferPointer { pa in
            x.withUnsafeBufferPointer { px in
                y.withUnsafeMutableBufferPointer { py in
                    S.blasGemv(transpose, a.rows, a.columns, alpha, pa.baseAddress!, a.columns,
                               px.baseAddress!, beta, py.baseAddress!)
                }
            }
        }
    }

    /// The symmetric rank-k update `C ← α·A·Aᵀ + β·C` (or `α·Aᵀ·A + β·C`
    /// with `transpose: .transpose`), writing only `triangle` of `c`.
    ///
    /// Call ``Matrix/symmetrize(from:)`` afterwards for the full matrix.
    ///
    /// - Complexity: n²·k flops, half of the equivalent `gemm`.
    @inlinable public static func syrk<S>(
        _ a: Matrix<S>, into c: inout Matrix<S>, triangle: Triangle = .lower,
        transpose: Transpose = .none, alpha: S = 1, beta: S = 0
    ) {
        let (n, k) = transpose.isTransposed ? (a.columns, a.rows) : (a.rows, a.columns)
        precondition(c.rows == n && c.columns == n, "syrk: C is \(c.rows)×\(c.columns), expected \(n)×\(n)")
        if n == 0 { return }
        if k == 0 {
            scaleOrZero(beta, &c, triangle: triangle)
            return
        }
        a.withUnsafeBufferPointer { pa in
            c.withUnsafeMutableBufferPointer { pc in
                S.blasSyrk(triangle, transpose, n, k, alpha, pa.baseAddress!, a.columns, beta, pc.baseAddress!, n)
            }
        }
    }

    /// The triangular product `B ← α·op(A)·B` (`side: .left`) or
    /// `B ← α·B·op(A)` (`side: .right`), where `A` is square and only its
    /// `triangle` is read.
    ///
    /// - Complexity: m·n² or m²·n flops.
    @inlinable public static func trmm<S>(
        _ a: Matrix<S>, _ b: inout Matrix<S>, side: Side = .left, triangle: Triangle,
        transpose: Transpose = .none, unitDiagonal: Bool = false, alpha: S = 1
    ) {
        triangular(a, &b, side, triangle, transpose, unitDiagonal, alpha, "trmm", S.blasTrmm)
    }

    /// The triangular solve `B ← α·op(A)⁻¹·B` (`side: .left`) or
    /// `B ← α·B·op(A)⁻¹` (`side: .right`), where `A` is square and only its
    /// `triangle` is read. A zero on the diagonal gives infinities or NaN, as
    /// in BLAS; check the diagonal first when that can happen.
    ///
    /// - Complexity: m·n² or m²·n flops.
    @inlinable public static func trsm<S>(
        _ a: Matrix<S>, _ b: inout Matrix<S>, side: Side = .left, triangle: Triangle,
        transpose: Transpose = .none, unitDiagonal: Bool = false, alpha: S = 1
    ) {
        triangular(a, &b, side, triangle, transpose, unitDiagonal, alpha, "trsm", S.blasTrsm)
    }

    /// `y ← α·x + y`, elementwise over matrices of the same shape.
    @inlinable public static func axpy<S>(_ alpha: S, _ x: Matrix<S>, _ y: inout Matrix<S>) {
        precondition(x.rows == y.rows && x.columns == y.columns,
                     "axpy: x is \(x.rows)×\(x.columns) but y is \(y.rows)×\(y.columns)")
        if x.isEmpty { return }
        x.withUnsafeBufferPointer { px in
            y.withUnsafeMutableBufferPointer { py in
                S.blasAxpy(px.count, alpha, px.baseAddress!, py.baseAddress!)
            }
        }
    }

    /// `x ← α·x`. With `alpha == 0`, BLAS may leave NaN in place (OpenBLAS
    /// writes zeros); use ``Matrix/init(rows:columns:repeating:)`` to clear.
    @inlinable public static func scal<S>(_ alpha: S, _ x: inout Matrix<S>) {
        if x.isEmpty { return }
        x.withUnsafeMutableBufferPointer { px in S.blasScal(px.count, alpha, px.baseAddress!) }
    }

    /// The sum of elementwise products of two matrices of the same shape.
    @inlinable public static func dot<S>(_ x: Matrix<S>, _ y: Matrix<S>) -> S {
        precondition(x.rows == y.rows && x.columns == y.columns,
                     "dot: x is \(x.rows)×\(x.columns) but y is \(y.rows)×\(y.columns)")
        if x.isEmpty { return 0 }
        return x.withUnsafeBufferPointer { px in
            y.withUnsafeBufferPointer { py in S.blasDot(px.count, px.baseAddress!, py.baseAddress!) }
        }
    }

    /// The Euclidean (Frobenius) norm, computed without overflow or underflow
    /// of the intermediate squares.
    @inlinable public static func nrm2<S>(_ x: Matrix<S>) -> S {
        if x.isEmpty { return 0 }
        return x.withUnsafeBufferPointer { S.blasNrm2($0.count, $0.baseAddress!) }
    }

    /// The shared body of `trmm` and `trsm`, which differ only in the routine.
    @inlinable static func triangular<S>(
        _ a: Matrix<S>, _ b: inout Matrix<S>, _ side: Side, _ triangle: Triangle, _ transpose: Transpose,
        _ unitDiagonal: Bool, _ alpha: S, _ name: String,
        _ routine: (Side, Triangle, Transpose, Bool, Int, Int, S, UnsafePointer<S>, Int, UnsafeMutablePointer<S>, Int) -> Void
    ) {
        precondition(a.isSquare, "\(name): A must be square, got \(a.rows)×\(a.columns)")
        let needed = side == .left ? b.rows : b.columns
        precondition(a.rows == needed,
                     "\(name): A is \(a.rows)×\(a.columns) but B is \(b.rows)×\(b.columns) with side \(side)")
        if b.isEmpty { return }
        let (m, n) = (b.rows, b.columns)
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeMutableBufferPointer { pb in
                routine(side, triangle, transpose, unitDiagonal, m, n, alpha, pa.baseAddress!, a.columns, pb.baseAddress!, n)
            }
        }
    }

    /// `c ← β·c` on all of `c` or on one triangle of a square `c`, where
    /// `β == 0` clears even NaN (BLAS's convention for β).
    @inlinable static func scaleOrZero<S>(_ beta: S, _ c: inout Matrix<S>, triangle: Triangle? = nil) {
        let columns = c.columns
        c.withUnsafeMutableBufferPointer { pc in
            for i in 0..<(pc.count / Swift.max(columns, 1)) {
                let range: Range<Int>
                switch triangle {
                case nil: range = 0..<columns
                case .lower?: range = 0..<(i + 1)
                case .upper?: range = i..<columns
                }
                for j in range { pc[i * columns + j] = beta == 0 ? 0 : beta * pc[i * columns + j] }
            }
        }
    }
}
