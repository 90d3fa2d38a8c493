import Foundation
import Testing
@testable import LinearAlgebra

/// The plain-loop Cholesky of small matrices against LAPACK's.
@Suite struct SmallCholeskyTests {
    static func flat(_ m: Matrix<Double>) -> [Double] {
        (0..<m.rows).flatMap { i in (0..<m.columns).map { m[i, $0] } }
    }

    @Test(arguments: [1, 2, 3, 7, 16, 33])
    func factorInverseAndLogDeterminantMatchLAPACKs(dimension d: Int) throws {
        let a: Matrix<Double> = randomSPD(d, seed: UInt64(d))
        var factor = [Double](repeating: .nan, count: d * d), inverseFactor = factor, inverse = factor
        let a1 = Self.flat(a)
        let logDeterminant = try #require(a1.withUnsafeBufferPointer { a in
            factor.withUnsafeMutableBufferPointer { l in
                inverseFactor.withUnsafeMutableBufferPointer { SmallCholesky.factorAndInvert(a, dimension: d, factor: l, inverseFactor: $0) }
            }
        })
        let cholesky = try Cholesky(a)
        #expect(abs(logDeterminant - cholesky.logDeterminant) <= 1e-12 * Swift.max(1, abs(cholesky.logDeterminant)))
        // L is LAPACK's factor; L·L⁻¹ = I.
        for i in 0..<d {
            for j in 0...i {
                #expect(abs(factor[i * d + j] - cholesky.factor[i, j]) <= 1e-12 * cholesky.factor[j, j], "L(\(i), \(j))")
                var product = 0.0
                for p in j...i { product += factor[i * d + p] * inverseFactor[p * d + j] }
                #expect(abs(product - (i == j ? 1 : 0)) <= 1e-12, "(L·L⁻¹)(\(i), \(j)) at d = \(d)")
            }
        }
        _ = try #require(a1.withUnsafeBufferPointer { a in
            factor.withUnsafeMutableBufferPointer { l in
                inverse.withUnsafeMutableBufferPointer { SmallCholesky.inverse(of: a, dimension: d, factor: l, into: $0) }
            }
        })
        let expected = cholesky.inverse()
        let scale = Self.flat(expected).map(abs).max()!
        for i in 0..<d {
            for j in 0..<d {
                let value = i >= j ? expected[i, j] : expected[j, i]
                #expect(abs(inverse[i * d + j] - value) <= 1e-11 * scale, "A⁻¹(\(i), \(j)) at d = \(d)")
            }
        }
    }

    /// The log-determinant is one logarithm of a product of significands
    /// plus the exponents: it must hold at pivots near the ends of the
    /// range (subnormal included) and past 16 pivots, where the product is
    /// folded into the exponents.
    @Test(arguments: [1, 5, 16, 17, 40])
    func logDeterminantOfExtremeDiagonals(dimension d: Int) throws {
        let pivots: [Double] = [1.9e300, 3e-300, 1.7e308, 1e-310, 1.999999, 7.25, 0.5000001, 1e150]
        let diagonal = (0..<d).map { pivots[$0 % pivots.count] }
        var a = [Double](repeating: 0, count: d * d), factor = a
        for i in 0..<d { a[i * d + i] = diagonal[i] }
        let logDeterminant = try #require(a.withUnsafeBufferPointer { a in
            factor.withUnsafeMutableBufferPointer { SmallCholesky.factor(a, dimension: d, into: $0) }
        })
        let expected = diagonal.reduce(0.0) { $0 + Foundation.log($1) }
        #expect(abs(logDeterminant - expected) <= 1e-13 * Swift.max(1, abs(expected)), "d = \(d)")
        for i in 0..<d { #expect(factor[i * d + i] == diagonal[i].squareRoot()) }
    }

    @Test(arguments: [[1.0, 2, 2, 1], [1.0, 0, 0, 0], [Double.nan, 0, 0, 1], [Double.infinity, 0, 0, 1], [1.0, 0, 0, -Double.infinity]] as [[Double]])
    func refusesWhatIsNotPositiveDefinite(_ a: [Double]) {
        var factor = [Double](repeating: 0, count: 4), inverse = factor
        let result = a.withUnsafeBufferPointer { a in
            factor.withUnsafeMutableBufferPointer { l in
                inverse.withUnsafeMutableBufferPointer { SmallCholesky.inverse(of: a, dimension: 2, factor: l, into: $0) }
            }
        }
        #expect(result == nil)
    }
}
