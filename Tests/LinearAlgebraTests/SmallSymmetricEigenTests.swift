import Foundation
import Testing
@testable import LinearAlgebra

/// Jacobi's eigendecomposition of small symmetric matrices against LAPACK's.
@Suite struct SmallSymmetricEigenTests {
    static func decompose(_ a: [Double], _ d: Int) -> (values: [Double], vectors: [Double])? {
        var values = [Double](repeating: .nan, count: d), vectors = [Double](repeating: .nan, count: d * d)
        let ok = a.withUnsafeBufferPointer { a in
            values.withUnsafeMutableBufferPointer { w in
                vectors.withUnsafeMutableBufferPointer { v in SmallSymmetricEigen.decompose(a, dimension: d, values: w, vectors: v) }
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

    /// `count` matrices decomposed in one call with instruction set `set`.
    static func decompose(batch a: [Double], count: Int, _ d: Int, using set: VectorMath.InstructionSet)
        -> (values: [Double], vectors: [Double], decomposed: [Int32])
    {
        var values = [Double](repeating: .nan, count: count * d), vectors = [Double](repeating: .nan, count: count * d * d)
        var decomposed = [Int32](repeating: -1, count: count)
        let available = a.withUnsafeBufferPointer { a in
            values.withUnsafeMutableBufferPointer { w in
                vectors.withUnsafeMutableBufferPointer { v in
                    decomposed.withUnsafeMutableBufferPointer { ok in
                        SmallSymmetricEigen.decompose(a, count: count, dimension: d, values: w, vectors: v, decomposed: ok, using: set)
                    }
                }
            }
        }
        precondition(available, "\(set) is among the supported sets")
        return (values, vectors, decomposed)
    }

    /// Thirteen matrices in one call (a group of eight lanes and part of
    /// another), one of them holding NaN: each gets the bits it gets alone
    /// whatever shares its lanes, every other one is LAPACK's, and only the
    /// NaN one fails.
    @Test(arguments: [2, 3, 4, 5, 8], VectorMath.InstructionSet.supported)
    func aBatchGivesEachMatrixTheResultsItGetsAlone(dimension d: Int, set: VectorMath.InstructionSet) throws {
        var matrices = Self.matrices(d) + Self.matrices(d).map { 1e-3 * $0 }
        matrices.append(Matrix(rows: d, columns: d) { i, j in i == 1 && j == 0 || i == 0 && j == 1 ? .nan : 1 })
        matrices.append(randomSPD(d, seed: 40))
        matrices.append(1e6 * randomSPD(d, seed: 41))
        let count = matrices.count, size = d * d
        let flat = matrices.flatMap { a in (0..<d).flatMap { i in (0..<d).map { a[i, $0] } } }
        let together = Self.decompose(batch: flat, count: count, d, using: set)
        for c in 0..<count {
            let single = Self.decompose(batch: Array(flat[(c * size)..<((c + 1) * size)]), count: 1, d, using: set)
            let failing = c == 10
            #expect(together.decomposed[c] == (failing ? 0 : 1) && single.decomposed[0] == together.decomposed[c],
                    "matrix \(c) at d = \(d): \(together.decomposed[c]) together, \(single.decomposed[0]) alone")
            guard !failing else { continue }
            #expect(Array(together.values[(c * d)..<((c + 1) * d)]) == single.values, "values of matrix \(c) at d = \(d)")
            #expect(Array(together.vectors[(c * size)..<((c + 1) * size)]) == single.vectors, "vectors of matrix \(c) at d = \(d)")
            let expected = try SymmetricEigendecomposition(matrices[c]).values
            let scale = Swift.max(flat[(c * size)..<((c + 1) * size)].map(abs).max() ?? 0, 1e-300)
            for i in 0..<d {
                #expect(abs(single.values[i] - expected[i]) <= 1e-13 * scale, "λ\(i) of matrix \(c) at d = \(d)")
            }
        }
    }

    @Test func refusesNaNAndInfinity() {
        #expect(Self.decompose([1, .nan, .nan, 1], 2) == nil)
        #expect(Self.decompose([.infinity, 0, 0, 1], 2) == nil)
    }
}
