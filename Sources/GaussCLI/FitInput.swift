import ArgumentParser
import Clustering
import Foundation
import LinearAlgebra

/// The rows `gauss fit` reads: a CSV file loaded into memory, or a `.npy`
/// file mapped and read block by block, never loaded whole.
enum FitInput {
    case matrixFloat(Matrix<Float>)
    case matrixDouble(Matrix<Double>)
    case npyFloat(NpyRowSource<Float>)
    case npyDouble(NpyRowSource<Double>)

    var rows: Int {
        switch self {
        case .matrixFloat(let m): return m.rows
        case .matrixDouble(let m): return m.rows
        case .npyFloat(let s): return s.rowCount
        case .npyDouble(let s): return s.rowCount
        }
    }

    var columns: Int {
        switch self {
        case .matrixFloat(let m): return m.columns
        case .matrixDouble(let m): return m.columns
        case .npyFloat(let s): return s.columnCount
        case .npyDouble(let s): return s.columnCount
        }
    }

    /// Row `i` in Double.
    func row(_ i: Int) -> [Double] {
        switch self {
        case .matrixFloat(let m): return m.row(i).map(Double.init)
        case .matrixDouble(let m): return m.row(i)
        case .npyFloat(let s): return s.rows(i..<(i + 1)).row(0).map(Double.init)
        case .npyDouble(let s): return s.rows(i..<(i + 1)).row(0)
        }
    }

    var dtype: DataType {
        switch self {
        case .matrixFloat, .npyFloat: return .float32
        case .matrixDouble, .npyDouble: return .float64
        }
    }

    /// The bytes of the rows in the precision they are fitted in.
    var byteCount: Int { rows * columns * (dtype == .float32 ? 4 : 8) }

    /// Whether the rows are read from disk on every pass, only the blocks in
    /// use resident.
    var isStreamed: Bool {
        switch self {
        case .matrixFloat, .matrixDouble: return false
        case .npyFloat(let s): return s.releasesPages
        case .npyDouble(let s): return s.releasesPages
        }
    }

    /// Clusters these rows by k-means.
    func cluster(_ estimator: KMeans, sampleWeights: [Double]?) throws(ClusteringError) -> KMeansModel {
        switch self {
        case .matrixFloat(let m): return try estimator.fit(m, sampleWeights: sampleWeights)
        case .matrixDouble(let m): return try estimator.fit(m, sampleWeights: sampleWeights)
        case .npyFloat(let s): return try estimator.fit(s, sampleWeights: sampleWeights)
        case .npyDouble(let s): return try estimator.fit(s, sampleWeights: sampleWeights)
        }
    }

    /// Fits `estimator` to these rows.
    func fit(_ estimator: GaussianMixture, sampleWeights: [Double]?) throws(ClusteringError) -> GaussianMixtureModel {
        switch self {
        case .matrixFloat(let m): return try estimator.fit(m, sampleWeights: sampleWeights)
        case .matrixDouble(let m): return try estimator.fit(m, sampleWeights: sampleWeights)
        case .npyFloat(let s): return try estimator.fit(s, sampleWeights: sampleWeights)
        case .npyDouble(let s): return try estimator.fit(s, sampleWeights: sampleWeights)
        }
    }
}

