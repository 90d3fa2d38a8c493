import Foundation

/// Reading and writing numpy's `.npy` files: format versions 1.0, 2.0 and
/// 3.0, little-endian float32 and float64, C and Fortran order, 1-D and 2-D.
///
/// A 2-D array of shape (r, c) is an r×c ``Matrix``; a 1-D array of shape
/// (n,) is an n×1 matrix (one value per row, as sample weights are). For
/// files larger than memory, use ``NpyFile`` and read blocks of rows.
public enum Npy {
    /// Reads the whole file into memory as a matrix of `Scalar`, converting
    /// from the file's dtype if it differs.
    ///
    /// - Throws: ``NpyError`` naming the file and what is wrong with it.
    public static func read<Scalar: BLASScalar>(contentsOf path: String, as: Scalar.Type = Double.self) throws(NpyError) -> Matrix<Scalar> {
        let file = try NpyFile(path: path)
        var matrix: Matrix<Scalar> = file.matrix()
        // Own the data, so the file may change or go once this returns.
        matrix.makeUniqueAndWritable()
        return matrix
    }

    /// The bytes of a `.npy` file holding `matrix`.
    ///
    /// - Parameters:
    ///   - majorVersion: 1, 2 or 3; the header is the same apart from the
    ///     width of its length field (and version 3 allowing UTF-8).
    ///   - fortranOrder: store column by column.
    ///   - asVector: write an n×1 matrix as a 1-D array of shape (n,).
    public static func encode<Scalar: BLASScalar>(
        _ matrix: Matrix<Scalar>, majorVersion: Int = 1, fortranOrder: Bool = false, asVector: Bool = false
    ) -> [UInt8] {
        precondition((1...3).contains(majorVersion), ".npy format versions are 1, 2 and 3, got \(majorVersion)")
        precondition(!asVector || matrix.columns == 1, "only an n×1 matrix can be written as a vector")
        let shape = asVector ? [matrix.rows] : [matrix.rows, matrix.columns]
        let header = NpyHeader(majorVersion: majorVersion, dtype: NpyDType(Scalar.self), fortranOrder: fortranOrder,
                               shape: shape, dataOffset: 0)
        var bytes = header.encoded(majorVersion: majorVersion)
        let ordered = fortranOrder && !asVector ? matrix.transposed() : matrix
        ordered.withUnsafeBufferPointer { elements in
            // Little-endian host (checked below), so the in-memory bytes are the file's.
            bytes.append(contentsOf: UnsafeRawBufferPointer(elements))
        }
        return bytes
    }

    /// The header of a `.npy` file holding a `rows × columns` array of
    /// `Scalar` in row order: followed by the rows·columns values as
    /// little-endian bytes, it is the whole file, so a writer can stream
    /// rows it does not hold at once.
    public static func header<Scalar: BLASScalar>(rows: Int, columns: Int, as: Scalar.Type = Double.self) -> [UInt8] {
        precondition(rows >= 0 && columns >= 0, "a shape is non-negative, got (\(rows), \(columns))")
        return NpyHeader(majorVersion: 1, dtype: NpyDType(Scalar.self), fortranOrder: false, shape: [rows, columns], dataOffset: 0)
            .encoded(majorVersion: 1)
    }

    /// Writes `matrix` to `path` as a `.npy` file, atomically: a reader
    /// never sees a half-written file.
    ///
    /// - Throws: ``NpyError`` with ``NpyError/Reason/unreadable(_:)`` when
    ///   the file cannot be written.
    public static func write<Scalar: BLASScalar>(
        _ matrix: Matrix<Scalar>, to path: String, majorVersion: Int = 1, fortranOrder: Bool = false, asVector: Bool = false
    ) throws(NpyError) {
        let bytes = encode(matrix, majorVersion: majorVersion, fortranOrder: fortranOrder, asVector: asVector)
        do {
            try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw NpyError(.unreadable("cannot write: \(error.localizedDescription)"), file: path)
        }
    }
}

#if !_endian(little)
#error("Gauss reads and writes .npy data as little-endian memory; big-endian hosts are not supported")
#endif
