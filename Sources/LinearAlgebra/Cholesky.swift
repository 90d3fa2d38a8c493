import RealModule

/// The Cholesky factorisation of a symmetric positive definite matrix,
/// `A = L·Lᵀ` with `L` lower triangular, or `A = Uᵀ·U` with `U` upper
/// triangular.
///
/// ```swift
/// let covariance = Matrix<Double>([[4, 2], [2, 3]])
/// let b = Matrix<Double>([[1], [2]])
/// let chol = try Cholesky(covariance)          // throws if not positive definite
/// let x = chol.solve(b)                        // A⁻¹·b by two triangular solves
/// let logDet = chol.logDeterminant             // log |A|
/// ```
public struct Cholesky<Scalar: BLASScalar>: Sendable {
    /// The triangular factor; the other triangle holds zeros.
    public let factor: Matrix<Scalar>
    /// Which triangle ``factor`` occupies.
    public let triangle: Triangle

    /// Factorises `matrix`, reading only its `triangle`.
    ///
    /// - Throws: ``LinearAlgebraError/notPositiveDefinite(leadingMinor:)``.
    /// - Complexity: n³/3 flops.
    public init(_ matrix: Matrix<Scalar>, triangle: Triangle = .lower) throws(LinearAlgebraError) {
        var a = matrix
        try LAPACK.potrf(&a, triangle: triangle)
        factor = triangle == .lower ? a.lowerTriangle() : a.upperTriangle()
        self.triangle = triangle
    }

    /// `A⁻¹·b`.
    ///
    /// - Complexity: 2·n²·m flops for `b` of n×m.
    public func solve(_ b: Matrix<Scalar>) -> Matrix<Scalar> {
        var x = b
        LAPACK.potrs(factor: factor, &x, triangle: triangle)
        return x
    }

    /// `log |A| = 2·Σ log Lᵢᵢ`, finite even where `|A|` itself would overflow
    /// or underflow.
    public var logDeterminant: Scalar {
        Cholesky.logDeterminant(ofFactor: factor)
    }

    /// `A⁻¹`, symmetric.
    ///
    /// - Complexity: 2n³/3 flops.
    public func inverse() -> Matrix<Scalar> {
        var inverse = factor
        // A successful factorisation has a positive diagonal, so potri cannot fail.
        try! LAPACK.potri(&inverse, triangle: triangle)
        return inverse
    }

    /// `log |A|` from a triangular Cholesky factor of `A`: twice the sum of
    /// the logarithms of its diagonal.
    public static func logDeterminant(ofFactor factor: Matrix<Scalar>) -> Scalar {
        precondition(factor.isSquare, "a Cholesky factor is square, got \(factor.rows)×\(factor.columns)")
        var sum: Scalar = 0
        for i in 0..<factor.rows { sum += .log(factor[i, i]) }
        return 2 * sum
    }
}
