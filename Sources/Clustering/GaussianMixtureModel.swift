import LinearAlgebra
import RealModule

/// A fitted Gaussian mixture: its parameters in scikit-learn's shapes and
/// conventions, how the fit went, and what can be computed from it.
///
/// ```swift
/// let model = try GaussianMixture(componentCount: 2).fit(data)
/// let labels = try model.predict(data)
/// let bic = try model.bic(data)
/// ```
public struct GaussianMixtureModel: Sendable, Equatable {
    /// The mixing weights πₖ (K values summing to one).
    public let weights: [Double]
    /// The component means (K×d).
    public let means: Matrix<Double>
    /// The covariances: full [K](d×d), tied d×d, diag K×d, spherical [K].
    public let covariances: CovarianceParameters
    /// scikit-learn's `precisions_cholesky_`: for full and tied the
    /// upper-triangular U with precision = U·Uᵀ; for diag and spherical
    /// 1/√variance. Same shapes as ``covariances``.
    public let precisionsCholesky: CovarianceParameters
    /// Whether the last EM run of the best start ended by meeting the tolerance.
    public let converged: Bool
    /// EM iterations of the best start.
    public let iterationCount: Int
    /// scikit-learn's `lower_bound_`: the mean log-likelihood of the last
    /// E-step of the best start (−∞ when no iteration ran).
    public let lowerBound: Double
    /// The lower bound after every iteration of the best start.
    public let lowerBoundHistory: [Double]

    /// The covariance type.
    public var covarianceType: CovarianceType { precisionsCholesky.covarianceType }
    /// K.
    public var componentCount: Int { weights.count }
    /// d.
    public var dimension: Int { means.columns }
    /// The precision matrices (inverse covariances), same shapes as ``covariances``.
    public var precisions: CovarianceParameters { precisionsCholesky.precisionsFromCholesky() }

    var parameters: MixtureParameters {
        MixtureParameters(weights: weights, means: means, precisionsCholesky: precisionsCholesky)
    }

    init(parameters: MixtureParameters, covariances: CovarianceParameters, converged: Bool,
         iterationCount: Int, lowerBound: Double, lowerBoundHistory: [Double]) {
        weights = parameters.weights
        means = parameters.means
        precisionsCholesky = parameters.precisionsCholesky
        self.covariances = covariances
        self.converged = converged
        self.iterationCount = iterationCount
        self.lowerBound = lowerBound
        self.lowerBoundHistory = lowerBoundHistory
    }

    /// A model from explicit parameters, as a user or a file gives them.
    ///
    /// - Throws: ``ClusteringError`` when shapes disagree, weights are not a
    ///   distribution, or covariances are not positive definite.
    public init(weights: [Double], means: Matrix<Double>, covariances: CovarianceParameters) throws(ClusteringError) {
        let k = weights.count, d = means.columns
        try checkWeights(weights, componentCount: k)
        try checkMeans(means, componentCount: k, dimension: d)
        let expected = CovarianceParameters.expectedShape(covariances.covarianceType, components: k, dimension: d)
        guard covariances.shape == expected else {
            throw .parameterShape(name: "covariances", expected: expected, actual: covariances.shape)
        }
        let factors: CovarianceParameters
        do { factors = try covariances.precisionsCholeskyFromCovariances() } catch {
            throw .invalidParameter(name: "covariances", reason: "component \(error.value) is not symmetric positive definite")
        }
        self.init(parameters: MixtureParameters(weights: weights, means: means, precisionsCholesky: factors),
                  covariances: covariances, converged: false, iterationCount: 0, lowerBound: -.infinity, lowerBoundHistory: [])
    }

    // MARK: Scores and predictions

    /// log p(xᵢ) for every row (scikit-learn's `score_samples`).
    ///
    /// - Throws: ``ClusteringError/dimensionMismatch(expected:actual:)``,
    ///   ``ClusteringError/nonFiniteValue(row:column:)`` or
    ///   ``ClusteringError/logDensityOverflow(row:)``.
    /// - Complexity: the cost of one E-step.
    public func logLikelihoods<Source: RowBlockSource>(_ source: Source) throws(ClusteringError) -> [Double] {
        try parameters.logLikelihoodsBlocks(BlockReader(source))
    }

    /// The mean log-likelihood of the rows, weighted by `sampleWeights` if given (scikit-learn's `score`).
    public func score<Source: RowBlockSource>(_ source: Source, sampleWeights: [Double]? = nil) throws(ClusteringError) -> Double {
        try parameters.meanLogLikelihood(BlockReader(source), sampleWeights: sampleWeights)
    }

    /// The posterior probability of each component for each row (n×K).
    public func predictProbabilities<Source: RowBlockSource>(_ source: Source) throws(ClusteringError) -> Matrix<Double> {
        try parameters.predictProbabilitiesBlocks(BlockReader(source))
    }

    /// The most probable component of each row.
    public func predict<Source: RowBlockSource>(_ source: Source) throws(ClusteringError) -> [Int] {
        try parameters.predictBlocks(BlockReader(source))
    }

    /// Each row's most probable component and its uncertainty, one minus its
    /// largest responsibility (mclust's `classification` and `uncertainty`).
    public func classify<Source: RowBlockSource>(_ source: Source) throws(ClusteringError) -> (labels: [Int], uncertainties: [Double]) {
        try parameters.classifyBlocks(BlockReader(source))
    }

    // MARK: Model selection

    /// Free parameters: K−1 weights, K·d means, and the covariances'.
    public var parameterCount: Int {
        componentCount - 1 + componentCount * dimension
            + covarianceType.covarianceParameterCount(components: componentCount, dimension: dimension)
    }

