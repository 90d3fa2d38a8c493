import Clustering
import DistributedClustering
import Foundation
import LinearAlgebra
import Testing

/// Three Gaussian clusters in four dimensions, unevenly sized, far from the origin.
func clusteredData(rows: Int, seed: UInt64 = 11) -> Matrix<Double> {
    var rng = Xoshiro256StarStar(seed: seed)
    let centers: [[Double]] = [[100, 3, -2, 0], [104, -1, 2, 1], [98, 0, 0, -4]]
    let spreads: [Double] = [1, 0.5, 2]
    return Matrix(rows: rows, columns: 4) { i, j in
        let c = i % 7 < 3 ? 0 : (i % 7 < 5 ? 1 : 2)
        return centers[c][j] + spreads[c] * rng.nextNormal() * (j == 1 ? 1.5 : 1)
    }
}

/// The largest difference between the two models' parameters, relative to
/// the largest magnitude of each kind of parameter.
func relativeDifference(_ a: GaussianMixtureModel, _ b: GaussianMixtureModel) -> Double {
    func difference(_ x: [Double], _ y: [Double]) -> Double {
        precondition(x.count == y.count)
        let scale = Swift.max(x.map(abs).max() ?? 0, Double.leastNormalMagnitude)
        return zip(x, y).map { abs($0 - $1) }.max().map { $0 / scale } ?? 0
    }
    func values(_ p: CovarianceParameters) -> [Double] {
        p.matrices.flatMap(\.elements) + p.componentValues.elements
    }
    return [difference(a.weights, b.weights), difference(a.means.elements, b.means.elements),
            difference(values(a.covariances), values(b.covariances)),
            difference(values(a.precisionsCholesky), values(b.precisionsCholesky)),
            difference([a.lowerBound], [b.lowerBound])].max()!
}

/// Fits `data` split over `processes` simulated processes; every process's model.
func distributedFit(_ data: Matrix<Double>, processes: Int, _ fitter: DistributedGaussianMixture) throws -> [GaussianMixtureModel] {
    try eachProcess(data, processes: processes) { (part, partition, communicator) throws(DistributedFailure) in
        try fitter.fit(part: part, of: partition, communicator: communicator)
    }.map { try $0.get() }
}

/// The failure of every process fitting `data` split over `processes`.
func distributedFailures(_ data: Matrix<Double>, processes: Int, _ fitter: DistributedGaussianMixture) throws -> [DistributedFailure?] {
    failures(try eachProcess(data, processes: processes) { (part, partition, communicator) throws(DistributedFailure) in
        try fitter.fit(part: part, of: partition, communicator: communicator)
    })
}

@Suite struct DistributedGaussianMixtureTests {
    static let data = clusteredData(rows: 1001)

    @Test func startingResponsibilitiesAreRefusedByEveryProcess() throws {
        var estimator = GaussianMixture(componentCount: 2)
        estimator.initialResponsibilities = Matrix(rows: Self.data.rows, columns: 2, repeating: 0.5)
        let failures = try distributedFailures(Self.data, processes: 2, DistributedGaussianMixture(estimator))
        for failure in failures {
            let failure = try #require(failure)
            #expect(failure.failedRanks == [0, 1])
            guard case .invalidSetting(name: "initial responsibilities", _) = failure.localError as? ClusteringError else {
                Issue.record("expected the responsibilities to be refused, got \(String(describing: failure.localError))")
                continue
            }
        }
    }

    /// Starting parameters everyone shares: a two-iteration fit.
    static func startingEstimator(_ type: CovarianceType) throws -> GaussianMixture {
        let start = try GaussianMixture(componentCount: 3, covarianceType: type, maxIterations: 2, seed: 3).fit(data)
        var estimator = GaussianMixture(componentCount: 3, covarianceType: type, tolerance: 0, maxIterations: 25)
        estimator.initialWeights = start.weights
        estimator.initialMeans = start.means
        estimator.initialPrecisions = start.precisions
        return estimator
    }

    @Test(arguments: CovarianceType.allCases, [1, 2, 3, 4])
    func equalsTheSingleProcessFitFromTheSameStart(type: CovarianceType, processes: Int) throws {
        let estimator = try Self.startingEstimator(type)
        let single = try estimator.fit(Self.data)
        let models = try distributedFit(Self.data, processes: processes, DistributedGaussianMixture(estimator))
        for model in models {
            #expect(relativeDifference(model, single) < 1e-10, "\(type), \(processes) processes")
            #expect(model.iterationCount == single.iterationCount)
            #expect(model.lowerBoundHistory.count == single.lowerBoundHistory.count)
        }
        // Every process ends with the very same model.
        #expect(models.allSatisfy { $0 == models[0] })
    }

