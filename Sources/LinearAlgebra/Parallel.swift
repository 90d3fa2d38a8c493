import Dispatch
import Foundation
import Synchronization

/// Splits `count` items into at most `runs` contiguous runs (`workers` of
/// them by default) and calls `body` on each run on up to `workers` threads,
/// each thread taking the next run as it finishes one, OpenBLAS set to one
/// thread meanwhile; returns the results in run order. With one run, or one
/// worker, calls `body` on the current thread and leaves OpenBLAS's
/// threading alone.
///
/// The split depends only on `count` and `runs`, so results merged in run
/// order are the same from one call to the next, and with `runs` given,
/// whatever the number of workers. More runs than workers let a worker
/// that starts late still take an even share.
package func concurrentRuns<R>(count: Int, runs requestedRuns: Int? = nil, workers requested: Int,
                               _ body: (Range<Int>) -> R) -> [R] {
    let runCount = Swift.max(1, Swift.min(requestedRuns ?? requested, count))
    let workers = Swift.max(1, Swift.min(requested, runCount))
    let runs = (0..<runCount).map { w in (w * count / runCount)..<((w + 1) * count / runCount) }
    if workers == 1 { return runs.map(body) }
    let results = UnsafeMutableBufferPointer<R?>.allocate(capacity: runCount)
    results.initialize(repeating: nil)
    defer {
        _ = results.deinitialize()
        results.deallocate()
    }
    let output = UncheckedSendable(results)
    withoutActuallyEscaping(body) { body in
        let work = UncheckedSendable(body)
        BLASThreading.withSingleThreadedBLAS {
            runConcurrently(count: runCount, workers: workers) { w in
                output.value[w] = work.value(runs[w])
            }
        }
    }
    return results.map { $0! }
}

/// Calls `body` on each of `0..<count` on up to `workers` threads, each
/// taking the next item as it finishes one (items of unequal cost share the
/// threads evenly), OpenBLAS set to one thread meanwhile; returns the
/// results in item order. With one worker, runs in order on the current
/// thread and leaves OpenBLAS's threading alone.
package func concurrentMap<R>(count: Int, workers requested: Int, _ body: (Int) -> R) -> [R] {
    let workers = Swift.max(1, Swift.min(requested, count))
    if workers == 1 { return (0..<count).map(body) }
    let results = UnsafeMutableBufferPointer<R?>.allocate(capacity: count)
    results.initialize(repeating: nil)
    defer {
        _ = results.deinitialize()
        results.deallocate()
    }
    let output = UncheckedSendable(results)
    withoutActuallyEscaping(body) { body in
        let work = UncheckedSendable(body)
        BLASThreading.withSingleThreadedBLAS {
            runConcurrently(count: count, workers: workers) { item in
                output.value[item] = work.value(item)
            }
        }
    }
    return results.map { $0! }
}

/// Calls `body` on each of `0..<count` on this thread and up to `workers`
/// − 1 helpers of the worker pool, and returns true, when the pool is free;
/// returns false, having run nothing, when it is busy (or there is one
/// worker), and the caller runs the items itself. For short sections run
/// many times over (microseconds each), which Dispatch's threads would
/// slow down; `body` must not call BLAS, whose threading it leaves alone.
package func runOnIdlePool(count: Int, workers: Int, _ body: (Int) -> Void) -> Bool {
    guard workers > 1 && count > 0 else { return false }
    return WorkerPool.shared.run(count: count, helpers: Swift.min(workers, count) - 1, body)
}

/// Calls `body` on each of `0..<count` on up to `workers` threads, this one
/// among them, each thread taking the next item as it finishes one: on the
/// helpers of ``WorkerPool`` when the pool is free, otherwise (a section
/// already running, from another thread or around this call) on Dispatch's
/// threads.
private func runConcurrently(count: Int, workers: Int, _ body: (Int) -> Void) {
    if WorkerPool.shared.run(count: count, helpers: workers - 1, body) { return }
    let next = Atomic<Int>(0)
    withoutActuallyEscaping(body) { body in
        let work = UncheckedSendable(body)
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while true {
                let item = next.add(1, ordering: .relaxed).oldValue
                guard item < count else { break }
                work.value(item)
            }
        }
    }
}

/// The number of workers to use by default: `GAUSS_NUM_THREADS` when set to
/// a positive number; otherwise the cores this process may run on (its CPU
/// affinity, which `mpirun`, `taskset` and container limits narrow), shared
/// out among the processes of a job on this machine (see
/// ``shareCores(amongProcesses:)``) so that P unbound processes do not each
/// start a worker per core.
package var defaultWorkerCount: Int {
    if let requested = requestedWorkerCount { return requested }
    let share = Swift.max(1, availableCores / Swift.max(1, processesSharingCores.load(ordering: .relaxed)))
    return Swift.min(share, affinityCores ?? share)
}

/// Tells the worker count that `count` processes of one job run on this
/// machine: a distributed fit's communicator calls this as it starts, since
/// only it knows.
package func shareCores(amongProcesses count: Int) {
    processesSharingCores.store(Swift.max(1, count), ordering: .relaxed)
}

private let processesSharingCores = Atomic<Int>(1)
private let requestedWorkerCount: Int? = {
    guard let text = ProcessInfo.processInfo.environment["GAUSS_NUM_THREADS"], let count = Int(text), count > 0 else { return nil }
    return count
}()
private let availableCores = ProcessInfo.processInfo.activeProcessorCount
private let affinityCores = affinityCoreCount()

/// The CPUs in this process's affinity mask, from `Cpus_allowed_list` in
/// `/proc/self/status`, where there is one.
private func affinityCoreCount() -> Int? {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed_list:") }),
          let list = line.split(separator: ":").last else { return nil }
    return cpuCount(ofList: String(list))
}

/// The number of CPUs in a Linux CPU list such as "0-3,8" (nil if malformed).
package func cpuCount(ofList list: String) -> Int? {
    var count = 0
    for item in list.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ",", omittingEmptySubsequences: false) {
        let bounds = item.split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
        switch bounds.count {
        case 1 where bounds[0] != nil: count += 1
        case 2 where bounds[0] != nil && bounds[1] != nil && bounds[1]! >= bounds[0]!: count += bounds[1]! - bounds[0]! + 1
        default: return nil
        }
    }
    return count > 0 ? count : nil
}

/// Carries a value into concurrent code that only reads it, or writes
/// disjoint parts of it.
package struct UncheckedSendable<Value>: @unchecked Sendable {
    package let value: Value
    package init(_ value: Value) { self.value = value }
}
