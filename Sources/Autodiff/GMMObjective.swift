import Foundation
import LinearAlgebra
import RealModule

/// The Gaussian mixture log-posterior of the gradbench / ADBench "gmm"
/// benchmark, on the tape: the proving ground of reverse mode.
///
/// For component k, Qₖ = diag(exp qₖ) + Lₖ with Lₖ strictly lower
/// triangular, filled column by column from lₖ; the precision is QₖᵀQₖ. With
/// βᵢₖ = αₖ + Σⱼ qₖⱼ − ½‖Qₖ(xᵢ − μₖ)‖²,
///
///     objective = Σᵢ logsumexpₖ βᵢₖ − n·logsumexp(α) − ½·n·d·log 2π + log prior,
///     log prior = K·(ν·d·log(γ/√2) − log Γ_d(ν/2)) − ½γ²·Σₖ(Σⱼ exp(2qₖⱼ) + Σₚ lₖₚ²) + m·Σₖⱼ qₖⱼ,
///
/// with ν = d + m + 1. Every Qₖ(xᵢ − μₖ) comes from one matrix product of the
/// data with the stacked [Q₁ᵀ … Q_Kᵀ], minus the stacked μₖQₖᵀ, all built by
/// batched rules (Variable+Blocks) in a number of tape nodes independent of K.
///
/// It lives in the library, not beside the `gauss-gradbench` tool that
/// serves it, because it is public API with a use of its own: the one
/// whole model that exercises every batched rule, whose value and gradient
/// the tests check against an independent JAX implementation, and a worked
/// example of writing a model on the tape. The tool is only its protocol.
public struct GMMObjective: Sendable {
    /// The input in gradbench's layout.
    public struct Input: Codable, Sendable {
        public var d: Int, k: Int, n: Int
        public var x: [[Double]]
        public var m: Int
        public var gamma: Double
        public var alpha: [Double]
        public var mu: [[Double]]
        public var q: [[Double]]
        public var l: [[Double]]

        public init(d: Int, k: Int, n: Int, x: [[Double]], m: Int, gamma: Double,
                    alpha: [Double], mu: [[Double]], q: [[Double]], l: [[Double]]) {
            (self.d, self.k, self.n, self.x, self.m, self.gamma) = (d, k, n, x, m, gamma)
            (self.alpha, self.mu, self.q, self.l) = (alpha, mu, q, l)
        }
    }

    /// The gradient in the input's layout.
    public struct Gradient: Codable, Sendable, Equatable {
        public var alpha: [Double]
        public var mu: [[Double]]
        public var q: [[Double]]
        public var l: [[Double]]
    }

    /// Why an input cannot be evaluated.
    public struct InputError: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    public let input: Input
    /// The data with a column of ones appended (n × (d+1)).
    let dataWithOnes: Matrix<Double>

    /// Checks the input's shapes and values.
    public init(_ input: Input) throws(InputError) {
        let (d, k, n) = (input.d, input.k, input.n)
        func check(_ condition: Bool, _ message: String) throws(InputError) { if !condition { throw InputError(description: message) } }
        try check(d >= 1 && k >= 1 && n >= 1, "d, k and n must be positive, got d=\(d) k=\(k) n=\(n)")
        try check(input.m >= 0, "m must be non-negative, got \(input.m)")
        try check(input.gamma > 0 && input.gamma.isFinite, "gamma must be positive, got \(input.gamma)")
        try check(input.x.count == n && input.x.allSatisfy { $0.count == d }, "x must be \(n)×\(d)")
        try check(input.alpha.count == k, "alpha must have \(k) values")
        try check(input.mu.count == k && input.mu.allSatisfy { $0.count == d }, "mu must be \(k)×\(d)")
        try check(input.q.count == k && input.q.allSatisfy { $0.count == d }, "q must be \(k)×\(d)")
        try check(input.l.count == k && input.l.allSatisfy { $0.count == d * (d - 1) / 2 }, "l must be \(k)×\(d * (d - 1) / 2)")
        let all = input.x.joined() + input.alpha + input.mu.joined() + input.q.joined() + input.l.joined()
        try check(all.allSatisfy(\.isFinite), "the input holds NaN or infinity")
        self.input = input
        dataWithOnes = Matrix(rows: n, columns: d + 1) { i, j in j < d ? input.x[i][j] : 1 }
    }

