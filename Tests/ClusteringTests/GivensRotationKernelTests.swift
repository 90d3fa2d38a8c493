import Foundation
import LinearAlgebra
import Testing
@testable import Clustering

/// The agglomeration's rotation kernels give, on every instruction set,
/// exactly the bits of plain scalar loops: the hierarchical tree's ties
/// depend on it.
@Suite struct GivensRotationKernelTests {
    /// An upper-triangular d × d factor with `rows` rows and nonzero pivots.
    static func factor(rows: Int, dimension d: Int, using random: inout Xoshiro256StarStar) -> [Double] {
        var r = [Double](repeating: 0, count: d * d)
        for i in 0..<rows {
            for j in i..<d { r[i * d + j] = Double.random(in: -2...2, using: &random) }
            r[i * d + i] = Double.random(in: 0.5...3, using: &random)
        }
        return r
    }

    /// The scalar rotation of a row into a triangle.
    static func referenceRotateIn(_ incoming: inout [Double], into triangle: inout [Double], rows: inout Int, dimension d: Int) {
        for r in 0..<Swift.min(rows, d) {
            let a = triangle[r * d + r], b = incoming[r]
            guard b != 0 else { continue }
            let radius = (a * a + b * b).squareRoot()
            let (c, s) = (a / radius, b / radius)
            triangle[r * d + r] = radius
            incoming[r] = 0
            for k in (r + 1)..<Swift.max(d, r + 1) {
                let (x, y) = (triangle[r * d + k], incoming[k])
                triangle[r * d + k] = c * x + s * y
                incoming[k] = c * y - s * x
            }
        }
        if rows < d {
            for k in rows..<d { triangle[rows * d + k] = incoming[k] }
            rows += 1
        }
    }

    @Test(arguments: [1, 2, 5, 8, 9, 13, 32])
    func rotatingRowsInMatchesTheScalarLoopRowByRow(dimension d: Int) {
        var random = Xoshiro256StarStar(seed: UInt64(d))
        for rows in Set([0, d / 2, d - 1, d]) {
            for count in Set([1, 2, d, d + 1]) {
                let triangle = Self.factor(rows: rows, dimension: d, using: &random)
                var incoming = (0..<(count * d)).map { _ in Double.random(in: -3...3, using: &random) }
                // A zero entry skips its rotation.
                if d > 2 { incoming[1] = 0 }
                var expectedTriangle = triangle, expectedIncoming = incoming, expectedRows = rows
                for q in 0..<count {
                    var row = Array(expectedIncoming[(q * d)..<((q + 1) * d)])
                    Self.referenceRotateIn(&row, into: &expectedTriangle, rows: &expectedRows, dimension: d)
                    expectedIncoming.replaceSubrange((q * d)..<((q + 1) * d), with: row)
                }
                for set in VectorMath.InstructionSet.supported {
                    var t = triangle, v = incoming, r = rows
                    t.withUnsafeMutableBufferPointer { t in
                        v.withUnsafeMutableBufferPointer { v in
                            Agglomeration.rotateIn(v, count: count, into: t, rows: &r, dimension: d, using: set)
                        }
                    }
                    let label = "\(set), d = \(d), rows = \(rows), count = \(count)"
                    #expect(r == expectedRows, "\(label)")
                    #expect(t.map(\.bitPattern) == expectedTriangle.map(\.bitPattern), "\(label)")
                    #expect(v.map(\.bitPattern) == expectedIncoming.map(\.bitPattern), "\(label)")
                }
            }
        }
    }

    @Test(arguments: [(1, 1), (2, 3), (5, 8), (8, 17), (13, 4), (32, 40)])
    func rotatingColumnsMatchesTheScalarLoop(dimension d: Int, width: Int) {
        var random = Xoshiro256StarStar(seed: UInt64(d * 100 + width))
        for rows in [d / 2, d] where rows > 0 {
            let r = Self.factor(rows: rows, dimension: d, using: &random)
            let v = (0..<(d * width)).map { _ in Double.random(in: -3...3, using: &random) }
            // Gentleman's rotations, as scalar loops.
            var expected = v, expectedScales = [Double](repeating: 1, count: width), logPivots = 0.0
            for t in 0..<rows {
                let pivot = r[t * d + t]
                logPivots += 2 * log(Swift.abs(pivot))
                let inverse = 1 / pivot
                var ratios = [Double](repeating: 0, count: width)
                for c in 0..<width {
                    let ratio = expected[t * width + c] * inverse
                    ratios[c] = ratio
                    expectedScales[c] /= 1 + expectedScales[c] * ratio * ratio
                }
                for e in (t + 1)..<Swift.max(d, t + 1) {
                    for c in 0..<width { expected[e * width + c] -= ratios[c] * r[t * d + e] }
                }
            }
            for set in VectorMath.InstructionSet.supported {
                var rotated = v, logDeterminants = [Double](repeating: 0, count: width)
                let scales = rotated.withUnsafeMutableBufferPointer { v in
                    Agglomeration.rotateWithoutSquareRoots(v, width: width, into: r, rows: rows, dimension: d,
                                                           logDeterminants: &logDeterminants, using: set)
                }
                #expect(rotated.map(\.bitPattern) == expected.map(\.bitPattern), "\(set), d = \(d), width = \(width)")
                #expect(scales.map(\.bitPattern) == expectedScales.map(\.bitPattern), "\(set), d = \(d), width = \(width)")
                #expect(logDeterminants == expectedScales.map { logPivots - log($0) }, "\(set), d = \(d)")
            }
        }
    }
}
