import RealModule

/// Cholesky factorisation and inversion of small symmetric positive definite
/// matrices in plain loops, on flat row-major d × d buffers.
///
/// For the d × d matrices a mixture fit factorises every iteration (the
/// M-step's precision factors, the fixed-point steps of mclust's models),
/// where d is often 2 to 16: there a LAPACK call, with its argument checks
/// and the Matrix values around it, costs several times the n³/3 flops.
/// The loops are correct at any d; they are scalar, so a single large
/// factorisation belongs to ``Cholesky`` and ``LAPACK``.
package enum SmallCholesky {
    /// The largest d at which the M-step's precision factors take these
    /// loops rather than LAPACK. (VEE's fixed-point step takes them at any
    /// d: there one inverse replaces K triangular solves per step.)
    package static let largestDimension = 16

    /// Writes L, lower triangular with A = L·Lᵀ, into the lower triangle of
    /// `factor` (its upper triangle is left as it was), reading the lower
    /// triangle of `a`. Returns log |A|, or nil when A is not positive
    /// definite (a pivot ≤ 0, NaN or infinite).
    ///
    /// The log-determinant is one logarithm (``LogOfProduct``): a
    /// logarithm per pivot was a fifth of the fixed-point steps of VEE.
    package static func factor(_ a: UnsafeBufferPointer<Double>, dimension d: Int,
                               into l: UnsafeMutableBufferPointer<Double>) -> Double? {
        precondition(a.count >= d * d && l.count >= d * d)
        // d a constant where it is small (see FixedDimension): the same
        // operations in the same order, with the loops unrolled.
        switch d {
        case 2: return factor(a, Dimension2.self, into: l)
        case 3: return factor(a, Dimension3.self, into: l)
        case 4: return factor(a, Dimension4.self, into: l)
        default: return factorBody(a, dimension: d, into: l)
        }
    }

    private static func factor<D: FixedDimension>(_ a: UnsafeBufferPointer<Double>, _: D.Type,
                                                  into l: UnsafeMutableBufferPointer<Double>) -> Double? {
        factorBody(a, dimension: D.value, into: l)
    }

    @inline(__always)
    private static func factorBody(_ a: UnsafeBufferPointer<Double>, dimension d: Int,
                                   into l: UnsafeMutableBufferPointer<Double>) -> Double? {
        var logDeterminant = LogOfProduct()
        for j in 0..<d {
            var pivot = a[j * d + j]
            for p in 0..<j { pivot -= l[j * d + p] * l[j * d + p] }
            guard pivot > 0, pivot.isFinite else { return nil }
            let root = pivot.squareRoot()
            l[j * d + j] = root
            logDeterminant.multiply(by: pivot)
            for i in (j + 1)..<Swift.max(d, j + 1) {
                var value = a[i * d + j]
                for p in 0..<j { value -= l[i * d + p] * l[j * d + p] }
                l[i * d + j] = value / root
            }
        }
        return logDeterminant.logarithm
    }

    /// Writes L, lower triangular with A = L·Lᵀ, into the lower triangle
    /// of `factor` and L⁻¹ into the lower triangle of `inverseFactor`
    /// (their upper triangles are left as they were), reading the lower
    /// triangle of `a`. Returns log |A|, or nil when A is not positive
    /// definite (a pivot ≤ 0, NaN or infinite).
    package static func factorAndInvert(
        _ a: UnsafeBufferPointer<Double>, dimension d: Int,
        factor l: UnsafeMutableBufferPointer<Double>, inverseFactor m: UnsafeMutableBufferPointer<Double>
    ) -> Double? {
        precondition(a.count >= d * d && l.count >= d * d && m.count >= d * d)
        switch d {
        case 2: return factorAndInvert(a, Dimension2.self, factor: l, inverseFactor: m)
        case 3: return factorAndInvert(a, Dimension3.self, factor: l, inverseFactor: m)
        case 4: return factorAndInvert(a, Dimension4.self, factor: l, inverseFactor: m)
        default: return factorAndInvertBody(a, dimension: d, factor: l, inverseFactor: m)
        }
    }

    private static func factorAndInvert<D: FixedDimension>(
        _ a: UnsafeBufferPointer<Double>, _: D.Type,
        factor l: UnsafeMutableBufferPointer<Double>, inverseFactor m: UnsafeMutableBufferPointer<Double>
    ) -> Double? {
        factorAndInvertBody(a, dimension: D.value, factor: l, inverseFactor: m)
    }

    @inline(__always)
    private static func factorAndInvertBody(
        _ a: UnsafeBufferPointer<Double>, dimension d: Int,
        factor l: UnsafeMutableBufferPointer<Double>, inverseFactor m: UnsafeMutableBufferPointer<Double>
    ) -> Double? {
        guard let logDeterminant = factorBody(a, dimension: d, into: l) else { return nil }
        // L⁻¹ column by column: row i of L times column j of L⁻¹ is 0 below the diagonal.
        for j in 0..<d {
            m[j * d + j] = 1 / l[j * d + j]
            for i in (j + 1)..<Swift.max(d, j + 1) {
                var value = 0.0
                for p in j..<i { value += l[i * d + p] * m[p * d + j] }
                m[i * d + j] = -value / l[i * d + i]
            }
        }
        return logDeterminant
    }

    /// A⁻¹ = L⁻ᵀ·L⁻¹ into `inverse` (both triangles), with L's factor left
    /// in the lower triangle of `factor`. Returns log |A|, or nil when A is
    /// not positive definite.
    package static func inverse(
        of a: UnsafeBufferPointer<Double>, dimension d: Int,
        factor: UnsafeMutableBufferPointer<Double>, into inverse: UnsafeMutableBufferPointer<Double>
    ) -> Double? {
        precondition(a.count >= d * d && factor.count >= d * d && inverse.count >= d * d)
        switch d {
        case 2: return Self.inverse(of: a, Dimension2.self, factor: factor, into: inverse)
        case 3: return Self.inverse(of: a, Dimension3.self, factor: factor, into: inverse)
        case 4: return Self.inverse(of: a, Dimension4.self, factor: factor, into: inverse)
        default: return inverseBody(of: a, dimension: d, factor: factor, into: inverse)
        }
    }

    private static func inverse<D: FixedDimension>(
        of a: UnsafeBufferPointer<Double>, _: D.Type,
        factor: UnsafeMutableBufferPointer<Double>, into inverse: UnsafeMutableBufferPointer<Double>
    ) -> Double? {
        inverseBody(of: a, dimension: D.value, factor: factor, into: inverse)
    }

    @inline(__always)
    private static func inverseBody(
        of a: UnsafeBufferPointer<Double>, dimension d: Int,
        factor: UnsafeMutableBufferPointer<Double>, into inverse: UnsafeMutableBufferPointer<Double>
    ) -> Double? {
        guard let logDeterminant = factorAndInvertBody(a, dimension: d, factor: factor, inverseFactor: inverse) else {
            return nil
        }
        // (L⁻¹)ᵀ·L⁻¹ from the top row down into the upper triangle: entry
        // (j, i), j ≤ i, reads rows p ≥ i of L⁻¹, not yet overwritten (the
        // diagonal entry (i, i) is the last one written for row i).
        for i in 0..<d {
            for j in 0...i {
                var value = 0.0
                for p in i..<d { value += inverse[p * d + i] * inverse[p * d + j] }
                inverse[j * d + i] = value
            }
        }
        for i in 0..<d {
            for j in 0..<i { inverse[i * d + j] = inverse[j * d + i] }
        }
        return logDeterminant
    }
}
