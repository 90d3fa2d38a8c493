import Foundation
import LinearAlgebra
import Testing
@testable import Clustering

/// The iterative M-steps against the plain matrix form of the same fixed
/// point.
@Suite struct IterativeMStepTests {
    static func randomSPD(_ d: Int, using random: inout Xoshiro256StarStar) -> Matrix<Double> {
        let b = Matrix<Double>(rows: d, columns: d + 2) { _, _ in Double.random(in: -1...1, using: &random) }
        var a = b.matmul(b.transposed())
        for i in 0..<d { a[i, i] += 0.1 }
        a.symmetrize(from: .lower)
        return a
    }

    static func flat(_ m: Matrix<Double>) -> [Double] {
        (0..<m.rows).flatMap { i in (0..<m.columns).map { m[i, $0] } }
    }

    /// VEE's M-step in plain matrix form: C = P/|P|^(1/d) with
    /// P = Σₖ nₖ·Sₖ/λₖ, λₖ = tr(C⁻¹·Sₖ)/d, to the fixed point.
    static func referenceVEE(_ s: [Matrix<Double>], counts n: [Double]) throws -> [Matrix<Double>] {
        let d = s[0].rows
        var lambda = try s.map { try Cholesky($0) }.map { Foundation.exp($0.logDeterminant / Double(d)) }
        var shared = Matrix<Double>.identity(d)
        for _ in 0..<10_000 {
            var pooled = Matrix<Double>(rows: d, columns: d)
            for c in s.indices { pooled = pooled + (n[c] / lambda[c]) * s[c] }
            shared = (1 / Foundation.exp(try Cholesky(pooled).logDeterminant / Double(d))) * pooled
            let factor = try Cholesky(shared)
            let next = s.map { factor.solve($0).diagonal.reduce(0, +) / Double(d) }
            let change = zip(lambda, next).map { abs($0 - $1) / abs($1) }.max()!
            lambda = next
            if change <= 1e-14 { break }
        }
        return lambda.map { $0 * shared }
    }

    @Test(arguments: [(1, 1), (3, 2), (4, 5), (8, 3)])
    func veeFixedPointEqualsThePlainMatrixForm(dimension d: Int, components k: Int) throws {
        var random = Xoshiro256StarStar(seed: UInt64(100 * d + k))
        let s = (0..<k).map { _ in Self.randomSPD(d, using: &random) }
        let n = (0..<k).map { _ in Double.random(in: 5...50, using: &random) }
        let expected = try Self.referenceVEE(s, counts: n)
        let constrained = VEECovariance.constrain(s, counts: n, previous: nil)
        // The reference runs to 1e-14; the M-step stops, as mclust's does,
        // once the volumes change by at most √ε ≈ 1.5e-8 (measured: within
        // 1e-8 of the scale here), so 1e-7 of the scale.
        for c in 0..<k {
            let scale = Self.flat(expected[c]).map(abs).max()!
            for i in 0..<d {
                for j in 0..<d {
                    #expect(abs(constrained[c][i, j] - expected[c][i, j]) <= 1e-7 * scale, "component \(c) (\(i), \(j))")
                }
            }
        }
    }
}
