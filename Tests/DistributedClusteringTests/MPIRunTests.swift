#if MPI
import Clustering
import DistributedClustering
import Foundation
import LinearAlgebra
import TestSupport
import Testing

/// `mpirun -np P gauss fit … --distributed`, run as a user would, against
/// the single-process `gauss fit` of the same file.
@Suite(.serialized) struct MPIRunTests {
    static let data = clusteredData(rows: 1001)

    @Test(arguments: CovarianceType.scikitLearnTypes + [.eii, .vei, .eve, .vev])
    func oneTwoAndFourProcessesEqualTheSingleProcessFitFromTheSameStart(type: CovarianceType) throws {
        let directory = try ScratchDirectory()
        let data = directory.path("data.npy"), start = directory.path("start.json"), single = directory.path("single.json")
        try Npy.write(Self.data, to: data)
        try #require(try command(gaussPath, "fit", data, "-k", "3", "--covariance", type.rawValue, "--max-iter", "2",
                                 "--output", start).status == 0)
        let fitOptions = ["--init-from", start, "--tol", "0", "--max-iter", "15"]
        let reference = try command([gaussPath, "fit", data] + fitOptions + ["--output", single])
        try #require(reference.status == 0, "\(reference.stderr)")
        for processes in [1, 2, 4] {
            let output = directory.path("np\(processes).json")
            let run = try mpirun(processes, ["fit", data, "--distributed"] + fitOptions + ["--output", output])
            try #require(run.status == 0, "np \(processes): \(run.stderr)")
            #expect(relativeDifference(try readModel(output), try readModel(single)) < 1e-10, "\(type), np \(processes)")
        }
    }

    /// `fit --bayesian --distributed`: with fewer rows than the sample,
    /// the single-process variational fit on any number of processes.
    @Test func variationalFitsOnOneTwoAndFourProcessesEqualTheSingleProcessFit() throws {
        let directory = try ScratchDirectory()
        let data = directory.path("data.npy"), single = directory.path("single.json")
        try Npy.write(Self.data, to: data)
        let options = ["--bayesian", "-k", "6", "--covariance", "diag", "--weight-prior", "dirichlet-distribution",
                       "--seed", "3", "--tol", "0", "--max-iter", "25"]
        let reference = try command([gaussPath, "fit", data] + options + ["--output", single])
        try #require(reference.status == 0, "\(reference.stderr)")
        let expected = try JSONDecoder().decode(BayesianGaussianMixtureModel.self, from: Data(contentsOf: URL(fileURLWithPath: single)))
        for processes in [1, 2, 4] {
            let output = directory.path("np\(processes).json")
            let run = try mpirun(processes, ["fit", data, "--distributed"] + options + ["--output", output])
            try #require(run.status == 0, "np \(processes): \(run.stderr)")
            let model = try JSONDecoder().decode(BayesianGaussianMixtureModel.self, from: Data(contentsOf: URL(fileURLWithPath: output)))
            #expect(model.iterationCount == expected.iterationCount)
            #expect(relativeDifference(model, expected) < 1e-9, "np \(processes)")
        }
    }

    @Test func theSameSeedGivesTheSameModelForAnyNumberOfProcesses() throws {
        let directory = try ScratchDirectory()
        let data = directory.path("data.npy")
        try Npy.write(Self.data, to: data)
        var models: [GaussianMixtureModel] = []
        for processes in [1, 2, 4] {
            let output = directory.path("np\(processes).json")
            let run = try mpirun(processes, ["fit", data, "--distributed", "-k", "3", "--seed", "7", "--output", output])
            try #require(run.status == 0, "np \(processes): \(run.stderr)")
            models.append(try readModel(output))
        }
        for model in models.dropFirst() { #expect(relativeDifference(model, models[0]) < 1e-10) }
    }

    @Test func float32AndSeveralStartsRunAsInOneProcess() throws {
        let directory = try ScratchDirectory()
        let data = directory.path("data.npy"), start = directory.path("start.json")
        try Npy.write(Self.data, to: data)
        try #require(try command(gaussPath, "fit", data, "-k", "3", "--covariance", "diag", "--max-iter", "2",
                                 "--output", start).status == 0)
        // Float32 block sums taken in another order move the covariances by a few 1e-6 here.
        let options = ["--init-from", start, "--dtype", "float32", "--tol", "0", "--max-iter", "10"]
        let single = directory.path("single.json"), distributed = directory.path("distributed.json")
        try #require(try command([gaussPath, "fit", data] + options + ["--output", single]).status == 0)
        let run = try mpirun(2, ["fit", data, "--distributed"] + options + ["--output", distributed])
        try #require(run.status == 0, "\(run.stderr)")
        let difference = relativeDifference(try readModel(distributed), try readModel(single))
        #expect(difference < 1e-4, "\(difference)")
        // Several starts from k-means++ on the sample: runs, and converges to a finite bound.
        let starts = directory.path("starts.json")
        let several = try mpirun(2, ["fit", data, "--distributed", "-k", "3", "--n-init", "3", "--init", "k-means++",
                                     "--seed", "4", "--output", starts])
        try #require(several.status == 0, "\(several.stderr)")
        #expect(try readModel(starts).lowerBound.isFinite)
    }

    @Test func kmeansOnOneTwoAndFourProcessesGivesOneClustering() throws {
        let directory = try ScratchDirectory()
        let data = directory.path("data.npy")
        try Npy.write(Self.data, to: data)
        /// The members of `gauss kmeans`'s JSON this test reads.
        struct KMeansFile: Decodable {
            let centers: [[Double]], inertia: Double, iterationCount: Int
            enum CodingKeys: String, CodingKey { case centers = "cluster_centers", inertia, iterationCount = "n_iter" }
        }
        var files: [KMeansFile] = []
        for processes in [1, 2, 4] {
            let output = directory.path("np\(processes).json")
            let run = try mpirun(processes, ["kmeans", data, "--distributed", "-k", "3", "--seed", "2", "--output", output])
            try #require(run.status == 0, "np \(processes): \(run.stderr)")
            files.append(try JSONDecoder().decode(KMeansFile.self, from: Data(contentsOf: URL(fileURLWithPath: output))))
        }
        // The centers and inertia are those of every row: the library's
        // labels and inertia for those centers, computed here in one process.
        let centers = Matrix(files[0].centers)
        let labels = try KMeans(clusterCount: 3, initialization: .centers(centers), maxIterations: 1).fit(Self.data).labels
        var inertia = 0.0
        for (row, label) in labels.enumerated() {
            for j in 0..<centers.columns { inertia += (Self.data[row, j] - centers[label, j]) * (Self.data[row, j] - centers[label, j]) }
        }
        #expect(abs(files[0].inertia - inertia) <= 1e-10 * inertia, "\(files[0].inertia) against \(inertia)")
        for (c, center) in files[0].centers.enumerated() {
            let members = labels.indices.filter { labels[$0] == c }
            for j in 0..<centers.columns {
                let mean = members.reduce(0) { $0 + Self.data[$1, j] } / Double(members.count)
                #expect(abs(center[j] - mean) <= 1e-10 * max(1, abs(mean)), "center \(c) is the mean of its rows")
            }
        }
        for file in files.dropFirst() {
            #expect(file.iterationCount == files[0].iterationCount)
            #expect(zip(file.centers.joined(), files[0].centers.joined()).allSatisfy { abs($0 - $1) <= 1e-10 * max(1, abs($1)) })
        }
    }

    @Test func badRowsInOneProcessStopEveryProcessWithOneMessage() throws {
        let directory = try ScratchDirectory()
        let data = directory.path("data.npy")
        var corrupted = Self.data
        corrupted[1000, 3] = .infinity  // the last row: process 2 of 3
        try Npy.write(corrupted, to: data)
        let run = try mpirun(3, ["fit", data, "--distributed", "-k", "3", "--output", directory.path("model.json")])
        #expect(run.status != 0)
        let sentence = "gauss: process 2 of 3: \(data): "
        #expect(run.stderr.components(separatedBy: sentence).count == 2, "one report, from process 2: \(run.stderr)")
        #expect(run.stderr.contains("row 1001, column 4"), "one-based, as every message: \(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory.path("model.json")))
    }

    @Test func fourProcessesShareSevenRows() throws {
        let directory = try ScratchDirectory()
        let data = directory.path("seven.npy"), single = directory.path("single.json"), shared = directory.path("shared.json")
        try Npy.write(Self.data[rows: 0..<7], to: data)
        // Parts of 2, 2, 2 and 1 rows; two components, started from the first fit's parameters.
        let options = ["-k", "2", "--covariance", "spherical", "--reg-covar", "1e-3", "--tol", "0", "--max-iter", "5"]
        let start = directory.path("start.json")
        try #require(try command([gaussPath, "fit", data, "--max-iter", "1"] + options.dropLast(4) + ["--output", start]).status == 0)
        try #require(try command([gaussPath, "fit", data, "--init-from", start] + options.dropFirst(2) + ["--output", single]).status == 0)
        let run = try mpirun(4, ["fit", data, "--distributed", "--init-from", start] + options.dropFirst(2) + ["--output", shared])
        try #require(run.status == 0, "\(run.stderr)")
        #expect(relativeDifference(try readModel(shared), try readModel(single)) < 1e-10)
    }

    @Test func moreProcessesThanRowsIsOneClearError() throws {
        let directory = try ScratchDirectory()
        let data = directory.path("three.npy")
        try Npy.write(Matrix<Double>(rows: 3, columns: 2) { Double($0 * 2 + $1) }, to: data)
        let run = try mpirun(4, ["fit", data, "--distributed"])
        #expect(run.status != 0)
        #expect(run.stderr.components(separatedBy: "4 processes for 3 rows").count == 2, "\(run.stderr)")
        #expect(run.stdout.isEmpty)
    }

    @Test func aMissingFileIsReportedOnceByProcessZero() throws {
        let run = try mpirun(2, ["fit", "/nonexistent/data.npy", "--distributed"])
        #expect(run.status != 0)
        #expect(run.stderr.components(separatedBy: "no such file").count == 2, "\(run.stderr)")
        #expect(run.stderr.contains("process 0 of 2"))
    }

    @Test func anUnwritableOutputStopsTheJobWithOneMessage() throws {
        let directory = try ScratchDirectory()
        let data = directory.path("data.npy")
        try Npy.write(Self.data, to: data)
        let output = directory.path("missing/model.json")
        let run = try mpirun(2, ["fit", data, "--distributed", "-k", "2", "--output", output])
        #expect(run.status != 0)
        #expect(run.stderr.components(separatedBy: "cannot write the file").count == 2, "\(run.stderr)")
    }

    @Test func verboseOutputComesFromProcessZeroOnly() throws {
        let directory = try ScratchDirectory()
        let data = directory.path("data.npy")
        try Npy.write(Self.data, to: data)
        let run = try mpirun(2, ["fit", data, "--distributed", "-k", "2", "--verbose", "--output", directory.path("m.json")])
        try #require(run.status == 0, "\(run.stderr)")
        let lines = run.stderr.split(separator: "\n")
        #expect(lines.count { $0.hasPrefix("iteration 1 ") } == 1, "\(run.stderr)")
        #expect(lines.count { $0.hasPrefix("gauss: process 0: ") } == 1)
        #expect(lines.count { $0.hasPrefix("gauss: process 1: ") } == 1)
        #expect(lines.count { $0.contains("model written to") } == 1)
        // Two processes on this machine share its cores (MPI says how many share it).
        let share = Swift.max(1, ProcessInfo.processInfo.activeProcessorCount / 2)
        #expect(lines.contains { $0.hasSuffix("rows of 4, \(share) worker\(share == 1 ? "" : "s") per process") }, "\(run.stderr)")
    }

    @Test func withoutMpirunTheFitRunsAsOneProcess() throws {
        let directory = try ScratchDirectory()
        let data = directory.path("data.npy")
        try Npy.write(Self.data, to: data)
        let run = try command(gaussPath, "fit", data, "--distributed", "-k", "2", "--verbose")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("1 process, 1001 rows of 4"))
    }
}

