import Clustering
import LinearAlgebra

/// A variational Gaussian mixture (``Clustering/BayesianGaussianMixture``)
/// fitted on several processes, each holding a contiguous part of the rows
/// (see ``RowPartition``).
///
/// It runs as ``DistributedGaussianMixture`` does: the default priors (the
/// data's mean and covariance) are summed over every part first; then every
/// iteration each process runs the E-step on its own rows, one allreduce
/// sums the ``Clustering/SufficientStatistics`` (with the entropy of the
/// responsibilities), and every process takes the same variational M-step.
/// The starting posterior comes from process 0 and is broadcast: the M-step
/// of the estimator's starting responsibilities (k-means labels by default)
/// on a sample of rows ⌊i·n/m⌋ for i < m = ``initializationSampleSize``
/// gathered from every process. When the data have no more rows than that,
/// the sample is every row in order, and the fit equals
/// ``Clustering/BayesianGaussianMixture/fit(_:sampleWeights:)`` of the whole
/// data set up to the order of floating-point sums.
///
/// ``Clustering/BayesianGaussianMixture/initialResponsibilities``, one per
/// row of the whole data set, cannot start a distributed fit. Sample weights
/// are not supported.
public struct DistributedBayesianGaussianMixture: Sendable {
    /// Settings, priors and progress handler of the fit.
    public var estimator: BayesianGaussianMixture
    /// Rows gathered for the start (at least K are used; default 10 000).
    public var initializationSampleSize: Int

    public init(_ estimator: BayesianGaussianMixture, initializationSampleSize: Int = 10_000) {
        self.estimator = estimator
        self.initializationSampleSize = initializationSampleSize
    }

    /// Fits the posterior to the rows of every process, where `part` holds
    /// this process's rows, `partition.range(of: communicator.rank)`.
    ///
    /// Every process must call this with the same estimator and partition.
    ///
    /// - Throws: ``DistributedFailure`` on every process when any fails: bad
    ///   rows, settings or priors, a collapsed component.
    /// - Complexity: per iteration, the E-step of the part and one allreduce
    ///   of ``Clustering/SufficientStatistics/packed``; before the first, two
    ///   passes for the default priors.
    public func fit<Part: RowBlockSource, C: Communicator>(
        part: Part, of partition: RowPartition, communicator: C
    ) throws(DistributedFailure) -> BayesianGaussianMixtureModel {
        checkPart(part, of: partition, communicator: communicator)
        return try fitPart(BlockReader(part), partition: partition, communicator: communicator)
    }

    /// Fits the posterior to the rows of a `.npy` file that every process
    /// can read, each mapping only its own part (see
    /// ``DistributedGaussianMixture/fit(npyFile:as:releasesPages:communicator:)``).
    public func fit<Scalar: BLASScalar, C: Communicator>(
        npyFile path: String, as: Scalar.Type = Scalar.self, releasesPages: Bool = false, communicator: C
    ) throws(DistributedFailure) -> BayesianGaussianMixtureModel {
        let (part, partition) = try npyPart(path, as: Scalar.self, releasesPages: releasesPages, communicator: communicator)
        return try fitPart(part, partition: partition, communicator: communicator)
    }

    private func fitPart<Scalar: BLASScalar, C: Communicator>(
        _ part: BlockReader<Scalar>, partition: RowPartition, communicator: C
    ) throws(DistributedFailure) -> BayesianGaussianMixtureModel {
        let estimator = self.estimator
        try validateCollectively(partition: partition, communicator: communicator) { () throws(ClusteringError) in
            guard estimator.initialResponsibilities == nil else {
                throw .invalidSetting(name: "initial responsibilities",
                                      reason: "a distributed fit starts from a sample of the rows, not from one responsibility per row")
            }
            try estimator.validate(part, sampleWeights: nil, totalRows: partition.rowCount)
        }
        let sample = gatherSample(part, rows: Swift.max(initializationSampleSize, estimator.componentCount),
                                  partition: partition, communicator: communicator)
        do {
            return try estimator.fit(part: part, sampleWeights: nil, reduction: communicator.partReduction) { rng, priors throws(ClusteringError) in
                try estimator.startingPosterior(sample, sampleWeights: nil, priors: priors, using: &rng)
            }
        } catch {
            throw DistributedFailure(error)
        }
    }
}
