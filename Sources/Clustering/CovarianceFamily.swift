import LinearAlgebra

/// Everything that differs between the ways a mixture's covariances can be
/// constrained, in one type per way: the layout of its parameters, its
/// E-step (the features φ(x) of a row and the log-densities they give),
/// the shape of its statistics and how a block adds to them, its M-step,
/// its parameter count, and its memory.
///
/// The conformances are ``FullCovariance``, ``TiedCovariance``,
/// ``DiagonalCovariance`` and ``SphericalCovariance``, each in a file of its
/// own; ``CovarianceType`` names them for users and ``CovarianceType/family``
/// is the one place that maps a type to its family. Nothing outside those
/// files asks which type it has: EM (``GaussianMixture``), the E-step
/// (``EStep``), the statistics (``SufficientStatistics``), the JSON and the
/// memory estimate ask the family.
///
/// The E-step is the same for every family: with Uₖ the upper Cholesky
/// factor of component k's precision (Pₖ = Uₖ·Uₖᵀ), bₖ = μₖᵀUₖ and x in
/// coordinates shifted by the parameters' center,
///
///     log πₖ + log N(x | μₖ, Σₖ) = cₖ − ½·sₖ(x),   sₖ(x) = ‖xᵀUₖ − bₖ‖²,
///     cₖ = log πₖ + Σⱼ log (Uₖ)ⱼⱼ − ½·d·log 2π,
///
/// and a family says how to get sₖ for a block of rows by matrix products:
/// it writes each row as features φ(x) (always ending in a 1) and supplies
/// a ``LogDensityKernel``. The features also carry what the statistics need
/// (Rᵀ·φ gives the counts, first moments and, for diag and spherical, the
/// second moments), so a block is expanded once.
protocol CovarianceFamily {
    /// The user-facing name of this family.
    static var covarianceType: CovarianceType { get }

    // MARK: Parameters

    /// How the covariances (and precisions, and their factors) are laid out.
    static var storage: CovarianceStorage { get }
    /// The blocks of that layout for K components in d dimensions.
    static func blockShapes(components k: Int, dimension d: Int) -> [(rows: Int, columns: Int)]
    /// The array shape scikit-learn gives the covariances (`[K, d, d]`,
    /// `[d, d]`, `[K, d]`, `[K]`), which the model's JSON nests as.
    static func arrayShape(components k: Int, dimension d: Int) -> [Int]
    /// Free parameters of the covariances (scikit-learn's count, for BIC).
    static func covarianceParameterCount(components k: Int, dimension d: Int) -> Int
    /// Whether one covariance serves every component, so that a failure
    /// names no component.
    static var isShared: Bool { get }

    // MARK: E-step

    /// Columns of φ(x).
    static func featureCount(dimension d: Int) -> Int
    /// Where x − center itself sits among the features.
    static func coordinateColumns(dimension d: Int) -> Range<Int>
    /// Writes φ(x − center) of every row of `block` into `features`
    /// (rows × ``featureCount(dimension:)``).
    static func writeFeatures<Scalar: BLASScalar>(of block: Matrix<Scalar>, center: [Scalar], into features: inout Matrix<Scalar>)
    /// The log-density kernel of `parameters`, whose means are given
    /// relative to the center as `centeredMeans` (K×d).
    static func logDensityKernel<Scalar: BLASScalar>(
        _ parameters: MixtureParameters, centeredMeans: Matrix<Double>, as: Scalar.Type
    ) -> any LogDensityKernel<Scalar>
    /// Bytes of E-step scratch per row of a block, for rows of `scalarSize` bytes per value.
    static func scratchBytesPerRow(components k: Int, dimension d: Int, scalarSize: Int) -> Int

    // MARK: Statistics and M-step

