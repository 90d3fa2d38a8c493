import Foundation
import Testing
@testable import LinearAlgebra

@Suite struct LAPACKTests {
    static let sizes = [0, 1, 2, 5, 12, 40]

    @Test(arguments: sizes)
    func choleskyReconstructsDoubleToTwelveDigits(n: Int) throws {
        let a: Matrix<Double> = randomSPD(n, seed: UInt64(n))
        for triangle in [Triangle.lower, .upper] {
            let chol = try Cholesky(a, triangle: triangle)
            let f = chol.factor
            // The factor is triangular, and zero outside its triangle.
            #expect(f == (triangle == .lower ? f.lowerTriangle() : f.upperTriangle()))
            let rebuilt = triangle == .lower ? referenceProduct(f, f.transposed()) : referenceProduct(f.transposed(), f)
            #expect(relativeError(rebuilt, a) <= 1e-12, "\(triangle) n=\(n)")
        }
    }

    @Test(arguments: sizes)
    func choleskyInFloat(n: Int) throws {
        let a: Matrix<Float> = randomSPD(n, seed: UInt64(n))
        let f = try Cholesky(a).factor
        #expect(relativeError(referenceProduct(f, f.transposed()), a) <= 1e-5)
    }

    @Test func potrfReadsOnlyItsTriangle() throws {
        var a: Matrix<Double> = randomSPD(6, seed: 4)
        let expected = try Cholesky(a).factor
        for i in 0..<6 { for j in (i + 1)..<6 { a[i, j] = .nan } }
        try LAPACK.potrf(&a, triangle: .lower)
        #expect(relativeError(a.lowerTriangle(), expected) == 0)
        #expect(a[0, 5].isNaN, "the other triangle is left as it was")
    }

    @Test func notPositiveDefiniteNamesTheLeadingMinor() {
        // The leading 2×2 minor is 1·1 − 2·2 < 0.
        let indefinite = Matrix<Double>([[1, 2, 0], [2, 1, 0], [0, 0, 1]])
        #expect(throws: LinearAlgebraError.notPositiveDefinite(leadingMinor: 2)) { try Cholesky(indefinite) }
        #expect(throws: LinearAlgebraError.notPositiveDefinite(leadingMinor: 2)) { try Cholesky(indefinite, triangle: .upper) }
        // Positive semi-definite: rank 1, fails at minor 2 of 3.
        let singular = Matrix<Float>([[1, 1, 1], [1, 1, 1], [1, 1, 1]])
        #expect(throws: LinearAlgebraError.notPositiveDefinite(leadingMinor: 2)) { try Cholesky(singular) }
        #expect(throws: LinearAlgebraError.notPositiveDefinite(leadingMinor: 1)) { try Cholesky(Matrix<Double>([[-4]])) }
        var withNaN: Matrix<Double> = randomSPD(4, seed: 1)
        withNaN[2, 2] = .nan
        #expect(throws: LinearAlgebraError.notPositiveDefinite(leadingMinor: 3)) { try Cholesky(withNaN) }
        var withInfinity: Matrix<Double> = randomSPD(4, seed: 1)
        withInfinity[1, 0] = .infinity
        #expect(throws: LinearAlgebraError.notPositiveDefinite(leadingMinor: 2)) { try Cholesky(withInfinity) }
        let message = LinearAlgebraError.notPositiveDefinite(leadingMinor: 2).description
        #expect(message == "the matrix is not positive definite: its leading minor of order 2 is not positive")
    }

    @Test(arguments: sizes)
    func logDeterminantMatchesEigenvalueSum(n: Int) throws {
        let a: Matrix<Double> = randomSPD(n, seed: UInt64(n) + 7)
        let eigenvalues = try SymmetricEigendecomposition<Double>.eigenvalues(of: a)
        let expected = eigenvalues.reduce(0) { $0 + log($1) }
        for triangle in [Triangle.lower, .upper] {
            let logDet = try Cholesky(a, triangle: triangle).logDeterminant
            #expect(abs(logDet - expected) <= 1e-12 * max(1, abs(expected)))
        }
    }

