import LinearAlgebra
import Testing
@testable import Autodiff

/// A random expression of 3×3 matrices, built from every kind of rule
/// (elementwise, broadcasting, products, reductions, shape changes), whose
/// taped gradient must agree with central differences for any composition.
struct ComposedExpression: CustomTestStringConvertible, Sendable {
    let seed: UInt64
    /// The operations in order, each reading earlier values by index.
    let steps: [Step]
    let inputs: [Matrix<Double>]

    enum Step: Sendable {
        case unary(Int, Unary)
        case binary(Int, Int, Binary)
    }

    enum Unary: CaseIterable, Sendable {
        case exp, tanh, sin, square, sigmoid, softplus, logOnePlusSquare, transpose, negate, softmax, scale, rowSums
    }

    enum Binary: CaseIterable, Sendable {
        case add, subtract, multiply, matmul, divideByPositive, addRow
    }

    init(seed: UInt64) {
        self.seed = seed
        var rng = Xoshiro256StarStar(seed: seed)
        inputs = (0..<3).map { _ in Matrix(rows: 3, columns: 3) { _, _ in rng.nextUniform(Double.self) * 2 - 1 } }
        var steps: [Step] = []
        let count = 4 + rng.nextInt(below: 6)
        for s in 0..<count {
            let available = inputs.count + s
            // Favour recent values, so that expressions are deep, not wide.
            let a = Swift.max(0, available - 1 - rng.nextInt(below: 3)), b = rng.nextInt(below: available)
            if rng.nextInt(below: 2) == 0 {
                steps.append(.unary(a, Unary.allCases[rng.nextInt(below: Unary.allCases.count)]))
            } else {
                steps.append(.binary(a, b, Binary.allCases[rng.nextInt(below: Binary.allCases.count)]))
            }
        }
        self.steps = steps
    }

    /// The expression on `tape`, reduced to a scalar by a log-sum-exp.
    func evaluate(_ x: [Variable]) -> Variable {
        var values = x
        for step in steps {
            switch step {
            case .unary(let a, let op):
                let v = values[a]
                switch op {
                case .exp: values.append((0.5 * v).exp())
                case .tanh: values.append(v.tanh())
                case .sin: values.append(v.sin())
                case .square: values.append(v.square())
                case .sigmoid: values.append(v.sigmoid())
                case .softplus: values.append(v.softplus())
                case .logOnePlusSquare: values.append((v.square() + 1).log())
                case .transpose: values.append(v.transposed())
                case .negate: values.append(-v)
                case .softmax: values.append(v.softmaxOverColumns())
                case .scale: values.append(0.7 * v)
                case .rowSums: values.append(v + v.sumOverColumns())  // 3×1 broadcast back over the columns
                }
            case .binary(let a, let b, let op):
                let (u, v) = (values[a], values[b])
                switch op {
                case .add: values.append(u + v)
                case .subtract: values.append(u - v)
                case .multiply: values.append(u * v)
                case .matmul: values.append(u.matmul(v))
                case .divideByPositive: values.append(u / (v.square() + 1))
                case .addRow: values.append(u + v.sumOverRows())  // 1×3 broadcast over the rows
                }
            }
        }
        return values.last!.logSumExpOverColumns().sum()
    }

    var testDescription: String { "seed \(seed), \(steps.count) steps" }
}

@Suite struct ComposedExpressionTests {
    static let expressions = (0..<40).map { ComposedExpression(seed: UInt64(500 + $0)) }

    @Test(arguments: expressions)
    func gradientOfAnyCompositionAgreesWithDifferences(expression: ComposedExpression) {
        let check = checkGradient(at: expression.inputs) { _, x in expression.evaluate(x) }
        #expect(check.passes(tolerance: 1e-7), "\(check)")
    }

    @Test(arguments: expressions.prefix(10))
    func secondOrderOfAnyCompositionAgreesWithDifferences(expression: ComposedExpression) {
        // The taped gradient is itself an expression: its gradient along a
        // fixed direction must agree with differences of the first gradient.
        let direction = Matrix<Double>(rows: 3, columns: 3) { i, j in Double(i - j) / 3 }
        let check = checkGradient(at: expression.inputs) { tape, x in
            let g = tape.gradient(of: expression.evaluate(x), with: [x[0]])[0]
            return (g * tape.constant(direction)).sum()
        }
        #expect(check.passes(tolerance: 1e-6), "\(check)")
    }
}
