import LinearAlgebra

// Products. The one rule here is the GEMM every model's cost is made of;
// the batched products over blocks are in Variable+Blocks.swift.

extension Variable {
    /// op(self)·op(other), one GEMM; the pullback is two more.
    ///
    /// - Complexity: O(m·n·k) for op(self) m×k and op(other) k×n: one GEMM for the value, and one
    ///   more in the pullback for each operand that is not constant; one tape node.
    public func matmul(_ other: Variable, transposeSelf: Transpose = .none, transposeOther: Transpose = .none) -> Variable {
        let (a, b) = (value, other.value)
        let m = transposeSelf.isTransposed ? a.columns : a.rows, n = transposeOther.isTransposed ? b.rows : b.columns
        var product = (transposeSelf.isTransposed ? a.rows : a.columns) == 0
            ? Matrix<Double>(rows: m, columns: n) : tape.makeMatrix(rows: m, columns: n) { _ in }
        BLAS.gemm(a, b, into: &product, transposeA: transposeSelf, transposeB: transposeOther)
        return recordProduct(product, other, transposeSelf: transposeSelf, transposeOther: transposeOther)
    }

    /// Records `product`, computed elsewhere as op(self)·op(other), as a
    /// ``matmul(_:transposeSelf:transposeOther:)`` node: for fused rules
    /// that compute a product on the way to something else.
    func recordProduct(_ product: Matrix<Double>, _ other: Variable, transposeSelf: Transpose = .none, transposeOther: Transpose = .none) -> Variable {
        tape.record(product, "matmul", [self, other], tangent: { t, _ in
            // d(op(A)·op(B)) = op(Ȧ)·op(B) + op(A)·op(Ḃ)
            Variable.sum(t[0].map { $0.matmul(other, transposeSelf: transposeSelf, transposeOther: transposeOther) },
                         t[1].map { self.matmul($0, transposeSelf: transposeSelf, transposeOther: transposeOther) })
        }) { g, _ in
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
}
