import Foundation
import Gauss

/// gradbench GMM inputs of arbitrary bytes: decoding and validation may
/// fail; an input that validates must evaluate without crashing.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGMMInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard let input = try? JSONDecoder().decode(GMMObjective.Input.self, from: Data(bytes: data, count: size)),
          let gmm = try? GMMObjective(input), input.d * input.k * input.n <= 1 << 16 else { return 0 }
    _ = gmm.objective()
    _ = gmm.gradient()
    return 0
}
