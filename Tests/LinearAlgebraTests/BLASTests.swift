import Dispatch
import Synchronization
import Testing
@testable import LinearAlgebra

/// Every wrapper against a plain Swift reference, on degenerate and ordinary
/// shapes, every transpose, in Float and Double, with β ≠ 0 and on row views.
@Suite struct BLASTests {
    static let transposes: [(Transpose, Transpose)] = [(.none, .none), (.none, .transpose), (.transpose, .none), (.transpose, .transpose)]
    static let dimensions: [(m: Int, n: Int, k: Int)] = [(0, 0, 0), (0, 3, 2), (3, 0, 2), (3, 2, 0), (1, 1, 1), (9, 1, 4), (1, 9, 4), (7, 5, 3), (4, 6, 11), (16, 16, 16)]

    @Test(arguments: Precision.allCases, 0..<transposes.count)
    func gemmMatchesReference(precision: Precision, transposeIndex: Int) {
        switch precision {
        case .float: checkGemm(Float.self, Self.transposes[transposeIndex])
        case .double: checkGemm(Double.self, Self.transposes[transposeIndex])
        }
    }

    func checkGemm<S: BLASScalar>(_: S.Type, _ t: (Transpose, Transpose)) {
        for (index, d) in Self.dimensions.enumerated() {
            let seed = UInt64(index)
            let a: Matrix<S> = t.0.isTransposed ? randomMatrix(d.k, d.m, seed: seed) : randomMatrix(d.m, d.k, seed: seed)
            let b: Matrix<S> = t.1.isTransposed ? randomMatrix(d.n, d.k, seed: seed + 100) : randomMatrix(d.k, d.n, seed: seed + 100)
            let c0: Matrix<S> = randomMatrix(d.m, d.n, seed: seed + 200)
            for (alpha, beta) in [(S(1), S(0)), (S(-0.5), S(2)), (S(0), S(1))] {
                var c = c0
                BLAS.gemm(a, b, into: &c, transposeA: t.0, transposeB: t.1, alpha: alpha, beta: beta)
                let product = referenceProduct(op(a, t.0), op(b, t.1))
                let expected = Matrix(rows: d.m, columns: d.n) { i, j in alpha * product[i, j] + beta * c0[i, j] }
                #expect(relativeError(c, expected) <= tolerance(S.self, terms: d.k),
                        "gemm \(t) \(d) alpha \(alpha) beta \(beta)")
            }
        }
    }

    @Test func gemmIgnoresNaNInOutputWhenBetaIsZero() {
        let a = Matrix<Double>([[1, 2], [3, 4]])
        var c = Matrix<Double>(rows: 2, columns: 2, repeating: .nan)
        BLAS.gemm(a, a, into: &c)
        #expect(c == Matrix([[7, 10], [15, 22]]))
        var d = Matrix<Double>(rows: 2, columns: 2, repeating: .nan)
        BLAS.gemm(Matrix(rows: 2, columns: 0), Matrix(rows: 0, columns: 2), into: &d)
        #expect(d == Matrix(rows: 2, columns: 2), "an empty inner dimension with beta 0 clears C")
    }

    @Test func gemmOnRowViewsReadsOnlyTheView() {
        let big: Matrix<Double> = randomMatrix(20, 6, seed: 11)
        let block = big[rows: 5..<12]
        let w: Matrix<Double> = randomMatrix(6, 4, seed: 12)
        var out = Matrix<Double>(rows: 7, columns: 4)
        BLAS.gemm(block, w, into: &out)
        #expect(relativeError(out, referenceProduct(Matrix(rows: 7, columns: 6) { i, j in big[i + 5, j] }, w)) < 1e-14)

        // Writing into a view of a larger output leaves the rest alone.
        var target = Matrix<Double>(rows: 10, columns: 4, repeating: -7)
        var rows = target[rows: 2..<9]
        BLAS.gemm(block, w, into: &rows)
        target[rows: 2..<9] = rows
        #expect(target.row(0) == [-7, -7, -7, -7] && target.row(9) == [-7, -7, -7, -7])
        #expect(target[rows: 2..<9] == out)
    }

    @Test(arguments: Precision.allCases)
    func gemvMatchesReference(precision: Precision) {
        switch precision {
        case .float: checkGemv(Float.self)
        case .double: checkGemv(Double.self)
        }
    }

    func checkGemv<S: BLASScalar>(_: S.Type) {
        for (index, shape) in testShapes.enumerated() {
            let a: Matrix<S> = randomMatrix(shape.0, shape.1, seed: UInt64(index))
            for t in [Transpose.none, .transpose] {
                let (m, n) = t.isTransposed ? (shape.1, shape.0) : shape
                let x: Matrix<S> = randomMatrix(n, 1, seed: 50)
                let y0: Matrix<S> = randomMatrix(m, 1, seed: 51)
                var y = y0.elements
                BLAS.gemv(a, x.elements, into: &y, transpose: t, alpha: 2, beta: -1)
                let expected = 2 * referenceProduct(op(a, t), x) - y0
                #expect(relativeError(Matrix(rows: m, columns: 1, elements: y), expected) <= tolerance(S.self, terms: n),
                        "gemv \(t) \(shape)")
            }
        }
    }

    @Test(arguments: Precision.allCases)
    func syrkWritesOneTriangleOfTheGramMatrix(precision: Precision) {
        switch precision {
        case .float: checkSyrk(Float.self)
        case .double: checkSyrk(Double.self)
        }
    }

    func checkSyrk<S: BLASScalar>(_: S.Type) {
        for (index, shape) in testShapes.enumerated() {
            let a: Matrix<S> = randomMatrix(shape.0, shape.1, seed: UInt64(index))
            for t in [Transpose.none, .transpose] {
                for triangle in [Triangle.lower, .upper] {
                    let n = t.isTransposed ? shape.1 : shape.0
                    let c0: Matrix<S> = randomMatrix(n, n, seed: 77)
                    var c = c0
                    BLAS.syrk(a, into: &c, triangle: triangle, transpose: t, alpha: 0.5, beta: 3)
                    let gram = referenceProduct(op(a, t), op(a, t).transposed())
                    for i in 0..<n {
                        for j in 0..<n {
                            let inTriangle = triangle == .lower ? j <= i : j >= i
                            let expected = inTriangle ? 0.5 * gram[i, j] + 3 * c0[i, j] : c0[i, j]
                            #expect(abs(Double(c[i, j] - expected)) <= tolerance(S.self, terms: shape.1) * 10,
                                    "syrk \(t) \(triangle) \(shape) at (\(i), \(j))")
                        }
                    }
                }
            }
        }
    }

    /// A well-conditioned triangular matrix: unit-ish diagonal, small off-diagonal.
    func triangular<S: BLASScalar>(_ n: Int, _ triangle: Triangle, seed: UInt64) -> Matrix<S> {
        let r: Matrix<S> = randomMatrix(n, n, seed: seed)
        let full = Matrix(rows: n, columns: n) { i, j in i == j ? 2 + r[i, j] / 2 : r[i, j] / S(n) }
        return triangle == .lower ? full.lowerTriangle() : full.upperTriangle()
    }

    @Test(arguments: Precision.allCases)
    func trmmAndTrsmMatchReferenceAndInvertEachOther(precision: Precision) {
        switch precision {
        case .float: checkTriangularOperations(Float.self)
        case .double: checkTriangularOperations(Double.self)
        }
    }

    func checkTriangularOperations<S: BLASScalar>(_: S.Type) {
        for (index, shape) in testShapes.enumerated() {
            let b0: Matrix<S> = randomMatrix(shape.0, shape.1, seed: UInt64(index))
            for side in [Side.left, .right] {
                let n = side == .left ? shape.0 : shape.1
                for triangle in [Triangle.lower, .upper] {
                    for t in [Transpose.none, .transpose] {
                        for unit in [false, true] {
                            var a: Matrix<S> = triangular(n, triangle, seed: 9)
                            // Garbage in the other triangle must not be read.
                            for i in 0..<n { for j in 0..<n where triangle == .lower ? j > i : j < i { a[i, j] = 1000 } }
                            var effective = triangle == .lower ? a.lowerTriangle() : a.upperTriangle()
                            if unit { for i in 0..<n { effective[i, i] = 1 } }
                            let opA = op(effective, t)

                            var product = b0
                            BLAS.trmm(a, &product, side: side, triangle: triangle, transpose: t, unitDiagonal: unit, alpha: 2)
                            let expected = 2 * (side == .left ? referenceProduct(opA, b0) : referenceProduct(b0, opA))
                            #expect(relativeError(product, expected) <= tolerance(S.self, terms: n),
                                    "trmm \(side) \(triangle) \(t) unit \(unit) \(shape)")

                            var solved = product
                            BLAS.trsm(a, &solved, side: side, triangle: triangle, transpose: t, unitDiagonal: unit, alpha: 0.5)
                            #expect(relativeError(solved, b0) <= tolerance(S.self, terms: n) * 10,
                                    "trsm \(side) \(triangle) \(t) unit \(unit) \(shape)")
                        }
                    }
                }
            }
        }
    }

    @Test(arguments: Precision.allCases)
    func levelOneMatchesReference(precision: Precision) {
        switch precision {
        case .float: checkLevelOne(Float.self)
        case .double: checkLevelOne(Double.self)
        }
    }

    func checkLevelOne<S: BLASScalar>(_: S.Type) {
        for (index, shape) in testShapes.enumerated() {
            let x: Matrix<S> = randomMatrix(shape.0, shape.1, seed: UInt64(index))
            let y0: Matrix<S> = randomMatrix(shape.0, shape.1, seed: UInt64(index) + 30)
            var y = y0
            BLAS.axpy(-3, x, &y)
            #expect(relativeError(y, Matrix(rows: shape.0, columns: shape.1) { i, j in -3 * x[i, j] + y0[i, j] }) <= tolerance(S.self))
            var scaled = x
            BLAS.scal(0.25, &scaled)
            #expect(scaled == x.map { $0 * 0.25 })
            let dot = zip(x.elements, y0.elements).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            #expect(abs(Double(BLAS.dot(x, y0)) - dot) <= tolerance(S.self, terms: x.count))
            let norm = x.elements.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
            #expect(abs(Double(BLAS.nrm2(x)) - norm) <= tolerance(S.self, terms: x.count))
        }
    }

    @Test func nrm2AvoidsOverflowAndDotWorksOnViews() {
        let huge = Matrix<Double>([[1e200, 1e200]])
        #expect(abs(BLAS.nrm2(huge) / (1e200 * 2.0.squareRoot()) - 1) < 1e-15)
        let a = Matrix<Float>(rows: 4, columns: 2) { i, j in Float(i + j) }
        // Rows 1–2 are [1 2; 2 3] and rows 2–3 are [2 3; 3 4].
        let expected: Float = 1 * 2 + 2 * 3 + 2 * 3 + 3 * 4
        #expect(BLAS.dot(a[rows: 1..<3], a[rows: 2..<4]) == expected)
    }
}

@Suite struct BLASThreadingTests {
    @Test func sectionsNestAndStaySingleThreaded() {
        BLASThreading.withSingleThreadedBLAS {
            #expect(BLASThreading.threadCount == 1)
            BLASThreading.withSingleThreadedBLAS {
                #expect(BLASThreading.threadCount == 1)
            }
            #expect(BLASThreading.threadCount == 1, "an inner section ending must not restore while an outer one runs")
        }
    }

    /// Sections started and ended from many threads at once, nested and
    /// not, most counted without the lock: inside every one OpenBLAS is
    /// single-threaded. (What the count is restored to is not checked:
    /// other suites' sections run meanwhile.)
    @Test func concurrentSectionsStaySingleThreaded() {
        let outside = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 8) { thread in
            for round in 0..<2_000 {
                BLASThreading.withSingleThreadedBLAS {
                    if BLASThreading.threadCount != 1 { outside.add(1, ordering: .relaxed) }
                    if (thread + round) % 3 == 0 {
                        BLASThreading.withSingleThreadedBLAS {
                            if BLASThreading.threadCount != 1 { outside.add(1, ordering: .relaxed) }
                        }
                    }
                }
            }
        }
        #expect(outside.load(ordering: .relaxed) == 0)
    }
}
