import Foundation
import LinearAlgebra
import Testing
@testable import Clustering

@Suite struct BayesianMixtureTests {
    static let blobs = try! referenceData("blobs")

    static let settings: [(CovarianceType, BayesianGaussianMixture.WeightPrior)] =
        CovarianceType.scikitLearnTypes.flatMap { type in BayesianGaussianMixture.WeightPrior.allCases.map { (type, $0) } }

    /// Variational inference maximises the lower bound coordinate-wise: it
    /// never decreases, from any start (here random responsibilities, with
    /// more components than clusters).
    @Test(arguments: settings)
    func theLowerBoundNeverDecreases(type: CovarianceType, prior: BayesianGaussianMixture.WeightPrior) throws {
        let estimator = BayesianGaussianMixture(componentCount: 6, covarianceType: type, weightPrior: prior, tolerance: 0,
                                                maxIterations: 40, initialization: .random, seed: 3)
        let history = try estimator.fit(Self.blobs).lowerBoundHistory
        #expect(history.count == 40)
        for (before, after) in zip(history, history.dropFirst()) {
            #expect(after >= before - 1e-9 * abs(before), "the bound fell from \(before) to \(after)")
        }
    }

    @Test(arguments: settings)
    func integerSampleWeightsAreRepeatedRows(type: CovarianceType, prior: BayesianGaussianMixture.WeightPrior) throws {
        let data = Self.blobs[rows: 0..<120]
        let weights = (0..<data.rows).map { Double($0 % 3 + 1) }
        var repeatedRows: [Int] = []
        var labels: [Int] = []
        for i in 0..<data.rows {
            for _ in 0..<Int(weights[i]) { repeatedRows.append(i) }
            labels.append(i % 4)
        }
        let repeated = Matrix<Double>(rows: repeatedRows.count, columns: data.columns) { data[repeatedRows[$0], $1] }
        var estimator = BayesianGaussianMixture(componentCount: 4, covarianceType: type, weightPrior: prior, tolerance: 0, maxIterations: 15)
        estimator.initialResponsibilities = try GaussianMixture.responsibilities(labels: labels, componentCount: 4)
        let weighted = try estimator.fit(data, sampleWeights: weights)
        estimator.initialResponsibilities = try GaussianMixture.responsibilities(
            labels: repeatedRows.map { labels[$0] }, componentCount: 4)
        let plain = try estimator.fit(repeated)
        #expect(relativeDifference(weighted.means.elements, plain.means.elements) < 1e-10)
        #expect(relativeDifference(flattened(weighted.covariances), flattened(plain.covariances)) < 1e-10)
        #expect(abs(weighted.lowerBound - plain.lowerBound) < 1e-10 * abs(plain.lowerBound))
        #expect(weighted.priors == plain.priors || relativeDifference(weighted.priors.covariance.elements, plain.priors.covariance.elements) < 1e-12)
    }

    @Test func float32DataGiveTheFloat64Fit() throws {
        let single = Matrix<Float>(rows: Self.blobs.rows, columns: Self.blobs.columns) { Float(Self.blobs[$0, $1]) }
        let widened = Matrix<Double>(rows: single.rows, columns: single.columns) { Double(single[$0, $1]) }
        let estimator = BayesianGaussianMixture(componentCount: 5, covarianceType: .full, maxIterations: 30, seed: 2)
        let a = try estimator.fit(single), b = try estimator.fit(widened)
        #expect(a.iterationCount == b.iterationCount)
        #expect(relativeDifference(a.means.elements, b.means.elements) < 1e-5)
        #expect(abs(a.lowerBound - b.lowerBound) < 1e-6 * abs(b.lowerBound))
    }

    @Test func noIterationsGiveTheStartingPosterior() throws {
        let model = try BayesianGaussianMixture(componentCount: 3, maxIterations: 0, seed: 1).fit(Self.blobs)
        #expect(model.iterationCount == 0 && model.lowerBound == -.infinity && !model.converged)
        #expect(model.lowerBoundHistory.isEmpty)
        #expect(abs(model.weights.reduce(0, +) - 1) < 1e-12)
    }

