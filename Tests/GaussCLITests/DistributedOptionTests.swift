import Foundation
import LinearAlgebra
import Testing

/// `gauss fit --distributed` outside mpirun: the options it refuses, and a
/// build without the MPI trait. (Runs under mpirun are in
/// DistributedClusteringTests, built with the trait.)
@Suite struct DistributedOptionTests {
    @Test func csvInputIsAUsageError() throws {
        let run = try gauss("fit", faithful, "--distributed")
        #expect(run.status == 2)
        #expect(run.stderr.contains("--distributed reads a .npy file"), "\(run.stderr)")
    }

    @Test func sampleWeightsAreAUsageError() throws {
        let directory = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = directory.appendingPathComponent("data.npy").path
        try Npy.write(Matrix<Double>(rows: 10, columns: 2) { Double($0 * $1) }, to: data)
        let run = try gauss("fit", data, "--distributed", "--sample-weights", data)
        #expect(run.status == 2)
        #expect(run.stderr.contains("--sample-weights is not supported with --distributed"), "\(run.stderr)")
        for option in ["--init-labels", "--init-responsibilities"] {
            let start = try gauss("fit", data, "--distributed", option, data)
            #expect(start.status == 2)
            #expect(start.stderr.contains("--init-responsibilities and --init-labels are not supported with --distributed; use --init-from"),
                    "\(start.stderr)")
        }
        let continued = try gauss("fit", data, "--distributed", "--bayesian", "--init-from", data)
        #expect(continued.status == 2)
        #expect(continued.stderr.contains("--bayesian --init-from (continuing a variational fit) is not supported with --distributed"),
                "\(continued.stderr)")
    }

    #if !MPI
    @Test func aBuildWithoutMPISaysHowToGetIt() throws {
        let directory = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = directory.appendingPathComponent("data.npy").path
        try Npy.write(Matrix<Double>(rows: 10, columns: 2) { Double($0 * $1) }, to: data)
        let run = try gauss("fit", data, "--distributed")
        #expect(run.status == 2)
        #expect(run.stderr.contains("swift build --traits MPI"), "\(run.stderr)")
    }
    #endif
}
