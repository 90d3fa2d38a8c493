/// A dense, row-major matrix of `Float` or `Double` with value semantics.
///
/// Rows are stored one after another, as numpy's C order, so a `.npy` file or a
/// CSV file maps onto a `Matrix` row for row. Copies share storage until one
/// of them is written to (copy-on-write). A range of rows is a *view*: taking
/// it with ``subscript(rows:)`` copies nothing, which is how chunked algorithms
/// walk a large (or memory-mapped) matrix block by block.
///
/// ```swift
/// var a = Matrix<Double>([[1, 2], [3, 4]])
/// a[0, 1] = 5
/// let block = a[rows: 1..<2]       // a 1×2 view, no copy
/// let c = a.matmul(a, transposeOther: .transpose)
/// ```
public struct Matrix<Scalar: BLASScalar>: @unchecked Sendable {
    @usableFromInline var storage: MatrixStorage<Scalar>
    /// Index in `storage` of element (0, 0).
    @usableFromInline var offset: Int
    /// The number of rows.
    public private(set) var rows: Int
    /// The number of columns.
    public private(set) var columns: Int

    @usableFromInline init(storage: MatrixStorage<Scalar>, offset: Int, rows: Int, columns: Int) {
        self.storage = storage
        self.offset = offset
        self.rows = rows
        self.columns = columns
    }

    /// The number of elements, `rows × columns`.
    @inlinable public var count: Int { rows * columns }

    /// Whether the matrix has no elements (zero rows or zero columns).
    @inlinable public var isEmpty: Bool { rows == 0 || columns == 0 }

    /// Whether the matrix has as many rows as columns.
    @inlinable public var isSquare: Bool { rows == columns }
}

// MARK: - Creating matrices

extension Matrix {
    /// A `rows × columns` matrix with every element equal to `value`.
    @inlinable public init(rows: Int, columns: Int, repeating value: Scalar = 0) {
        precondition(rows >= 0 && columns >= 0, "matrix dimensions must be non-negative, got \(rows)×\(columns)")
        let storage = rows * columns == 0 ? .empty : MatrixStorage.make(capacity: rows * columns, repeating: value)
        self.init(storage: storage, offset: 0, rows: rows, columns: columns)
    }

    /// A `rows × columns` matrix holding `elements` in row-major order.
    ///
    /// - Precondition: `elements.count == rows * columns`.
    @inlinable public init(rows: Int, columns: Int, elements: [Scalar]) {
        precondition(rows >= 0 && columns >= 0, "matrix dimensions must be non-negative, got \(rows)×\(columns)")
        precondition(elements.count == rows * columns,
                     "\(elements.count) elements cannot fill a \(rows)×\(columns) matrix")
        let storage = MatrixStorage<Scalar>.make(capacity: elements.count) { base in
            elements.withUnsafeBufferPointer { base.initialize(from: $0.baseAddress!, count: $0.count) }
        }
        self.init(storage: storage, offset: 0, rows: rows, columns: columns)
    }

    /// A matrix from an array of equally long rows.
    ///
    /// An empty array gives a 0×0 matrix.
    ///
    /// - Precondition: every row has the same length.
    @inlinable public init(_ rowArrays: [[Scalar]]) {
        let columns = rowArrays.first?.count ?? 0
        for (i, row) in rowArrays.enumerated() {
            precondition(row.count == columns, "row \(i) has \(row.count) elements, expected \(columns)")
        }
        self.init(rows: rowArrays.count, columns: columns, elements: Array(rowArrays.joined()))
    }

    /// A `rows × columns` matrix whose element `(i, j)` is `element(i, j)`,
    /// evaluated in row-major order.
    @inlinable public init(rows: Int, columns: Int, _ element: (_ row: Int, _ column: Int) throws -> Scalar) rethrows {
        precondition(rows >= 0 && columns >= 0, "matrix dimensions must be non-negative, got \(rows)×\(columns)")
        guard rows * columns > 0 else {
            self.init(storage: .empty, offset: 0, rows: rows, columns: columns)
            return
        }
        let storage = try MatrixStorage<Scalar>.make(capacity: rows * columns) { base in
            var p = base
            for i in 0..<rows {
                for j in 0..<columns {
                    p.initialize(to: try element(i, j))
                    p += 1
                }
            }
        }
        self.init(storage: storage, offset: 0, rows: rows, columns: columns)
    }

