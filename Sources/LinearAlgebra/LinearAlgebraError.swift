/// Why a factorisation or solve could not be carried out on the data given.
///
/// These depend on the values in a matrix, not on how it was called, so they
/// are thrown rather than trapped. Shape mismatches are programmer errors and
/// trap with a message instead.
public enum LinearAlgebraError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Cholesky failed: the leading minor of this order (1-based, as LAPACK
    /// counts) is not positive, or holds NaN, so the matrix is not positive
    /// definite.
    case notPositiveDefinite(leadingMinor: Int)
    /// A triangular matrix has a zero at this diagonal position (1-based),
    /// so it has no inverse.
    case singular(diagonalIndex: Int)
    /// The symmetric eigensolver did not converge; this many intermediate
    /// off-diagonal elements did not reach zero.
    case eigenvaluesDidNotConverge(unconverged: Int)
    /// The input holds NaN or infinity, which the routine cannot accept.
    case nonFinite(routine: String)

    public var description: String {
        switch self {
        case .notPositiveDefinite(let k):
            return "the matrix is not positive definite: its leading minor of order \(k) is not positive"
        case .singular(let i):
            return "the triangular matrix is singular: diagonal element \(i) is zero"
        case .eigenvaluesDidNotConverge(let count):
            return "the symmetric eigensolver did not converge (\(count) off-diagonal elements remained)"
        case .nonFinite(let routine):
            return "\(routine): the matrix contains NaN or infinity"
        }
    }
}
