import Foundation
import Testing
@testable import LinearAlgebra

@Suite struct ReductionTests {
    @Test(arguments: testShapes)
    func sumsMeansAndMaximaMatchReference(shape: (Int, Int)) {
        let a: Matrix<Double> = randomMatrix(shape.0, shape.1, seed: 21)
        let rows = (0..<a.rows).map { a.row($0) }
        let columns = (0..<a.columns).map { a.column($0) }
        #expect(zip(a.rowSums(), rows.map { $0.reduce(0, +) }).allSatisfy { abs($0 - $1) < 1e-14 })
        #expect(zip(a.columnSums(), columns.map { $0.reduce(0, +) }).allSatisfy { abs($0 - $1) < 1e-14 })
        #expect(a.rowMaxima() == rows.map { $0.max() ?? -.infinity })
        #expect(a.columnMaxima() == columns.map { $0.max() ?? -.infinity })
        #expect(abs(a.sum() - a.elements.reduce(0, +)) < 1e-13)
        if shape.1 > 0 {
            #expect(zip(a.rowMeans(), rows.map { $0.reduce(0, +) / Double($0.count) }).allSatisfy { abs($0 - $1) < 1e-14 })
        } else {
            #expect(a.rowMeans().allSatisfy { $0.isNaN }, "the mean of nothing is NaN")
        }
        if shape.0 > 0 {
            #expect(zip(a.columnMeans(), columns.map { $0.reduce(0, +) / Double($0.count) }).allSatisfy { abs($0 - $1) < 1e-14 })
        }
    }

    @Test func reductionsOfViews() {
        let a = Matrix<Float>(rows: 5, columns: 2) { i, j in Float(i * 2 + j) }
        let view = a[rows: 2..<4]
        #expect(view.rowSums() == [9, 13])
        #expect(view.columnSums() == [10, 12])
        #expect(view.columnMaxima() == [6, 7])
    }

    @Test func maximaPropagateNaN() {
        let a = Matrix<Double>([[1, .nan, 3], [4, 5, 6]])
        let rowMax = a.rowMaxima()
        #expect(rowMax[0].isNaN && rowMax[1] == 6)
        let columnMax = a.columnMaxima()
        #expect(columnMax[0] == 4 && columnMax[1].isNaN && columnMax[2] == 6)
    }

    /// log Σ exp, in extended steps on small finite inputs: the reference.
    func naiveLogSumExp(_ xs: [Double]) -> Double { log(xs.reduce(0) { $0 + exp($1) }) }

    @Test func logSumExpMatchesNaiveOnModerateValues() {
        let a: Matrix<Double> = randomMatrix(9, 6, seed: 8)
        let scaled = 10 * a
        for (i, value) in scaled.rowLogSumExp().enumerated() {
            #expect(abs(value - naiveLogSumExp(scaled.row(i))) < 1e-13)
        }
        for (j, value) in scaled.columnLogSumExp().enumerated() {
            #expect(abs(value - naiveLogSumExp(scaled.column(j))) < 1e-13)
        }
        let f = Matrix<Float>(rows: 3, columns: 4) { i, j in Float(i - j) }
        for (i, value) in f.rowLogSumExp().enumerated() {
            #expect(abs(Double(value) - naiveLogSumExp(f.row(i).map(Double.init))) < 1e-6)
        }
    }

    @Test func logSumExpOfHugeAndTinyValuesDoesNotOverflow() {
        let a = Matrix<Double>([[1e300, 1e300], [-1e300, -1e300], [1000, 1000 - log(3)], [-1000, -1001]])
        let lse = a.rowLogSumExp()
        #expect(lse[0] == 1e300, "1e300 + log 2 rounds to 1e300")
        #expect(lse[1] == -1e300)
        #expect(abs(lse[2] - (1000 + log(4.0 / 3))) < 1e-12)
        #expect(abs(lse[3] - (-1000 + log1p(exp(-1.0)))) < 1e-12)
        let huge = Matrix<Float>([[80, 89], [-110, -120]])  // exp(89) overflows Float
        let flse = huge.rowLogSumExp()
        #expect(abs(flse[0] - (89 + log1p(exp(-9)))) < 1e-4)
        #expect(abs(flse[1] - (-110 + log1p(exp(-10)))) < 1e-4)
    }

    @Test func logSumExpOfInfinitiesAndNaN() {
        let inf = Double.infinity
        let a = Matrix<Double>([[-inf, -inf], [-inf, 2], [inf, 1], [inf, -inf], [.nan, 1], [.nan, inf]])
        let lse = a.rowLogSumExp()
        #expect(lse[0] == -inf, "a row of −∞ gives −∞, not NaN")
        #expect(lse[1] == 2)
        #expect(lse[2] == inf)
        #expect(lse[3] == inf)
        #expect(lse[4].isNaN && lse[5].isNaN)
        let columns = a.transposed().columnLogSumExp()
        #expect(columns[0] == -inf && columns[1] == 2 && columns[2] == inf && columns[3] == inf)
        #expect(columns[4].isNaN && columns[5].isNaN)
        #expect(Matrix<Double>(rows: 2, columns: 0).rowLogSumExp() == [-inf, -inf], "the log of an empty sum")
        #expect(Matrix<Double>(rows: 0, columns: 3).columnLogSumExp() == [-inf, -inf, -inf])
    }

    @Test func intoVariantsReuseTheirOutput() {
        let a = Matrix<Double>([[0, 0], [1, 1]])
        var out = [Double](repeating: .nan, count: 2)
        a.rowLogSumExp(into: &out)
        #expect(abs(out[0] - log(2)) < 1e-15 && abs(out[1] - (1 + log(2))) < 1e-15)
        a.rowSums(into: &out)
        #expect(out == [0, 2])
        a.columnSums(into: &out)
        #expect(out == [1, 1])
        a.columnLogSumExp(into: &out)
        #expect(abs(out[0] - log(1 + exp(1))) < 1e-15)
    }
}