// MARK: - Running commands

/// The `gauss` built beside the test binary.
let gaussPath: String = {
    let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    let besideTests = testBinary.deletingLastPathComponent().appendingPathComponent("gauss").path
    if FileManager.default.isExecutableFile(atPath: besideTests) { return besideTests }
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    return root.appendingPathComponent(".build/debug/gauss").path
}()

struct CommandRun {
    let status: Int32
    let stdout: String
    let stderr: String
}

/// A process killed in the middle of a distributed fit ends the whole job.
@Suite struct MPIFailureTests {
    @Test func aProcessKilledMidFitEndsTheJobWithAMessageAndNoModel() throws {
        let directory = try ScratchDirectory()
        let data = directory.path("killed-data.npy"), output = directory.path("model.json")
        try Npy.write(clusteredData(rows: 20_000), to: data)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        // Runs until stopped.
        process.arguments = ["mpirun", "--oversubscribe", "-np", "2", gaussPath, "fit", data, "--distributed", "-k", "3",
                             "--max-iter", "100000000", "--tol", "0", "--output", output]
        var environment = ProcessInfo.processInfo.environment
        environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
        environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
        process.environment = environment
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        // Find a gauss process of this job (its command line names this data file) and kill it hard.
        var victim: Int32? = nil
        for _ in 0..<100 where victim == nil {
            usleep(100_000)
            victim = gaussProcesses(reading: data).first
        }
        let pid = try #require(victim, "no gauss process of the job was found")
        usleep(1_000_000)  // into the fit
        #expect(kill(pid, SIGKILL) == 0)
        var waited = 0
        while process.isRunning && waited < 300 { usleep(100_000); waited += 1 }
        #expect(!process.isRunning, "the job still runs 30 s after one of its processes was killed")
        if process.isRunning { process.terminate() }
        // A process of the job left behind would hold the pipe open.
        for pid in gaussProcesses(reading: data) { kill(pid, SIGKILL) }
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus != 0)
        #expect(!message.isEmpty, "mpirun says what happened")
        #expect(!FileManager.default.fileExists(atPath: output))
    }
}

