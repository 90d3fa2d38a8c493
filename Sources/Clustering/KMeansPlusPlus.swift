import Foundation
import LinearAlgebra
import RealModule

/// Greedy k-means++ seeding (Arthur and Vassilvitskii, 2007), as
/// scikit-learn does it: the first center is a row drawn with probability
/// proportional to its weight; each next one is the best, by resulting
/// potential Σ wᵢ·D(xᵢ)², of 2 + ⌊ln K⌋ candidates drawn with probability
/// proportional to wᵢ·D(xᵢ)².
///
/// - Returns: the indices of the rows chosen as centers.
/// - Complexity: O(n·K·(2 + ln K)·d) flops and one pass per center; n
///   Doubles of memory for the distances.
func kMeansPlusPlusIndices<Source: RowBlockSource>(
    _ source: Source, clusterCount k: Int, rowWeights: [Double]?, using rng: inout Xoshiro256StarStar
) -> [Int] {
    let n = source.rowCount
    let trials = 2 + Int(Foundation.log(Double(k)))
    let weights = rowWeights ?? [Double](repeating: 1, count: n)
    let first = rowWeights == nil ? rng.nextInt(below: n) : rng.nextCategorical(weights: weights)
    var indices = [first]
    let rowNorms = squaredRowNorms(of: source)
    var closest = distancesToRows([first], of: source, rowNorms: rowNorms)[0]
    var potential = zip(closest, weights).reduce(0) { $0 + $1.0 * $1.1 }
    var cumulative = [Double](repeating: 0, count: n)
    while indices.count < k {
        var running = 0.0
        for i in 0..<n {
            running += weights[i] * closest[i]
            cumulative[i] = running
        }
        // The first index whose cumulative weight reaches the draw (numpy's searchsorted, side left).
        let candidates = (0..<trials).map { _ -> Int in
            let target = rng.nextUniform(Double.self) * potential
            var low = 0, high = n
            while low < high {
                let mid = (low + high) / 2
                if cumulative[mid] < target { low = mid + 1 } else { high = mid }
            }
            return Swift.min(low, n - 1)
        }
        let candidateDistances = distancesToRows(candidates, of: source, rowNorms: rowNorms)
        var best = 0, bestPotential = Double.infinity
        var bestClosest: [Double] = []
        for (t, distances) in candidateDistances.enumerated() {
            var updated = closest
            var total = 0.0
            for i in 0..<n {
                updated[i] = Swift.min(updated[i], distances[i])
                total += weights[i] * updated[i]
            }
            if total < bestPotential {
                best = t
                bestPotential = total
                bestClosest = updated
            }
        }
        indices.append(candidates[best])
        closest = bestClosest
        potential = bestPotential
    }
    return indices
}

/// Squared distances from the given rows of `source` to every row: one
/// array of n per given row, computed on all cores.
private func distancesToRows<Source: RowBlockSource>(
    _ rowIndices: [Int], of source: Source, rowNorms: [Double]
) -> [[Double]] {
    let n = source.rowCount, t = rowIndices.count, blockRows = BlockSizes.rows
    let distance = SquaredDistances<Source.Scalar>(centers: rowsAsDouble(source, rowIndices))
    var result = [Double](repeating: 0, count: t * n)  // candidate-major
    result.withUnsafeMutableBufferPointer { out in
        rowNorms.withUnsafeBufferPointer { norms in
            _ = concurrentRuns(count: (n + blockRows - 1) / blockRows, workers: defaultWorkerCount) { blocks in
                var distance = distance
                var block = Matrix<Double>(rows: 0, columns: t)
                for b in blocks {
                    let range = (b * blockRows)..<Swift.min((b + 1) * blockRows, n)
                    if block.rows != range.count { block = Matrix(rows: range.count, columns: t) }
                    distance.compute(source.rows(range), rowNorms: UnsafeBufferPointer(rebasing: norms[range]), into: &block)
                    block.withUnsafeBufferPointer { d in
                        for i in 0..<range.count {
                            for c in 0..<t { out[c * n + range.lowerBound + i] = d[i * t + c] }
                        }
                    }
                }
            }
        }
    }
    return (0..<t).map { Array(result[($0 * n)..<(($0 + 1) * n)]) }
}

/// ‖xᵢ‖² of every row of `source`.
private func squaredRowNorms<Source: RowBlockSource>(of source: Source) -> [Double] {
    var norms: [Double] = []
    norms.reserveCapacity(source.rowCount)
    source.forEachBlock(rows: BlockSizes.rows) { _, block in norms += squaredRowNorms(block) }
    return norms
}
