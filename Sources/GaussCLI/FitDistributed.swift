import ArgumentParser
import Clustering
import DistributedClustering
import Foundation
import LinearAlgebra

// `gauss fit DATA.npy --distributed`, run as `mpirun -np P gauss fit …`:
// every process maps the file and fits its own part of the rows; process 0
// reports progress and writes the model.

extension Fit {
    /// Why `--distributed` cannot be used with the other options given, if it cannot.
    var distributedConflict: String? {
        if !data.lowercased().hasSuffix(".npy") { return "--distributed reads a .npy file (each process maps its own rows); convert \(data) first" }
        if sampleWeights != nil { return "--sample-weights is not supported with --distributed" }
        if initResponsibilities != nil || initLabels != nil {
            return "--init-responsibilities and --init-labels are not supported with --distributed; use --init-from"
        }
        if em.columns != nil { return "--columns applies to CSV files, and --distributed reads .npy files" }
        if labels != nil { return "--labels is not supported with --distributed: each process holds only its own rows" }
        if variational.bayesian && initFrom != nil { return "--bayesian --init-from (continuing a variational fit) is not supported with --distributed" }
        return nil
    }

    func runDistributed() throws {
        #if MPI
        runUnderMPI(describe: { describeDistributedError($0, data: data) }) { communicator in
            try fitDistributed(communicator: communicator)
        }
        #else
        throw ValidationError(DistributedClusteringError.mpiUnavailable.description)
        #endif
    }

    #if MPI
    private func fitDistributed(communicator: MPICommunicator) throws {
        let rank = communicator.rank, processes = communicator.size
        // Every process reads the options' files itself; a failure anywhere stops all.
        let (header, estimator) = try communicator.collectively { () throws -> (NpyHeader, GaussianMixture) in
            guard FileManager.default.fileExists(atPath: data) else { throw DataError("\(data): no such file") }
            let header = try NpyFile(path: data).header
            guard header.shape.count == 2 else { throw DistributedClusteringError.notRows(shape: header.shape) }
            if variational.bayesian { try variational.check(dimension: header.columns) }
            var estimator = em.estimator(components: components ?? 1, covariance: covariance?.type ?? .full)
            if let initFrom { try applyInitialModel(initFrom, to: &estimator, dimension: header.columns) }
            applyFixedParameters(to: &estimator, dimension: header.columns)
            return (header, estimator)
        }
        let dtype = em.dtype ?? (header.dtype == .float32 ? .float32 : .float64)
        // The memory limit is per process, and so is the choice to stream a part.
        let partBytes = header.rows / processes * header.columns * (dtype == .float32 ? 4 : 8)
        let streamed = isStreamed(dataBytes: partBytes, budget: memoryBudget)
        let memoryLimit = fitAllocationLimit(budget: memoryBudget, dataBytes: partBytes, streamed: streamed)
        let progress = rank == 0 ? progressReporter(verbose: verbose, maxIterations: em.maxIter) : nil
        if rank == 0 && verbose {
            standardError(Info.kernelSummary)
            let workers = defaultWorkerCount
            standardError("gauss: \(processes) process\(processes == 1 ? "" : "es"), \(header.rows) rows of \(header.columns), "
                          + "\(workers) worker\(workers == 1 ? "" : "s") per process"
                          + (streamed ? "; streaming each part from disk on every pass" : ""))
        }
        let timed = TimedCommunicator(communicator)
        let clock = ContinuousClock.now
        let model: FittedModel
        if variational.bayesian {
            var fitting = variational.estimator(components: components ?? 1, covariance: covariance?.type ?? .full, em: em)
            fitting.memoryLimit = memoryLimit
            fitting.progress = progress
            model = try fitFile(DistributedBayesianGaussianMixture(fitting), dtype: dtype, streamed: streamed, communicator: timed)
        } else {
            var fitting = estimator
            fitting.memoryLimit = memoryLimit
            fitting.progress = progress
            model = try fitFile(DistributedGaussianMixture(fitting), dtype: dtype, streamed: streamed, communicator: timed)
        }
        if rank == 0 { finishProgress() }
        if verbose {
            // One line per process, all printed by process 0: each has its own
            // time in the collectives (transfer and waiting) and its own peak.
            let (calls, values) = (timed.calls, timed.values)
            var report = [Double](repeating: 0, count: 3 * processes)
            report[3 * rank] = (ContinuousClock.now - clock).inSeconds
            report[3 * rank + 1] = timed.seconds
            report[3 * rank + 2] = Double(residentMemory()?.peak ?? 0)
            communicator.allreduceSum(&report)
            if rank == 0 {
                for process in 0..<processes {
                    let peak = report[3 * process + 2] > 0 ? ", peak resident memory \(Int(report[3 * process + 2]) >> 20) MiB" : ""
                    standardError("gauss: process \(process): \(String(format: "%.3f", report[3 * process])) s, of which "
                                  + "\(String(format: "%.3f", report[3 * process + 1])) s in \(calls) collective operations "
                                  + "(\(values) values)\(peak)")
                }
            }
        }
        if rank == 0 { try write(model, dtype: dtype, rows: header.rows) }
    }

