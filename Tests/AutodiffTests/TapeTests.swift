import Foundation
import LinearAlgebra
import Testing
@testable import Autodiff

/// Uniform draws in [low, high).
func random(_ rows: Int, _ columns: Int, seed: UInt64, in range: ClosedRange<Double> = -1...1) -> Matrix<Double> {
    var rng = Xoshiro256StarStar(seed: seed)
    return Matrix(rows: rows, columns: columns) { _, _ in range.lowerBound + (range.upperBound - range.lowerBound) * rng.nextUniform(Double.self) }
}

/// A symmetric positive definite matrix built from free entries: B·Bᵀ + n·I.
func spd(_ b: Variable) -> Variable {
    b.matmul(b, transposeOther: .transpose) + b.tape.variable(Matrix<Double>.identity(b.rows).map { Double(b.rows) * $0 })
}

/// A well-conditioned lower-triangular factor from free entries.
func spdFactor(_ b: Variable) -> Variable { spd(b).cholesky()! }

@Suite struct TapeTests {
    /// A rule under test: input shapes, input ranges, and the operation.
    struct Rule: CustomTestStringConvertible, @unchecked Sendable {
        let name: String
        let shapes: [(Int, Int)]
        var range: ClosedRange<Double> = -1...1
        let apply: ([Variable]) -> Variable
        var testDescription: String { name }
    }

