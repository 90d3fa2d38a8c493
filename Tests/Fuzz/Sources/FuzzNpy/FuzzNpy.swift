import Foundation
import Gauss

/// .npy headers and files of arbitrary bytes: parsing the header from
/// memory, then mapping the bytes as a file and reading every row as both
/// Float and Double. It may throw `NpyError`, never crash.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNpy(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    _ = try? NpyHeader.parse(UnsafeRawBufferPointer(start: data, count: size))
    let path = "/dev/shm/gauss-fuzz-\(getpid()).npy"
    _ = FileManager.default.createFile(atPath: path, contents: Data(bytes: data, count: size))
    defer { unlink(path) }
    if let file = try? NpyFile(path: path), file.header.rows * file.header.columns <= 1 << 20 {
        let doubles: Matrix<Double> = file.matrix()
        let floats: Matrix<Float> = file.matrix()
        precondition(doubles.rows == floats.rows && doubles.columns == floats.columns)
    }
    return 0
}
