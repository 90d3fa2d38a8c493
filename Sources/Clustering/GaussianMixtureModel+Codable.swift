import LinearAlgebra

/// JSON with scikit-learn's attribute names, without the trailing underscore:
///
/// ```json
/// {"covariance_type": "full", "n_components": 2, "n_features": 2,
///  "weights": [...], "means": [[...]], "covariances": [[[...]]],
///  "precisions_cholesky": [[[...]]], "converged": true, "n_iter": 7,
///  "lower_bound": -4.2, "lower_bounds": [...]}
/// ```
///
/// Arrays nest as scikit-learn's do per covariance type. A lower bound of −∞
/// (no iteration ran) is `null`. Decoding checks every shape and that the
/// precision factors are usable, and keeps the stored factors as they are,
/// so a model read back predicts exactly as the one written.
extension GaussianMixtureModel: Codable {
    enum CodingKeys: String, CodingKey {
        case covarianceType = "covariance_type"
        case componentCount = "n_components"
        case featureCount = "n_features"
        case weights, means, covariances
        case precisionsCholesky = "precisions_cholesky"
        case converged
        case iterationCount = "n_iter"
        case lowerBound = "lower_bound"
        case lowerBoundHistory = "lower_bounds"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(covarianceType, forKey: .covarianceType)
        try container.encode(componentCount, forKey: .componentCount)
        try container.encode(dimension, forKey: .featureCount)
        try container.encode(weights, forKey: .weights)
        try container.encode(Self.nested(means), forKey: .means)
        try Self.encode(covariances, in: &container, forKey: .covariances)
        try Self.encode(precisionsCholesky, in: &container, forKey: .precisionsCholesky)
        try container.encode(converged, forKey: .converged)
        try container.encode(iterationCount, forKey: .iterationCount)
        try container.encode(lowerBound.isFinite ? lowerBound : nil, forKey: .lowerBound)
        try container.encode(lowerBoundHistory, forKey: .lowerBoundHistory)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let type = try container.decode(CovarianceType.self, forKey: .covarianceType)
        let weights = try container.decode([Double].self, forKey: .weights)
        let meanRows = try container.decode([[Double]].self, forKey: .means)
        let k = weights.count
        let d = meanRows.first?.count ?? 0
        guard meanRows.count == k, meanRows.allSatisfy({ $0.count == d }), d > 0 else {
            throw DecodingError.dataCorruptedError(forKey: .means, in: container,
                debugDescription: "means must be \(k) rows of equal, non-zero length, one per weight")
        }
        let means = Matrix(meanRows)
        let covariances = try Self.decode(type, from: container, forKey: .covariances, components: k, dimension: d)
        let factors = container.contains(.precisionsCholesky)
            ? try Self.decode(type, from: container, forKey: .precisionsCholesky, components: k, dimension: d)
            : nil
        var model: GaussianMixtureModel
        do {
            model = try GaussianMixtureModel(weights: weights, means: means, covariances: covariances)
        } catch {
            // Report the fault under the key it is in (a bad weight is not a covariance problem).
            let key: CodingKeys
            switch error {
            case .invalidParameter(let name, _), .parameterShape(let name, _, _):
                key = name.hasPrefix("weight") ? .weights : name.hasPrefix("mean") ? .means : .covariances
            default: key = .covariances
            }
            throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: error.description)
        }
        if let factors {
            guard Self.isUsableFactor(factors) else {
                throw DecodingError.dataCorruptedError(forKey: .precisionsCholesky, in: container,
                    debugDescription: "precisions_cholesky must be finite and upper triangular with a positive diagonal")
            }
            // Both are stored, and predict uses one while sample uses the
            // other: they must describe the same model.
            let difference = Self.relativeDifference(factors, model.parameters.precisionsCholesky)
            guard difference <= 1e-6 else {
                throw DecodingError.dataCorruptedError(forKey: .precisionsCholesky, in: container,
                    debugDescription: "precisions_cholesky does not match covariances (relative difference "
                        + "\(String(format: "%.2g", difference))); give consistent values, or leave precisions_cholesky out")
            }
            model = GaussianMixtureModel(parameters: MixtureParameters(weights: weights, means: means, precisionsCholesky: factors),
                                         covariances: covariances, converged: false, iterationCount: 0,
                                         lowerBound: -.infinity, lowerBoundHistory: [])
        }
        self.init(parameters: model.parameters, covariances: covariances,
                  converged: try container.decodeIfPresent(Bool.self, forKey: .converged) ?? false,
                  iterationCount: try container.decodeIfPresent(Int.self, forKey: .iterationCount) ?? 0,
                  lowerBound: try container.decodeIfPresent(Double.self, forKey: .lowerBound) ?? -.infinity,
                  lowerBoundHistory: try container.decodeIfPresent([Double].self, forKey: .lowerBoundHistory) ?? [])
    }

    private static func nested(_ m: Matrix<Double>) -> [[Double]] { (0..<m.rows).map { m.row($0) } }

    /// Nested as scikit-learn's array of the family's shape: a list of
    /// matrices, one matrix, or a list of values.
    private static func encode(_ p: CovarianceParameters, in container: inout KeyedEncodingContainer<CodingKeys>,
                               forKey key: CodingKeys) throws {
        switch p.covarianceType.family.arrayShape(components: 1, dimension: 1).count {
        case 3: try container.encode(p.blocks.map(nested), forKey: key)
        case 2: try container.encode(nested(p.blocks[0]), forKey: key)
        default: try container.encode(p.blocks[0].elements, forKey: key)
        }
    }

    private static func decode(_ type: CovarianceType, from container: KeyedDecodingContainer<CodingKeys>, forKey key: CodingKeys,
                               components k: Int, dimension d: Int) throws -> CovarianceParameters {
        func rectangular(_ rows: [[Double]]) -> Matrix<Double>? {
            guard let width = rows.first?.count, rows.allSatisfy({ $0.count == width }) else { return nil }
            return Matrix(rows)
        }
        let expected = type.family.arrayShape(components: k, dimension: d)
        let blocks: [Matrix<Double>]
        switch expected.count {
        case 3:
            let nested = try container.decode([[[Double]]].self, forKey: key)
            blocks = nested.compactMap(rectangular)
            guard blocks.count == nested.count else {
                throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: "ragged matrix")
            }
        case 2:
            guard let m = rectangular(try container.decode([[Double]].self, forKey: key)) else {
                throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: "ragged or empty matrix")
            }
            blocks = [m]
        default:
            let values = try container.decode([Double].self, forKey: key)
            blocks = [Matrix(rows: values.count, columns: 1, elements: values)]
        }
        let value = CovarianceParameters(type, blocks: blocks)
        guard value.shape == expected else {
            throw DecodingError.dataCorruptedError(forKey: key, in: container,
                debugDescription: "\(key.stringValue) has shape \(value.shape), expected \(expected) for \(type) covariance")
        }
        return value
    }

    /// ‖a − b‖ / ‖b‖ over all the numbers of two parameter sets of one shape.
    private static func relativeDifference(_ a: CovarianceParameters, _ b: CovarianceParameters) -> Double {
        let (x, y) = (a.flattened, b.flattened)
        guard x.count == y.count else { return .infinity }
        let difference = zip(x, y).reduce(0.0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
        let norm = y.reduce(0.0) { $0 + $1 * $1 }
        return (difference / Swift.max(norm, .leastNormalMagnitude)).squareRoot()
    }

    private static func isUpperTriangular(_ m: Matrix<Double>) -> Bool {
        (0..<m.rows).allSatisfy { i in (0..<Swift.min(i, m.columns)).allSatisfy { m[i, $0] == 0 } }
    }

    /// Finite and, for matrices, upper triangular with a positive diagonal;
    /// for values, positive.
    private static func isUsableFactor(_ p: CovarianceParameters) -> Bool {
        switch p.storage {
        case .matrices:
            return p.blocks.allSatisfy { m in m.elements.allSatisfy(\.isFinite) && m.diagonal.allSatisfy { $0 > 0 } && isUpperTriangular(m) }
        case .componentValues:
            return p.blocks.allSatisfy { $0.elements.allSatisfy { $0 > 0 && $0.isFinite } }
        }
    }
}
