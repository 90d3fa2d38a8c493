import Clustering
import LinearAlgebra

/// k-means by Lloyd's algorithm on several processes, each holding a
/// contiguous part of the rows (see ``RowPartition``).
///
/// Every iteration, each process labels its own rows and one allreduce sums
/// the per-cluster sums and weights (K·d + K values, plus whether any label
/// changed); every process then computes the same centers. An empty cluster
/// takes the row farthest from its center among all processes (each offers
/// its own farthest rows in one more allreduce), as scikit-learn relocates
/// it in one process. The convergence tolerance is scaled by the mean
/// feature variance of all rows, summed over the processes.
///
/// Starting centers come from process 0 and are broadcast: the estimator's
/// ``Clustering/KMeans/Initialization/centers(_:)`` if given, otherwise its
/// initialisation run on a sample of rows ⌊i·n/m⌋ for i < m =
/// ``initializationSampleSize`` gathered from every process, so the same
/// seed gives the same centers on any number of processes.
///
/// The model returned has the centers, the inertia and the iteration count
/// of all rows; its ``Clustering/KMeansModel/labels`` are those of this
/// process's rows only. Sample weights are not supported.
public struct DistributedKMeans: Sendable {
    /// Settings and initialisation.
    public var estimator: KMeans
    /// Rows gathered for the initialisation (at least K are used; default 10 000).
    public var initializationSampleSize: Int

    public init(_ estimator: KMeans, initializationSampleSize: Int = 10_000) {
        self.estimator = estimator
        self.initializationSampleSize = initializationSampleSize
    }

    /// Clusters the rows of every process, where `part` holds this
    /// process's rows, `partition.range(of: communicator.rank)`.
    ///
    /// - Throws: ``DistributedFailure`` on every process when any fails (bad
    ///   settings, rows or initial centers).
    /// - Complexity: per iteration, the assignment of the part (2·(n/P)·K·d
    ///   flops) and one allreduce of K·(d + 1) + 1 values.
    public func fit<Part: RowBlockSource, C: Communicator>(
        part: Part, of partition: RowPartition, communicator: C
    ) throws(DistributedFailure) -> KMeansModel {
        checkPart(part, of: partition, communicator: communicator)
        return try fitPart(BlockReader(part), partition: partition, communicator: communicator)
    }

    /// Clusters the rows of a `.npy` file that every process can read; each
    /// maps it and reads only its own part, as `Scalar`.
    ///
    /// - Throws: ``DistributedFailure`` on every process when any fails,
    ///   including when a process cannot read the file.
    public func fit<Scalar: BLASScalar, C: Communicator>(
        npyFile path: String, as: Scalar.Type = Scalar.self, releasesPages: Bool = false, communicator: C
    ) throws(DistributedFailure) -> KMeansModel {
        let (part, partition) = try npyPart(path, as: Scalar.self, releasesPages: releasesPages, communicator: communicator)
        return try fitPart(part, partition: partition, communicator: communicator)
    }

    private func fitPart<Scalar: BLASScalar, C: Communicator>(
        _ part: BlockReader<Scalar>, partition: RowPartition, communicator: C
    ) throws(DistributedFailure) -> KMeansModel {
        let estimator = self.estimator
        try validateCollectively(partition: partition, communicator: communicator) { () throws(ClusteringError) in
            try estimator.validate(part, sampleWeights: nil, totalRows: partition.rowCount)
        }
        var givenCenters = false
        if case .centers = estimator.initialization { givenCenters = true }
        let sample = givenCenters
            ? Matrix<Double>(rows: 0, columns: part.columnCount)
            : gatherSample(part, rows: Swift.max(initializationSampleSize, estimator.clusterCount), partition: partition,
                           communicator: communicator)
        return estimator.fit(part: part, sampleWeights: nil, reduction: communicator.partReduction) { rng in
            estimator.initialCenters(sample, sampleWeights: nil, using: &rng)
        }
    }
}
