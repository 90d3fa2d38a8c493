#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A `.npy` file mapped into memory, read-only, for reading rows without
/// loading the file.
///
/// Mapping costs no reading up front: the operating system pages data in as
/// rows are touched and may drop the pages again, so a file larger than
/// memory can be walked block by block with ``rows(_:as:)``.
///
/// ```swift
/// let file = try NpyFile(path: "big.npy")
/// for start in stride(from: 0, to: file.header.rows, by: 4096) {
///     let block: Matrix<Float> = file.rows(start..<min(start + 4096, file.header.rows))
///     …
/// }
/// ```
public final class NpyFile: @unchecked Sendable {
    /// The file's header.
    public let header: NpyHeader
    /// The path the file was opened from.
    public let path: String
    private let mapping: UnsafeMutableRawPointer
    private let mappedLength: Int

    /// Opens and maps `path`, and checks its header and size.
    ///
    /// - Throws: ``NpyError`` for a file that cannot be opened, is not a
    ///   supported `.npy` file, or is shorter than its header says.
    public init(path: String) throws(NpyError) {
        self.path = path
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw NpyError(.unreadable(NpyFile.systemError()), file: path) }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw NpyError(.unreadable(NpyFile.systemError()), file: path) }
        guard (status.st_mode & S_IFMT) == S_IFREG else { throw NpyError(.unreadable("not a regular file"), file: path) }
        let length = Int(status.st_size)
        guard length > 0 else { throw NpyError(.notNpy, file: path) }
        guard let base = mmap(nil, length, PROT_READ, MAP_PRIVATE, descriptor, 0), base != MAP_FAILED else {
            throw NpyError(.unreadable("cannot map the file: \(NpyFile.systemError())"), file: path)
        }
        do throws(NpyError) {
            let header = try NpyHeader.parse(UnsafeRawBufferPointer(start: base, count: length))
            let available = length - header.dataOffset
            guard available >= header.dataByteCount else {
                throw NpyError(.truncated(expectedBytes: header.dataByteCount, availableBytes: available))
            }
            self.header = header
        } catch {
            munmap(base, length)
            var error = error
            error.file = path
            throw error
        }
        mapping = base
        mappedLength = length
    }

    deinit { munmap(mapping, mappedLength) }

    /// The rows in `range` as a matrix of `Scalar`.
    ///
    /// When the file's dtype is `Scalar`, its order is C and its data aligned
    /// (numpy always aligns), the result is a view of the mapped file and
    /// copies nothing; writing to it copies first. Otherwise the rows are
    /// converted (and, for Fortran order, gathered) into a new matrix.
    /// A 1-D array reads as one column.
    ///
    /// - Complexity: O(1) for a view; O(rows × columns) otherwise.
    public func rows<Scalar: BLASScalar>(_ range: Range<Int>, as: Scalar.Type = Scalar.self) -> Matrix<Scalar> {
        precondition(range.lowerBound >= 0 && range.upperBound <= header.rows,
                     "rows \(range) out of range for \(path) with \(header.rows) rows")
        let columns = header.columns
        let data = UnsafeRawPointer(mapping + header.dataOffset)
        if NpyDType(Scalar.self) == header.dtype && !header.fortranOrder
            && Int(bitPattern: data) % MemoryLayout<Scalar>.alignment == 0 {
            let base = data.assumingMemoryBound(to: Scalar.self) + range.lowerBound * columns
            return Matrix(borrowing: base, rows: range.count, columns: columns, owner: self)
        }
        let rows = header.rows
        let columnMajor = header.fortranOrder
        // Unaligned or converted reads go through loadUnaligned, one element at a time.
        func element(_ i: Int, _ j: Int) -> Scalar {
            let index = columnMajor ? j * rows + i : i * columns + j
            switch header.dtype {
            case .float32: return Scalar(data.loadUnaligned(fromByteOffset: index * 4, as: Float.self))
            case .float64: return Scalar(data.loadUnaligned(fromByteOffset: index * 8, as: Double.self))
            }
        }
        return Matrix(rows: range.count, columns: columns) { i, j in element(range.lowerBound + i, j) }
    }

    /// The whole array as a matrix; see ``rows(_:as:)`` for when it is a view.
    public func matrix<Scalar: BLASScalar>(as: Scalar.Type = Scalar.self) -> Matrix<Scalar> {
        rows(0..<header.rows)
    }

    static func systemError() -> String { String(cString: strerror(errno)) }
}