    @Test func logDeterminantDoesNotOverflow() throws {
        // |A| = 1e-400 underflows Double; its logarithm does not.
        let a = Matrix<Double>(diagonal: [Double](repeating: 1e-100, count: 4))
        let logDet = try Cholesky(a).logDeterminant
        #expect(abs(logDet - 4 * log(1e-100)) < 1e-10)
    }

    @Test(arguments: Precision.allCases)
    func solveAndInverse(precision: Precision) throws {
        switch precision {
        case .float: try checkSolveAndInverse(Float.self, tolerance: 1e-4)
        case .double: try checkSolveAndInverse(Double.self, tolerance: 1e-12)
        }
    }

    func checkSolveAndInverse<S: BLASScalar>(_: S.Type, tolerance: Double) throws {
        for n in Self.sizes {
            let a: Matrix<S> = randomSPD(n, seed: UInt64(n) + 3)
            let b: Matrix<S> = randomMatrix(n, 3, seed: 5)
            for triangle in [Triangle.lower, .upper] {
                let chol = try Cholesky(a, triangle: triangle)
                let x = chol.solve(b)
                #expect(relativeError(referenceProduct(a, x), b) <= tolerance, "solve \(triangle) n=\(n)")
                let inverse = chol.inverse()
                #expect(inverse == inverse.transposed(), "the inverse is symmetric")
                #expect(relativeError(referenceProduct(a, inverse), .identity(n)) <= tolerance, "inverse \(triangle) n=\(n)")
            }
        }
    }

    @Test func triangularInverse() throws {
        for triangle in [Triangle.lower, .upper] {
            for unit in [false, true] {
                let r: Matrix<Double> = randomMatrix(7, 7, seed: 2)
                var t = Matrix<Double>(rows: 7, columns: 7) { i, j in i == j ? 3 + r[i, j] : r[i, j] }
                t = triangle == .lower ? t.lowerTriangle() : t.upperTriangle()
                var effective = t
                if unit { for i in 0..<7 { effective[i, i] = 1 } }
                var inverse = t
                try LAPACK.trtri(&inverse, triangle: triangle, unitDiagonal: unit)
                if unit { for i in 0..<7 { inverse[i, i] = 1 } }
                #expect(relativeError(referenceProduct(effective, inverse), .identity(7)) < 1e-13, "\(triangle) unit \(unit)")
            }
        }
        var singular = Matrix<Double>([[1, 0, 0], [5, 0, 0], [1, 2, 3]])
        #expect(throws: LinearAlgebraError.singular(diagonalIndex: 2)) { try LAPACK.trtri(&singular, triangle: .lower) }
    }

    @Test(arguments: [0, 1, 3, 10, 33])
    func symmetricEigendecompositionReconstructs(n: Int) throws {
        let r: Matrix<Double> = randomMatrix(n, n, seed: UInt64(n))
        let a = r + r.transposed()
        let eigen = try SymmetricEigendecomposition(a)
        #expect(eigen.values == eigen.values.sorted())
        let v = eigen.vectors
        #expect(relativeError(referenceProduct(v.transposed(), v), .identity(n)) < 1e-13, "orthonormal")
        for k in 0..<n {
            // A·v_k = λ_k·v_k, column k.
            let column = Matrix(rows: n, columns: 1, elements: v.column(k))
            #expect(relativeError(referenceProduct(a, column), eigen.values[k] * column) < 1e-12)
        }
        let floatValues = try SymmetricEigendecomposition<Float>.eigenvalues(of: Matrix(rows: n, columns: n) { Float(a[$0, $1]) })
        for k in 0..<n { #expect(abs(Double(floatValues[k]) - eigen.values[k]) < 1e-4 * Double(max(n, 1))) }
    }

    @Test func eigenOfKnownMatrix() throws {
        let eigen = try SymmetricEigendecomposition(Matrix<Double>([[2, 1], [1, 2]]))
        #expect(abs(eigen.values[0] - 1) < 1e-15 && abs(eigen.values[1] - 3) < 1e-15)
        #expect(abs(abs(eigen.vectors[0, 1]) - 0.5.squareRoot()) < 1e-15)
        #expect(throws: LinearAlgebraError.nonFinite(routine: "syevd")) {
            try SymmetricEigendecomposition(Matrix<Double>([[1, .nan], [.nan, 1]]))
        }
    }
}