    @Test(arguments: CovarianceType.scikitLearnTypes)
    func theSameSeedGivesTheSameModelOnAnyNumberOfProcesses(type: CovarianceType) throws {
        let fitter = DistributedGaussianMixture(GaussianMixture(componentCount: 3, covarianceType: type, seed: 42),
                                                initializationSampleSize: 300)
        let reference = try distributedFit(Self.data, processes: 1, fitter)[0]
        for processes in [2, 3, 4] {
            let model = try distributedFit(Self.data, processes: processes, fitter)[0]
            #expect(relativeDifference(model, reference) < 1e-10, "\(type), \(processes) processes")
            #expect(model.iterationCount == reference.iterationCount)
        }
    }

    @Test(arguments: GaussianMixture.Initialization.allCases)
    func aSampleOfEveryRowInitialisesAsTheSingleProcessFit(initialization: GaussianMixture.Initialization) throws {
        // With m = n the sample is the data in order, so process 0 draws exactly what a single-process fit draws.
        let estimator = GaussianMixture(componentCount: 3, covarianceType: .full, initializationCount: 2,
                                        initialization: initialization, seed: 9)
        let single = try estimator.fit(Self.data)
        let model = try distributedFit(Self.data, processes: 3, DistributedGaussianMixture(estimator, initializationSampleSize: 5000))[0]
        #expect(relativeDifference(model, single) < 1e-10)
    }

    @Test(arguments: CovarianceType.scikitLearnTypes)
    func noIterationsGiveEveryProcessTheStartingModelExactly(type: CovarianceType) throws {
        // Process 0 sends the starting covariances with the parameters, so a
        // fit of no iterations has them bit for bit, not recomputed from the
        // precision factors.
        let estimator = GaussianMixture(componentCount: 3, covarianceType: type, maxIterations: 0,
                                        initialization: .randomFromData, seed: 4)
        let single = try estimator.fit(Self.data)
        for model in try distributedFit(Self.data, processes: 3, DistributedGaussianMixture(estimator, initializationSampleSize: 5000)) {
            #expect(model.covariances == single.covariances)
            #expect(model.weights == single.weights && model.means == single.means)
            #expect(model.iterationCount == 0 && model.lowerBound == -.infinity)
        }
    }

    @Test func badDataInOneProcessStopsEveryProcessNamingTheRow() throws {
        var corrupted = Self.data
        corrupted[950, 2] = .nan  // in the last of three parts (rows 667..<1001)
        let data = corrupted
        let failures = try distributedFailures(data, processes: 3, DistributedGaussianMixture(GaussianMixture(componentCount: 3)))
        for (rank, failure) in failures.enumerated() {
            let failure = try #require(failure, "process \(rank) did not fail")
            #expect(failure.failedRanks == [2])
            #expect(failure.isReporter(rank: rank) == (rank == 2))
            if rank == 2 {
                #expect(failure.localError as? ClusteringError == .nonFiniteValue(row: 950, column: 2))
            } else {
                #expect(failure.localError == nil)
            }
        }
    }

    @Test func aComponentCollapsingInTheMStepFailsEveryProcessAlike() throws {
        // Four distinct points far apart, each repeated, and a component on
        // each without regularisation: the first M-step finds zero variances.
        let points = Matrix<Double>(rows: 400, columns: 2) { i, j in Double((i % 4) * 100 * (j + 1)) }
        let estimator = GaussianMixture(componentCount: 4, regularization: 0, initialWeights: [0.25, 0.25, 0.25, 0.25],
                                        initialMeans: points[rows: 0..<4],
                                        initialPrecisions: .identity(.full, componentCount: 4, dimension: 2))
        let failures = try distributedFailures(points, processes: 2, DistributedGaussianMixture(estimator))
        for (rank, failure) in failures.enumerated() {
            let failure = try #require(failure)
            #expect(failure.failedRanks == [0, 1])
            #expect(failure.isReporter(rank: rank) == (rank == 0))
            guard case .componentCollapsed = failure.localError as? ClusteringError else {
                Issue.record("expected a collapsed component, got \(String(describing: failure.localError))")
                continue
            }
        }
    }

