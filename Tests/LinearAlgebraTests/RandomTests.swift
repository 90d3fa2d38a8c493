import Foundation
import Testing
@testable import LinearAlgebra

@Suite struct RandomTests {
    /// Golden values from an independent implementation of xoshiro256**
    /// seeded by SplitMix64 (written from the published algorithm in Python);
    /// a change here changes every seeded fit, so it must be deliberate.
    @Test func rawSequenceIsStable() {
        var g = Xoshiro256StarStar(seed: 42)
        #expect((0..<5).map { _ in g.next() } == [0x1578_0b2e_0c2e_c716, 0x6104_d986_6d11_3a7e, 0xae17_5332_39e4_99a1,
                                                 0xecb8_ad47_03b3_60a1, 0xfde6_dc7f_e2ec_5e64])
        var zero = Xoshiro256StarStar(seed: 0)
        #expect((0..<3).map { _ in zero.next() } == [0x99ec_5f36_cb75_f2b4, 0xbf6e_1f78_4956_452a, 0x1a5f_849d_4933_e6e0])
    }

    @Test func uniformAndNormalSequencesAreStable() {
        var g = Xoshiro256StarStar(seed: 42)
        #expect((0..<3).map { _ in g.nextUniform(Double.self) } == [0.08386297105988216, 0.3789802506626686, 0.6800434110281394])
        var f = Xoshiro256StarStar(seed: 42)
        #expect((0..<3).map { _ in f.nextUniform(Float.self) } == [0.08386296033859253, 0.37898021936416626, 0.6800433993339539])
        var n = Xoshiro256StarStar(seed: 7)
        #expect((0..<4).map { _ in n.nextNormal() } == [0.9643618527255184, -1.0637531974798475, -0.3039301238656567, -1.0989693210013467])
    }

    @Test func sameSeedSameNumbersDifferentSeedDifferent() {
        var a = Xoshiro256StarStar(seed: 123), b = Xoshiro256StarStar(seed: 123), c = Xoshiro256StarStar(seed: 124)
        let sa = (0..<100).map { _ in a.next() }
        #expect(sa == (0..<100).map { _ in b.next() })
        #expect(sa != (0..<100).map { _ in c.next() })
    }

    @Test func uniformStaysInUnitInterval() {
        var g = Xoshiro256StarStar(seed: 1)
        for _ in 0..<10_000 {
            let d = g.nextUniform(Double.self), f = g.nextUniform(Float.self)
            #expect(d >= 0 && d < 1 && f >= 0 && f < 1)
        }
    }

    /// Mean and variance of 200 000 standard normal draws lie within five
    /// standard errors of 0 and 1 (false alarm odds below 1e-6; and the seed is fixed).
    @Test func normalHasRightMeanAndVariance() {
        var g = Xoshiro256StarStar(seed: 2024)
        let n = 200_000
        let xs = (0..<n).map { _ in g.nextNormal() }
        let mean = xs.reduce(0, +) / Double(n)
        let variance = xs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n - 1)
        #expect(abs(mean) < 5 / Double(n).squareRoot())
        #expect(abs(variance - 1) < 5 * (2 / Double(n)).squareRoot())
        let shifted: Matrix<Float> = .normal(rows: 500, columns: 100, mean: 3, standardDeviation: 0.5, using: &g)
        let m = Double(shifted.sum()) / 50_000
        #expect(abs(m - 3) < 5 * 0.5 / 50_000.0.squareRoot())
    }

    @Test func categoricalFrequenciesFollowWeights() {
        var g = Xoshiro256StarStar(seed: 5)
        let weights: [Double] = [1, 0, 3, 6]
        var counts = [0, 0, 0, 0]
        let n = 100_000
        for _ in 0..<n { counts[g.nextCategorical(weights: weights)] += 1 }
        #expect(counts[1] == 0, "a zero weight is never drawn")
        for (k, w) in weights.enumerated() where w > 0 {
            let p = w / 10
            #expect(abs(Double(counts[k]) / Double(n) - p) < 5 * (p * (1 - p) / Double(n)).squareRoot())
        }
    }

    @Test func shuffleIsAPermutationAndUniformInFirstPosition() {
        var g = Xoshiro256StarStar(seed: 9)
        var firsts = [Int](repeating: 0, count: 5)
        for _ in 0..<50_000 {
            let p = g.permutation(5)
            #expect(p.sorted() == [0, 1, 2, 3, 4])
            firsts[p[0]] += 1
        }
        for count in firsts { #expect(abs(Double(count) / 50_000 - 0.2) < 5 * (0.16 / 50_000).squareRoot()) }
        var empty: [Int] = []
        g.shuffle(&empty)
        #expect(empty.isEmpty)
    }

    @Test func boundedIntegersCoverTheRange() {
        var g = Xoshiro256StarStar(seed: 3)
        var seen = Set<Int>()
        for _ in 0..<1000 {
            let k = g.nextInt(below: 7)
            #expect(k >= 0 && k < 7)
            seen.insert(k)
        }
        #expect(seen.count == 7)
        #expect(g.nextInt(below: 1) == 0)
    }
}

