/// The one place where `Matrix` keeps its pointer: a contiguous buffer of
/// scalars, either owned (allocated here) or borrowed from an owner that keeps
/// it alive, such as a memory-mapped file.
///
/// Storage is shared between a matrix and its row views; ``Matrix`` copies it
/// before any write unless it is the only reference and writable.
@usableFromInline
final class MatrixStorage<Scalar: BLASScalar>: @unchecked Sendable {
    @usableFromInline let base: UnsafeMutablePointer<Scalar>
    @usableFromInline let capacity: Int
    /// False for storage borrowed from a read-only source (a mapped file).
    @usableFromInline let isWritable: Bool
    /// Keeps borrowed memory alive; `nil` when this storage owns `base`.
    @usableFromInline let owner: AnyObject?

    /// Allocates `capacity` scalars, every one set to `value`.
    @inlinable init(capacity: Int, repeating value: Scalar) {
        base = .allocate(capacity: Swift.max(capacity, 1))
        base.initialize(repeating: value, count: capacity)
        self.capacity = capacity
        isWritable = true
        owner = nil
    }

    /// Allocates `capacity` scalars and lets `initializer` write every one.
    @inlinable init(capacity: Int, initializingWith initializer: (UnsafeMutablePointer<Scalar>) throws -> Void) rethrows {
        base = .allocate(capacity: Swift.max(capacity, 1))
        self.capacity = capacity
        isWritable = true
        owner = nil
        do { try initializer(base) } catch { base.deallocate(); throw error }
    }

    /// Borrows `capacity` scalars at `base`, kept alive by `owner`.
    init(borrowing base: UnsafePointer<Scalar>, capacity: Int, owner: AnyObject) {
        self.base = UnsafeMutablePointer(mutating: base)
        self.capacity = capacity
        isWritable = false
        self.owner = owner
    }

    @inlinable deinit {
        if owner == nil { base.deallocate() }
    }
}

extension MatrixStorage {
    /// The storage of every empty matrix of `Scalar`: one shared instance
    /// rather than an allocation each. Empty matrices are made all the time
    /// as placeholders (scratch not yet sized, a kernel's unused buffers),
    /// about one matrix in seven in a model selection. Writing to one copies
    /// first, as for any shared storage.
    @inlinable static var empty: MatrixStorage {
        if Scalar.self == Double.self { return unsafeBitCast(emptyDoubleMatrixStorage, to: MatrixStorage.self) }
        if Scalar.self == Float.self { return unsafeBitCast(emptyFloatMatrixStorage, to: MatrixStorage.self) }
        return MatrixStorage(capacity: 0, repeating: 0)
    }
}

@usableFromInline let emptyDoubleMatrixStorage = MatrixStorage<Double>(capacity: 0, repeating: 0)
@usableFromInline let emptyFloatMatrixStorage = MatrixStorage<Float>(capacity: 0, repeating: 0)
