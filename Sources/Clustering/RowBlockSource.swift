import LinearAlgebra

/// Data that can be read a block of rows at a time: an in-memory ``Matrix``,
/// a memory-mapped `.npy` file, or a row range of either.
///
/// Fitting visits the rows in order, one block at a time, once per EM
/// iteration; it never asks for all rows at once, so a source larger than
/// memory can be fitted.
public protocol RowBlockSource {
    /// The element type of the blocks.
    associatedtype Scalar: BLASScalar
    /// Rows in the source.
    var rowCount: Int { get }
    /// Columns of every row.
    var columnCount: Int { get }
    /// The rows in `range`, ideally as a view that copies nothing.
    func rows(_ range: Range<Int>) -> Matrix<Scalar>
}

extension Matrix: RowBlockSource {
    public var rowCount: Int { rows }
    public var columnCount: Int { columns }
    public func rows(_ range: Range<Int>) -> Matrix { self[rows: range] }
}

/// A memory-mapped `.npy` file read as `Scalar` (blocks are views when the
/// file's dtype is `Scalar` and it is in C order, converted copies otherwise).
///
/// For files larger than memory, set `releasesPages`: each block's pages are
/// then handed back to the system as soon as the block is done with, so the
/// process's resident memory holds only the blocks in use (see
/// ``NpyFile/transientRows(_:as:)``). Leave it off when the file fits in
/// memory: pages kept mapped are not faulted in again on every pass.
public struct NpyRowSource<Scalar: BLASScalar>: RowBlockSource, @unchecked Sendable {
    /// The mapped file.
    public let file: NpyFile
    /// Whether a block's pages are released once it is no longer used.
    public let releasesPages: Bool

    /// Maps the `.npy` file at `path`.
    public init(path: String, as: Scalar.Type = Scalar.self, releasesPages: Bool = false) throws(NpyError) {
        try self.init(file: NpyFile(path: path), releasesPages: releasesPages)
    }

    /// Reads an already mapped file.
    public init(file: NpyFile, as: Scalar.Type = Scalar.self, releasesPages: Bool = false) {
        self.file = file
        self.releasesPages = releasesPages
    }

    public var rowCount: Int { file.header.rows }
    public var columnCount: Int { file.header.columns }
    public func rows(_ range: Range<Int>) -> Matrix<Scalar> {
        releasesPages ? file.transientRows(range, as: Scalar.self) : file.rows(range, as: Scalar.self)
    }

    /// Whether a fit, which reads its rows on every pass, should convert
    /// `file`'s rows into memory once rather than read them from the
    /// mapping: when each block read would be a converted copy (see
    /// ``LinearAlgebra/NpyFile/readsInPlace(as:)``), made again every pass,
    /// and the rows are not `streamed` (there is room to hold them).
    public static func convertsOnce(_ file: NpyFile, streamed: Bool) -> Bool {
        !streamed && !file.readsInPlace(as: Scalar.self)
    }
}

/// A contiguous range of another source's rows, such as one rank's share.
public struct RowRangeSource<Base: RowBlockSource>: RowBlockSource {
    public let base: Base
    public let range: Range<Int>

    public init(_ base: Base, rows range: Range<Int>) {
        precondition(range.lowerBound >= 0 && range.upperBound <= base.rowCount, "rows \(range) out of range")
        self.base = base
        self.range = range
    }

    public var rowCount: Int { range.count }
    public var columnCount: Int { base.columnCount }
    public func rows(_ r: Range<Int>) -> Matrix<Base.Scalar> {
        base.rows((range.lowerBound + r.lowerBound)..<(range.lowerBound + r.upperBound))
    }
}

extension RowBlockSource {
    /// Calls `body` with consecutive blocks of at most `blockRows` rows and
    /// the range each covers.
    func forEachBlock<E: Error>(rows blockRows: Int, _ body: (Range<Int>, Matrix<Scalar>) throws(E) -> Void) throws(E) {
        var start = 0
        while start < rowCount {
            let end = Swift.min(start + blockRows, rowCount)
            try body(start..<end, rows(start..<end))
            start = end
        }
    }

    /// Throws the first NaN or infinity, by row and column.
    func checkFinite(blockRows: Int) throws(ClusteringError) {
        let d = columnCount
        try forEachBlock(rows: blockRows) { (range, block) throws(ClusteringError) in
            let bad = block.withUnsafeBufferPointer { $0.firstIndex { !$0.isFinite } }
            if let bad { throw .nonFiniteValue(row: range.lowerBound + bad / d, column: bad % d) }
        }
    }
}

/// Any source seen through one concrete type per scalar. Public entry points
/// wrap their source in it and call an implementation specialised for
/// `Float` and `Double` (`@_specialize`), so the hot loops run specialised
/// whatever the caller's source type; only the per-block `rows` call is
/// dynamic.
package struct BlockReader<Scalar: BLASScalar>: RowBlockSource {
    package let rowCount: Int
    package let columnCount: Int
    private let read: (Range<Int>) -> Matrix<Scalar>

    package init<Source: RowBlockSource>(_ source: Source) where Source.Scalar == Scalar {
        rowCount = source.rowCount
        columnCount = source.columnCount
        read = source.rows
    }

    package func rows(_ range: Range<Int>) -> Matrix<Scalar> { read(range) }
}

/// Another source's rows in `Double`: Float blocks are converted, Double
/// blocks passed through. The starting statistics are taken through it,
/// because their second moments cancel: a component seeded by one row has
/// covariance exactly zero before regularization, and a Float Σ r·x·xᵀ
/// minus N·m·mᵀ leaves rounding noise of ε_Float·‖x‖², far above a
/// `reg_covar` of 10⁻⁶ (the issue: float32 fits from k-means++ failed).
struct DoublePrecisionSource<Base: RowBlockSource>: RowBlockSource {
    let base: Base

    init(_ base: Base) { self.base = base }

    var rowCount: Int { base.rowCount }
    var columnCount: Int { base.columnCount }
    func rows(_ range: Range<Int>) -> Matrix<Double> {
        let block = base.rows(range)
        if let same = block as? Matrix<Double> { return same }
        var converted = Matrix<Double>(rows: block.rows, columns: block.columns)
        block.withUnsafeBufferPointer { source in
            converted.withUnsafeMutableBufferPointer { target in
                for i in source.indices { target[i] = Double(source[i]) }
            }
        }
        return converted
    }
}