    static let rules: [Rule] = [
        Rule(name: "add", shapes: [(3, 4), (3, 4)]) { $0[0] + $0[1] },
        Rule(name: "add scalar", shapes: [(3, 4), (1, 1)]) { $0[0] + $0[1] },
        Rule(name: "add row", shapes: [(3, 4), (1, 4)]) { $0[0] + $0[1] },
        Rule(name: "add column", shapes: [(3, 1), (3, 4)]) { $0[0] + $0[1] },
        Rule(name: "subtract broadcast", shapes: [(1, 4), (3, 1)]) { $0[0] - $0[1] },
        Rule(name: "multiply", shapes: [(3, 4), (3, 4)]) { $0[0] * $0[1] },
        Rule(name: "multiply row", shapes: [(1, 4), (3, 4)]) { $0[0] * $0[1] },
        Rule(name: "divide", shapes: [(3, 4), (3, 1)], range: 0.5...2) { $0[0] / $0[1] },
        Rule(name: "negate", shapes: [(2, 3)]) { -$0[0] },
        Rule(name: "exp", shapes: [(2, 3)]) { $0[0].exp() },
        Rule(name: "log", shapes: [(2, 3)], range: 0.2...3) { $0[0].log() },
        Rule(name: "log1p", shapes: [(2, 3)], range: -0.5...3) { $0[0].log1p() },
        Rule(name: "sqrt", shapes: [(2, 3)], range: 0.2...3) { $0[0].sqrt() },
        Rule(name: "square", shapes: [(2, 3)]) { $0[0].square() },
        Rule(name: "sin", shapes: [(2, 3)]) { $0[0].sin() },
        Rule(name: "cos", shapes: [(2, 3)]) { $0[0].cos() },
        Rule(name: "tanh", shapes: [(2, 3)]) { $0[0].tanh() },
        Rule(name: "sum", shapes: [(3, 4)]) { $0[0].sum() },
        Rule(name: "sum over rows", shapes: [(3, 4)]) { $0[0].sumOverRows() },
        Rule(name: "sum over columns", shapes: [(3, 4)]) { $0[0].sumOverColumns() },
        Rule(name: "mean", shapes: [(3, 4)]) { $0[0].mean() },
        Rule(name: "transpose", shapes: [(3, 4)]) { $0[0].transposed() },
        Rule(name: "matmul", shapes: [(3, 4), (4, 2)]) { $0[0].matmul($0[1]) },
        Rule(name: "matmul Aᵀ", shapes: [(4, 3), (4, 2)]) { $0[0].matmul($0[1], transposeSelf: .transpose) },
        Rule(name: "matmul Bᵀ", shapes: [(3, 4), (2, 4)]) { $0[0].matmul($0[1], transposeOther: .transpose) },
        Rule(name: "matmul AᵀBᵀ", shapes: [(4, 3), (2, 4)]) { $0[0].matmul($0[1], transposeSelf: .transpose, transposeOther: .transpose) },
        Rule(name: "log-sum-exp", shapes: [(3, 5)]) { $0[0].logSumExpOverColumns() },
        Rule(name: "power 2.5", shapes: [(2, 3)], range: 0.2...2) { $0[0].power(2.5) },
        Rule(name: "sigmoid", shapes: [(2, 3)], range: -3...3) { $0[0].sigmoid() },
        Rule(name: "softplus", shapes: [(2, 3)], range: -3...3) { $0[0].softplus() },
        Rule(name: "mean over rows", shapes: [(3, 4)]) { $0[0].meanOverRows() },
        Rule(name: "slice", shapes: [(4, 5)]) { $0[0].slice(rows: 1..<3, columns: 2..<5) },
        Rule(name: "concatenate rows", shapes: [(2, 3), (1, 3)]) { Variable.concatenate(rows: [$0[0], $0[1].exp()]) },
        Rule(name: "concatenate columns", shapes: [(2, 3), (2, 1)]) { Variable.concatenate(columns: [$0[0], $0[1]]) * $0[0].sumOverColumns() },
        Rule(name: "reshape", shapes: [(2, 6)]) { $0[0].reshaped(rows: 3, columns: 4).exp() },
        Rule(name: "diagonal", shapes: [(3, 3)]) { $0[0].diagonal().square() },
        Rule(name: "diagonal matrix", shapes: [(3, 1)]) { $0[0].diagonalMatrix().matmul($0[0]) },
        Rule(name: "unpack lower", shapes: [(6, 1)]) { $0[0].unpackLower(size: 4).matmul($0[0].unpackLower(size: 4), transposeOther: .transpose) },
        Rule(name: "pack lower", shapes: [(3, 3)]) { $0[0].packLower(includingDiagonal: true).square() },
        Rule(name: "select", shapes: [(2, 3), (2, 3)]) { $0[0].select(where: Matrix([[1, 0, 1], [0, 0, 1]]), else: $0[1].exp()) },
        Rule(name: "solve lower", shapes: [(3, 3), (3, 2)]) { spdFactor($0[0]).solveTriangular($0[1]) },
        Rule(name: "solve lowerᵀ", shapes: [(3, 3), (3, 2)]) { spdFactor($0[0]).solveTriangular($0[1], transpose: .transpose) },
        Rule(name: "solve right", shapes: [(3, 3), (2, 3)]) { spdFactor($0[0]).solveTriangular($0[1], side: .right) },
        Rule(name: "solve rightᵀ", shapes: [(3, 3), (2, 3)]) { spdFactor($0[0]).solveTriangular($0[1], transpose: .transpose, side: .right) },
        Rule(name: "cholesky", shapes: [(4, 4)]) { spd($0[0]).cholesky()! },
        Rule(name: "block diagonals", shapes: [(3, 2)]) { Variable.blockDiagonals($0[0]).square() },
        Rule(name: "diagonals of blocks", shapes: [(2, 6)]) { $0[0].diagonalsOfBlocks(width: 2).exp() },
        Rule(name: "block transposed lowers", shapes: [(3, 3)]) { Variable.blockTransposedLowers($0[0], size: 3).square() },
        Rule(name: "pack transposed lower blocks", shapes: [(3, 6)]) { $0[0].packTransposedLowerBlocks(size: 3).exp() },
        Rule(name: "transpose blocks", shapes: [(3, 6)]) { $0[0].transposeBlocks(width: 3) * $0[0] },
        Rule(name: "rows times blocks", shapes: [(2, 3), (3, 6)]) { Variable.rowsTimesBlocks($0[0], $0[1]) },
        Rule(name: "outer blocks", shapes: [(2, 3), (2, 3)]) { Variable.outerBlocks($0[0], $0[1]) },
        Rule(name: "squared norms over blocks", shapes: [(3, 6)]) { $0[0].squaredNormsOverBlocks(width: 3) },
        Rule(name: "times repeated blocks", shapes: [(3, 6), (3, 2)]) { $0[0].timesRepeatedBlocks($0[1], width: 3, scale: 1.5) },
        Rule(name: "matmul squared norms over blocks", shapes: [(3, 4), (4, 6)]) { $0[0].matmulSquaredNormsOverBlocks($0[1], width: 3) },
        Rule(name: "transposed times scaled blocks", shapes: [(3, 4), (3, 6), (3, 2)]) {
            Variable.transposedTimesScaledBlocks($0[0], $0[1], $0[2], width: 3, scale: 1.5)
        },
        Rule(name: "log-determinant", shapes: [(4, 4)]) { spd($0[0]).logDeterminantSPD()! },
        Rule(name: "SPD solve", shapes: [(3, 3), (3, 2)]) { spd($0[0]).solveSPD($0[1])! },
        Rule(name: "softmax", shapes: [(3, 5)]) { $0[0].softmaxOverColumns() },
    ]

