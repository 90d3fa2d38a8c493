import Foundation
import Testing
@testable import LinearAlgebra

@Suite struct CSVTests {
    func parse(_ text: String, header: CSV.HeaderPolicy = .automatic, delimiter: Character = ",") throws(CSVError) -> CSVTable<Double> {
        try CSV.parse(Array(text.utf8), as: Double.self, delimiter: delimiter.asciiValue!, header: header)
    }

    func error(_ text: String, header: CSV.HeaderPolicy = .automatic) -> CSVError? {
        do { _ = try parse(text, header: header); return nil } catch { return error }
    }

    func select(_ text: String, _ columns: [String], delimiter: Character = ",") throws(CSVError) -> CSVTable<Double> {
        try CSV.parse(Array(text.utf8), as: Double.self, delimiter: delimiter.asciiValue!, columns: columns)
    }

    /// Selected columns, by name or index, in the order asked and as often as
    /// asked; the others are not read, so text there is no error.
    @Test func selectedColumnsAreReadAndTheRestSkipped() throws {
        let text = "id,species,x,y\n1,setosa,0.5,2\n2,virginica,1.5,-3\n"
        let byName = try select(text, ["y", "x"])
        #expect(byName.header == ["y", "x"] && byName.matrix == Matrix([[2, 0.5], [-3, 1.5]]))
        let mixed = try select(text, ["0", "x", "x"])
        #expect(mixed.header == ["id", "x", "x"] && mixed.matrix == Matrix([[1, 0.5, 0.5], [2, 1.5, 1.5]]))
        // Indices alone, numbers in the first line: no header.
        let noHeader = try select("7,a,8\n9,b,10\n", ["2", "0"])
        #expect(noHeader.header == nil && noHeader.matrix == Matrix([[8, 7], [10, 9]]))
        let tabs = try select("a\tb\n1\tx y\n", ["a"], delimiter: "\t")
        #expect(tabs.matrix == Matrix([[1]]))
    }

