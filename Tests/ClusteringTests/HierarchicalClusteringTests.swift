import Foundation
import LinearAlgebra
import Testing
@testable import Clustering

/// mclust's model-based hierarchical clustering (hc, VVV on the SVD
/// transformation) against the partitions mclust 6.0.0 cuts from its tree.
@Suite struct HierarchicalClusteringTests {
    static func partitions(_ dataset: String) -> [[Int]] {
        let entry = (mclustReference["hc"] as! [[String: Any]]).first { $0["dataset"] as! String == dataset }!
        return (entry["partitions"] as! [[Any]]).map { $0.map { Int(double($0)) } }
    }

    /// Labels renumbered by first appearance, so that two partitions
    /// compare whatever their cluster numbers.
    static func canonical(_ labels: [Int]) -> [Int] {
        var numbering: [Int: Int] = [:]
        return labels.map { label in
            if let number = numbering[label] { return number }
            numbering[label] = numbering.count
            return numbering.count - 1
        }
    }

    @Test(arguments: ["faithful", "iris"])
    func partitionsEqualMclusts(_ dataset: String) throws {
        let data = try mclustData(dataset)
        let tree = try HierarchicalClustering().mergeTree(data)
        #expect(tree.rows == Array(0..<data.rows))
        #expect(tree.merges.count == data.rows - 1)
        for (offset, expected) in Self.partitions(dataset).enumerated() {
            let k = offset + 2
            let labels = tree.labels(clusterCount: k)
            #expect(Set(labels).count == k)
            #expect(labels == Self.canonical(expected), "K = \(k)")
        }
    }

    /// The clusters each merge forms, as sets of rows, from merges given
    /// either as mclust's pairs of 1-based labels (the lower label survives,
    /// as hclass reads them) or as Gauss's pairs of member rows.
    static func mergedSets(_ pairs: [(Int, Int)], rows: Int, mclustLabels: Bool) -> [Set<Int>] {
        var members = Dictionary(uniqueKeysWithValues: (0..<rows).map { ($0, Set([$0])) })
        var clusterOf = Array(0..<rows)
        return pairs.map { pair in
            let (a, b) = mclustLabels ? (min(pair.0, pair.1) - 1, max(pair.0, pair.1) - 1) : (clusterOf[pair.0], clusterOf[pair.1])
            let moved = members.removeValue(forKey: b)!
            for row in moved { clusterOf[row] = a }
            members[a]!.formUnion(moved)
            return members[a]!
        }
    }

    static func tiesData() -> Matrix<Double> { matrix(mclustReference["ties"]!) }

    /// Every merge, in order, equals mclust's: on Old Faithful and iris,
    /// which have repeated rows whose merges tie exactly, and the synthetic
    /// d = 8 set.
    @Test(arguments: ["faithful", "iris", "synthetic"])
    func everyMergeEqualsMclusts(_ dataset: String) throws {
        let data = try mclustData(dataset)
        let tree = try HierarchicalClustering().mergeTree(data)
        let ours = Self.mergedSets(tree.merges.map { ($0.first, $0.second) }, rows: data.rows, mclustLabels: false)
        let theirs = Self.mergedSets(Self.mclustMerges(dataset), rows: data.rows, mclustLabels: true)
        #expect(ours.count == theirs.count)
        let firstDifference = zip(ours, theirs).enumerated().first { $0.element.0 != $0.element.1 }?.offset
        #expect(firstDifference == nil, "merge \((firstDifference ?? 0) + 1) of \(theirs.count) differs")
    }

    /// A third of the rows repeated: which copy of a row joins a cluster
    /// first is decided by the last bit of mclust's own arithmetic (its
    /// cost of adding a row depends on the row's slot), so the order of such
    /// merges may differ from mclust's; the partitions an initialisation
    /// cuts may not.
    @Test func partitionsWithManyRepeatedRowsEqualMclusts() throws {
        let data = Self.tiesData()
        let tree = try HierarchicalClustering().mergeTree(data)
        let theirs = Self.mergedSets(Self.mclustMerges("ties"), rows: data.rows, mclustLabels: true)
        #expect(theirs.count == tree.merges.count)
        for k in 1...20 {
            // mclust's partition into k clusters: replay its merges down to k.
            var labels = Array(0..<data.rows)
            for cluster in theirs.prefix(data.rows - k) {
                let label = cluster.map { labels[$0] }.min()!
                for row in cluster { labels[row] = label }
            }
            #expect(tree.labels(clusterCount: k) == Self.canonical(labels), "K = \(k)")
        }
    }

