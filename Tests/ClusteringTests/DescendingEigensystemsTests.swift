import LinearAlgebra
import Testing
@testable import Clustering

/// The flat eigensystems EEV's and VEV's M-steps take, on both paths:
/// the lane kernel up to d = 8 and LAPACK above.
@Suite struct DescendingEigensystemsTests {
    @Test(arguments: [1, 3, 8, 9, 20])
    func valuesDescendAndRebuildEachMatrix(d: Int) throws {
        var random = Xoshiro256StarStar(seed: UInt64(d))
        let matrices = (0..<5).map { _ in IterativeMStepTests.randomSPD(d, using: &random) }
        let systems = DescendingEigensystems(matrices)
        #expect(systems.count == 5 && systems.dimension == d)
        for (c, m) in matrices.enumerated() {
            let values = systems.values(of: c)
            #expect(zip(values, values.dropFirst()).allSatisfy { $0 >= $1 })
            // Dₖ orthogonal, and Dₖ·diag(values)·Dₖᵀ the matrix.
            let vectors = systems.vectors(of: c)
            let gram = vectors.matmul(vectors, transposeSelf: .transpose)
            let rebuilt = rotated(vectors, diagonal: values)
            for i in 0..<d {
                for j in 0..<d {
                    #expect(abs(gram[i, j] - (i == j ? 1 : 0)) < 1e-12)
                    #expect(abs(rebuilt[i, j] - m[i, j]) < 1e-12 * values[0])
                }
            }
        }
    }

    /// The K rotations at once equal each done alone with the scaled
    /// diagonal, bit for bit (the M-steps' results must not depend on which).
    @Test(arguments: [4, 12])
    func rotationsOfAllComponentsEqualEachAlone(d: Int) throws {
        var random = Xoshiro256StarStar(seed: UInt64(50 + d))
        let matrices = (0..<3).map { _ in IterativeMStepTests.randomSPD(d, using: &random) }
        let systems = DescendingEigensystems(matrices)
        let diagonal = (0..<d).map { 0.5 + Double($0) / 3 }, scales = [0.7, 1.3, 2.9]
        let scaled = systems.rotated(diagonal: diagonal, scales: scales)
        let plain = systems.rotated(diagonal: diagonal)
        for c in 0..<3 {
            #expect(scaled[c] == rotated(systems.vectors(of: c), diagonal: diagonal.map { $0 * scales[c] }))
            #expect(plain[c] == rotated(systems.vectors(of: c), diagonal: diagonal))
        }
    }

    @Test func aMatrixThatFailsHasNaNValuesAndVectorsAndLeavesTheOthers() {
        let good = Matrix<Double>([[2, 1], [1, 3]])
        let bad = Matrix<Double>([[.nan, 0], [0, 1]])
        let systems = DescendingEigensystems([good, bad])
        #expect(systems.values(of: 0).allSatisfy { $0.isFinite })
        #expect(systems.values(of: 1).allSatisfy { $0.isNaN })
        #expect(systems.vectors(of: 1).elements.allSatisfy { $0.isNaN })
        #expect(DescendingEigensystems([]).count == 0)
    }
}
