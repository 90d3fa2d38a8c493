import Foundation
import LinearAlgebra
import Testing
@testable import Clustering

/// A random problem: a mixture of K well-separated Gaussians in d
/// dimensions, n draws from it, and a covariance type, all from one seed.
struct GeneratedCase: CustomTestStringConvertible, Sendable {
    let seed: UInt64
    let k: Int, d: Int, n: Int
    let type: CovarianceType
    let truth: GaussianMixtureModel
    let data: Matrix<Double>
    let components: [Int]

    init(seed: UInt64) {
        var rng = Xoshiro256StarStar(seed: seed)
        k = 1 + rng.nextInt(below: 4)
        d = 1 + rng.nextInt(below: 6)
        n = 100 + rng.nextInt(below: 400)
        type = CovarianceType.scikitLearnTypes[rng.nextInt(below: 4)]
        self.seed = seed
        // Means 30 apart along a random direction per component, unit-scale
        // covariances of the case's type with random scales in [0.5, 2].
        var means = Matrix<Double>(rows: k, columns: d)
        for c in 0..<k { for j in 0..<d { means[c, j] = 30 * Double(c) * (j == c % d ? 1 : 0.2) + rng.nextNormal() } }
        let (k, d) = (k, d)
        var scales = [Double]()
        for _ in 0..<(k * d) { scales.append(0.5 + 1.5 * rng.nextUniform(Double.self)) }
        let covariances: CovarianceParameters
        switch type {
        case .full:
            covariances = .full((0..<k).map { c in
                Matrix(rows: d, columns: d) { i, j in i == j ? scales[c * d + i] : 0.3 * (i + j == d - 1 ? 0.1 : 0) }.symmetrizedPositive()
            })
        case .tied: covariances = .tied(Matrix(rows: d, columns: d) { i, j in i == j ? scales[i] : 0 })
        case .diag: covariances = .diag(Matrix(rows: k, columns: d) { c, j in scales[c * d + j] })
        case .spherical: covariances = .spherical((0..<k).map { scales[$0 * d] })
        default: preconditionFailure("the cases draw scikit-learn's four types")
        }
        var weights = (0..<k).map { _ in 0.5 + rng.nextUniform(Double.self) }
        let total = weights.reduce(0, +)
        weights = weights.map { $0 / total }
        truth = try! GaussianMixtureModel(weights: weights, means: means, covariances: covariances)
        (data, components) = truth.sample(count: n, seed: seed &+ 1)
    }

    var testDescription: String { "seed \(seed): K=\(k) d=\(d) n=\(n) \(type)" }
}

private extension Matrix where Scalar == Double {
    /// The matrix with its diagonal raised so that it is diagonally dominant.
    func symmetrizedPositive() -> Matrix {
        var m = self
        for i in 0..<rows {
            for j in 0..<i { m[i, j] = m[j, i] }
            m[i, i] += (0..<columns).reduce(0) { $0 + ($1 == i ? 0 : abs(self[i, $1])) }
        }
        return m
    }
}

/// Invariants that must hold for any data, checked on generated problems
/// (20 seeds, each a different K, d, n and covariance type).
@Suite struct PropertyTests {
    static let cases = (0..<20).map { GeneratedCase(seed: UInt64(1000 + $0)) }

    @Test(arguments: cases)
    func emInvariants(problem: GeneratedCase) throws {
        let model = try GaussianMixture(componentCount: problem.k, covarianceType: problem.type, tolerance: 1e-8,
                                        initialization: .kMeansPlusPlus, seed: problem.seed).fit(problem.data)
        // The lower bound never decreases (up to rounding).
        let history = model.lowerBoundHistory
        for (before, after) in zip(history, history.dropFirst()) {
            #expect(after >= before - 1e-12 * abs(before), "bound fell from \(before) to \(after)")
        }
        // Weights are a distribution.
        #expect(model.weights.allSatisfy { $0 >= 0 } && abs(model.weights.reduce(0, +) - 1) < 1e-12)
        // Responsibilities are a distribution per row.
        let probabilities = try model.predictProbabilities(problem.data)
        let worstRow = (0..<probabilities.rows).map { i in abs((0..<problem.k).reduce(0) { $0 + probabilities[i, $1] } - 1) }.max()!
        #expect(worstRow < 1e-12 && probabilities.elements.allSatisfy { $0 >= 0 && $0 <= 1 })
    }

    @Test(arguments: cases)
    func predictingSamplesRecoversTheirComponents(problem: GeneratedCase) throws {
        // The components are 30 apart and have standard deviations of at
        // most √2: each sample is nearer its own component by a wide margin.
        let labels = try problem.truth.predict(problem.data)
        let wrong = zip(labels, problem.components).count { $0 != $1 }
        #expect(wrong == 0, "\(wrong) of \(problem.n) samples assigned to another component")
    }

    @Test(arguments: cases)
    func statisticsMergeTheSameInAnyGrouping(problem: GeneratedCase) throws {
        let whole = try problem.truth.statistics(of: problem.data)
        // Random cut points, then the parts merged in a random order and
        // grouping: left to right, and as a balanced tree of shuffled parts.
        var rng = Xoshiro256StarStar(seed: problem.seed &+ 2)
        let cuts = ([0, problem.n] + (0..<4).map { _ in rng.nextInt(below: problem.n) }).sorted()
        var parts = try zip(cuts, cuts.dropFirst()).filter { $0 < $1 }.map { lower, upper in
            try problem.truth.statistics(of: problem.data[rows: lower..<upper])
        }
        var sequential = problem.truth.emptyStatistics()
        for part in parts { sequential.merge(part) }
        rng.shuffle(&parts)
        while parts.count > 1 {
            var next: [SufficientStatistics] = []
            for pair in stride(from: 0, to: parts.count, by: 2) {
                var merged = parts[pair]
                if pair + 1 < parts.count { merged.merge(parts[pair + 1]) }
                next.append(merged)
            }
            parts = next
        }
        for grouped in [sequential, parts[0]] {
            #expect(relativeDifference(grouped.packed, whole.packed) < 1e-11)
            #expect(abs(grouped.totalWeight - Double(problem.n)) < 1e-9)
        }
    }
}
