/// Rows split into contiguous parts of nearly equal size, one per process:
/// the first `rows % parts` parts have one row more than the others.
public struct RowPartition: Sendable, Equatable {
    /// Rows in all parts together.
    public let rowCount: Int
    /// Parts (processes).
    public let partCount: Int

    /// Splits `rows` rows into `parts` parts.
    ///
    /// - Throws: ``DistributedClusteringError/moreProcessesThanRows(processes:rows:)``
    ///   when a part would have no rows.
    public init(rows: Int, parts: Int) throws(DistributedClusteringError) {
        precondition(rows >= 0 && parts >= 1, "\(rows) rows in \(parts) parts")
        guard parts <= rows else { throw .moreProcessesThanRows(processes: parts, rows: rows) }
        rowCount = rows
        partCount = parts
    }

    /// The rows of part `part`.
    public func range(of part: Int) -> Range<Int> {
        precondition(part >= 0 && part < partCount, "part \(part) of \(partCount)")
        let base = rowCount / partCount, extra = rowCount % partCount
        let start = part * base + Swift.min(part, extra)
        return start..<(start + base + (part < extra ? 1 : 0))
    }
}

/// Errors of distributed fitting itself (errors of the data and the model
/// are ``Clustering/ClusteringError``s).
public enum DistributedClusteringError: Error, Equatable, CustomStringConvertible {
    /// More processes than rows: some would have nothing to do.
    case moreProcessesThanRows(processes: Int, rows: Int)
    /// The data file is not a 2-D array of rows.
    case notRows(shape: [Int])
    /// This program was built without the `MPI` package trait.
    case mpiUnavailable

    public var description: String {
        switch self {
        case .moreProcessesThanRows(let processes, let rows):
            return "\(processes) processes for \(rows) rows: every process needs at least one row; run fewer processes"
        case .notRows(let shape):
            return "an array of shape (\(shape.map(String.init).joined(separator: ", "))) is not data rows; save it as 2-D (n, d)"
        case .mpiUnavailable:
            return "this build has no MPI support; build with `swift build --traits MPI` (needs Open MPI: libopenmpi-dev)"
        }
    }
}
