import Foundation
import LinearAlgebra

// What a fit allocates beyond the data, estimated before it allocates
// anything, so that input of an absurd shape (a CSV of one enormous line
// has as many columns as values: a full covariance of d² for each
// component) fails with a clear error instead of exhausting memory.

extension GaussianMixture {
    /// About how many bytes a fit to `rows × columns` data needs beyond the
    /// data themselves: the parameters, the sufficient statistics of every
    /// worker, the E-step's coefficients and scratch, and the
    /// initialisation's per-row state. Saturates at `Int.max`.
    public func memoryEstimate(rows n: Int, columns d: Int) -> Int {
        let k = componentCount, workers = defaultWorkerCount
        // Parameter sets held at once (the family's covariances, precision
        // factors or E-step coefficients, whichever is largest): covariances,
        // precision factors, the previous iteration's parameters, E-step
        // coefficients, and one set of statistics per worker plus the merged
        // set; and the means and their statistics beside them.
        let copies = 4 + workers + 1
        let model = saturatingSum(saturatingProduct(copies, covarianceType.family.parameterDoubles(components: k, dimension: d)),
                                  saturatingProduct(2, k, d))
        let scratch = saturatingProduct(workers, BlockSizes.scratchBytesPerWorker)
        let perRow: Int
        switch initialization {
        case .kmeans: perRow = 24 + kMeansPlusPlusBytesPerRow(clusterCount: k)  // Lloyd's state, after its seeding
        case .random: perRow = saturatingProduct(16, k)                         // two n×K matrices
        case .kMeansPlusPlus: perRow = kMeansPlusPlusBytesPerRow(clusterCount: k)
        case .randomFromData: perRow = 8                                        // a permutation
        case .hierarchical: perRow = 8                                          // the labels
        }
        // The hierarchical clustering's pair costs, means and triangles (its rows at most).
        let tree = initialization == .hierarchical && hierarchy == nil && initialResponsibilities == nil
            ? HierarchicalClustering.memoryEstimate(rows: Swift.min(n, HierarchicalClustering().subsetSize), columns: d) : 0
        return saturatingSum(saturatingProduct(8, model), scratch, saturatingProduct(perRow, n), tree)
    }

}

/// Throws ``ClusteringError/insufficientMemory(required:limit:)`` when a fit
/// needing `required` bytes exceeds `limit` (nil: the machine's physical
/// memory): the check both estimators make before allocating.
func checkMemory(required: Int, limit: Int?) throws(ClusteringError) {
    let limit = limit ?? Int(clamping: ProcessInfo.processInfo.physicalMemory)
    guard required <= limit else { throw .insufficientMemory(required: required, limit: limit) }
}

extension KMeans {
    /// About how many bytes a fit to `rows × columns` data needs beyond the
    /// data themselves: centers, per-worker sums, labels and distances, the
    /// distance blocks, and with ``Algorithm/elkan`` the bounds. (With
    /// ``Algorithm/automatic`` the bounds are kept only when they fit
    /// besides this, so they are not counted.) Saturates at `Int.max`.
    public func memoryEstimate(rows n: Int, columns d: Int) -> Int {
        let workers = defaultWorkerCount
        let centers = saturatingProduct(8 * (3 + workers), clusterCount, d)
        // Labels, distances and row norms; k-means++ seeding's arrays are freed before Lloyd starts.
        let seeding = initialization == .kMeansPlusPlus ? kMeansPlusPlusBytesPerRow(clusterCount: clusterCount) : 0
        let lloyd = saturatingSum(centers, saturatingProduct(workers, BlockSizes.scratchBytesPerWorker), saturatingProduct(24 + seeding, n))
        return algorithm == .elkan ? saturatingSum(lloyd, elkanBoundsBytes(rows: n)) : lloyd
    }

    /// The bytes of Elkan's bounds for `n` rows: K + 1 per row.
    func elkanBoundsBytes(rows n: Int) -> Int {
        saturatingProduct(8, clusterCount + 1, n)
    }
}

/// Bytes per row k-means++ seeding holds at its peak: weights, row norms,
/// closest distances, cumulative sums, the best and trial distances, and two
/// copies of the candidates' distances (2 + ⌊ln K⌋ candidates).
func kMeansPlusPlusBytesPerRow(clusterCount k: Int) -> Int {
    let candidates = 2 + Int(log(Double(Swift.max(k, 1))))
    return 8 * (6 + 2 * candidates)
}

/// `Int.max` when the product overflows.
func saturatingProduct(_ factors: Int...) -> Int {
    var result = 1
    for factor in factors {
        let (product, overflow) = result.multipliedReportingOverflow(by: factor)
        if overflow { return .max }
        result = product
    }
    return result
}

/// `Int.max` when the sum overflows.
func saturatingSum(_ terms: Int...) -> Int {
    var result = 0
    for term in terms {
        let (sum, overflow) = result.addingReportingOverflow(term)
        if overflow { return .max }
        result = sum
    }
    return result
}
