import RealModule

extension Xoshiro256StarStar {
    /// A Gamma(shape, 1) variate, by Marsaglia and Tsang's squeeze method
    /// (shape ≥ 1), raised from shape + 1 for shape < 1.
    ///
    /// - Precondition: `shape > 0` and finite.
    public mutating func nextGamma(shape: Double) -> Double {
        precondition(shape > 0 && shape.isFinite, "the gamma shape must be positive and finite, got \(shape)")
        if shape < 1 {
            // X·U^(1/a) with X ~ Gamma(a + 1) is Gamma(a).
            let u = nextUniformOpen()
            return nextGamma(shape: shape + 1) * Double.pow(u, 1 / shape)
        }
        let d = shape - 1.0 / 3, c = 1 / (9 * d).squareRoot()
        while true {
            var x: Double, v: Double
            repeat {
                x = nextNormal()
                v = 1 + c * x
            } while v <= 0
            v = v * v * v
            let u = nextUniformOpen()
            if u < 1 - 0.0331 * x * x * x * x { return d * v }
            if Double.log(u) < 0.5 * x * x + d * (1 - v + Double.log(v)) { return d * v }
        }
    }

    /// A Beta(a, b) variate, as X / (X + Y) with X ~ Gamma(a) and Y ~ Gamma(b).
    public mutating func nextBeta(_ a: Double, _ b: Double) -> Double {
        let x = nextGamma(shape: a), y = nextGamma(shape: b)
        return x / (x + y)
    }

    /// A Binomial(trials, probability) variate, exactly, in O(log trials)
    /// draws: the a-th smallest of `trials` uniforms is Beta(a, trials + 1 − a),
    /// and the count below `probability` splits at it (Knuth, TAOCP vol. 2,
    /// 3.4.1); a few trials are counted one by one.
    ///
    /// - Precondition: `trials >= 0` and `0 ≤ probability ≤ 1`.
    public mutating func nextBinomial(trials: Int, probability: Double) -> Int {
        precondition(trials >= 0, "the number of trials must be non-negative, got \(trials)")
        precondition(probability >= 0 && probability <= 1, "a probability must lie in [0, 1], got \(probability)")
        var (n, p, count) = (trials, probability, 0)
        while n > 32 && p > 0 && p < 1 {
            let a = 1 + n / 2, b = n + 1 - a
            let x = nextBeta(Double(a), Double(b))
            if x >= p {
                // The a-th uniform is above p: the count is among the a − 1 below it.
                n = a - 1
                p /= x
            } else {
                // At or below p: a of them are, and the rest are b − 1 uniforms above x.
                count += a
                n = b - 1
                p = (p - x) / (1 - x)
            }
        }
        if p <= 0 { return count }
        if p >= 1 { return count + n }
        for _ in 0..<n where nextUniform(Double.self) < p { count += 1 }
        return count
    }

    /// How many of `trials` draws fall in each category, with probabilities
    /// proportional to `weights`: conditional binomials, one per category, so
    /// the time does not grow with `trials`.
    public mutating func nextMultinomial(trials: Int, weights: [Double]) -> [Int] {
        var remaining = trials
        var mass = weights.reduce(0, +)
        precondition(mass > 0 && mass.isFinite && weights.allSatisfy { $0 >= 0 }, "weights must be non-negative with a positive sum")
        let last = weights.lastIndex { $0 > 0 }!
        return weights.indices.map { k in
            let weight = weights[k]
            guard remaining > 0, weight > 0 else { return 0 }
            // The last category with any weight takes what is left, whatever the rounding of `mass`.
            if k == last { defer { remaining = 0 }; return remaining }
            let share = Swift.min(1, Swift.max(0, weight / mass))
            let count = nextBinomial(trials: remaining, probability: share)
            remaining -= count
            mass -= weight
            return count
        }
    }

    /// A uniform variate in (0, 1), never 0.
    private mutating func nextUniformOpen() -> Double {
        var u: Double
        repeat { u = nextUniform(Double.self) } while u == 0
        return u
    }
}
