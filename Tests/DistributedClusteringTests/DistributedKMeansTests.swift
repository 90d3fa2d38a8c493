import Clustering
import DistributedClustering
import Foundation
import LinearAlgebra
import Testing

/// Fits `data` split over `processes` simulated processes; every process's model.
func distributedKMeans(_ data: Matrix<Double>, processes: Int, _ fitter: DistributedKMeans) throws -> [KMeansModel] {
    try eachProcess(data, processes: processes) { (part, partition, communicator) throws(DistributedFailure) in
        try fitter.fit(part: part, of: partition, communicator: communicator)
    }.map { try $0.get() }
}

func maximumRelativeDifference(_ a: [Double], _ b: [Double]) -> Double {
    let scale = Swift.max(a.map(abs).max() ?? 0, Double.leastNormalMagnitude)
    return zip(a, b).map { abs($0 - $1) }.max().map { $0 / scale } ?? 0
}

@Suite struct DistributedKMeansTests {
    static let data = clusteredData(rows: 1001, seed: 21)

    @Test(arguments: [1, 2, 3, 4])
    func equalsTheSingleProcessFitFromTheSameCenters(processes: Int) throws {
        let start = Self.data[rows: 0..<3]
        let estimator = KMeans(clusterCount: 3, initialization: .centers(start))
        let single = try estimator.fit(Self.data)
        let models = try distributedKMeans(Self.data, processes: processes, DistributedKMeans(estimator))
        for model in models {
            #expect(maximumRelativeDifference(model.centers.elements, single.centers.elements) < 1e-10)
            #expect(abs(model.inertia - single.inertia) <= 1e-10 * single.inertia)
            #expect(model.iterationCount == single.iterationCount)
        }
        // Each process labels its own rows; together, the single fit's labels.
        #expect(models.flatMap(\.labels) == single.labels)
    }

    @Test(arguments: [2, 3])
    func anEmptyClusterTakesTheFarthestRowOfAnyProcess(processes: Int) throws {
        // The third center is far from every row: empty after the first assignment.
        var start = Self.data[rows: 0..<3]
        for j in 0..<start.columns { start[2, j] = 1e6 }
        let estimator = KMeans(clusterCount: 3, initialization: .centers(start), maxIterations: 50)
        let single = try estimator.fit(Self.data)
        let model = try distributedKMeans(Self.data, processes: processes, DistributedKMeans(estimator))[0]
        #expect(maximumRelativeDifference(model.centers.elements, single.centers.elements) < 1e-10)
        #expect(abs(model.inertia - single.inertia) <= 1e-10 * single.inertia)
        #expect(model.centers.elements.allSatisfy { abs($0) < 1e3 }, "the far center moved to the data")
    }

    @Test func theSameSeedGivesTheSameCentersOnAnyNumberOfProcesses() throws {
        let fitter = DistributedKMeans(KMeans(clusterCount: 3, initializationCount: 2, seed: 5), initializationSampleSize: 400)
        let reference = try distributedKMeans(Self.data, processes: 1, fitter)[0]
        // Both starts find these clusters, in different orders, with inertias
        // equal to rounding: which start is kept may differ, so the centers
        // are compared as a set.
        func sortedCenters(_ model: KMeansModel) -> [Double] {
            (0..<model.centers.rows).map { model.centers.row($0) }.sorted { $0.lexicographicallyPrecedes($1) }.flatMap { $0 }
        }
        for processes in [2, 4] {
            let model = try distributedKMeans(Self.data, processes: processes, fitter)[0]
            #expect(maximumRelativeDifference(sortedCenters(model), sortedCenters(reference)) < 1e-10)
            #expect(abs(model.inertia - reference.inertia) <= 1e-12 * reference.inertia)
        }
    }

    @Test func aSampleOfEveryRowSeedsAsTheSingleProcessFit() throws {
        let estimator = KMeans(clusterCount: 3, seed: 8)
        let single = try estimator.fit(Self.data)
        let model = try distributedKMeans(Self.data, processes: 2, DistributedKMeans(estimator, initializationSampleSize: 5000))[0]
        #expect(maximumRelativeDifference(model.centers.elements, single.centers.elements) < 1e-10)
        #expect(abs(model.inertia - single.inertia) <= 1e-10 * single.inertia)
    }

    @Test func fewerRowsThanClustersFailsEveryProcess() throws {
        let data = Matrix<Double>(rows: 4, columns: 2) { Double($0 + $1) }
        let results = try eachProcess(data, processes: 2) { (part, partition, communicator) throws(DistributedFailure) in
            try DistributedKMeans(KMeans(clusterCount: 5)).fit(part: part, of: partition, communicator: communicator)
        }
        let failures = failures(results)
        for failure in failures {
            let failure = try #require(failure)
            #expect(failure.failedRanks == [0, 1])
            #expect(failure.localError as? ClusteringError == .tooFewSamples(samples: 4, components: 5))
        }
    }
}
