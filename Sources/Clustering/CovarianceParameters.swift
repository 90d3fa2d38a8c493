import LinearAlgebra
import RealModule

/// Per-component second-order parameters — covariances, precisions, or
/// their Cholesky factors — in the shape scikit-learn uses for each
/// covariance type.
public enum CovarianceParameters: Sendable, Equatable {
    /// K matrices of d×d, one per component.
    case full([Matrix<Double>])
    /// One d×d matrix shared by every component.
    case tied(Matrix<Double>)
    /// A K×d matrix: row k is the diagonal of component k.
    case diag(Matrix<Double>)
    /// K values, one per component.
    case spherical([Double])

    /// Identity matrices (or ones) for every component: unit covariances or
    /// precisions in the shape of `type`.
    public static func identity(_ type: CovarianceType, componentCount k: Int, dimension d: Int) -> CovarianceParameters {
        switch type {
        case .full: return .full([Matrix<Double>](repeating: .identity(d), count: k))
        case .tied: return .tied(.identity(d))
        case .diag: return .diag(Matrix(rows: k, columns: d, repeating: 1))
        case .spherical: return .spherical([Double](repeating: 1, count: k))
        }
    }

    /// The covariance type this value belongs to.
    public var covarianceType: CovarianceType {
        switch self {
        case .full: return .full
        case .tied: return .tied
        case .diag: return .diag
        case .spherical: return .spherical
        }
    }

    /// The shape as scikit-learn reports it: `[K, d, d]`, `[d, d]`, `[K, d]` or
    /// `[K]`. Full matrices of different shapes report `[K, -1, -1]`, which
    /// matches no expected shape.
    public var shape: [Int] {
        switch self {
        case .full(let ms):
            guard let first = ms.first else { return [0, 0, 0] }
            let uniform = ms.allSatisfy { $0.rows == first.rows && $0.columns == first.columns }
            return uniform ? [ms.count, first.rows, first.columns] : [ms.count, -1, -1]
        case .tied(let m): return [m.rows, m.columns]
        case .diag(let m): return [m.rows, m.columns]
        case .spherical(let v): return [v.count]
        }
    }

    /// The expected shape for `components` components in `dimension` dimensions.
    static func expectedShape(_ type: CovarianceType, components k: Int, dimension d: Int) -> [Int] {
        switch type {
        case .full: return [k, d, d]
        case .tied: return [d, d]
        case .diag: return [k, d]
        case .spherical: return [k]
        }
    }

    /// The d×d matrix of component `k` (diagonal for diag and spherical).
    public func matrix(component k: Int, dimension d: Int) -> Matrix<Double> {
        switch self {
        case .full(let ms): return ms[k]
        case .tied(let m): return m
        case .diag(let m): return Matrix(diagonal: m.row(k))
        case .spherical(let v): return Matrix(diagonal: [Double](repeating: v[k], count: d))
        }
    }

    /// Applies `matrixTransform` to every matrix (full, tied) or
    /// `valueTransform` to every value (diag, spherical).
    func mapMatrices(_ matrixTransform: (Matrix<Double>) -> Matrix<Double>,
                     values valueTransform: (Double) -> Double) -> CovarianceParameters {
        switch self {
        case .full(let ms): return .full(ms.map(matrixTransform))
        case .tied(let m): return .tied(matrixTransform(m))
        case .diag(let m): return .diag(m.map(valueTransform))
        case .spherical(let v): return .spherical(v.map(valueTransform))
        }
    }
}

// MARK: - Conversions between covariances, precisions and their Cholesky factors

