import RealModule

/// Σ log xᵢ of many values by one logarithm: the product of their
/// significands (each in [1, 2)), folded into the exponents every 16
/// factors so that it stays below 2¹⁶, plus the sum of their exponents
/// times log 2. Equal to the sum of the logarithms to rounding.
///
/// For log-determinants from the diagonals of triangular factors, taken
/// every iteration for every component: a logarithm per diagonal entry was
/// a fifth of VEE's fixed-point steps and most of a log-density kernel's
/// set-up. A value that is not positive and finite contributes its own
/// logarithm (−∞ for 0, NaN below, +∞ for +∞), as the plain sum would.
package struct LogOfProduct {
    @usableFromInline var significands = 1.0
    @usableFromInline var exponents = 0
    @usableFromInline var factors = 0
    @usableFromInline var exceptional = 0.0

    @inlinable package init() {}

    @inlinable @inline(__always)
    package mutating func multiply(by x: Double) {
        guard x >= .leastNormalMagnitude && x.isFinite else {
            multiplyExceptional(by: x)
            return
        }
        if factors == 16 { fold() }
        // A positive normal number's fields, read from its bits (the
        // standard library's `significand` and `exponent` are calls).
        let bits = x.bitPattern
        significands *= Double(bitPattern: bits & 0x000f_ffff_ffff_ffff | 0x3ff0_0000_0000_0000)
        exponents += Int(truncatingIfNeeded: bits >> 52) - 1023
        factors += 1
    }

    /// Subnormal values through the standard library's fields; values that
    /// are not positive and finite add their own logarithm.
    @usableFromInline mutating func multiplyExceptional(by x: Double) {
        guard x > 0 && x.isFinite else {
            exceptional += Double.log(x)
            return
        }
        if factors == 16 { fold() }
        significands *= x.significand
        exponents += Int(x.exponent)
        factors += 1
    }

    @inlinable mutating func fold() {
        exponents += Int(significands.exponent)
        significands = significands.significand
        factors = 0
    }

    /// Σ log xᵢ of the values multiplied in so far (0 for none).
    @inlinable package var logarithm: Double {
        Double.log(significands) + Double(exponents) * 0x1.62e42fefa39efp-1 + exceptional
    }
}
