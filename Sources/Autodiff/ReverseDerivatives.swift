import LinearAlgebra
import RealModule

// Reverse-mode derivatives of functions of whole matrices, on a fresh tape.

/// f(inputs) and its gradient with respect to every input, in one forward
/// and one backward pass. `f` must return a 1×1 variable.
public func valueWithGradient(
    at inputs: [Matrix<Double>], of f: (Tape, [Variable]) -> Variable
) -> (value: Double, gradients: [Matrix<Double>]) {
    let tape = Tape()
    let variables = inputs.map(tape.variable)
    let output = f(tape, variables)
    return (output.scalar, tape.gradient(of: output, with: variables, releasingIntermediates: true).map(\.value))
}

/// The gradients of `f` with respect to every input; see ``valueWithGradient(at:of:)``.
public func gradient(at inputs: [Matrix<Double>], of f: (Tape, [Variable]) -> Variable) -> [Matrix<Double>] {
    valueWithGradient(at: inputs, of: f).gradients
}

/// How a second derivative differentiates the taped gradient.
public enum SecondOrderMode: Sendable, Hashable {
    /// A backward pass over the recorded gradient per direction: the
    /// gradient of ⟨∇f, v⟩.
    case reverseOverReverse
    /// A forward pass over the recorded gradient per direction: the tangent
    /// of ∇f along v (``Tape/tangents(of:withRespectTo:along:)``), dual
    /// numbers carried through the gradient's operations.
    case forwardOverReverse
}

/// ∇²f(x)·v by differentiating the taped gradient: a second backward pass
/// (reverse over reverse, the default) or a forward pass over the forward and
/// backward passes (forward over reverse), whatever the size of x.
public func hessianVectorProduct(at x: Matrix<Double>, along v: Matrix<Double>, mode: SecondOrderMode = .reverseOverReverse,
                                 of f: (Variable) -> Variable) -> Matrix<Double> {
    precondition(x.rows == v.rows && x.columns == v.columns, "a direction of the input's shape")
    let tape = Tape()
    let input = tape.variable(x)
    let g = tape.gradient(of: f(input), with: [input])[0]
    return secondDerivative(of: g, at: input, along: tape.constant(v), mode: mode).value
}

/// ∇²f·v from the recorded gradient g of f at `input`.
private func secondDerivative(of g: Variable, at input: Variable, along v: Variable, mode: SecondOrderMode) -> Variable {
    let tape = g.tape
    switch mode {
    case .reverseOverReverse: return tape.gradient(of: (g * v).sum(), with: [input])[0]
    case .forwardOverReverse: return tape.tangents(of: [g], withRespectTo: [input], along: [v])[0]
    }
}

/// The Hessian of `f` with respect to the elements of x (row-major), an
/// n×n matrix for n = x.count, one row per unit direction by `mode`.
///
/// - Complexity: one forward and one backward pass, then n passes over the
///   taped gradient: backward ones (reverse over reverse) or forward ones
///   (forward over reverse).
public func hessian(at x: Matrix<Double>, mode: SecondOrderMode = .reverseOverReverse, of f: (Variable) -> Variable) -> Matrix<Double> {
    let tape = Tape()
    let input = tape.variable(x)
    let g = tape.gradient(of: f(input), with: [input])[0]
    let n = x.count
    var result = Matrix<Double>(rows: n, columns: n)
    for i in 0..<n {
        let unit = Matrix<Double>(rows: x.rows, columns: x.columns) { r, c in r * x.columns + c == i ? 1 : 0 }
        let row = secondDerivative(of: g, at: input, along: tape.constant(unit), mode: mode).value
        result[rows: i..<(i + 1)] = Matrix(rows: 1, columns: n, elements: row.elements)
    }
    return result
}