    /// The Bayesian information criterion −2·n·score + p·ln n on `source` (lower is better).
    public func bic<Source: RowBlockSource>(_ source: Source) throws(ClusteringError) -> Double {
        let n = Double(source.rowCount)
        return -2 * (try score(source)) * n + Double(parameterCount) * Double.log(n)
    }

    /// The Akaike information criterion −2·n·score + 2p on `source` (lower is better).
    public func aic<Source: RowBlockSource>(_ source: Source) throws(ClusteringError) -> Double {
        -2 * (try score(source)) * Double(source.rowCount) + 2 * Double(parameterCount)
    }

    // MARK: Sampling

    /// `count` draws from the mixture and the component of each, grouped by
    /// component in order (as scikit-learn returns them). The same seed
    /// gives the same sample on every machine.
    ///
    /// - Complexity: O(K·d³ + count·d²) for full covariance.
    public func sample(count: Int, seed: UInt64) -> (samples: Matrix<Double>, components: [Int]) {
        var samples = Matrix<Double>(rows: count, columns: dimension)
        var components: [Int] = []
        var row = 0
        sample(count: count, seed: seed) { block, component in
            samples[rows: row..<(row + block.rows)] = block
            components += [Int](repeating: component, count: block.rows)
            row += block.rows
        }
        return (samples, components)
    }

    /// The draws of ``sample(count:seed:)``, the same values in the same
    /// order, handed to `body` in blocks of at most `blockRows` rows with
    /// their component, so that any number of rows takes memory for one
    /// block only.
    ///
    /// - Complexity: O(K·d³ + count·d²) time for full covariance; O(blockRows·d + K·d²) memory.
    public func sample<E: Error>(count: Int, seed: UInt64, blockRows: Int = 4096,
                                 _ body: (_ rows: Matrix<Double>, _ component: Int) throws(E) -> Void) throws(E) {
        precondition(count >= 0, "the number of samples must be non-negative, got \(count)")
        precondition(blockRows > 0, "blocks must hold at least one row")
        var rng = Xoshiro256StarStar(seed: seed)
        // How many rows each component gets: a multinomial draw, in time
        // independent of `count` (as numpy's multinomial, which scikit-learn uses).
        let perComponent = rng.nextMultinomial(trials: count, weights: weights)
        let d = dimension
        for k in 0..<componentCount where perComponent[k] > 0 {
            // x = μ + L·z with Σ = L·Lᵀ. The generator draws the same
            // sequence however the rows are split into blocks.
            let lower = samplingFactor(component: k)
            var remaining = perComponent[k]
            while remaining > 0 {
                let rows = Swift.min(remaining, blockRows)
                var z = Matrix<Double>.normal(rows: rows, columns: d, using: &rng)
                BLAS.trmm(lower, &z, side: .right, triangle: .lower, transpose: .transpose)
                for i in 0..<rows {
                    for j in 0..<d { z[i, j] += means[k, j] }
                }
                try body(z, k)
                remaining -= rows
            }
        }
    }
}

extension GaussianMixtureModel {
    /// L with Σₖ = L·Lᵀ: the Cholesky factor of the covariance, or, where
    /// rounding leaves the stored covariance short of positive definite (a
    /// nearly singular component), U⁻ᵀ from the precision factor U
    /// (Σₖ⁻¹ = U·Uᵀ), which gives the same distribution exactly.
    func samplingFactor(component k: Int) -> Matrix<Double> {
        let d = dimension
        if let cholesky = try? Cholesky(covariances.matrix(component: k, dimension: d)) { return cholesky.factor }
        var inverse = Matrix<Double>.identity(d)
        BLAS.trsm(precisionsCholesky.matrix(component: k, dimension: d), &inverse, side: .left, triangle: .upper)
        return inverse.transposed()
    }
}

// MARK: - Parameter checks shared with the estimator

func checkWeights(_ weights: [Double], componentCount k: Int) throws(ClusteringError) {
    guard weights.count == k else { throw .parameterShape(name: "weights", expected: [k], actual: [weights.count]) }
    guard weights.allSatisfy({ $0 >= 0 && $0 <= 1 }) else {
        throw .invalidParameter(name: "weights", reason: "every weight must lie in [0, 1]")
    }
    let sum = weights.reduce(0, +)
    guard abs(sum - 1) <= 1e-8 else { throw .invalidParameter(name: "weights", reason: "they sum to \(sum), not 1") }
}

/// Checks starting responsibilities: n×K, each entry finite and
/// non-negative, each row summing to 1 within 1e-6.
func checkResponsibilities(_ responsibilities: Matrix<Double>, rows n: Int, componentCount k: Int) throws(ClusteringError) {
    let name = "initial responsibilities"
    guard responsibilities.rows == n && responsibilities.columns == k else {
        throw .parameterShape(name: name, expected: [n, k], actual: [responsibilities.rows, responsibilities.columns])
    }
    for row in 0..<n {
        var sum = 0.0
        for column in 0..<k {
            let value = responsibilities[row, column]
            guard value >= 0 && value.isFinite else {
                throw .invalidParameter(name: name, reason: "row \(row + 1), column \(column + 1) is \(value); each must be finite and non-negative")
            }
            sum += value
        }
        guard abs(sum - 1) <= 1e-6 else { throw .invalidParameter(name: name, reason: "row \(row + 1) sums to \(sum), not 1") }
    }
}

func checkMeans(_ means: Matrix<Double>, componentCount k: Int, dimension d: Int) throws(ClusteringError) {
    guard means.rows == k && means.columns == d else {
        throw .parameterShape(name: "means", expected: [k, d], actual: [means.rows, means.columns])
    }
    guard means.elements.allSatisfy(\.isFinite) else { throw .invalidParameter(name: "means", reason: "they hold NaN or infinity") }
}
