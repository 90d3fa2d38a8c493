import LinearAlgebra

// Passes over a data source that produce statistics: the E-step proper, and
// the initialisation from given responsibilities.

extension SufficientStatistics {
    /// The E-step over every row of `source` under `parameters`: each row's
    /// responsibilities folded into statistics as soon as its block is done.
    ///
    /// - Parameter rowWeights: one non-negative weight per row of `source`, or nil.
    /// - Complexity: one pass; about 3·n·K·d² flops for full covariance.
    static func expectation<Source: RowBlockSource>(
        of source: Source, under parameters: MixtureParameters, rowWeights: [Double]?, workers: Int = defaultWorkerCount
    ) -> SufficientStatistics {
        let kernel = EStepKernel<Source.Scalar>(parameters)
        let blockRows = MixtureEvaluator<Source.Scalar>.blockRows(
            componentCount: kernel.componentCount, dimension: kernel.dimension, covarianceType: kernel.covarianceType)
        let blockCount = (source.rowCount + blockRows - 1) / blockRows
        // Each worker takes a contiguous run of blocks; their statistics merge in order.
        var partials = concurrentRuns(count: blockCount, workers: workers) { blocks in
            let rows = (blocks.lowerBound * blockRows)..<Swift.min(blocks.upperBound * blockRows, source.rowCount)
            return expectation(of: RowRangeSource(source, rows: rows), kernel: kernel, parameters: parameters,
                               rowWeights: rowWeights, firstRow: rows.lowerBound, blockRows: blockRows)
        }
        // Moved out of the array, the first partial is uniquely referenced and merges in place.
        var total = partials.removeFirst()
        for partial in partials { total.merge(partial) }
        return total
    }

    /// The E-step over one run of rows, block by block, on this thread.
    private static func expectation<Source: RowBlockSource>(
        of source: Source, kernel: EStepKernel<Source.Scalar>, parameters: MixtureParameters,
        rowWeights: [Double]?, firstRow: Int, blockRows: Int
    ) -> SufficientStatistics {
        typealias Scalar = Source.Scalar
        var evaluator = MixtureEvaluator<Scalar>(kernel)
        let center = parameters.center
        let shifts = parameters.covarianceType == .full
            ? Matrix<Double>(rows: parameters.componentCount, columns: parameters.dimension) { parameters.means[$0, $1] - center[$1] }
            : nil
        var statistics = SufficientStatistics.zero(
            componentCount: parameters.componentCount, dimension: parameters.dimension,
            covarianceType: parameters.covarianceType, center: center, componentShifts: shifts)
        var workspace = Workspace<Scalar>(rows: 0, featureCount: kernel.featureCount, componentCount: kernel.componentCount,
                                          dimension: kernel.dimension, covarianceType: kernel.covarianceType)
        var logLikelihoods: [Double] = []
        var responsibilities = Matrix<Scalar>(rows: 0, columns: kernel.componentCount)
        source.forEachBlock(rows: blockRows) { localRange, block in
            let range = (firstRow + localRange.lowerBound)..<(firstRow + localRange.upperBound)
            let m = block.rows, k = kernel.componentCount
            if responsibilities.rows != m {
                responsibilities = Matrix(rows: m, columns: k)
                workspace = Workspace(rows: m, featureCount: kernel.featureCount, componentCount: k,
                                      dimension: kernel.dimension, covarianceType: kernel.covarianceType)
                logLikelihoods = [Double](repeating: 0, count: m)
            }
            evaluator.evaluate(block)
            evaluator.normalizeToResponsibilities(logLikelihoods: &logLikelihoods)
            let posterior = evaluator.logDensities
            posterior.withUnsafeBufferPointer { r in
                responsibilities.withUnsafeMutableBufferPointer { out in
                    for i in 0..<m {
                        let w = rowWeights?[range.lowerBound + i] ?? 1
                        statistics.totalWeight += w
                        statistics.logLikelihoodSum += w * logLikelihoods[i]
                        for c in 0..<k { out[i * k + c] = Scalar(w * r[i * k + c]) }
                    }
                }
            }
            withRowWeights(rowWeights, range) { weights in
                statistics.accumulate(features: evaluator.features, responsibilities: responsibilities,
                                      rowWeights: weights, workspace: &workspace)
            }
        }
        return statistics
    }

    /// Statistics of `source` under given responsibilities (m×K per block,
    /// from `responsibilities(range)`), taken around the first row: the
    /// starting point of EM, as scikit-learn's `_initialize` computes it.
    static func fromResponsibilities<Source: RowBlockSource>(
        of source: Source, componentCount k: Int, covarianceType: CovarianceType, rowWeights: [Double]?,
        responsibilities: (Range<Int>) -> Matrix<Double>
    ) -> SufficientStatistics {
        typealias Scalar = Source.Scalar
        let d = source.columnCount
        let first = source.rows(0..<1)
        let center = (0..<d).map { Double(first[0, $0]) }
        let scalarCenter = center.map { Scalar($0) }
        let f = EStepKernel<Scalar>.featureCount(covarianceType, dimension: d)
        var statistics = SufficientStatistics.zero(
            componentCount: k, dimension: d, covarianceType: covarianceType, center: center,
            componentShifts: covarianceType == .full ? Matrix(rows: k, columns: d) : nil)
        let blockRows = MixtureEvaluator<Scalar>.blockRows(componentCount: k, dimension: d, covarianceType: covarianceType)
        var workspace = Workspace<Scalar>(rows: 0, featureCount: f, componentCount: k, dimension: d, covarianceType: covarianceType)
        source.forEachBlock(rows: blockRows) { range, block in
            let m = block.rows
            var features = Matrix<Scalar>(rows: m, columns: f)
            EStepKernel<Scalar>.computeFeatures(of: block, center: scalarCenter, covarianceType: covarianceType, into: &features)
            let r = responsibilities(range)
            precondition(r.rows == m && r.columns == k)
            let weighted = Matrix<Scalar>(rows: m, columns: k) { i, c in Scalar((rowWeights?[range.lowerBound + i] ?? 1) * r[i, c]) }
            statistics.totalWeight += rowWeights.map { $0[range].reduce(0, +) } ?? Double(m)
            if workspace.scaledRows.rows != m && (covarianceType == .full || covarianceType == .tied) {
                workspace = Workspace(rows: m, featureCount: f, componentCount: k, dimension: d, covarianceType: covarianceType)
            }
            withRowWeights(rowWeights, range) { weights in
                statistics.accumulate(features: features, responsibilities: weighted, rowWeights: weights, workspace: &workspace)
            }
        }
        return statistics
    }
}

/// Calls `body` with the weights of the rows in `range`, or nil without weights.
func withRowWeights<R>(_ weights: [Double]?, _ range: Range<Int>, _ body: (UnsafeBufferPointer<Double>?) -> R) -> R {
    guard let weights else { return body(nil) }
    return weights.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[range])) }
}
