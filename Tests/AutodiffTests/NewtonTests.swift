import Foundation
import LinearAlgebra
import RealModule
import Testing
@testable import Autodiff

/// −ℓ(m) of a Cauchy location m, up to a constant, for data given in tenths.
func negativeLogLikelihood<T: Real>(_ m: T, _ tenths: [Int]) -> T {
    var total: T = 0
    for x in tenths {
        let r = T(x) / 10 - m
        total += T.log(1 + r * r)
    }
    return total
}

@Suite struct NewtonTests {
    @Test func rootsOfPolynomials() throws {
        let cubic = try Newton.root(of: { x in x * x * x - 2 * x - 5 }, from: 2.0)
        #expect(close(cubic.point, 2.0945514815423265, 1e-15) && cubic.iterations <= 6)
        let sqrt2 = try Newton.root(of: { x in x * x - 2 }, from: 1.0)
        #expect(close(sqrt2.point, 2.0.squareRoot(), 1e-15))
    }

    @Test func divergingNewtonIsReportedAndTheBracketRescuesIt() throws {
        // Newton on atan from 2 overshoots further each step.
        #expect(throws: NewtonError<Double>.self) { try Newton.root(of: { Dual.atan($0) }, from: 2.0, maxIterations: 30) }
        let rescued = try Newton.root(of: { Dual.atan($0) }, from: 2.0, bracket: -1...3)
        #expect(abs(rescued.point) < 1e-12 && rescued.bisections > 0)
        #expect(throws: NewtonError<Double>.invalidBracket(lower: 1, upper: 3, valueAtLower: atan(1.0), valueAtUpper: atan(3.0))) {
            try Newton.root(of: { Dual.atan($0) }, from: 2.0, bracket: 1...3)
        }
        #expect(throws: NewtonError<Double>.breakdown(iteration: 1, point: 0)) { try Newton.root(of: { x in x * x + 1 }, from: 0.0) }
    }

    @Test func maximumLikelihoodOfAGammaShape() throws {
        // For Gamma data the shape k solves log k − ψ(k) = log(mean) − mean(log x); the
        // derivative of ψ comes from differentiating digamma through duals.
        let k = 2.5
        let target = log(k) - digamma(k)
        let fit = try Newton.root(of: { x in Dual.log(x) - digamma(x) - Dual(constant: target) }, from: 1.0, bracket: 0.1...50)
        #expect(close(fit.point, k, 1e-12))
    }

    @Test func oneDimensionalMinima() throws {
        let parabola = try Newton.minimum(of: { x in (x - 3) * (x - 3) + 1 }, from: -10.0)
        #expect(close(parabola.point, 3) && close(parabola.value, 1) && parabola.iterations <= 2)
        // x⁴ − 3x³ + 2: minimum at 9/4; from 0.5 the curvature starts negative.
        let quartic = try Newton.minimum(of: { x in x * x * x * x - 3 * x * x * x + 2 }, from: 0.5)
        #expect(close(quartic.point, 2.25, 1e-10))
        // Cauchy location by maximum likelihood, from a start where −ℓ is concave.
        let data = [-12, 4, 17, 17, 30, 46]  // tenths
        let fit = try Newton.minimum(of: { (m: Dual<Dual<Double>>) in negativeLogLikelihood(m, data) }, from: 7.0, bracket: -5...10)
        let slope = derivative(at: fit.point) { (m: Dual<Double>) in negativeLogLikelihood(m, data) }
        #expect(abs(slope) < 1e-9 && fit.point > 0.4 && fit.point < 3)
    }
}

@Suite struct MultivariateNewtonTests {
    @Test func rosenbrockFromTheClassicStart() throws {
        // (1 − x)² + 100(y − x²)², minimum at (1, 1).
        let result = try Newton.minimum(of: { v in
            let x = v.slice(rows: 0..<1), y = v.slice(rows: 1..<2)
            return ((1 - x).square() + 100 * (y - x.square()).square()).sum()
        }, from: Matrix([[-1.2], [1.0]]))
        #expect(abs(result.point[0, 0] - 1) < 1e-9 && abs(result.point[1, 0] - 1) < 1e-9)
        #expect(result.gradientNorm <= 1e-8 && result.iterations < 50)
    }

    @Test func logisticRegressionMaximumLikelihood() throws {
        // Minimise Σ softplus(xᵢ·w) − yᵢ·xᵢ·w; at the optimum Xᵀ(σ(Xw) − y) = 0.
        var rng = Xoshiro256StarStar(seed: 21)
        let features = Matrix<Double>(rows: 200, columns: 3) { _, j in j == 0 ? 1 : rng.nextNormal() }
        let labels = Matrix<Double>(rows: 200, columns: 1) { i, _ in
            let score: Double = 0.5 + 1.5 * features[i, 1] - features[i, 2]
            let probability: Double = 1 / (1 + exp(-score))
            return rng.nextUniform(Double.self) < probability ? 1 : 0
        }
        let result = try Newton.minimum(of: { w in
            let x = w.tape.constant(features), y = w.tape.constant(labels)
            let scores = x.matmul(w)
            return (scores.softplus() - y * scores).sum()
        }, from: Matrix(rows: 3, columns: 1))
        let w = result.point
        let scores = features.matmul(w)
        for j in 0..<3 {
            var residual = 0.0
            for i in 0..<200 {
                let probability: Double = 1 / (1 + exp(-scores[i, 0]))
                residual += features[i, j] * (probability - labels[i, 0])
            }
            #expect(abs(residual) < 1e-8)
        }
        #expect(result.iterations < 15)
    }

    @Test func nonConvergenceIsReported() {
        // An unbounded objective: −Σx (Hessian zero, so every step is damped and it keeps descending).
        #expect(throws: NewtonMinimizationError.self) {
            try Newton.minimum(of: { v in -v.sum() }, from: Matrix([[0.0]]), maxIterations: 5)
        }
    }
}
