import RealModule

/// Whether a BLAS operand is used as stored or transposed.
public enum Transpose: Sendable, Hashable {
    /// Use the matrix as stored.
    case none
    /// Use the transpose of the matrix.
    case transpose

    /// Whether this is ``transpose``.
    @inlinable public var isTransposed: Bool { self == .transpose }
}

/// Which triangle of a square matrix an operation reads or writes.
public enum Triangle: Sendable, Hashable {
    /// The lower triangle, row index ≥ column index.
    case lower
    /// The upper triangle, row index ≤ column index.
    case upper

    /// The other triangle.
    @inlinable public var flipped: Triangle { self == .lower ? .upper : .lower }
}

/// On which side of the unknown a triangular matrix stands in `trsm`/`trmm`.
public enum Side: Sendable, Hashable {
    /// `op(A) · X`.
    case left
    /// `X · op(A)`.
    case right
}

/// A real floating-point type that OpenBLAS and LAPACK compute with:
/// `Float` (the `s` routines) and `Double` (the `d` routines).
///
/// The requirements are thin, pointer-level entry points that mirror the
/// CBLAS/LAPACKE signatures. Use them through ``Matrix`` and ``BLAS``; they are
/// public only so that generic code over `BLASScalar` can be specialised.
///
/// All matrices are row-major with the given leading dimension. LAPACK
/// requirements take column-major operands; the callers in this module pass
/// row-major symmetric or triangular data with the triangle flipped, which
/// is the same memory.
public protocol BLASScalar: BinaryFloatingPoint, Real, Sendable, Codable, LosslessStringConvertible
where Self.RawSignificand: FixedWidthInteger {
    /// A human-readable name of the element type as numpy spells it (`float32`, `float64`).
    static var dtypeName: String { get }

    // MARK: BLAS level 1
    static func blasAxpy(_ n: Int, _ alpha: Self, _ x: UnsafePointer<Self>, _ y: UnsafeMutablePointer<Self>)
    static func blasScal(_ n: Int, _ alpha: Self, _ x: UnsafeMutablePointer<Self>)
    static func blasDot(_ n: Int, _ x: UnsafePointer<Self>, _ y: UnsafePointer<Self>) -> Self
    static func blasNrm2(_ n: Int, _ x: UnsafePointer<Self>) -> Self

    // MARK: BLAS level 2
    static func blasGemv(
        _ trans: Transpose, _ m: Int, _ n: Int, _ alpha: Self,
        _ a: UnsafePointer<Self>, _ lda: Int, _ x: UnsafePointer<Self>,
        _ beta: Self, _ y: UnsafeMutablePointer<Self>)

    // MARK: BLAS level 3
    static func blasGemm(
        _ transA: Transpose, _ transB: Transpose, _ m: Int, _ n: Int, _ k: Int,
        _ alpha: Self, _ a: UnsafePointer<Self>, _ lda: Int,
        _ b: UnsafePointer<Self>, _ ldb: Int,
        _ beta: Self, _ c: UnsafeMutablePointer<Self>, _ ldc: Int)
    static func blasSyrk(
        _ triangle: Triangle, _ trans: Transpose, _ n: Int, _ k: Int,
        _ alpha: Self, _ a: UnsafePointer<Self>, _ lda: Int,
        _ beta: Self, _ c: UnsafeMutablePointer<Self>, _ ldc: Int)
    static func blasTrmm(
        _ side: Side, _ triangle: Triangle, _ trans: Transpose, _ unitDiagonal: Bool,
        _ m: Int, _ n: Int, _ alpha: Self, _ a: UnsafePointer<Self>, _ lda: Int,
        _ b: UnsafeMutablePointer<Self>, _ ldb: Int)
    static func blasTrsm(
        _ side: Side, _ triangle: Triangle, _ trans: Transpose, _ unitDiagonal: Bool,
        _ m: Int, _ n: Int, _ alpha: Self, _ a: UnsafePointer<Self>, _ lda: Int,
        _ b: UnsafeMutablePointer<Self>, _ ldb: Int)

    // MARK: LAPACK (column-major; return LAPACK's `info`)
    static func lapackPotrf(_ triangle: Triangle, _ n: Int, _ a: UnsafeMutablePointer<Self>, _ lda: Int) -> Int
    static func lapackPotri(_ triangle: Triangle, _ n: Int, _ a: UnsafeMutablePointer<Self>, _ lda: Int) -> Int
    static func lapackTrtri(_ triangle: Triangle, _ unitDiagonal: Bool, _ n: Int, _ a: UnsafeMutablePointer<Self>, _ lda: Int) -> Int
    static func lapackSyevd(
        _ computeVectors: Bool, _ triangle: Triangle, _ n: Int,
        _ a: UnsafeMutablePointer<Self>, _ lda: Int, _ w: UnsafeMutablePointer<Self>) -> Int
}