/// Opens `path` for fitting. A `.npy` file is mapped; when its data take
/// more than half of `memoryBudget` bytes it is streamed (each block's pages
/// released after use), otherwise its pages stay resident between passes,
/// or, when it must be converted (another dtype, Fortran order), it is
/// converted into memory once. CSV files are loaded as
/// ``loadData(_:columns:dtype:)`` does.
func openFitInput(_ path: String, columns: [String]?, dtype: DataType?, memoryBudget: Int,
                  delimiter: UInt8 = UInt8(ascii: ",")) throws -> FitInput {
    guard path != StandardInput.name && path.lowercased().hasSuffix(".npy") else {
        switch try loadData(path, columns: columns, dtype: dtype, delimiter: delimiter) {
        case .float(let m): return .matrixFloat(m)
        case .double(let m): return .matrixDouble(m)
        }
    }
    if columns != nil { throw DataError("--columns applies to CSV files; select columns of a .npy file before saving it") }
    try checkInputFile(path, readAsCSV: false)
    let file: NpyFile
    do { file = try NpyFile(path: path) } catch { throw DataError(error.description) }
    guard file.header.shape.count == 2 else {
        throw DataError("\(path): a 1-D array of shape (\(file.header.rows),) is not data rows; save it as 2-D (n, 1)")
    }
    let streamed = isStreamed(dataBytes: file.header.dataByteCount, budget: memoryBudget)
    let type = dtype ?? (file.header.dtype == .float32 ? .float32 : .float64)
    if type == .float32 && file.header.dtype == .float64 {
        try checkFitsInFloat32(NpyRowSource<Double>(file: file, releasesPages: streamed), path: path)
    }
    switch type {
    case .float32:
        return NpyRowSource<Float>.convertsOnce(file, streamed: streamed)
            ? .matrixFloat(file.matrix(as: Float.self)) : .npyFloat(NpyRowSource(file: file, releasesPages: streamed))
    case .float64:
        return NpyRowSource<Double>.convertsOnce(file, streamed: streamed)
            ? .matrixDouble(file.matrix(as: Double.self)) : .npyDouble(NpyRowSource(file: file, releasesPages: streamed))
    }
}

/// Whether data of `dataBytes` bytes are streamed under a memory budget:
/// when they take more than half of it.
func isStreamed(dataBytes: Int, budget: Int) -> Bool { dataBytes > budget / 2 }

/// What a fit may allocate under `budget`: the budget less this program's
/// resident memory and the data it keeps resident, all of them or, when
/// streamed, a block per worker (at most 4 MiB each).
func fitAllocationLimit(budget: Int, dataBytes: Int, streamed: Bool) -> Int {
    let resident = streamed ? defaultWorkerCount * BlockSizes.scratchBytesPerWorker : dataBytes
    return max(0, budget - (residentMemory()?.current ?? 0) - resident)
}

/// A byte count written with an optional binary suffix: `512M`, `8G`, `1.5G`,
/// `65536` (K, M, G and T are powers of 1024; a trailing `B` or `iB` is allowed).
struct ByteCount: ExpressibleByArgument, Equatable {
    var bytes: Int

    init(bytes: Int) { self.bytes = bytes }

    init?(argument: String) {
        var text = argument.trimmingCharacters(in: .whitespaces).uppercased()
        for suffix in ["IB", "B"] where text.hasSuffix(suffix) && text.count > suffix.count {
            text.removeLast(suffix.count)
            break
        }
        let units: [Character: Double] = ["K": 1024, "M": 1024 * 1024, "G": 1024 * 1024 * 1024, "T": 1024 * 1024 * 1024 * 1024]
        var scale = 1.0
        if let last = text.last, let unit = units[last] {
            scale = unit
            text.removeLast()
        }
        guard let value = Double(text), value.isFinite, value > 0 else { return nil }
        let bytes = (value * scale).rounded(.down)
        guard bytes >= 1 && bytes < 0x1p62 else { return nil }
        self.bytes = Int(bytes)
    }

    static var defaultValueDescription: String { "physical memory" }
}

/// This process's resident memory now and at its peak, in bytes, from
/// `/proc/self/status` (nil where there is none).
func residentMemory() -> (current: Int, peak: Int)? {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
    func kibibytes(_ key: String) -> Int? {
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(key + ":") }) else { return nil }
        return line.split(separator: " ").dropFirst().first.flatMap { Int($0) }
    }
    guard let current = kibibytes("VmRSS"), let peak = kibibytes("VmHWM") else { return nil }
    return (current * 1024, peak * 1024)
}
