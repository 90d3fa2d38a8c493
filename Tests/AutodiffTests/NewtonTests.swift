import Foundation
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
