import Foundation
import LinearAlgebra

/// k-means clustering by Lloyd's algorithm with scikit-learn's semantics:
/// greedy k-means++ seeding, relative tolerance, empty clusters moved to the
/// points farthest from their centers, and the best of several starts.
/// Each iteration's assignment skips the distances that Elkan's
/// triangle-inequality bounds rule out, while that saves work (see
/// ``Algorithm``); the iterations are Lloyd's either way.
///
/// ```swift
/// let model = try KMeans(clusterCount: 3, seed: 7).fit(data)
/// print(model.centers, model.inertia, try model.predict(data))
/// ```
///
/// It is the hard-assignment limit of EM for a spherical Gaussian mixture,
/// and provides the default initialisation of ``GaussianMixture``.
public struct KMeans: Sendable {
    /// How the first centers are chosen.
    public enum Initialization: Sendable, Equatable {
        /// Greedy k-means++.
        case kMeansPlusPlus
        /// K distinct rows drawn uniformly.
        case random
        /// These centers (K×d).
        case centers(Matrix<Double>)
    }

    /// How an iteration finds each row's nearest center. The labels, and so
    /// the centers and the iterations, are the same either way, up to
    /// rounding in the distances of rows almost equally near two centers.
    public enum Algorithm: Sendable, Hashable {
        /// Elkan's bounds when they fit in half of ``KMeans/memoryLimit``
        /// beside the rest of the fit, for as long as they rule out at least
        /// half of the distances; every distance otherwise. The default.
        case automatic
        /// Every distance in every iteration (Lloyd's assignment), through
        /// matrix products; no memory per row beyond the labels.
        case lloyd
        /// Elkan's bounds in every iteration after the first, which computes
        /// every distance: an upper bound per row and a lower bound per row
        /// and center, 8·(K + 1) bytes per row. When the clusters are
        /// separated, most distances are never computed once the centers
        /// settle; when they overlap, the bounds save little and cost memory
        /// traffic.
        case elkan
    }

    /// K, the number of clusters.
    public var clusterCount: Int
    /// How the first centers are chosen (default k-means++).
    public var initialization: Initialization
    /// Starts to run; the one with the lowest inertia is kept (default 1).
    public var initializationCount: Int
    /// Lloyd iterations per start at most (default 300).
    public var maxIterations: Int
    /// Convergence when the centers move by a total squared distance of at
    /// most `tolerance` times the mean variance of the features (default 1e-4).
    public var tolerance: Double
    /// The seed of every random choice.
    public var seed: UInt64
    /// The memory a fit may use beyond its data, in bytes (nil: the
    /// machine's physical memory). A fit whose ``memoryEstimate(rows:columns:)``
    /// exceeds it fails with ``ClusteringError/insufficientMemory(required:limit:)``
    /// before allocating.
    public var memoryLimit: Int? = nil
    /// How each iteration assigns rows to centers (default ``Algorithm/automatic``).
    public var algorithm: Algorithm = .automatic
    /// Called after every Lloyd iteration (nil: nothing is reported).
    public var progress: (@Sendable (Progress) -> Void)? = nil
    /// A cancellation check, called after every iteration (nil: none): true
    /// stops the fit there, with labels for the centers reached, and starts
    /// no further starts. A distributed fit ignores it.
    public var isCancelled: (@Sendable () -> Bool)? = nil

    /// What a progress handler is told after every Lloyd iteration.
    public struct Progress: Sendable {
        /// Which start (0-based) of ``KMeans/initializationCount``.
        public var initialization: Int
        /// The iteration just finished (1-based).
        public var iteration: Int
        /// The total squared distance the centers moved in it.
        public var centerShift: Double
        /// Seconds since this start began.
        public var elapsed: Double
    }

    public init(clusterCount: Int, initialization: Initialization = .kMeansPlusPlus, initializationCount: Int = 1,
                maxIterations: Int = 300, tolerance: Double = 1e-4, seed: UInt64 = 0) {
        self.clusterCount = clusterCount
        self.initialization = initialization
        self.initializationCount = initializationCount
        self.maxIterations = maxIterations
        self.tolerance = tolerance
        self.seed = seed
    }

    /// Clusters the rows of `source`.
    ///
    /// - Parameter sampleWeights: a non-negative weight per row; a row of
    ///   weight 2 counts as the row twice.
    /// - Throws: ``ClusteringError`` for empty or non-finite data, fewer rows
    ///   than clusters, bad weights or settings, initial centers of the
    ///   wrong shape, or a fit that would need more than ``memoryLimit``.
    /// - Complexity: per iteration at most 2·n·K·d flops; with Elkan's bounds
    ///   only the distances they cannot rule out, after the first.
    public func fit<Source: RowBlockSource>(_ source: Source, sampleWeights: [Double]? = nil) throws(ClusteringError) -> KMeansModel {
        try fitBlocks(BlockReader(source), sampleWeights: sampleWeights)
    }

