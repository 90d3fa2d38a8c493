import LinearAlgebra
import Testing
@testable import Autodiff

/// The tape's buffer pool hands large buffers out again, and never one
/// that something else still holds.
@Suite struct BufferPoolTests {
    /// The address of a matrix's first element, to tell buffers apart.
    func address(_ m: Matrix<Double>) -> UnsafePointer<Double>? { m.withUnsafeBufferPointer { $0.baseAddress } }

    func filled(_ value: Double) -> (UnsafeMutableBufferPointer<Double>) -> Void { { $0.initialize(repeating: value) } }

    @Test func aPassesBuffersAreReusedByTheNextOneReshaped() {
        var pool = BufferPool()
        let first = pool.makeMatrix(rows: 200, columns: 100, initializingWith: filled(1))
        let buffer = address(first)
        var values: [Matrix<Double>?] = [first]
        _ = consume first
        pool.endPass(keeping: &values)
        #expect(pool.count == 1)
        let reused = pool.makeMatrix(rows: 100, columns: 200, initializingWith: filled(2))
        #expect(pool.count == 0)
        #expect(address(reused) == buffer)
        #expect(reused.rows == 100 && reused.columns == 200 && reused.elements.allSatisfy { $0 == 2 })
        // Taken once: the next one of that size is new.
        let another = pool.makeMatrix(rows: 100, columns: 200, initializingWith: filled(3))
        #expect(address(another) != buffer)
    }

    @Test func aBufferHeldElsewhereIsNeverReused() {
        var pool = BufferPool()
        let held = pool.makeMatrix(rows: 200, columns: 100, initializingWith: filled(1))
        var values: [Matrix<Double>?] = [held]
        pool.endPass(keeping: &values)
        #expect(pool.count == 0)
        let next = pool.makeMatrix(rows: 200, columns: 100, initializingWith: filled(2))
        #expect(address(next) != address(held))
        #expect(held.elements.allSatisfy { $0 == 1 })
    }

    @Test func releasedBuffersServeLaterRulesOfTheSamePass() {
        var pool = BufferPool()
        var intermediate: Matrix<Double>? = pool.makeMatrix(rows: 300, columns: 100, initializingWith: filled(1))
        let buffer = address(intermediate!)
        pool.release(intermediate.take()!)
        #expect(pool.count == 1)
        let later = pool.makeMatrix(rows: 100, columns: 300, initializingWith: filled(5))
        #expect(address(later) == buffer && later.elements.allSatisfy { $0 == 5 })
    }

    @Test func aResetTapeDrawsItsResultsFromTheLastPass() {
        // The block rules draw their results from the pool.
        let tape = Tape()
        let x = tape.variable(Matrix(rows: 100, columns: 200, repeating: 0.5))
        // The input's buffer and the result's, both held by the tape alone.
        let buffers = [address(x.value), address(x.transposeBlocks(width: 100).value)]
        tape.reset()
        #expect(tape.buffers.count == 2)
        let y = tape.variable(Matrix(rows: 100, columns: 200) { i, j in Double(i * 200 + j) })
        let again = y.transposeBlocks(width: 100)
        #expect(buffers.contains(address(again.value)), "the reset tape reused one of the last pass's buffers")
        #expect(tape.buffers.count == 1)
        #expect(again.value[3, 100 + 7] == Double(7 * 200 + 100 + 3))
    }
}