/// The `gauss` processes whose command line names `data`.
func gaussProcesses(reading data: String) -> [Int32] {
    let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc"))?.compactMap { Int32($0) } ?? []
    return pids.filter { pid in
        guard let line = try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline")) else { return false }
        let words = line.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        return words.first == gaussPath && words.contains(data)
    }
}

/// Runs `gauss` under `mpirun -np processes`, as root if need be and with
/// more processes than cores.
func mpirun(_ processes: Int, _ arguments: [String]) throws -> CommandRun {
    try command(["mpirun", "--oversubscribe", "-np", String(processes), gaussPath] + arguments)
}

func command(_ arguments: String...) throws -> CommandRun { try command(arguments) }

/// Runs a command found on PATH; one that runs past `timeout` seconds is
/// killed with every process it started, and fails the test with what they
/// were doing (a hang is exactly what these tests guard against).
func command(_ arguments: [String], timeout: Double = 120) throws -> CommandRun {
    var environment = ProcessInfo.processInfo.environment
    environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
    environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
    let run = try runChild("/usr/bin/env", arguments, environment: environment, timeout: timeout)
    #expect(!run.timedOut, "\(arguments.joined(separator: " ")) ran past \(timeout) s: \(run.stderr)")
    return CommandRun(status: run.status, stdout: run.stdout, stderr: run.stderr)
}

func readModel(_ path: String) throws -> GaussianMixtureModel {
    try JSONDecoder().decode(GaussianMixtureModel.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
}

/// A temporary directory removed when the value goes.
final class ScratchDirectory {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("gauss-mpi-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
}
#endif
