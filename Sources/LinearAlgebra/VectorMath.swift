import CVectorMath

/// Elementwise functions over whole buffers, vectorised.
///
/// The kernels are C compiled for several instruction sets (AVX-512,
/// AVX2 with FMA, the baseline) and chosen at run time, so the library runs
/// everywhere and uses the widest vector unit where there is one. On a
/// Zen 4 core, ``exponentials(of:minus:into:)`` takes under 1 ns per
/// element, against about 5 ns for a call to the C library's `exp`. The
/// row-wise kernels (log-sum-exp, softmax, shifted exponentials) make one
/// call for a whole matrix, so short rows pay no per-row overhead, and the
/// log-sum-exps take their rows' logarithms in batches, vectorised too
/// (within 1 ulp of the C library's `log`, 2 ulp for sums just above 1).
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

    /// Writes the sum of each block of `width` consecutive values of `x`
    /// (with `squaring`, the sum of their squares) into `out`, one per block
    /// (blocks = `out.count`): the sums over runs of `width` columns of a
    /// row-major matrix. Short blocks are vectorised too; sums are
    /// reassociated.
    @inlinable
    public static func blockSums(of x: UnsafeBufferPointer<Double>, width: Int, squaring: Bool = false,
                                 into out: UnsafeMutableBufferPointer<Double>) {
        precondition(width > 0 && x.count == out.count * width, "blockSums: \(x.count) values in \(out.count) blocks of \(width)")
        guard out.count > 0 else { return }
        gauss_block_sums(-1, x.baseAddress!, out.count, width, squaring ? 1 : 0, out.baseAddress!)
    }

    /// Writes `scale · factors[b] · x[b·width + j]` into `out[b·width + j]`
    /// for each block `b` of `width` consecutive values (blocks =
    /// `factors.count`): each run of `width` columns of a row-major matrix
    /// scaled by a factor of its own. `out` must not overlap `x`.
    @inlinable
    public static func scaleBlocks(of x: UnsafeBufferPointer<Double>, width: Int, by factors: UnsafeBufferPointer<Double>,
                                   scale: Double = 1, into out: UnsafeMutableBufferPointer<Double>) {
        precondition(width > 0 && x.count == factors.count * width && out.count >= x.count,
                     "scaleBlocks: \(x.count) values in \(factors.count) blocks of \(width), room for \(out.count)")
        guard factors.count > 0 else { return }
        gauss_scale_blocks(-1, x.baseAddress!, factors.count, width, factors.baseAddress!, scale, out.baseAddress!)
    }

    /// The instruction set the kernels use on this processor: `"avx512"`,
    /// `"avx2"` or `"baseline"`, the widest the processor has unless the
    /// environment variable `GAUSS_VECTOR_ISA` names a narrower one
    /// (`avx2` or `baseline`), read once at the first call.
    public static var instructionSet: String { String(cString: gauss_vector_isa()) }
}

extension VectorMath {
    /// The instruction sets the kernels are compiled for, narrowest first.
    package enum InstructionSet: Int32, CaseIterable {
        case baseline = 0, avx2 = 1, avx512 = 2

        /// The sets this processor can run: up to the one ``instructionSet`` names.
        package static var supported: [InstructionSet] {
            let widest: InstructionSet = switch VectorMath.instructionSet {
            case "avx512": .avx512
            case "avx2": .avx2
            default: .baseline
            }
            return allCases.filter { $0.rawValue <= widest.rawValue }
        }
    }

    /// ``blockSums(of:width:squaring:into:)`` with a chosen instruction set;
    /// false when this processor lacks it: for tests of every variant.
    package static func blockSums(of x: UnsafeBufferPointer<Double>, width: Int, squaring: Bool,
                                  into out: UnsafeMutableBufferPointer<Double>, using set: InstructionSet) -> Bool {
        precondition(width > 0 && x.count == out.count * width)
        guard out.count > 0 else { return true }
        return gauss_block_sums(set.rawValue, x.baseAddress!, out.count, width, squaring ? 1 : 0, out.baseAddress!) == 0
    }

    /// ``scaleBlocks(of:width:by:scale:into:)`` with a chosen instruction
    /// set; false when this processor lacks it: for tests of every variant.
    package static func scaleBlocks(of x: UnsafeBufferPointer<Double>, width: Int, by factors: UnsafeBufferPointer<Double>,
                                    scale: Double, into out: UnsafeMutableBufferPointer<Double>, using set: InstructionSet) -> Bool {
        precondition(width > 0 && x.count == factors.count * width && out.count >= x.count)
        guard factors.count > 0 else { return true }
        return gauss_scale_blocks(set.rawValue, x.baseAddress!, factors.count, width, factors.baseAddress!, scale, out.baseAddress!) == 0
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

    /// exp in place as the row kernels exponentiate short rows, with a
    /// chosen instruction set; false when this processor lacks it. For tests.
    static func exponentialsInPlace(_ x: UnsafeMutableBufferPointer<Double>, using set: InstructionSet) -> Bool {
        guard let base = x.baseAddress else { return true }
        return gauss_exponentials_in_place_using(set.rawValue, base, x.count) == 0
    }

    /// The logarithm the log-sum-exp kernels add to each row's maximum
    /// (for finite values ≥ 1), with a chosen instruction set; false when
    /// this processor lacks it. For tests.
    static func logarithms(of x: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>, using set: InstructionSet) -> Bool {
        precondition(out.count >= x.count)
        guard let source = x.baseAddress, let target = out.baseAddress else { return true }
        return gauss_logs_using(set.rawValue, source, target, x.count) == 0
    }
}
