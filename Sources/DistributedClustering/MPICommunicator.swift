#if MPI
import CMPI
import LinearAlgebra

#if canImport(Glibc)
import Glibc
#endif

/// The processes of an MPI job (`MPI_COMM_WORLD`), for programs started by
/// `mpirun`. Available when Gauss is built with the `MPI` package trait.
///
/// Create one per process, before any other MPI call; call ``finalize()``
/// before the process exits normally. Collective operations are called from
/// the thread that created it only (`MPI_THREAD_FUNNELED`); the fit's own
/// worker threads never call MPI.
public final class MPICommunicator: Communicator, @unchecked Sendable {
    public let rank: Int
    public let size: Int

    /// Initialises MPI. A program not started by `mpirun` runs as a job of
    /// one process. The processes of the job on this machine share its cores
    /// out among them (see ``LinearAlgebra/shareCores(amongProcesses:)``).
    public init() {
        var provided: Int32 = 0
        MPI_Init_thread(nil, nil, Int32(MPI_THREAD_FUNNELED), &provided)
        var rank: Int32 = 0, size: Int32 = 0
        MPI_Comm_rank(gauss_mpi_comm_world(), &rank)
        MPI_Comm_size(gauss_mpi_comm_world(), &size)
        self.rank = Int(rank)
        self.size = Int(size)
        shareCores(amongProcesses: Int(gauss_mpi_processes_on_this_machine()))
    }

    public func allreduceSum(_ buffer: inout [Double]) {
        buffer.withUnsafeMutableBufferPointer { buffer in
            forEachChunk(of: buffer) { start, count in
                MPI_Allreduce(gauss_mpi_in_place(), start, count, gauss_mpi_double(), gauss_mpi_sum(), gauss_mpi_comm_world())
            }
        }
    }

    public func broadcast(_ buffer: inout [Double], from root: Int) {
        buffer.withUnsafeMutableBufferPointer { buffer in
            forEachChunk(of: buffer) { start, count in
                MPI_Bcast(start, count, gauss_mpi_double(), Int32(root), gauss_mpi_comm_world())
            }
        }
    }

    /// Ends every process of the job with `status` (`MPI_Abort`): for a
    /// failure that leaves the others unable to go on.
    public func abort(status: Int32) -> Never {
        MPI_Abort(gauss_mpi_comm_world(), status)
        exit(status)
    }

    /// Shuts MPI down (`MPI_Finalize`); collective, so every process must call it.
    public func finalize() {
        MPI_Finalize()
    }

    /// MPI counts are 32-bit: longer buffers go in chunks.
    private func forEachChunk(of buffer: UnsafeMutableBufferPointer<Double>, _ body: (UnsafeMutablePointer<Double>, Int32) -> Int32) {
        let chunk = 1 << 30
        var offset = 0
        while offset < buffer.count {
            let count = Swift.min(chunk, buffer.count - offset)
            let status = body(buffer.baseAddress! + offset, Int32(count))
            // Open MPI's default error handler aborts the job before returning an error.
            precondition(status == MPI_SUCCESS, "MPI returned error \(status)")
            offset += count
        }
    }
}
#endif
