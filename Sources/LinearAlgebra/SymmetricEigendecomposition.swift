/// The eigendecomposition `A = V·diag(λ)·Vᵀ` of a symmetric matrix.
public struct SymmetricEigendecomposition<Scalar: BLASScalar>: Sendable {
    /// The eigenvalues λ in ascending order.
    public let values: [Scalar]
    /// The orthonormal eigenvectors V, one per **column**, in the order of
    /// ``values``.
    public let vectors: Matrix<Scalar>

    /// Decomposes `matrix`, reading only its `triangle`.
    ///
    /// - Throws: ``LinearAlgebraError/nonFinite(routine:)`` for NaN or ∞ and
    ///   ``LinearAlgebraError/eigenvaluesDidNotConverge(unconverged:)``.
    /// - Complexity: about 9n³ flops.
    public init(_ matrix: Matrix<Scalar>, triangle: Triangle = .lower) throws(LinearAlgebraError) {
        var a = matrix
        values = try LAPACK.syevd(&a, triangle: triangle, computeVectors: true)
        vectors = a.transposed()
    }

    /// The eigenvalues alone, ascending, at a fraction of the cost.
    public static func eigenvalues(of matrix: Matrix<Scalar>, triangle: Triangle = .lower) throws(LinearAlgebraError) -> [Scalar] {
        var a = matrix
        return try LAPACK.syevd(&a, triangle: triangle, computeVectors: false)
    }
}
