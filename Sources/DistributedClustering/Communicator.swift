import Clustering

/// What a distributed fit needs from the processes it runs on: who it is,
/// how many there are, and two collective operations on `Double` buffers.
///
/// ``MPICommunicator`` (built with the `MPI` package trait) is the
/// implementation for real clusters; ``SingleProcessCommunicator`` runs a
/// distributed fit in one process. Every process must call the collective
/// operations in the same order with buffers of the same length, as with MPI.
public protocol Communicator {
    /// This process's index, 0..<``size``.
    var rank: Int { get }
    /// The number of processes.
    var size: Int { get }
    /// Replaces `buffer` on every process with the elementwise sum of the
    /// buffers of all processes (`MPI_Allreduce` with `MPI_SUM`).
    func allreduceSum(_ buffer: inout [Double])
    /// Replaces `buffer` on every process with that of process `root` (`MPI_Bcast`).
    func broadcast(_ buffer: inout [Double], from root: Int)
}

/// One process alone: the collective operations leave buffers as they are.
public struct SingleProcessCommunicator: Communicator, Sendable {
    public init() {}
    public var rank: Int { 0 }
    public var size: Int { 1 }
    public func allreduceSum(_ buffer: inout [Double]) {}
    public func broadcast(_ buffer: inout [Double], from root: Int) {
        precondition(root == 0, "broadcast from process \(root) of 1")
    }
}

/// A distributed operation failed on one or more processes. Every process
/// throws it, so none is left waiting in a collective operation for the others.
public struct DistributedFailure: Error, CustomStringConvertible {
    /// The processes that failed, ascending; the first is the one whose
    /// error is worth reporting.
    public let failedRanks: [Int]
    /// This process's own error, or nil when it was fine and others failed.
    public let localError: (any Error)?

    public init(failedRanks: [Int], localError: (any Error)?) {
        self.failedRanks = failedRanks
        self.localError = localError
    }

    /// Whether this process should report the failure: it is the first
    /// that failed.
    public func isReporter(rank: Int) -> Bool { localError != nil && failedRanks.first == rank }

    public var description: String {
        if let localError { return "\(localError)" }
        let ranks = failedRanks.map(String.init).joined(separator: ", ")
        return "process\(failedRanks.count == 1 ? "" : "es") \(ranks) failed"
    }
}

extension DistributedFailure {
    /// The failure of a fit's parts, where each part is a process.
    init(_ failure: PartFailure) {
        self.init(failedRanks: failure.failedParts, localError: failure.localError)
    }
}

extension Communicator {
    /// This process's part in the reductions of a fit: its rank among the
    /// processes, the allreduce that sums their buffers and the broadcast
    /// from process 0.
    var partReduction: PartReduction {
        PartReduction(index: rank, count: size, sum: { allreduceSum(&$0) }, broadcast: { broadcast(&$0, from: 0) })
    }

    /// Runs `body` on every process and lets all of them learn whether it
    /// failed anywhere: one allreduce of a flag per process. Returns the
    /// result where every process succeeded; throws ``DistributedFailure``
    /// on every process otherwise.
    public func collectively<R>(_ body: () throws -> R) throws(DistributedFailure) -> R {
        let result: Result<R, any Error>
        do { result = .success(try body()) } catch { result = .failure(error) }
        var flags = [Double](repeating: 0, count: size)
        if case .failure = result { flags[rank] = 1 }
        allreduceSum(&flags)
        let failed = flags.indices.filter { flags[$0] != 0 }
        switch result {
        case .success(let value) where failed.isEmpty: return value
        case .success: throw DistributedFailure(failedRanks: failed, localError: nil)
        case .failure(let error): throw DistributedFailure(failedRanks: failed, localError: error)
        }
    }
}
