import COpenBLAS
import Foundation
import Synchronization

/// OpenBLAS's own threading.
///
/// OpenBLAS splits each large call over its threads. Code that runs BLAS
/// from several threads of its own should run that work inside
/// ``withSingleThreadedBLAS(_:)``, or the threads oversubscribe the cores
/// (and concurrent calls into a multi-threaded OpenBLAS are not safe in
/// every build).
public enum BLASThreading {
    /// How many single-threaded sections are running. It changes from 0
    /// and to 0 only under `lock`, which also guards `savedThreadCount`,
    /// the count to restore when the last section ends; while it is above
    /// 0, OpenBLAS is single-threaded, and sections that start or end
    /// without taking it to or from 0 only count (an EM iteration on a
    /// worker opens several, nested in its worker's). (A pthread-based lock
    /// rather than Synchronization's Mutex, whose futex ThreadSanitizer
    /// cannot see, so that `scripts/test --sanitize thread` checks this.)
    private static let activeSections = Atomic<Int>(0)
    nonisolated(unsafe) private static var savedThreadCount = 0
    private static let lock = NSLock()

    /// Threads OpenBLAS uses per call. Setting it affects the whole process.
    public static var threadCount: Int {
        get { Int(openblas_get_num_threads()) }
        set { openblas_set_num_threads(Int32(Swift.max(1, newValue))) }
    }

    /// Runs `body` with OpenBLAS on one thread per call. Sections may
    /// overlap, from any threads: OpenBLAS stays single-threaded until the
    /// last one ends, which restores the count the first one found.
    public static func withSingleThreadedBLAS<R, E: Error>(_ body: () throws(E) -> R) throws(E) -> R {
        enterSection()
        defer { leaveSection() }
        return try body()
    }

    private static func enterSection() {
        // Inside another section: one more, no lock.
        var active = activeSections.load(ordering: .acquiring)
        while active > 0 {
            let (exchanged, found) = activeSections.compareExchange(expected: active, desired: active + 1, ordering: .acquiringAndReleasing)
            if exchanged { return }
            active = found
        }
        lock.withLock {
            if activeSections.load(ordering: .acquiring) == 0 {
                savedThreadCount = threadCount
                threadCount = 1
            }
            activeSections.add(1, ordering: .acquiringAndReleasing)
        }
    }

    private static func leaveSection() {
        // Not the last section: one fewer, no lock.
        var active = activeSections.load(ordering: .acquiring)
        while active > 1 {
            let (exchanged, found) = activeSections.compareExchange(expected: active, desired: active - 1, ordering: .acquiringAndReleasing)
            if exchanged { return }
            active = found
        }
        lock.withLock {
            // Another section may have started since; the last one out restores.
            if activeSections.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 { threadCount = savedThreadCount }
        }
    }

    // MARK: Idle spinning

    /// The spin limit ``shortenIdleSpin()`` sets: 2²⁰ processor timestamp
    /// cycles, a few tenths of a millisecond.
    public static let shortIdleSpinExponent = 20

    /// OpenBLAS's default spin limit, 2²⁸ cycles (about 0.1 s).
    public static let openBLASIdleSpinExponent = 28

    /// How long OpenBLAS's idle worker threads spin before they sleep, as a
    /// power of two of processor timestamp cycles; `nil` for a BLAS without
    /// OpenBLAS's threads.
    public static var idleSpinExponent: Int? {
        guard let limit = openBLASFunction("openblas_thread_timeout", as: (@convention(c) () -> Int32).self) else { return nil }
        let value = Int(limit())
        return value > 0 ? Swift.min(Swift.max(value, 4), 30) : openBLASIdleSpinExponent
    }

    /// Shortens the time OpenBLAS's idle threads spin before they sleep from
    /// about 0.1 s to 2^``shortIdleSpinExponent`` cycles, unless the user set
    /// `OPENBLAS_THREAD_TIMEOUT`; returns whether it did.
    ///
    /// OpenBLAS's worker threads spin, calling `sched_yield` in a loop, for
    /// 2²⁸ timestamp cycles after the library loads and after every threaded
    /// call. A spinning thread takes a share of a core from whatever runs
    /// next, such as Gauss's own workers, which run on every core with
    /// OpenBLAS single-threaded: model selection on iris (126 small fits on
    /// two cores; eight runs each, no `OPENBLAS_*` set) took 64–124 ms,
    /// median 117, with OpenBLAS's spin and 53–64 ms, median 59, with the
    /// short one. Threaded calls that follow one another within the short
    /// spin still find the threads awake.
    ///
    /// Call this once as a program starts, before any other thread uses BLAS
    /// (the `gauss` tool does): OpenBLAS reads the limit from its environment
    /// when it starts its threads and has no setter, so this sets
    /// `OPENBLAS_THREAD_TIMEOUT`, has OpenBLAS read its environment again,
    /// stops its threads (the next call that needs them starts them afresh,
    /// with the new limit) and removes the variable again, so that child
    /// processes inherit the environment the program was given. Stopping the
    /// threads while another thread's BLAS call uses them could hang that
    /// call, hence "before any other thread uses BLAS".
    @discardableResult
    public static func shortenIdleSpin() -> Bool {
        let variable = "OPENBLAS_THREAD_TIMEOUT"
        guard getenv(variable) == nil,
              let readEnvironment = openBLASFunction("openblas_read_env", as: (@convention(c) () -> Void).self),
              let stopThreads = openBLASFunction("blas_thread_shutdown_", as: (@convention(c) () -> Int32).self)
        else { return false }
        return lock.withLock {
            guard setenv(variable, String(shortIdleSpinExponent), 0) == 0 else { return false }
            defer { unsetenv(variable) }
            readEnvironment()
            _ = stopThreads()
            // Start them again now (OpenBLAS restarts stopped threads on the
            // next call that sets their number), the variable still set for
            // an OpenBLAS that reads it as the threads start.
            threadCount = threadCount
            return true
        }
    }

    private static func openBLASFunction<F>(_ name: String, as type: F.Type) -> F? {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else { return nil }
        return unsafeBitCast(symbol, to: type)
    }
}
