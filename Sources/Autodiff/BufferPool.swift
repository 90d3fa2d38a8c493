import LinearAlgebra

/// Large matrix buffers kept for reuse by a ``Tape``: a tape reused in a
/// loop then allocates (and page-faults) its big matrices once, not on every
/// pass.
///
/// Two kinds of buffer: those of the previous pass, handed out again after
/// the tape is reset, and those released during the current pass by a
/// backward pass that releases intermediates, handed out to later rules of
/// the same pass. Only the last pass's buffers are kept (leftovers of earlier
/// passes are dropped), so the pool never exceeds one pass's memory.
struct BufferPool {
    /// Matrices smaller than this many elements are not pooled: allocating
    /// them is cheap.
    static let smallestPooled = 1 << 14

    /// The previous pass's buffers, by element count.
    private var previousPass: [Int: [Matrix<Double>]] = [:]
    /// Buffers released during the current pass, by element count.
    private var released: [Int: [Matrix<Double>]] = [:]

    /// The buffers the pool holds now.
    var count: Int { (previousPass.values.map(\.count) + released.values.map(\.count)).reduce(0, +) }

    /// A `rows × columns` matrix, from the pool when one of that size is
    /// free; `initializer` must write every element.
    mutating func makeMatrix(rows: Int, columns: Int, initializingWith initializer: (UnsafeMutableBufferPointer<Double>) -> Void) -> Matrix<Double> {
        let count = rows * columns
        if count >= Self.smallestPooled, var reused = previousPass[count]?.popLast() ?? released[count]?.popLast() {
            reused = reused.reshaped(rows: rows, columns: columns)
            reused.withUnsafeMutableBufferPointer(initializer)
            return reused
        }
        return Matrix(unsafeUninitializedRows: rows, columns: columns, initializingWith: initializer)
    }

    /// Takes a value given up during the pass, if it is large and nothing
    /// else holds its storage.
    mutating func release(_ value: consuming Matrix<Double>) {
        if value.count >= Self.smallestPooled && value.hasUniqueStorage() {
            released[value.count, default: []].append(value)
        }
    }

    /// Ends a pass: `values` (the pass's node values, taken out of the tape
    /// so that those nothing else holds are unique) and the buffers
    /// released during it become what the next pass draws from.
    mutating func endPass(keeping values: inout [Matrix<Double>?]) {
        var kept = released
        released = [:]
        while var last = values.popLast() {
            // Checked in place: a copy of the value would never be unique.
            if let count = last?.count, count >= Self.smallestPooled, last?.hasUniqueStorage() == true {
                kept[count, default: []].append(last!)
            }
        }
        previousPass = kept
    }
}
