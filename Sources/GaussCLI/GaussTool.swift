import ArgumentParser
import Foundation
import LinearAlgebra

/// `gauss`: Gaussian mixtures for people with a CSV or `.npy` file.
@main
struct GaussTool: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gauss",
        abstract: "Fit Gaussian mixture models to CSV and .npy data, and use them.",
        discussion: """
            Models are JSON files with scikit-learn's attribute names. Data files are CSV \
            (an optional header row; every other cell a number) or .npy (2-D float32/float64).

            Examples:
              gauss demo
              gauss fit data.csv -k 3 --output model.json
              gauss predict model.json data.csv --proba
              gauss select data.csv --components 1...8 --covariance all
              gauss kmeans data.csv -k 8 --labels labels.csv
              gauss plot model.json data.csv --output picture.svg
              gauss info
            """,
        version: version,
        subcommands: [Fit.self, Predict.self, Score.self, Sample.self, Select.self, KMeansCommand.self, Plot.self, Demo.self, Info.self]
    )

    /// The version of Gauss, printed by `gauss --version` and `gauss info`.
    static let version = "0.2.0-dev"

    /// Runs a command, mapping failures to the documented exit statuses:
    /// 0 after help, 2 for usage errors, 1 for data errors; the message is
    /// one sentence on stderr.
    static func main() {
        // Before anything else: this may run the program again with better BLAS kernels.
        BLASKernel.selectForProcessor()
        BLASThreading.shortenIdleSpin()
        returnLargeBlocksToTheSystem()
        NpyFile.exitWithAMessageIfAMappedFileShrinks(prefix: "gauss: ")
        // A closed pipe is an error from write(), handled below, not a signal.
        signal(SIGPIPE, SIG_IGN)
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let error as DataError {
            standardError("gauss: \(error.message)")
            Foundation.exit(1)
        } catch let error as WriteFailure {
            // The reader of a pipe went away (`gauss … | head`): stop quietly.
            if !error.isBrokenPipe { standardError("gauss: \(error.message)") }
            Foundation.exit(1)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                Foundation.exit(0)
            }
            standardError(fullMessage(for: error))
            Foundation.exit(2)
        }
    }
}

/// A failure caused by the data or files given, not by how the command was
/// called: exit status 1.
struct DataError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

/// Has glibc serve allocations of 1 MiB and more by their own mappings,
/// returned to the system when freed. By default glibc raises that
/// threshold to the size of the largest block freed so far, after which the
/// K·d² parameter and statistics arrays of each EM iteration come from the
/// heap and its free space stays resident: about 20 MiB at K = 32, d = 128.
/// Hot loops allocate nothing, so the extra system calls are per iteration.
private func returnLargeBlocksToTheSystem() {
    // mallopt is in <malloc.h>, which Swift's Glibc module leaves out.
    typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
    let mmapThreshold: Int32 = -3  // M_MMAP_THRESHOLD
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
    _ = unsafeBitCast(symbol, to: Mallopt.self)(mmapThreshold, 1 << 20)
}

