import LinearAlgebra

// EM one piece at a time: the E-step of any batch of rows under a model
// gives SufficientStatistics; statistics of the batches of one pass merge;
// the M-step turns them into the next model. A pass over batches read one by
// one (a stream, files, ranks of a cluster) is then exactly one iteration
// of `fit`.
//
// ```swift
// var model = try GaussianMixture(componentCount: 8).fit(firstBatch)
// for _ in 0..<10 {
//     var statistics = model.emptyStatistics()
//     for batch in batches { statistics.merge(try model.statistics(of: batch)) }
//     model = try estimator.model(from: statistics, previous: model)
// }
// ```

extension GaussianMixtureModel {
    /// Statistics of no rows, under this model: the identity of ``SufficientStatistics/merge(_:)``.
    public func emptyStatistics() -> SufficientStatistics {
        .zero(under: parameters)
    }

    /// The E-step of the rows of `source` under this model.
    ///
    /// - Throws: ``ClusteringError`` for data of another dimension, non-finite
    ///   values or invalid weights.
    /// - Complexity: one pass; about 3·n·K·d² flops for full covariance.
    public func statistics<Source: RowBlockSource>(of source: Source, sampleWeights: [Double]? = nil) throws(ClusteringError) -> SufficientStatistics {
        guard source.columnCount == dimension else { throw .dimensionMismatch(expected: dimension, actual: source.columnCount) }
        try validateData(source, sampleWeights: sampleWeights, minimumRows: 1)
        return statisticsBlocks(BlockReader(source), sampleWeights: sampleWeights)
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func statisticsBlocks<Scalar: BLASScalar>(_ source: BlockReader<Scalar>, sampleWeights: [Double]?) -> SufficientStatistics {
        SufficientStatistics.expectation(of: source, under: parameters, rowWeights: sampleWeights)
    }
}

extension GaussianMixture {
    /// The M-step: the model whose parameters maximise the likelihood of the
    /// rows the statistics came from, regularised by ``regularization``.
    ///
    /// The returned model's lower bound is the statistics' mean
    /// log-likelihood (that of the model they were taken under), and its
    /// history and iteration count continue those of `previous`; its
    /// `converged` flag says whether the bound changed by less than
    /// ``tolerance`` from `previous`.
    ///
    /// - Throws: ``ClusteringError/componentCollapsed(component:regularization:)``,
    ///   or ``ClusteringError/zeroTotalWeight`` for statistics of no rows.
    public func model(from statistics: SufficientStatistics, previous: GaussianMixtureModel? = nil) throws(ClusteringError) -> GaussianMixtureModel {
        guard statistics.totalWeight > 0 else { throw .zeroTotalWeight }
        let (parameters, covariances) = try statistics.parameters(regularization: regularization, previous: previous?.precisionsCholesky)
        let lowerBound = statistics.meanLogLikelihood
        let previousBound = previous?.lowerBound ?? -.infinity
        return GaussianMixtureModel(parameters: parameters, covariances: covariances,
                                    converged: abs(lowerBound - previousBound) < tolerance,
                                    iterationCount: (previous?.iterationCount ?? 0) + 1, lowerBound: lowerBound,
                                    lowerBoundHistory: (previous?.lowerBoundHistory ?? []) + [lowerBound])
    }
}

// MARK: - One flat buffer, for MPI and files

extension SufficientStatistics {
    /// Every additive number in one contiguous buffer: total weight,
    /// log-likelihood sum, responsibility entropy, counts, first moments,
    /// second moments. Adding the
    /// buffers of two statistics elementwise gives the buffer of their merge,
    /// which is what an allreduce with MPI_SUM needs.
    public var packed: [Double] {
        [totalWeight, logLikelihoodSum, responsibilityEntropy] + counts + firstMoments.elements + secondMoments.elements
    }

    /// Replaces the additive numbers with those of `buffer`, laid out as ``packed``.
    ///
    /// - Precondition: `buffer` has the length of ``packed``.
    public mutating func unpack(_ buffer: [Double]) {
        let k = componentCount
        precondition(buffer.count == packed.count, "a packed buffer of \(buffer.count) values, expected \(packed.count)")
        totalWeight = buffer[0]
        logLikelihoodSum = buffer[1]
        responsibilityEntropy = buffer[2]
        counts = Array(buffer[3..<(3 + k)])
        var offset = 3 + k
        firstMoments = Matrix(rows: k, columns: dimension, elements: Array(buffer[offset..<(offset + firstMoments.count)]))
        offset += firstMoments.count
        secondMoments = Matrix(rows: secondMoments.rows, columns: secondMoments.columns,
                               elements: Array(buffer[offset..<(offset + secondMoments.count)]))
    }
}

extension SufficientStatistics {
    /// Replaces these statistics with their sum over the parts of
    /// `reduction` (nothing to do for a single part).
    mutating func sum(over reduction: PartReduction) {
        guard reduction.count > 1 else { return }
        var buffer = packed
        reduction.sum(&buffer)
        unpack(buffer)
    }
}
