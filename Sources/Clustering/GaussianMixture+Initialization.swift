import LinearAlgebra

extension GaussianMixture {
    /// Starting parameters for one EM start, as scikit-learn's
    /// `_initialize_parameters`: responsibilities from ``initialization``
    /// give weights, means and covariances, and each of ``initialWeights``,
    /// ``initialMeans`` and ``initialPrecisions`` that is set replaces its part.
    package func initialParameters<Source: RowBlockSource>(
        _ source: Source, sampleWeights: [Double]?, using rng: inout Xoshiro256StarStar
    ) throws(ClusteringError) -> (MixtureParameters, CovarianceParameters) {
        let k = componentCount
        var weights: [Double], means: Matrix<Double>, covariances: CovarianceParameters?, factors: CovarianceParameters
        if let initialWeights, let initialMeans, let initialPrecisions {
            // Nothing is left for an initialisation method to decide.
            (weights, means, covariances) = (initialWeights, initialMeans, nil)
            factors = initialPrecisions
        } else {
            let responsibilities = try startingResponsibilities(source, sampleWeights: sampleWeights, using: &rng)
            // In Double whatever the data's type: see DoublePrecisionSource.
            let statistics = SufficientStatistics.fromResponsibilities(
                of: DoublePrecisionSource(source), componentCount: k, covarianceType: covarianceType, rowWeights: sampleWeights,
                responsibilities: responsibilities)
            // A hierarchical start on a subset leaves the other rows without
            // responsibility, so its weights are over the subset's rows.
            let (estimated, estimatedCovariances) = try statistics.parameters(
                regularization: regularization, weightsOverTotal: initialization != .hierarchical || initialResponsibilities != nil)
            weights = initialWeights ?? estimated.weights
            means = initialMeans ?? estimated.means
            covariances = estimatedCovariances
            factors = estimated.precisionsCholesky
        }
        if let initialPrecisions {
            // Shapes and definiteness were checked before fitting started.
            factors = try! initialPrecisions.precisionsCholeskyFromPrecisions()
            covariances = nil
        }
        let parameters = MixtureParameters(weights: weights, means: means, precisionsCholesky: factors)
        return (parameters, covariances ?? factors.covariancesFromPrecisionCholesky())
    }

    /// Responsibilities (m×K per block of rows) from ``initialization``;
    /// a hierarchical start on a subset of the rows gives the others none.
    func startingResponsibilities<Source: RowBlockSource>(
        _ source: Source, sampleWeights: [Double]?, using rng: inout Xoshiro256StarStar
    ) throws(ClusteringError) -> (Range<Int>) -> Matrix<Double> {
        let k = componentCount, n = source.rowCount
        if let given = initialResponsibilities { return { given[rows: $0] } }
        switch initialization {
        case .kmeans:
            var kmeans = KMeans(clusterCount: k, seed: rng.next())
            kmeans.progress = kMeansProgress
            let labels = kmeans.fitValidated(BlockReader(source), sampleWeights: sampleWeights).labels
            return oneHot(labels: labels)
        case .kMeansPlusPlus:
            let seeds = kMeansPlusPlusIndices(source, clusterCount: k, rowWeights: sampleWeights, using: &rng)
            return oneHot(seedRows: seeds, rowCount: n)
        case .randomFromData:
            let seeds = Array(rng.permutation(n).prefix(k))
            return oneHot(seedRows: seeds, rowCount: n)
        case .random:
            // Drawn up front, row by row, so the blocks see one fixed sequence.
            let uniform = Matrix<Double>.uniform(rows: n, columns: k, using: &rng)
            let sums = uniform.rowSums()
            let normalized = Matrix<Double>(rows: n, columns: k) { uniform[$0, $1] / sums[$0] }
            return { normalized[rows: $0] }
        case .hierarchical:
            let tree: MergeTree
            if let hierarchy { tree = hierarchy } else { tree = try HierarchicalClustering().mergeTree(source) }
            guard tree.rows.last.map({ $0 < n }) ?? false, k <= tree.rows.count else {
                throw .invalidParameter(name: "hierarchical clustering",
                                        reason: "its tree of \(tree.rows.count) rows does not fit \(n) rows and \(k) components")
            }
            var labels = [Int](repeating: -1, count: n)
            for (position, label) in tree.labels(clusterCount: k).enumerated() { labels[tree.rows[position]] = label }
            return oneHot(labels: labels)
        }
    }

    /// One-hot responsibilities for a hard partition: row i has 1 in column
    /// `labels[i]` and 0 elsewhere, an n×K matrix for
    /// ``initialResponsibilities``.
    ///
    /// - Throws: ``ClusteringError/invalidParameter(name:reason:)`` for a
    ///   label outside `0..<componentCount`, or no labels.
    public static func responsibilities(labels: [Int], componentCount: Int) throws(ClusteringError) -> Matrix<Double> {
        guard componentCount >= 1 else { throw .invalidSetting(name: "component count", reason: "must be at least 1, got \(componentCount)") }
        guard !labels.isEmpty else { throw .emptyData(rows: 0, columns: componentCount) }
        if let bad = labels.firstIndex(where: { !(0..<componentCount).contains($0) }) {
            throw .invalidParameter(name: "initial labels",
                                    reason: "row \(bad + 1) has label \(labels[bad]); labels are 0 to \(componentCount - 1)")
        }
        var result = Matrix<Double>(rows: labels.count, columns: componentCount)
        for (row, label) in labels.enumerated() { result[row, label] = 1 }
        return result
    }

    /// Responsibility 1 for each row's label.
    private func oneHot(labels: [Int]) -> (Range<Int>) -> Matrix<Double> {
        let k = componentCount
        return { range in Matrix(rows: range.count, columns: k) { i, c in labels[range.lowerBound + i] == c ? 1 : 0 } }
    }

    /// Responsibility 1 of component c for seed row c, zero elsewhere.
    private func oneHot(seedRows: [Int], rowCount: Int) -> (Range<Int>) -> Matrix<Double> {
        var componentOfRow: [Int: Int] = [:]
        for (c, row) in seedRows.enumerated() { componentOfRow[row] = c }
        let k = componentCount
        return { range in Matrix(rows: range.count, columns: k) { i, c in componentOfRow[range.lowerBound + i] == c ? 1 : 0 } }
    }
}
