import Foundation
import LinearAlgebra
import Testing
@testable import Clustering

/// Elkan's bounded k-means assignment against brute force: after every
/// pass the labels are the nearest centers, the bounds bound, and the
/// sums (fresh or moved incrementally) are those of the labels.
@Suite struct ElkanBoundsTests {
    /// Clusters around k random centers `spread` apart in d dimensions.
    static func clusteredRows<S: BLASScalar>(_ n: Int, _ d: Int, k: Int, spread: Double, seed: UInt64, as: S.Type) -> Matrix<S> {
        var rng = Xoshiro256StarStar(seed: seed)
        let centers = Matrix<Double>(rows: k, columns: d) { _, _ in spread * (2 * rng.nextUniform(Double.self) - 1) }
        return Matrix(rows: n, columns: d) { i, j in S(centers[i % k, j] + 2 * rng.nextUniform(Double.self) - 1) }
    }

    static func exactDistance<S: BLASScalar>(_ x: Matrix<S>, _ i: Int, _ centers: Matrix<Double>, _ c: Int) -> Double {
        var sum = 0.0
        for j in 0..<x.columns { sum += (Double(x[i, j]) - centers[c, j]) * (Double(x[i, j]) - centers[c, j]) }
        return sum.squareRoot()
    }

    /// Runs a first pass and `steps` later ones, each from the weighted
    /// means of the last labels moved a little, checking every pass.
    func check<S: BLASScalar>(_ x: Matrix<S>, k: Int, steps: Int, incremental: Bool) -> (computed: [Int], rows: Int) {
        let (n, d) = (x.rows, x.columns)
        let weights = (0..<n).map { Double($0 % 4) + 0.5 }
        var centers = Matrix<Double>(rows: k, columns: d) { c, j in Double(x[c * (n - 1) / max(k - 1, 1), j]) }
        var labels = [Int](repeating: -1, count: n), upper = [Double](repeating: 0, count: n)
        var lower = [Double](repeating: 0, count: n * k), drift = [Double](repeating: 0, count: k)
        var sums = [Double](repeating: 0, count: k * d), clusterWeights = [Double](repeating: 0, count: k)
        var computedPerPass: [Int] = []
        var rng = Xoshiro256StarStar(seed: 5)
        for pass in 0...steps {
            if pass > 0 {
                // Lloyd's update, nudged so that the centers keep moving.
                var moved = Matrix<Double>(rows: k, columns: d) { c, j in
                    clusterWeights[c] > 0 ? sums[c * d + j] / clusterWeights[c] : centers[c, j]
                }
                for c in 0..<k { for j in 0..<d { moved[c, j] += 0.01 * (rng.nextUniform(Double.self) - 0.5) } }
                for (c, shift) in CenterKernels.centerShifts(from: centers, to: moved).enumerated() { drift[c] += shift }
                centers = moved
                if !incremental {
                    sums = [Double](repeating: 0, count: k * d)
                    clusterWeights = [Double](repeating: 0, count: k)
                }
            }
            let separation = CenterKernels.CenterSeparation(centers)
            let computed = x.withUnsafeBufferPointer { x in
                centers.withUnsafeBufferPointer { c in
                    drift.withUnsafeBufferPointer { drift in
                        weights.withUnsafeBufferPointer { w in
                            labels.withUnsafeMutableBufferPointer { l in
                                upper.withUnsafeMutableBufferPointer { u in
                                    lower.withUnsafeMutableBufferPointer { lo in
                                        sums.withUnsafeMutableBufferPointer { s in
                                            clusterWeights.withUnsafeMutableBufferPointer { cw in
                                                pass == 0
                                                    ? CenterKernels.elkanStart(x, dimension: d, centers: c, labels: l, upper: u, lower: lo,
                                                                            weights: w, sums: s, clusterWeights: cw)
                                                    : CenterKernels.elkanStep(x, dimension: d, centers: c, separation: separation,
                                                                           drift: drift, labels: l, upper: u, lower: lo, weights: w,
                                                                           sums: s, clusterWeights: cw, incrementalSums: incremental).computed
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            computedPerPass.append(computed)
            #expect(computed <= n * k && (pass > 0 || computed == n * k))
            var mislabelled = 0, badBounds = 0
            var expectedSums = [Double](repeating: 0, count: k * d), expectedWeights = [Double](repeating: 0, count: k)
            for i in 0..<n {
                let exact = (0..<k).map { Self.exactDistance(x, i, centers, $0) }
                let nearest = exact.indices.min { exact[$0] < exact[$1] }!
                if labels[i] != nearest { mislabelled += 1 }
                let slack = 1e-12 * max(1, exact[labels[i]])
                if upper[i] + drift[labels[i]] < exact[labels[i]] - slack { badBounds += 1 }
                for c in 0..<k where lower[i * k + c] - drift[c] > exact[c] + 1e-12 * max(1, exact[c]) { badBounds += 1 }
                expectedWeights[labels[i]] += weights[i]
                for j in 0..<d { expectedSums[labels[i] * d + j] += weights[i] * Double(x[i, j]) }
            }
            #expect(mislabelled == 0, "pass \(pass): \(mislabelled) rows not at their nearest center")
            #expect(badBounds == 0, "pass \(pass): \(badBounds) bounds that do not bound")
            #expect(zip(sums, expectedSums).allSatisfy { abs($0 - $1) <= 1e-10 * max(1, abs($1)) }, "pass \(pass): sums")
            #expect(zip(clusterWeights, expectedWeights).allSatisfy { abs($0 - $1) <= 1e-10 * max(1, $1) }, "pass \(pass): weights")
        }
        return (computedPerPass, n)
    }

    @Test(arguments: [1, 2, 3, 5, 17], [false, true])
    func doubleRowsMatchBruteForce(k: Int, incremental: Bool) {
        // d = 13 leaves a tail after the kernel's blocks of 8.
        let x = Self.clusteredRows(400, 13, k: k, spread: 3, seed: UInt64(k), as: Double.self)
        _ = check(x, k: k, steps: 5, incremental: incremental)
    }

    @Test(arguments: [3, 8])
    func floatRowsMatchBruteForce(k: Int) {
        let x = Self.clusteredRows(300, 6, k: k, spread: 4, seed: 11, as: Float.self)
        _ = check(x, k: k, steps: 4, incremental: true)
    }

    @Test func overlappingClustersStillGetTheNearestCenter() {
        let x = Self.clusteredRows(300, 4, k: 6, spread: 0.2, seed: 3, as: Double.self)
        _ = check(x, k: 6, steps: 6, incremental: true)
    }

    @Test func separatedClustersSkipMostDistancesOnceCentersSettle() {
        let k = 8
        let x = Self.clusteredRows(800, 16, k: k, spread: 20, seed: 9, as: Double.self)
        let (computed, n) = check(x, k: k, steps: 4, incremental: true)
        #expect(computed[0] == n * k)
        #expect(computed.last! < n * k / 10, "computed per pass: \(computed)")
    }
}

/// The register-blocked nearest-center kernel against brute force.
@Suite struct NearestCenterKernelTests {
    func uniformMatrix(_ rows: Int, _ columns: Int, seed: UInt64) -> Matrix<Double> {
        var rng = Xoshiro256StarStar(seed: seed)
        return Matrix(rows: rows, columns: columns) { _, _ in 2 * rng.nextUniform(Double.self) - 1 }
    }

    @Test(arguments: [1, 5, 16, 17, 32, 33, 64])
    func nearestCentersMatchBruteForce(k: Int) {
        let (m, d) = (300, 13)
        let x: Matrix<Double> = uniformMatrix(m, d, seed: UInt64(k)), centers: Matrix<Double> = uniformMatrix(k, d, seed: 77)
        let (centersT, width) = CenterKernels.packedCenters(centers)!
        let centerNorms = (0..<k).map { c in (0..<d).reduce(0.0) { $0 + centers[c, $1] * centers[c, $1] } }
        let rowNorms = (0..<m).map { i in (0..<d).reduce(0.0) { $0 + x[i, $1] * x[i, $1] } }
        var labels = [Int](repeating: -1, count: m), distances = [Double](repeating: -1, count: m)
        // Lloyd's sums in the same pass, weighted, added to what the buffers held.
        let weights = (0..<m).map { Double($0 % 3) + 0.5 }
        var sums = [Double](repeating: 1, count: k * d), clusterWeights = [Double](repeating: 2, count: k)
        x.withUnsafeBufferPointer { x in
            centersT.withUnsafeBufferPointer { centersT in
                centerNorms.withUnsafeBufferPointer { centerNorms in
                    rowNorms.withUnsafeBufferPointer { rowNorms in
                        labels.withUnsafeMutableBufferPointer { labels in
                            distances.withUnsafeMutableBufferPointer { distances in
                                weights.withUnsafeBufferPointer { weights in
                                    sums.withUnsafeMutableBufferPointer { sums in
                                        clusterWeights.withUnsafeMutableBufferPointer { clusterWeights in
                                            CenterKernels.nearestCenters(of: x, dimension: d, centersT: centersT, width: width,
                                                                      centerNorms: centerNorms, rowNorms: rowNorms,
                                                                      labels: labels, distances: distances, weights: weights,
                                                                      sums: sums, clusterWeights: clusterWeights)
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        var expectedSums = [Double](repeating: 1, count: k * d), expectedWeights = [Double](repeating: 2, count: k)
        for i in 0..<m {
            expectedWeights[labels[i]] += weights[i]
            for j in 0..<d { expectedSums[labels[i] * d + j] += weights[i] * x[i, j] }
        }
        #expect(zip(sums, expectedSums).allSatisfy { abs($0 - $1) <= 1e-12 * max(1, abs($1)) })
        #expect(clusterWeights == expectedWeights)
        var wrong = 0, worst = 0.0
        for i in 0..<m {
            let exact = (0..<k).map { c in (0..<d).reduce(0.0) { $0 + (x[i, $1] - centers[c, $1]) * (x[i, $1] - centers[c, $1]) } }
            let nearest = exact.indices.min { exact[$0] < exact[$1] }!
            if labels[i] != nearest { wrong += 1 }
            worst = max(worst, abs(distances[i] - exact[nearest]))
        }
        #expect(wrong == 0 && worst < 1e-12, "\(wrong) rows mislabelled, distances off by \(worst)")
    }
}