    @Test func selectionErrorsNameTheColumnAndTheCell() {
        func failure(_ text: String, _ columns: [String]) -> CSVError? {
            do { _ = try select(text, columns); return nil } catch { return error }
        }
        let text = "id,species,x\n1,setosa,0.5\n"
        #expect(failure(text, ["z"]) == CSVError(.unknownColumn(name: "z", header: ["id", "species", "x"]), line: 1))
        #expect(failure(text, ["3"]) == CSVError(.unknownColumn(name: "3", header: ["id", "species", "x"]), line: 1))
        #expect(failure(text, ["species"]) == CSVError(.invalidNumber(text: "setosa"), line: 2, column: 2))
        #expect(failure("1,2\n3\n", ["0"]) == CSVError(.raggedRow(expected: 2, found: 1), line: 2))
        // A name implies a header, even a numeric one.
        #expect(failure("1,2\n", ["x"]) == CSVError(.unknownColumn(name: "x", header: ["1", "2"]), line: 1))
        #expect(CSVError(.unknownColumn(name: "z", header: nil), line: 1).description
                == "line 1: no column \"z\" (the file has no header; use 0-based indices)")
    }

    @Test func plainNumbersWithoutHeader() throws {
        let table = try parse("1,2,3\n4,5.5,-6e2\n")
        #expect(table.header == nil)
        #expect(table.matrix == Matrix([[1, 2, 3], [4, 5.5, -600]]))
    }

    @Test func headerDetectedTrimmedAndQuoted() throws {
        let table = try parse(" eruptions , \"waiting, min\" \n 3.6 ,79\n\n1.8,  54 \n")
        #expect(table.header == ["eruptions", "waiting, min"])
        #expect(table.matrix == Matrix([[3.6, 79], [1.8, 54]]))
    }

    @Test func headerPolicyOverridesDetection() throws {
        let forced = try parse("1,2\n3,4\n", header: .present)
        #expect(forced.header == ["1", "2"] && forced.matrix == Matrix([[3, 4]]))
        #expect(error("a,b\n1,2\n", header: .absent) == CSVError(.invalidNumber(text: "a"), line: 1, column: 1))
    }

    @Test func quotedNumbersAndEscapedQuotes() throws {
        let table = try parse("\"x \"\"one\"\"\",y\n\"1.5\",\"-2\"\n")
        #expect(table.header == ["x \"one\"", "y"])
        #expect(table.matrix == Matrix([[1.5, -2]]))
    }

    @Test func windowsLineEndingsBlankLinesAndByteOrderMark() throws {
        // Read with the wrong delimiter, each line is one non-numeric cell.
        #expect(error("\u{FEFF}a;b\r\n\r\n1;2\r\n") == CSVError(.invalidNumber(text: "1;2"), line: 3, column: 1))
        let semicolons = try CSV.parse(Array("\u{FEFF}a;b\r\n\r\n1;2\r\n  \r\n3;4".utf8), delimiter: UInt8(ascii: ";"))
        #expect(semicolons.header == ["a", "b"])
        #expect(semicolons.matrix == Matrix([[1, 2], [3, 4]]))
    }

    @Test func tabDelimited() throws {
        let table = try CSV.parse(Array("1\t 2\n3\t4\n".utf8), delimiter: UInt8(ascii: "\t"))
        #expect(table.matrix == Matrix([[1, 2], [3, 4]]))
    }

    @Test func raggedRowsNameTheLine() {
        #expect(error("1,2,3\n4,5\n") == CSVError(.raggedRow(expected: 3, found: 2), line: 2))
        #expect(error("a,b\n1,2\n\n3,4,5\n") == CSVError(.raggedRow(expected: 2, found: 3), line: 4))
    }

    @Test func nonNumericCellsNameLineColumnAndText() throws {
        let e = error("x,y\n1,2\n3,abc\n")
        #expect(e == CSVError(.invalidNumber(text: "abc"), line: 3, column: 2))
        #expect(e?.description == "line 3, column 2: \"abc\" is not a number")
        #expect(error("1,2\n3,\n") == CSVError(.invalidNumber(text: ""), line: 2, column: 2))
        #expect(error("1,2\n3,4 5\n") == CSVError(.invalidNumber(text: "4 5"), line: 2, column: 2))
        #expect(error("1,2\n3,4x\n") == CSVError(.invalidNumber(text: "4x"), line: 2, column: 2))
        #expect(error("1,\"2\n") == CSVError(.unterminatedQuote, line: 1, column: 2))
        // Text after a closing quote is an error, not dropped; blanks are fine.
        #expect(error("1,2\n3,\"1\"abc\n") == CSVError(.textAfterQuote, line: 2, column: 2))
        #expect(error("\"1\"x,2\n") == CSVError(.textAfterQuote, line: 1, column: 1))
        #expect(try parse("1,\"2\"  \n3,4\n").matrix == Matrix([[1, 2], [3, 4]]))
    }

    @Test func everyLineEndingReadsTheSameRows() throws {
        let expected = Matrix([[1.0, 2], [3, 4]])
        for text in ["a,b\n1,2\n3,4\n", "a,b\r\n1,2\r\n3,4\r\n", "a,b\r1,2\r3,4\r", "a,b\r1,2\n3,4"] {
            let table = try parse(text)
            #expect(table.header == ["a", "b"] && table.matrix == expected, "\(text.debugDescription)")
        }
        // Line numbers count CR-only lines too.
        #expect(error("a,b\r1,2\r3,x\r") == CSVError(.invalidNumber(text: "x"), line: 3, column: 2))
    }

    @Test func controlCharactersInAnErrorArePrintedEscaped() {
        let e = error("1,2\n3,\u{1B}[31mred\n")
        #expect(e?.description == "line 2, column 2: \"\\u{1b}[31mred\" is not a number", "\(String(describing: e))")
    }

    @Test func emptyAndHeaderOnlyFiles() throws {
        #expect(error("") == CSVError(.empty))
        #expect(error(" \n\r\n\t\n") == CSVError(.empty))
        let headerOnly = try parse("a,b,c\n")
        #expect(headerOnly.header == ["a", "b", "c"])
        #expect(headerOnly.matrix.rows == 0 && headerOnly.matrix.columns == 3)
    }

    @Test func floatParsing() throws {
        let table = try CSV.parse(Array("0.1,1e-3\n".utf8), as: Float.self)
        #expect(table.matrix == Matrix<Float>([[0.1, 0.001]]))
    }

    @Test func writeThenReadRoundTripsExactly() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("m.csv").path
        let a = Matrix<Double>([[0.1, 1.0 / 3, -2e-300], [.pi, 1e300, 42]])
        try CSV.write(a, to: path, header: ["first", "with,comma", " padded"])
        let back = try CSV.read(contentsOf: path, as: Double.self)
        #expect(back.header == ["first", "with,comma", " padded"])
        #expect(back.matrix == a, "shortest round-trip text reads back bit for bit")
        let f = Matrix<Float>([[0.1, 1.0 / 3]])
        #expect(try CSV.parse(Array(CSV.string(f).utf8), as: Float.self).matrix == f)
    }

    @Test func fileErrorsNameTheFile() throws {
        do {
            _ = try CSV.read(contentsOf: "/nonexistent/data.csv")
            Issue.record("expected an error")
        } catch {
            #expect(error == CSVError(.unreadable("no such file"), file: "/nonexistent/data.csv"))
        }
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("bad.csv").path
        try Data("a,b\n1,2\n3,x\n".utf8).write(to: URL(fileURLWithPath: path))
        do {
            _ = try CSV.read(contentsOf: path)
            Issue.record("expected an error")
        } catch {
            #expect(error.description == "\(path), line 3, column 2: \"x\" is not a number")
        }
    }

    @Test func readsTheShippedDataSets() throws {
        let faithful = try CSV.read(contentsOf: shippedData.appendingPathComponent("faithful.csv").path)
        #expect(faithful.header == ["eruptions", "waiting"])
        #expect(faithful.matrix.rows == 272 && faithful.matrix.columns == 2)
        #expect(faithful.matrix.row(0) == [3.6, 79])
        let digits = try CSV.read(contentsOf: shippedData.appendingPathComponent("digits.csv").path, as: Float.self)
        #expect(digits.matrix.rows == 1797 && digits.matrix.columns == 65 && digits.header?.last == "label")
    }
}
