import LinearAlgebra

extension SufficientStatistics {
    /// Statistics of `source` under given responsibilities (m×K per block,
    /// from `responsibilities(range)`), taken around the first row: the
    /// starting point of EM, as scikit-learn's `_initialize` computes it.
    static func fromResponsibilities<Source: RowBlockSource>(
        of source: Source, componentCount k: Int, covarianceType: CovarianceType, rowWeights: [Double]?,
        responsibilities: (Range<Int>) -> Matrix<Double>
    ) -> SufficientStatistics {
        typealias Scalar = Source.Scalar
        let family = covarianceType.family
        let d = source.columnCount
        let first = source.rows(0..<1)
        let center = (0..<d).map { Double(first[0, $0]) }
        let scalarCenter = center.map { Scalar($0) }
        var statistics = SufficientStatistics.zero(componentCount: k, dimension: d, covarianceType: covarianceType, center: center)
        let blockRows = EStep<Scalar>.blockRows(componentCount: k, dimension: d, covarianceType: covarianceType,
                                                rowCount: source.rowCount)
        var workspace = Workspace<Scalar>()
        source.forEachBlock(rows: blockRows) { range, block in
            let m = block.rows
            var features = Matrix<Scalar>(rows: m, columns: family.featureCount(dimension: d))
            family.writeFeatures(of: block, center: scalarCenter, into: &features)
            let r = responsibilities(range)
            precondition(r.rows == m && r.columns == k)
            let weighted = Matrix<Scalar>(rows: m, columns: k) { i, c in Scalar((rowWeights?[range.lowerBound + i] ?? 1) * r[i, c]) }
            statistics.totalWeight += rowWeights.map { $0[range].reduce(0, +) } ?? Double(m)
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
