import Foundation
import LinearAlgebra
import Testing
@testable import Autodiff

/// The gradbench GMM objective against JAX (values computed once by
/// Benchmarks/compare/gmm_jax.py and committed) and against central differences.
@Suite struct GMMObjectiveTests {
    struct Reference: Decodable {
        struct Case: Decodable {
            var input: GMMObjective.Input
            var objective: Double
            var gradient: GMMObjective.Gradient
        }
        var cases: [Case]
    }

    static let reference: Reference = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/gmm-jax-reference.json")
        return try! JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
    }()

    func relative(_ a: [Double], _ b: [Double]) -> Double {
        let scale = max(1, b.map(abs).max() ?? 0)
        return zip(a, b).map { abs($0 - $1) }.max().map { $0 / scale } ?? 0
    }

    @Test(arguments: 0..<3)
    func objectiveAndGradientMatchJAX(index: Int) throws {
        let reference = Self.reference.cases[index]
        let gmm = try GMMObjective(reference.input)
        #expect(abs(gmm.objective() - reference.objective) <= 1e-12 * max(1, abs(reference.objective)))
        let g = gmm.gradient()
        #expect(relative(g.alpha, reference.gradient.alpha) < 1e-12)
        #expect(relative(g.mu.flatMap { $0 }, reference.gradient.mu.flatMap { $0 }) < 1e-12)
        #expect(relative(g.q.flatMap { $0 }, reference.gradient.q.flatMap { $0 }) < 1e-12)
        #expect(relative(g.l.flatMap { $0 }, reference.gradient.l.flatMap { $0 }) < 1e-12)
    }

    @Test func gradientMatchesCentralDifferences() throws {
        let input = Self.reference.cases[0].input
        let gmm = try GMMObjective(input)
        let check = checkGradient(at: [Matrix(rows: 1, columns: input.k, elements: input.alpha), Matrix(input.mu), Matrix(input.q), Matrix(input.l)]) { tape, v in
            gmm.record(on: tape, alpha: v[0], mu: v[1], q: v[2], l: v[3])
        }
        #expect(check.passes(tolerance: 1e-7), "\(check)")
    }

    @Test func hessianOfTheObjectiveIsTheSameForwardOverReverseAndReverseOverReverse() throws {
        // The Hessian with respect to the means and the packed L together (one flat input).
        let input = Self.reference.cases[0].input
        let gmm = try GMMObjective(input)
        let (k, d) = (input.k, input.d)
        let packed = d * (d - 1) / 2
        let x = Matrix(rows: 1, columns: k * d + k * packed, elements: Array(input.mu.joined()) + Array(input.l.joined()))
        func f(_ v: Variable) -> Variable {
            let tape = v.tape
            let mu = v.slice(rows: 0..<1, columns: 0..<(k * d)).reshaped(rows: k, columns: d)
            let l = v.slice(rows: 0..<1, columns: (k * d)..<(k * d + k * packed)).reshaped(rows: k, columns: packed)
            return gmm.record(on: tape, alpha: tape.constant(Matrix(rows: 1, columns: k, elements: input.alpha)), mu: mu,
                              q: tape.constant(Matrix(input.q)), l: l)
        }
        let reverse = hessian(at: x, mode: .reverseOverReverse, of: f)
        let forward = hessian(at: x, mode: .forwardOverReverse, of: f)
        #expect(relative(forward.elements, reverse.elements) < 1e-12)
        #expect(relative(forward.elements, forward.transposed().elements) < 1e-12, "symmetric")
        // And a row of it against central differences of the gradient.
        let h = cbrt(Double.ulpOfOne)
        var plus = x, minus = x
        plus[0, 0] += h
        minus[0, 0] -= h
        let gPlus = gradient(at: [plus]) { _, v in f(v[0]) }[0].elements, gMinus = gradient(at: [minus]) { _, v in f(v[0]) }[0].elements
        #expect(relative(forward.row(0), zip(gPlus, gMinus).map { ($0 - $1) / (2 * h) }) < 1e-7)
    }

    @Test func badInputsAreRejected() {
        var input = Self.reference.cases[0].input
        input.alpha = [1]
        #expect(throws: GMMObjective.InputError.self) { try GMMObjective(input) }
        input = Self.reference.cases[0].input
        input.gamma = 0
        #expect(throws: GMMObjective.InputError.self) { try GMMObjective(input) }
        input = Self.reference.cases[0].input
        input.x[0][0] = .nan
        #expect(throws: GMMObjective.InputError.self) { try GMMObjective(input) }
    }
}
