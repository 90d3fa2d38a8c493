import Clustering
import Foundation
import LinearAlgebra

/// The version of the model file format this build writes and reads.
let modelFileVersion = 1

/// The settings a model was fitted with, stored beside it.
struct FitSettings: Codable {
    var n_components: Int
    var covariance_type: String
    var tol: Double
    var reg_covar: Double
    var max_iter: Int
    var n_init: Int
    var init_params: String
    /// The seed, under scikit-learn's name, so the block can be passed back
    /// to `GaussianMixture(**settings)` (with `dtype`, `n_samples` and the
    /// other keys scikit-learn does not take left out).
    var random_state: UInt64
    var dtype: String
    var n_samples: Int
    /// The parameters `--fix` held, when any.
    var fixed_parameters: [String]? = nil
    /// The rule of convergence, when it is not scikit-learn's.
    var convergence: String? = nil
    /// The CSV columns fitted, as `--columns` gave them (names or 0-based
    /// indices): predict, score and plot read the same ones by default.
    var columns: [String]? = nil
}

/// The columns a model file says its model was fitted to (nil: all of them).
func modelColumns(_ path: String) throws -> [String]? {
    struct Settings: Decodable { let columns: [String]? }
    struct File: Decodable { let settings: Settings? }
    return (try? JSONDecoder().decode(File.self, from: modelFileData(path)))?.settings?.columns
}

/// A model a model file holds: fitted by EM or by variational inference.
typealias FittedModel = any MixtureModel & Encodable

/// Hands a model file's text to `write` in pieces: the library's encoding
/// (scikit-learn's attribute names) with the format version and, for fitted
/// models, the settings. `CompactJSONEncoder` holds little beyond the model.
func writeModelJSON(_ model: FittedModel, settings: FitSettings?,
                    to write: (UnsafeRawBufferPointer) throws -> Void) throws {
    try CompactJSONEncoder().encode(ModelFileContents(model: model, settings: settings), writingTo: write)
    try [UInt8(ascii: "\n")].withUnsafeBytes(write)
}

/// Writes a model file to `path`, or stdout when nil, without holding its text.
func writeModel(_ model: FittedModel, settings: FitSettings?, to path: String?) throws {
    try writeOutput(to: path) { write in try writeModelJSON(model, settings: settings, to: write) }
}

/// The members of a model file: the library's own and two more, in one object.
private struct ModelFileContents: Encodable {
    enum CodingKeys: String, CodingKey {
        case version = "gauss_model_version"
        case settings
    }

    let model: FittedModel
    let settings: FitSettings?

    func encode(to encoder: any Encoder) throws {
        try model.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(modelFileVersion, forKey: .version)
        try container.encodeIfPresent(settings, forKey: .settings)
    }
}

/// Reads a model file written by `gauss fit` (or by hand, in the same
/// format): a ``GaussianMixtureModel``, or a ``BayesianGaussianMixtureModel``
/// when its `"model"` is `"bayesian"`.
func readModel(_ path: String) throws -> FittedModel {
    let data = try modelFileData(path)
    // Only the version and the kind, through JSONDecoder: JSONSerialization
    // would build an object per number (about 100 MB for a K = 32, d = 128 model).
    struct Header: Decodable {
        let gauss_model_version: Int?
        let model: String?
    }
    guard let header = try? JSONDecoder().decode(Header.self, from: data) else {
        throw DataError("\(path): not a model file (it is not a JSON object)")
    }
    if let version = header.gauss_model_version, version != modelFileVersion {
        throw DataError("\(path): model file version \(version) is not supported (this gauss reads version \(modelFileVersion))")
    }
    switch header.model ?? GaussianMixtureModel.modelName {
    case GaussianMixtureModel.modelName: return try decodeModel(GaussianMixtureModel.self, from: data, path: path)
    case BayesianGaussianMixtureModel.modelName: return try decodeModel(BayesianGaussianMixtureModel.self, from: data, path: path)
    case let other:
        throw DataError("\(path): \"model\" is \"\(other)\"; this gauss reads \"\(GaussianMixtureModel.modelName)\" and \"\(BayesianGaussianMixtureModel.modelName)\"")
    }
}

/// The bytes of a model file, after checking that it is a regular file.
func modelFileData(_ path: String) throws -> Data {
    if path == StandardInput.name { return Data(try StandardInput.read(as: "the model")) }
    try checkInputFile(path, readAsCSV: false)
    do { return try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
        throw DataError("\(path): cannot read the file")
    }
}

private func decodeModel<Model: Decodable>(_ type: Model.Type, from data: Data, path: String) throws -> Model {
    do {
        return try JSONDecoder().decode(Model.self, from: data)
    } catch let error as DecodingError {
        throw DataError("\(path): not a valid model file: \(describe(error))")
    }
}

/// A one-line account of a decoding failure.
private func describe(_ error: DecodingError) -> String {
    switch error {
    case .keyNotFound(let key, _): return "the key \"\(key.stringValue)\" is missing"
    case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
        let path = context.codingPath.map(\.stringValue).filter { !$0.isEmpty && Int($0) == nil }.joined(separator: ".")
        return (path.isEmpty ? "" : "\(path): ") + context.debugDescription
    @unknown default: return "\(error)"
    }
}

/// The precisions that, given to EM as initial precisions, reproduce the
/// model's covariances exactly as they are (inverted, nothing added).
func precisions(ofCovariances covariances: CovarianceParameters) throws -> CovarianceParameters {
    do { return try covariances.inverted() } catch { throw DataError("a covariance in the model is not positive definite") }
}
