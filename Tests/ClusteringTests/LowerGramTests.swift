import LinearAlgebra
import Testing
@testable import Clustering

/// The per-component scatter's Gram by column panels, against the plain
/// sum Σᵢ gᵢⱼ·gᵢₗ on the lower triangle, for widths that leave partial
/// panels, and one or no rows.
@Suite struct LowerGramTests {
    @Test(arguments: [(0, 5), (1, 1), (1, 9), (7, 3), (37, 8), (37, 13), (64, 32), (19, 41)])
    func panelsGiveTheLowerTriangleOfTheGram(rows m: Int, dimension d: Int) {
        var rng = Xoshiro256StarStar(seed: UInt64(100 * m + d))
        let g = Matrix<Double>(rows: m, columns: d) { _, _ in 4 * rng.nextUniform(Double.self) - 2 }
        var gram = Matrix<Double>(rows: d, columns: d, repeating: .nan)
        SufficientStatistics.lowerGram(of: g, into: &gram)
        for i in 0..<d {
            for j in 0...i {
                let expected = (0..<m).reduce(0.0) { $0 + g[$1, i] * g[$1, j] }
                #expect(abs(gram[i, j] - expected) <= 1e-13 * Swift.max(1, abs(expected)), "d = \(d), m = \(m), (\(i), \(j))")
            }
        }
    }

    @Test(arguments: [(0, 5), (1, 9), (37, 13), (64, 32), (19, 41)])
    func accumulatingPanelsAddToTheirRowsOnly(rows m: Int, dimension d: Int) {
        var rng = Xoshiro256StarStar(seed: UInt64(300 * m + d))
        let g = Matrix<Double>(rows: m, columns: d) { _, _ in 4 * rng.nextUniform(Double.self) - 2 }
        var moments = Matrix<Double>(rows: 3 * d, columns: d, repeating: 0.5)
        SufficientStatistics.lowerGram(of: g, into: &moments, fromRow: d, accumulating: true)
        for i in 0..<(3 * d) {
            for j in 0..<d {
                let inside = (d..<(2 * d)).contains(i) && j <= i - d
                let expected = inside ? 0.5 + (0..<m).reduce(0.0) { $0 + g[$1, i - d] * g[$1, j] } : 0.5
                if inside || !(d..<(2 * d)).contains(i) {
                    #expect(abs(moments[i, j] - expected) <= 1e-13 * Swift.max(1, abs(expected)), "d = \(d), m = \(m), (\(i), \(j))")
                }
            }
        }
    }
}
