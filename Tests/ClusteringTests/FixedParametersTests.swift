import Foundation
import LinearAlgebra
import Testing
@testable import Clustering

/// EM with some parameters held at their starting values, against one
/// iteration computed by hand from the definitions.
@Suite struct FixedParametersTests {
    static let data = try! referenceData("blobs")
    static let k = 3

    /// Evenly spaced rows as means.
    static var startingMeans: Matrix<Double> {
        Matrix(rows: k, columns: data.columns) { c, j in data[c * (data.rows - 1) / (k - 1), j] }
    }

    /// rᵢₖ ∝ wₖ·exp(−½‖xᵢ − μₖ‖²): the E-step under identity covariances.
    static func identityResponsibilities(weights: [Double], means: Matrix<Double>) -> Matrix<Double> {
        var r = Matrix<Double>(rows: data.rows, columns: k)
        for i in 0..<data.rows {
            let logs = (0..<k).map { c in
                log(weights[c]) - 0.5 * (0..<data.columns).reduce(0.0) { $0 + pow(data[i, $1] - means[c, $1], 2) }
            }
            let top = logs.max()!
            let total = logs.reduce(0.0) { $0 + exp($1 - top) }
            for c in 0..<k { r[i, c] = exp(logs[c] - top) / total }
        }
        return r
    }

    static func estimator(_ type: CovarianceType, fixed: GaussianMixture.FixedParameters) -> GaussianMixture {
        var estimator = GaussianMixture(componentCount: k, covarianceType: type, tolerance: 0, maxIterations: 1,
                                        initialWeights: [0.2, 0.3, 0.5], initialMeans: startingMeans,
                                        initialPrecisions: .identity(type, componentCount: k, dimension: data.columns))
        estimator.fixedParameters = fixed
        return estimator
    }

    /// The lecture's EM: weights uniform and covariances the identity, held;
    /// only the means move, to the responsibility-weighted means.
    @Test func onlyTheMeansMoveToTheWeightedMeans() throws {
        let d = Self.data.columns
        var estimator = Self.estimator(.full, fixed: [.weights, .covariances])
        estimator.initialWeights = [1.0 / 3, 1.0 / 3, 1.0 / 3]
        let model = try estimator.fit(Self.data)
        let r = Self.identityResponsibilities(weights: estimator.initialWeights!, means: Self.startingMeans)
        for c in 0..<Self.k {
            let nk = (0..<Self.data.rows).reduce(0.0) { $0 + r[$1, c] }
            let expected = (0..<d).map { j in (0..<Self.data.rows).reduce(0.0) { $0 + r[$1, c] * Self.data[$1, j] } / nk }
            #expect(relativeDifference(model.means.row(c), expected) < 1e-12)
        }
        #expect(model.weights == estimator.initialWeights!)
        #expect(model.covariances == .identity(.full, componentCount: Self.k, dimension: d))
    }

    /// With the means held, the covariances are the scatter about them, in
    /// each type's shape, and the weights the mean responsibilities.
    @Test(arguments: CovarianceType.scikitLearnTypes)
    func heldMeansGiveTheScatterAboutThem(type: CovarianceType) throws {
        let n = Self.data.rows, d = Self.data.columns, k = Self.k
        let estimator = Self.estimator(type, fixed: [.means])
        let model = try estimator.fit(Self.data)
        let mu = Self.startingMeans
        let r = Self.identityResponsibilities(weights: estimator.initialWeights!, means: mu)
        let counts = (0..<k).map { c in (0..<n).reduce(0.0) { $0 + r[$1, c] } }
        let scatter = (0..<k).map { c in
            Matrix<Double>(rows: d, columns: d) { a, b in
                (0..<n).reduce(0.0) { $0 + r[$1, c] * (Self.data[$1, a] - mu[c, a]) * (Self.data[$1, b] - mu[c, b]) }
            }
        }
        let reg = estimator.regularization
        let expected: CovarianceParameters
        switch type {
        case .full:
            expected = .full((0..<k).map { c in Matrix(rows: d, columns: d) { a, b in scatter[c][a, b] / counts[c] + (a == b ? reg : 0) } })
        case .tied:
            expected = .tied(Matrix(rows: d, columns: d) { a, b in
                (0..<k).reduce(0.0) { $0 + scatter[$1][a, b] } / Double(n) + (a == b ? reg : 0)
            })
        case .diag:
            expected = .diag(Matrix(rows: k, columns: d) { c, j in scatter[c][j, j] / counts[c] + reg })
        case .spherical:
            expected = .spherical((0..<k).map { c in (0..<d).reduce(0.0) { $0 + scatter[c][$1, $1] } / Double(d) / counts[c] + reg })
        default: preconditionFailure("held means are scikit-learn's four types'")
        }
        #expect(model.means == mu)
        #expect(relativeDifference(flattened(model.covariances), flattened(expected)) < 1e-11, "\(type)")
        #expect(relativeDifference(model.weights, counts.map { $0 / Double(n) }) < 1e-12)
    }

    /// Held weights change nothing else in the M-step: the means and
    /// covariances are those of the free fit from the same start.
    @Test(arguments: CovarianceType.scikitLearnTypes)
    func heldWeightsLeaveTheOtherEstimates(type: CovarianceType) throws {
        let held = try Self.estimator(type, fixed: [.weights]).fit(Self.data)
        let free = try Self.estimator(type, fixed: []).fit(Self.data)
        #expect(held.weights == [0.2, 0.3, 0.5])
        #expect(held.means == free.means && held.covariances == free.covariances)
    }

    /// Each M-step maximises over the free parameters given the held ones,
    /// so the bound still never falls.
    @Test(arguments: [GaussianMixture.FixedParameters.weights, .means, .covariances, [.weights, .covariances], [.means, .weights]])
    func theLowerBoundNeverDecreases(fixed: GaussianMixture.FixedParameters) throws {
        for type in CovarianceType.scikitLearnTypes {
            var estimator = Self.estimator(type, fixed: fixed)
            estimator.maxIterations = 30
            let history = try estimator.fit(Self.data).lowerBoundHistory
            for (before, after) in zip(history, history.dropFirst()) {
                #expect(after >= before - 1e-10 * abs(before), "\(type) \(fixed): the bound fell from \(before) to \(after)")
            }
        }
    }
}
