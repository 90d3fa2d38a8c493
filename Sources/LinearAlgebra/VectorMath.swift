import CVectorMath

/// Elementwise functions over whole buffers, vectorised.
///
/// The kernels are C compiled for several instruction sets (AVX-512,
/// AVX2 with FMA, the baseline) and chosen at run time, so the library runs
/// everywhere and uses the widest vector unit where there is one. On a
/// Zen 4 core, ``exponentials(of:minus:into:)`` takes under 1 ns per
/// element, against about 5 ns for a call to the C library's `exp`. The
/// row-wise kernels (log-sum-exp, softmax, shifted exponentials) make one
/// call for a whole matrix, so short rows pay no per-row overhead.
public enum VectorMath {
    /// Writes `exp(x[i] − shift)` into `out[i]` and returns the sum of the
    /// results.
    ///
    /// Normal results are within 1 ulp of the exact value, subnormal ones
    /// within one unit of the last subnormal place; results overflow to ∞,
    /// underflow to 0 and propagate NaN as `exp` does. `out` may be `x`
    /// itself; otherwise the two must not overlap.
    @inlinable @discardableResult
    public static func exponentials(of x: UnsafeBufferPointer<Double>, minus shift: Double = 0,
                                    into out: UnsafeMutableBufferPointer<Double>) -> Double {
        precondition(out.count >= x.count, "exponentials: \(x.count) inputs, room for \(out.count)")
        guard let source = x.baseAddress, let target = out.baseAddress else { return 0 }
        return gauss_exp_shifted(source, shift, target, x.count)
    }

    /// Writes `exp(x[i, j] − shifts[i])` for each row `i` of the row-major
    /// `rows × columns` matrix in `x` (rows = `shifts.count`), and each
    /// row's sum into `rowSums` when given. Accuracy as
    /// ``exponentials(of:minus:into:)``; `out` may be `x` itself.
    @inlinable
    public static func exponentials(ofRows x: UnsafeBufferPointer<Double>, columns: Int, minus shifts: UnsafeBufferPointer<Double>,
                                    into out: UnsafeMutableBufferPointer<Double>,
                                    rowSums: UnsafeMutableBufferPointer<Double>? = nil) {
        let rows = shifts.count
        precondition(x.count == rows * columns && out.count >= x.count && (rowSums?.count ?? rows) >= rows,
                     "exponentials(ofRows:): \(x.count) inputs for \(rows) rows of \(columns)")
        guard rows > 0, columns > 0 else {
            if let rowSums { for i in 0..<rows { rowSums[i] = 0 } }
            return
        }
        gauss_rows_exp_shifted(x.baseAddress!, rows, columns, shifts.baseAddress!, out.baseAddress!, rowSums?.baseAddress)
    }

    /// Writes `log Σⱼ exp(x[i, j])` of each row of the row-major
    /// `rows × columns` matrix in `x` (rows = `result.count`), shifted by
    /// the row's maximum so that it neither overflows nor underflows. A row
    /// of −∞ (or no columns) gives −∞, a row holding +∞ gives +∞, one
    /// holding NaN gives NaN.
    @inlinable
    public static func logSumExp(ofRows x: UnsafeBufferPointer<Double>, columns: Int, into result: UnsafeMutableBufferPointer<Double>) {
        let rows = result.count
        precondition(x.count == rows * columns, "logSumExp(ofRows:): \(x.count) inputs for \(rows) rows of \(columns)")
        guard rows > 0 else { return }
        guard columns > 0 else { return result.update(repeating: -.infinity) }
        gauss_rows_log_sum_exp(x.baseAddress!, rows, columns, result.baseAddress!)
    }

    /// Writes the softmax of each row of the row-major `rows × columns`
    /// matrix in `x` into `out`, and each row's log-sum-exp into
    /// `logSumExp` (rows = `logSumExp.count`). A row whose maximum is not
    /// finite (all −∞, or holding +∞ or NaN) gets zeros and that maximum as
    /// its log-sum-exp. `out` may be `x` itself.
    @inlinable
    public static func softmax(ofRows x: UnsafeBufferPointer<Double>, columns: Int, into out: UnsafeMutableBufferPointer<Double>,
                               logSumExp: UnsafeMutableBufferPointer<Double>) {
        let rows = logSumExp.count
        precondition(x.count == rows * columns && out.count >= x.count, "softmax(ofRows:): \(x.count) inputs for \(rows) rows of \(columns)")
        guard rows > 0 else { return }
        guard columns > 0 else { return logSumExp.update(repeating: -.infinity) }
        gauss_rows_softmax(x.baseAddress!, rows, columns, out.baseAddress!, logSumExp.baseAddress!)
    }

