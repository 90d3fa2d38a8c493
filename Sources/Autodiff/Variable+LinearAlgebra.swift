import LinearAlgebra
import RealModule

// Linear-algebra rules. Backward passes use triangular solves, never an
// explicit inverse, and are taped, so they differentiate again.

extension Variable {
    /// Elementwise product with a constant 0/1 (or other fixed) mask.
    func masked(_ mask: Matrix<Double>) -> Variable { self * tape.constant(mask) }

    /// The solution X of op(L)·X = B (`side: .left`) or X·op(L) = B
    /// (`side: .right`), with `self` the triangular L (only `triangle` read).
    ///
    /// Pullback (for the left side): B̄ = op(L)⁻ᵀ·X̄ and op(L)̄ = −B̄·Xᵀ,
    /// restricted to the triangle.
    ///
    /// - Complexity: O(n²·k) for an n×n L and a B of k columns, one TRSM; the pullback is one TRSM
    ///   more and, when L is not constant, one GEMM.
    public func solveTriangular(_ b: Variable, triangle: Triangle = .lower, transpose: Transpose = .none, side: Side = .left) -> Variable {
        var x = b.value
        BLAS.trsm(value, &x, side: side, triangle: triangle, transpose: transpose)
        let n = rows
        let mask = Matrix<Double>(rows: n, columns: n) { i, j in (triangle == .lower ? j <= i : j >= i) ? 1 : 0 }
        let flipped: Transpose = transpose.isTransposed ? .none : .transpose
        return tape.record(x, "solveTriangular", [self, b], tangent: { t, x in
            // op(L)·X = B moves as op(L̇)·X + op(L)·Ẋ = Ḃ: Ẋ = op(L)⁻¹(Ḃ − op(L̇)·X), only L̇'s triangle read.
            let lx = t[0].map { lDot in
                let l = lDot.masked(mask)
                return side == .left ? l.matmul(x, transposeSelf: transpose) : x.matmul(l, transposeOther: transpose)
            }
            let rhs: Variable = switch (t[1], lx) {
            case let (bDot?, lx?): bDot - lx
            case let (bDot?, nil): bDot
            case let (nil, lx?): -lx
            case (nil, nil): preconditionFailure("a tangent rule runs only when an input moves")
            }
            return self.solveTriangular(rhs, triangle: triangle, transpose: transpose, side: side)
        }) { g, x in
            let l = self
            // B̄ is needed for L̄ too, so it is computed even for a constant B.
            if side == .left {
                let bBar = l.solveTriangular(g, triangle: triangle, transpose: flipped, side: .left)
                guard !l.isConstant else { return [nil, bBar] }
                // op(L)̄ = −B̄·Xᵀ; for op = transpose, L̄ = −X·B̄ᵀ.
                let lBar = transpose.isTransposed ? x.matmul(bBar, transposeOther: .transpose) : bBar.matmul(x, transposeOther: .transpose)
                return [(-lBar).masked(mask), bBar]
            } else {
                let bBar = l.solveTriangular(g, triangle: triangle, transpose: flipped, side: .right)
                guard !l.isConstant else { return [nil, bBar] }
                // op(L)̄ = −Xᵀ·B̄; for op = transpose, L̄ = −B̄ᵀ·X.
                let lBar = transpose.isTransposed ? bBar.matmul(x, transposeSelf: .transpose) : x.matmul(bBar, transposeSelf: .transpose)
                return [(-lBar).masked(mask), bBar]
            }
        }
    }

    /// The lower Cholesky factor L of a symmetric positive definite matrix
    /// (A = L·Lᵀ; only the lower triangle of A is read), or nil when A is not
    /// positive definite.
    ///
    /// Pullback (Murray, "Differentiation of the Cholesky decomposition",
    /// 2016): with Φ taking the lower triangle and halving the diagonal,
    /// S = L⁻ᵀ·Φ(Lᵀ·L̄)·L⁻¹ by two triangular solves, and Ā = (S + Sᵀ)/2.
    ///
    /// - Complexity: O(n³/3), one POTRF; the pullback is one GEMM and two TRSMs, O(n³).
    public func cholesky() -> Variable? {
        guard let factor = try? Cholesky(value).factor else { return nil }
        let n = rows
        let phi = Matrix<Double>(rows: n, columns: n) { i, j in j < i ? 1 : (i == j ? 0.5 : 0) }
        return tape.record(factor, "cholesky", [self], tangent: { t, l in
            // A = L·Lᵀ moves as L̇ = L·Φ(L⁻¹·Ȧ·L⁻ᵀ), Ȧ taken symmetric as in the pullback.
            let aDot = 0.5 * (t[0]! + t[0]!.transposed())
            let inner = l.solveTriangular(l.solveTriangular(aDot, triangle: .lower), triangle: .lower, transpose: .transpose, side: .right)
            return l.matmul(inner.masked(phi))
        }) { g, l in
            let p = l.matmul(g, transposeSelf: .transpose).masked(phi)
            let z = l.solveTriangular(p, triangle: .lower, transpose: .transpose, side: .left)
            let s = l.solveTriangular(z, triangle: .lower, transpose: .none, side: .right)
            return [0.5 * (s + s.transposed())]
        }
    }

    /// log |A| of a symmetric positive definite A, as 2·Σ log Lᵢᵢ; nil when A
    /// is not positive definite.
    ///
    /// - Complexity: O(n³/3) for the Cholesky factorisation and O(n) more; the pullback is the
    ///   factorisation's, O(n³).
    public func logDeterminantSPD() -> Variable? {
        cholesky().map { 2 * $0.diagonal().log().sum() }
    }

    /// A⁻¹·B for symmetric positive definite A (self), by the Cholesky factor
    /// and two triangular solves; nil when A is not positive definite.
    ///
    /// - Complexity: O(n³/3 + n²·k) for a B of k columns: a Cholesky factorisation and two TRSMs;
    ///   the pullback is O(n³ + n²·k).
    public func solveSPD(_ b: Variable) -> Variable? {
        cholesky().map { l in
            l.solveTriangular(l.solveTriangular(b, triangle: .lower), triangle: .lower, transpose: .transpose)
        }
    }

}
