import Foundation
import LinearAlgebra
import Testing
@testable import Clustering

/// Data at the edges of what floating point and the model allow. Each case
/// must either fit with finite, sensible parameters or fail with the
/// documented error: never NaN, never a trap.
@Suite struct StressTests {
    /// Standard normal draws.
    func noise(_ rows: Int, _ columns: Int, seed: UInt64) -> Matrix<Double> {
        var rng = Xoshiro256StarStar(seed: seed)
        return .normal(rows: rows, columns: columns, using: &rng)
    }

    /// Every number of the model is finite, weights are a distribution, and
    /// variances are positive.
    func expectSane(_ model: GaussianMixtureModel, _ note: Comment) {
        #expect(model.weights.allSatisfy { $0 >= 0 && $0.isFinite } && abs(model.weights.reduce(0, +) - 1) < 1e-12, note)
        #expect(model.means.elements.allSatisfy { $0.isFinite }, note)
        let covariances = flattened(model.covariances), factors = flattened(model.precisionsCholesky)
        #expect(covariances.allSatisfy { $0.isFinite } && factors.allSatisfy { $0.isFinite }, note)
        #expect(model.lowerBound.isFinite && model.lowerBoundHistory.allSatisfy { $0.isFinite }, note)
        #expect(model.covariances.matrices.allSatisfy { m in (0..<m.rows).allSatisfy { m[$0, $0] > 0 } }, note)
        #expect(model.covariances.componentValues.elements.allSatisfy { $0 > 0 }, note)
    }

    /// Fits, and records an issue for any error: a collapse fails the test
    /// unless the test expects it (with `#expect(throws:)`).
    func fitExpectingSuccess(_ estimator: GaussianMixture, _ data: Matrix<Double>, _ note: Comment) -> GaussianMixtureModel? {
        do {
            let model = try estimator.fit(data)
            expectSane(model, note)
            return model
        } catch {
            Issue.record("\(note): unexpected \(error)")
            return nil
        }
    }

    /// n = d + 8 points of a Gaussian in d dimensions: the sample covariance
    /// is barely full rank, and the E-step and M-step work at d².
    @Test(arguments: [512, 1024])
    func highDimensionWithBarelyMoreRowsThanColumns(d: Int) throws {
        let n = d + 8
        let data = noise(n, d, seed: UInt64(d))
        for type in [CovarianceType.full, .diag] {
            let estimator = GaussianMixture(componentCount: 2, covarianceType: type, maxIterations: 3,
                                            initialization: .randomFromData, seed: 1)
            let model = fitExpectingSuccess(estimator, data, "d=\(d) \(type)")
            #expect(model != nil, "regularisation keeps d=\(d) \(type) positive definite")
        }
    }

    @Test(arguments: CovarianceType.scikitLearnTypes)
    func exactlyDependentFeatures(type: CovarianceType) {
        // Columns 3 and 4 are combinations of 0–2: the covariance has rank 3.
        let base = noise(400, 3, seed: 5)
        let data = Matrix<Double>(rows: 400, columns: 5) { i, j in
            j < 3 ? base[i, j] + (i % 2 == 0 ? 4 : -4) : j == 3 ? base[i, 0] - 2 * base[i, 1] : 0.5 * base[i, 2] + base[i, 0]
        }
        let model = fitExpectingSuccess(GaussianMixture(componentCount: 2, covarianceType: type, seed: 2), data, "rank-deficient \(type)")
        #expect(model != nil)
    }

    @Test(arguments: [1e150, 1e-150], CovarianceType.scikitLearnTypes)
    func extremeScales(scale: Double, type: CovarianceType) throws {
        let data = blobs.map { $0 * scale }
        // With the regularisation scaled as the data are, the fit is the
        // unscaled fit, scaled: it is as accurate at 1e±150 as at 1.
        var estimator = GaussianMixture(componentCount: 4, covarianceType: type, regularization: 1e-6 * scale * scale,
                                        initialization: .kMeansPlusPlus, seed: 3)
        guard let scaled = fitExpectingSuccess(estimator, data, "scale \(scale) \(type)") else { return }
        estimator.regularization = 1e-6
        let plain = try estimator.fit(blobs)
        #expect(relativeDifference(scaled.means.elements.map { $0 / scale }, plain.means.elements) < 1e-8)
        #expect(abs(scaled.lowerBound - (plain.lowerBound - 5 * log(scale))) < 1e-8 * abs(plain.lowerBound) + 1e-6)
        // With the default regularisation, tiny data are all noise below
        // 1e-6: still a finite fit, with variances at the regularisation.
        if scale < 1 {
            let flooded = fitExpectingSuccess(GaussianMixture(componentCount: 2, covarianceType: type, seed: 3), data, "tiny \(type)")
            #expect(flooded != nil)
        }
    }

