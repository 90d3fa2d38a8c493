import COpenBLAS

/// LAPACK on ``Matrix``, in place.
///
/// LAPACK is column-major and `Matrix` row-major. A row-major symmetric or
/// triangular matrix is, in memory, the column-major transpose, so each call
/// flips the triangle instead of copying: a row-major lower Cholesky factor is
/// LAPACK's column-major upper one. LAPACKE's row-major entry points would
/// transpose into scratch copies instead.
public enum LAPACK {}

extension LAPACK {
    /// Cholesky factorisation in place: `a = L·Lᵀ` (`triangle: .lower`) or
    /// `a = Uᵀ·U` (`.upper`). Only `triangle` of `a` is read and overwritten
    /// with the factor; the other triangle is left as it was.
    ///
    /// - Throws: ``LinearAlgebraError/notPositiveDefinite(leadingMinor:)``
    ///   naming the first leading minor that is not positive; a NaN or ∞ in
    ///   the triangle fails at the first minor that contains it. `a` is then
    ///   partly overwritten.
    /// - Complexity: n³/3 flops.
    public static func potrf<S>(_ a: inout Matrix<S>, triangle: Triangle = .lower) throws(LinearAlgebraError) {
        precondition(a.isSquare, "potrf: the matrix must be square, got \(a.rows)×\(a.columns)")
        let n = a.rows
        if n == 0 { return }
        let info = a.withUnsafeMutableBufferPointer { S.lapackPotrf(triangle.flipped, n, $0.baseAddress!, n) }
        if info > 0 { throw .notPositiveDefinite(leadingMinor: info) }
        precondition(info == 0, "potrf: LAPACK rejected argument \(-info)")
        // OpenBLAS's potrf tests `ajj <= 0`, which NaN passes: a NaN or ∞
        // anywhere in row k of the triangle reaches the diagonal at k.
        for k in 0..<n where !(a[k, k].isFinite && a[k, k] > 0) {
            throw .notPositiveDefinite(leadingMinor: k + 1)
        }
    }

    /// Solves `A·X = B` in place of `b`, given the Cholesky factor of `A` from
    /// ``potrf(_:triangle:)`` with the same `triangle`. Works as LAPACK's
    /// `potrs` does, by two triangular solves, but on row-major data directly.
    ///
    /// - Complexity: 2·n²·m flops for `b` of n×m.
    public static func potrs<S>(factor: Matrix<S>, _ b: inout Matrix<S>, triangle: Triangle = .lower) {
        precondition(factor.isSquare && factor.rows == b.rows,
                     "potrs: the factor is \(factor.rows)×\(factor.columns) but B has \(b.rows) rows")
        // A = L·Lᵀ: solve L·Y = B, then Lᵀ·X = Y. A = Uᵀ·U: Uᵀ·Y = B, then U·X = Y.
        let first: Transpose = triangle == .lower ? .none : .transpose
        let second: Transpose = triangle == .lower ? .transpose : .none
        BLAS.trsm(factor, &b, side: .left, triangle: triangle, transpose: first)
        BLAS.trsm(factor, &b, side: .left, triangle: triangle, transpose: second)
    }

    /// Inverts a symmetric positive definite matrix in place, given its
    /// Cholesky factor from ``potrf(_:triangle:)`` with the same `triangle`.
    /// The whole matrix holds the (symmetric) inverse afterwards.
    ///
    /// - Throws: ``LinearAlgebraError/singular(diagonalIndex:)`` when the
    ///   factor has a zero on its diagonal.
    /// - Complexity: 2n³/3 flops.
    public static func potri<S>(_ factor: inout Matrix<S>, triangle: Triangle = .lower) throws(LinearAlgebraError) {
        precondition(factor.isSquare, "potri: the factor must be square, got \(factor.rows)×\(factor.columns)")
        let n = factor.rows
        if n == 0 { return }
        let info = factor.withUnsafeMutableBufferPointer { S.lapackPotri(triangle.flipped, n, $0.baseAddress!, n) }
        if info > 0 { throw .singular(diagonalIndex: info) }
        precondition(info == 0, "potri: LAPACK rejected argument \(-info)")
        factor.symmetrize(from: triangle)
    }

    /// Inverts a triangular matrix in place; only `triangle` is read and
    /// written, the other triangle is left as it was.
    ///
    /// - Throws: ``LinearAlgebraError/singular(diagonalIndex:)`` when a
    ///   diagonal element is exactly zero.
    /// - Complexity: n³/3 flops.
    public static func trtri<S>(_ a: inout Matrix<S>, triangle: Triangle, unitDiagonal: Bool = false) throws(LinearAlgebraError) {
        precondition(a.isSquare, "trtri: the matrix must be square, got \(a.rows)×\(a.columns)")
        let n = a.rows
        if n == 0 { return }
        let info = a.withUnsafeMutableBufferPointer {
            S.lapackTrtri(triangle.flipped, unitDiagonal, n, $0.baseAddress!, n)
        }
        if info > 0 { throw .singular(diagonalIndex: info) }
        precondition(info == 0, "trtri: LAPACK rejected argument \(-info)")
    }

    /// Eigenvalues (ascending) and, if asked, eigenvectors of a symmetric
    /// matrix, by divide and conquer (`syevd`). Only `triangle` of `a` is read.
    ///
    /// On return `a` holds the eigenvectors **as rows** (row `i` belongs to
    /// eigenvalue `i`) when `computeVectors` is true, and is destroyed
    /// otherwise. ``SymmetricEigendecomposition`` wraps this with the usual
    /// column convention.
    ///
    /// - Throws: ``LinearAlgebraError/nonFinite(routine:)`` for NaN or ∞
    ///   input (on which LAPACK would loop or return garbage), and
    ///   ``LinearAlgebraError/eigenvaluesDidNotConverge(unconverged:)``.
    /// - Complexity: about 9n³ flops with vectors, 4n³/3 without.
    public static func syevd<S>(
        _ a: inout Matrix<S>, triangle: Triangle = .lower, computeVectors: Bool = true
    ) throws(LinearAlgebraError) -> [S] {
        precondition(a.isSquare, "syevd: the matrix must be square, got \(a.rows)×\(a.columns)")
        let n = a.rows
        if n == 0 { return [] }
        let finite = a.withUnsafeBufferPointer { $0.allSatisfy { $0.isFinite } }
        if !finite { throw .nonFinite(routine: "syevd") }
        var values = [S](repeating: 0, count: n)
        let info = a.withUnsafeMutableBufferPointer { pa in
            values.withUnsafeMutableBufferPointer { pw in
                S.lapackSyevd(computeVectors, triangle.flipped, n, pa.baseAddress!, n, pw.baseAddress!)
            }
        }
        if info > 0 { throw .eigenvaluesDidNotConverge(unconverged: info) }
        precondition(info == 0, "syevd: LAPACK rejected argument \(-info)")
        return values
    }
}
