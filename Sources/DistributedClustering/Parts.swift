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

/// This process's part of the `.npy` file at `path`, mapped (nothing is
/// read yet; converted into memory at once if it is not in `Scalar` and C
/// order, unless `releasesPages`), and the split of the file's rows; fails
/// on every process if any cannot map the file or the split is impossible.
func npyPart<Scalar: BLASScalar, C: Communicator>(
    _ path: String, as: Scalar.Type, releasesPages: Bool, communicator: C
) throws(DistributedFailure) -> (BlockReader<Scalar>, RowPartition) {
    let (file, partition) = try communicator.collectively { () throws -> (NpyFile, RowPartition) in
        let file = try NpyFile(path: path)
        guard file.header.shape.count == 2 else { throw DistributedClusteringError.notRows(shape: file.header.shape) }
        return (file, try RowPartition(rows: file.header.rows, parts: communicator.size))
    }
    let rows = partition.range(of: communicator.rank)
    if NpyRowSource<Scalar>.convertsOnce(file, streamed: releasesPages) {
        return (BlockReader(file.rows(rows, as: Scalar.self)), partition)
    }
    return (BlockReader(RowRangeSource(NpyRowSource(file: file, as: Scalar.self, releasesPages: releasesPages), rows: rows)), partition)
}

/// Checks `part` with `validate` on every process, and fails on every
/// process if it fails on any; a non-finite value is reported by its row
/// in the whole data set.
func validateCollectively<C: Communicator>(
    partition: RowPartition, communicator: C, _ validate: () throws(ClusteringError) -> Void
) throws(DistributedFailure) {
    let firstRow = partition.range(of: communicator.rank).lowerBound
    try communicator.collectively { () throws in
        do {
            try validate()
        } catch ClusteringError.nonFiniteValue(let row, let column) {
            throw ClusteringError.nonFiniteValue(row: firstRow + row, column: column)
        }
    }
}

/// Checks that `part` is this process's part of `partition`.
func checkPart<Part: RowBlockSource, C: Communicator>(_ part: Part, of partition: RowPartition, communicator: C) {
    precondition(partition.partCount == communicator.size, "a partition into \(partition.partCount) parts for \(communicator.size) processes")
    precondition(part.rowCount == partition.range(of: communicator.rank).count, "this process's part has the wrong number of rows")
}