extension CovarianceParameters {
    /// The Cholesky factors of the precisions, scikit-learn's
    /// `precisions_cholesky_`: for full and tied, the upper-triangular U with
    /// precision = U·Uᵀ, computed as U = L⁻ᵀ from covariance = L·Lᵀ; for diag
    /// and spherical, 1/√variance.
    ///
    /// - Throws: the first component whose covariance is not positive
    ///   definite (0 for tied).
    func precisionCholeskyFromCovariances() throws(ComponentIndex) -> CovarianceParameters {
        switch self {
        case .full(let covariances):
            var factors: [Matrix<Double>] = []
            for (k, covariance) in covariances.enumerated() {
                factors.append(try Self.upperPrecisionFactor(ofCovariance: covariance, component: k))
            }
            return .full(factors)
        case .tied(let covariance):
            return .tied(try Self.upperPrecisionFactor(ofCovariance: covariance, component: 0))
        case .diag(let variances):
            try Self.checkPositive(variances)
            return .diag(variances.map { 1 / $0.squareRoot() })
        case .spherical(let variances):
            try Self.checkPositive(Matrix(rows: variances.count, columns: 1, elements: variances))
            return .spherical(variances.map { 1 / $0.squareRoot() })
        }
    }

    /// U = L⁻ᵀ for covariance = L·Lᵀ, so that U·Uᵀ = covariance⁻¹.
    static func upperPrecisionFactor(ofCovariance covariance: Matrix<Double>, component: Int) throws(ComponentIndex) -> Matrix<Double> {
        var factor = covariance
        do {
            try LAPACK.potrf(&factor, triangle: .lower)
            try LAPACK.trtri(&factor, triangle: .lower)
        } catch {
            throw ComponentIndex(value: component)
        }
        return factor.lowerTriangle().transposed()
    }

    /// Throws the first row holding a value that is not finite and positive.
    private static func checkPositive(_ values: Matrix<Double>) throws(ComponentIndex) {
        for k in 0..<values.rows where !values.row(k).allSatisfy({ $0 > 0 && $0.isFinite }) {
            throw ComponentIndex(value: k)
        }
    }

    /// The Cholesky factors of the precisions from the precisions themselves,
    /// as scikit-learn 1.9 computes them: U = J·chol(J·P·J)·J with J the
    /// exchange matrix, which is upper triangular with U·Uᵀ = P.
    func precisionCholeskyFromPrecisions() throws(ComponentIndex) -> CovarianceParameters {
        func reversedFactor(_ precision: Matrix<Double>, component: Int) throws(ComponentIndex) -> Matrix<Double> {
            let n = precision.rows
            var flipped = Matrix(rows: n, columns: n) { i, j in precision[n - 1 - i, n - 1 - j] }
            do { try LAPACK.potrf(&flipped, triangle: .lower) } catch { throw ComponentIndex(value: component) }
            return Matrix(rows: n, columns: n) { i, j in i <= j ? flipped[n - 1 - i, n - 1 - j] : 0 }
        }
        switch self {
        case .full(let precisions):
            var factors: [Matrix<Double>] = []
            for (k, precision) in precisions.enumerated() { factors.append(try reversedFactor(precision, component: k)) }
            return .full(factors)
        case .tied(let precision):
            return .tied(try reversedFactor(precision, component: 0))
        case .diag(let precisions):
            try Self.checkPositive(precisions)
            return .diag(precisions.map { $0.squareRoot() })
        case .spherical(let precisions):
            try Self.checkPositive(Matrix(rows: precisions.count, columns: 1, elements: precisions))
            return .spherical(precisions.map { $0.squareRoot() })
        }
    }

    /// Precisions from their Cholesky factors: U·Uᵀ, or the square.
    func precisionsFromCholesky() -> CovarianceParameters {
        mapMatrices({ u in u.matmul(u, transposeOther: .transpose) }, values: { $0 * $0 })
    }

    /// Covariances from the Cholesky factors of the precisions:
    /// (U·Uᵀ)⁻¹ = U⁻ᵀ·U⁻¹, or 1/value².
    func covariancesFromPrecisionCholesky() -> CovarianceParameters {
        mapMatrices({ u in
            var inverse = u
            // The factors of a valid model have a positive diagonal.
            try! LAPACK.trtri(&inverse, triangle: .upper)
            let uInverse = inverse.upperTriangle()
            return uInverse.matmul(uInverse, transposeSelf: .transpose)
        }, values: { 1 / ($0 * $0) })
    }
}

/// A component index thrown by the conversions above; callers turn it into
/// a user-facing error that says which parameters were at fault.
struct ComponentIndex: Error {
    var value: Int
}
