import RealModule

/// ψ(x) = d/dx log Γ(x), the digamma function: upward recurrence to x ≥ 10,
/// then the asymptotic series to x⁻¹⁴ (truncation error below 1e-16);
/// reflection for negative x. Generic over
/// `Real`, so it differentiates too (the derivative of a `Dual` logΓ
/// nested twice is the trigamma function).
@inlinable public func digamma<T: Real>(_ x: T) -> T {
    if x <= 0 && x == x.rounded(.down) { return .nan }
    if x < 0 {
        // ψ(1 − x) − ψ(x) = π·cot(πx)
        return digamma(1 - x) - T.pi / T.tan(T.pi * x)
    }
    var x = x
    var result: T = 0
    while x < 10 {
        result -= 1 / x
        x += 1
    }
    let f = 1 / (x * x)
    // ψ(x) ~ log x − 1/(2x) − Σ B₂ₖ/(2k·x²ᵏ)
    // Σ B₂ₖ/(2k·x²ᵏ) in Horner form: 1/12, −1/120, 1/252, −1/240, 1/132, −691/32760, 1/12.
    var series: T = 1 / T(12)
    series = T(691) / T(32760) - f * series
    series = 1 / T(132) - f * series
    series = 1 / T(240) - f * series
    series = 1 / T(252) - f * series
    series = 1 / T(120) - f * series
    series = 1 / T(12) - f * series
    series = f * series
    return result + T.log(x) - 1 / (2 * x) - series
}