    /// Whether each component's second moment is taken around its own
    /// previous mean (full covariance, where Σ is a difference of two
    /// large matrices) rather than around the center alone.
    static var shiftsEachComponent: Bool { get }
    /// The shape of the second moments (see ``SufficientStatistics``).
    static func secondMomentShape(components k: Int, dimension d: Int) -> (rows: Int, columns: Int)
    /// Whether, with Float data, Rᵀ·φ is taken in Double from features
    /// recomputed in Double: for second moments read off the features,
    /// whose variances would otherwise cancel in Float.
    static var widensFloatMoments: Bool { get }
    /// φ in Double, for ``widensFloatMoments``: recomputed from the x that
    /// `features` (m × F) hold, so that squares of Float values are exact.
    static func widenFeatures<Scalar: BLASScalar>(_ features: Matrix<Scalar>, into wide: inout Matrix<Double>)
    /// The features, if they are the diagonal or the spherical layout's,
    /// with second moments read off Rᵀ·φ alone, so that an E-step on Double
    /// rows can take log-densities and statistics from the rows without
    /// writing φ (see ``LogDensityKernel/readsRows``); nil otherwise.
    static var rowFeatures: RowFeatures? { get }
    /// Adds a block's second moments: `moments` is Rᵀ·φ (K × features, in
    /// Double), `responsibilities` the block's rᵢₖ times the sample weights,
    /// `rowWeights` the weights themselves (nil: all 1).
    static func accumulateSecondMoments<Scalar: BLASScalar>(
        into statistics: inout SufficientStatistics, moments: Matrix<Double>, features: Matrix<Scalar>,
        responsibilities: Matrix<Scalar>, rowWeights: UnsafeBufferPointer<Double>?,
        workspace: inout SufficientStatistics.Workspace<Scalar>
    )
    /// The M-step's covariances, `regularization` added to every variance:
    /// `shiftedMeans` are the new means relative to the center (K×d) and
    /// `counts` the Nₖ with scikit-learn's 10·ε added. `previous`, the
    /// precision factors of the parameters the statistics were taken under
    /// (nil at a start), is where an iterative M-step may start from.
    static func covariances(
        from statistics: SufficientStatistics, shiftedMeans: Matrix<Double>, counts: [Double], regularization: Double,
        previous: CovarianceParameters?
    ) -> CovarianceParameters

    /// The M-step's `covariances` (about the responsibility means x̄ₖ) taken
    /// about other means μₖ instead, for EM with fixed means: widened by the
    /// spread of the offsets δₖ = x̄ₖ − μₖ (K×d), each component's outer
    /// product weighted by its count Nₖ over the denominator its covariance
    /// has (`regularizedCounts`, Nₖ + 10·ε; their sum for a shared one).
    static func widening(
        _ covariances: CovarianceParameters, byOffsets delta: Matrix<Double>, counts: [Double], regularizedCounts: [Double]
    ) -> CovarianceParameters

    // MARK: Variational mixture

    /// scikit-learn's default `covariance_prior` Ψ₀ in this family's shape
    /// for one component (``blockShapes(components:dimension:)`` with K = 1:
    /// d×d, 1×d or 1×1), from the data's covariance (d×d, divided by n − 1).
    static func defaultCovariancePrior(dataCovariance: Matrix<Double>) -> Matrix<Double>
    /// The covariances of the variational posterior (the Wishart scale over
    /// its degrees of freedom, as scikit-learn normalises it): from the
    /// prior Ψ₀ (shape as for ``defaultCovariancePrior(dataCovariance:)``),
    /// the M-step's `estimates` Sₖ (with regularisation), the counts Nₖ, the
    /// offsets δₖ = x̄ₖ − m₀ of the responsibility means from the prior mean
    /// (K×d), the prior mean precision β₀, the posterior βₖ and νₖ (one ν
    /// for a shared covariance).
    static func posteriorCovariances(
        prior: Matrix<Double>, estimates: CovarianceParameters, counts n: [Double], meanOffsets: Matrix<Double>,
        meanPrecisionPrior: Double, meanPrecisions: [Double], degreesOfFreedom: [Double]
    ) -> CovarianceParameters

    // MARK: Memory

    /// Doubles in one set of covariances, their factors or the E-step's
    /// coefficients, whichever is largest.
    static func parameterDoubles(components k: Int, dimension d: Int) -> Int
}

extension CovarianceFamily {
    static var isShared: Bool { false }
    static var shiftsEachComponent: Bool { false }
    static var widensFloatMoments: Bool { false }
    static var rowFeatures: RowFeatures? { nil }

    static func widenFeatures<Scalar: BLASScalar>(_ features: Matrix<Scalar>, into wide: inout Matrix<Double>) {
        features.withUnsafeBufferPointer { phi in
            wide.withUnsafeMutableBufferPointer { out in
                for i in phi.indices { out[i] = Double(phi[i]) }
            }
        }
    }
}

/// Features an E-step on Double rows can form from the rows as it goes,
/// a tile of rows at a time, so that it need not write them (see
/// ``CovarianceFamily/rowFeatures``).
enum RowFeatures {
    /// The diagonal layout's [z∘z, z, 1], z = x − center.
    case diagonal
    /// The spherical layout's [z, ‖z‖², 1].
    case spherical
}
