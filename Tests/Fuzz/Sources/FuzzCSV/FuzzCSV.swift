import Gauss

/// CSV parsing of arbitrary bytes, with every header policy: it may throw
/// `CSVError`, never crash or hang.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSV(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    for policy in [CSV.HeaderPolicy.automatic, .present, .absent] {
        if let table = try? CSV.parse(bytes, as: Double.self, header: policy) {
            // The shape is consistent with the values.
            precondition(table.matrix.count == table.matrix.rows * table.matrix.columns)
        }
        _ = try? CSV.parse(bytes, as: Float.self, delimiter: UInt8(ascii: ";"), header: policy)
    }
    return 0
}
