import Testing
@testable import LinearAlgebra

@Suite struct MatrixTests {
    @Test func constructionFromArraysAndClosure() {
        let a = Matrix<Double>([[1, 2, 3], [4, 5, 6]])
        #expect(a.rows == 2 && a.columns == 3 && a.count == 6)
        #expect(a.elements == [1, 2, 3, 4, 5, 6])
        #expect(a[1, 0] == 4)
        let b = Matrix<Double>(rows: 2, columns: 3) { i, j in Double(3 * i + j + 1) }
        #expect(a == b)
        #expect(Matrix<Float>(rows: 2, columns: 2, elements: [1, 2, 3, 4])[1, 1] == 4)
        #expect(Matrix<Float>(rows: 2, columns: 3, repeating: 7).elements == [Float](repeating: 7, count: 6))
    }

    @Test func emptyMatrices() {
        let empty = Matrix<Double>([])
        #expect(empty.rows == 0 && empty.columns == 0 && empty.isEmpty)
        let wide = Matrix<Double>(rows: 0, columns: 4)
        #expect(wide.isEmpty && wide.columns == 4 && wide.elements.isEmpty)
        #expect(wide.transposed().rows == 4 && wide.transposed().columns == 0)
    }

    /// Empty matrices of every initialiser share one storage; writing to
    /// one, or growing a view of it into a product, touches no other.
    @Test func emptyMatricesShareStorageHarmlessly() {
        var a = Matrix<Double>(rows: 0, columns: 3)
        let b = Matrix<Double>(unsafeUninitializedRows: 3, columns: 0) { #expect($0.isEmpty && $0.baseAddress != nil) }
        let c = Matrix<Double>(rows: 0, columns: 2) { _, _ in 1 }
        let f = Matrix<Float>(rows: 0, columns: 0)
        a.withUnsafeMutableBufferPointer { #expect($0.isEmpty) }
        #expect(a.rows == 0 && a.columns == 3 && b.rows == 3 && b.columns == 0 && c.columns == 2 && f.isEmpty)
        #expect(b[rows: 1..<2].isEmpty && b.row(2).isEmpty)
        // (3 × 0)·(0 × 2) is 3 × 2 of zeros.
        let product = b.matmul(c)
        #expect(product.rows == 3 && product.columns == 2 && product.elements.allSatisfy { $0 == 0 })
        var d = Matrix<Double>(rows: 0, columns: 3)
        d[rows: 0..<0] = a
        #expect(d == a && d.elements.isEmpty)
    }

    /// Blocks made in one allocation are independent values: each holds its
    /// own elements, and writing to one leaves the others as they were.
    @Test func blocksInOneAllocationAreIndependent() {
        var blocks = Matrix<Double>.blocks(count: 3, rows: 2, columns: 2) { index, elements in
            for i in 0..<4 { elements[i] = Double(10 * index + i) }
        }
        #expect(blocks.map(\.elements) == [[0, 1, 2, 3], [10, 11, 12, 13], [20, 21, 22, 23]])
        blocks[1][0, 1] = -1
        #expect(blocks.map(\.elements) == [[0, 1, 2, 3], [10, -1, 12, 13], [20, 21, 22, 23]])
        #expect(blocks[2].matmul(blocks[0]) == Matrix([[42, 83], [46, 91]]))
        #expect(Matrix<Double>.blocks(count: 0, rows: 2, columns: 2) { _, _ in Issue.record("called for no block") }.isEmpty)
    }

    /// One allocation per matrix: the scalars of a matrix that owns them
    /// are the storage object's own elements, for every way of making one.
    @Test func ownedScalarsLiveInTheStorageObject() {
        let made: [Matrix<Double>] = [
            Matrix(rows: 3, columns: 2, repeating: 1), Matrix(rows: 2, columns: 2, elements: [1, 2, 3, 4]),
            Matrix(rows: 2, columns: 3) { i, j in Double(i + j) }, Matrix(unsafeUninitializedRows: 1, columns: 2) { $0[0] = 1; $0[1] = 2 },
        ]
        for m in made {
            #expect(m.storage.base == m.storage.withUnsafeMutablePointerToElements { $0 })
            #expect(m.storage.isWritable && m.storage.scalarCount == m.count)
        }
        var copied = made[1][rows: 1..<2]
        copied[0, 0] = 9
        #expect(copied.storage.base == copied.storage.withUnsafeMutablePointerToElements { $0 } && copied.storage.scalarCount == 2)
    }

    @Test func copyOnWriteKeepsValueSemantics() {
        let a = Matrix<Double>([[1, 2], [3, 4]])
        var b = a
        b[0, 0] = 9
        #expect(a[0, 0] == 1)
        #expect(b[0, 0] == 9)
    }

    @Test func rowViewsShareStorageUntilWritten() {
        var big = Matrix<Double>(rows: 5, columns: 3) { i, j in Double(10 * i + j) }
        let view = big[rows: 1..<3]
        #expect(view.rows == 2 && view.columns == 3)
        #expect(view.elements == [10, 11, 12, 20, 21, 22])
        #expect(view.storage === big.storage, "a row view must not copy")

        var edited = view
        edited[0, 0] = -1
        #expect(big[1, 0] == 10, "writing to a view must not change the matrix it came from")
        #expect(edited.elements == [-1, 11, 12, 20, 21, 22])

        big[rows: 3..<5] = Matrix([[0, 0, 0], [1, 1, 1]])
        #expect(big.row(3) == [0, 0, 0] && big.row(4) == [1, 1, 1])
        #expect(view.elements == [10, 11, 12, 20, 21, 22], "assigning rows must not change an earlier view")
        #expect(big[rows: 2..<2].isEmpty)
    }

    @Test func viewOfViewAndColumns() {
        let a = Matrix<Float>(rows: 6, columns: 2) { i, j in Float(i * 2 + j) }
        let inner = a[rows: 2..<6][rows: 1..<3]
        #expect(inner.elements == [6, 7, 8, 9])
        #expect(a.column(1) == [1, 3, 5, 7, 9, 11])
        #expect(a.row(5) == [10, 11])
    }

    @Test(arguments: testShapes)
    func transposeSwapsIndices(shape: (Int, Int)) {
        let a: Matrix<Double> = randomMatrix(shape.0, shape.1, seed: 3)
        let t = a.transposed()
        #expect(t.rows == a.columns && t.columns == a.rows)
        for i in 0..<a.rows { for j in 0..<a.columns { #expect(t[j, i] == a[i, j]) } }
        #expect(t.transposed() == a)
    }

    @Test func transposeOfLargeMatrixCrossesTiles() {
        let a = Matrix<Float>(rows: 70, columns: 45) { i, j in Float(i * 1000 + j) }
        let t = a.transposed()
        #expect(t[44, 69] == a[69, 44] && t[33, 40] == a[40, 33] && t[0, 69] == a[69, 0])
    }

    @Test func identityDiagonalAndTriangles() {
        #expect(Matrix<Double>.identity(3) == Matrix([[1, 0, 0], [0, 1, 0], [0, 0, 1]]))
        let a = Matrix<Double>([[1, 2, 3], [4, 5, 6], [7, 8, 9]])
        #expect(a.diagonal == [1, 5, 9])
        #expect(Matrix<Double>([[1, 2, 3], [4, 5, 6]]).diagonal == [1, 5])
        #expect(a.lowerTriangle() == Matrix([[1, 0, 0], [4, 5, 0], [7, 8, 9]]))
        #expect(a.upperTriangle() == Matrix([[1, 2, 3], [0, 5, 6], [0, 0, 9]]))
        #expect(Matrix(diagonal: [2.0, 3]) == Matrix([[2, 0], [0, 3]]))
        var s = a
        s.symmetrize(from: .lower)
        #expect(s == Matrix([[1, 4, 7], [4, 5, 8], [7, 8, 9]]))
        s = a
        s.symmetrize(from: .upper)
        #expect(s == Matrix([[1, 2, 3], [2, 5, 6], [3, 6, 9]]))
    }

    @Test func equalityComparesShapeAndValues() {
        #expect(Matrix<Double>(rows: 2, columns: 3) != Matrix<Double>(rows: 3, columns: 2))
        #expect(Matrix<Double>([[1, 2]]) != Matrix<Double>([[1, 3]]))
        let big = Matrix<Double>(rows: 4, columns: 2) { i, j in Double(i + j) }
        #expect(big[rows: 1..<2] == Matrix([[1, 2]]))
        #expect(Matrix<Double>([[.nan]]) != Matrix<Double>([[.nan]]))
    }

    @Test func arithmetic() {
        let a = Matrix<Double>([[1, 2], [3, 4]])
        let b = Matrix<Double>([[0.5, 1], [1, 2]])
        #expect(a + b == Matrix([[1.5, 3], [4, 6]]))
        #expect(a - b == Matrix([[0.5, 1], [2, 2]]))
        #expect(2 * a == Matrix([[2, 4], [6, 8]]))
        #expect(-a == Matrix([[-1, -2], [-3, -4]]))
        #expect(a.map { $0 * $0 } == Matrix([[1, 4], [9, 16]]))
        #expect(a.matmul(b) == Matrix([[2.5, 5], [5.5, 11]]))
        #expect(a.matmul(b, transposeSelf: .transpose) == Matrix([[3.5, 7], [5, 10]]))
    }

    @Test func descriptionIsAlignedAndTruncated() {
        let a = Matrix<Double>([[1, 2.5, -3], [0.0001, 1e10, 6]])
        #expect(a.description == """
            2×3 Matrix<Double>
            [[     1    2.5     -3]
             [0.0001  1e+10      6]]
            """)
        #expect(Matrix<Float>(rows: 0, columns: 2).description == "0×2 Matrix<Float>\n[]")
        let big = Matrix<Double>(rows: 20, columns: 30) { i, j in Double(i * 100 + j) }
        let lines = big.description.split(separator: "\n")
        #expect(lines.count == 1 + 7, "3 rows, an ellipsis row and 3 rows, after the title")
        #expect(lines[0] == "20×30 Matrix<Double>")
        #expect(lines[1] == "[[   0    1    2  ...   27   28   29]")
        #expect(lines[4].contains("..."))
        #expect(lines[7] == " [1900 1901 1902  ... 1927 1928 1929]]")
    }
}
