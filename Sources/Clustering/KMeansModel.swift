import LinearAlgebra

/// A fitted k-means clustering.
public struct KMeansModel: Sendable, Equatable {
    /// The cluster centers (K×d).
    public let centers: Matrix<Double>
    /// The cluster of every row fitted.
    public let labels: [Int]
    /// Σᵢ wᵢ·‖xᵢ − c(label)‖² over the rows fitted.
    public let inertia: Double
    /// Lloyd iterations run by the start kept.
    public let iterationCount: Int

    public init(centers: Matrix<Double>, labels: [Int], inertia: Double, iterationCount: Int) {
        self.centers = centers
        self.labels = labels
        self.inertia = inertia
        self.iterationCount = iterationCount
    }

    /// The nearest center of every row of `source`.
    ///
    /// - Throws: ``ClusteringError/dimensionMismatch(expected:actual:)``.
    public func predict<Source: RowBlockSource>(_ source: Source) throws(ClusteringError) -> [Int] {
        try predictBlocks(BlockReader(source))
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func predictBlocks<Scalar: BLASScalar>(_ source: BlockReader<Scalar>) throws(ClusteringError) -> [Int] {
        guard source.columnCount == centers.columns else {
            throw .dimensionMismatch(expected: centers.columns, actual: source.columnCount)
        }
        var distance = SquaredDistances<Scalar>(centers: centers)
        var labels: [Int] = []
        var block = Matrix<Double>(rows: 0, columns: centers.rows)
        source.forEachBlock(rows: BlockSizes.rows) { _, rows in
            if block.rows != rows.rows { block = Matrix(rows: rows.rows, columns: centers.rows) }
            distance.compute(rows, into: &block)
            for i in 0..<rows.rows {
                var nearest = 0
                for c in 1..<centers.rows where block[i, c] < block[i, nearest] { nearest = c }
                labels.append(nearest)
            }
        }
        return labels
    }
}

extension KMeansModel {
    /// The Euclidean distance from every row of `source` to every center
    /// (n×K), scikit-learn's `transform`.
    ///
    /// - Throws: ``ClusteringError/dimensionMismatch(expected:actual:)``.
    public func transform<Source: RowBlockSource>(_ source: Source) throws(ClusteringError) -> Matrix<Double> {
        let reader = BlockReader(source)
        guard reader.columnCount == centers.columns else {
            throw .dimensionMismatch(expected: centers.columns, actual: reader.columnCount)
        }
        var result = Matrix<Double>(rows: reader.rowCount, columns: centers.rows)
        var distance = SquaredDistances<Source.Scalar>(centers: centers)
        var block = Matrix<Double>(rows: 0, columns: centers.rows)
        reader.forEachBlock(rows: BlockSizes.rows) { range, rows in
            if block.rows != rows.rows { block = Matrix(rows: rows.rows, columns: centers.rows) }
            distance.compute(rows, into: &block)
            for i in 0..<rows.rows {
                // Rounding can leave a squared distance a hair below zero.
                for c in 0..<centers.rows { result[range.lowerBound + i, c] = Swift.max(block[i, c], 0).squareRoot() }
            }
        }
        return result
    }

    /// Minus the inertia of `source` under these centers, Σᵢ wᵢ·minₖ ‖xᵢ − cₖ‖²
    /// (scikit-learn's `score`: higher is better).
    ///
    /// - Throws: ``ClusteringError/dimensionMismatch(expected:actual:)`` and
    ///   the sample-weight errors.
    public func score<Source: RowBlockSource>(_ source: Source, sampleWeights: [Double]? = nil) throws(ClusteringError) -> Double {
        if let sampleWeights { try checkSampleWeights(sampleWeights, rows: source.rowCount) }
        let distances = try transform(source)
        var total = 0.0
        for i in 0..<distances.rows {
            var nearest = Double.infinity
            for c in 0..<distances.columns { nearest = Swift.min(nearest, distances[i, c]) }
            total += (sampleWeights?[i] ?? 1) * nearest * nearest
        }
        return -total
    }
}

/// scikit-learn's attribute names: `cluster_centers`, `labels`, `inertia`,
/// `n_iter`.
extension KMeansModel: Codable {
    enum CodingKeys: String, CodingKey {
        case centers = "cluster_centers"
        case labels
        case inertia
        case iterationCount = "n_iter"
    }
}
