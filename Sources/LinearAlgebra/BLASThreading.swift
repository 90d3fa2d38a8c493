import COpenBLAS

/// OpenBLAS's own threading.
///
/// OpenBLAS splits each large call over its threads. Code that runs BLAS
/// from several threads of its own should set ``threadCount`` to 1 around
/// that work (``withSingleThreadedBLAS(_:)``), or the threads oversubscribe
/// the cores.
public enum BLASThreading {
    /// Threads OpenBLAS uses per call. Setting it affects the whole process.
    public static var threadCount: Int {
        get { Int(openblas_get_num_threads()) }
        set { openblas_set_num_threads(Int32(Swift.max(1, newValue))) }
    }

    /// Runs `body` with OpenBLAS on one thread per call, then restores the
    /// previous setting.
    public static func withSingleThreadedBLAS<R, E: Error>(_ body: () throws(E) -> R) throws(E) -> R {
        let previous = threadCount
        if previous == 1 { return try body() }
        threadCount = 1
        defer { threadCount = previous }
        return try body()
    }
}
