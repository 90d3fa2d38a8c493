import Foundation
import LinearAlgebra
import Testing
@testable import Clustering

/// Every kind of bad input gets its own error, and nothing is fitted.
@Suite struct BadInputTests {
    func fitError(_ estimator: GaussianMixture, _ data: Matrix<Double>, weights: [Double]? = nil) -> ClusteringError? {
        do { _ = try estimator.fit(data, sampleWeights: weights); return nil } catch { return error }
    }

    @Test func nonFiniteDataNamesRowAndColumn() {
        var data = blobs
        data[17, 3] = .nan
        #expect(fitError(GaussianMixture(componentCount: 2), data) == .nonFiniteValue(row: 17, column: 3))
        data[17, 3] = 0
        data[499, 0] = -.infinity
        #expect(fitError(GaussianMixture(componentCount: 2), data) == .nonFiniteValue(row: 499, column: 0))
        #expect(ClusteringError.nonFiniteValue(row: 17, column: 3).description
                == "the data hold NaN or infinity at row 18, column 4; remove or impute such values first")
        #expect(throws: ClusteringError.nonFiniteValue(row: 499, column: 0)) { try KMeans(clusterCount: 2).fit(data) }
    }

    @Test(arguments: CovarianceType.scikitLearnTypes)
    func aPointWhoseLogDensitiesOverflowIsNamedNotAnsweredWithZeros(type: CovarianceType) throws {
        let model = try GaussianMixture(componentCount: 3, covarianceType: type, seed: 2).fit(blobs)
        var data = blobs[rows: 0..<10]
        for j in 0..<data.columns { data[6, j] = 1e200 }
        #expect(throws: ClusteringError.logDensityOverflow(row: 6)) { try model.predictProbabilities(data) }
        #expect(throws: ClusteringError.logDensityOverflow(row: 6)) { try model.predict(data) }
        #expect(throws: ClusteringError.logDensityOverflow(row: 6)) { try model.logLikelihoods(data) }
        #expect(throws: ClusteringError.logDensityOverflow(row: 6)) { try model.score(data) }
        // Far, but not beyond double precision: an answer, and a proper one.
        for j in 0..<data.columns { data[6, j] = 1e100 }
        let probabilities = try model.predictProbabilities(data)
        #expect(abs((0..<3).reduce(0) { $0 + probabilities[6, $1] } - 1) < 1e-12)
    }

    @Test(arguments: CovarianceType.scikitLearnTypes)
    func dataWhoseSquaresOverflowAreNamedForWhatTheyAre(type: CovarianceType) {
        // Values near 1e300 are finite, but their squares are not.
        let data = blobs.map { $0 * 1e300 }
        var estimator = GaussianMixture(componentCount: 2, covarianceType: type, seed: 1)
        estimator.initialization = .randomFromData
        #expect(fitError(estimator, data) == .statisticsOverflow)
        #expect(ClusteringError.statisticsOverflow.description.contains("rescale the data"))
    }

    @Test func emptyDataAndTooFewRows() {
        #expect(fitError(GaussianMixture(), Matrix(rows: 0, columns: 3)) == .emptyData(rows: 0, columns: 3))
        #expect(fitError(GaussianMixture(), Matrix(rows: 4, columns: 0)) == .emptyData(rows: 4, columns: 0))
        #expect(fitError(GaussianMixture(componentCount: 5), blobs[rows: 0..<4]) == .tooFewSamples(samples: 4, components: 5))
        // Rows of weight zero do not count.
        #expect(fitError(GaussianMixture(componentCount: 3), blobs[rows: 0..<4], weights: [1, 0, 0, 1])
                == .tooFewSamples(samples: 2, components: 3))
    }

    @Test func badSampleWeights() {
        let estimator = GaussianMixture(componentCount: 2)
        let n = blobs.rows
        #expect(fitError(estimator, blobs, weights: [1, 2]) == .sampleWeightCount(expected: n, actual: 2))
        var weights = [Double](repeating: 1, count: n)
        weights[9] = -1
        #expect(fitError(estimator, blobs, weights: weights) == .invalidSampleWeight(row: 9, value: -1))
        weights[9] = .infinity
        #expect(fitError(estimator, blobs, weights: weights) == .invalidSampleWeight(row: 9, value: .infinity))
        #expect(fitError(estimator, blobs, weights: [Double](repeating: 0, count: n)) == .zeroTotalWeight)
    }

    @Test func invalidSettings() {
        #expect(fitError(GaussianMixture(componentCount: 0), blobs) == .invalidSetting(name: "component count", reason: "must be at least 1, got 0"))
        #expect(fitError(GaussianMixture(tolerance: -1), blobs) == .invalidSetting(name: "tolerance", reason: "must be non-negative, got -1.0"))
        #expect(fitError(GaussianMixture(regularization: .nan), blobs)
                == .invalidSetting(name: "covariance regularization", reason: "must be finite and non-negative, got nan"))
        #expect(fitError(GaussianMixture(maxIterations: -2), blobs) == .invalidSetting(name: "maximum iterations", reason: "must be non-negative, got -2"))
        #expect(fitError(GaussianMixture(initializationCount: 0), blobs)
                == .invalidSetting(name: "initialization count", reason: "must be at least 1, got 0"))
    }

    @Test func initialParametersOfTheWrongShapeOrValue() {
        var estimator = fixedStart(blobs, 4, .full)
        estimator.initialWeights = [0.5, 0.5]
        #expect(fitError(estimator, blobs) == .parameterShape(name: "weights", expected: [4], actual: [2]))
        estimator.initialWeights = [0.5, 0.5, 0.5, 0.5]
        #expect(fitError(estimator, blobs) == .invalidParameter(name: "weights", reason: "they sum to 2.0, not 1"))
        estimator.initialWeights = [0.25, 0.25, 0.25, 0.25]
        estimator.initialMeans = Matrix(rows: 4, columns: 3)
        #expect(fitError(estimator, blobs) == .parameterShape(name: "means", expected: [4, 5], actual: [4, 3]))
        estimator.initialMeans = nil
        estimator.initialPrecisions = .diag(Matrix(rows: 4, columns: 5, repeating: 1))
        #expect(fitError(estimator, blobs) == .parameterShape(name: "initial precisions", expected: [4, 5, 5], actual: [4, 5]))
        var ragged = [Matrix<Double>](repeating: .identity(5), count: 4)
        ragged[3] = .identity(2)
        estimator.initialPrecisions = .full(ragged)
        #expect(fitError(estimator, blobs) == .parameterShape(name: "initial precisions", expected: [4, 5, 5], actual: [4, -1, -1]))
        var notDefinite = [Matrix<Double>](repeating: .identity(5), count: 4)
        notDefinite[2][3, 3] = -1
        estimator.initialPrecisions = .full(notDefinite)
        #expect(fitError(estimator, blobs) == .precisionNotPositiveDefinite(component: 2))
        #expect(fitError(GaussianMixture(componentCount: 2, covarianceType: .tied, initialPrecisions: .tied(Matrix(rows: 5, columns: 5))), blobs)
                == .precisionNotPositiveDefinite(component: nil))
    }

    @Test func predictingDataOfAnotherDimension() throws {
        let model = try fixedStart(blobs, 4, .diag).fit(blobs)
        let narrow = Matrix<Double>(rows: 3, columns: 2)
        #expect(throws: ClusteringError.dimensionMismatch(expected: 5, actual: 2)) { try model.predict(narrow) }
        #expect(throws: ClusteringError.dimensionMismatch(expected: 5, actual: 2)) { try model.score(narrow) }
        #expect(throws: ClusteringError.dimensionMismatch(expected: 5, actual: 2)) { try model.statistics(of: narrow) }
        let kmeans = try KMeans(clusterCount: 3).fit(blobs)
        #expect(throws: ClusteringError.dimensionMismatch(expected: 5, actual: 2)) { try kmeans.predict(narrow) }
    }

    @Test(arguments: [CovarianceType.full, .diag, .spherical])
    func collapsedComponentIsNamed(type: CovarianceType) {
        // Without regularization, identical points leave a zero covariance.
        let identical = Matrix<Double>(rows: 10, columns: 2, repeating: 3)
        #expect(fitError(GaussianMixture(covarianceType: type, regularization: 0), identical)
                == .componentCollapsed(component: 0, regularization: 0))
        #expect(fitError(GaussianMixture(covarianceType: .tied, regularization: 0), identical)
                == .componentCollapsed(component: nil, regularization: 0))
        #expect(ClusteringError.componentCollapsed(component: 0, regularization: 0).description.contains("increase the covariance regularization"))
    }

    @Test(arguments: CovarianceType.scikitLearnTypes)
    func constantFeaturesAndDuplicatePointsStayFinite(type: CovarianceType) throws {
        // A constant column and every point written twice.
        let data = Matrix<Double>(rows: 200, columns: 3) { i, j in j == 2 ? 7 : Double((i / 2) % 10) + (j == 0 ? 0 : Double(i % 20) / 20) }
        let model = try GaussianMixture(componentCount: 3, covarianceType: type, seed: 1).fit(data)
        #expect(model.lowerBound.isFinite && model.weights.allSatisfy(\.isFinite) && model.means.elements.allSatisfy(\.isFinite))
        #expect(try model.logLikelihoods(data).allSatisfy(\.isFinite))
    }

    @Test func aFitThatWouldExhaustMemoryFailsBeforeAllocating() {
        // One enormous line: 2 rows of 100 000 columns. Full covariances would
        // need d² = 10¹⁰ doubles per matrix; the fit must refuse up front.
        let wide = Matrix<Double>(rows: 2, columns: 100_000) { i, j in Double(i + j % 7) }
        let full = GaussianMixture(componentCount: 1)
        let required = full.memoryEstimate(rows: 2, columns: 100_000)
        #expect(required > 80_000_000_000 * 4)
        let limit = Int(clamping: ProcessInfo.processInfo.physicalMemory)
        #expect(fitError(full, wide) == .insufficientMemory(required: required, limit: limit))
        #expect(fitError(full, wide)!.description.contains("use a simpler covariance type"))
        // A small explicit limit refuses what would otherwise fit; nil restores the default.
        var limited = GaussianMixture(componentCount: 2, covarianceType: .diag, seed: 1)
        limited.memoryLimit = 1 << 20
        let needed = limited.memoryEstimate(rows: blobs.rows, columns: blobs.columns)
        #expect(fitError(limited, blobs) == .insufficientMemory(required: needed, limit: 1 << 20))
        limited.memoryLimit = nil
        #expect(fitError(limited, blobs) == nil)
        var kMeans = KMeans(clusterCount: 2)
        kMeans.memoryLimit = 1000
        #expect(throws: ClusteringError.insufficientMemory(required: kMeans.memoryEstimate(rows: blobs.rows, columns: blobs.columns),
                                                           limit: 1000)) { try kMeans.fit(blobs) }
    }

    @Test func memoryEstimatesSaturateInsteadOfOverflowing() {
        #expect(GaussianMixture(componentCount: 1 << 20).memoryEstimate(rows: 10, columns: 1 << 30) == .max)
        #expect(KMeans(clusterCount: 1 << 40).memoryEstimate(rows: 10, columns: 1 << 40) == .max)
        #expect(ClusteringError.insufficientMemory(required: .max, limit: 1 << 30).description
                .hasPrefix("the fit needs more memory than can be addressed beyond the data, more than the limit of 1 GiB"))
        // Small limits in small units, never "0 GiB".
        #expect(ClusteringError.insufficientMemory(required: 3 << 20, limit: 1024).description
                .hasPrefix("the fit needs about 3 MiB of memory beyond the data, more than the limit of 1 KiB"))
        #expect(ClusteringError.insufficientMemory(required: 1536 << 20, limit: 100).description
                .contains("about 1.5 GiB of memory beyond the data, more than the limit of 100 B"))
        // Estimates grow with what is allocated: d² for full, d for diag.
        let full = GaussianMixture(componentCount: 4).memoryEstimate(rows: 1000, columns: 512)
        let diag = GaussianMixture(componentCount: 4, covarianceType: .diag).memoryEstimate(rows: 1000, columns: 512)
        #expect(full > 8 * 4 * 512 * 512 && diag < full / 5)
    }

    @Test func kMeansBadSettingsAndCenters() {
        #expect(throws: ClusteringError.invalidSetting(name: "cluster count", reason: "must be at least 1, got 0")) {
            try KMeans(clusterCount: 0).fit(blobs)
        }
        #expect(throws: ClusteringError.parameterShape(name: "initial centers", expected: [3, 5], actual: [2, 5])) {
            try KMeans(clusterCount: 3, initialization: .centers(Matrix(rows: 2, columns: 5))).fit(blobs)
        }
        #expect(throws: ClusteringError.tooFewSamples(samples: 2, components: 3)) { try KMeans(clusterCount: 3).fit(blobs[rows: 0..<2]) }
    }

    @Test func badInitialResponsibilitiesAndLabels() throws {
        // Rows and columns in the reasons count from 1, as in every description.
        let n = blobs.rows
        var estimator = GaussianMixture(componentCount: 2)
        let name = "initial responsibilities"
        estimator.initialResponsibilities = Matrix(rows: n, columns: 3, repeating: 1.0 / 3)
        #expect(fitError(estimator, blobs) == .parameterShape(name: name, expected: [n, 2], actual: [n, 3]))
        estimator.initialResponsibilities = Matrix(rows: n - 1, columns: 2, repeating: 0.5)
        #expect(fitError(estimator, blobs) == .parameterShape(name: name, expected: [n, 2], actual: [n - 1, 2]))
        var responsibilities = Matrix<Double>(rows: n, columns: 2, repeating: 0.5)
        responsibilities[7, 1] = .nan
        estimator.initialResponsibilities = responsibilities
        #expect(fitError(estimator, blobs)
                == .invalidParameter(name: name, reason: "row 8, column 2 is nan; each must be finite and non-negative"))
        (responsibilities[7, 0], responsibilities[7, 1]) = (1.5, -0.5)
        estimator.initialResponsibilities = responsibilities
        #expect(fitError(estimator, blobs)
                == .invalidParameter(name: name, reason: "row 8, column 2 is -0.5; each must be finite and non-negative"))
        (responsibilities[7, 0], responsibilities[7, 1]) = (0.5, 0.25)
        estimator.initialResponsibilities = responsibilities
        #expect(fitError(estimator, blobs) == .invalidParameter(name: name, reason: "row 8 sums to 0.75, not 1"))

        #expect(throws: ClusteringError.invalidParameter(name: "initial labels", reason: "row 3 has label 2; labels are 0 to 1")) {
            try GaussianMixture.responsibilities(labels: [0, 1, 2], componentCount: 2)
        }
        #expect(throws: ClusteringError.invalidParameter(name: "initial labels", reason: "row 1 has label -1; labels are 0 to 1")) {
            try GaussianMixture.responsibilities(labels: [-1], componentCount: 2)
        }
        #expect(throws: ClusteringError.emptyData(rows: 0, columns: 2)) { try GaussianMixture.responsibilities(labels: [], componentCount: 2) }
    }
}
