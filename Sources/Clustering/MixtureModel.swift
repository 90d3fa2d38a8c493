import LinearAlgebra

/// A fitted Gaussian mixture that scores, labels and samples rows: what
/// ``GaussianMixtureModel`` (EM) and ``BayesianGaussianMixtureModel``
/// (variational inference) have in common, so that code that only uses a
/// fit works with either.
public protocol MixtureModel: Sendable {
    /// K.
    var componentCount: Int { get }
    /// d.
    var dimension: Int { get }
    var covarianceType: CovarianceType { get }
    /// The weight of each component (for a variational fit, its posterior mean).
    var weights: [Double] { get }
    /// K×d.
    var means: Matrix<Double> { get }
    /// In the covariance type's shape.
    var covariances: CovarianceParameters { get }
    /// Whether the fit converged.
    var converged: Bool { get }
    /// Iterations of the fit kept.
    var iterationCount: Int { get }
    /// The fit's final lower bound; −∞ when no iteration ran.
    var lowerBound: Double { get }

    /// Each row's score (scikit-learn's `score_samples`).
    func logLikelihoods<Source: RowBlockSource>(_ source: Source) throws(ClusteringError) -> [Double]
    /// The mean of ``logLikelihoods(_:)``, weighted by `sampleWeights` if given.
    func score<Source: RowBlockSource>(_ source: Source, sampleWeights: [Double]?) throws(ClusteringError) -> Double
    /// Each row's responsibilities (n×K).
    func predictProbabilities<Source: RowBlockSource>(_ source: Source) throws(ClusteringError) -> Matrix<Double>
    /// The most probable component of each row.
    func predict<Source: RowBlockSource>(_ source: Source) throws(ClusteringError) -> [Int]
    /// Each row's most probable component and its uncertainty, one minus
    /// its largest responsibility (mclust's `classification` and
    /// `uncertainty`): 0 for a row certainly in one component, up to 1 − 1/K.
    func classify<Source: RowBlockSource>(_ source: Source) throws(ClusteringError) -> (labels: [Int], uncertainties: [Double])
    /// `count` draws and the component of each, grouped by component.
    func sample(count: Int, seed: UInt64) -> (samples: Matrix<Double>, components: [Int])
    /// The draws of ``sample(count:seed:)`` in blocks of at most `blockRows` rows.
    func sample<E: Error>(count: Int, seed: UInt64, blockRows: Int,
                          _ body: (_ rows: Matrix<Double>, _ component: Int) throws(E) -> Void) throws(E)
}

extension GaussianMixtureModel: MixtureModel {}
extension BayesianGaussianMixtureModel: MixtureModel {}

extension MixtureModel {
    /// `count` draws and their components from a seed drawn from
    /// `generator` (one 64-bit value): the draws of
    /// ``sample(count:seed:)`` with that seed, so any generator, a system
    /// one included, drives the sample.
    public func sample<Generator: RandomNumberGenerator>(
        count: Int, using generator: inout Generator
    ) -> (samples: Matrix<Double>, components: [Int]) {
        sample(count: count, seed: generator.next())
    }
}