    /// A `rows × columns` matrix whose elements `initializer` writes, in
    /// row-major order, into memory that is not cleared first: the fast path
    /// for results that are computed in full anyway. `initializer` must write
    /// every element.
    @inlinable public init(
        unsafeUninitializedRows rows: Int, columns: Int,
        initializingWith initializer: (UnsafeMutableBufferPointer<Scalar>) throws -> Void
    ) rethrows {
        precondition(rows >= 0 && columns >= 0, "matrix dimensions must be non-negative, got \(rows)×\(columns)")
        let count = rows * columns
        guard count > 0 else {
            let empty = MatrixStorage<Scalar>.empty
            try initializer(UnsafeMutableBufferPointer(start: empty.base, count: 0))
            self.init(storage: empty, offset: 0, rows: rows, columns: columns)
            return
        }
        let storage = try MatrixStorage<Scalar>.make(capacity: count) { try initializer(UnsafeMutableBufferPointer(start: $0, count: count)) }
        self.init(storage: storage, offset: 0, rows: rows, columns: columns)
    }

    /// `count` matrices of `rows × columns` in one allocation, each a row
    /// view of its own part of it; `initializer` is called with each
    /// block's index and elements (row-major, not cleared first) and must
    /// write every element. For the per-component matrices an M-step makes
    /// every iteration (K covariances, K precision factors), which would
    /// otherwise be K allocations each. Writing to one of them copies it
    /// out first, as for any view.
    @inlinable public static func blocks(
        count: Int, rows: Int, columns: Int,
        initializingEach initializer: (_ index: Int, _ elements: UnsafeMutableBufferPointer<Scalar>) -> Void
    ) -> [Matrix] {
        precondition(count >= 0, "a negative number of blocks: \(count)")
        let size = rows * columns
        let whole = Matrix(unsafeUninitializedRows: count * rows, columns: columns) { elements in
            for index in 0..<count {
                initializer(index, UnsafeMutableBufferPointer(rebasing: elements[(index * size)..<((index + 1) * size)]))
            }
        }
        return (0..<count).map { whole[rows: ($0 * rows)..<(($0 + 1) * rows)] }
    }

    /// The `n × n` identity matrix.
    @inlinable public static func identity(_ n: Int) -> Matrix {
        Matrix(diagonal: [Scalar](repeating: 1, count: n))
    }

    /// The square matrix with `diagonal` on its diagonal and zeros elsewhere.
    @inlinable public init(diagonal: [Scalar]) {
        self.init(rows: diagonal.count, columns: diagonal.count)
        for (i, value) in diagonal.enumerated() { self[i, i] = value }
    }

    /// A matrix of `rows × columns` borrowing memory kept alive by `owner`
    /// (used for memory-mapped files). Writing to it copies first.
    init(borrowing base: UnsafePointer<Scalar>, rows: Int, columns: Int, owner: AnyObject) {
        self.init(storage: MatrixStorage.borrowing(base, capacity: rows * columns, owner: owner),
                  offset: 0, rows: rows, columns: columns)
    }
}

// MARK: - Element access

extension Matrix {
    /// The element in row `row` and column `column`.
    @inlinable public subscript(row: Int, column: Int) -> Scalar {
        get {
            precondition(row >= 0 && row < rows && column >= 0 && column < columns,
                         "index (\(row), \(column)) out of range for a \(rows)×\(columns) matrix")
            return storage.base[offset + row * columns + column]
        }
        set {
            precondition(row >= 0 && row < rows && column >= 0 && column < columns,
                         "index (\(row), \(column)) out of range for a \(rows)×\(columns) matrix")
            makeUniqueAndWritable()
            storage.base[offset + row * columns + column] = newValue
        }
    }

