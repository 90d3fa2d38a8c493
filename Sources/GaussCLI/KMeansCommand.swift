import ArgumentParser
import Clustering
import DistributedClustering
import Foundation
import LinearAlgebra

/// `gauss kmeans`: k-means clustering with scikit-learn's `KMeans` settings,
/// written as JSON (centers, inertia, iterations) with the labels on request.
struct KMeansCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kmeans",
        abstract: "Cluster a CSV or .npy file by k-means and write the centers as JSON.",
        discussion: """
            Settings and semantics are scikit-learn's KMeans: greedy k-means++ (or random rows) to start, \
            iterations until the labels stop changing or the centers move by at most --tol times the mean \
            feature variance; the start with the lowest inertia is kept.

            Examples:
              gauss kmeans data.csv -k 8 --labels labels.csv
              gauss kmeans big.npy -k 32 --dtype float32 --output centers.json
              mpirun -np 4 gauss kmeans big.npy -k 32 --distributed --output centers.json
            """
    )

    /// `--init`.
    enum InitMethod: String, ExpressibleByArgument, CaseIterable {
        case kMeansPlusPlus = "k-means++"
        case random
    }

    /// `--algorithm`.
    enum AlgorithmOption: String, ExpressibleByArgument, CaseIterable {
        case auto, lloyd, elkan
        var algorithm: KMeans.Algorithm {
            switch self {
            case .auto: .automatic
            case .lloyd: .lloyd
            case .elkan: .elkan
            }
        }
    }

    @Argument(help: "The data: .csv or .npy.")
    var data: String

    @Option(help: "The character between CSV cells: one character, or tab, comma, semicolon, space, pipe.")
    var delimiter = DelimiterOption(byte: UInt8(ascii: ","))

    @Option(name: [.customShort("k"), .customLong("clusters")], parsing: .unconditional, help: "Number of clusters.")
    var clusters: Int = 8

    @Option(name: .customLong("init"), help: "How the first centers are chosen: k-means++ or random (rows drawn uniformly).")
    var initialization: InitMethod = .kMeansPlusPlus

    @Option(name: .customLong("n-init"), parsing: .unconditional, help: "Starts to run; the lowest inertia is kept.")
    var nInit: Int = 1

    @Option(name: .customLong("max-iter"), parsing: .unconditional, help: "Iterations per start at most.")
    var maxIter: Int = 300

    @Option(parsing: .unconditional, help: "Converged when the centers move by at most this times the mean feature variance.")
    var tol: Double = 1e-4

    @Option(help: "How rows find their nearest center: auto, lloyd (every distance) or elkan (triangle-inequality bounds).")
    var algorithm: AlgorithmOption = .auto

    @Option(parsing: .unconditional, help: "Seed of every random choice; the same seed gives the same clustering.")
    var seed: UInt64 = 0

    @Option(help: "Precision to cluster in: float32 or float64 (default: the .npy file's, float64 for CSV).")
    var dtype: DataType?

    @Option(help: "CSV columns to use, by header name or 0-based index, comma-separated.")
    var columns: String?

    @Option(name: .customLong("sample-weights"), help: "A CSV or .npy file with one non-negative weight per row.")
    var sampleWeights: String?

    @Option(help: "Write each row's cluster (0 to K-1), one per line, to this file.")
    var labels: String?

    @Option(name: .shortAndLong, help: "Write the centers JSON here instead of to stdout.")
    var output: String?

    @Flag(help: ArgumentHelp("Cluster on every process of an MPI job: mpirun -np P gauss kmeans DATA.npy --distributed ...",
                             discussion: "Each process reads its own rows of the .npy file; process 0 writes the centers."))
    var distributed = false

    func validate() throws {
        guard clusters >= 1 else { throw ValidationError("--clusters must be at least 1, got \(clusters)") }
        guard nInit >= 1 else { throw ValidationError("--n-init must be at least 1, got \(nInit)") }
        guard maxIter >= 1 else { throw ValidationError("--max-iter must be at least 1, got \(maxIter)") }
        guard tol >= 0 && tol.isFinite else { throw ValidationError("--tol must be a non-negative number, got \(tol)") }
        if distributed {
            if !data.lowercased().hasSuffix(".npy") {
                throw ValidationError("--distributed reads a .npy file (each process maps its own rows); convert \(data) first")
            }
            if sampleWeights != nil { throw ValidationError("--sample-weights is not supported with --distributed") }
            if labels != nil { throw ValidationError("--labels is not supported with --distributed: each process holds only its own rows' labels") }
            if columns != nil { throw ValidationError("--columns applies to CSV files, and --distributed reads .npy files") }
        }
    }

    var estimator: KMeans {
        var estimator = KMeans(clusterCount: clusters, initialization: initialization == .random ? .random : .kMeansPlusPlus,
                               initializationCount: nInit, maxIterations: maxIter, tolerance: tol, seed: seed)
        estimator.algorithm = algorithm.algorithm
        return estimator
    }

    func run() throws {
        try checkOutput(output, isNotAnyOf: [data, sampleWeights, labels])
        try checkOutput(labels, isNotAnyOf: [data, sampleWeights, output], option: "--labels")
        if distributed { return try runDistributed() }
        let budget = Int(clamping: ProcessInfo.processInfo.physicalMemory)
        let input = try openFitInput(data, columns: columns?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) },
                                     dtype: dtype, memoryBudget: budget, delimiter: delimiter.byte)
        let weights = try sampleWeights.map(loadVector)
        var estimator = self.estimator
        estimator.memoryLimit = fitAllocationLimit(budget: budget, dataBytes: input.byteCount, streamed: input.isStreamed)
        let model = try describing(data, sampleWeights: sampleWeights) { try input.cluster(estimator, sampleWeights: weights) }
        try write(model, dtype: input.dtype, rows: input.rows)
        if let labels { try writeOutput(model.labels.map { "\($0)\n" }.joined(), to: labels) }
    }

    func write(_ model: KMeansModel, dtype: DataType, rows: Int) throws {
        let file = KMeansFile(
            centers: (0..<model.centers.rows).map { Array(model.centers.row($0)) }, inertia: model.inertia,
            iterationCount: model.iterationCount,
            settings: .init(n_clusters: clusters, init: initialization.rawValue, n_init: nInit, max_iter: maxIter, tol: tol,
                            algorithm: algorithm.rawValue, random_state: seed, dtype: dtype.rawValue, n_samples: rows))
        try writeOutput(to: output) { write in
            try CompactJSONEncoder().encode(file, writingTo: write)
            try [UInt8(ascii: "\n")].withUnsafeBytes(write)
        }
    }

    func runDistributed() throws {
        #if MPI
        runUnderMPI(describe: { describeDistributedError($0, data: data) }) { communicator in
            let header = try communicator.collectively { () throws -> NpyHeader in
                guard FileManager.default.fileExists(atPath: data) else { throw DataError("\(data): no such file") }
                let header = try NpyFile(path: data).header
                guard header.shape.count == 2 else { throw DistributedClusteringError.notRows(shape: header.shape) }
                return header
            }
            let type = dtype ?? (header.dtype == .float32 ? .float32 : .float64)
            let distributed = DistributedKMeans(estimator)
            let model = type == .float32
                ? try distributed.fit(npyFile: data, as: Float.self, communicator: communicator)
                : try distributed.fit(npyFile: data, as: Double.self, communicator: communicator)
            if communicator.rank == 0 { try write(model, dtype: type, rows: header.rows) }
        }
        #else
        throw ValidationError(DistributedClusteringError.mpiUnavailable.description)
        #endif
    }
}

/// The JSON `gauss kmeans` writes: scikit-learn's attribute names without
/// the trailing underscore, and the settings of the run.
struct KMeansFile: Codable, Equatable {
    struct Settings: Codable, Equatable {
        var n_clusters: Int
        var `init`: String
        var n_init: Int
        var max_iter: Int
        var tol: Double
        var algorithm: String
        /// The seed, under scikit-learn's name.
        var random_state: UInt64
        var dtype: String
        var n_samples: Int
    }

    enum CodingKeys: String, CodingKey {
        case version = "gauss_kmeans_version"
        case centers = "cluster_centers"
        case inertia
        case iterationCount = "n_iter"
        case settings
    }

    var version = 1
    var centers: [[Double]]
    var inertia: Double
    var iterationCount: Int
    var settings: Settings

    init(centers: [[Double]], inertia: Double, iterationCount: Int, settings: Settings) {
        (self.centers, self.inertia, self.iterationCount, self.settings) = (centers, inertia, iterationCount, settings)
    }
}
