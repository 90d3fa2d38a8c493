import Foundation
import LinearAlgebra
import Testing
@testable import Clustering

/// Blobs from the fixture: 500 rows, 5 columns, 4 clusters.
let blobs: Matrix<Double> = try! referenceData("blobs")

/// A start for `k` components that does not depend on any random choice.
func fixedStart(_ data: Matrix<Double>, _ k: Int, _ type: CovarianceType) -> GaussianMixture {
    let n = data.rows, d = data.columns
    let means = Matrix<Double>(rows: k, columns: d) { c, j in data[c * (n - 1) / max(k - 1, 1), j] }
    let precisions = CovarianceParameters.identity(type, componentCount: k, dimension: d)
    return GaussianMixture(componentCount: k, covarianceType: type, initialWeights: [Double](repeating: 1 / Double(k), count: k),
                           initialMeans: means, initialPrecisions: precisions)
}

/// The largest relative difference between two models' parameters and bounds.
func modelDifference(_ a: GaussianMixtureModel, _ b: GaussianMixtureModel) -> Double {
    [relativeDifference(a.weights, b.weights), relativeDifference(a.means.elements, b.means.elements),
     relativeDifference(flattened(a.covariances), flattened(b.covariances)),
     relativeDifference(flattened(a.precisionsCholesky), flattened(b.precisionsCholesky)),
     relativeDifference([a.lowerBound], [b.lowerBound])].max()!
}

@Suite struct EMPropertiesTests {
    @Test(arguments: CovarianceType.scikitLearnTypes)
    func theDefaultStartIsTheStartFromItsKMeansLabels(type: CovarianceType) throws {
        // The k-means start draws one seed for its k-means, first thing.
        var rng = Xoshiro256StarStar(seed: 5)
        let labels = try KMeans(clusterCount: 4, seed: rng.next()).fit(blobs).labels
        let byDefault = try GaussianMixture(componentCount: 4, covarianceType: type, seed: 5).fit(blobs)
        var fromLabels = GaussianMixture(componentCount: 4, covarianceType: type, seed: 99)
        fromLabels.initialResponsibilities = try GaussianMixture.responsibilities(labels: labels, componentCount: 4)
        #expect(try fromLabels.fit(blobs) == byDefault)
    }

    @Test(arguments: CovarianceType.scikitLearnTypes, GaussianMixture.Initialization.allCases)
    func lowerBoundNeverDecreases(type: CovarianceType, initialization: GaussianMixture.Initialization) throws {
        for (name, k) in [("faithful", 2), ("iris", 3), ("blobs", 4)] {
            let data = try referenceData(name)
            let model = try GaussianMixture(componentCount: k, covarianceType: type, tolerance: 1e-8, maxIterations: 200,
                                            initialization: initialization, seed: 3).fit(data)
            let history = model.lowerBoundHistory
            #expect(history.count == model.iterationCount)
            for (previous, next) in zip(history, history.dropFirst()) {
                #expect(next >= previous - 1e-10 * abs(previous), "\(name) \(type) \(initialization): \(previous) → \(next)")
            }
            #expect(model.lowerBound == history.last)
        }
    }

    @Test(arguments: CovarianceType.scikitLearnTypes)
    func sampleWeightTwoEqualsRepeatingTheRow(type: CovarianceType) throws {
        // Rows 0..<100 twice against weight 2 on them.
        let n = blobs.rows
        let repeated = Matrix<Double>(rows: n + 100, columns: blobs.columns) { i, j in blobs[i < n ? i : i - n, j] }
        let weights = (0..<n).map { $0 < 100 ? 2.0 : 1.0 }
        let estimator = fixedStart(blobs, 4, type)
        let byRepetition = try estimator.fit(repeated)
        let byWeight = try estimator.fit(blobs, sampleWeights: weights)
        #expect(modelDifference(byRepetition, byWeight) < 1e-10)
        #expect(byRepetition.iterationCount == byWeight.iterationCount)
        // Weight zero removes a row.
        let dropped = try estimator.fit(blobs[rows: 0..<400])
        let zeroed = try estimator.fit(blobs, sampleWeights: (0..<n).map { $0 < 400 ? 1 : 0 })
        #expect(modelDifference(dropped, zeroed) < 1e-10)
    }

