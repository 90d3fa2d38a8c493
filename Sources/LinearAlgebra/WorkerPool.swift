import Foundation
import Synchronization

/// Helper threads that stay awake for a moment after each parallel section,
/// so that the next section, a few microseconds of serial work later, finds
/// them running on their own cores.
///
/// Why not Dispatch alone: a Dispatch worker woken for a short section is
/// often placed on the core of the thread that woke it and waits there until
/// the scheduler moves it. Two runs of 67 µs each took a median 133 µs
/// through `DispatchQueue.concurrentPerform` on two cores, against 69 µs
/// with a helper that was already running; an EM iteration, one such
/// section after another, lost most of its second core that way.
///
/// A section's items are claimed one at a time from one atomic ticket, by
/// the calling thread as well as the helpers, so a helper that wakes late
/// only takes fewer items. After its last item a helper spins, yielding the
/// core to any other runnable thread, for ``spinDuration`` before it sleeps.
/// One section runs at a time: a section started while another runs (from
/// another thread, or nested inside an item) returns `false` from ``run``,
/// and its caller runs it some other way.
final class WorkerPool: @unchecked Sendable {
    static let shared = WorkerPool()

    /// How long an idle helper keeps checking for work before it sleeps:
    /// long enough to span the serial step between two E-steps, short
    /// enough that a program done with its parallel work gives the cores
    /// back within a millisecond.
    static let spinDuration: Duration = .microseconds(500)

    // The ticket packs the section's generation (16 bits), its item count
    // (24 bits) and the next unclaimed item (24 bits) into one word, so a
    // claim is one compare-exchange that also checks it claims from the
    // section it read. An item's closure is read only after a successful
    // claim, and the owner replaces the closure only when every claimed
    // item has finished.
    private static let itemBits: UInt64 = 24
    private static let itemMask: UInt64 = (1 << itemBits) - 1
    static let maximumItemCount = Int(itemMask)

    /// The most helpers a pool starts, whatever a section asks for: four
    /// per core. Items are claimed, not assigned, so fewer helpers than a
    /// section's workers only means less parallelism; `GAUSS_NUM_THREADS`
    /// set absurdly high must not start a thread per item.
    static let maximumHelperCount = 4 * ProcessInfo.processInfo.activeProcessorCount

    /// The generation a ticket belongs to.
    private static func generation(of ticket: UInt64) -> UInt64 { ticket >> (2 * itemBits) }

    private let ticket = Atomic<UInt64>(0)
    private let finished = Atomic<Int>(0)
    private let owned = Atomic<Bool>(false)
    nonisolated(unsafe) private var item: ((Int) -> Void)?

    // Sleeping helpers wait on `wake`; `sleepers` counts them so that a
    // section wakes them only when some sleep.
    private let sleepers = Atomic<Int>(0)
    private let wake = NSCondition()
    // Helpers started so far: changed only by a section's owner, but behind
    // a lock of its own (an NSLock, which ThreadSanitizer can see).
    nonisolated(unsafe) private var helperCount = 0
    private let helperLock = NSLock()

    /// A pool of its own, for tests; everything else shares ``shared``.
    init() {}

    /// Runs `body` on each of `0..<count` on this thread and up to
    /// `helpers` helper threads, and returns `true` when all have finished;
    /// returns `false` at once, having run nothing, if the pool is busy with
    /// another section or `count` is too large for a ticket.
    func run(count: Int, helpers: Int, _ body: (Int) -> Void) -> Bool {
        guard count > 0, count <= Self.maximumItemCount,
              owned.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged
        else { return false }
        defer { owned.store(false, ordering: .releasing) }
        startHelpers(upTo: helpers)
        withoutActuallyEscaping(body) { body in
            item = body
            finished.store(0, ordering: .relaxed)
            let generation = Self.generation(of: ticket.load(ordering: .relaxed)) &+ 1
            ticket.store(generation << (2 * Self.itemBits) | UInt64(count) << Self.itemBits, ordering: .sequentiallyConsistent)
            if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
                wake.lock()
                wake.broadcast()
                wake.unlock()
            }
            while claimAndRun() {}
            while finished.load(ordering: .acquiring) < count { sched_yield() }
            item = nil
        }
        return true
    }

    /// Claims the next item of the current section and runs it; returns
    /// `false` when no item is left to claim.
    private func claimAndRun() -> Bool {
        var current = ticket.load(ordering: .relaxed)
        while true {
            let count = (current >> Self.itemBits) & Self.itemMask
            guard current & Self.itemMask < count else { return false }
            let (exchanged, original) = ticket.compareExchange(
                expected: current, desired: current + 1, successOrdering: .acquiring, failureOrdering: .relaxed)
            if exchanged {
                runItem(Int(current & Self.itemMask))
                finished.add(1, ordering: .releasing)
                return true
            }
            current = original
        }
    }

    // Not inlined, so that the closure read here is released before the
    // item counts as finished.
    @inline(never)
    private func runItem(_ index: Int) {
        item!(index)
    }

    /// Helpers started so far (for tests).
    var startedHelperCount: Int { helperLock.withLock { helperCount } }

    /// Starts helpers until there are `wanted` (at most
    /// ``maximumHelperCount``); called by the owner before
    /// it publishes its section, so a new helper takes part in that one.
    private func startHelpers(upTo wanted: Int) {
        helperLock.withLock {
            // The generation before this section: a helper thread may first
            // run after the section has started, and must not take it for
            // one it has seen.
            let seen = Self.generation(of: ticket.load(ordering: .relaxed))
            while helperCount < Swift.min(wanted, Self.maximumHelperCount) {
                // The helper keeps its pool alive: it never stops.
                let thread = Thread { [self] in helperLoop(after: seen) }
                thread.stackSize = 8 << 20
                thread.name = "gauss-worker-\(helperCount)"
                thread.start()
                helperCount += 1
            }
        }
    }

    private func helperLoop(after generation: UInt64) {
        var seen = generation
        while true {
            waitForSection(after: seen)
            seen = Self.generation(of: ticket.load(ordering: .relaxed))
            while claimAndRun() {}
        }
    }

    /// Returns once a section newer than generation `seen` has started:
    /// spinning for ``spinDuration``, then asleep until a section wakes it.
    private func waitForSection(after seen: UInt64) {
        func started() -> Bool { Self.generation(of: ticket.load(ordering: .sequentiallyConsistent)) != seen }
        let deadline = ContinuousClock.now + Self.spinDuration
        var spins = 0
        while !started() {
            sched_yield()
            spins += 1
            if spins % 64 == 0, ContinuousClock.now >= deadline { break }
        }
        guard !started() else { return }
        wake.lock()
        sleepers.add(1, ordering: .sequentiallyConsistent)
        while !started() { wake.wait() }
        sleepers.subtract(1, ordering: .sequentiallyConsistent)
        wake.unlock()
    }
}
