import LinearAlgebra

/// JSON with scikit-learn's attribute names, without the trailing underscore:
///
/// ```json
/// {"model": "gaussian_mixture", "covariance_type": "full", "n_components": 2, "n_features": 2,
///  "weights": [...], "means": [[...]], "covariances": [[[...]]],
///  "precisions_cholesky": [[[...]]], "converged": true, "n_iter": 7,
///  "lower_bound": -4.2, "lower_bounds": [...], "mclust_model": "VVV"}
/// ```
///
/// mclust's models beyond scikit-learn's four are stored in their layout's
/// shape (full K×d×d for the six with an orientation, K×d for the
/// diagonal ones, K values for EII) under their mclust name, with mclust's
/// `scale`, `shape` and `orientation` as well (see ``VolumeShapeOrientation``).
///
/// `mclust_model` may be left out; where present it must name the model of
/// `covariance_type` (in any letter case).
///
/// Arrays nest as scikit-learn's do per covariance type. A lower bound of −∞
/// (no iteration ran) is `null`. Decoding checks every shape and that the
/// precision factors are usable, and keeps the stored factors as they are,
/// so a model read back predicts exactly as the one written.
extension GaussianMixtureModel: Codable {
    enum CodingKeys: String, CodingKey {
        case model
        case covarianceType = "covariance_type"
        case componentCount = "n_components"
        case featureCount = "n_features"
        case weights, means, covariances
        case precisionsCholesky = "precisions_cholesky"
        case converged
        case iterationCount = "n_iter"
        case lowerBound = "lower_bound"
        case lowerBoundHistory = "lower_bounds"
        case mclustModel = "mclust_model"
        case scale, shape, orientation
    }

    /// The value of `"model"` in this model's JSON; files without the key
    /// are read as this model too.
    public static let modelName = "gaussian_mixture"

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(Self.modelName, forKey: .model)
        try container.encode(covarianceType, forKey: .covarianceType)
        try container.encode(componentCount, forKey: .componentCount)
        try container.encode(dimension, forKey: .featureCount)
        try container.encode(weights, forKey: .weights)
        try container.encodeRows(means, forKey: .means)
        try container.encode(covariances, forKey: .covariances)
        try container.encode(precisionsCholesky, forKey: .precisionsCholesky)
        try container.encode(converged, forKey: .converged)
        try container.encode(iterationCount, forKey: .iterationCount)
        try container.encode(lowerBound.isFinite ? lowerBound : nil, forKey: .lowerBound)
        try container.encode(lowerBoundHistory, forKey: .lowerBoundHistory)
        try container.encode(covarianceType.mclustName, forKey: .mclustModel)
        if !covarianceType.isScikitLearnType { try encodeVolumeShapeOrientation(in: &container) }
    }

    /// mclust's `scale`, `shape` and `orientation` where they are the
    /// model's parameters: one value where the model shares it, one per
    /// component where it varies, none where it is the identity (I).
    /// Written for readers; decoding takes the covariances alone.
    private func encodeVolumeShapeOrientation(in container: inout KeyedEncodingContainer<CodingKeys>) throws {
        let parts = covariances.volumeShapeOrientation(components: componentCount, dimension: dimension)
        let letters = Array(covarianceType.mclustName)
        if letters[0] == "E" { try container.encode(parts.scales[0], forKey: .scale) } else { try container.encode(parts.scales, forKey: .scale) }
        switch letters[1] {
        case "E": try container.encode(parts.shapes.row(0), forKey: .shape)
        case "V": try container.encodeRows(parts.shapes, forKey: .shape)
        default: break
        }
        switch letters[2] {
        case "E": try container.encodeRows(parts.orientations[0], forKey: .orientation)
        case "V": try container.encode(parts.orientations.map { m in (0..<m.rows).map { m.row($0) } }, forKey: .orientation)
        default: break
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let name = try container.decodeIfPresent(String.self, forKey: .model), name != Self.modelName {
            throw DecodingError.dataCorruptedError(forKey: .model, in: container,
                debugDescription: "model is \"\(name)\", not \"\(Self.modelName)\"")
        }
        let type = try container.decode(CovarianceType.self, forKey: .covarianceType)
        // Written for readers, but a file that names two different models is
        // refused rather than read as one of them.
        if let name = try container.decodeIfPresent(String.self, forKey: .mclustModel), name.uppercased() != type.mclustName {
            throw DecodingError.dataCorruptedError(forKey: .mclustModel, in: container,
                debugDescription: "mclust_model is \"\(name)\", but covariance_type \"\(type.rawValue)\" is mclust's \(type.mclustName)")
        }
        let weights = try container.decode([Double].self, forKey: .weights)
        let means = try container.decodeRows(forKey: .means)
        let k = weights.count, d = means.columns
        guard means.rows == k else {
            throw DecodingError.dataCorruptedError(forKey: .means, in: container,
                debugDescription: "means must be \(k) rows of equal, non-zero length, one per weight")
        }
        let covariances = try container.decode(type, forKey: .covariances, components: k, dimension: d)
        let model: GaussianMixtureModel
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
        // Stored factors are kept as they are, so a model read back predicts
        // exactly as the one written.
        let factors = try container.decodePrecisionFactors(
            of: covariances, forKey: .precisionsCholesky, components: k, dimension: d,
            computed: model.parameters.precisionsCholesky)
        self.init(parameters: MixtureParameters(weights: weights, means: means, precisionsCholesky: factors),
                  covariances: covariances,
                  converged: try container.decodeIfPresent(Bool.self, forKey: .converged) ?? false,
                  iterationCount: try container.decodeIfPresent(Int.self, forKey: .iterationCount) ?? 0,
                  lowerBound: try container.decodeIfPresent(Double.self, forKey: .lowerBound) ?? -.infinity,
                  lowerBoundHistory: try container.decodeIfPresent([Double].self, forKey: .lowerBoundHistory) ?? [])
    }
}
