import LinearAlgebra
import RealModule

/// Model-based agglomerative hierarchical clustering, as R's mclust starts
/// EM: its default `hc(data, modelName = "VVV", use = "SVD")`, whose tree
/// gives a starting partition for every number of components.
///
/// The rows are first standardised (centred, each column divided by its
/// standard deviation) and rotated onto their principal axes, each axis
/// divided by the square root of its singular value (mclust's `"SVD"`
/// transformation). Starting from one cluster per row, each step then
/// merges the two clusters whose union lowers the classification
/// likelihood of the unconstrained (VVV) Gaussian model least, by the
/// regularised criterion of Fraley (1998): a cluster C of n rows with
/// scatter W costs
///
///     n · log( det(W/n) + β·(tr W + α)/n )
///
/// (the determinant is 0 while n ≤ d), with β = 1 and α = tr(scatter of
/// all rows)/(n·d) as mclust's defaults.
///
/// The agglomeration costs O(m²) memory and about O(m²·d²) time for m
/// rows. Above ``subsetSize`` rows it clusters ``subsetSize`` of them, as
/// mclust does; mclust draws them at random, Gauss takes evenly spaced rows
/// so that the tree is the same on every run and needs no seed.
///
/// ```swift
/// let tree = try HierarchicalClustering().mergeTree(data)
/// let labels = tree.labels(clusterCount: 3)   // one label per row of tree.rows
/// ```
public struct HierarchicalClustering: Sendable {
    /// The most rows clustered (default 2000, mclust's `subset` option).
    public var subsetSize: Int
    /// The regularisation α of the criterion, as a multiple of the mean
    /// variance of the transformed rows (mclust's `alpha`, default 1).
    public var alpha: Double
    /// The regularisation β of the criterion (mclust's `beta`, default 1).
    public var beta: Double

    public init(subsetSize: Int = 2000, alpha: Double = 1, beta: Double = 1) {
        self.subsetSize = subsetSize
        self.alpha = alpha
        self.beta = beta
    }

    /// The merge tree of the rows of `source` (or of ``subsetSize`` evenly
    /// spaced rows of it).
    ///
    /// - Throws: ``ClusteringError/emptyData(rows:columns:)`` for no rows,
    ///   ``ClusteringError/nonFiniteValue(row:column:)``,
    ///   ``ClusteringError/invalidSetting(name:reason:)`` for a subset size
    ///   below 2 or α, β that are not positive and finite, and
    ///   ``ClusteringError/invalidParameter(name:reason:)`` when every column
    ///   is constant over more than one row.
    /// - Complexity: O(m²) memory and O(m²·d² + m·d³) time for m rows
    ///   clustered, plus one pass over the source.
    public func mergeTree<Source: RowBlockSource>(_ source: Source) throws(ClusteringError) -> MergeTree {
        guard subsetSize >= 2 else { throw .invalidSetting(name: "subset size", reason: "must be at least 2, got \(subsetSize)") }
        guard alpha > 0 && alpha.isFinite else { throw .invalidSetting(name: "alpha", reason: "must be positive and finite, got \(alpha)") }
        guard beta > 0 && beta.isFinite else { throw .invalidSetting(name: "beta", reason: "must be positive and finite, got \(beta)") }
        try validateData(source, sampleWeights: nil, minimumRows: 1)
        let n = source.rowCount
        let rows = n <= subsetSize ? Array(0..<n) : (0..<subsetSize).map { $0 * n / subsetSize }
        guard rows.count > 1 else { return MergeTree(rows: rows, merges: []) }
        let data = try Self.transformed(Self.gather(rows, of: source))
        let scale = Self.scatterTrace(data) / Double(data.rows * data.columns)
        let agglomeration = Agglomeration(data, alpha: Swift.max(alpha * scale, .ulpOfOne), beta: beta)
        return MergeTree(rows: rows, merges: agglomeration.run())
    }

    /// About how many bytes growing the tree of `rows × columns` data takes:
    /// the pair costs (4·m² bytes), the transformed rows, means and triangles.
    public static func memoryEstimate(rows m: Int, columns d: Int) -> Int {
        saturatingSum(saturatingProduct(4, m, m), saturatingProduct(8 * 4, m, d))
    }

    /// The rows `indices` (ascending) of `source`, in Double, read a block at a time.
    static func gather<Source: RowBlockSource>(_ indices: [Int], of source: Source) -> Matrix<Double> {
        let d = source.columnCount
        var result = Matrix<Double>(rows: indices.count, columns: d)
        var next = 0
        DoublePrecisionSource(source).forEachBlock(rows: BlockSizes.rows) { range, block in
            while next < indices.count && indices[next] < range.upperBound {
                let local = indices[next] - range.lowerBound
                for j in 0..<d { result[next, j] = block[local, j] }
                next += 1
            }
        }
        return result
    }

