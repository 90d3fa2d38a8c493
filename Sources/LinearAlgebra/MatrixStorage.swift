/// The one place where `Matrix` keeps its pointer: a contiguous buffer of
/// scalars, either owned (allocated here) or borrowed from an owner that keeps
/// it alive, such as a memory-mapped file.
///
/// Owned scalars live in the storage object itself, after its header (a
/// `ManagedBuffer`): one allocation per matrix rather than an object and a
/// separate buffer. Matrices are made by the dozen every EM iteration of a
/// small model (a covariance, a factor and a precision per component), and
/// the second allocation, through `posix_memalign` for the default
/// alignment, was a third of all a model selection's allocations.
///
/// Storage is shared between a matrix and its row views; ``Matrix`` copies it
/// before any write unless it is the only reference and writable.
@usableFromInline
final class MatrixStorage<Scalar: BLASScalar>: ManagedBuffer<MatrixStorageHeader<Scalar>, Scalar> {
    // Through the header's pointer, each field alone: reading `header`
    // itself copies the struct, retaining and releasing its owner.
    @inlinable var base: UnsafeMutablePointer<Scalar> { withUnsafeMutablePointerToHeader { $0.pointee.base } }
    /// The scalars at ``base`` (`ManagedBuffer`'s own `capacity` is its
    /// tail's, none for borrowed storage).
    @inlinable var scalarCount: Int { withUnsafeMutablePointerToHeader { $0.pointee.scalarCount } }
    /// False for storage borrowed from a read-only source (a mapped file).
    @inlinable var isWritable: Bool { withUnsafeMutablePointerToHeader { $0.pointee.isWritable } }

    /// Room for `capacity` scalars of its own, not yet initialised. The
    /// header keeps the address of the object's own elements: a class
    /// instance never moves, so it is good for as long as the storage lives,
    /// which every matrix and view using it keeps alive.
    @inlinable static func allocate(capacity: Int) -> MatrixStorage {
        let buffer = create(minimumCapacity: Swift.max(capacity, 1)) { buffer in
            MatrixStorageHeader(base: buffer.withUnsafeMutablePointerToElements { $0 }, scalarCount: capacity,
                                owner: nil, isWritable: true)
        }
        return unsafeDowncast(buffer, to: MatrixStorage.self)
    }

    /// `capacity` scalars, every one set to `value`.
    @inlinable static func make(capacity: Int, repeating value: Scalar) -> MatrixStorage {
        let storage = allocate(capacity: capacity)
        storage.base.initialize(repeating: value, count: capacity)
        return storage
    }

    /// `capacity` scalars, each written by `initializer`.
    @inlinable static func make(
        capacity: Int, initializingWith initializer: (UnsafeMutablePointer<Scalar>) throws -> Void
    ) rethrows -> MatrixStorage {
        let storage = allocate(capacity: capacity)
        try initializer(storage.base)
        return storage
    }

    /// Borrows `capacity` scalars at `base`, kept alive by `owner`.
    static func borrowing(_ base: UnsafePointer<Scalar>, capacity: Int, owner: AnyObject) -> MatrixStorage {
        let buffer = create(minimumCapacity: 0) { _ in
            MatrixStorageHeader(base: UnsafeMutablePointer(mutating: base), scalarCount: capacity, owner: owner, isWritable: false)
        }
        return unsafeDowncast(buffer, to: MatrixStorage.self)
    }
}

/// What a ``MatrixStorage`` knows besides its scalars. (Scalars are
/// trivial, so the storage needs no deinitialiser of its own: the object's
/// memory, elements included, goes with it, and a borrowed buffer's owner
/// is released with the header.)
@usableFromInline
struct MatrixStorageHeader<Scalar> {
    @usableFromInline let base: UnsafeMutablePointer<Scalar>
    @usableFromInline let scalarCount: Int
    /// Keeps borrowed memory alive; `nil` when the storage owns its scalars.
    @usableFromInline let owner: AnyObject?
    @usableFromInline let isWritable: Bool

    @inlinable init(base: UnsafeMutablePointer<Scalar>, scalarCount: Int, owner: AnyObject?, isWritable: Bool) {
        self.base = base
        self.scalarCount = scalarCount
        self.owner = owner
        self.isWritable = isWritable
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
        return .make(capacity: 0, repeating: 0)
    }
}

@usableFromInline nonisolated(unsafe) let emptyDoubleMatrixStorage = MatrixStorage<Double>.make(capacity: 0, repeating: 0)
@usableFromInline nonisolated(unsafe) let emptyFloatMatrixStorage = MatrixStorage<Float>.make(capacity: 0, repeating: 0)
