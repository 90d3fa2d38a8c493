import RealModule

/// A dual number a + b·ε (ε² = 0): a value and its derivative along one
/// direction, for forward-mode differentiation.
///
/// ```swift
/// let x = Dual(value: 2.0, tangent: 1)     // seed dx/dx = 1
/// let y = x * Dual.sin(x)                  // any Real code
/// y.tangent                                // d/dx (x sin x) at 2 = sin 2 + 2 cos 2
/// ```
///
/// `Dual` is itself `Real`, so duals nest: `Dual<Dual<Double>>` carries
/// second derivatives (see ``secondDerivative(at:of:)``).
public struct Dual<Value: Real>: DualNumber {
    public typealias Magnitude = Self
    public typealias Stride = Self
    public typealias Exponent = Value.Exponent
    public typealias IntegerLiteralType = Int

    public var value: Value
    public var tangent: Value

    @inlinable public init(value: Value, tangent: Value) {
        self.value = value
        self.tangent = tangent
    }

    /// A variable: `value` with derivative 1 with respect to itself.
    @inlinable public init(variable value: Value) { self.init(value: value, tangent: 1) }

    @inlinable public static var zeroTangent: Value { 0 }
    @inlinable public static func addTangents(_ a: Value, _ b: Value) -> Value { a + b }
    @inlinable public static func scaleTangent(_ t: Value, by s: Value) -> Value { t * s }
}

extension Dual: Sendable where Value: Sendable {}

extension Dual: CustomStringConvertible {
    public var description: String { "\(value) + \(tangent)ε" }
}

/// A value with a vector of partial derivatives (one lane per input
/// direction), for a gradient or a block of a Jacobian in one forward pass.
///
/// ```swift
/// typealias D = GradientDual<SIMD4<Double>>
/// let (x, y) = (D(value: 1, seed: 0), D(value: 2, seed: 1))
/// let f = x * y + D.exp(x)                 // f.tangent = (y + eˣ, x, 0, 0)
/// ```
public struct GradientDual<Partials: SIMD>: DualNumber where Partials.Scalar: Real & BinaryFloatingPoint {
    public typealias Value = Partials.Scalar
    public typealias Magnitude = Self
    public typealias Stride = Self
    public typealias Exponent = Value.Exponent
    public typealias IntegerLiteralType = Int

    public var value: Value
    public var tangent: Partials

    @inlinable public init(value: Value, tangent: Partials) {
        self.value = value
        self.tangent = tangent
    }

    /// An input: `value` with partial derivative 1 in lane `seed` (none when nil).
    @inlinable public init(value: Value, seed: Int?) {
        var partials = Partials()
        if let seed { partials[seed] = 1 }
        self.init(value: value, tangent: partials)
    }

    @inlinable public static var zeroTangent: Partials { Partials() }
    @inlinable public static func addTangents(_ a: Partials, _ b: Partials) -> Partials { a + b }
    @inlinable public static func scaleTangent(_ t: Partials, by s: Value) -> Partials { t * s }
}

extension GradientDual: Sendable where Partials: Sendable, Partials.Scalar: Sendable {}

extension GradientDual: CustomStringConvertible {
    public var description: String { "\(value) + \(tangent)ε" }
}