    /// The rows in `range` as a matrix.
    ///
    /// Reading is a view that shares storage and copies nothing; writing
    /// replaces those rows with a matrix of the same shape.
    ///
    /// - Complexity: O(1) to read; O(`range.count × columns`) to write.
    @inlinable public subscript(rows range: Range<Int>) -> Matrix {
        get {
            precondition(range.lowerBound >= 0 && range.upperBound <= rows,
                         "rows \(range) out of range for a matrix with \(rows) rows")
            return Matrix(storage: storage, offset: offset + range.lowerBound * columns,
                          rows: range.count, columns: columns)
        }
        set {
            precondition(range.lowerBound >= 0 && range.upperBound <= rows,
                         "rows \(range) out of range for a matrix with \(rows) rows")
            precondition(newValue.rows == range.count && newValue.columns == columns,
                         "cannot assign a \(newValue.rows)×\(newValue.columns) matrix to \(range.count) rows of \(columns) columns")
            makeUniqueAndWritable()
            newValue.withUnsafeBufferPointer { source in
                guard let source = source.baseAddress else { return }
                (storage.base + offset + range.lowerBound * columns).update(from: source, count: newValue.count)
            }
        }
    }

    /// The elements of row `i`, copied into an array.
    @inlinable public func row(_ i: Int) -> [Scalar] {
        self[rows: i..<(i + 1)].elements
    }

    /// The elements of column `j`, copied into an array.
    @inlinable public func column(_ j: Int) -> [Scalar] {
        precondition(j >= 0 && j < columns, "column \(j) out of range for a matrix with \(columns) columns")
        return (0..<rows).map { self[$0, j] }
    }

    /// All elements in row-major order.
    @inlinable public var elements: [Scalar] {
        withUnsafeBufferPointer { Array($0) }
    }

    /// Calls `body` with the elements in row-major order.
    ///
    /// The pointer is valid only during the call.
    @inlinable public func withUnsafeBufferPointer<R, E: Error>(
        _ body: (UnsafeBufferPointer<Scalar>) throws(E) -> R
    ) throws(E) -> R {
        try withExtendedLifetime(storage) { () throws(E) -> R in
            try body(UnsafeBufferPointer(start: storage.base + offset, count: count))
        }
    }

    /// Calls `body` with the elements in row-major order, for writing.
    ///
    /// Copies the storage first if it is shared or read-only. The pointer is
    /// valid only during the call.
    @inlinable public mutating func withUnsafeMutableBufferPointer<R, E: Error>(
        _ body: (UnsafeMutableBufferPointer<Scalar>) throws(E) -> R
    ) throws(E) -> R {
        makeUniqueAndWritable()
        return try withExtendedLifetime(storage) { () throws(E) -> R in
            try body(UnsafeMutableBufferPointer(start: storage.base + offset, count: count))
        }
    }

    /// The same elements, row-major, as a `rows × columns` matrix sharing
    /// this one's storage (no copy).
    ///
    /// - Precondition: `rows × columns == count`.
    @inlinable public func reshaped(rows: Int, columns: Int) -> Matrix {
        precondition(rows >= 0 && columns >= 0 && rows * columns == count,
                     "cannot reshape \(self.rows)×\(self.columns) to \(rows)×\(columns)")
        return Matrix(storage: storage, offset: offset, rows: rows, columns: columns)
    }

    /// Whether nothing else shares this matrix's storage, so writing to it
    /// will not copy: what a buffer pool checks before reusing a matrix.
    @inlinable public mutating func hasUniqueStorage() -> Bool {
        isKnownUniquelyReferenced(&storage) && storage.isWritable
    }

    /// Gives this matrix storage of its own, holding exactly its elements,
    /// unless it already has writable storage nobody else references.
    @inlinable mutating func makeUniqueAndWritable() {
        if isKnownUniquelyReferenced(&storage) && storage.isWritable { return }
        let source = storage.base + offset
        storage = MatrixStorage.make(capacity: count) { $0.initialize(from: source, count: count) }
        offset = 0
    }
}