/// Gamma, beta, binomial and multinomial variates against their moments.
@Suite struct DistributionTests {
    @Test(arguments: [(10, 0.3), (33, 0.5), (1000, 0.01), (1_000_000, 0.3), (1_000_000_000_000, 1e-6), (5000, 0.999)])
    func binomialMomentsMatch(trials: Int, probability: Double) {
        var rng = Xoshiro256StarStar(seed: UInt64(trials % 9973) + 17)
        let draws = (0..<4000).map { _ in Double(rng.nextBinomial(trials: trials, probability: probability)) }
        #expect(draws.allSatisfy { $0 >= 0 && $0 <= Double(trials) })
        let mean = draws.reduce(0, +) / Double(draws.count)
        let variance = draws.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(draws.count - 1)
        let expectedMean = Double(trials) * probability, expectedVariance = expectedMean * (1 - probability)
        #expect(abs(mean - expectedMean) <= 5 * (expectedVariance / Double(draws.count)).squareRoot(), "mean \(mean)")
        #expect(abs(variance / expectedVariance - 1) < 0.15, "variance \(variance) against \(expectedVariance)")
    }

    @Test func binomialEdges() {
        var rng = Xoshiro256StarStar(seed: 3)
        #expect(rng.nextBinomial(trials: 0, probability: 0.5) == 0)
        #expect(rng.nextBinomial(trials: 1 << 50, probability: 0) == 0)
        #expect(rng.nextBinomial(trials: 1 << 50, probability: 1) == 1 << 50)
    }

    @Test func multinomialCountsAddUpAndFollowTheWeights() {
        var rng = Xoshiro256StarStar(seed: 5)
        let weights = [0.5, 0, 0.2, 0.3, 0]
        let counts = rng.nextMultinomial(trials: 10_000_000, weights: weights)
        #expect(counts.reduce(0, +) == 10_000_000)
        #expect(counts[1] == 0 && counts[4] == 0)
        for (count, weight) in zip(counts, weights) where weight > 0 {
            #expect(abs(Double(count) / 1e7 - weight) < 0.001, "\(count) for weight \(weight)")
        }
        let huge = rng.nextMultinomial(trials: 1_000_000_000_000, weights: [1, 3])
        #expect(huge.reduce(0, +) == 1_000_000_000_000 && abs(Double(huge[0]) / 1e12 - 0.25) < 1e-5)
    }

    @Test(arguments: [0.3, 1, 2.5, 40])
    func gammaAndBetaMeans(shape: Double) {
        var rng = Xoshiro256StarStar(seed: 11)
        let gammas = (0..<20_000).map { _ in rng.nextGamma(shape: shape) }
        #expect(gammas.allSatisfy { $0 > 0 })
        #expect(abs(gammas.reduce(0, +) / 20_000 - shape) <= 5 * (shape / 20_000).squareRoot())
        let betas = (0..<20_000).map { _ in rng.nextBeta(shape, 2) }
        let expected = shape / (shape + 2), sd = (shape * 2 / ((shape + 2) * (shape + 2) * (shape + 3))).squareRoot()
        #expect(abs(betas.reduce(0, +) / 20_000 - expected) <= 5 * sd / (20_000.0).squareRoot())
    }
}