    /// The objective on `tape`, from parameter variables (α 1×K, μ K×d,
    /// q K×d, l K×d(d−1)/2) and the data as a constant.
    public func record(on tape: Tape, alpha: Variable, mu: Variable, q: Variable, l: Variable) -> Variable {
        let (d, k, n) = (input.d, input.k, input.n)
        // [x, 1]·[W; −B] gives every Qₖxᵢ − Qₖμₖ in one product.
        let x = tape.constant(dataWithOnes)
        // W = [Q₁ᵀ … Q_Kᵀ] and the shifts μₖQₖᵀ, in a constant number of nodes.
        var stacked = Variable.blockDiagonals(q.exp())
        if d > 1 { stacked = stacked + Variable.blockTransposedLowers(l, size: d) }
        let shifts = Variable.rowsTimesBlocks(mu, stacked).reshaped(rows: 1, columns: k * d)
        let coefficients = Variable.concatenate(rows: [stacked, -shifts])
        let distances = x.matmulSquaredNormsOverBlocks(coefficients, width: d)                                      // n × K
        let beta = alpha + q.sumOverColumns().transposed() - 0.5 * distances
        let logLikelihood = beta.logSumExpOverColumns().sum() - Double(n) * alpha.logSumExpOverColumns().sum()
            - 0.5 * Double(n * d) * Foundation.log(2 * Double.pi)
        let gamma = input.gamma, nu = Double(d + input.m + 1)
        let constantPrior = Double(k) * (nu * Double(d) * Foundation.log(gamma / 2.0.squareRoot()) - Self.logMultivariateGamma(nu / 2, d))
        let penalty = (2 * q).exp().sum() + (d > 1 ? l.square().sum() : tape.constant(0))
        let logPrior = constantPrior - 0.5 * gamma * gamma * penalty + Double(input.m) * q.sum()
        return logLikelihood + logPrior
    }

    /// log Γ_d(a) = d(d−1)/4·log π + Σⱼ₌₁..d lgamma(a + (1 − j)/2).
    static func logMultivariateGamma(_ a: Double, _ d: Int) -> Double {
        Double(d * (d - 1)) / 4 * Foundation.log(Double.pi) + (1...d).reduce(0) { $0 + lgamma(a + Double(1 - $1) / 2) }
    }

    private func parameters(on tape: Tape) -> (Variable, Variable, Variable, Variable) {
        let d = input.d
        return (tape.variable(Matrix(rows: 1, columns: input.k, elements: input.alpha)), tape.variable(Matrix(input.mu)),
                tape.variable(Matrix(input.q)),
                tape.variable(d > 1 ? Matrix(input.l) : Matrix(rows: input.k, columns: 0)))
    }

    /// The objective's value.
    public func objective(using tape: Tape = Tape()) -> Double {
        tape.reset()
        let (alpha, mu, q, l) = parameters(on: tape)
        return record(on: tape, alpha: alpha, mu: mu, q: q, l: l).scalar
    }

    /// The objective's gradient with respect to α, μ, q and l.
    public func gradient(using tape: Tape = Tape()) -> Gradient {
        tape.reset()
        let (alpha, mu, q, l) = parameters(on: tape)
        let output = record(on: tape, alpha: alpha, mu: mu, q: q, l: l)
        let g = tape.gradient(of: output, with: [alpha, mu, q, l], releasingIntermediates: true).map(\.value)
        func nested(_ m: Matrix<Double>) -> [[Double]] { (0..<m.rows).map { m.row($0) } }
        return Gradient(alpha: g[0].elements, mu: nested(g[1]), q: nested(g[2]),
                        l: input.d > 1 ? nested(g[3]) : [[Double]](repeating: [], count: input.k))
    }
}
