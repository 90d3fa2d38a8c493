import Dispatch
import Foundation
@testable import LinearAlgebra
import Synchronization
import Testing

/// A value shared by a section's items, behind an NSLock (which, unlike
/// Synchronization's Mutex, ThreadSanitizer can see).
private final class Locked<Value>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()
    init(_ value: Value) { self.value = value }
    func withLock<R>(_ body: (inout Value) -> R) -> R { lock.withLock { body(&value) } }
}

/// Each test has a pool of its own, which no other suite's sections use.
@Suite struct WorkerPoolTests {
    @Test(arguments: [1, 2, 5, 1000])
    func everyItemRunsExactlyOnce(count: Int) {
        let runs = Locked([Int](repeating: 0, count: count))
        let ran = WorkerPool().run(count: count, helpers: 3) { item in runs.withLock { $0[item] += 1 } }
        #expect(ran)
        #expect(runs.withLock { $0 } == [Int](repeating: 1, count: count))
    }

    /// A section asking for far more helpers than cores (GAUSS_NUM_THREADS
    /// set absurdly high) starts at most four per core and still runs
    /// every item once.
    @Test func helpersAreCappedWhateverASectionAsks() {
        let pool = WorkerPool()
        let runs = Locked([Int](repeating: 0, count: 200))
        #expect(pool.run(count: 200, helpers: 1_000_000) { item in runs.withLock { $0[item] += 1 } })
        #expect(runs.withLock { $0 } == [Int](repeating: 1, count: 200))
        #expect(pool.startedHelperCount == WorkerPool.maximumHelperCount)
    }

    @Test func aSectionInsideASectionIsRefusedAndRunsElsewhere() {
        let refused = Atomic<Int>(0)
        let inner = Locked<[[Int]]>([])
        let pool = WorkerPool()
        let ran = pool.run(count: 4, helpers: 1) { _ in
            if !pool.run(count: 2, helpers: 1, { _ in }) { refused.add(1, ordering: .relaxed) }
            let squares = concurrentMap(count: 20, workers: 2) { $0 * $0 }
            inner.withLock { $0.append(squares) }
        }
        #expect(ran)
        #expect(refused.load(ordering: .relaxed) == 4)
        #expect(inner.withLock { $0 } == Array(repeating: (0..<20).map { $0 * $0 }, count: 4))
    }

    @Test func sectionsFromManyThreadsAllFinishWithTheirOwnResults() {
        let wrong = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 6) { thread in
            for round in 0..<200 {
                let values = concurrentMap(count: 37, workers: 3) { $0 * 1000 + thread + round }
                if values != (0..<37).map({ $0 * 1000 + thread + round }) { wrong.add(1, ordering: .relaxed) }
            }
        }
        #expect(wrong.load(ordering: .relaxed) == 0)
    }

    /// The section's generation is 16 bits of the ticket and wraps around.
    @Test func moreSectionsThanGenerationsStillRunEveryItemOnce() {
        let pool = WorkerPool()
        let total = Atomic<Int>(0)
        var refused = 0
        for _ in 0..<70_000 where !pool.run(count: 2, helpers: 1, { total.add($0 + 1, ordering: .relaxed) }) {
            refused += 1
        }
        #expect(refused == 0)
        #expect(total.load(ordering: .relaxed) == 70_000 * 3)
    }

    /// Runs a section of two items, each of which waits until both have
    /// started, which only a helper taking one of them can satisfy; returns
    /// whether both saw the other start within 20 s.
    private func bothItemsRanTogether(on pool: WorkerPool) -> Bool {
        let started = Atomic<Int>(0)
        let bothStarted = Atomic<Int>(0)
        let ran = pool.run(count: 2, helpers: 1) { _ in
            started.add(1, ordering: .relaxed)
            let deadline = ContinuousClock.now + .seconds(20)
            while started.load(ordering: .relaxed) < 2, ContinuousClock.now < deadline { sched_yield() }
            if started.load(ordering: .relaxed) == 2 { bothStarted.add(1, ordering: .relaxed) }
        }
        return ran && bothStarted.load(ordering: .relaxed) == 2
    }

    /// The helper started for a section may first run after the section
    /// has been published; it must still take part in it.
    @Test func aNewHelperTakesPartInTheSectionThatStartedIt() {
        #expect(bothItemsRanTogether(on: WorkerPool()))
    }

    /// The helper has been idle long enough to be asleep.
    @Test func aSleepingHelperWakesForTheNextSection() {
        let pool = WorkerPool()
        _ = pool.run(count: 2, helpers: 1) { _ in }
        Thread.sleep(forTimeInterval: 0.05)
        #expect(bothItemsRanTogether(on: pool))
    }

    @Test func tooManyItemsForATicketAreRefusedUnrun() {
        let runs = Atomic<Int>(0)
        #expect(!WorkerPool().run(count: WorkerPool.maximumItemCount + 1, helpers: 1) { _ in runs.add(1, ordering: .relaxed) })
        #expect(!WorkerPool().run(count: 0, helpers: 1) { _ in runs.add(1, ordering: .relaxed) })
        #expect(runs.load(ordering: .relaxed) == 0)
    }
}
