import Clustering
import Foundation
import LinearAlgebra

/// The element type data are read and fitted in.
enum DataType: String, CaseIterable {
    case float32, float64
}

/// A data file read for a command: its rows in the precision asked for.
enum LoadedData {
    case float(Matrix<Float>)
    case double(Matrix<Double>)

    var rows: Int {
        switch self {
        case .float(let m): return m.rows
        case .double(let m): return m.rows
        }
    }

    var columns: Int {
        switch self {
        case .float(let m): return m.columns
        case .double(let m): return m.columns
        }
    }

    /// The data in Double, for plotting and summaries.
    var asDouble: Matrix<Double> {
        switch self {
        case .double(let m): return m
        case .float(let m): return Matrix(rows: m.rows, columns: m.columns) { Double(m[$0, $1]) }
        }
    }
}

/// Reads `path` as CSV or `.npy` (by extension; `-` is CSV on standard
/// input), reading only `columns` (names or 0-based indices) of a CSV,
/// whose other columns may hold text, and converts to `dtype` (default: the
/// file's for `.npy`, float64 for CSV).
func loadData(_ path: String, columns: [String]? = nil, dtype: DataType? = nil, delimiter: UInt8 = UInt8(ascii: ","),
              role: String = "data") throws -> LoadedData {
    let isStandardInput = path == StandardInput.name
    if !isStandardInput { try checkInputFile(path, readAsCSV: !path.lowercased().hasSuffix(".npy")) }
    if !isStandardInput && path.lowercased().hasSuffix(".npy") {
        if columns != nil { throw DataError("--columns applies to CSV files; select columns of a .npy file before saving it") }
        do {
            let file = try NpyFile(path: path)
            guard file.header.shape.count == 2 else {
                throw DataError("\(path): a 1-D array of shape (\(file.header.rows),) is not data rows; save it as 2-D (n, 1)")
            }
            let type = dtype ?? (file.header.dtype == .float32 ? .float32 : .float64)
            if type == .float32 && file.header.dtype == .float64 {
                try checkFitsInFloat32(NpyRowSource<Double>(file: file), path: path)
            }
            return type == .float32 ? .float(try Npy.read(contentsOf: path, as: Float.self))
                                    : .double(try Npy.read(contentsOf: path, as: Double.self))
        } catch let error as NpyError {
            throw DataError(error.description)
        }
    }
    if let columns {
        guard !columns.isEmpty else { throw DataError("--columns is empty; name at least one column, like 0,1 or a,b") }
        guard !columns.contains(where: \.isEmpty) else { throw DataError("--columns names an empty column; name columns like 0,1 or a,b") }
    }
    let table: CSVTable<Double>
    do {
        if isStandardInput {
            let bytes = try StandardInput.read(as: role)
            if let kind = sniffNonCSV(head: Array(bytes.prefix(1024))) { throw DataError("standard input: \(kind)") }
            do {
                table = try CSV.parse(bytes, as: Double.self, delimiter: delimiter, columns: columns)
            } catch var error {
                error.file = "standard input"
                throw error
            }
        } else {
            table = try CSV.read(contentsOf: path, as: Double.self, delimiter: delimiter, columns: columns)
        }
    } catch let error as CSVError {
        throw DataError(error.description)
    }
    let matrix = table.matrix
    if dtype == .float32 {
        try checkFitsInFloat32(matrix, path: StandardInput.describe(path))
        return .float(Matrix(rows: matrix.rows, columns: matrix.columns) { Float(matrix[$0, $1]) })
    }
    return .double(matrix)
}

/// The names of the selected columns of a CSV file (or of CSV on standard
/// input), or nil when it has no header or is not CSV.
func csvHeader(_ path: String, columns: [String]?, delimiter: UInt8) -> [String]? {
    if path == StandardInput.name {
        guard let bytes = try? StandardInput.read(as: "data") else { return nil }
        return (try? CSV.parse(bytes, as: Double.self, delimiter: delimiter, columns: columns))?.header
    }
    guard !path.lowercased().hasSuffix(".npy") else { return nil }
    return (try? CSV.read(contentsOf: path, as: Double.self, delimiter: delimiter, columns: columns))?.header
}

/// Refuses data with a finite value beyond float32's range when they are to
/// be fitted as float32: converted, it would read as infinity, and the fit
/// would blame "NaN or infinity in the data" for a number the file does not hold.
func checkFitsInFloat32<Source: RowBlockSource>(_ source: Source, path: String) throws where Source.Scalar == Double {
    let d = source.columnCount, limit = Double(Float.greatestFiniteMagnitude)
    var start = 0
    while start < source.rowCount {
        let range = start..<Swift.min(start + BlockSizes.rows, source.rowCount)
        let block = source.rows(range)
        let bad = block.withUnsafeBufferPointer { $0.firstIndex { $0.isFinite && abs($0) > limit } }
        if let bad {
            throw DataError("\(path), row \(range.lowerBound + bad / d + 1), column \(bad % d + 1): \(block.elements[bad]) "
                            + "is beyond the range of float32 (about ±3.4e38); fit these data as float64")
        }
        start = range.upperBound
    }
}

/// One number per line from a CSV or `.npy` file: sample weights.
func loadVector(_ path: String) throws -> [Double] {
    let data = try loadVectorData(path, role: "the sample weights")
    guard data.columns == 1 else { throw DataError("\(path): expected one value per row, found \(data.columns) columns") }
    return data.elements
}

/// A table of numbers, CSV or .npy (2-D), in double precision: starting
/// responsibilities, say.
func loadTable(_ path: String) throws -> Matrix<Double> {
    try loadVectorData(path, role: "a table of numbers")
}

private func loadVectorData(_ path: String, role: String) throws -> Matrix<Double> {
    if path == StandardInput.name { return try loadData(path, role: role).asDouble }
    try checkInputFile(path, readAsCSV: !path.lowercased().hasSuffix(".npy"))
    do {
        if path.lowercased().hasSuffix(".npy") { return try Npy.read(contentsOf: path, as: Double.self) }
        return try CSV.read(contentsOf: path, as: Double.self).matrix
    } catch let error as NpyError {
        throw DataError(error.description)
    } catch let error as CSVError {
        throw DataError(error.description)
    }
}

/// Turns library errors into one-sentence data errors naming the file.
func describing<R>(_ file: String, sampleWeights: String? = nil, initialModel: String? = nil,
                  _ body: () throws -> R) throws -> R {
    do {
        return try body()
    } catch let error as ClusteringError {
        // Name the file the fault is in: the weights, the starting model, or the data.
        switch error {
        case .sampleWeightCount, .invalidSampleWeight, .zeroTotalWeight:
            throw DataError("\(sampleWeights ?? file): \(error.description)")
        case .parameterShape, .invalidParameter, .precisionNotPositiveDefinite:
            throw DataError("\(initialModel ?? file): \(error.description)")
        default:
            throw DataError("\(file): \(error.description)")
        }
    }
}