/// f(x) and J·v, the Jacobian of a matrix-valued f times a direction of
/// x's shape, by forward mode over the tape: one forward pass records f,
/// one more carries the tangent.
public func valueWithJacobianVectorProduct(at x: Matrix<Double>, along v: Matrix<Double>,
                                           of f: (Variable) -> Variable) -> (value: Matrix<Double>, tangent: Matrix<Double>) {
    precondition(x.rows == v.rows && x.columns == v.columns, "a direction of the input's shape")
    let tape = Tape()
    let input = tape.variable(x)
    let output = f(input)
    return (output.value, tape.tangents(of: [output], withRespectTo: [input], along: [tape.constant(v)])[0].value)
}

/// How a reverse-mode gradient compares with central differences.
public struct GradientCheck: Sendable, CustomStringConvertible {
    /// The largest |analytic − numeric| over every input element.
    public var maximumAbsoluteError: Double
    /// The largest |analytic − numeric| / max(1, |numeric|).
    public var maximumRelativeError: Double
    /// Where the largest relative error is: input index and element (row, column).
    public var worst: (input: Int, row: Int, column: Int)

    /// Whether the relative error is within `tolerance`.
    public func passes(tolerance: Double = 1e-6) -> Bool { maximumRelativeError <= tolerance }

    public var description: String {
        "maximum relative error \(maximumRelativeError) (absolute \(maximumAbsoluteError)) at input \(worst.input), element (\(worst.row), \(worst.column))"
    }
}

/// Compares the reverse-mode gradient of `f` with central differences
/// (f(x + h) − f(x − h)) / 2h, element by element, with h = ∛ε·max(1, |x|):
/// the step that balances truncation (h²) against rounding (ε/h).
///
/// - Complexity: 2·(total input elements) evaluations of f.
public func checkGradient(at inputs: [Matrix<Double>], of f: (Tape, [Variable]) -> Variable) -> GradientCheck {
    let analytic = gradient(at: inputs, of: f)
    func evaluate(_ values: [Matrix<Double>]) -> Double {
        let tape = Tape()
        return f(tape, values.map(tape.variable)).scalar
    }
    var check = GradientCheck(maximumAbsoluteError: 0, maximumRelativeError: 0, worst: (0, 0, 0))
    let cubeRootEpsilon = Double.root(Double.ulpOfOne, 3)
    for (k, input) in inputs.enumerated() {
        for i in 0..<input.rows {
            for j in 0..<input.columns {
                let h = cubeRootEpsilon * Swift.max(1, abs(input[i, j]))
                var plus = inputs, minus = inputs
                plus[k][i, j] += h
                minus[k][i, j] -= h
                let numeric = (evaluate(plus) - evaluate(minus)) / (2 * h)
                let error = abs(analytic[k][i, j] - numeric)
                let relative = error / Swift.max(1, abs(numeric))
                check.maximumAbsoluteError = Swift.max(check.maximumAbsoluteError, error)
                if relative > check.maximumRelativeError || relative.isNaN {
                    check.maximumRelativeError = relative.isNaN ? .infinity : relative
                    check.worst = (k, i, j)
                }
            }
        }
    }
    return check
}

/// The Jacobian of a matrix-valued f with respect to the elements of x
/// (both row-major): one reverse pass per output element, rows of the
/// Jacobian in turn (outputs × inputs).
///
/// - Complexity: one forward pass and m backward passes for m outputs.
public func jacobian(at x: Matrix<Double>, of f: (Variable) -> Variable) -> Matrix<Double> {
    let tape = Tape()
    let input = tape.variable(x)
    let output = f(input)
    let m = output.rows * output.columns
    var result = Matrix<Double>(rows: m, columns: x.count)
    for i in 0..<m {
        let selector = Matrix<Double>(rows: output.rows, columns: output.columns) { r, c in r * output.columns + c == i ? 1 : 0 }
        let row = tape.gradient(of: (output * tape.constant(selector)).sum(), with: [input])[0].value
        result[rows: i..<(i + 1)] = Matrix(rows: 1, columns: x.count, elements: row.elements)
    }
    return result
}