    /// mclust's `"SVD"` transformation: standardise the columns (dropping
    /// constant ones), rotate onto the right singular vectors and divide
    /// each coordinate by the square root of its singular value. Directions
    /// of singular value below 10⁻¹² of the largest are dropped too, since
    /// dividing by them would only amplify rounding.
    static func transformed(_ data: Matrix<Double>) throws(ClusteringError) -> Matrix<Double> {
        let n = data.rows, d = data.columns
        let means = (0..<d).map { j in (0..<n).reduce(0.0) { $0 + data[$1, j] } / Double(n) }
        let deviations = (0..<d).map { j in
            n < 2 ? 0 : ((0..<n).reduce(0.0) { $0 + (data[$1, j] - means[j]) * (data[$1, j] - means[j]) } / Double(n - 1)).squareRoot()
        }
        let kept = (0..<d).filter { deviations[$0] > 0 && deviations[$0].isFinite }
        guard !kept.isEmpty else {
            throw .invalidParameter(name: "data", reason: "every column is constant: there is nothing to cluster")
        }
        let standardized = Matrix<Double>(rows: n, columns: kept.count) { i, j in (data[i, kept[j]] - means[kept[j]]) / deviations[kept[j]] }
        // Plain loops in a fixed order rather than BLAS, whose summation
        // order depends on its threads: the tree follows near-ties, so the
        // same rows must give the same coordinates on every run.
        let columns = kept.count
        var gram = Matrix<Double>(rows: columns, columns: columns)
        for a in 0..<columns {
            for b in 0...a {
                var sum = 0.0
                for i in 0..<n { sum += standardized[i, a] * standardized[i, b] }
                (gram[a, b], gram[b, a]) = (sum, sum)
            }
        }
        let eigen: SymmetricEigendecomposition<Double>
        // One thread: OpenBLAS's threads gain nothing on a d×d problem and
        // spin for a while afterwards, taking a core from whatever follows.
        do { eigen = try withSmallMatrixBLAS(dimension: columns) { () throws(LinearAlgebraError) in try SymmetricEigendecomposition(gram) } } catch {
            throw .invalidParameter(name: "data", reason: "its principal axes could not be computed (\(error))")
        }
        // Singular values are the square roots of the eigenvalues of XᵀX; largest first, as svd orders them.
        let largest = Swift.max(eigen.values.last ?? 0, 0)
        let axes = eigen.values.indices.reversed().filter { eigen.values[$0] > 1e-24 * largest && eigen.values[$0] > 0 }
        let rotation = Matrix<Double>(rows: kept.count, columns: axes.count) { i, j in
            eigen.vectors[i, axes[j]] / Double.pow(eigen.values[axes[j]], 0.25)
        }
        return Matrix<Double>(rows: n, columns: axes.count) { i, j in
            var sum = 0.0
            for k in 0..<columns { sum += standardized[i, k] * rotation[k, j] }
            return sum
        }
    }

    /// The trace of the rows' scatter about their mean: Σᵢⱼ (xᵢⱼ − x̄ⱼ)².
    static func scatterTrace(_ data: Matrix<Double>) -> Double {
        var total = 0.0
        for j in 0..<data.columns {
            let mean = (0..<data.rows).reduce(0.0) { $0 + data[$1, j] } / Double(data.rows)
            for i in 0..<data.rows { total += (data[i, j] - mean) * (data[i, j] - mean) }
        }
        return total
    }
}

/// The merges of a hierarchical clustering, from one cluster per row to one
/// cluster, and the partitions they give.
public struct MergeTree: Sendable, Equatable {
    /// The rows of the data that were clustered, ascending: all of them, or
    /// the subset taken when there were too many.
    public let rows: [Int]
    /// The merges in order: each joins the cluster holding position `second`
    /// into the one holding position `first` (positions index ``rows``).
    public let merges: [Merge]

    /// One step of the agglomeration.
    public struct Merge: Sendable, Equatable {
        public let first: Int
        public let second: Int
    }

    /// The partition of ``rows`` into `clusterCount` clusters: a label in
    /// 0..<clusterCount per position, numbered in order of first appearance
    /// (mclust's `hclass`, 0-based).
    ///
    /// - Precondition: 1 ≤ clusterCount ≤ rows.count.
    public func labels(clusterCount: Int) -> [Int] {
        precondition((1...rows.count).contains(clusterCount), "a tree of \(rows.count) rows has 1 to \(rows.count) clusters, not \(clusterCount)")
        // Each position points at the position that heads its cluster.
        var head = Array(0..<rows.count)
        func root(_ i: Int) -> Int {
            var i = i
            while head[i] != i { i = head[i] }
            return i
        }
        for merge in merges.prefix(rows.count - clusterCount) { head[root(merge.second)] = root(merge.first) }
        var numbering: [Int: Int] = [:]
        return rows.indices.map { position in
            let r = root(position)
            if let label = numbering[r] { return label }
            numbering[r] = numbering.count
            return numbering.count - 1
        }
    }
}
