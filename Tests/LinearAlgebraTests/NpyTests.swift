import Foundation
import Testing
@testable import LinearAlgebra

@Suite struct NpyTests {
    func fixture(_ name: String) -> String { fixtures.appendingPathComponent("npy/\(name)").path }

    /// The values the fixture script stores: a[i, j] = (i·columns + j)/3 − 1.
    func expected<S: BLASScalar>(_ rows: Int, _ columns: Int, as: S.Type = S.self) -> Matrix<S> {
        Matrix(rows: rows, columns: columns) { i, j in S(Double(i * columns + j) / 3.0 - 1.0) }
    }

    @Test(arguments: ["f8_c_v1.npy", "f8_c_v2.npy", "f8_c_v3.npy", "f8_fortran.npy"])
    func readsFloat64FilesNumpyWrote(name: String) throws {
        #expect(try Npy.read(contentsOf: fixture(name), as: Double.self) == expected(3, 4))
        #expect(try Npy.read(contentsOf: fixture(name), as: Float.self) == expected(3, 4, as: Float.self))
    }

    @Test(arguments: ["f4_c_v1.npy", "f4_fortran.npy"])
    func readsFloat32FilesNumpyWrote(name: String) throws {
        let f: Matrix<Float> = try Npy.read(contentsOf: fixture(name), as: Float.self)
        #expect(f == expected(3, 4, as: Float.self))
        let d: Matrix<Double> = try Npy.read(contentsOf: fixture(name))
        #expect(d == Matrix(rows: 3, columns: 4) { i, j in Double(f[i, j]) }, "float32 widens exactly")
    }

    @Test func readsVectorsAndEmptyArrays() throws {
        let v: Matrix<Double> = try Npy.read(contentsOf: fixture("f8_vector.npy"))
        #expect(v == expected(5, 1), "a 1-D array is one column")
        let header = try NpyFile(path: fixture("f8_vector.npy")).header
        #expect(header.shape == [5] && header.rows == 5 && header.columns == 1)
        let empty: Matrix<Double> = try Npy.read(contentsOf: fixture("f8_empty.npy"))
        #expect(empty.rows == 0 && empty.columns == 3)
    }

    @Test func headerOfNumpyFile() throws {
        let header = try NpyFile(path: fixture("f8_fortran.npy")).header
        #expect(header == NpyHeader(majorVersion: 1, dtype: .float64, fortranOrder: true, shape: [3, 4], dataOffset: 128))
        #expect(try NpyFile(path: fixture("f8_c_v2.npy")).header.majorVersion == 2)
    }

    static let corruptFixtures: [(String, NpyError.Reason)] = [
        ("bad_truncated.npy", .truncated(expectedBytes: 96, availableBytes: 91)),
        ("bad_magic.npy", .notNpy),
        ("bad_header.npy", .malformedHeader("no tuple 'shape' key")),
        ("bad_version.npy", .unsupportedVersion(major: 4, minor: 0)),
        ("bad_header_cut.npy", .malformedHeader("the header is 118 bytes but the file ends after 30")),
        ("bad_3d.npy", .unsupportedShape([2, 2, 2])),
        ("bad_0d.npy", .unsupportedShape([])),
        ("bad_bigendian.npy", .unsupportedDtype(">f8")),
        ("bad_int64.npy", .unsupportedDtype("<i8")),
        ("bad_object.npy", .unsupportedDtype("|O")),
    ]

    @Test(arguments: corruptFixtures)
    func corruptAndUnsupportedFilesGiveTheirError(name: String, reason: NpyError.Reason) {
        #expect(throws: NpyError(reason, file: fixture(name))) { try Npy.read(contentsOf: fixture(name), as: Double.self) }
    }

