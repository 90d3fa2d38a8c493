import LinearAlgebra
import RealModule

// Forward-mode derivatives by dual numbers. Each helper seeds the inputs,
// calls `f` once per block of directions, and reads the tangents.

/// f′(x).
///
/// ```swift
/// derivative(at: 1.0) { x in x * x * x }   // 3
/// ```
@inlinable public func derivative<V: Real>(at x: V, of f: (Dual<V>) -> Dual<V>) -> V {
    f(Dual(variable: x)).tangent
}

/// f(x) and f′(x) from one evaluation.
@inlinable public func valueWithDerivative<V: Real>(at x: V, of f: (Dual<V>) -> Dual<V>) -> (value: V, derivative: V) {
    let y = f(Dual(variable: x))
    return (y.value, y.tangent)
}

/// f″(x), by nesting duals (forward over forward).
@inlinable public func secondDerivative<V: Real>(at x: V, of f: (Dual<Dual<V>>) -> Dual<Dual<V>>) -> V {
    f(Dual(value: Dual(variable: x), tangent: Dual(constant: 1))).tangent.tangent
}

/// A scalar function written once for every `Real` type, so that it can be
/// differentiated any number of times (each derivative instantiates it with
/// a further-nested dual).
public protocol RealFunction {
    func callAsFunction<T: Real>(_ x: T) -> T
}

/// The derivative of a ``RealFunction``, itself a ``RealFunction``.
public struct DerivativeOf<F: RealFunction>: RealFunction {
    public let function: F
    public init(_ function: F) { self.function = function }
    public func callAsFunction<T: Real>(_ x: T) -> T { function(Dual(variable: x)).tangent }
}

/// The n-th derivative of `f` at `x` (n ≥ 0), by nesting duals n deep.
///
/// - Complexity: 2ⁿ times the cost of `f`: fine for small n.
public func nthDerivative<F: RealFunction, V: Real>(of f: F, order n: Int, at x: V) -> V {
    precondition(n >= 0, "the order of a derivative is non-negative, got \(n)")
    return n == 0 ? f(x) : nthDerivative(of: DerivativeOf(f), order: n - 1, at: x)
}

/// The directional derivative ∇f(x)·v, in one forward pass.
@inlinable public func directionalDerivative<V: Real>(at x: [V], along v: [V], of f: ([Dual<V>]) -> Dual<V>) -> V {
    precondition(x.count == v.count, "a direction of \(v.count) components for \(x.count) inputs")
    return f(zip(x, v).map { Dual(value: $0, tangent: $1) }).tangent
}

/// The lanes one forward pass carries in ``gradient(at:of:)`` and ``jacobian(at:of:)``.
public typealias GradientLanes<V: SIMDScalar & Real & BinaryFloatingPoint> = SIMD8<V>

/// f(x) and ∇f(x), in ⌈n/8⌉ forward passes of eight directions each.
///
/// Inlinable, so that the passes are specialised for the caller's scalar
/// type (unspecialised, every dual costs generic metadata lookups).
@inlinable public func valueWithGradient<V: BLASScalar & SIMDScalar>(
    at x: [V], of f: ([GradientDual<GradientLanes<V>>]) -> GradientDual<GradientLanes<V>>
) -> (value: V, gradient: [V]) {
    let lanes = GradientLanes<V>.scalarCount
    var gradient = [V](repeating: 0, count: x.count)
    var value = V.zero
    var first = 0
    repeat {
        let inputs = seededInputs(x, lanesFrom: first)
        let y = f(inputs)
        value = y.value
        for lane in 0..<Swift.min(lanes, x.count - first) { gradient[first + lane] = y.tangent[lane] }
        first += lanes
    } while first < x.count
    return (value, gradient)
}

/// The inputs of one forward pass: lane ℓ seeds input `first + ℓ`.
@inlinable func seededInputs<V: BLASScalar & SIMDScalar>(_ x: [V], lanesFrom first: Int) -> [GradientDual<GradientLanes<V>>] {
    let lanes = first..<(first + GradientLanes<V>.scalarCount)
    return x.indices.map { i in GradientDual(value: x[i], seed: lanes.contains(i) ? i - first : nil) }
}

/// ∇f(x); see ``valueWithGradient(at:of:)``.
@inlinable public func gradient<V: BLASScalar & SIMDScalar>(
    at x: [V], of f: ([GradientDual<GradientLanes<V>>]) -> GradientDual<GradientLanes<V>>
) -> [V] {
    valueWithGradient(at: x, of: f).gradient
}

/// The Jacobian ∂fᵢ/∂xⱼ (outputs × inputs), in ⌈n/8⌉ forward passes.
@inlinable public func jacobian<V: BLASScalar & SIMDScalar>(
    at x: [V], of f: ([GradientDual<GradientLanes<V>>]) -> [GradientDual<GradientLanes<V>>]
) -> Matrix<V> {
    let lanes = GradientLanes<V>.scalarCount
    var columns: [[V]] = []
    var rows = 0
    var first = 0
    repeat {
        let inputs = seededInputs(x, lanesFrom: first)
        let y = f(inputs)
        rows = y.count
        for lane in 0..<Swift.min(lanes, x.count - first) { columns.append(y.map { $0.tangent[lane] }) }
        first += lanes
    } while first < x.count
    if x.isEmpty { return Matrix(rows: rows, columns: 0) }
    return Matrix(rows: rows, columns: x.count) { i, j in columns[j][i] }
}