    @Test func aFailedInitialisationOnProcessZeroStopsEveryProcess() throws {
        // Two distinct points and three components: k-means++ cannot seed three.
        let points = Matrix<Double>(rows: 40, columns: 2) { i, j in Double((i % 2) * (j + 1)) }
        let estimator = GaussianMixture(componentCount: 3, regularization: 0, initialization: .kMeansPlusPlus, seed: 1)
        let failures = try distributedFailures(points, processes: 2, DistributedGaussianMixture(estimator))
        let first = try #require(failures[0]), second = try #require(failures[1])
        #expect(first.failedRanks == [0] && second.failedRanks == [0])
        #expect(first.localError is ClusteringError)
        #expect(second.localError == nil)
    }

    @Test func moreProcessesThanRowsOfAFileIsAnErrorOnEveryProcess() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gauss-distributed-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("three.npy").path
        try Npy.write(Matrix<Double>(rows: 3, columns: 2) { Double($0 + $1) }, to: path)
        let failures = ThreadGroup.run(processes: 4) { communicator -> DistributedFailure? in
            do throws(DistributedFailure) {
                _ = try DistributedGaussianMixture(GaussianMixture(componentCount: 1))
                    .fit(npyFile: path, as: Double.self, communicator: communicator)
                return nil
            } catch {
                return error
            }
        }
        for failure in failures {
            let failure = try #require(failure)
            #expect(failure.failedRanks == [0, 1, 2, 3])
            #expect(failure.localError as? DistributedClusteringError == .moreProcessesThanRows(processes: 4, rows: 3))
        }
    }

    @Test func aFileIsFittedFromEachProcesssOwnRows() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gauss-distributed-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("data.npy").path
        try Npy.write(Self.data, to: path)
        let estimator = try Self.startingEstimator(.diag)
        let single = try estimator.fit(Self.data)
        let models = ThreadGroup.run(processes: 3) { communicator in
            Result { () throws(DistributedFailure) in
                try DistributedGaussianMixture(estimator).fit(npyFile: path, as: Double.self, releasesPages: true,
                                                              communicator: communicator)
            }
        }
        for model in models { #expect(relativeDifference(try model.get(), single) < 1e-10) }
    }

    @Test(arguments: CovarianceType.scikitLearnTypes)
    func processesWithFewerRowsThanComponentsStillFitTheWhole(type: CovarianceType) throws {
        // 10 rows over 4 processes: parts of 3, 3, 2 and 2 rows, for 3 components.
        let data = Self.data[rows: 0..<10]
        let start = try GaussianMixture(componentCount: 3, covarianceType: type, regularization: 1e-3, maxIterations: 1,
                                        initialization: .randomFromData, seed: 2).fit(data)
        let estimator = GaussianMixture(componentCount: 3, covarianceType: type, tolerance: 0, regularization: 1e-3,
                                        maxIterations: 10, initialWeights: start.weights, initialMeans: start.means,
                                        initialPrecisions: start.precisions)
        let single = try estimator.fit(data)
        for model in try distributedFit(data, processes: 4, DistributedGaussianMixture(estimator)) {
            #expect(relativeDifference(model, single) < 1e-10)
        }
    }

    @Test func oneProcessAloneIsTheSingleProcessFit() throws {
        let estimator = try Self.startingEstimator(.tied)
        let partition = try RowPartition(rows: Self.data.rows, parts: 1)
        let model = try DistributedGaussianMixture(estimator).fit(part: Self.data, of: partition, communicator: SingleProcessCommunicator())
        #expect(relativeDifference(model, try estimator.fit(Self.data)) < 1e-12)
    }
}

@Suite struct RowPartitionTests {
    @Test(arguments: [(10, 3), (9, 3), (7, 7), (1, 1), (1_000_003, 64), (5, 4)])
    func partsAreContiguousNearlyEqualAndCoverEveryRow(rows: Int, parts: Int) throws {
        let partition = try RowPartition(rows: rows, parts: parts)
        var next = 0
        for part in 0..<parts {
            let range = partition.range(of: part)
            #expect(range.lowerBound == next)
            #expect(range.count == rows / parts || range.count == rows / parts + 1)
            #expect(!range.isEmpty)
            if part > 0 { #expect(range.count <= partition.range(of: part - 1).count) }
            next = range.upperBound
        }
        #expect(next == rows)
    }

    @Test func morePartsThanRowsIsAnError() {
        #expect(throws: DistributedClusteringError.moreProcessesThanRows(processes: 5, rows: 4)) {
            try RowPartition(rows: 4, parts: 5)
        }
        #expect(DistributedClusteringError.moreProcessesThanRows(processes: 5, rows: 4).description
                == "5 processes for 4 rows: every process needs at least one row; run fewer processes")
    }
}
