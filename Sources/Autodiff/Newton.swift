import RealModule

/// Where Newton's method ended.
public struct NewtonResult<V: Real>: Equatable, Sendable where V: Sendable {
    /// The root or minimiser found.
    public var point: V
    /// f there (for a minimisation, the minimum value).
    public var value: V
    /// Iterations taken.
    public var iterations: Int
    /// How many of them fell back to bisection (root finding with a bracket).
    public var bisections: Int
}

/// Why Newton's method stopped without an answer.
public enum NewtonError<V: Real>: Error, Equatable, CustomStringConvertible where V: Sendable {
    /// No convergence within the iteration limit; where it got to.
    case didNotConverge(iterations: Int, point: V, value: V)
    /// f′ (or, minimising, f″ and f′ together) vanished or a value became NaN or ∞.
    case breakdown(iteration: Int, point: V)
    /// The bracket's ends do not have values of opposite signs.
    case invalidBracket(lower: V, upper: V, valueAtLower: V, valueAtUpper: V)

    public var description: String {
        switch self {
        case .didNotConverge(let n, let x, let fx):
            return "Newton's method did not converge in \(n) iterations (last point \(x), value \(fx)); give a bracket or a better start"
        case .breakdown(let n, let x):
            return "Newton's method broke down at iteration \(n), point \(x): zero derivative or a non-finite value"
        case .invalidBracket(let a, let b, let fa, let fb):
            return "the bracket [\(a), \(b)] does not enclose a sign change (values \(fa) and \(fb))"
        }
    }
}

/// Newton's method with derivatives from dual numbers.
public enum Newton {
    /// A root of `f`.
    ///
    /// Without a bracket this is plain Newton, xₖ₊₁ = xₖ − f(xₖ)/f′(xₖ), and a
    /// divergence or breakdown is reported as an error. With a bracket
    /// [a, b] whose ends have values of opposite signs, each Newton step is
    /// taken only if it lands inside the current bracket and at least halves
    /// the step before last; otherwise the bracket is bisected. The bracket
    /// shrinks every iteration, so the method always converges.
    ///
    /// Stops when a step is below `tolerance`·(1 + |x|) or f(x) is exactly 0.
    public static func root<V: Real & Sendable>(
        of f: (Dual<V>) -> Dual<V>, from start: V, bracket: ClosedRange<V>? = nil,
        tolerance: V = V.ulpOfOne * 1000, maxIterations: Int = 100
    ) throws(NewtonError<V>) -> NewtonResult<V> {
        func evaluate(_ x: V) -> (V, V) { let y = f(Dual(variable: x)); return (y.value, y.tangent) }
        guard let bracket else {
            var x = start
            for iteration in 1...max(1, maxIterations) {
                let (fx, slope) = evaluate(x)
                if fx == 0 { return NewtonResult(point: x, value: fx, iterations: iteration - 1, bisections: 0) }
                let next = x - fx / slope
                guard slope != 0, next.isFinite else { throw .breakdown(iteration: iteration, point: x) }
                if abs(next - x) <= tolerance * (1 + abs(x)) {
                    return NewtonResult(point: next, value: evaluate(next).0, iterations: iteration, bisections: 0)
                }
                x = next
            }
            throw .didNotConverge(iterations: maxIterations, point: x, value: evaluate(x).0)
        }
        var (low, high) = (bracket.lowerBound, bracket.upperBound)
        var fLow = evaluate(low).0
        let fHigh = evaluate(high).0
        if fLow == 0 { return NewtonResult(point: low, value: 0, iterations: 0, bisections: 0) }
        if fHigh == 0 { return NewtonResult(point: high, value: 0, iterations: 0, bisections: 0) }
        guard (fLow < 0) != (fHigh < 0) else {
            throw .invalidBracket(lower: low, upper: high, valueAtLower: fLow, valueAtUpper: fHigh)
        }
        var x = min(max(start, low), high)
        var step = high - low, previousStep = step
        var bisections = 0
        for iteration in 1...max(1, maxIterations) {
            let (fx, slope) = evaluate(x)
            if fx == 0 { return NewtonResult(point: x, value: 0, iterations: iteration - 1, bisections: bisections) }
            // Keep the sign change inside [low, high].
            if (fx < 0) == (fLow < 0) { low = x; fLow = fx } else { high = x }
            let newton = x - fx / slope
            let next: V
            if slope != 0, newton.isFinite, newton > low, newton < high, abs(newton - x) < previousStep / 2 {
                next = newton
            } else {
                next = (low + high) / 2
                bisections += 1
            }
            previousStep = step
            step = abs(next - x)
            if step <= tolerance * (1 + abs(x)) || high - low <= tolerance * (1 + abs(x)) {
                return NewtonResult(point: next, value: evaluate(next).0, iterations: iteration, bisections: bisections)
            }
            x = next
        }
        throw .didNotConverge(iterations: maxIterations, point: x, value: evaluate(x).0)
    }

    /// A local minimum of `f`, by Newton's method on f′ with f″ from nested
    /// duals. Where f″ ≤ 0 the step follows −f′ instead, and every step is
    /// shortened until f decreases enough (Armijo backtracking), so the
    /// iteration descends from any start; with a bracket, steps stay inside it.
    ///
    /// Stops when a step is below `tolerance`·(1 + |x|) or f′(x) is exactly 0.
    public static func minimum<V: Real & Sendable>(
        of f: (Dual<Dual<V>>) -> Dual<Dual<V>>, from start: V, bracket: ClosedRange<V>? = nil,
        tolerance: V = V.ulpOfOne * 1000, maxIterations: Int = 100
    ) throws(NewtonError<V>) -> NewtonResult<V> {
        func value(_ x: V) -> V { f(Dual(constant: Dual(constant: x))).value.value }
        func clamp(_ x: V) -> V { bracket.map { min(max(x, $0.lowerBound), $0.upperBound) } ?? x }
        var x = clamp(start)
        for iteration in 1...max(1, maxIterations) {
            let y = f(Dual(value: Dual(variable: x), tangent: Dual(constant: 1)))
            let (fx, slope, curvature) = (y.value.value, y.value.tangent, y.tangent.tangent)
            guard fx.isFinite, slope.isFinite, curvature.isFinite else { throw .breakdown(iteration: iteration, point: x) }
            if slope == 0 { return NewtonResult(point: x, value: fx, iterations: iteration - 1, bisections: 0) }
            let direction = curvature > 0 ? -slope / curvature : -slope
            var scale: V = 1
            var next = clamp(x + direction)
            // Armijo: accept when f falls by at least 10⁻⁴ of the predicted decrease.
            while value(next) > fx + scale * direction * slope / 10_000 && scale > V.ulpOfOne {
                scale /= 2
                next = clamp(x + scale * direction)
            }
            if abs(next - x) <= tolerance * (1 + abs(x)) {
                return NewtonResult(point: next, value: value(next), iterations: iteration, bisections: 0)
            }
            x = next
        }
        throw .didNotConverge(iterations: maxIterations, point: x, value: value(x))
    }
}
