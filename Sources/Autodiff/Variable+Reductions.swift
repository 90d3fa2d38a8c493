import LinearAlgebra
import RealModule

// Reductions, products and shape operations.

extension Variable {
    /// The sum of every element (1×1).
    public func sum() -> Variable {
        let (r, c) = shape
        return tape.record(Matrix(rows: 1, columns: 1, repeating: value.sum()), "sum", [self]) { g, _ in
            [g * g.tape.constant(Matrix(rows: r, columns: c, repeating: 1))]
        }
    }

    /// The sum of each column (1×columns): summing over the rows.
    public func sumOverRows() -> Variable {
        let r = rows
        return tape.record(Matrix(rows: 1, columns: columns, elements: value.columnSums()), "sumOverRows", [self]) { g, _ in
            [g * g.tape.constant(Matrix(rows: r, columns: 1, repeating: 1))]
        }
    }

    /// The sum of each row (rows×1): summing over the columns.
    public func sumOverColumns() -> Variable {
        let c = columns
        return tape.record(Matrix(rows: rows, columns: 1, elements: value.rowSums()), "sumOverColumns", [self]) { g, _ in
            [g * g.tape.constant(Matrix(rows: 1, columns: c, repeating: 1))]
        }
    }

    /// The mean of every element (1×1).
    public func mean() -> Variable { sum() / Double(rows * columns) }

    /// The transpose.
    public func transposed() -> Variable {
        tape.record(value.transposed(), "transpose", [self]) { g, _ in [g.transposed()] }
    }

    /// op(self)·op(other), one GEMM; the pullback is two more.
    public func matmul(_ other: Variable, transposeSelf: Transpose = .none, transposeOther: Transpose = .none) -> Variable {
        let (a, b) = (value, other.value)
        let m = transposeSelf.isTransposed ? a.columns : a.rows, n = transposeOther.isTransposed ? b.rows : b.columns
        var product = (transposeSelf.isTransposed ? a.rows : a.columns) == 0
            ? Matrix<Double>(rows: m, columns: n) : tape.makeMatrix(rows: m, columns: n) { _ in }
        BLAS.gemm(a, b, into: &product, transposeA: transposeSelf, transposeB: transposeOther)
        return tape.record(product, "matmul", [self, other]) { g, _ in
            // C = op(A)·op(B): d op(A) = G·op(B)ᵀ, d op(B) = op(A)ᵀ·G.
            // Only the products an input needs: data multiplied by parameters costs one, not two.
            let dA = self.isConstant ? nil : transposeSelf.isTransposed
                ? other.matmul(g, transposeSelf: transposeOther, transposeOther: .transpose)
                : g.matmul(other, transposeOther: transposeOther.isTransposed ? .none : .transpose)
            let dB = other.isConstant ? nil : transposeOther.isTransposed
                ? g.matmul(self, transposeSelf: .transpose, transposeOther: transposeSelf)
                : self.matmul(g, transposeSelf: transposeSelf.isTransposed ? .none : .transpose)
            return [dA, dB]
        }
    }

    /// log Σⱼ exp(xᵢⱼ) for each row (rows×1), max-shifted; a row of −∞ gives
    /// −∞ with zero gradient.
    public func logSumExpOverColumns() -> Variable {
        tape.record(Matrix(rows: rows, columns: 1, elements: value.rowLogSumExp()), "logSumExp", [self]) { g, lse in
            // The softmax reuses the log-sum-exp already computed.
            [g * self.softmaxOverColumns(logSumExp: lse.value)]
        }
    }

    /// exp(xᵢⱼ − log Σₖ exp(xᵢₖ)) for each row; a row of −∞ gives zeros.
    public func softmaxOverColumns() -> Variable {
        softmaxOverColumns(logSumExp: Matrix(rows: rows, columns: 1, elements: value.rowLogSumExp()))
    }

    /// The softmax given each row's log-sum-exp (rows×1), one vectorised `exp`
    /// per element.
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
        }
        return tape.record(probabilities, "softmax", [self]) { g, s in
            // s ∘ (g − Σⱼ gⱼ sⱼ)
            [s * (g - (g * s).sumOverColumns())]
        }
    }
}
