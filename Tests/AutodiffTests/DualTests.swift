import Foundation
import LinearAlgebra
import RealModule
import Testing
@testable import Autodiff

/// |a − b| ≤ tolerance·max(1, |b|).
func close(_ a: Double, _ b: Double, _ tolerance: Double = 1e-13) -> Bool {
    abs(a - b) <= tolerance * max(1, abs(b))
}

@Suite struct DualTests {
    typealias D = Dual<Double>

    /// Each elementary function against its analytic derivative at several points.
    nonisolated(unsafe) static let rules: [(String, (D) -> D, (Double) -> Double, [Double])] = [
        ("exp", D.exp, { Foundation.exp($0) }, [-2, 0, 0.7, 3]),
        ("expMinusOne", D.expMinusOne, { Foundation.exp($0) }, [-1e-8, 0.3, 2]),
        ("sin", D.sin, { Foundation.cos($0) }, [-2, 0, 1.3]),
        ("cos", D.cos, { -Foundation.sin($0) }, [-2, 0, 1.3]),
        ("tan", D.tan, { 1 / (Foundation.cos($0) * Foundation.cos($0)) }, [-1, 0.4, 1.2]),
        ("sinh", D.sinh, { Foundation.cosh($0) }, [-2, 0.5]),
        ("cosh", D.cosh, { Foundation.sinh($0) }, [-2, 0.5]),
        ("tanh", D.tanh, { 1 / (Foundation.cosh($0) * Foundation.cosh($0)) }, [-2, 0, 0.5]),
        ("log", { D.log($0) }, { 1 / $0 }, [0.1, 1, 7]),
        ("log1p", { D.log(onePlus: $0) }, { 1 / (1 + $0) }, [-0.5, 0, 3]),
        ("asin", D.asin, { 1 / (1 - $0 * $0).squareRoot() }, [-0.9, 0, 0.5]),
        ("acos", D.acos, { -1 / (1 - $0 * $0).squareRoot() }, [-0.9, 0, 0.5]),
        ("atan", D.atan, { 1 / (1 + $0 * $0) }, [-3, 0, 2]),
        ("asinh", D.asinh, { 1 / ($0 * $0 + 1).squareRoot() }, [-3, 0, 2]),
        ("acosh", D.acosh, { 1 / ($0 * $0 - 1).squareRoot() }, [1.5, 4]),
        ("atanh", D.atanh, { 1 / (1 - $0 * $0) }, [-0.5, 0, 0.9]),
        ("sqrt", D.sqrt, { 0.5 / $0.squareRoot() }, [0.25, 2, 9]),
        ("cube root", { D.root($0, 3) }, { Foundation.pow($0, -2.0 / 3) / 3 }, [0.5, 8]),
        ("x^5", { D.pow($0, 5) }, { 5 * Foundation.pow($0, 4) }, [-1.5, 0, 2]),
        ("x^-2", { D.pow($0, -2) }, { -2 * Foundation.pow($0, -3) }, [-1.5, 2]),
        ("x^2.5", { D.pow($0, D(constant: 2.5)) }, { 2.5 * Foundation.pow($0, 1.5) }, [0.5, 3]),
        ("2^x", { D.pow(D(constant: 2), $0) }, { Foundation.pow(2, $0) * Foundation.log(2) }, [-1, 0.5, 4]),
        ("exp2", D.exp2, { Foundation.exp2($0) * Foundation.log(2) }, [-1, 3]),
        ("exp10", D.exp10, { Foundation.pow(10, $0) * Foundation.log(10) }, [-1, 0.5]),
        ("log2", D.log2, { 1 / ($0 * Foundation.log(2)) }, [0.5, 8]),
        ("log10", D.log10, { 1 / ($0 * Foundation.log(10)) }, [0.5, 100]),
        ("erf", D.erf, { 2 / Double.pi.squareRoot() * Foundation.exp(-$0 * $0) }, [-1, 0, 0.3]),
        ("erfc", D.erfc, { -2 / Double.pi.squareRoot() * Foundation.exp(-$0 * $0) }, [-1, 0, 0.3]),
        ("gamma", D.gamma, { Foundation.tgamma($0) * digamma($0) }, [0.5, 1, 3.7]),
        ("logGamma", D.logGamma, { digamma($0) }, [0.5, 1, 10]),
        ("1/x", { 1 / $0 }, { -1 / ($0 * $0) }, [-2, 0.5]),
        ("reciprocal", { $0.reciprocal! }, { -1 / ($0 * $0) }, [-2, 0.5]),
        ("abs", { $0.magnitude }, { $0 < 0 ? -1 : 1 }, [-2, 3]),
        ("x·sin x / (1 + x²)", { x in x * D.sin(x) / (1 + x * x) },
         { x in (Foundation.sin(x) + x * Foundation.cos(x)) / (1 + x * x) - 2 * x * x * Foundation.sin(x) / ((1 + x * x) * (1 + x * x)) }, [-1, 0.3, 2]),
    ]

    @Test(arguments: 0..<rules.count)
    func elementaryFunctionsMatchTheirAnalyticDerivatives(rule: Int) {
        let (name, f, fPrime, points) = Self.rules[rule]
        for x in points {
            #expect(close(derivative(at: x, of: f), fPrime(x), 1e-12), "\(name) at \(x)")
        }
    }

