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

extension ReadmeExampleTests {
    @Test func fiveLineMixtureFitRuns() throws {
        let data = try CSV.read(contentsOf: root.appendingPathComponent("data/faithful.csv").path).matrix
        let model = try GaussianMixture(componentCount: 2, seed: 1).fit(data)
        #expect(model.weights.count == 2 && model.converged)
        let labels = try model.predict(data)
        // Old Faithful: short eruptions with short waits and long with long.
        let shortCluster = model.means[0, 0] < model.means[1, 0] ? 0 : 1
        #expect(min(model.means[0, 0], model.means[1, 0]) < 2.5 && max(model.means[0, 0], model.means[1, 0]) > 4)
        #expect(labels.count == 272 && labels.filter { $0 == shortCluster }.count > 80)
    }
}

extension ReadmeExampleTests {
    func f<T: Real>(_ x: T) -> T { x * T.sin(x) }

    @Test func derivativesExampleRuns() throws {
        #expect(abs(derivative(at: 2.0) { f($0) } - (sin(2.0) + 2 * cos(2.0))) < 1e-15)
        #expect(abs(secondDerivative(at: 2.0) { f($0) } - (2 * cos(2.0) - 2 * sin(2.0))) < 1e-14)
        let data = Matrix<Double>([[1, 2], [3, -1]])
        let tape = Tape()
        let w = tape.variable(Matrix([[0.5], [-1.0]]))
        let loss = (tape.constant(data).matmul(w).softplus()).sum()
        let dw = tape.gradient(of: loss, with: [w])[0]
        // d/dw Σ softplus(Xw) = Xᵀ σ(Xw).
        let s = data.matmul(Matrix([[0.5], [-1.0]])).map { 1 / (1 + exp(-$0)) }
        #expect(zip(dw.value.elements, data.matmul(s, transposeSelf: .transpose).elements).allSatisfy { abs($0 - $1) < 1e-15 })
    }
}