    static func mclustMerges(_ dataset: String) -> [(Int, Int)] {
        let entry = (mclustReference["trees"] as! [[String: Any]]).first { $0["dataset"] as! String == dataset }!
        return (entry["merges"] as! [[Any]]).map { (Int(double($0[0])), Int(double($0[1]))) }
    }

    /// Above the subset size the tree holds evenly spaced rows, and a fit
    /// starts from the M-step of their partition alone: weights over the
    /// subset's rows, summing to 1.
    @Test func aSubsetIsEvenlySpacedAndStartsTheFit() throws {
        let data = try mclustData("faithful")
        let tree = try HierarchicalClustering(subsetSize: 100).mergeTree(data)
        #expect(tree.rows == (0..<100).map { $0 * 272 / 100 })
        #expect(tree.merges.count == 99)
        var estimator = GaussianMixture.mclust(componentCount: 2, model: .full)
        estimator.hierarchy = tree
        estimator.maxIterations = 0
        let start = try estimator.fit(data)
        // The subset's partition by hand: one-hot rows for the subset only.
        var responsibilities = Matrix<Double>(rows: 100, columns: 2)
        for (position, label) in tree.labels(clusterCount: 2).enumerated() { responsibilities[position, label] = 1 }
        var bySubset = GaussianMixture(componentCount: 2, regularization: 0, maxIterations: 0)
        bySubset.initialResponsibilities = responsibilities
        let expected = try bySubset.fit(Matrix<Double>(rows: 100, columns: 2) { data[tree.rows[$0], $1] })
        #expect(abs(start.weights.reduce(0, +) - 1) < 1e-12)
        #expect(relativeDifference(start.weights, expected.weights) < 1e-12)
        #expect(relativeDifference(start.means.elements, expected.means.elements) < 1e-12)
    }

    /// The hierarchical start of a fit is the partition cut from the tree.
    @Test func theHierarchicalStartIsTheTreesPartition() throws {
        let data = try mclustData("iris")
        var estimator = GaussianMixture.mclust(componentCount: 3, model: .vev)
        let fit = try estimator.fit(data)
        estimator.initialResponsibilities = try GaussianMixture.responsibilities(
            labels: try HierarchicalClustering().mergeTree(data).labels(clusterCount: 3), componentCount: 3)
        let byLabels = try estimator.fit(data)
        // Equal up to rounding: OpenBLAS's thread count, which other tests
        // change while this one runs, changes the order of its sums.
        #expect(abs(fit.lowerBound - byLabels.lowerBound) <= 1e-12 * abs(fit.lowerBound))
        #expect(relativeDifference(fit.means.elements, byLabels.means.elements) < 1e-10)
    }