    /// Σ (rule output ∘ W) for fixed random W, so every output element matters.
    static func weighted(_ rule: Rule) -> (Tape, [Variable]) -> Variable {
        { tape, inputs in
            let output = rule.apply(inputs)
            return (output * tape.variable(random(output.rows, output.columns, seed: 99))).sum()
        }
    }

    static func inputs(_ rule: Rule) -> [Matrix<Double>] {
        rule.shapes.enumerated().map { random($1.0, $1.1, seed: UInt64($0 + 1), in: rule.range) }
    }

    @Test(arguments: rules)
    func firstOrderRuleMatchesCentralDifferences(rule: Rule) {
        let check = checkGradient(at: Self.inputs(rule), of: Self.weighted(rule))
        #expect(check.passes(tolerance: 1e-8), "\(rule.name): \(check)")
    }

    @Test(arguments: rules)
    func secondOrderRuleMatchesCentralDifferences(rule: Rule) {
        // Differentiate Σ (∇f ∘ V): the pullbacks' own rules, taped.
        let f = Self.weighted(rule)
        let check = checkGradient(at: Self.inputs(rule)) { tape, inputs in
            let gradients = tape.gradient(of: f(tape, inputs), with: inputs)
            return zip(gradients, gradients.indices).map { g, k in
                (g * tape.variable(random(g.rows, g.columns, seed: 500 + UInt64(k)))).sum()
            }.reduce(tape.variable(0), +)
        }
        #expect(check.passes(tolerance: 1e-7), "\(rule.name): \(check)")
    }

    /// Directions for the inputs: random, of each input's shape.
    static func directions(_ rule: Rule) -> [Matrix<Double>] {
        rule.shapes.enumerated().map { random($1.0, $1.1, seed: 200 + UInt64($0)) }
    }

    /// The rule recorded at its inputs, and its output's tangent along its directions.
    static func recordedTangent(_ rule: Rule) -> (tape: Tape, inputs: [Variable], output: Variable, tangent: Matrix<Double>) {
        let tape = Tape()
        let inputs = inputs(rule).map(tape.variable)
        let output = rule.apply(inputs)
        let tangent = tape.tangents(of: [output], withRespectTo: inputs, along: directions(rule).map(tape.constant))[0].value
        return (tape, inputs, output, tangent)
    }

