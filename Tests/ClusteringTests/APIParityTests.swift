import Foundation
import LinearAlgebra
import Testing
@testable import Clustering

/// scikit-learn's conveniences: KMeans's transform, score and fit_predict,
/// Codable models and matrices, cancelling a fit, sampling from any generator.
@Suite struct APIParityTests {
    static let data = try! mclustData("faithful")

    @Test func kMeansTransformScoreAndFitPredict() throws {
        let (model, labels) = try KMeans(clusterCount: 3, seed: 2).fitPredict(Self.data)
        let predicted = try model.predict(Self.data)
        #expect(labels == model.labels && labels == predicted)
        let distances = try model.transform(Self.data)
        #expect(distances.rows == Self.data.rows && distances.columns == 3)
        for i in [0, 100, 271] {
            for c in 0..<3 {
                let direct = (0..<2).reduce(0.0) { $0 + (Self.data[i, $1] - model.centers[c, $1]) * (Self.data[i, $1] - model.centers[c, $1]) }
                #expect(abs(distances[i, c] - direct.squareRoot()) <= 1e-9 * Swift.max(1, direct.squareRoot()))
            }
        }
        // The score of the fitted rows is minus their inertia; weights count rows.
        let score = try model.score(Self.data)
        #expect(abs(score + model.inertia) <= 1e-9 * model.inertia)
        let weights = (0..<Self.data.rows).map { Double($0 % 3) }
        let weighted = (0..<Self.data.rows).reduce(0.0) { total, i in
            total + weights[i] * (0..<3).map { distances[i, $0] * distances[i, $0] }.min()!
        }
        let weightedScore = try model.score(Self.data, sampleWeights: weights)
        #expect(abs(weightedScore + weighted) <= 1e-9 * weighted)
        #expect(throws: ClusteringError.dimensionMismatch(expected: 2, actual: 1)) { try model.transform(Matrix<Double>(rows: 3, columns: 1)) }
        #expect(throws: ClusteringError.sampleWeightCount(expected: 272, actual: 1)) { try model.score(Self.data, sampleWeights: [1]) }
    }

    @Test func modelsAndMatricesAreCodable() throws {
        let model = try KMeans(clusterCount: 2, seed: 1).fit(Self.data)
        let json = try JSONEncoder().encode(model)
        let keys = try JSONSerialization.jsonObject(with: json) as! [String: Any]
        #expect(Set(keys.keys) == ["cluster_centers", "labels", "inertia", "n_iter"])
        let decoded = try JSONDecoder().decode(KMeansModel.self, from: json)
        #expect(decoded == model)

        let matrix = Matrix<Double>([[1, 2.5], [-3, 1e-300]])
        let text = String(decoding: try JSONEncoder().encode(matrix), as: UTF8.self)
        #expect(text == "[[1,2.5],[-3,1.0000000000000001e-300]]" || text == "[[1,2.5],[-3,1e-300]]")
        let back = try JSONDecoder().decode(Matrix<Double>.self, from: Data(text.utf8))
        let floats = try JSONDecoder().decode(Matrix<Float>.self, from: Data("[[1,2],[3,4]]".utf8))
        let empty = try JSONDecoder().decode(Matrix<Double>.self, from: Data("[]".utf8))
        #expect(back == matrix && floats == Matrix<Float>([[1, 2], [3, 4]]) && empty.rows == 0)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Matrix<Double>.self, from: Data("[[1,2],[3]]".utf8)) }
    }

    /// A cancelled fit stops at the iteration it was cancelled in, says it
    /// did not converge, and starts no further starts.
    @Test func cancellingStopsAFit() throws {
        let counter = Counter()
        var estimator = GaussianMixture(componentCount: 3, tolerance: 0, maxIterations: 100, initializationCount: 3)
        estimator.progress = { _ in counter.increment() }
        estimator.isCancelled = { counter.value >= 4 }
        let model = try estimator.fit(Self.data)
        #expect(model.iterationCount == 4 && !model.converged && counter.value == 4)
        // The parameters are the fourth M-step's: the same as a fit of 4 iterations.
        var four = GaussianMixture(componentCount: 3, tolerance: 0, maxIterations: 4)
        four.seed = estimator.seed
        let fourIterations = try four.fit(Self.data)
        #expect(model == fourIterations)

        let lloyd = Counter()
        var kmeans = KMeans(clusterCount: 3, initializationCount: 2, maxIterations: 300, tolerance: 0, seed: 5)
        kmeans.progress = { _ in lloyd.increment() }
        kmeans.isCancelled = { lloyd.value >= 2 }
        let stopped = try kmeans.fit(Self.data)
        #expect(stopped.iterationCount <= 2 && lloyd.value <= 2)
        let stoppedLabels = try stopped.predict(Self.data)
        #expect(stopped.labels == stoppedLabels)
    }

    @Test func samplesComeFromAnyGenerator() throws {
        let model = try GaussianMixture(componentCount: 2).fit(Self.data)
        var generator = Xoshiro256StarStar(seed: 9)
        var copy = generator
        let drawn = model.sample(count: 50, using: &generator)
        #expect(drawn.samples == model.sample(count: 50, seed: copy.next()).samples)
        var system = SystemRandomNumberGenerator()
        #expect(model.sample(count: 10, using: &system).samples.rows == 10)
    }

    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var count = 0
        func increment() { lock.withLock { count += 1 } }
        var value: Int { lock.withLock { count } }
    }
}