    /// `fitter`'s fit of the data file, read as `dtype`.
    private func fitFile<Fitter: DistributedMixtureFit, C: Communicator>(
        _ fitter: Fitter, dtype: DataType, streamed: Bool, communicator: C
    ) throws(DistributedFailure) -> FittedModel {
        dtype == .float32
            ? try fitter.fit(npyFile: data, as: Float.self, releasesPages: streamed, communicator: communicator)
            : try fitter.fit(npyFile: data, as: Double.self, releasesPages: streamed, communicator: communicator)
    }
    #endif
}

/// EM and the variational fit over MPI, for ``Fit``'s one call site.
protocol DistributedMixtureFit {
    associatedtype Model: MixtureModel & Encodable
    func fit<Scalar: BLASScalar, C: Communicator>(
        npyFile path: String, as: Scalar.Type, releasesPages: Bool, communicator: C
    ) throws(DistributedFailure) -> Model
}

extension DistributedGaussianMixture: DistributedMixtureFit {}
extension DistributedBayesianGaussianMixture: DistributedMixtureFit {}

/// A communicator that adds up the time spent in its collective operations:
/// the transfer and any wait for slower processes.
final class TimedCommunicator<Base: Communicator>: Communicator {
    let base: Base
    private(set) var seconds = 0.0
    private(set) var calls = 0
    private(set) var values = 0

    init(_ base: Base) { self.base = base }

    var rank: Int { base.rank }
    var size: Int { base.size }

    func allreduceSum(_ buffer: inout [Double]) {
        let start = ContinuousClock.now
        base.allreduceSum(&buffer)
        record(since: start, count: buffer.count)
    }

    func broadcast(_ buffer: inout [Double], from root: Int) {
        let start = ContinuousClock.now
        base.broadcast(&buffer, from: root)
        record(since: start, count: buffer.count)
    }

    private func record(since start: ContinuousClock.Instant, count: Int) {
        seconds += (ContinuousClock.now - start).inSeconds
        calls += 1
        values += count
    }
}


#if MPI
/// Runs `body` as this process's share of an MPI job (`mpirun -np P gauss …
/// --distributed`), with OpenBLAS given this process's share of the cores
/// unless told otherwise. A ``DistributedFailure`` is reported once, by the
/// process it names, and ends every process with status 1; any other
/// failure (after the collective work, only process 0 works) ends the job
/// with `MPI_Abort`.
func runUnderMPI(describe: (any Error) -> String, _ body: (MPICommunicator) throws -> Void) {
    let communicator = MPICommunicator()
    let environment = ProcessInfo.processInfo.environment
    if environment["OPENBLAS_NUM_THREADS"] == nil && environment["OMP_NUM_THREADS"] == nil {
        BLASThreading.threadCount = defaultWorkerCount
    }
    do {
        try body(communicator)
        communicator.finalize()
    } catch let failure as DistributedFailure {
        if failure.isReporter(rank: communicator.rank) {
            let process = communicator.size > 1 ? "process \(communicator.rank) of \(communicator.size): " : ""
            standardError("gauss: \(process)\(describe(failure.localError!))")
        }
        // Every process learnt of the failure in the same collective step,
        // so all of them end here, normally, with status 1. (MPI_Abort
        // would do it too, but Open MPI 4.1's mpirun can hang after an
        // abort, in its PMIx finalisation, on a loaded machine.)
        communicator.finalize()
        Foundation.exit(1)
    } catch {
        standardError("gauss: \(describe(error))")
        communicator.abort(status: 1)
    }
}
#endif

/// A distributed command's failure in one sentence, naming the data file
/// where it is about the data.
func describeDistributedError(_ error: any Error, data: String) -> String {
    switch error {
    case let error as DataError: return error.message
    case let error as WriteFailure: return error.message
    case let error as ValidationError: return error.message
    case let error as NpyError: return error.description
    case let error as ClusteringError: return "\(data): \(error.description)"
    case let error as DistributedClusteringError: return "\(data): \(error.description)"
    default: return "\(error)"
    }
}
