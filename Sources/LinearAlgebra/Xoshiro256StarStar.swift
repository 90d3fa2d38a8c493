import RealModule

/// A small, fast, seedable pseudo-random generator: xoshiro256** by Blackman
/// and Vigna ("Scrambled linear pseudorandom number generators", 2021).
///
/// The 256-bit state is filled from a 64-bit seed with SplitMix64, as the
/// authors recommend. Every draw below is defined here in terms of the raw
/// 64-bit outputs and IEEE arithmetic (plus `log` for normals), so a seed
/// gives the same numbers on every machine and Swift version; the standard
/// library's `shuffled(using:)` or `random(in:using:)` make no such promise,
/// which is why this type has its own.
///
/// Not for cryptography.
public struct Xoshiro256StarStar: RandomNumberGenerator, Sendable, Hashable {
    @usableFromInline var state: (UInt64, UInt64, UInt64, UInt64)
    /// The second normal variate of the last polar-method pair, if unused.
    @usableFromInline var spareNormal: Double?

    /// A generator whose whole sequence is determined by `seed`.
    @inlinable public init(seed: UInt64) {
        var splitMix = seed
        func nextSplitMix() -> UInt64 {
            splitMix &+= 0x9E37_79B9_7F4A_7C15
            var z = splitMix
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (nextSplitMix(), nextSplitMix(), nextSplitMix(), nextSplitMix())
    }

    /// The next 64 raw bits.
    @inlinable public mutating func next() -> UInt64 {
        let result = rotateLeft(state.1 &* 5, 7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = rotateLeft(state.3, 45)
        return result
    }

    @inlinable func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    // MARK: Uniform

    /// A uniform draw from [0, 1): the top `significandBitCount + 1` bits of
    /// the next output, scaled, so every representable multiple of 2⁻²⁴
    /// (Float) or 2⁻⁵³ (Double) is equally likely.
    @inlinable public mutating func nextUniform<S: BLASScalar>(_: S.Type = Double.self) -> S {
        let bits = S.significandBitCount + 1
        return S(next() >> UInt64(64 - bits)) * S(sign: .plus, exponent: S.Exponent(-bits), significand: 1)
    }

    /// A uniform integer in `0..<bound`, without modulo bias (Lemire's
    /// multiply-and-reject method).
    @inlinable public mutating func nextInt(below bound: Int) -> Int {
        precondition(bound > 0, "the bound of a random integer must be positive, got \(bound)")
        let limit = UInt64(bound)
        var product = next().multipliedFullWidth(by: limit)
        if product.low < limit {
            let threshold = (0 &- limit) % limit
            while product.low < threshold { product = next().multipliedFullWidth(by: limit) }
        }
        return Int(product.high)
    }

    // MARK: Normal

    /// A standard normal draw, by Marsaglia's polar method. Draws come in
    /// pairs; the second is kept for the next call.
    @inlinable public mutating func nextNormal() -> Double {
        if let spare = spareNormal {
            spareNormal = nil
            return spare
        }
        while true {
            let u = 2 * nextUniform(Double.self) - 1
            let v = 2 * nextUniform(Double.self) - 1
            let s = u * u + v * v
            if s > 0 && s < 1 {
                let scale = (-2 * Double.log(s) / s).squareRoot()
                spareNormal = v * scale
                return u * scale
            }
        }
    }

    /// A normal draw with the given mean and standard deviation.
    @inlinable public mutating func nextNormal<S: BLASScalar>(mean: S, standardDeviation: S) -> S {
        mean + standardDeviation * S(nextNormal())
    }

    // MARK: Categorical and permutations

    /// An index drawn with probability proportional to `weights[i]`.
    ///
    /// - Precondition: the weights are finite, non-negative and not all zero.
    @inlinable public mutating func nextCategorical<S: BLASScalar>(weights: [S]) -> Int {
        var total: Double = 0
        for w in weights {
            precondition(w >= 0 && w.isFinite, "categorical weights must be finite and non-negative, got \(w)")
            total += Double(w)
        }
        precondition(total > 0, "categorical weights must not all be zero")
        let target = nextUniform(Double.self) * total
        var cumulative: Double = 0
        for (i, w) in weights.enumerated() {
            cumulative += Double(w)
            if target < cumulative { return i }
        }
        // Rounding can leave target ≥ the accumulated total: take the last positive weight.
        return weights.lastIndex { $0 > 0 }!
    }

    /// Shuffles `elements` in place uniformly (Fisher–Yates).
    @inlinable public mutating func shuffle<T>(_ elements: inout [T]) {
        guard elements.count > 1 else { return }
        for i in stride(from: elements.count - 1, to: 0, by: -1) {
            elements.swapAt(i, nextInt(below: i + 1))
        }
    }

    /// A uniformly random permutation of `0..<n`.
    @inlinable public mutating func permutation(_ n: Int) -> [Int] {
        var indices = Array(0..<n)
        shuffle(&indices)
        return indices
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.state == rhs.state && lhs.spareNormal == rhs.spareNormal
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(state.0); hasher.combine(state.1); hasher.combine(state.2); hasher.combine(state.3)
        hasher.combine(spareNormal)
    }
}

extension Matrix {
    /// A `rows × columns` matrix of independent uniform draws from [0, 1),
    /// filled in row-major order.
    @inlinable public static func uniform(rows: Int, columns: Int, using generator: inout Xoshiro256StarStar) -> Matrix {
        Matrix(rows: rows, columns: columns) { _, _ in generator.nextUniform(Scalar.self) }
    }

    /// A `rows × columns` matrix of independent normal draws, filled in
    /// row-major order.
    @inlinable public static func normal(
        rows: Int, columns: Int, mean: Scalar = 0, standardDeviation: Scalar = 1,
        using generator: inout Xoshiro256StarStar
    ) -> Matrix {
        Matrix(rows: rows, columns: columns) { _, _ in generator.nextNormal(mean: mean, standardDeviation: standardDeviation) }
    }
}
