import LinearAlgebra

// Reductions: sums and means over every element, the rows or the columns,
// and the log-sum-exp over each row with the softmax that is its pullback.

extension Variable {
    /// The sum of every element (1×1).
    ///
    /// - Complexity: O(m·n) for the value and for the pullback (a broadcast); one tape node.
    public func sum() -> Variable {
        let (r, c) = shape
        return tape.record(Matrix(rows: 1, columns: 1, repeating: value.sum()), "sum", [self], tangent: { t, _ in t[0]!.sum() }) { g, _ in
            [g * g.tape.constant(Matrix(rows: r, columns: c, repeating: 1))]
        }
    }

    /// The sum of each column (1×columns): summing over the rows.
    ///
    /// - Complexity: O(m·n) for the value and for the pullback (a broadcast); one tape node.
    public func sumOverRows() -> Variable {
        let r = rows
        return tape.record(Matrix(rows: 1, columns: columns, elements: value.columnSums()), "sumOverRows", [self], tangent: { t, _ in t[0]!.sumOverRows() }) { g, _ in
            [g * g.tape.constant(Matrix(rows: r, columns: 1, repeating: 1))]
        }
    }

    /// The sum of each row (rows×1): summing over the columns.
    ///
    /// - Complexity: O(m·n) for the value and for the pullback (a broadcast); one tape node.
    public func sumOverColumns() -> Variable {
        let c = columns
        return tape.record(Matrix(rows: rows, columns: 1, elements: value.rowSums()), "sumOverColumns", [self], tangent: { t, _ in t[0]!.sumOverColumns() }) { g, _ in
            [g * g.tape.constant(Matrix(rows: 1, columns: c, repeating: 1))]
        }
    }

    /// The mean of every element (1×1).
    ///
    /// - Complexity: O(m·n); two tape nodes (the sum and the scaling).
    public func mean() -> Variable { sum() / Double(rows * columns) }

    /// The mean of each column (1×columns).
    ///
    /// - Complexity: O(m·n); two tape nodes (the sum and the scaling).
    public func meanOverRows() -> Variable { sumOverRows() / Double(rows) }

    /// The mean of each row (rows×1).
    ///
    /// - Complexity: O(m·n); two tape nodes (the sum and the scaling).
    public func meanOverColumns() -> Variable { sumOverColumns() / Double(columns) }

    /// log Σⱼ exp(xᵢⱼ) for each row (rows×1), max-shifted; a row of −∞ gives
    /// −∞ with zero gradient.
    ///
    /// - Complexity: O(m·n), one exponential per element; the pullback is the softmax, O(m·n) more;
    ///   one tape node.
    public func logSumExpOverColumns() -> Variable {
        tape.record(Matrix(rows: rows, columns: 1, elements: value.rowLogSumExp()), "logSumExp", [self], tangent: { t, lse in
            (self.softmaxOverColumns(logSumExp: lse.value) * t[0]!).sumOverColumns()
        }) { g, lse in
            // The softmax reuses the log-sum-exp already computed.
            [g * self.softmaxOverColumns(logSumExp: lse.value)]
        }
    }

    /// exp(xᵢⱼ − log Σₖ exp(xᵢₖ)) for each row; a row of −∞ gives zeros.
    ///
    /// Probabilities below the smallest normal double (about 2.2·10⁻³⁰⁸)
    /// are 0: a row's largest probability is at least 1/columns, so they
    /// change no sum over the row, and as operands of later products
    /// (this rule is the pullback of ``logSumExpOverColumns()``) subnormal
    /// numbers cost a microcode assist per instruction on Intel processors.
    ///
    /// - Complexity: O(m·n): a log-sum-exp and one exponential per element; the pullback is O(m·n);
    ///   one tape node.
    public func softmaxOverColumns() -> Variable {
        softmaxOverColumns(logSumExp: Matrix(rows: rows, columns: 1, elements: value.rowLogSumExp()))
    }

    /// The softmax given each row's log-sum-exp (rows×1), one vectorised `exp`
    /// per element, with subnormal probabilities flushed to zero.
    func softmaxOverColumns(logSumExp lse: Matrix<Double>) -> Variable {
        let (m, n) = shape
        let x = value
        let probabilities = tape.makeMatrix(rows: m, columns: n) { out in
            x.withUnsafeBufferPointer { x in
                lse.withUnsafeBufferPointer { VectorMath.exponentials(ofRows: x, columns: n, minus: $0, into: out) }
            }
            for i in 0..<m where lse[i, 0] == -.infinity {
                // A row of −∞ has probabilities 0, not the NaN of −∞ − (−∞).
                UnsafeMutableBufferPointer(rebasing: out[(i * n)..<((i + 1) * n)]).update(repeating: 0)
            }
            flushSubnormals(out)
        }
        return tape.record(probabilities, "softmax", [self], tangent: { t, s in
            // s ∘ (ẋ − Σⱼ sⱼẋⱼ)
            s * (t[0]! - (s * t[0]!).sumOverColumns())
        }) { g, s in
            // s ∘ (g − Σⱼ gⱼ sⱼ)
            [s * (g - (g * s).sumOverColumns())]
        }
    }
}

/// Sets the subnormal numbers of `values` to zero (branch-free, so the loop
/// vectorises).
func flushSubnormals(_ values: UnsafeMutableBufferPointer<Double>) {
    guard let base = values.baseAddress else { return }
    let smallestNormal = Double.leastNormalMagnitude
    for i in 0..<values.count {
        let v = base[i]
        base[i] = v.magnitude < smallestNormal ? 0 : v
    }
}