    /// Fits and returns the label of every row (scikit-learn's
    /// `fit_predict`): the fitted model's ``KMeansModel/labels``.
    public func fitPredict<Source: RowBlockSource>(
        _ source: Source, sampleWeights: [Double]? = nil
    ) throws(ClusteringError) -> (model: KMeansModel, labels: [Int]) {
        let model = try fit(source, sampleWeights: sampleWeights)
        return (model, model.labels)
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func fitBlocks<Scalar: BLASScalar>(_ source: BlockReader<Scalar>, sampleWeights: [Double]?) throws(ClusteringError) -> KMeansModel {
        try validate(source, sampleWeights: sampleWeights)
        return fitValidated(source, sampleWeights: sampleWeights)
    }

    /// Checks the settings, the data and the initial centers. `totalRows`
    /// is the number of rows of the whole data set when `source` is one part
    /// of it (a distributed fit), for the check of K against the rows.
    package func validate<Source: RowBlockSource>(_ source: Source, sampleWeights: [Double]?, totalRows: Int? = nil) throws(ClusteringError) {
        guard clusterCount >= 1 else { throw .invalidSetting(name: "cluster count", reason: "must be at least 1, got \(clusterCount)") }
        guard initializationCount >= 1 else { throw .invalidSetting(name: "initialization count", reason: "must be at least 1, got \(initializationCount)") }
        guard maxIterations >= 1 else { throw .invalidSetting(name: "maximum iterations", reason: "must be at least 1, got \(maxIterations)") }
        guard tolerance >= 0 && tolerance.isFinite else { throw .invalidSetting(name: "tolerance", reason: "must be finite and non-negative, got \(tolerance)") }
        try validateShapeAndWeights(source, sampleWeights: sampleWeights, minimumRows: clusterCount, totalRows: totalRows)
        try checkMemory(required: memoryEstimate(rows: source.rowCount, columns: source.columnCount), limit: memoryLimit)
        try source.checkFinite(blockRows: BlockSizes.rows)
        if case .centers(let centers) = initialization {
            guard centers.rows == clusterCount && centers.columns == source.columnCount else {
                throw .parameterShape(name: "initial centers", expected: [clusterCount, source.columnCount], actual: [centers.rows, centers.columns])
            }
            guard centers.elements.allSatisfy(\.isFinite) else { throw .invalidParameter(name: "initial centers", reason: "they hold NaN or infinity") }
        }
    }

    /// The starting centers of one start, drawn from the rows of `source`
    /// as ``initialization`` says.
    package func initialCenters<Source: RowBlockSource>(
        _ source: Source, sampleWeights: [Double]?, using rng: inout Xoshiro256StarStar
    ) -> Matrix<Double> {
        switch initialization {
        case .centers(let centers): return centers
        case .kMeansPlusPlus:
            return rowsAsDouble(source, kMeansPlusPlusIndices(source, clusterCount: clusterCount, rowWeights: sampleWeights, using: &rng))
        case .random:
            return rowsAsDouble(source, Array(rng.permutation(source.rowCount).prefix(clusterCount)).sorted())
        }
    }

    /// The fit of one part of the data through the one driver of every
    /// estimator (``bestStart(of:part:sampleWeights:reduction:drawStart:)``),
    /// with the starting centers drawn on part 0 by `drawStart`: the whole
    /// fit in one process (``PartReduction/single``), or this process's share
    /// of a distributed one, whose cluster sums, farthest rows and inertia
    /// `reduction` sums over the parts. The labels returned are those of
    /// this part's rows.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    package func fit<Scalar: BLASScalar>(
        part: BlockReader<Scalar>, sampleWeights: [Double]?, reduction: PartReduction,
        drawStart: (inout Xoshiro256StarStar) -> Matrix<Double>
    ) -> KMeansModel {
        do {
            return try bestStart(of: self, part: part, sampleWeights: sampleWeights, reduction: reduction) { rng, _ in
                drawStart(&rng)
            }
        } catch {
            preconditionFailure("k-means failed: \(error)")   // neither drawing centers nor Lloyd's iterations throw
        }
    }

    /// The sums Σ(x − r) and Σ(x − r)² per feature of the rows of `source`,
    /// around `reference` (2·d values), and the row count: the pieces of the
    /// mean feature variance that parts of a distributed fit add up.
    private static func featureMoments<Source: RowBlockSource>(_ source: Source, around reference: [Double]) -> [Double] {
        let d = source.columnCount
        var moments = [Double](repeating: 0, count: 2 * d + 1)
        source.forEachBlock(rows: BlockSizes.rows) { _, block in
            for i in 0..<block.rows {
                for j in 0..<d {
                    let v = Double(block[i, j]) - reference[j]
                    moments[j] += v
                    moments[d + j] += v * v
                }
            }
        }
        moments[2 * d] = Double(source.rowCount)
        return moments
    }

