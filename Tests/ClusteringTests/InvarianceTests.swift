import Foundation
import LinearAlgebra
import Testing
@testable import Clustering

/// Invariances any correct EM must show, on every covariance type: row order
/// does not matter, translating the data translates the means, and scaling
/// the data by c (and the regularisation by c²) scales means by c and
/// covariances by c².
@Suite struct InvarianceTests {
    /// A start given explicitly (not drawn from rows), so that it survives
    /// permuting, translating and scaling the data.
    func start(_ type: CovarianceType, shift: [Double] = [0, 0, 0, 0, 0], scale: Double = 1) -> GaussianMixture {
        let base = fixedStart(blobs, 4, type)
        var estimator = base
        estimator.initialMeans = Matrix(rows: 4, columns: 5) { scale * base.initialMeans![$0, $1] + shift[$1] }
        estimator.initialPrecisions = CovarianceParameters.identity(type, componentCount: 4, dimension: 5)
            .precisionsScaled(by: 1 / (scale * scale))
        estimator.regularization = 1e-6 * scale * scale
        estimator.tolerance = 1e-10
        return estimator
    }

    @Test(arguments: CovarianceType.scikitLearnTypes)
    func rowOrderDoesNotMatter(type: CovarianceType) throws {
        var rng = Xoshiro256StarStar(seed: 17)
        let order = rng.permutation(blobs.rows)
        let permuted = Matrix<Double>(rows: blobs.rows, columns: 5) { blobs[order[$0], $1] }
        let a = try start(type).fit(blobs), b = try start(type).fit(permuted)
        #expect(modelDifference(a, b) < 1e-9 && a.iterationCount == b.iterationCount)
    }

    @Test(arguments: CovarianceType.scikitLearnTypes)
    func translatingTheDataTranslatesTheMeans(type: CovarianceType) throws {
        let shift = [1000.0, -250, 3, 0.5, 77]
        let moved = Matrix<Double>(rows: blobs.rows, columns: 5) { blobs[$0, $1] + shift[$1] }
        let a = try start(type).fit(blobs), b = try start(type, shift: shift).fit(moved)
        let expectedMeans = Matrix<Double>(rows: 4, columns: 5) { a.means[$0, $1] + shift[$1] }
        #expect(relativeDifference(b.means.elements, expectedMeans.elements) < 1e-9)
        #expect(relativeDifference(flattened(b.covariances), flattened(a.covariances)) < 1e-7)
        #expect(relativeDifference(b.weights, a.weights) < 1e-9 && abs(b.lowerBound - a.lowerBound) < 1e-7)
    }

    @Test(arguments: CovarianceType.scikitLearnTypes)
    func scalingTheDataScalesMeansAndCovariances(type: CovarianceType) throws {
        let c = 1e-3
        let scaled = blobs.map { c * $0 }
        let a = try start(type).fit(blobs), b = try start(type, scale: c).fit(scaled)
        #expect(relativeDifference(b.means.map { $0 / c }.elements, a.means.elements) < 1e-9)
        #expect(relativeDifference(flattened(b.covariances).map { $0 / (c * c) }, flattened(a.covariances)) < 1e-8)
        // log-densities shift by −d·log c.
        #expect(abs(b.lowerBound - (a.lowerBound - 5 * log(c))) < 1e-8)
    }

    @Test(arguments: CovarianceType.scikitLearnTypes)
    func responsibilitiesAndWeightsAreDistributions(type: CovarianceType) throws {
        let model = try start(type).fit(blobs)
        #expect(abs(model.weights.reduce(0, +) - 1) < 1e-12 && model.weights.allSatisfy { $0 >= 0 })
        #expect(try model.predictProbabilities(blobs).rowSums().allSatisfy { abs($0 - 1) < 1e-12 })
    }
}

extension CovarianceParameters {
    /// Every precision multiplied by `factor`.
    func precisionsScaled(by factor: Double) -> CovarianceParameters {
        mapMatrices({ $0.map { $0 * factor } }, values: { $0 * factor })
    }
}
