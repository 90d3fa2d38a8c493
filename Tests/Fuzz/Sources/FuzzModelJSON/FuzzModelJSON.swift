import Foundation
import Gauss

/// Model JSON of arbitrary bytes: decoding may fail, and a model that
/// decodes must be usable (predict on a few rows) without crashing.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzModelJSON(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard let model = try? JSONDecoder().decode(GaussianMixtureModel.self, from: Data(bytes: data, count: size)) else { return 0 }
    guard model.dimension <= 64, model.componentCount <= 64 else { return 0 }
    let rows = Matrix<Double>(rows: 3, columns: model.dimension) { i, j in Double(i - j) }
    _ = try? model.predictProbabilities(rows)
    _ = try? model.logLikelihoods(rows)
    _ = model.sample(count: 3, seed: 1)
    return 0
}