    @Test func twoArgumentFunctions() {
        let (x, y) = (1.3, -0.7)
        // ∂/∂x and ∂/∂y of atan2 and hypot, seeding one input at a time.
        let dx = D.atan2(y: D(constant: y), x: D(variable: x)).tangent
        let dy = D.atan2(y: D(variable: y), x: D(constant: x)).tangent
        #expect(close(dx, -y / (x * x + y * y)) && close(dy, x / (x * x + y * y)))
        let h = (x * x + y * y).squareRoot()
        #expect(close(D.hypot(D(variable: x), D(constant: y)).tangent, x / h))
        #expect(close(D.pow(D(constant: 3), D(variable: 2)).tangent, 9 * Foundation.log(3)))
        #expect(close((D(variable: 7).truncatingRemainder(dividingBy: D(constant: 2))).tangent, 1))
        #expect(D(variable: 2.6).rounded().tangent == 0)
    }

    @Test func comparisonsLookAtValues() {
        #expect(D(value: 1, tangent: 5) == D(value: 1, tangent: -3))
        #expect(D(value: 1, tangent: 5) < D(value: 2, tangent: -3))
        #expect(D.maximum(D(value: 1, tangent: 1), D(value: 2, tangent: 7)).tangent == 7)
        #expect(D(integerLiteral: 4).tangent == 0 && D(4).value == 4)
    }

    @Test func secondDerivativesByNesting() {
        #expect(close(secondDerivative(at: 1.2) { Dual.sin($0) }, -Foundation.sin(1.2)))
        #expect(close(secondDerivative(at: 1.5) { x in x * x * x * x }, 12 * 1.5 * 1.5))
        let x = 0.8
        #expect(close(secondDerivative(at: x) { x in Dual.exp(x * x) }, (2 + 4 * x * x) * Foundation.exp(x * x)))
        // (log Γ)″ = trigamma; trigamma(1) = π²/6.
        #expect(close(secondDerivative(at: 1.0) { Dual.logGamma($0) }, Double.pi * Double.pi / 6, 1e-10))
    }

    struct Quintic: RealFunction { func callAsFunction<T: Real>(_ x: T) -> T { x * x * x * x * x - 2 * x } }
    struct Sine: RealFunction { func callAsFunction<T: Real>(_ x: T) -> T { T.sin(x) } }

    @Test func nthDerivatives() {
        #expect(nthDerivative(of: Quintic(), order: 0, at: 2.0) == 28)
        #expect(nthDerivative(of: Quintic(), order: 1, at: 2.0) == 78)
        #expect(nthDerivative(of: Quintic(), order: 5, at: 2.0) == 120)
        #expect(nthDerivative(of: Quintic(), order: 6, at: 2.0) == 0)
        #expect(close(nthDerivative(of: Sine(), order: 4, at: 0.7), Foundation.sin(0.7)))
        #expect(close(nthDerivative(of: Sine(), order: 7, at: 0.7), -Foundation.cos(0.7)))
    }

    @Test func digammaKnownValues() {
        let euler = 0.5772156649015329
        #expect(close(digamma(1.0), -euler, 1e-14))
        #expect(close(digamma(0.5), -euler - 2 * Foundation.log(2.0), 1e-14))
        #expect(close(digamma(10.0), 2.251752589066721, 1e-14))
        #expect(close(digamma(-0.5), 0.03648997397857652, 1e-13))
        #expect(digamma(-2.0).isNaN)
    }

    /// Code written once for any `Real` differentiates with duals.
    func logistic<T: Real>(_ x: T) -> T { 1 / (1 + T.exp(-x)) }

    @Test func genericRealCodeDifferentiates() {
        let x = 0.3
        let s = logistic(x)
        #expect(close(derivative(at: x, of: logistic), s * (1 - s)))
        let floatDerivative = Double(derivative(at: Float(0.3)) { (x: Dual<Float>) in logistic(x) })
        #expect(abs(floatDerivative - s * (1 - s)) < 1e-6)
    }

    @Test func gradientsAndJacobiansInBlocksOfEight() {
        // f(x) = Σ xᵢ² + x₀x₁ over 19 inputs: three passes.
        let x = (0..<19).map { Double($0) / 4 - 2 }
        let (value, g) = valueWithGradient(at: x) { v in v.reduce(0) { $0 + $1 * $1 } + v[0] * v[1] }
        #expect(close(value, x.reduce(0) { $0 + $1 * $1 } + x[0] * x[1]))
        let expected = x.indices.map { i in 2 * x[i] + (i == 0 ? x[1] : i == 1 ? x[0] : 0) }
        #expect(zip(g, expected).allSatisfy { close($0, $1) })

        // F(x) = (x₀x₁, sin x₂ + Σ xᵢ) over 11 inputs.
        let y = (0..<11).map { Double($0) / 3 }
        let j = jacobian(at: y) { v in [v[0] * v[1], GradientDual.sin(v[2]) + v.reduce(0, +)] }
        #expect(j.rows == 2 && j.columns == 11)
        for c in 0..<11 {
            #expect(close(j[0, c], c == 0 ? y[1] : c == 1 ? y[0] : 0))
            #expect(close(j[1, c], 1 + (c == 2 ? Foundation.cos(y[2]) : 0)))
        }
        let along = directionalDerivative(at: [1.0, 2, 3], along: [0.5, -1, 2]) { v in v[0] * v[1] * v[2] }
        let expectedAlong: Double = 0.5 * 6 - 1 * 3 + 2 * 2
        #expect(close(along, expectedAlong))
    }
}