    @Test(arguments: rules)
    func tangentRuleMatchesCentralDifferences(rule: Rule) {
        let (x, v) = (Self.inputs(rule), Self.directions(rule))
        let (tape, _, output, tangent) = Self.recordedTangent(rule)
        defer { withExtendedLifetime(tape) {} }   // output's tape, held only unowned by output
        // (f(x + h·v) − f(x − h·v)) / 2h, at the step that balances truncation against rounding.
        let h = cbrt(Double.ulpOfOne)
        func f(_ sign: Double) -> Matrix<Double> {
            let moved = zip(x, v).map { x, v in Matrix(rows: x.rows, columns: x.columns, elements: zip(x.elements, v.elements).map { $0 + sign * h * $1 }) }
            let scratch = Tape()
            return rule.apply(moved.map(scratch.variable)).value
        }
        let (plus, minus) = (f(1), f(-1))
        #expect(tangent.rows == output.rows && tangent.columns == output.columns)
        for i in 0..<tangent.count {
            let numeric = (plus.elements[i] - minus.elements[i]) / (2 * h)
            #expect(abs(tangent.elements[i] - numeric) <= 1e-7 * Swift.max(1, abs(numeric)), "\(rule.name)[\(i)]: \(tangent.elements[i]) against \(numeric)")
        }
    }

    @Test(arguments: rules)
    func tangentIsThePullbacksAdjoint(rule: Rule) {
        // ⟨J·v, W⟩ = ⟨v, Jᵀ·W⟩: forward and reverse mode agree to rounding, with no step to choose.
        let v = Self.directions(rule)
        let (tape, inputs, output, tangent) = Self.recordedTangent(rule)
        let w = random(output.rows, output.columns, seed: 99)
        let forward = zip(tangent.elements, w.elements).reduce(0) { $0 + $1.0 * $1.1 }
        let gradients = tape.gradient(of: (output * tape.constant(w)).sum(), with: inputs).map(\.value)
        let reverse = zip(gradients, v).reduce(0) { total, pair in total + zip(pair.0.elements, pair.1.elements).reduce(0) { $0 + $1.0 * $1.1 } }
        #expect(abs(forward - reverse) <= 1e-12 * Swift.max(1, abs(reverse)), "\(rule.name): \(forward) against \(reverse)")
    }

    @Test(arguments: rules)
    func forwardOverReverseHessianEqualsReverseOverReverse(rule: Rule) {
        // One input at a time (the others fixed): Σ (rule output ∘ W) differentiated twice both ways,
        // which runs the tangent rules of every pullback's operations.
        let x = Self.inputs(rule)
        for k in x.indices {
            func f(_ v: Variable) -> Variable {
                Self.weighted(rule)(v.tape, x.indices.map { $0 == k ? v : v.tape.constant(x[$0]) })
            }
            let reverse = hessian(at: x[k], mode: .reverseOverReverse, of: f)
            let forward = hessian(at: x[k], mode: .forwardOverReverse, of: f)
            let scale = reverse.elements.map(abs).max() ?? 0
            let error = zip(forward.elements, reverse.elements).map { abs($0 - $1) }.max() ?? 0
            #expect(error <= 1e-11 * Swift.max(1, scale), "\(rule.name), input \(k): differs by \(error) (largest entry \(scale))")
        }
    }

    @Test func hessianVectorProductsAgreeAcrossModes() {
        // The lecture's f(x₁, x₂) = x₁x₂ + sin x₁: ∇²f = [[−sin x₁, 1], [1, 0]].
        func f(_ x: Variable) -> Variable {
            let (x1, x2) = (x.slice(rows: 0..<1, columns: 0..<1), x.slice(rows: 0..<1, columns: 1..<2))
            return x1 * x2 + x1.sin()
        }
        let x = Matrix<Double>([[2, 3]])
        let expected = Matrix<Double>([[-Foundation.sin(2), 1], [1, 0]])
        for mode in [SecondOrderMode.reverseOverReverse, .forwardOverReverse] {
            #expect(hessian(at: x, mode: mode, of: f) == expected, "\(mode)")
            let hv = hessianVectorProduct(at: x, along: Matrix([[1, -2]]), mode: mode, of: f)
            #expect(hv == Matrix([[-Foundation.sin(2) - 2, 1]]), "\(mode): \(hv)")
        }
        // J·v alone, forward mode on the tape: d/dt f(x + t·v) = ∇f·v = (x₂ + cos x₁)·1 + x₁·(−2).
        let (value, tangent) = valueWithJacobianVectorProduct(at: x, along: Matrix([[1, -2]]), of: f)
        #expect(value[0, 0] == 6 + Foundation.sin(2) && abs(tangent[0, 0] - (3 + Foundation.cos(2) - 4)) <= 1e-15)
    }

