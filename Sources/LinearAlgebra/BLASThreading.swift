import COpenBLAS
import Foundation

/// OpenBLAS's own threading.
///
/// OpenBLAS splits each large call over its threads. Code that runs BLAS
/// from several threads of its own should run that work inside
/// ``withSingleThreadedBLAS(_:)``, or the threads oversubscribe the cores
/// (and concurrent calls into a multi-threaded OpenBLAS are not safe in
/// every build).
public enum BLASThreading {
    /// How many single-threaded sections are running, and the thread count
    /// to restore when the last one ends; guarded by `lock`. (A pthread-based
    /// lock rather than Synchronization's Mutex, whose futex ThreadSanitizer
    /// cannot see, so that `scripts/test --sanitize thread` checks this.)
    nonisolated(unsafe) private static var sections: (active: Int, saved: Int) = (0, 0)
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
        lock.withLock {
            if sections.active == 0 {
                sections.saved = threadCount
                threadCount = 1
            }
            sections.active += 1
        }
        defer {
            lock.withLock {
                sections.active -= 1
                if sections.active == 0 { threadCount = sections.saved }
            }
        }
        return try body()
    }
}
