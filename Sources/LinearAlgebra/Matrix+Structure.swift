// Reshaping and structural extraction: transpose, diagonal, triangles.

extension Matrix {
    /// The transpose, a new `columns × rows` matrix.
    ///
    /// - Complexity: O(rows × columns), in cache-sized tiles.
    @inlinable public func transposed() -> Matrix {
        let tile = 32
        var result = Matrix(rows: columns, columns: rows)
        let (m, n) = (rows, columns)
        withUnsafeBufferPointer { source in
            result.withUnsafeMutableBufferPointer { target in
                for i0 in stride(from: 0, to: m, by: tile) {
                    for j0 in stride(from: 0, to: n, by: tile) {
                        for i in i0..<Swift.min(i0 + tile, m) {
                            for j in j0..<Swift.min(j0 + tile, n) {
                                target[j * m + i] = source[i * n + j]
                            }
                        }
                    }
                }
            }
        }
        return result
    }

    /// The main diagonal, `min(rows, columns)` elements.
    @inlinable public var diagonal: [Scalar] {
        (0..<Swift.min(rows, columns)).map { self[$0, $0] }
    }

    /// A copy with every element above the diagonal set to zero.
    @inlinable public func lowerTriangle() -> Matrix {
        Matrix(rows: rows, columns: columns) { i, j in j <= i ? self[i, j] : 0 }
    }

    /// A copy with every element below the diagonal set to zero.
    @inlinable public func upperTriangle() -> Matrix {
        Matrix(rows: rows, columns: columns) { i, j in j >= i ? self[i, j] : 0 }
    }

    /// Copies `triangle` onto the other triangle, making a square matrix
    /// symmetric. Routines such as `syrk` and `potri` write only one triangle.
    ///
    /// - Precondition: the matrix is square.
    @inlinable public mutating func symmetrize(from triangle: Triangle) {
        precondition(isSquare, "only a square matrix can be symmetrized, got \(rows)×\(columns)")
        let n = rows
        withUnsafeMutableBufferPointer { a in
            for i in 0..<n {
                for j in 0..<i {
                    if triangle == .lower { a[j * n + i] = a[i * n + j] } else { a[i * n + j] = a[j * n + i] }
                }
            }
        }
    }
}