    @Test func tangentsOfUnconnectedOutputsAreZeros() {
        let tape = Tape()
        let (a, b) = (tape.variable(random(2, 2, seed: 1)), tape.variable(random(2, 3, seed: 2)))
        let y = b.exp()
        let t = tape.tangents(of: [y, a.sin()], withRespectTo: [a], along: [tape.constant(random(2, 2, seed: 3))])
        #expect(t[0].value == Matrix(rows: 2, columns: 3) && t[0].isConstant)
        let expected = zip(a.value.elements, random(2, 2, seed: 3).elements).map { Foundation.cos($0) * $1 }
        #expect(t[1].value.elements == expected)
    }

    @Test func softmaxFlushesSubnormalProbabilitiesToZero() {
        // exp(−720) ≈ 1.6e−313 is subnormal; exp(−700) ≈ 9.9e−305 is not.
        let tape = Tape()
        let x = tape.variable(Matrix([[0, -720, -700], [-1, -1, -1]]))
        let s = x.softmaxOverColumns().value
        #expect(s[0, 1] == 0 && s[0, 2] > 0 && s[0, 2].isNormal)
        #expect(s.elements.allSatisfy { $0 == 0 || $0.isNormal })
        // The log-sum-exp's pullback is that softmax: no subnormal reaches the gradient.
        let g = tape.gradient(of: x.logSumExpOverColumns().sum(), with: [x])[0].value
        #expect(g[0, 1] == 0 && g.elements.allSatisfy { $0 == 0 || $0.isNormal })
        #expect(abs(g[1, 0] - 1.0 / 3) < 1e-15)
    }

    @Test func checkGradientCatchesAWrongRule() {
        // exp whose pullback forgets the chain rule's factor.
        let check = checkGradient(at: [random(2, 2, seed: 5)]) { tape, v in
            tape.record(v[0].value.map { Foundation.exp($0) }, "wrong exp", [v[0]], tangent: { t, _ in t[0] }) { g, _ in [g] }.sum()
        }
        #expect(!check.passes(tolerance: 1e-3) && check.maximumRelativeError > 0.1)
    }

    @Test func hessianOfAQuadraticFormIsItsMatrix() {
        let b = random(4, 4, seed: 3)
        let a = b + b.transposed() + Matrix<Double>.identity(4).map { 5 * $0 }   // symmetric
        let h = hessian(at: random(4, 1, seed: 4)) { x in 0.5 * x.matmul(x.tape.variable(a).matmul(x), transposeSelf: .transpose) }
        #expect(zip(h.elements, a.elements).allSatisfy { abs($0 - $1) < 1e-12 })
    }

