import Dispatch
import Foundation

/// Splits `count` items into at most `workers` contiguous runs and calls
/// `body` on each run concurrently, OpenBLAS set to one thread meanwhile,
/// returning the results in run order. With one run, calls `body` on the
/// current thread and leaves OpenBLAS's threading alone.
///
/// The split depends only on `count` and `workers`, so results merged in run
/// order are the same from one call to the next.
package func concurrentRuns<R>(count: Int, workers requested: Int, _ body: (Range<Int>) -> R) -> [R] {
    let workers = Swift.max(1, Swift.min(requested, count))
    let runs = (0..<workers).map { w in (w * count / workers)..<((w + 1) * count / workers) }
    if workers == 1 { return [body(runs[0])] }
    let results = UnsafeMutableBufferPointer<R?>.allocate(capacity: workers)
    results.initialize(repeating: nil)
    defer {
        _ = results.deinitialize()
        results.deallocate()
    }
    let output = UncheckedSendable(results)
    withoutActuallyEscaping(body) { body in
        let work = UncheckedSendable(body)
        BLASThreading.withSingleThreadedBLAS {
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                output.value[w] = work.value(runs[w])
            }
        }
    }
    return results.map { $0! }
}

/// The number of workers to use by default: the cores available.
package var defaultWorkerCount: Int { ProcessInfo.processInfo.activeProcessorCount }

/// Carries a value into concurrent code that only reads it, or writes
/// disjoint parts of it.
package struct UncheckedSendable<Value>: @unchecked Sendable {
    package let value: Value
    package init(_ value: Value) { self.value = value }
}
