import LinearAlgebra

// Scores and predictions under one set of parameters, a block of rows at a
// time: what GaussianMixtureModel and BayesianGaussianMixtureModel answer
// (the latter with its variational terms in place of log πₖ).
extension MixtureParameters {
    /// Calls `body` with each block's range and its weighted log-densities
    /// log πₖ + log N(xᵢ | μₖ, Σₖ) (m×K).
    private func forEachBlockOfLogDensities<Source: RowBlockSource>(
        _ source: Source, _ body: (Range<Int>, inout EStep<Source.Scalar>) -> Void
    ) throws(ClusteringError) {
        guard source.columnCount == dimension else { throw .dimensionMismatch(expected: dimension, actual: source.columnCount) }
        try source.checkFinite(blockRows: BlockSizes.rows)
        var evaluator = EStep<Source.Scalar>(self)
        let blockRows = EStep<Source.Scalar>.blockRows(componentCount: componentCount, dimension: dimension,
                                                       covarianceType: covarianceType, rowCount: source.rowCount)
        try source.forEachBlock(rows: blockRows) { (range, block) throws(ClusteringError) in
            evaluator.evaluate(block)
            // A row with no finite log-density has overflowed (a point at
            // 1e200, say): a row of zero probabilities or a log-likelihood
            // of −∞ would be an answer that was never computed.
            let k = componentCount
            let overflowed = evaluator.logDensities.withUnsafeBufferPointer { logDensities in
                (0..<range.count).first { i in !(0..<k).contains { logDensities[i * k + $0].isFinite } }
            }
            if let overflowed { throw .logDensityOverflow(row: range.lowerBound + overflowed) }
            body(range, &evaluator)
        }
    }

    /// log Σₖ exp(logDensityᵢₖ) for every row: log p(xᵢ) for EM's parameters.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func logLikelihoodsBlocks<Scalar: BLASScalar>(_ source: BlockReader<Scalar>) throws(ClusteringError) -> [Double] {
        var result = [Double](repeating: 0, count: source.rowCount)
        try forEachBlockOfLogDensities(source) { range, evaluator in Self.writeLogLikelihoods(evaluator, range, into: &result) }
        return result
    }

    /// A block's log Σₖ exp(logDensityᵢₖ) into `result[range]`.
    private static func writeLogLikelihoods<Scalar: BLASScalar>(_ evaluator: EStep<Scalar>, _ range: Range<Int>,
                                                                into result: inout [Double]) {
        var block = [Double](repeating: 0, count: range.count)
        evaluator.logDensities.rowLogSumExp(into: &block)
        result.replaceSubrange(range, with: block)
    }

    /// Normalises a block and calls `body` with each row's index in the
    /// block, its most probable component and one minus its largest
    /// responsibility.
    @inline(__always)
    private static func forEachClassification<Scalar: BLASScalar>(
        _ evaluator: inout EStep<Scalar>, _ body: (_ row: Int, _ label: Int, _ uncertainty: Double) -> Void
    ) {
        evaluator.normalize()
        let r = evaluator.responsibilities, k = r.columns
        for i in 0..<r.rows {
            var best = 0
            for c in 1..<Swift.max(1, k) where r[i, c] > r[i, best] { best = c }
            body(i, best, 1 - Double(r[i, best]))
        }
    }

    /// The mean of ``logLikelihoodsBlocks(_:)``, weighted by `sampleWeights` if given.
    func meanLogLikelihood<Scalar: BLASScalar>(_ source: BlockReader<Scalar>, sampleWeights: [Double]?) throws(ClusteringError) -> Double {
        // logLikelihoodsBlocks checks the dimension and the values in its own pass.
        try validateShapeAndWeights(source, sampleWeights: sampleWeights, minimumRows: 1)
        let values = try logLikelihoodsBlocks(source)
        guard let weights = sampleWeights else { return values.reduce(0, +) / Double(values.count) }
        return zip(values, weights).reduce(0) { $0 + $1.0 * $1.1 } / weights.reduce(0, +)
    }

    /// Each row's responsibilities (n×K).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func predictProbabilitiesBlocks<Scalar: BLASScalar>(_ source: BlockReader<Scalar>) throws(ClusteringError) -> Matrix<Double> {
        var result = Matrix<Double>(rows: source.rowCount, columns: componentCount)
        try forEachBlockOfLogDensities(source) { range, evaluator in
            evaluator.normalize()
            result[rows: range] = evaluator.responsibilities
        }
        return result
    }

    /// Each row's most probable component and one minus its largest
    /// responsibility, a block at a time (no n×K matrix is kept).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func classifyBlocks<Scalar: BLASScalar>(_ source: BlockReader<Scalar>) throws(ClusteringError) -> (labels: [Int], uncertainties: [Double]) {
        var labels = [Int](repeating: 0, count: source.rowCount)
        var uncertainties = [Double](repeating: 0, count: source.rowCount)
        try forEachBlockOfLogDensities(source) { range, evaluator in
            Self.forEachClassification(&evaluator) { i, label, uncertainty in
                labels[range.lowerBound + i] = label
                uncertainties[range.lowerBound + i] = uncertainty
            }
        }
        return (labels, uncertainties)
    }

    /// ``logLikelihoodsBlocks(_:)`` and the uncertainties of
    /// ``classifyBlocks(_:)`` (the same values) from one evaluation of the
    /// log-densities: what a model selection's criteria need of every fit.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func logLikelihoodsAndUncertaintiesBlocks<Scalar: BLASScalar>(
        _ source: BlockReader<Scalar>
    ) throws(ClusteringError) -> (logLikelihoods: [Double], uncertainties: [Double]) {
        var logLikelihoods = [Double](repeating: 0, count: source.rowCount)
        var uncertainties = [Double](repeating: 0, count: source.rowCount)
        try forEachBlockOfLogDensities(source) { range, evaluator in
            Self.writeLogLikelihoods(evaluator, range, into: &logLikelihoods)
            Self.forEachClassification(&evaluator) { i, _, uncertainty in uncertainties[range.lowerBound + i] = uncertainty }
        }
        return (logLikelihoods, uncertainties)
    }

    /// Each row's component of largest weighted log-density.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func predictBlocks<Scalar: BLASScalar>(_ source: BlockReader<Scalar>) throws(ClusteringError) -> [Int] {
        var labels = [Int](repeating: 0, count: source.rowCount)
        let k = componentCount
        try forEachBlockOfLogDensities(source) { range, evaluator in
            let logDensities = evaluator.logDensities
            for i in 0..<range.count {
                var best = 0
                for c in 1..<k where logDensities[i, c] > logDensities[i, best] { best = c }
                labels[range.lowerBound + i] = best
            }
        }
        return labels
    }
}