    /// The mean over features of the population variance, from the sums of
    /// ``featureMoments(_:around:)``.
    private static func meanFeatureVariance(moments: [Double]) -> Double {
        let d = moments.count / 2, n = moments[2 * d]
        return (0..<d).reduce(0) { $0 + (moments[d + $1] / n - (moments[$1] / n) * (moments[$1] / n)) } / Double(d)
    }

    /// `fit` on data already checked (also the entry point of GMM initialisation).
    func fitValidated<Scalar: BLASScalar>(_ source: BlockReader<Scalar>, sampleWeights: [Double]?) -> KMeansModel {
        fit(part: source, sampleWeights: sampleWeights, reduction: .single) { rng in
            initialCenters(source, sampleWeights: sampleWeights, using: &rng)
        }
    }

    private func lloyd<Source: RowBlockSource>(
        _ source: Source, sampleWeights: [Double]?, centers start: Matrix<Double>, tolerance: Double, reduction: PartReduction,
        index: Int
    ) -> KMeansModel {
        let clock = ContinuousClock.now
        var centers = start
        var previousLabels: [Int]? = nil
        var pass = LloydPass(source: source, sampleWeights: sampleWeights, clusterCount: clusterCount,
                             bounds: usesBounds(rows: source.rowCount, columns: source.columnCount))
        var iterations = 0
        var strictlyConverged = false
        for iteration in 1...maxIterations {
            iterations = iteration
            pass.assign(to: centers)
            let labelsChanged = pass.combine(with: reduction, labelsChanged: pass.labels != previousLabels)
            let updated = pass.updatedCenters(previous: centers, reduction: reduction)
            var shift = 0.0
            for c in 0..<clusterCount {
                for j in 0..<centers.columns { shift += (updated[c, j] - centers[c, j]) * (updated[c, j] - centers[c, j]) }
            }
            centers = updated
            progress?(Progress(initialization: index, iteration: iteration, centerShift: shift,
                               elapsed: (ContinuousClock.now - clock).inSeconds))
            if !labelsChanged {
                strictlyConverged = true
                break
            }
            if shift <= tolerance { break }
            if reduction.count == 1 && isCancelled?() == true { break }
            previousLabels = pass.labels
        }
        // Labels must belong to the final centers.
        if !strictlyConverged { pass.assign(to: centers) }
        var inertia = [pass.inertia(centers: centers)]
        reduction.sum(&inertia)
        return KMeansModel(centers: centers, labels: pass.labels, inertia: inertia[0], iterationCount: iterations)
    }

    /// Whether a fit to `rows × columns` data starts with Elkan's bounds,
    /// and whether it may drop them when they stop paying.
    private func usesBounds(rows n: Int, columns d: Int) -> BoundsPolicy {
        switch algorithm {
        case .lloyd: return .never
        case .elkan: return .always
        case .automatic:
            guard clusterCount >= 2 else { return .never }
            let limit = memoryLimit ?? Int(clamping: ProcessInfo.processInfo.physicalMemory)
            let required = saturatingSum(memoryEstimate(rows: n, columns: d), elkanBoundsBytes(rows: n))
            return required <= limit / 2 ? .whileTheyPay : .never
        }
    }
}

/// Rows of `source` at `indices`, as a Double matrix.
func rowsAsDouble<Source: RowBlockSource>(_ source: Source, _ indices: [Int]) -> Matrix<Double> {
    Matrix(rows: indices.count, columns: source.columnCount) { c, j in Double(source.rows(indices[c]..<(indices[c] + 1))[0, j]) }
}

extension KMeans: IterativeEstimator {
    package func packedStartCount(dimension d: Int) -> Int { clusterCount * d }
    package func pack(_ start: Matrix<Double>) -> [Double] { start.elements }
    package func unpackStart(_ buffer: ArraySlice<Double>, dimension d: Int) -> Matrix<Double> {
        Matrix(rows: clusterCount, columns: d, elements: Array(buffer))
    }

    /// The convergence tolerance in squared distance: ``tolerance`` times the
    /// mean feature variance of the rows of all parts, taken around the
    /// first row of part 0 (the first row of the data, on any number of parts).
    package func setup<Scalar: BLASScalar>(_ part: BlockReader<Scalar>, sampleWeights: [Double]?, reduction: PartReduction) -> Double {
        guard tolerance != 0 else { return 0 }
        let d = part.columnCount
        var reference = [Double](repeating: 0, count: d)
        if reduction.index == 0 {
            let first = part.rows(0..<1)
            reference = (0..<d).map { Double(first[0, $0]) }
        }
        reduction.broadcast(&reference)
        var moments = Self.featureMoments(part, around: reference)
        reduction.sum(&moments)
        return Self.meanFeatureVariance(moments: moments) * tolerance
    }

    package func iterate<Scalar: BLASScalar>(
        _ part: BlockReader<Scalar>, sampleWeights: [Double]?, from start: Matrix<Double>, index: Int, setup tolerance: Double,
        reduction: PartReduction
    ) -> KMeansModel {
        lloyd(part, sampleWeights: sampleWeights, centers: start, tolerance: tolerance, reduction: reduction, index: index)
    }
}