    /// The instruction set the kernels use on this processor: `"avx512"`,
    /// `"avx2"` or `"baseline"`.
    public static var instructionSet: String { String(cString: gauss_vector_isa()) }
}

extension VectorMath {
    /// The instruction sets the kernels are compiled for, narrowest first.
    enum InstructionSet: Int32, CaseIterable {
        case baseline = 0, avx2 = 1, avx512 = 2

        /// The sets this processor can run: up to the one ``instructionSet`` names.
        static var supported: [InstructionSet] {
            let widest: InstructionSet = switch VectorMath.instructionSet {
            case "avx512": .avx512
            case "avx2": .avx2
            default: .baseline
            }
            return allCases.filter { $0.rawValue <= widest.rawValue }
        }
    }

    /// ``exponentials(of:minus:into:)`` with a chosen instruction set, or
    /// nil when this processor lacks it: for tests of every variant.
    static func exponentials(of x: UnsafeBufferPointer<Double>, minus shift: Double = 0,
                             into out: UnsafeMutableBufferPointer<Double>, using set: InstructionSet) -> Double? {
        precondition(out.count >= x.count)
        guard let source = x.baseAddress, let target = out.baseAddress else { return 0 }
        let sum = gauss_exp_shifted_using(set.rawValue, source, shift, target, x.count)
        return sum == -1 ? nil : sum
    }
}

extension VectorMath {
    /// The widths the nearest-centre kernel is compiled for.
    package static let nearestCentreWidths = [16, 32, 64]

    /// `centres` (k × d) laid out for ``nearestCentres(of:dimension:centresT:width:centreNorms:rowNorms:labels:distances:weights:sums:clusterWeights:)``:
    /// transposed to d × width and padded with zero centres to the smallest
    /// width of ``nearestCentreWidths`` that holds k; nil when k is larger
    /// than all.
    package static func packedCentres(_ centres: Matrix<Double>) -> (values: [Double], width: Int)? {
        let k = centres.rows, d = centres.columns
        guard let width = nearestCentreWidths.first(where: { k <= $0 }) else { return nil }
        var values = [Double](repeating: 0, count: d * width)
        for c in 0..<k {
            for j in 0..<d { values[j * width + c] = centres[c, j] }
        }
        return (values, width)
    }

    /// For each row of the row-major `rows × d` block `x`: the index of the
    /// nearest of `k` centres and the squared distance to it,
    /// `rowNorms[i] + centreNorms[c] − 2·x·c` clamped at 0. `centresT` is
    /// the centres as ``packedCentres(_:)`` lays them out, `width` wide: the
    /// accumulators of a row then stay in registers and the block is read
    /// once, unpacked, which beats a GEMM when k is this small. The first of
    /// equally near centres wins.
    ///
    /// With `sums` (k × d) and `clusterWeights` (k), each row times its
    /// weight (from `weights`, or 1) is also added to its centre's sum, and
    /// the weight to its centre's total, while the row is still in cache.
    package static func nearestCentres(
        of x: UnsafeBufferPointer<Double>, dimension d: Int, centresT: UnsafeBufferPointer<Double>, width: Int,
        centreNorms: UnsafeBufferPointer<Double>, rowNorms: UnsafeBufferPointer<Double>,
        labels: UnsafeMutableBufferPointer<Int>, distances: UnsafeMutableBufferPointer<Double>,
        weights: UnsafeBufferPointer<Double>? = nil, sums: UnsafeMutableBufferPointer<Double>? = nil,
        clusterWeights: UnsafeMutableBufferPointer<Double>? = nil
    ) {
        let rows = rowNorms.count, k = centreNorms.count
        precondition(nearestCentreWidths.contains(width) && k >= 1 && k <= width && centresT.count == d * width
                     && x.count == rows * d && labels.count >= rows && distances.count >= rows)
        precondition((sums == nil) == (clusterWeights == nil) && (sums?.count ?? k * d) == k * d
                     && (clusterWeights?.count ?? k) == k && (weights?.count ?? rows) >= rows)
        guard rows > 0 else { return }
        gauss_nearest_centres(x.baseAddress!, rows, d, centresT.baseAddress!, width, centreNorms.baseAddress!, k,
                              rowNorms.baseAddress!, labels.baseAddress!, distances.baseAddress!,
                              weights?.baseAddress, sums?.baseAddress, clusterWeights?.baseAddress)
    }
}
