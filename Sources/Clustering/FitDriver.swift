import LinearAlgebra

// The one driver of every fit: GaussianMixture, BayesianGaussianMixture and
// KMeans, in one process and over the parts of a distributed data set, run
// their starts through
// `bestStart(of:…)`, keep the best by `StartComparable`, and combine parts
// through `PartReduction`, which does nothing when there is one part.

/// A fit that can be weighed against fits of the same data from other
/// starts: scikit-learn's rule for which start an estimator keeps.
package protocol StartComparable {
    /// Whether this fit replaces `best`, the one kept from earlier starts.
    func replaces(_ best: Self) -> Bool
}

extension GaussianMixtureModel: StartComparable {
    /// The first start whose lower bound beats the best so far; while the
    /// best is −∞ (no finite bound yet) every later start replaces it, so
    /// the last start is kept when none has a finite bound.
    package func replaces(_ best: GaussianMixtureModel) -> Bool {
        lowerBound > best.lowerBound || best.lowerBound == -.infinity
    }
}

extension KMeansModel: StartComparable {
    /// The first start with the lowest inertia.
    package func replaces(_ best: KMeansModel) -> Bool {
        inertia < best.inertia
    }
}

/// Fits `count` starts in order (0-based) and keeps the best by
/// ``StartComparable/replaces(_:)``.
package func bestOfStarts<Model: StartComparable, E: Error>(
    _ count: Int, stop: (() -> Bool)? = nil, _ fit: (_ start: Int) throws(E) -> Model
) throws(E) -> Model {
    precondition(count >= 1, "at least one start")
    var best = try fit(0)
    for start in 1..<Swift.max(count, 1) {
        // A cancelled fit starts no more starts and keeps the best so far.
        if stop?() == true { break }
        let model = try fit(start)
        if model.replaces(best) { best = model }
    }
    return best
}

/// An estimator that iterates from a start to a fitted model: what
/// ``bestStart(of:part:sampleWeights:reduction:drawStart:)`` needs from it.
/// A new estimator (a new model family) conforms once and is fitted in one
/// process and over MPI alike.
package protocol IterativeEstimator {
    /// The fitted model of one start.
    associatedtype Model: StartComparable
    /// Where the iterations of one start begin (parameters or centers).
    associatedtype Start
    /// What is computed once per fit from all parts, before any start
    /// (a clock, a tolerance scaled by the data).
    associatedtype Setup

    /// Starts to run.
    var initializationCount: Int { get }
    /// Checked after every iteration and before every start; true stops the
    /// fit (in one process only: a distributed fit ignores it, since every
    /// part must take the same steps).
    var isCancelled: (@Sendable () -> Bool)? { get }
    /// The seed of the random choices of every start.
    var seed: UInt64 { get }

    /// The length of ``pack(_:)``'s buffer for data of `dimension` columns.
    func packedStartCount(dimension: Int) -> Int
    /// `start` in one flat buffer, for sending to other parts.
    func pack(_ start: Start) -> [Double]
    /// The start laid out in `buffer` by ``pack(_:)``.
    func unpackStart(_ buffer: ArraySlice<Double>, dimension: Int) -> Start

    /// The per-fit setup, computed collectively: every part calls it, and
    /// it fails on every part alike or on none.
    func setup<Scalar: BLASScalar>(_ part: BlockReader<Scalar>, sampleWeights: [Double]?, reduction: PartReduction) throws(ClusteringError) -> Setup
    /// The iterations of one start (0-based `index`) over this part,
    /// combining the parts' sums through `reduction` at every iteration.
    func iterate<Scalar: BLASScalar>(
        _ part: BlockReader<Scalar>, sampleWeights: [Double]?, from start: Start, index: Int, setup: Setup,
        reduction: PartReduction
    ) throws(ClusteringError) -> Model
}

extension IterativeEstimator {
    /// No cancellation check, for estimators that take none.
    package var isCancelled: (@Sendable () -> Bool)? { nil }
}

/// A fit that failed on some parts: the parts that failed (ascending), and
/// this part's own error, or nil when it was fine and others failed. In one
/// process, the error is always this part's own.
package struct PartFailure: Error {
    package let failedParts: [Int]
    package let localError: ClusteringError?
}

/// The loop over starts of every estimator. For each start the first part
/// draws the starting point with `drawStart`, given the setup (the others'
/// closure is not called), and sends it to the others, so all iterate from the same point;
/// the best start by ``StartComparable`` is kept. In one process
/// (``PartReduction/single``) the sending does nothing.
///
/// - Throws: ``PartFailure`` on every part when drawing a start fails on the
///   first (``PartFailure/failedParts`` = [0]), or the setup or the
///   iterations fail, which happens on every part alike because all take
///   the same steps on the same sums.
package func bestStart<Estimator: IterativeEstimator, Scalar: BLASScalar>(
    of estimator: Estimator, part: BlockReader<Scalar>, sampleWeights: [Double]?, reduction: PartReduction,
    drawStart: (inout Xoshiro256StarStar, Estimator.Setup) throws(ClusteringError) -> Estimator.Start
) throws(PartFailure) -> Estimator.Model {
    let everyPart = Array(0..<reduction.count)
    let setup: Estimator.Setup
    do throws(ClusteringError) {
        setup = try estimator.setup(part, sampleWeights: sampleWeights, reduction: reduction)
    } catch {
        throw PartFailure(failedParts: everyPart, localError: error)
    }
    let d = part.columnCount
    var rng = Xoshiro256StarStar(seed: estimator.seed)
    let stop = reduction.count == 1 ? estimator.isCancelled : nil
    return try bestOfStarts(estimator.initializationCount, stop: stop) { index throws(PartFailure) in
        // The first value of the buffer says whether the first part could draw a start.
        var buffer = [Double](repeating: 0, count: 1 + estimator.packedStartCount(dimension: d))
        var drawError: ClusteringError? = nil
        if reduction.index == 0 {
            do throws(ClusteringError) {
                buffer = [1] + estimator.pack(try drawStart(&rng, setup))
            } catch {
                drawError = error
            }
        }
        reduction.broadcast(&buffer)
        guard buffer[0] == 1 else { throw PartFailure(failedParts: [0], localError: drawError) }
        let start = estimator.unpackStart(buffer[1...], dimension: d)
        do throws(ClusteringError) {
            return try estimator.iterate(part, sampleWeights: sampleWeights, from: start, index: index, setup: setup,
                                         reduction: reduction)
        } catch {
            throw PartFailure(failedParts: everyPart, localError: error)
        }
    }
}

/// ``bestStart(of:part:sampleWeights:reduction:drawStart:)`` on the whole
/// data set in one process, failing with this process's own error.
func bestStartInOneProcess<Estimator: IterativeEstimator, Scalar: BLASScalar>(
    of estimator: Estimator, source: BlockReader<Scalar>, sampleWeights: [Double]?,
    drawStart: (inout Xoshiro256StarStar, Estimator.Setup) throws(ClusteringError) -> Estimator.Start
) throws(ClusteringError) -> Estimator.Model {
    do {
        return try bestStart(of: estimator, part: source, sampleWeights: sampleWeights, reduction: .single, drawStart: drawStart)
    } catch {
        guard let localError = error.localError else { preconditionFailure("a single part failed without an error of its own") }
        throw localError
    }
}
