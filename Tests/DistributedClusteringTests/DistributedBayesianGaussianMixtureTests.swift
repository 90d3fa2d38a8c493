import Clustering
import DistributedClustering
import Foundation
import LinearAlgebra
import Testing

/// The largest difference between two variational fits' fitted attributes,
/// relative to the largest magnitude of each.
func relativeDifference(_ a: BayesianGaussianMixtureModel, _ b: BayesianGaussianMixtureModel) -> Double {
    func difference(_ x: [Double], _ y: [Double]) -> Double {
        precondition(x.count == y.count)
        let scale = Swift.max(x.map(abs).max() ?? 0, Double.leastNormalMagnitude)
        return zip(x, y).map { abs($0 - $1) }.max().map { $0 / scale } ?? 0
    }
    func values(_ p: CovarianceParameters) -> [Double] { p.matrices.flatMap(\.elements) + p.componentValues.elements }
    return [difference(a.weights, b.weights), difference(a.meanPrecisions, b.meanPrecisions),
            difference(a.means.elements, b.means.elements), difference(a.degreesOfFreedom, b.degreesOfFreedom),
            difference(values(a.covariances), values(b.covariances)), difference([a.lowerBound], [b.lowerBound]),
            difference(a.priors.covariance.elements, b.priors.covariance.elements), difference(a.priors.mean, b.priors.mean)].max()!
}

@Suite struct DistributedBayesianGaussianMixtureTests {
    static let data = clusteredData(rows: 1001)

    static func fit(_ data: Matrix<Double>, processes: Int, _ fitter: DistributedBayesianGaussianMixture) throws -> [BayesianGaussianMixtureModel] {
        try eachProcess(data, processes: processes) { (part, partition, communicator) throws(DistributedFailure) in
            try fitter.fit(part: part, of: partition, communicator: communicator)
        }.map { try $0.get() }
    }

    /// With no more rows than the sample, the start is the single-process
    /// start (k-means of every row), and the whole fit is the same: default
    /// priors summed over the parts, statistics summed every iteration.
    @Test(arguments: CovarianceType.scikitLearnTypes, [1, 2, 3])
    func equalsTheSingleProcessFit(type: CovarianceType, processes: Int) throws {
        let estimator = BayesianGaussianMixture(componentCount: 5, covarianceType: type, tolerance: 0, maxIterations: 20,
                                                initializationCount: 2, seed: 4)
        let single = try estimator.fit(Self.data)
        for model in try Self.fit(Self.data, processes: processes, DistributedBayesianGaussianMixture(estimator)) {
            #expect(model.iterationCount == single.iterationCount)
            #expect(relativeDifference(model, single) < 1e-9, "\(type), \(processes) processes")
        }
    }

    @Test func convergenceAndPriorsAreTheSingleProcessFits() throws {
        var estimator = BayesianGaussianMixture(componentCount: 6, covarianceType: .full, weightPrior: .dirichletDistribution, seed: 1)
        estimator.meanPrecisionPrior = 0.3
        estimator.degreesOfFreedomPrior = 7
        let single = try estimator.fit(Self.data)
        for model in try Self.fit(Self.data, processes: 4, DistributedBayesianGaussianMixture(estimator)) {
            #expect(model.converged == single.converged && model.iterationCount == single.iterationCount)
            #expect(model.activeComponents() == single.activeComponents())
            #expect(relativeDifference(model, single) < 1e-9)
        }
    }

    @Test func aFileIsFittedFromEachProcesssOwnRows() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gauss-distributed-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("data.npy").path
        try Npy.write(Self.data, to: path)
        let estimator = BayesianGaussianMixture(componentCount: 4, covarianceType: .diag, maxIterations: 30, seed: 2)
        let single = try estimator.fit(Self.data)
        let models = ThreadGroup.run(processes: 3) { communicator in
            Result { () throws(DistributedFailure) in
                try DistributedBayesianGaussianMixture(estimator).fit(npyFile: path, as: Double.self, releasesPages: true,
                                                                      communicator: communicator)
            }
        }
        for model in models { #expect(relativeDifference(try model.get(), single) < 1e-9) }
    }

    @Test func startingResponsibilitiesAndBadPriorsAreRefusedByEveryProcess() throws {
        var estimator = BayesianGaussianMixture(componentCount: 2)
        estimator.initialResponsibilities = Matrix(rows: Self.data.rows, columns: 2, repeating: 0.5)
        var bad = BayesianGaussianMixture(componentCount: 2)
        bad.degreesOfFreedomPrior = 1
        for (fitter, name) in [(estimator, "initial responsibilities"), (bad, "degrees of freedom prior")] {
            let results = try eachProcess(Self.data, processes: 2) { (part, partition, communicator) throws(DistributedFailure) in
                try DistributedBayesianGaussianMixture(fitter).fit(part: part, of: partition, communicator: communicator)
            }
            for failure in failures(results) {
                let failure = try #require(failure)
                #expect(failure.failedRanks == [0, 1])
                guard case .invalidSetting(name: name, _) = failure.localError as? ClusteringError else {
                    Issue.record("expected \(name) to be refused, got \(String(describing: failure.localError))")
                    continue
                }
            }
        }
    }
}
