/// Checks what every estimator needs of its data: rows and columns, finite
/// values, valid sample weights, and at least `minimumRows` rows of positive
/// weight.
///
/// - Complexity: one pass over the data.
func validateData<Source: RowBlockSource>(
    _ source: Source, sampleWeights: [Double]?, minimumRows: Int
) throws(ClusteringError) {
    try validateShapeAndWeights(source, sampleWeights: sampleWeights, minimumRows: minimumRows)
    try source.checkFinite(blockRows: BlockSizes.rows)
}

/// ``validateShapeAndWeights(_:sampleWeights:minimumRows:)`` for a source
/// that may be one part of a data set of `totalRows` rows (a distributed
/// fit): then the whole needs `minimumRows` rows and the part at least one.
func validateShapeAndWeights<Source: RowBlockSource>(
    _ source: Source, sampleWeights: [Double]?, minimumRows: Int, totalRows: Int?
) throws(ClusteringError) {
    guard let totalRows else { return try validateShapeAndWeights(source, sampleWeights: sampleWeights, minimumRows: minimumRows) }
    guard totalRows >= minimumRows else { throw .tooFewSamples(samples: totalRows, components: minimumRows) }
    try validateShapeAndWeights(source, sampleWeights: sampleWeights, minimumRows: 1)
}

/// ``validateData(_:sampleWeights:minimumRows:)`` without the pass over the
/// values, for callers whose own pass checks them.
func validateShapeAndWeights<Source: RowBlockSource>(
    _ source: Source, sampleWeights: [Double]?, minimumRows: Int
) throws(ClusteringError) {
    let n = source.rowCount, d = source.columnCount
    guard n > 0 && d > 0 else { throw .emptyData(rows: n, columns: d) }
    var effectiveRows = n
    if let weights = sampleWeights {
        try checkSampleWeights(weights, rows: n)
        effectiveRows = weights.count { $0 > 0 }
        guard effectiveRows > 0 else { throw .zeroTotalWeight }
    }
    guard effectiveRows >= minimumRows else { throw .tooFewSamples(samples: effectiveRows, components: minimumRows) }
}

/// One finite, non-negative weight per row.
func checkSampleWeights(_ weights: [Double], rows n: Int) throws(ClusteringError) {
    guard weights.count == n else { throw .sampleWeightCount(expected: n, actual: weights.count) }
    if let bad = weights.firstIndex(where: { !($0 >= 0 && $0.isFinite) }) {
        throw .invalidSampleWeight(row: bad, value: weights[bad])
    }
}
