import LinearAlgebra
import RealModule

/// A number carrying a value and its derivative with respect to one or more
/// inputs (a tangent), propagated by the chain rule through every operation.
///
/// Conforming types are ``Dual`` (one derivative; nests for higher
/// derivatives) and ``GradientDual`` (a SIMD vector of partial derivatives,
/// for a whole gradient in one pass). The whole `Real` conformance —
/// arithmetic, comparisons and every elementary function of swift-numerics —
/// is implemented once, here, in terms of ``value``, ``tangent`` and the three
/// tangent operations, so any code generic over `Real` differentiates.
///
/// Comparisons, equality and hashing look at the value only, as the
/// derivative of a comparison is zero; functions that are not
/// differentiable at a point (`abs` at 0, rounding) take the one-sided or
/// zero derivative documented on each.
public protocol DualNumber: Real {
    /// The type of the value, itself `Real` (a ``Dual`` for nested duals).
    associatedtype Value: Real
    /// The type of the derivative: `Value` for ``Dual``, a SIMD vector for ``GradientDual``.
    associatedtype Tangent

    /// The value of the number.
    var value: Value { get }
    /// Its derivative(s) with respect to the seeded input(s).
    var tangent: Tangent { get }

    init(value: Value, tangent: Tangent)

    /// The tangent of a constant.
    static var zeroTangent: Tangent { get }
    /// `a + b` of tangents.
    static func addTangents(_ a: Tangent, _ b: Tangent) -> Tangent
    /// `s · t` of a tangent by a value.
    static func scaleTangent(_ t: Tangent, by s: Value) -> Tangent
}

extension DualNumber {
    /// A constant: `value` with zero derivative.
    @inlinable public init(constant value: Value) { self.init(value: value, tangent: Self.zeroTangent) }

    /// f(x) given f(value) and f′(value): the chain rule.
    @inlinable func chain(_ fx: Value, _ derivative: Value) -> Self {
        Self(value: fx, tangent: Self.scaleTangent(tangent, by: derivative))
    }

    /// `a·t₁ + b·t₂`.
    @inlinable static func combine(_ a: Value, _ t1: Tangent, _ b: Value, _ t2: Tangent) -> Tangent {
        addTangents(scaleTangent(t1, by: a), scaleTangent(t2, by: b))
    }
}

// MARK: - Arithmetic

extension DualNumber {
    @inlinable public static func + (a: Self, b: Self) -> Self { Self(value: a.value + b.value, tangent: addTangents(a.tangent, b.tangent)) }
    @inlinable public static func - (a: Self, b: Self) -> Self { Self(value: a.value - b.value, tangent: combine(1, a.tangent, -1, b.tangent)) }
    @inlinable public static func * (a: Self, b: Self) -> Self { Self(value: a.value * b.value, tangent: combine(b.value, a.tangent, a.value, b.tangent)) }
    @inlinable public static func / (a: Self, b: Self) -> Self {
        let q = a.value / b.value
        return Self(value: q, tangent: scaleTangent(combine(1, a.tangent, -q, b.tangent), by: 1 / b.value))
    }
    @inlinable public static func += (a: inout Self, b: Self) { a = a + b }
    @inlinable public static func -= (a: inout Self, b: Self) { a = a - b }
    @inlinable public static func *= (a: inout Self, b: Self) { a = a * b }
    @inlinable public static func /= (a: inout Self, b: Self) { a = a / b }
    @inlinable public static prefix func - (a: Self) -> Self { Self(value: -a.value, tangent: scaleTangent(a.tangent, by: -1)) }
    @inlinable public mutating func negate() { self = -self }

    @inlinable public static var zero: Self { Self(constant: 0) }

    /// |x|, with derivative sign(x) (0 at 0).
    @inlinable public var magnitude: Self {
        value < 0 ? -self : (value > 0 ? self : Self(constant: 0))
    }

    @inlinable public var reciprocal: Self? {
        guard let r = value.reciprocal else { return nil }
        return chain(r, -r * r)
    }

    @inlinable public static func _relaxedAdd(_ a: Self, _ b: Self) -> Self { a + b }
    @inlinable public static func _relaxedMul(_ a: Self, _ b: Self) -> Self { a * b }

    @inlinable public init(integerLiteral value: Int) { self.init(constant: Value(value)) }
    @inlinable public init<Source: BinaryInteger>(_ value: Source) { self.init(constant: Value(value)) }
    @inlinable public init?<Source: BinaryInteger>(exactly value: Source) {
        guard let v = Value(exactly: value) else { return nil }
        self.init(constant: v)
    }
}

// MARK: - Comparison, hashing, striding: by value

