/// Eigenvalues and eigenvectors of small symmetric matrices by cyclic
/// Jacobi rotations, on flat row-major d × d buffers.
///
/// For the d × d matrices mclust's models decompose every M-step, where d
/// is often 2 to 8: there LAPACK's `dsyevd` spends about 20 000
/// instructions on a 4 × 4 matrix in set-up (reduction to tridiagonal
/// form, workspace queries, back-transformation), several times the
/// rotations themselves. Jacobi's method is also accurate to a few ulps
/// relative to the largest eigenvalue. Above ``largestDimension`` use
/// ``SymmetricEigendecomposition``.
package enum SmallSymmetricEigen {
    /// The largest d this is meant for: a sweep costs about 6·d³ flops and
    /// it takes 5 to 10, where LAPACK's reduction costs about 9·d³ once.
    package static let largestDimension = 8

    /// Decomposes the symmetric d × d matrix `a` (both triangles read) as
    /// V·diag(λ)·Vᵀ: the eigenvalues, ascending, into `values`, and the
    /// orthonormal eigenvectors into the columns of `vectors`, in the same
    /// order. Returns false, leaving the outputs undefined, when `a` holds
    /// NaN or an infinity or the rotations do not converge in 100 sweeps.
    package static func decompose(_ a: UnsafeBufferPointer<Double>, dimension d: Int,
                                  values: UnsafeMutableBufferPointer<Double>, vectors v: UnsafeMutableBufferPointer<Double>,
                                  scratch m: UnsafeMutableBufferPointer<Double>) -> Bool {
        precondition(a.count >= d * d && values.count >= d && v.count >= d * d && m.count >= d * d)
        // d a constant where it is small (see FixedDimension): the same
        // operations in the same order, with the loops unrolled (60% of the
        // instructions at d = 4).
        switch d {
        case 2: return jacobi(a, Dimension2.self, values: values, vectors: v, scratch: m)
        case 3: return jacobi(a, Dimension3.self, values: values, vectors: v, scratch: m)
        case 4: return jacobi(a, Dimension4.self, values: values, vectors: v, scratch: m)
        default: return jacobiBody(a, dimension: d, values: values, vectors: v, scratch: m)
        }
    }

    private static func jacobi<D: FixedDimension>(_ a: UnsafeBufferPointer<Double>, _: D.Type,
                                                  values: UnsafeMutableBufferPointer<Double>,
                                                  vectors v: UnsafeMutableBufferPointer<Double>,
                                                  scratch m: UnsafeMutableBufferPointer<Double>) -> Bool {
        jacobiBody(a, dimension: D.value, values: values, vectors: v, scratch: m)
    }

    @inline(__always)
    private static func jacobiBody(_ a: UnsafeBufferPointer<Double>, dimension d: Int,
                                   values: UnsafeMutableBufferPointer<Double>, vectors v: UnsafeMutableBufferPointer<Double>,
                                   scratch m: UnsafeMutableBufferPointer<Double>) -> Bool {
        var largest = 0.0
        for i in 0..<(d * d) {
            guard a[i].isFinite else { return false }
            largest = Swift.max(largest, Swift.abs(a[i]))
        }
        // Work on A/2ᵉ with the largest entry in [1, 2): exact, and the
        // differences of diagonal entries cannot overflow.
        let scale = largest > 0 ? Double(sign: .plus, exponent: largest.exponent, significand: 1) : 1
        for i in 0..<(d * d) { m[i] = a[i] / scale }
        for i in 0..<d {
            for j in 0..<d { v[i * d + j] = i == j ? 1 : 0 }
        }
        var converged = largest == 0 || d < 2
        var sweep = 0
        while !converged && sweep < 100 {
            sweep += 1
            var off = 0.0
            for p in 0..<(d - 1) {
                for q in (p + 1)..<d {
                    let apq = m[p * d + q]
                    // An entry below the rounding of both diagonal entries is zero.
                    let app = m[p * d + p], aqq = m[q * d + q]
                    if Swift.abs(apq) <= 0x1p-60 * (Swift.abs(app) + Swift.abs(aqq)) {
                        m[p * d + q] = 0
                        m[q * d + p] = 0
                        continue
                    }
                    off = Swift.max(off, Swift.abs(apq))
                    // The rotation that zeroes (p, q): t = tan θ, the smaller root.
                    let theta = (aqq - app) / (2 * apq)
                    let t = (theta >= 0 ? 1 : -1) / (Swift.abs(theta) + (theta * theta + 1).squareRoot())
                    let c = 1 / (t * t + 1).squareRoot(), s = t * c
                    for k in 0..<d where k != p && k != q {
                        let akp = m[k * d + p], akq = m[k * d + q]
                        let newP = c * akp - s * akq, newQ = s * akp + c * akq
                        m[k * d + p] = newP
                        m[p * d + k] = newP
                        m[k * d + q] = newQ
                        m[q * d + k] = newQ
                    }
                    m[p * d + p] = app - t * apq
                    m[q * d + q] = aqq + t * apq
                    m[p * d + q] = 0
                    m[q * d + p] = 0
                    for k in 0..<d {
                        let vkp = v[k * d + p], vkq = v[k * d + q]
                        v[k * d + p] = c * vkp - s * vkq
                        v[k * d + q] = s * vkp + c * vkq
                    }
                }
            }
            converged = off == 0
        }
        guard converged else { return false }
        // Ascending, by selection: d is small.
        for i in 0..<d { values[i] = m[i * d + i] * scale }
        for i in 0..<d {
            var smallest = i
            for j in (i + 1)..<Swift.max(d, i + 1) where values[j] < values[smallest] { smallest = j }
            guard smallest != i else { continue }
            values.swapAt(i, smallest)
            for k in 0..<d { v.swapAt(k * d + i, k * d + smallest) }
        }
        return true
    }

    /// ``decompose(_:dimension:values:vectors:scratch:)`` of a matrix: the
    /// eigenvalues ascending and the eigenvectors as columns, or nil.
    package static func decompose(_ a: Matrix<Double>) -> (values: [Double], vectors: Matrix<Double>)? {
        precondition(a.isSquare, "SmallSymmetricEigen: the matrix must be square, got \(a.rows)×\(a.columns)")
        let d = a.rows
        var values = [Double](repeating: 0, count: d), vectors = Matrix<Double>(rows: d, columns: d)
        var scratch = [Double](repeating: 0, count: d * d)
        let decomposed = a.withUnsafeBufferPointer { a in
            values.withUnsafeMutableBufferPointer { w in
                vectors.withUnsafeMutableBufferPointer { v in
                    scratch.withUnsafeMutableBufferPointer { decompose(a, dimension: d, values: w, vectors: v, scratch: $0) }
                }
            }
        }
        return decomposed ? (values, vectors) : nil
    }
}
