import LinearAlgebra
import RealModule

/// Where Newton's method in several variables ended.
public struct NewtonMinimum: Sendable {
    /// The minimiser found (the shape of the start).
    public var point: Matrix<Double>
    /// f there.
    public var value: Double
    /// Iterations taken.
    public var iterations: Int
    /// The largest |∂f/∂xᵢ| at the point.
    public var gradientNorm: Double
}

/// Why a minimisation in several variables stopped without an answer.
public enum NewtonMinimizationError: Error, Equatable, CustomStringConvertible {
    /// No convergence within the iteration limit.
    case didNotConverge(iterations: Int, value: Double, gradientNorm: Double)
    /// f or its derivatives became NaN or ∞.
    case breakdown(iteration: Int)

    public var description: String {
        switch self {
        case .didNotConverge(let n, let value, let norm):
            return "Newton's method did not converge in \(n) iterations (value \(value), gradient norm \(norm))"
        case .breakdown(let n):
            return "Newton's method broke down at iteration \(n): a non-finite value or derivative"
        }
    }
}

extension Newton {
    /// A local minimum of f over the elements of a matrix, by Newton's
    /// method with the gradient and the Hessian from reverse mode (the
    /// Hessian by reverse over reverse).
    ///
    /// Each step solves (H + λI)·p = −g by Cholesky, with λ = 0 when H is
    /// positive definite and otherwise grown from 10⁻⁸·max|Hᵢᵢ| until the
    /// factorisation succeeds (a Levenberg damping); the step is then
    /// shortened until f decreases enough (Armijo). Stops when the largest
    /// gradient component is at most `gradientTolerance`.
    ///
    /// - Complexity: per iteration, n + 2 backward passes and an n×n Cholesky
    ///   for n = start.count.
    public static func minimum(
        of f: (Variable) -> Variable, from start: Matrix<Double>,
        gradientTolerance: Double = 1e-8, maxIterations: Int = 100
    ) throws(NewtonMinimizationError) -> NewtonMinimum {
        func value(_ x: Matrix<Double>) -> Double {
            let tape = Tape()
            return f(tape.variable(x)).scalar
        }
        var x = start
        let n = start.count
        for iteration in 0...max(0, maxIterations) {
            let (fx, gradients) = valueWithGradient(at: [x]) { _, v in f(v[0]) }
            let g = gradients[0].elements
            let norm = g.map(abs).max() ?? 0
            guard fx.isFinite, norm.isFinite else { throw .breakdown(iteration: iteration) }
            if norm <= gradientTolerance {
                return NewtonMinimum(point: x, value: fx, iterations: iteration, gradientNorm: norm)
            }
            if iteration == maxIterations { throw .didNotConverge(iterations: iteration, value: fx, gradientNorm: norm) }
            let h = hessian(at: x, of: f)
            guard h.elements.allSatisfy(\.isFinite) else { throw .breakdown(iteration: iteration) }
            var damping = 0.0
            let scale = max(h.diagonal.map(abs).max() ?? 1, 1e-300)
            var step: Matrix<Double>? = nil
            while step == nil && damping < 1e30 * scale {
                var damped = h
                for i in 0..<n { damped[i, i] += damping }
                if let chol = try? Cholesky(damped) {
                    step = chol.solve(Matrix(rows: n, columns: 1, elements: g.map { -$0 }))
                } else {
                    damping = damping == 0 ? 1e-8 * scale : damping * 10
                }
            }
            guard let direction = step else { throw .breakdown(iteration: iteration) }
            let slope = zip(direction.elements, g).reduce(0) { $0 + $1.0 * $1.1 }
            var t = 1.0
            var next = x
            repeat {
                next = Matrix(rows: x.rows, columns: x.columns) { i, j in x[i, j] + t * direction[i * x.columns + j, 0] }
                if value(next) <= fx + 1e-4 * t * slope { break }
                t /= 2
            } while t > 1e-12
            x = next
        }
        throw .didNotConverge(iterations: maxIterations, value: value(x), gradientNorm: .nan)
    }
}