extension DualNumber {
    @inlinable public static func == (a: Self, b: Self) -> Bool { a.value == b.value }
    @inlinable public static func < (a: Self, b: Self) -> Bool { a.value < b.value }
    @inlinable public func hash(into hasher: inout Hasher) { hasher.combine(value) }
    @inlinable public func distance(to other: Self) -> Self { other - self }
    @inlinable public func advanced(by n: Self) -> Self { self + n }
    @inlinable public func isEqual(to other: Self) -> Bool { value.isEqual(to: other.value) }
    @inlinable public func isLess(than other: Self) -> Bool { value.isLess(than: other.value) }
    @inlinable public func isLessThanOrEqualTo(_ other: Self) -> Bool { value.isLessThanOrEqualTo(other.value) }
    @inlinable public func isTotallyOrdered(belowOrEqualTo other: Self) -> Bool { value.isTotallyOrdered(belowOrEqualTo: other.value) }
}

// MARK: - FloatingPoint

extension DualNumber where Exponent == Value.Exponent {
    @inlinable public static var radix: Int { Value.radix }
    @inlinable public static var nan: Self { Self(constant: .nan) }
    @inlinable public static var signalingNaN: Self { Self(constant: .signalingNaN) }
    @inlinable public static var infinity: Self { Self(constant: .infinity) }
    @inlinable public static var greatestFiniteMagnitude: Self { Self(constant: .greatestFiniteMagnitude) }
    @inlinable public static var pi: Self { Self(constant: .pi) }
    @inlinable public static var leastNormalMagnitude: Self { Self(constant: .leastNormalMagnitude) }
    @inlinable public static var leastNonzeroMagnitude: Self { Self(constant: .leastNonzeroMagnitude) }
    @inlinable public var ulp: Self { Self(constant: value.ulp) }
    @inlinable public var sign: FloatingPointSign { value.sign }
    @inlinable public var exponent: Exponent { value.exponent }
    /// The significand; its tangent is the tangent scaled like the value.
    @inlinable public var significand: Self {
        let s = value.significand
        return Self(value: s, tangent: Self.scaleTangent(tangent, by: value == 0 ? 0 : s / value))
    }
    @inlinable public init(sign: FloatingPointSign, exponent: Exponent, significand: Self) {
        let scale = Value(sign: sign, exponent: exponent, significand: 1)
        self.init(value: Value(sign: sign, exponent: exponent, significand: significand.value),
                  tangent: Self.scaleTangent(significand.tangent, by: scale))
    }
    @inlinable public init(signOf sign: Self, magnitudeOf magnitude: Self) {
        let flip: Value = (sign.value.sign == magnitude.value.sign) ? 1 : -1
        self.init(value: Value(signOf: sign.value, magnitudeOf: magnitude.value),
                  tangent: Self.scaleTangent(magnitude.tangent, by: flip))
    }
    /// Rounding has derivative zero wherever it is differentiable.
    @inlinable public mutating func round(_ rule: FloatingPointRoundingRule) {
        self = Self(constant: value.rounded(rule))
    }
    @inlinable public var nextUp: Self { Self(value: value.nextUp, tangent: tangent) }
    /// x − n·y with n the nearest integer to x/y: derivative dx − n·dy.
    @inlinable public mutating func formRemainder(dividingBy other: Self) {
        let n = (value / other.value).rounded(.toNearestOrEven)
        self = Self(value: value.remainder(dividingBy: other.value), tangent: Self.combine(1, tangent, -n, other.tangent))
    }
    /// x − n·y with n = x/y truncated: derivative dx − n·dy.
    @inlinable public mutating func formTruncatingRemainder(dividingBy other: Self) {
        let n = (value / other.value).rounded(.towardZero)
        self = Self(value: value.truncatingRemainder(dividingBy: other.value), tangent: Self.combine(1, tangent, -n, other.tangent))
    }
    @inlinable public mutating func formSquareRoot() {
        let r = value.squareRoot()
        self = chain(r, 1 / (2 * r))
    }
    @inlinable public mutating func addProduct(_ a: Self, _ b: Self) { self = self + a * b }
    @inlinable public var isNormal: Bool { value.isNormal }
    @inlinable public var isFinite: Bool { value.isFinite }
    @inlinable public var isZero: Bool { value.isZero }
    @inlinable public var isSubnormal: Bool { value.isSubnormal }
    @inlinable public var isInfinite: Bool { value.isInfinite }
    @inlinable public var isNaN: Bool { value.isNaN }
    @inlinable public var isSignalingNaN: Bool { value.isSignalingNaN }
    @inlinable public var isCanonical: Bool { value.isCanonical }
}

// MARK: - Elementary and real functions: f(x) with f′(x)

