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
