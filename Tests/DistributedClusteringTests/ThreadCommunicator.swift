import Clustering
import DistributedClustering
import Foundation
import LinearAlgebra

/// P processes simulated by P threads of this process, for testing the
/// distributed algorithms without MPI. Collective operations wait for every
/// thread and combine the buffers in rank order, so sums are the same from
/// one run to the next.
final class ThreadGroup: @unchecked Sendable {
    let size: Int
    private let condition = NSCondition()
    private var contributions: [[Double]?]
    private var result: [Double] = []
    private var generation = 0

    init(size: Int) {
        self.size = size
        contributions = Array(repeating: nil, count: size)
    }

    /// Runs `body` on `size` threads, one per rank, and returns the results by rank.
    static func run<R>(processes: Int, _ body: @escaping @Sendable (ThreadCommunicator) -> R) -> [R] {
        let group = ThreadGroup(size: processes)
        let results = Results<R>(count: processes)
        let done = DispatchGroup()
        for rank in 0..<processes {
            done.enter()
            // Threads of their own: every rank blocks in collectives, so a
            // pool narrower than the ranks would deadlock.
            let thread = Thread {
                // Ranks call BLAS at the same time outside any worker pool of their own.
                let value = BLASThreading.withSingleThreadedBLAS { body(ThreadCommunicator(group: group, rank: rank)) }
                results.set(rank, value)
                done.leave()
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
        done.wait()
        return results.values
    }

    /// Waits for every rank's buffer, then gives each `combine` of them all.
    fileprivate func exchange(rank: Int, _ buffer: inout [Double], combine: ([[Double]]) -> [Double]) {
        condition.lock()
        defer { condition.unlock() }
        let arrivedIn = generation
        contributions[rank] = buffer
        if contributions.allSatisfy({ $0 != nil }) {
            result = combine(contributions.map { $0! })
            contributions = Array(repeating: nil, count: size)
            generation += 1
            condition.broadcast()
        } else {
            while generation == arrivedIn { condition.wait() }
        }
        buffer = result
    }
}

/// One rank of a ``ThreadGroup``.
struct ThreadCommunicator: Communicator, @unchecked Sendable {
    let group: ThreadGroup
    let rank: Int
    var size: Int { group.size }

    func allreduceSum(_ buffer: inout [Double]) {
        group.exchange(rank: rank, &buffer) { buffers in
            precondition(Set(buffers.map(\.count)).count == 1, "allreduce of buffers of different lengths")
            var sum = buffers[0]
            for other in buffers.dropFirst() { for i in sum.indices { sum[i] += other[i] } }
            return sum
        }
    }

    func broadcast(_ buffer: inout [Double], from root: Int) {
        group.exchange(rank: rank, &buffer) { buffers in
            precondition(Set(buffers.map(\.count)).count == 1, "broadcast of buffers of different lengths")
            return buffers[root]
        }
    }
}

/// Per-rank results written from the rank threads.
private final class Results<R>: @unchecked Sendable {
    private var storage: [R?]
    private let lock = NSLock()
    init(count: Int) { storage = Array(repeating: nil, count: count) }
    func set(_ index: Int, _ value: R) { lock.withLock { storage[index] = value } }
    var values: [R] { lock.withLock { storage.map { $0! } } }
}

/// Runs `body` on `processes` simulated processes, each with its part of
/// `data`, and returns each process's result or failure.
func eachProcess<R>(
    _ data: Matrix<Double>, processes: Int,
    _ body: @escaping @Sendable (RowRangeSource<Matrix<Double>>, RowPartition, ThreadCommunicator) throws(DistributedFailure) -> R
) throws -> [Result<R, DistributedFailure>] {
    let partition = try RowPartition(rows: data.rows, parts: processes)
    return ThreadGroup.run(processes: processes) { communicator in
        Result { () throws(DistributedFailure) in
            try body(RowRangeSource(data, rows: partition.range(of: communicator.rank)), partition, communicator)
        }
    }
}

/// The failure of every process (nil where one succeeded).
func failures<R>(_ results: [Result<R, DistributedFailure>]) -> [DistributedFailure?] {
    results.map { if case .failure(let failure) = $0 { failure } else { nil } }
}