    @Test func reverseOverReverseHessianMatchesDifferencesOfTheGradient() {
        // f(x) = Σ log-sum-exp of rows of X·W, plus Σ sin(X)².
        let w = random(3, 4, seed: 8)
        func f(_ x: Variable) -> Variable {
            x.matmul(x.tape.variable(w)).logSumExpOverColumns().sum() + x.sin().square().sum()
        }
        let x = random(2, 3, seed: 9)
        let h = hessian(at: x, of: f)
        let n = x.count
        let step = 1e-5
        for i in 0..<n {
            var plus = x, minus = x
            plus[i / 3, i % 3] += step
            minus[i / 3, i % 3] -= step
            let gPlus = gradient(at: [plus]) { _, v in f(v[0]) }[0].elements
            let gMinus = gradient(at: [minus]) { _, v in f(v[0]) }[0].elements
            for j in 0..<n { #expect(abs(h[j, i] - (gPlus[j] - gMinus[j]) / (2 * step)) < 1e-8) }
        }
        #expect(zip(h.elements, h.transposed().elements).allSatisfy { abs($0 - $1) < 1e-12 }, "symmetric")
        let v = random(2, 3, seed: 10)
        let hv = hessianVectorProduct(at: x, along: v, of: f)
        let expected = h.matmul(Matrix(rows: n, columns: 1, elements: v.elements))
        #expect(zip(hv.elements, expected.elements).allSatisfy { abs($0 - $1) < 1e-12 })
    }

    @Test func reverseJacobianMatchesForwardMode() {
        // F(x) = (x₀x₁, sin x₂ + Σ xᵢ), as a 2×1 output of a 3×1 input.
        let x = Matrix<Double>([[0.3], [-1.1], [0.7]])
        let reverse = jacobian(at: x) { v in
            let parts = (0..<3).map { v.slice(rows: $0..<($0 + 1)) }
            return Variable.concatenate(rows: [parts[0] * parts[1], parts[2].sin() + v.sum()])
        }
        let forward = jacobian(at: x.elements) { v in [v[0] * v[1], GradientDual.sin(v[2]) + v.reduce(0, +)] }
        #expect(zip(reverse.elements, forward.elements).allSatisfy { abs($0 - $1) < 1e-15 })
    }

    @Test func logSumExpOfMinusInfinityHasZeroGradient() {
        let x = Matrix<Double>([[-.infinity, -.infinity], [0, 1]])
        let tape = Tape()
        let lse = tape.variable(x).logSumExpOverColumns()
        #expect(lse.value[0, 0] == -.infinity && abs(lse.value[1, 0] - log(1 + exp(1.0))) < 1e-15)
        // The objective weights the −∞ row by 0 (its value is then NaN, as −∞·0 is);
        // what matters is that no NaN reaches the gradient.
        let gradients = gradient(at: [x]) { tape, v in
            (v[0].logSumExpOverColumns() * tape.variable(Matrix([[0], [1]]))).sum()
        }
        #expect(gradients[0].row(0) == [0, 0], "not NaN")
        let s = 1 / (1 + exp(1.0))
        #expect(abs(gradients[0][1, 0] - s) < 1e-15 && abs(gradients[0][1, 1] - (1 - s)) < 1e-15)
    }

    @Test func selectLeaksNoNaNFromTheBranchNotTaken() {
        // select(x > 0, log x, 0) at x = 0: log 0 = −∞ and its pullback 1/0 = ∞
        // sit in the branch not taken.
        let x = Matrix<Double>([[0, 2]])
        let g = gradient(at: [x]) { tape, v in
            v[0].log().select(where: x.map { $0 > 0 ? 1 : 0 }, else: tape.variable(Matrix(rows: 1, columns: 2))).sum()
        }[0]
        #expect(g[0, 0] == 0 && g[0, 1] == 0.5)
        let s = gradient(at: [x]) { tape, v in
            v[0].sqrt().select(where: x.map { $0 > 0 ? 1 : 0 }, else: v[0]).sum()
        }[0]
        #expect(s[0, 0] == 1 && abs(s[0, 1] - 0.5 / 2.0.squareRoot()) < 1e-15)
    }

    @Test func linearAlgebraRulesAgreeWithLinearAlgebra() {
        let tape = Tape()
        let b = tape.variable(random(3, 3, seed: 12))
        let a = spd(b)
        let l = a.cholesky()!
        #expect(zip(l.value.elements, (try! Cholesky(a.value)).factor.elements).allSatisfy { abs($0 - $1) < 1e-14 })
        #expect(abs(a.logDeterminantSPD()!.scalar - (try! Cholesky(a.value)).logDeterminant) < 1e-13)
        let rhs = tape.variable(random(3, 2, seed: 13))
        let x = a.solveSPD(rhs)!
        #expect(zip(a.value.matmul(x.value).elements, rhs.value.elements).allSatisfy { abs($0 - $1) < 1e-13 })
        #expect(tape.variable(Matrix([[1.0, 2], [2, 1]])).cholesky() == nil, "not positive definite")
        let packed = tape.variable(Matrix(rows: 3, columns: 1, elements: [1, 2, 3])).unpackLower(size: 3)
        #expect(packed.value == Matrix([[0, 0, 0], [1, 0, 0], [2, 3, 0]]), "column by column: (1,0), (2,0), (2,1)")
    }

    @Test(arguments: [3, 20, 64])
    func blockRulesAgreeWithPlainLoopsOnLargeMatrices(width: Int) {
        // 400 × 30·width is past the size at which block rules split over the
        // cores, and widths of 16 or more take the eight-lane sums.
        let (m, k) = (400, 30)
        let tape = Tape()
        let y = tape.variable(random(m, k * width, seed: UInt64(width)))
        let g = tape.variable(random(m, k, seed: 99))
        let squares = y.squaredNormsOverBlocks(width: width).value
        let sums = y.sumOverBlocks(width: width).value
        let scaled = y.timesRepeatedBlocks(g, width: width, scale: 2).value
        let repeated = g.repeatBlocks(width: width).value
        let (values, cotangents) = (y.value, g.value)
        var (squareError, sumError, mismatches) = (0.0, 0.0, 0)
        for i in 0..<m {
            for c in 0..<k {
                let block = (0..<width).map { values[i, c * width + $0] }
                squareError = max(squareError, abs(squares[i, c] - block.reduce(0) { $0 + $1 * $1 }) / squares[i, c])
                sumError = max(sumError, abs(sums[i, c] - block.reduce(0, +)))
                for j in 0..<width where scaled[i, c * width + j] != 2 * cotangents[i, c] * block[j]
                    || repeated[i, c * width + j] != cotangents[i, c] {
                    mismatches += 1
                }
            }
        }
        #expect(squareError <= 1e-14 && sumError <= 1e-14 * Double(width) && mismatches == 0)
    }

    @Test(arguments: [(1000, 11, 10), (1000, 3, 2), (130, 5, 4), (200, 65, 64)])
    func fusedProductNormsAgreeWithTheComposition(m: Int, p: Int, width: Int) {
        // 1000 × 11 against 11 × 100·10 goes on two workers in runs of 90
        // rows and a shorter last one; 1000 × 3 in one run per worker; 130
        // rows on one worker (too few elements to split); 65 × 6400 per row
        // is too large for runs and takes the composition.
        let k = 100
        func record(fused: Bool, constantData: Bool) -> (Tape, Variable, [Matrix<Double>]) {
            let tape = Tape()
            let x = constantData ? tape.constant(random(m, p, seed: 1)) : tape.variable(random(m, p, seed: 1))
            let c = tape.variable(random(p, k * width, seed: 2))
            let weights = tape.constant(random(m, k, seed: 3))
            let norms = fused ? x.matmulSquaredNormsOverBlocks(c, width: width) : x.matmul(c).squaredNormsOverBlocks(width: width)
            let output = (norms * weights).sum()
            return (tape, norms, tape.gradient(of: output, with: [x, c]).map(\.value))
        }
        func relativeError(_ a: Matrix<Double>, _ b: Matrix<Double>) -> Double {
            let scale = b.elements.map(abs).max() ?? 0
            return zip(a.elements, b.elements).map { abs($0 - $1) }.max().map { $0 / Swift.max(scale, .leastNormalMagnitude) } ?? 0
        }
        for constantData in [true, false] {
            let (fusedTape, fused, fusedGradients) = record(fused: true, constantData: constantData)
            let (composedTape, composed, composedGradients) = record(fused: false, constantData: constantData)
            #expect(relativeError(fused.value, composed.value) <= 1e-13)
            #expect(relativeError(fusedGradients[1], composedGradients[1]) <= 1e-13)
            if !constantData { #expect(relativeError(fusedGradients[0], composedGradients[0]) <= 1e-13) }
            withExtendedLifetime((fusedTape, composedTape)) {}
        }
    }

    @Test func anomalyDetectionNamesTheFirstBadOperation() {
        let tape = Tape()
        tape.anomalyDetection = true
        let x = tape.variable(Matrix([[1.0, -1], [2, 3]]))
        let y = (x.log() * 2).exp()
        _ = y
        #expect(tape.firstAnomaly == "log(2×2) produced NaN or infinity")
    }

    @Test func pooledBuffersNeverOverwriteValuesStillHeld() {
        // Values of 2×10⁴ elements are pooled on reset; one kept by the caller must stay intact.
        // (The tape's exp is vectorised: within an ulp or two of Foundation's, not equal.)
        func close(_ x: Matrix<Double>, _ y: Matrix<Double>) -> Bool {
            zip(x.elements, y.elements).allSatisfy { abs($0 - $1) <= 4 * $1.ulp }
        }
        let tape = Tape()
        let a = random(100, 200, seed: 1), b = random(100, 200, seed: 2)
        let first = tape.variable(a).exp() * tape.variable(b)
        let kept = first.value
        let expected = Matrix<Double>(rows: 100, columns: 200) { Foundation.exp(a[$0, $1]) * b[$0, $1] }
        tape.reset()
        for _ in 0..<3 {
            let again = tape.variable(b).exp() * tape.variable(a)
            #expect(close(again.value, Matrix<Double>(rows: 100, columns: 200) { Foundation.exp(b[$0, $1]) * a[$0, $1] }))
            tape.reset()
        }
        #expect(close(kept, expected), "a value held outside the tape is not reused")
        // And a reused tape gives the same gradient as a fresh one.
        let gmmInput = GMMObjectiveTests.reference.cases[2].input
        let gmm = try! GMMObjective(gmmInput)
        let reused = Tape()
        let once = gmm.gradient(using: reused)
        #expect(gmm.gradient(using: reused) == once && gmm.gradient() == once)
    }

    @Test func releasingIntermediatesGivesTheSameGradientAndHoldsLess() {
        func record(_ tape: Tape) -> (Variable, [Variable]) {
            let x = tape.variable(random(200, 30, seed: 5)), w = tape.variable(random(30, 40, seed: 6))
            let h = x.matmul(w)
            let y = (h.tanh() * h + h.exp().log1p()).logSumExpOverColumns().sum() + w.square().sum()
            return (y, [x, w])
        }
        let keeping = Tape(), releasing = Tape()
        let (y1, inputs1) = record(keeping), (y2, inputs2) = record(releasing)
        let forward = releasing.heldElementCount
        let kept = keeping.gradient(of: y1, with: inputs1).map(\.value)
        let released = releasing.gradient(of: y2, with: inputs2, releasingIntermediates: true).map(\.value)
        #expect(kept == released)
        #expect(y2.scalar == y1.scalar, "the output is kept")
        #expect(inputs2[0].value == random(200, 30, seed: 5), "inputs are kept")
        // Kept: the inputs, their gradients, the output and the backward
        // pass's seed 1; everything else is released.
        let essentials = 2 * (200 * 30 + 30 * 40) + 2
        #expect(releasing.heldElementCount == essentials)
        #expect(keeping.heldElementCount > forward + essentials, "a plain pass keeps both passes' values")
    }

    @Test func aTapeReusedWhileReleasingGivesTheSameGradientEveryPass() {
        let gmm = try! GMMObjective(GMMObjectiveTests.reference.cases[2].input)
        let tape = Tape()
        let first = gmm.gradient(using: tape)
        for _ in 0..<3 { #expect(gmm.gradient(using: tape) == first) }
        #expect(first == gmm.gradient(using: Tape()))
    }

    @Test func unusedInputsGetZerosAndTapesReset() {
        let tape = Tape()
        let x = tape.variable(2), unused = tape.variable(Matrix(rows: 2, columns: 3, repeating: 1))
        let g = tape.gradient(of: x * x, with: [x, unused])
        #expect(g[0].scalar == 4 && g[1].value == Matrix(rows: 2, columns: 3))
        #expect(tape.count > 3)
        tape.reset()
        #expect(tape.count == 0)
        let z = tape.variable(3)
        #expect(tape.gradient(of: z.exp(), with: [z])[0].scalar == exp(3))
    }
}