    /// The log-likelihoods' sum in four parts takes every value once,
    /// tails included, and adds the parts as (s₀ + s₁) + (s₂ + s₃).
    @Test func fourPartSumsTakeEveryValueOnce() {
        for n in 0...11 {
            let values: [Double] = (0..<n).map { Double(1 << $0) }
            let sum: Double = values.withUnsafeBufferPointer(sumInFourParts)
            let expected = Double((1 << n) - 1)
            #expect(sum == expected, "\(n) values")
        }
        // In sequence, ((1e16 + 1) − 1e16) + 1 = 1; grouped, (1e16 + 1) + (−1e16 + 1) = 0.
        let parts: [Double] = [1e16, 1, -1e16, 1]
        let grouped: Double = parts.withUnsafeBufferPointer(sumInFourParts)
        #expect(grouped == 0)
    }

    /// A fit of one block hands its E-step buffers from pass to pass: each
    /// pass's statistics are those of a pass with buffers of its own, bit
    /// for bit, whatever the previous pass's parameters and weights, and
    /// buffers of another shape are not taken over.
    @Test(arguments: [CovarianceType.full, .diag, .spherical, .vve, .eei])
    func buffersCarriedFromPassToPassChangeNothing(type: CovarianceType) throws {
        var rng = Xoshiro256StarStar(seed: 21)
        let data = Matrix<Double>(rows: 300, columns: 3) { i, j in Double(i % 3) * 3 + rng.nextNormal() + Double(j) }
        let weights = (0..<300).map { Double($0 % 4) }
        let early = try fixedStart(data, 3, type).fit(data[rows: 0..<30]).parameters
        let late = try fixedStart(data, 3, type).fit(data).parameters
        var scratch: EStepScratch<Double>? = nil
        // Statistics handed back as spent lend their buffers to the next pass's.
        var spentMoments: UnsafePointer<Double>? = nil
        for (parameters, rowWeights) in [(early, nil), (late, weights), (early, nil), (late, nil)] {
            let carried = SufficientStatistics.expectation(of: data, under: parameters, rowWeights: rowWeights, scratch: &scratch)
            #expect(carried == SufficientStatistics.expectation(of: data, under: parameters, rowWeights: rowWeights))
            #expect(scratch?.responsibilities.rows == data.rows, "one block: the buffers come back")
            let moments = carried.secondMoments.withUnsafeBufferPointer { $0.baseAddress }
            if let spentMoments { #expect(moments == spentMoments, "the spent statistics' buffers are taken over") }
            spentMoments = moments
            scratch?.spentStatistics = consume carried
        }
        // About one fixed center, as a fit takes its E-steps, the features
        // of the previous pass are kept, and the statistics are still those
        // of a pass of its own about that center (also for the layouts whose
        // E-step on larger data reads the rows and writes no features).
        let center = early.center
        for parameters in [early, late, late] {
            let carried = SufficientStatistics.expectation(of: data, under: parameters, rowWeights: nil, center: center,
                                                           scratch: &scratch)
            var fresh: EStepScratch<Double>? = nil
            #expect(carried == SufficientStatistics.expectation(of: data, under: parameters, rowWeights: nil, center: center,
                                                                scratch: &fresh))
            #expect(scratch?.featuresCenter == center, "the one block's features are kept about the fit's center")
        }
        let twoComponents = try fixedStart(data, 2, type).fit(data).parameters
        let carried = SufficientStatistics.expectation(of: data, under: twoComponents, rowWeights: nil, scratch: &scratch)
        #expect(carried == SufficientStatistics.expectation(of: data, under: twoComponents, rowWeights: nil))
        #expect(scratch?.responsibilities.columns == 2)
    }

    /// The diagonal and spherical layouts' E-step on data of several
    /// blocks and enough coordinates reads the rows and writes no features;
    /// on data of one block it writes them (and keeps them from pass to
    /// pass). Both give the same statistics, sample weights or not.
    @Test(arguments: [CovarianceType.diag, .spherical, .eii, .evi])
    func statisticsFromTheRowsEqualThoseFromWrittenFeatures(type: CovarianceType) throws {
        let d = EStep<Double>.rowFeaturesMinimumDimension, n = 2 * BlockSizes.rows + 100
        var rng = Xoshiro256StarStar(seed: 33)
        let data = Matrix<Double>(rows: n, columns: d) { i, j in Double(i % 3) * 2 + rng.nextNormal() + Double(j) / 4 + 50 }
        let weights = (0..<n).map { Double($0 % 5) / 2 }
        let parameters = try fixedStart(data, 3, type).fit(data[rows: 0..<200]).parameters
        #expect(EStep<Double>.blockRows(componentCount: 3, dimension: d, covarianceType: type, rowCount: n) < n,
                "several blocks: the rows are read")
        for rowWeights in [nil, weights] {
            let fromRows = SufficientStatistics.expectation(of: data, under: parameters, rowWeights: rowWeights, workers: 1)
            // Pieces of one block each, their features written.
            var fromFeatures = SufficientStatistics.zero(under: parameters)
            for piece in stride(from: 0, to: n, by: BlockSizes.rows / 2) {
                let rows = piece..<min(piece + BlockSizes.rows / 2, n)
                #expect(EStep<Double>.blockRows(componentCount: 3, dimension: d, covarianceType: type, rowCount: rows.count)
                        == rows.count)
                fromFeatures.merge(SufficientStatistics.expectation(
                    of: data[rows: rows], under: parameters, rowWeights: rowWeights.map { Array($0[rows]) }, workers: 1))
            }
            #expect(relativeDifference([fromRows.totalWeight, fromRows.logLikelihoodSum] + fromRows.counts,
                                       [fromFeatures.totalWeight, fromFeatures.logLikelihoodSum] + fromFeatures.counts) < 1e-12)
            #expect(relativeDifference(fromRows.firstMoments.elements, fromFeatures.firstMoments.elements) < 1e-10)
            #expect(relativeDifference(fromRows.secondMoments.elements, fromFeatures.secondMoments.elements) < 1e-12)
        }
    }

    /// Every type, mclust's included: each streams and splits over workers as its layout does.
    @Test(arguments: CovarianceType.allCases)
    func fileMatrixAndWorkerCountsGiveTheSameFit(type: CovarianceType) throws {
        // Large enough for several blocks per worker.
        var rng = Xoshiro256StarStar(seed: 11)
        let data = Matrix<Double>(rows: 30_000, columns: 6) { i, j in Double(i % 3) * 4 + rng.nextNormal() + Double(j) }
        let (path, directory) = try scratchNpyFile(data)
        defer { try? FileManager.default.removeItem(at: directory) }

        let estimator = fixedStart(data, 3, type)
        let inMemory = try estimator.fit(data)
        let fromDisk = try estimator.fit(try NpyRowSource<Double>(path: path))
        // The same rows in the same blocks give the same statistics, bit for
        // bit; the M-steps that call LAPACK's eigensolver (EVE, VVE, EEV, VEV)
        // may round differently with the arrays' alignment.
        #expect(modelDifference(inMemory, fromDisk) <= (type.isScikitLearnType ? 0 : 1e-13))

        let start = try fixedStart(data, 3, type).fit(data[rows: 0..<10], sampleWeights: nil) // any model to take statistics under
        let oneWorker = SufficientStatistics.expectation(of: data, under: start.parameters, rowWeights: nil, workers: 1)
        let twoWorkers = SufficientStatistics.expectation(of: data, under: start.parameters, rowWeights: nil, workers: 2)
        let threeWorkers = SufficientStatistics.expectation(of: data, under: start.parameters, rowWeights: nil, workers: 3)
        // A fixed split into runs of blocks, merged in order: the same sums
        // bit for bit whatever the number of workers.
        #expect(oneWorker.packed == twoWorkers.packed)
        #expect(oneWorker.packed == threeWorkers.packed)
    }

    @Test(arguments: CovarianceType.scikitLearnTypes)
    func streamedBatchesEqualOneIterationInMemory(type: CovarianceType) throws {
        let estimator = fixedStart(blobs, 4, type)
        var oneIteration = estimator
        oneIteration.maxIterations = 1
        var twoIterations = estimator
        twoIterations.maxIterations = 2
        let start = try oneIteration.fit(blobs)
        let expected = try twoIterations.fit(blobs)

        // The second iteration again, from batches of 64 rows read one at a time.
        var statistics = start.emptyStatistics()
        for first in stride(from: 0, to: blobs.rows, by: 64) {
            statistics.merge(try start.statistics(of: blobs[rows: first..<min(first + 64, blobs.rows)]))
        }
        let streamed = try estimator.model(from: statistics, previous: start)
        #expect(modelDifference(streamed, expected) < 1e-10)
        #expect(streamed.iterationCount == 2 && streamed.lowerBoundHistory.count == 2)

        // Packing is additive: the sum of two halves' buffers is the buffer of the whole.
        let first = try start.statistics(of: blobs[rows: 0..<250]), second = try start.statistics(of: blobs[rows: 250..<500])
        var summed = start.emptyStatistics()
        summed.unpack(zip(first.packed, second.packed).map { $0 + $1 })
        #expect(relativeDifference(summed.packed, statistics.packed) < 1e-12)
    }

    @Test(arguments: CovarianceType.scikitLearnTypes)
    func float32FitsAgreeWithFloat64(type: CovarianceType) throws {
        let single = Matrix<Float>(rows: blobs.rows, columns: blobs.columns) { Float(blobs[$0, $1]) }
        let estimator = fixedStart(blobs, 4, type)
        let double = try estimator.fit(blobs)
        let float = try estimator.fit(single)
        #expect(relativeDifference([float.lowerBound], [double.lowerBound]) < 1e-5)
        #expect(relativeDifference(float.means.elements, double.means.elements) < 1e-4)
        #expect(relativeDifference(float.weights, double.weights) < 1e-4)
        #expect(relativeDifference(flattened(float.covariances), flattened(double.covariances)) < 1e-3)
    }

    @Test func continuingAFitEqualsOneLongerFit() throws {
        var short = fixedStart(blobs, 4, .full)
        short.maxIterations = 2
        short.tolerance = 1e-7
        var long = short
        long.maxIterations = 500
        let first = try short.fit(blobs)
        let continued = try long.fit(blobs, continuingFrom: first)
        let direct = try long.fit(blobs)
        try #require(direct.converged, "the comparison needs a fit that converges before its limit")
        #expect(continued.iterationCount + first.iterationCount == direct.iterationCount)
        #expect(modelDifference(continued, direct) < 1e-12)
    }

    @Test func sameSeedSameFitForEveryInitialization() throws {
        for initialization in GaussianMixture.Initialization.allCases {
            let estimator = GaussianMixture(componentCount: 4, initialization: initialization, seed: 42)
            #expect(try estimator.fit(blobs) == estimator.fit(blobs), "\(initialization)")
        }
    }

    @Test func kmeansInitialisationFindsTheBlobs() throws {
        let model = try GaussianMixture(componentCount: 4, seed: 1).fit(blobs)
        let truth: [[Double]] = [[0, 0, 0, 0, 0], [6, 1, -2, 0, 3], [-4, 5, 1, 2, -1], [2, -5, 4, -3, 0]]
        for center in truth {
            let nearest = (0..<4).map { k in zip(center, model.means.row(k)).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } }.min()!
            #expect(nearest < 0.5, "a fitted mean within 0.7 of \(center)")
        }
        #expect(model.converged && model.weights.allSatisfy { abs($0 - 0.25) < 0.02 })
    }

    @Test func progressIsReportedEveryIteration() throws {
        final class Log: @unchecked Sendable { var entries: [GaussianMixture.Progress] = [] }
        let log = Log()
        var estimator = fixedStart(blobs, 4, .diag)
        estimator.progress = { log.entries.append($0) }
        let model = try estimator.fit(blobs)
        #expect(log.entries.map(\.iteration) == Array(1...model.iterationCount))
        #expect(log.entries.map(\.lowerBound) == model.lowerBoundHistory)
        #expect(log.entries[0].change == .infinity)
        #expect(log.entries.last!.change == model.lowerBoundHistory.last! - model.lowerBoundHistory.dropLast().last!)
    }

    @Test func zeroIterationsReportTheStart() throws {
        var estimator = fixedStart(blobs, 4, .full)
        estimator.maxIterations = 0
        let model = try estimator.fit(blobs)
        #expect(model.iterationCount == 0 && !model.converged && model.lowerBound == -.infinity)
        #expect(model.means == estimator.initialMeans!)
        #expect(relativeDifference(flattened(model.precisions), flattened(estimator.initialPrecisions!)) < 1e-12)
    }

    @Test func zeroToleranceRunsEveryIterationAndNeverConverges() throws {
        var estimator = fixedStart(blobs, 4, .spherical)
        estimator.tolerance = 0
        estimator.maxIterations = 7
        let model = try estimator.fit(blobs)
        #expect(model.iterationCount == 7 && !model.converged)
    }
}
