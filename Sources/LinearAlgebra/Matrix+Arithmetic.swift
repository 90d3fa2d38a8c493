// Elementwise arithmetic and the matrix product, allocating their results.
// Hot loops should call the `BLAS` wrappers with an output buffer instead.

extension Matrix {
    /// The elementwise sum.
    @inlinable public static func + (lhs: Matrix, rhs: Matrix) -> Matrix {
        var result = lhs
        BLAS.axpy(1, rhs, &result)
        return result
    }

    /// The elementwise difference.
    @inlinable public static func - (lhs: Matrix, rhs: Matrix) -> Matrix {
        var result = lhs
        BLAS.axpy(-1, rhs, &result)
        return result
    }

    /// Every element multiplied by `scalar`.
    @inlinable public static func * (scalar: Scalar, matrix: Matrix) -> Matrix {
        var result = matrix
        BLAS.scal(scalar, &result)
        return result
    }

    /// The elementwise negation.
    public static prefix func - (matrix: Matrix) -> Matrix {
        (-1 as Scalar) * matrix
    }

    /// A matrix of the same shape with `transform` applied to every element.
    @inlinable public func map(_ transform: (Scalar) throws -> Scalar) rethrows -> Matrix {
        var result = Matrix(rows: rows, columns: columns)
        try withUnsafeBufferPointer { source in
            try result.withUnsafeMutableBufferPointer { target in
                for i in source.indices { target[i] = try transform(source[i]) }
            }
        }
        return result
    }

    /// The matrix product `op(self) · op(other)`.
    ///
    /// - Complexity: O(m·n·k) flops through `gemm`.
    @inlinable public func matmul(_ other: Matrix, transposeSelf: Transpose = .none, transposeOther: Transpose = .none) -> Matrix {
        let m = transposeSelf.isTransposed ? columns : rows
        let n = transposeOther.isTransposed ? other.rows : other.columns
        // gemm with β = 0 writes every element without reading it: no need to clear.
        let k = transposeSelf.isTransposed ? rows : columns
        var result = k == 0 ? Matrix(rows: m, columns: n) : Matrix(unsafeUninitializedRows: m, columns: n) { _ in }
        BLAS.gemm(self, other, into: &result, transposeA: transposeSelf, transposeB: transposeOther)
        return result
    }
}