    @Test func errorMessagesSayWhatToDo() {
        #expect(NpyError(.unsupportedDtype(">f8"), file: "x.npy").description
                == "x.npy: dtype '>f8' is not supported; save the array as float32 or float64 (little-endian), e.g. with arr.astype('<f8')")
        #expect(NpyError(.unsupportedShape([2, 2, 2])).description
                == "an array of shape (2, 2, 2) is not supported; only 1-D and 2-D arrays are")
        #expect(NpyError(.unsupportedShape([4])).description.contains("(4,)"))
    }

    @Test func missingEmptyAndDirectoryPathsAreErrors() throws {
        #expect(throws: NpyError(.unreadable("No such file or directory"), file: "/nonexistent.npy")) {
            try NpyFile(path: "/nonexistent.npy")
        }
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(throws: NpyError(.unreadable("not a regular file"), file: dir.path)) { try NpyFile(path: dir.path) }
        let empty = dir.appendingPathComponent("empty.npy").path
        try Data().write(to: URL(fileURLWithPath: empty))
        #expect(throws: NpyError(.notNpy, file: empty)) { try NpyFile(path: empty) }
        let short = dir.appendingPathComponent("short.npy").path
        try Data([0x93, 0x4E, 0x55]).write(to: URL(fileURLWithPath: short))
        #expect(throws: NpyError(.malformedHeader("the file ends inside the magic string and version"), file: short)) {
            try NpyFile(path: short)
        }
    }

    @Test func aFIFOIsRefusedWithoutWaitingForAWriter() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let fifo = dir.appendingPathComponent("x.npy").path
        try #require(mkfifo(fifo, 0o600) == 0)
        #expect(throws: NpyError(.unreadable("not a regular file"), file: fifo)) { try NpyFile(path: fifo) }
    }

    @Test func aHugeHeaderLengthIsRefusedWithoutReadingIt() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // Version 2: a 4-byte length field saying 300 MB, in a 4 KB file.
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [2, 0]
        let length: UInt32 = 300_000_000
        bytes += (0..<4).map { UInt8(truncatingIfNeeded: length >> (8 * $0)) }
        bytes += [UInt8](repeating: 0x20, count: 4096 - bytes.count)
        let path = dir.appendingPathComponent("huge-header.npy").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect(throws: NpyError(.malformedHeader("the header length field says 300000000 bytes, more than the 65536 a .npy header may have"),
                                 file: path)) {
            try NpyFile(path: path)
        }
    }

    @Test(arguments: [1, 2, 3], [false, true])
    func roundTripsEveryVersionDtypeAndOrder(version: Int, fortran: Bool) throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        for shape in testShapes {
            let d: Matrix<Double> = randomMatrix(shape.0, shape.1, seed: 4)
            let f: Matrix<Float> = randomMatrix(shape.0, shape.1, seed: 5)
            let pd = dir.appendingPathComponent("d.npy").path, pf = dir.appendingPathComponent("f.npy").path
            try Npy.write(d, to: pd, majorVersion: version, fortranOrder: fortran)
            try Npy.write(f, to: pf, majorVersion: version, fortranOrder: fortran)
            #expect(try Npy.read(contentsOf: pd, as: Double.self) == d)
            #expect(try Npy.read(contentsOf: pf, as: Float.self) == f)
            let header = try NpyFile(path: pf).header
            #expect(header.majorVersion == version && header.fortranOrder == fortran && header.dtype == .float32)
            #expect(header.dataOffset % 64 == 0, "data starts on a 64-byte boundary, as numpy aligns it")
        }
        let column: Matrix<Double> = randomMatrix(6, 1, seed: 6)
        let pv = dir.appendingPathComponent("v.npy").path
        try Npy.write(column, to: pv, majorVersion: version, asVector: true)
        #expect(try NpyFile(path: pv).header.shape == [6])
        #expect(try Npy.read(contentsOf: pv, as: Double.self) == column)
    }

    /// Whether `python3` with numpy is on the PATH, to cross-check our writer.
    static let numpyAvailable: Bool = {
        let check = Process()
        check.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        check.arguments = ["python3", "-c", "import numpy"]
        check.standardError = FileHandle.nullDevice
        guard (try? check.run()) != nil else { return false }
        check.waitUntilExit()
        return check.terminationStatus == 0
    }()

    @Test(.enabled(if: numpyAvailable, "needs python3 with numpy"))
    func numpyReadsWhatWeWrite() throws {

        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("ours.npy").path
        try Npy.write(expected(3, 4, as: Float.self), to: path, majorVersion: 2, fortranOrder: true)
        let script = """
            import numpy as np, sys
            a = np.load(sys.argv[1])
            want = (np.arange(12, dtype=np.float64).reshape(3, 4) / 3.0 - 1.0).astype(np.float32)
            sys.exit(0 if a.dtype == np.float32 and a.shape == (3, 4) and a.flags.f_contiguous and (a == want).all() else 1)
            """
        let reader = Process()
        reader.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        reader.arguments = ["python3", "-c", script, path]
        try reader.run()
        reader.waitUntilExit()
        #expect(reader.terminationStatus == 0)
    }

    @Test func mappedRowsAreViewsWhenTheDtypeMatches() throws {
        let file = try NpyFile(path: fixture("f8_c_v1.npy"))
        let block: Matrix<Double> = file.rows(1..<3)
        #expect(block == expected(3, 4)[rows: 1..<3])
        #expect(!block.storage.isWritable, "a matching dtype maps the file without copying")
        var edited = block
        edited[0, 0] = 100
        #expect(edited[0, 0] == 100 && block[0, 0] == expected(3, 4, as: Double.self)[1, 0], "writing copies first")
        let converted: Matrix<Float> = file.rows(0..<2)
        #expect(converted.storage.isWritable && converted == expected(3, 4, as: Float.self)[rows: 0..<2])
        let fortran = try NpyFile(path: fixture("f8_fortran.npy"))
        #expect(fortran.rows(2..<3, as: Double.self) == expected(3, 4)[rows: 2..<3])
    }

    @Test func mappedMatrixOutlivesTheFileObject() throws {
        let block: Matrix<Double> = try NpyFile(path: fixture("f8_c_v1.npy")).matrix()
        #expect(block == expected(3, 4), "the matrix keeps the mapping alive")
    }
}