    @Test func badSettingsAndDataFailClearly() throws {
        let data = try mclustData("faithful")
        #expect(throws: ClusteringError.invalidSetting(name: "subset size", reason: "must be at least 2, got 1")) {
            try HierarchicalClustering(subsetSize: 1).mergeTree(data)
        }
        #expect(throws: ClusteringError.invalidSetting(name: "alpha", reason: "must be positive and finite, got 0.0")) {
            try HierarchicalClustering(alpha: 0).mergeTree(data)
        }
        #expect(throws: ClusteringError.invalidSetting(name: "beta", reason: "must be positive and finite, got inf")) {
            try HierarchicalClustering(beta: .infinity).mergeTree(data)
        }
        #expect(throws: ClusteringError.invalidParameter(name: "data", reason: "every column is constant: there is nothing to cluster")) {
            try HierarchicalClustering().mergeTree(Matrix<Double>(rows: 5, columns: 2, repeating: 3))
        }
        var withNaN = data
        withNaN[7, 1] = .nan
        #expect(throws: ClusteringError.nonFiniteValue(row: 7, column: 1)) { try HierarchicalClustering().mergeTree(withNaN) }
        #expect(throws: ClusteringError.emptyData(rows: 0, columns: 2)) {
            try HierarchicalClustering().mergeTree(Matrix<Double>(rows: 0, columns: 2))
        }
        // More components than the subset has rows.
        var estimator = GaussianMixture.mclust(componentCount: 5)
        estimator.hierarchy = try HierarchicalClustering(subsetSize: 4).mergeTree(data)
        #expect(throws: ClusteringError.invalidParameter(name: "hierarchical clustering",
                                                         reason: "its tree of 4 rows does not fit 272 rows and 5 components")) {
            try estimator.fit(data)
        }
    }

    /// A constant column is dropped, as mclust's transformation drops it;
    /// one row is a tree of no merges.
    @Test func constantColumnsAndSingleRows() throws {
        let data = try mclustData("faithful")
        let padded = Matrix<Double>(rows: data.rows, columns: 3) { $1 < 2 ? data[$0, $1] : 5 }
        #expect(try HierarchicalClustering().mergeTree(padded) == HierarchicalClustering().mergeTree(data))
        let single = try HierarchicalClustering().mergeTree(Matrix<Double>([[1, 2]]))
        #expect(single.merges.isEmpty && single.labels(clusterCount: 1) == [0])
    }

    /// The costs of a step are shared among threads, each computing whole
    /// costs: any number of threads grows the same tree, merge for merge,
    /// with repeated rows (exact ties), at d = 1 (where every union of two
    /// rows needs a determinant) and on iris.
    @Test func everyThreadCountGrowsTheSameTree() throws {
        var rng = Xoshiro256StarStar(seed: 8)
        let line = Matrix<Double>(rows: 120, columns: 1) { i, _ in Double(i % 40 == 7 ? 7 : i % 5) + rng.nextNormal() }
        for data in [Self.tiesData(), line, try HierarchicalClustering.transformed(mclustData("iris"))] {
            let scale = HierarchicalClustering.scatterTrace(data) / Double(data.rows * data.columns)
            let trees = [1, 2, 3, 4].map { Agglomeration(data, alpha: 0.01 * scale, beta: 1, workers: $0).run() }
            #expect(trees.count == 4 && trees.allSatisfy { $0 == trees[0] }, "\(data.rows) × \(data.columns)")
        }
    }

    /// The pairs' triangle cut into parts of about equal numbers of pairs:
    /// contiguous runs of rows that cover rows 1..<m.
    @Test func thePairsSplitIntoEvenParts() {
        for m in [2, 3, 10, 150, 2000] {
            for parts in 1...5 {
                let bounds = (0...parts).map { Agglomeration.firstRow(ofPart: $0, parts: parts, rows: m) }
                #expect(bounds.first == 1 && bounds.last == m && zip(bounds, bounds.dropFirst()).allSatisfy { $0 <= $1 })
                let pairs = zip(bounds, bounds.dropFirst()).map { ($1 * ($1 - 1) - $0 * ($0 - 1)) / 2 }
                #expect(pairs.reduce(0, +) == m * (m - 1) / 2)
                #expect(pairs.allSatisfy { abs($0 - m * (m - 1) / 2 / parts) <= m }, "m = \(m), \(parts) parts: \(pairs)")
            }
        }
    }

    /// A .npy file streamed block by block grows the same tree from the
    /// same evenly spaced rows, and starts the same fit, as the matrix.
    @Test func aStreamedFileStartsAsTheMatrixDoes() throws {
        var rng = Xoshiro256StarStar(seed: 5)
        let data = Matrix<Double>(rows: 9_000, columns: 3) { i, j in Double(i % 3) * 3 + rng.nextNormal() + Double(j) }
        let (path, directory) = try scratchNpyFile(data)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = try NpyRowSource<Double>(path: path)
        let clustering = HierarchicalClustering(subsetSize: 300)
        let tree = try clustering.mergeTree(data)
        #expect(tree.rows.count == 300 && tree.rows.last == 299 * 9000 / 300)
        #expect(try clustering.mergeTree(file) == tree)
        var estimator = GaussianMixture.mclust(componentCount: 3, model: .diag)
        estimator.hierarchy = tree
        estimator.maxIterations = 5
        let fromMemory = try estimator.fit(data), fromFile = try estimator.fit(file)
        #expect(abs(fromMemory.lowerBound - fromFile.lowerBound) <= 1e-12 * abs(fromMemory.lowerBound))
        #expect(relativeDifference(fromMemory.means.elements, fromFile.means.elements) < 1e-10)
    }
}