    @Test(arguments: CovarianceType.scikitLearnTypes)
    func heavyDuplicates(type: CovarianceType) {
        // 990 copies of one point and 10 others: one component sits on the
        // copies, where only the regularisation keeps it positive definite.
        let data = Matrix<Double>(rows: 1000, columns: 3) { i, j in i < 990 ? Double(j + 1) : Double((i * 7 + j * 3) % 11) }
        _ = fitExpectingSuccess(GaussianMixture(componentCount: 3, covarianceType: type, seed: 4), data, "duplicates \(type)")
    }

    @Test(arguments: CovarianceType.scikitLearnTypes)
    func aFarComponentWhoseResponsibilitiesUnderflow(type: CovarianceType) throws {
        // Points at 1e6 have log-densities near −1e12 under the other
        // components: responsibilities of exactly 0, in both directions.
        var data = blobs
        for i in 0..<50 { for j in 0..<5 { data[i, j] = 1e6 + blobs[i, j] } }
        let model = fitExpectingSuccess(GaussianMixture(componentCount: 5, covarianceType: type, seed: 6), data, "far \(type)")
        guard let model else { return }
        let probabilities = try model.predictProbabilities(data)
        let far = try model.predict(data)[0]
        #expect((0..<50).allSatisfy { probabilities[$0, far] == 1 }, "underflowed to exactly one component")
        #expect((50..<data.rows).allSatisfy { probabilities[$0, far] == 0 })
    }

    @Test(arguments: CovarianceType.scikitLearnTypes)
    func float32DataWithALargeOffset(type: CovarianceType) throws {
        // Mean 1e4, spread 1: in float32, Σx² − n·x̄² would cancel to noise
        // (x² ≈ 1e8 has an ulp of 8). Moments are taken about a shift, so
        // the float32 fit matches the float64 one.
        let centered = noise(2000, 3, seed: 8)
        let wide = Matrix<Double>(rows: 2000, columns: 3) { i, j in 1e4 + centered[i, j] + (i % 2 == 0 ? 3 : -3) }
        let narrow = Matrix<Float>(rows: 2000, columns: 3) { Float(wide[$0, $1]) }
        let exact = Matrix<Double>(rows: 2000, columns: 3) { Double(narrow[$0, $1]) }  // the same values in float64
        let estimator = GaussianMixture(componentCount: 2, covarianceType: type, seed: 9)
        let single = try estimator.fit(narrow), double = try estimator.fit(exact)
        expectSane(single, "float32 \(type)")
        #expect(relativeDifference(flattened(single.covariances), flattened(double.covariances)) < 1e-4, "\(type)")
        #expect(relativeDifference(single.means.elements, double.means.elements) < 1e-6)
    }

    /// Starts centered on single rows (k-means++, random from data) begin with
    /// covariances of exactly reg_covar·I; in float32 their second moments
    /// cancel to noise of ε·‖x‖², far above 10⁻⁶ (these fits failed as
    /// "collapsed" before the starting statistics, and the diag and spherical
    /// moments, were taken in Double). The float32 fit must match float64's.
    @Test(arguments: CovarianceType.scikitLearnTypes, [GaussianMixture.Initialization.kMeansPlusPlus, .randomFromData])
    func float32FitsFromSingleRowStarts(type: CovarianceType, initialization: GaussianMixture.Initialization) throws {
        var rng = Xoshiro256StarStar(seed: 21)
        let (n, d, k) = (1600, 16, 8)
        let centers = Matrix<Double>.normal(rows: k, columns: d, using: &rng)
        let jitter = Matrix<Double>.normal(rows: n, columns: d, using: &rng)
        let narrow = Matrix<Float>(rows: n, columns: d) { i, j in Float(40 * centers[i % k, j] + jitter[i, j]) }
        let exact = Matrix<Double>(rows: n, columns: d) { Double(narrow[$0, $1]) }  // the same values in float64
        var estimator = GaussianMixture(componentCount: k, covarianceType: type, seed: 5)
        estimator.initialization = initialization
        estimator.maxIterations = 20
        let double = try estimator.fit(exact)
        let single = try estimator.fit(narrow)
        expectSane(single, "float32 \(type) \(initialization)")
        #expect(abs(single.lowerBound - double.lowerBound) <= 5e-5 * abs(double.lowerBound),
                "\(type) \(initialization): \(single.lowerBound) vs \(double.lowerBound)")
    }
}
