import CMappedFiles
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
///     print(block.columnSums())   // or any work on the block
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
        // Non-blocking, so that a FIFO named like a data file is refused
        // below instead of waiting forever for a writer.
        let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
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
        _ = gauss_mapped_file_register(
            base, length, "\(path): the file became shorter while it was being read (another program truncated or rewrote it)")
    }

    deinit {
        gauss_mapped_file_unregister(mapping)
        munmap(mapping, mappedLength)
    }

    /// Makes a read from a mapped `.npy` file that has since been truncated
    /// end the process with one message (`prefix` then "PATH: the file
    /// became shorter while it was being read …") and exit status 1,
    /// instead of SIGBUS killing it silently. This installs a process-wide
    /// SIGBUS handler (other faults keep their default action), so it is
    /// for programs, not libraries; the `gauss` tool calls it.
    public static func exitWithAMessageIfAMappedFileShrinks(prefix: String = "") {
        gauss_mapped_file_install_handler(prefix)
    }

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
        rows(range, as: Scalar.self, releasingPages: false)
    }

    /// The rows in `range`, as ``rows(_:as:)``, except that a view gives its
    /// pages back to the operating system when the last matrix sharing it
    /// is released (`madvise(MADV_DONTNEED)`).
    ///
    /// Reading a file block by block this way keeps the process's resident
    /// memory to the blocks in use, however large the file: the pages stay
    /// in the page cache, where the system may keep or drop them, but no
    /// longer count against this process. Reading the rows again faults
    /// them back in.
    ///
    /// - Complexity: as ``rows(_:as:)``.
    public func transientRows<Scalar: BLASScalar>(_ range: Range<Int>, as: Scalar.Type = Scalar.self) -> Matrix<Scalar> {
        rows(range, as: Scalar.self, releasingPages: true)
    }

    /// Whether ``rows(_:as:)`` as `Scalar` are views of the mapped file (the
    /// file holds aligned `Scalar` values in C order) rather than converted
    /// copies.
    public func readsInPlace<Scalar: BLASScalar>(as: Scalar.Type) -> Bool {
        NpyDType(Scalar.self) == header.dtype && !header.fortranOrder
            && Int(bitPattern: UnsafeRawPointer(mapping + header.dataOffset)) % MemoryLayout<Scalar>.alignment == 0
    }

    private func rows<Scalar: BLASScalar>(_ range: Range<Int>, as: Scalar.Type, releasingPages: Bool) -> Matrix<Scalar> {
        precondition(range.lowerBound >= 0 && range.upperBound <= header.rows,
                     "rows \(range) out of range for \(path) with \(header.rows) rows")
        let columns = header.columns
        let data = UnsafeRawPointer(mapping + header.dataOffset)
        if readsInPlace(as: Scalar.self) {
            let base = data.assumingMemoryBound(to: Scalar.self) + range.lowerBound * columns
            let owner: AnyObject = releasingPages
                ? PageLease(file: self, start: UnsafeRawPointer(base), byteCount: range.count * columns * MemoryLayout<Scalar>.stride)
                : self
            return Matrix(borrowing: base, rows: range.count, columns: columns, owner: owner)
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

    /// Returns the pages spanning `byteCount` bytes at `start` to the
    /// system, and those of the 2 MiB before them.
    ///
    /// Why before: a fault maps the whole page-cache folio around the
    /// faulting page (up to 2 MiB on x86-64), so reading the first rows of a
    /// block maps pages of the previous block again after that block released
    /// them; without the margin, resident memory creeps up by a few hundred
    /// KiB per block. Releasing pages another block still reads is harmless:
    /// the mapping is read-only and private, so they are faulted in again.
    fileprivate func releasePages(start: UnsafeRawPointer, byteCount: Int) {
        guard byteCount > 0 else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE))), margin = 2 << 20
        let first = (Int(bitPattern: start) - margin) / page * page
        let end = Int(bitPattern: start) + byteCount
        let mappingStart = Int(bitPattern: mapping), mappingEnd = mappingStart + mappedLength
        let lower = Swift.max(first, mappingStart), upper = Swift.min(end, mappingEnd)
        guard upper > lower else { return }
        _ = madvise(UnsafeMutableRawPointer(bitPattern: lower), upper - lower, MADV_DONTNEED)
    }
}

/// Keeps a mapped file alive while a view of some of its rows is in use,
/// and releases those rows' pages when the view goes.
private final class PageLease: @unchecked Sendable {
    let file: NpyFile
    let start: UnsafeRawPointer
    let byteCount: Int

    init(file: NpyFile, start: UnsafeRawPointer, byteCount: Int) {
        self.file = file
        self.start = start
        self.byteCount = byteCount
    }

    deinit { file.releasePages(start: start, byteCount: byteCount) }
}
