import CVectorMath

/// Eigenvalues and eigenvectors of small symmetric matrices by cyclic
/// Jacobi rotations, on flat row-major d × d buffers.
///
/// For the d × d matrices mclust's models decompose every M-step, where d
/// is often 2 to 8: there LAPACK's `dsyevd` spends about 20 000
/// instructions on a 4 × 4 matrix in set-up (reduction to tridiagonal
/// form, workspace queries, back-transformation), several times the
/// rotations themselves. Jacobi's method is also accurate to a few ulps
/// relative to the largest eigenvalue. Above ``largestDimension`` use
/// ``SymmetricEigendecomposition``.
package enum SmallSymmetricEigen {
    /// The largest d this is meant for: a sweep costs about 6·d³ flops and
    /// it takes 5 to 10, where LAPACK's reduction costs about 9·d³ once.
    package static let largestDimension = 8

    /// Decomposes the symmetric d × d matrix `a` (both triangles read) as
    /// V·diag(λ)·Vᵀ: the eigenvalues, ascending, into `values`, and the
    /// orthonormal eigenvectors into the columns of `vectors`, in the same
    /// order. Returns false, leaving the outputs undefined, when `a` holds
    /// NaN or an infinity or the rotations do not converge in 100 sweeps.
    package static func decompose(_ a: UnsafeBufferPointer<Double>, dimension d: Int,
                                  values: UnsafeMutableBufferPointer<Double>,
                                  vectors: UnsafeMutableBufferPointer<Double>) -> Bool {
        withUnsafeTemporaryAllocation(of: Int32.self, capacity: 1) { decomposed in
            decompose(a, count: 1, dimension: d, values: values, vectors: vectors, decomposed: decomposed)
            return decomposed[0] == 1
        }
    }

    /// ``decompose(_:dimension:values:vectors:)`` of `count` matrices at
    /// once, row-major one after another in `a`: matrix c's eigenvalues
    /// from values[c·d] and eigenvectors from vectors[c·d·d], and
    /// `decomposed[c]` 1 where it succeeded, 0 where it failed.
    ///
    /// The matrices are rotated eight at a time, one per vector lane, so
    /// that their chains of divisions and square roots overlap (an EEV
    /// iteration on iris, d = 4, K = 5: 9.2 µs, against 15.7 µs one matrix
    /// at a time). Each matrix's results are the same bits whichever
    /// matrices share its call.
    package static func decompose(_ a: UnsafeBufferPointer<Double>, count: Int, dimension d: Int,
                                  values: UnsafeMutableBufferPointer<Double>, vectors: UnsafeMutableBufferPointer<Double>,
                                  decomposed: UnsafeMutableBufferPointer<Int32>) {
        let done = decompose(a, count: count, dimension: d, values: values, vectors: vectors, decomposed: decomposed, using: nil)
        precondition(done, "the widest instruction set is always available")
    }

    /// ``decompose(_:count:dimension:values:vectors:decomposed:)`` with a
    /// chosen instruction set (nil: the widest this processor has); false,
    /// doing nothing, when this processor lacks it: for tests of every variant.
    package static func decompose(_ a: UnsafeBufferPointer<Double>, count: Int, dimension d: Int,
                                  values: UnsafeMutableBufferPointer<Double>, vectors: UnsafeMutableBufferPointer<Double>,
                                  decomposed: UnsafeMutableBufferPointer<Int32>, using set: VectorMath.InstructionSet?) -> Bool {
        precondition((1...largestDimension).contains(d), "SmallSymmetricEigen: d = \(d) is outside 1...\(largestDimension)")
        precondition(count >= 0 && a.count >= count * d * d && values.count >= count * d
                     && vectors.count >= count * d * d && decomposed.count >= count)
        guard count > 0 else { return true }
        return gauss_symmetric_eigen(set?.rawValue ?? -1, a.baseAddress!, count, d, values.baseAddress!,
                                     vectors.baseAddress!, decomposed.baseAddress!) == 0
    }

    /// ``decompose(_:dimension:values:vectors:)`` of a matrix: the
    /// eigenvalues ascending and the eigenvectors as columns, or nil.
    package static func decompose(_ a: Matrix<Double>) -> (values: [Double], vectors: Matrix<Double>)? {
        precondition(a.isSquare, "SmallSymmetricEigen: the matrix must be square, got \(a.rows)×\(a.columns)")
        let d = a.rows
        var values = [Double](repeating: 0, count: d), vectors = Matrix<Double>(rows: d, columns: d)
        let decomposed = a.withUnsafeBufferPointer { a in
            values.withUnsafeMutableBufferPointer { w in
                vectors.withUnsafeMutableBufferPointer { v in decompose(a, dimension: d, values: w, vectors: v) }
            }
        }
        return decomposed ? (values, vectors) : nil
    }
}
