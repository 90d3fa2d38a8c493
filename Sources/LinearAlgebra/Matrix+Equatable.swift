extension Matrix: Equatable {
    /// Two matrices are equal when they have the same shape and equal elements
    /// (so, as for arrays of floating-point numbers, a matrix holding NaN is
    /// not equal to itself).
    @inlinable public static func == (lhs: Matrix, rhs: Matrix) -> Bool {
        guard lhs.rows == rhs.rows && lhs.columns == rhs.columns else { return false }
        return lhs.withUnsafeBufferPointer { a in
            rhs.withUnsafeBufferPointer { b in a.elementsEqual(b) }
        }
    }
}
