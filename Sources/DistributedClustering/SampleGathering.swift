import Clustering
import LinearAlgebra

/// Rows ⌊i·n/m⌋ of the whole data set, i < m = min(n, `count`), in Double,
/// on every process: each fills in the rows of its own part and one
/// allreduce adds the others' in (to zeros, so exactly). The rows chosen
/// depend on n and m alone, not on how the data are split.
func gatherSample<Part: RowBlockSource, C: Communicator>(
    _ part: Part, rows count: Int, partition: RowPartition, communicator: C
) -> Matrix<Double> {
    let n = partition.rowCount, d = part.columnCount
    let m = Swift.min(n, count)
    let local = partition.range(of: communicator.rank)
    var buffer = [Double](repeating: 0, count: m * d)
    // The sample rows in this part: i from ⌈lower·m/n⌉ while ⌊i·n/m⌋ < upper.
    var i = (local.lowerBound * m + n - 1) / n
    while i < m && i * n / m < local.upperBound {
        let row = i * n / m - local.lowerBound
        let values = part.rows(row..<(row + 1))
        for j in 0..<d { buffer[i * d + j] = Double(values[0, j]) }
        i += 1
    }
    communicator.allreduceSum(&buffer)
    return Matrix(rows: m, columns: d, elements: buffer)
}

/// Maps the `.npy` file at `path` on every process and returns it with the
/// split of its rows; fails on every process if it fails on any.
func openPartitioned<C: Communicator>(npyFile path: String, communicator: C) throws(DistributedFailure) -> (NpyFile, RowPartition) {
    try communicator.collectively { () throws -> (NpyFile, RowPartition) in
        let file = try NpyFile(path: path)
        guard file.header.shape.count == 2 else { throw DistributedClusteringError.notRows(shape: file.header.shape) }
        return (file, try RowPartition(rows: file.header.rows, parts: communicator.size))
    }
}
