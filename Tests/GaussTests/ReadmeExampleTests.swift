import Foundation
import Gauss
import Testing

/// The README's example, run through the umbrella module, so the first code
/// a user reads keeps compiling and doing what it says.
@Suite struct ReadmeExampleTests {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func readmeExampleRuns() throws {
        let data = try CSV.read(contentsOf: root.appendingPathComponent("data/faithful.csv").path).matrix
        #expect(data.rows == 272 && data.columns == 2)
        var rng = Xoshiro256StarStar(seed: 42)
        let w: Matrix<Double> = .normal(rows: 2, columns: 3, using: &rng)

        var projected = Matrix<Double>(rows: data.rows, columns: 3)
        BLAS.gemm(data, w, into: &projected)
        #expect(abs(projected[0, 1] - (data[0, 0] * w[0, 1] + data[0, 1] * w[1, 1])) < 1e-12)

        var gram = Matrix<Double>(rows: 2, columns: 2)
        BLAS.syrk(data, into: &gram, transpose: .transpose)
        gram.symmetrize(from: .lower)
        #expect(abs(gram[0, 1] - zip(data.column(0), data.column(1)).reduce(0) { $0 + $1.0 * $1.1 }) < 1e-8)
        let chol = try Cholesky(gram)
        #expect(chol.logDeterminant.isFinite)
        #expect(projected.rowLogSumExp()[0] >= projected.rowMaxima()[0])
    }
}