extension DualNumber {
    @inlinable public static func exp(_ x: Self) -> Self { let e = Value.exp(x.value); return x.chain(e, e) }
    @inlinable public static func expMinusOne(_ x: Self) -> Self { x.chain(Value.expMinusOne(x.value), Value.exp(x.value)) }
    @inlinable public static func cosh(_ x: Self) -> Self { x.chain(Value.cosh(x.value), Value.sinh(x.value)) }
    @inlinable public static func sinh(_ x: Self) -> Self { x.chain(Value.sinh(x.value), Value.cosh(x.value)) }
    @inlinable public static func tanh(_ x: Self) -> Self { let t = Value.tanh(x.value); return x.chain(t, 1 - t * t) }
    @inlinable public static func cos(_ x: Self) -> Self { x.chain(Value.cos(x.value), -Value.sin(x.value)) }
    @inlinable public static func sin(_ x: Self) -> Self { x.chain(Value.sin(x.value), Value.cos(x.value)) }
    @inlinable public static func tan(_ x: Self) -> Self { let t = Value.tan(x.value); return x.chain(t, 1 + t * t) }
    @inlinable public static func log(_ x: Self) -> Self { x.chain(Value.log(x.value), 1 / x.value) }
    @inlinable public static func log(onePlus x: Self) -> Self { x.chain(Value.log(onePlus: x.value), 1 / (1 + x.value)) }
    @inlinable public static func acosh(_ x: Self) -> Self { x.chain(Value.acosh(x.value), 1 / Value.sqrt(x.value * x.value - 1)) }
    @inlinable public static func asinh(_ x: Self) -> Self { x.chain(Value.asinh(x.value), 1 / Value.sqrt(x.value * x.value + 1)) }
    @inlinable public static func atanh(_ x: Self) -> Self { x.chain(Value.atanh(x.value), 1 / (1 - x.value * x.value)) }
    @inlinable public static func acos(_ x: Self) -> Self { x.chain(Value.acos(x.value), -1 / Value.sqrt(1 - x.value * x.value)) }
    @inlinable public static func asin(_ x: Self) -> Self { x.chain(Value.asin(x.value), 1 / Value.sqrt(1 - x.value * x.value)) }
    @inlinable public static func atan(_ x: Self) -> Self { x.chain(Value.atan(x.value), 1 / (1 + x.value * x.value)) }
    @inlinable public static func sqrt(_ x: Self) -> Self { let r = Value.sqrt(x.value); return x.chain(r, 1 / (2 * r)) }
    @inlinable public static func exp2(_ x: Self) -> Self { let e = Value.exp2(x.value); return x.chain(e, e * Value.log(2)) }
    @inlinable public static func exp10(_ x: Self) -> Self { let e = Value.exp10(x.value); return x.chain(e, e * Value.log(10)) }
    @inlinable public static func log2(_ x: Self) -> Self { x.chain(Value.log2(x.value), 1 / (x.value * Value.log(2))) }
    @inlinable public static func log10(_ x: Self) -> Self { x.chain(Value.log10(x.value), 1 / (x.value * Value.log(10))) }
    @inlinable public static func erf(_ x: Self) -> Self {
        x.chain(Value.erf(x.value), 2 / Value.sqrt(.pi) * Value.exp(-x.value * x.value))
    }
    @inlinable public static func erfc(_ x: Self) -> Self {
        x.chain(Value.erfc(x.value), -2 / Value.sqrt(.pi) * Value.exp(-x.value * x.value))
    }
    /// Γ(x), with derivative Γ(x)·ψ(x).
    @inlinable public static func gamma(_ x: Self) -> Self { let g = Value.gamma(x.value); return x.chain(g, g * digamma(x.value)) }
    /// log |Γ(x)|, with derivative ψ(x).
    @inlinable public static func logGamma(_ x: Self) -> Self { x.chain(Value.logGamma(x.value), digamma(x.value)) }
    @inlinable public static func signGamma(_ x: Self) -> FloatingPointSign { Value.signGamma(x.value) }

    /// xⁿ, with derivative n·xⁿ⁻¹.
    @inlinable public static func pow(_ x: Self, _ n: Int) -> Self {
        n == 0 ? Self(constant: 1) : x.chain(Value.pow(x.value, n), Value(n) * Value.pow(x.value, n - 1))
    }
    /// ⁿ√x, with derivative ⁿ√x / (n·x).
    @inlinable public static func root(_ x: Self, _ n: Int) -> Self { let r = Value.root(x.value, n); return x.chain(r, r / (Value(n) * x.value)) }
    /// xʸ: ∂/∂x = y·xʸ⁻¹, ∂/∂y = xʸ·log x (taken as 0 where x ≤ 0, where xʸ is
    /// real only for integer y and y does not vary continuously).
    @inlinable public static func pow(_ x: Self, _ y: Self) -> Self {
        let z = Value.pow(x.value, y.value)
        let dx = y.value == 0 ? 0 : y.value * Value.pow(x.value, y.value - 1)
        let dy = x.value > 0 ? z * Value.log(x.value) : 0
        return Self(value: z, tangent: combine(dx, x.tangent, dy, y.tangent))
    }
    @inlinable public static func atan2(y: Self, x: Self) -> Self {
        let r2 = x.value * x.value + y.value * y.value
        return Self(value: Value.atan2(y: y.value, x: x.value), tangent: combine(-y.value / r2, x.tangent, x.value / r2, y.tangent))
    }
    @inlinable public static func hypot(_ x: Self, _ y: Self) -> Self {
        let h = Value.hypot(x.value, y.value)
        return Self(value: h, tangent: combine(h == 0 ? 0 : x.value / h, x.tangent, h == 0 ? 0 : y.value / h, y.tangent))
    }
    @inlinable public static func _mulAdd(_ a: Self, _ b: Self, _ c: Self) -> Self { a * b + c }
}

