import Clustering
import LinearAlgebra

/// A Gaussian mixture fitted by EM on several processes, each holding a
/// contiguous part of the rows (see ``RowPartition``).
///
/// Every iteration, each process runs the E-step on its own rows and one
/// allreduce sums the ``Clustering/SufficientStatistics`` of all parts
/// (``Clustering/SufficientStatistics/packed``: counts, first and second
/// moments, log-likelihood); every process then takes the same M-step on
/// the same sums, so all hold the same parameters and stop on the same
/// lower bound. The result is the fit of all rows: started from the same
/// parameters, it equals ``Clustering/GaussianMixture/fit(_:sampleWeights:)``
/// of the whole data set up to the order of floating-point sums.
///
/// Starting parameters come from process 0 and are broadcast: it takes the
/// estimator's ``Clustering/GaussianMixture/initialWeights``,
/// ``Clustering/GaussianMixture/initialMeans`` and
/// ``Clustering/GaussianMixture/initialPrecisions`` when all are set, and
/// otherwise runs the estimator's initialisation on a sample of the rows
/// gathered from every process: rows ⌊i·n/m⌋ for i < m, m =
/// ``initializationSampleSize``. The sample depends on n and m alone, so the
/// same seed gives the same model on any number of processes.
/// ``Clustering/GaussianMixture/initialResponsibilities``, one per row of
/// the whole data set, cannot start a distributed fit: such a fit fails with
/// ``Clustering/ClusteringError/invalidSetting(name:reason:)``.
///
/// ```swift
/// let communicator = MPICommunicator()          // under mpirun
/// let estimator = GaussianMixture(componentCount: 32, covarianceType: .diag, seed: 1)
/// let model = try DistributedGaussianMixture(estimator)
///     .fit(npyFile: "big.npy", as: Float.self, communicator: communicator)
/// ```
///
/// Sample weights are not supported.
public struct DistributedGaussianMixture: Sendable {
    /// Settings, initial parameters and progress handler of the fit.
    public var estimator: GaussianMixture
    /// Rows gathered for the initialisation (at least K are used; default 10 000).
    public var initializationSampleSize: Int

    public init(_ estimator: GaussianMixture, initializationSampleSize: Int = 10_000) {
        self.estimator = estimator
        self.initializationSampleSize = initializationSampleSize
    }

    /// Fits the mixture to the rows of every process, where `part` holds this
    /// process's rows, `partition.range(of: communicator.rank)`.
    ///
    /// Every process must call this with the same estimator and partition.
    ///
    /// - Throws: ``DistributedFailure`` on every process when any fails: a
    ///   process whose rows are bad (non-finite values, wrong dimension), bad
    ///   settings, a collapsed component.
    /// - Complexity: per iteration, the E-step of the part (about
    ///   3·(n/P)·K·d² flops for full covariance) and one allreduce of
    ///   ``Clustering/SufficientStatistics/packed`` (3 + K + K·d + K·d² values for full).
    public func fit<Part: RowBlockSource, C: Communicator>(
        part: Part, of partition: RowPartition, communicator: C
    ) throws(DistributedFailure) -> GaussianMixtureModel {
        checkPart(part, of: partition, communicator: communicator)
        return try fitPart(BlockReader(part), partition: partition, communicator: communicator)
    }

    /// Fits the mixture to the rows of a `.npy` file that every process can
    /// read: each maps the file and reads only its own part, as `Scalar`
    /// (with `releasesPages`, each block's pages are given back after use:
    /// see ``Clustering/NpyRowSource``).
    ///
    /// - Throws: ``DistributedFailure`` on every process when any fails, for
    ///   the reasons of ``fit(part:of:communicator:)`` or because a process
    ///   cannot read the file (``LinearAlgebra/NpyError``), the array is not
    ///   2-D or there are more processes than rows (``DistributedClusteringError``).
    public func fit<Scalar: BLASScalar, C: Communicator>(
        npyFile path: String, as: Scalar.Type = Scalar.self, releasesPages: Bool = false, communicator: C
    ) throws(DistributedFailure) -> GaussianMixtureModel {
        let (part, partition) = try npyPart(path, as: Scalar.self, releasesPages: releasesPages, communicator: communicator)
        return try fitPart(part, partition: partition, communicator: communicator)
    }

    private func fitPart<Scalar: BLASScalar, C: Communicator>(
        _ part: BlockReader<Scalar>, partition: RowPartition, communicator: C
    ) throws(DistributedFailure) -> GaussianMixtureModel {
        let estimator = self.estimator
        try validateCollectively(partition: partition, communicator: communicator) { () throws(ClusteringError) in
            guard estimator.initialResponsibilities == nil else {
                throw .invalidSetting(name: "initial responsibilities",
                                      reason: "a distributed fit starts from a sample of the rows; give initial weights, means and precisions instead")
            }
            try estimator.validate(part, sampleWeights: nil, totalRows: partition.rowCount)
        }
        let givenStart = estimator.initialWeights != nil && estimator.initialMeans != nil && estimator.initialPrecisions != nil
        let sample = givenStart
            ? Matrix<Double>(rows: 0, columns: part.columnCount)
            : gatherSample(part, rows: Swift.max(initializationSampleSize, estimator.componentCount), partition: partition,
                           communicator: communicator)
        do {
            return try estimator.fit(part: part, sampleWeights: nil, reduction: communicator.partReduction) { rng throws(ClusteringError) in
                try estimator.initialParameters(sample, sampleWeights: nil, using: &rng)
            }
        } catch {
            throw DistributedFailure(error)
        }
    }
}
