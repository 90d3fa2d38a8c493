import Foundation
import Testing
@testable import LinearAlgebra

/// Jacobi's eigendecomposition of small symmetric matrices against LAPACK's.
@Suite struct SmallSymmetricEigenTests {
    static func decompose(_ a: [Double], _ d: Int) -> (values: [Double], vectors: [Double])? {
        var values = [Double](repeating: .nan, count: d), vectors = [Double](repeating: .nan, count: d * d)
        var scratch = vectors
        let ok = a.withUnsafeBufferPointer { a in
            values.withUnsafeMutableBufferPointer { w in
                vectors.withUnsafeMutableBufferPointer { v in
                    scratch.withUnsafeMutableBufferPointer { SmallSymmetricEigen.decompose(a, dimension: d, values: w, vectors: v, scratch: $0) }
                }
            }
        }
        return ok ? (values, vectors) : nil
    }

    /// Symmetric test matrices: random positive definite, indefinite, with
    /// a repeated eigenvalue, diagonal, and zero.
    static func matrices(_ d: Int) -> [Matrix<Double>] {
        let spd: Matrix<Double> = randomSPD(d, seed: UInt64(d))
        var indefinite = spd
        for i in 0..<d { indefinite[i, i] -= 1.5 }
        // Q·diag(1, 1, 3, …)·Qᵀ: a twice repeated eigenvalue.
        let q = try! SymmetricEigendecomposition(spd).vectors
        let repeated = Matrix<Double>(rows: d, columns: d) { i, j in
            (0..<d).reduce(0.0) { $0 + q[i, $1] * (($1 < 2) ? 1 : Double($1 + 1)) * q[j, $1] }
        }
        let diagonal = Matrix<Double>(rows: d, columns: d) { i, j in i == j ? Double(d - i) : 0 }
        return [spd, indefinite, repeated, diagonal, Matrix(rows: d, columns: d)]
    }

    @Test(arguments: [1, 2, 3, 4, 6, 8])
    func valuesAndVectorsMatchLAPACKs(dimension d: Int) throws {
        for (index, a) in Self.matrices(d).enumerated() {
            let flat = (0..<d).flatMap { i in (0..<d).map { a[i, $0] } }
            let (values, vectors) = try #require(Self.decompose(flat, d), "matrix \(index)")
            let expected = try SymmetricEigendecomposition(a).values
            let scale = Swift.max(flat.map(abs).max() ?? 0, 1e-300)
            for i in 0..<d {
                #expect(abs(values[i] - expected[i]) <= 1e-13 * scale, "λ\(i) of matrix \(index) at d = \(d)")
            }
            // Orthonormal, and V·diag(λ)·Vᵀ = A.
            for i in 0..<d {
                for j in 0..<d {
                    var dot = 0.0, rebuilt = 0.0
                    for k in 0..<d {
                        dot += vectors[k * d + i] * vectors[k * d + j]
                        rebuilt += vectors[i * d + k] * values[k] * vectors[j * d + k]
                    }
                    #expect(abs(dot - (i == j ? 1 : 0)) <= 1e-13, "VᵀV(\(i), \(j)) of matrix \(index) at d = \(d)")
                    #expect(abs(rebuilt - a[i, j]) <= 1e-13 * scale, "A(\(i), \(j)) of matrix \(index) at d = \(d)")
                }
            }
        }
    }

    @Test(arguments: [0x1p-1000, 0x1p-40, 3.0, 0x1p+1000])
    func extremeScalesNeitherOverflowNorUnderflow(_ factor: Double) throws {
        let d = 4
        let a: Matrix<Double> = randomSPD(d, seed: 9)
        let flat = (0..<d).flatMap { i in (0..<d).map { a[i, $0] * factor } }
        let (values, _) = try #require(Self.decompose(flat, d))
        let expected = try SymmetricEigendecomposition(a).values
        for i in 0..<d {
            #expect(abs(values[i] / factor - expected[i]) <= 1e-13 * expected.last!, "λ\(i) at scale \(factor)")
        }
    }

    /// A 2 × 2 block far below the largest entry, with equal diagonal
    /// entries: a rotation of 45° whose entries' squares would underflow.
    @Test func tinyBlockBesideALargeEntryRotates() throws {
        let tiny = 1e-200
        let (values, vectors) = try #require(Self.decompose([1, 0, 0, 0, tiny, tiny / 10, 0, tiny / 10, tiny], 3))
        #expect(abs(values[0] - 0.9 * tiny) <= 1e-14 * tiny && abs(values[1] - 1.1 * tiny) <= 1e-14 * tiny && values[2] == 1,
                "\(values)")
        #expect(vectors.allSatisfy { $0.isFinite })
    }

    /// Entries near the largest double, whose diagonal difference overflows
    /// unless the matrix is scaled first: λ = ±√(a² + b²).
    @Test func entriesNearTheLargestDoubleStillRotate() throws {
        let a = 0x1.8p+1023, b = 0x1p+1021
        let (values, _) = try #require(Self.decompose([a, b, b, -a], 2))
        let expected = a * (1 + (b / a) * (b / a)).squareRoot()
        #expect(abs(values[0] + expected) <= 1e-15 * expected && abs(values[1] - expected) <= 1e-15 * expected, "\(values)")
    }

    @Test func refusesNaNAndInfinity() {
        #expect(Self.decompose([1, .nan, .nan, 1], 2) == nil)
        #expect(Self.decompose([.infinity, 0, 0, 1], 2) == nil)
    }
}
