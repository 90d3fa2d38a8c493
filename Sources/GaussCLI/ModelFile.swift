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
    var seed: UInt64
    var dtype: String
    var n_samples: Int
}

/// A model's JSON: the library's encoding (scikit-learn's attribute names)
/// with the format version and, for fitted models, the settings.
func modelJSON(_ model: GaussianMixtureModel, settings: FitSettings?) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    let body = String(decoding: try encoder.encode(model), as: UTF8.self)
    var extra = "\"gauss_model_version\":\(modelFileVersion),"
    if let settings { extra += "\"settings\":" + String(decoding: try encoder.encode(settings), as: UTF8.self) + "," }
    // The library's encoding is one JSON object: splice the extra members in after its brace.
    precondition(body.first == "{")
    return "{" + extra + body.dropFirst() + "\n"
}

/// Reads a model file written by `gauss fit` (or by hand, in the same format).
func readModel(_ path: String) throws -> GaussianMixtureModel {
    guard FileManager.default.fileExists(atPath: path) else { throw DataError("\(path): no such file") }
    let data: Data
    do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
        throw DataError("\(path): cannot read the file")
    }
    guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
        throw DataError("\(path): not a model file (it is not a JSON object)")
    }
    if let version = object["gauss_model_version"] as? Int, version != modelFileVersion {
        throw DataError("\(path): model file version \(version) is not supported (this gauss reads version \(modelFileVersion))")
    }
    do {
        return try JSONDecoder().decode(GaussianMixtureModel.self, from: data)
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
func precisions(ofCovariances covariances: CovarianceParameters, dimension d: Int) throws -> CovarianceParameters {
    func inverse(_ m: Matrix<Double>) throws -> Matrix<Double> {
        do { return try Cholesky(m).inverse() } catch { throw DataError("a covariance in the model is not positive definite") }
    }
    switch covariances {
    case .full(let ms): return .full(try ms.map(inverse))
    case .tied(let m): return .tied(try inverse(m))
    case .diag(let m): return .diag(m.map { 1 / $0 })
    case .spherical(let v): return .spherical(v.map { 1 / $0 })
    }
}