    @Test func theBestOfSeveralStartsIsKept() throws {
        var estimator = BayesianGaussianMixture(componentCount: 4, initialization: .random, seed: 5)
        var bounds: [Double] = []
        for start in 0..<3 {
            estimator.initializationCount = start + 1
            bounds.append(try estimator.fit(Self.blobs).lowerBound)
        }
        // Starts are drawn in order from one seed: more starts never lower the bound kept.
        #expect(bounds[1] >= bounds[0] && bounds[2] >= bounds[1])
    }

    @Test func givenPriorsAreUsedAsGiven() throws {
        let d = Self.blobs.columns
        var estimator = BayesianGaussianMixture(componentCount: 2, covarianceType: .diag, maxIterations: 1)
        estimator.weightConcentrationPrior = 0.5
        estimator.meanPrecisionPrior = 2
        estimator.meanPrior = [Double](repeating: 1, count: d)
        estimator.degreesOfFreedomPrior = Double(d) + 3
        estimator.covariancePrior = Matrix(rows: 1, columns: d, elements: [Double](repeating: 4, count: d))
        let priors = try estimator.fit(Self.blobs).priors
        #expect(priors == BayesianPriors(weightPrior: .dirichletProcess, weightConcentration: 0.5, meanPrecision: 2,
                                         mean: [Double](repeating: 1, count: d), degreesOfFreedom: Double(d) + 3,
                                         covariance: Matrix(rows: 1, columns: d, elements: [Double](repeating: 4, count: d))))
    }

    @Test func badPriorsAreRefusedByName() {
        let d = Self.blobs.columns
        func error(_ change: (inout BayesianGaussianMixture) -> Void) -> ClusteringError? {
            var estimator = BayesianGaussianMixture(componentCount: 2, covarianceType: .full)
            change(&estimator)
            do { _ = try estimator.fit(Self.blobs); return nil } catch { return error }
        }
        #expect(error { $0.weightConcentrationPrior = 0 } == .invalidSetting(name: "weight concentration prior", reason: "must be finite and positive, got 0.0"))
        #expect(error { $0.meanPrecisionPrior = -.infinity } == .invalidSetting(name: "mean precision prior", reason: "must be finite and positive, got -inf"))
        #expect(error { $0.meanPrior = [1, 2] } == .parameterShape(name: "mean prior", expected: [d], actual: [2]))
        #expect(error { $0.meanPrior = [Double](repeating: .nan, count: d) } == .invalidParameter(name: "mean prior", reason: "it holds NaN or infinity"))
        #expect(error { $0.degreesOfFreedomPrior = Double(d - 1) }
                == .invalidSetting(name: "degrees of freedom prior", reason: "must be finite and above d − 1 = \(d - 1), got \(Double(d - 1))"))
        #expect(error { $0.covariancePrior = Matrix(rows: 1, columns: d) } == .parameterShape(name: "covariance prior", expected: [d, d], actual: [1, d]))
        var asymmetric = Matrix<Double>.identity(d)
        asymmetric[1, 0] = 0.5
        #expect(error { $0.covariancePrior = asymmetric }
                == .invalidParameter(name: "covariance prior", reason: "it is not symmetric (entries 1, 0 and 0, 1 differ)"))
        var indefinite = Matrix<Double>.identity(d)
        indefinite[2, 2] = -1
        #expect(error { $0.covariancePrior = indefinite } == .invalidParameter(name: "covariance prior", reason: "it is not positive definite"))
        // The default covariance prior needs more than one row.
        #expect(throws: ClusteringError.invalidSetting(
            name: "covariance prior", reason: "the default is the data's covariance, which needs a total weight above 1; give one")) {
            _ = try BayesianGaussianMixture(componentCount: 1).fit(Self.blobs[rows: 0..<1])
        }
    }

    @Test func warmStartContinuesFromTheModel() throws {
        let estimator = BayesianGaussianMixture(componentCount: 3, covarianceType: .tied, tolerance: 0, maxIterations: 10, seed: 4)
        let first = try estimator.fit(Self.blobs)
        let continued = try estimator.fit(Self.blobs, continuingFrom: first)
        var longer = estimator
        longer.maxIterations = 20
        let straight = try longer.fit(Self.blobs)
        #expect(relativeDifference(continued.means.elements, straight.means.elements) < 1e-10)
        #expect(abs(continued.lowerBound - straight.lowerBound) < 1e-10 * abs(straight.lowerBound))
    }
}
