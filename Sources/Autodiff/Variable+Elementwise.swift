import LinearAlgebra
import RealModule

// Elementwise rules. Binary operations broadcast: each dimension of the two
// operands must be equal or 1 (a 1×1 scalar, a 1×n row or an m×1 column
// stretches to the other's shape); pullbacks undo the broadcast with
// `unbroadcast`, summing over the stretched dimensions. No pullback computes
// a cotangent for a constant operand.

extension Variable {
    var shape: (Int, Int) { (rows, columns) }

    /// Sums `self` down to `shape` over broadcast dimensions.
    func unbroadcast(to shape: (Int, Int)) -> Variable {
        var g = self
        if shape.0 == 1 && g.rows != 1 { g = g.sumOverRows() }
        if shape.1 == 1 && g.columns != 1 { g = g.sumOverColumns() }
        return g
    }

    /// `f(a, b)` elementwise with broadcasting, in pointer loops (this is
    /// the inner loop of every elementwise rule). Always inlined, so that `f`
    /// is inlined too and the contiguous loops vectorise.
    @inline(__always)
    static func broadcast(_ a: Matrix<Double>, _ b: Matrix<Double>, on tape: Tape, _ f: (Double, Double) -> Double) -> Matrix<Double> {
        let rows = Swift.max(a.rows, b.rows), columns = Swift.max(a.columns, b.columns)
        precondition((a.rows == rows || a.rows == 1) && (b.rows == rows || b.rows == 1)
                     && (a.columns == columns || a.columns == 1) && (b.columns == columns || b.columns == 1),
                     "shapes \(a.rows)×\(a.columns) and \(b.rows)×\(b.columns) do not broadcast")
        // Strides of 0 repeat a row or column of an operand.
        let (aRow, aColumn) = (a.rows == 1 ? 0 : a.columns, a.columns == 1 ? 0 : 1)
        let (bRow, bColumn) = (b.rows == 1 ? 0 : b.columns, b.columns == 1 ? 0 : 1)
        return tape.makeMatrix(rows: rows, columns: columns) { out in
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    guard let pa = pa.baseAddress, let pb = pb.baseAddress, let po = out.baseAddress else { return }
                    let count = rows * columns
                    if aColumn == 1 && bColumn == 1 && aRow == columns && bRow == columns {
                        for i in 0..<count { po[i] = f(pa[i], pb[i]) }
                        return
                    }
                    if aRow == 0 && aColumn == 0 && bColumn == 1 && bRow == columns {
                        let x = pa[0]
                        for i in 0..<count { po[i] = f(x, pb[i]) }
                        return
                    }
                    if bRow == 0 && bColumn == 0 && aColumn == 1 && aRow == columns {
                        let y = pb[0]
                        for i in 0..<count { po[i] = f(pa[i], y) }
                        return
                    }
                    for i in 0..<rows {
                        let ra = pa + i * aRow, rb = pb + i * bRow, ro = po + i * columns
                        for j in 0..<columns { ro[j] = f(ra[j * aColumn], rb[j * bColumn]) }
                    }
                }
            }
        }
    }

    /// a + b elementwise, with broadcasting.
    ///
    /// - Complexity: O(m·n) for the m×n result and for the pullback; one tape node.
    public static func + (a: Variable, b: Variable) -> Variable {
        a.tape.record(broadcast(a.value, b.value, on: a.tape, +), "add", [a, b], tangent: { t, y in
            t[0] != nil && t[1] != nil ? t[0]! + t[1]! : (t[0] ?? t[1])!.broadcast(to: y.shape)
        }) { g, _ in
            [a.isConstant ? nil : g.unbroadcast(to: a.shape), b.isConstant ? nil : g.unbroadcast(to: b.shape)]
        }
    }

    /// a − b elementwise, with broadcasting.
    ///
    /// - Complexity: O(m·n) for the m×n result and for the pullback; one tape node.
    public static func - (a: Variable, b: Variable) -> Variable {
        a.tape.record(broadcast(a.value, b.value, on: a.tape, -), "subtract", [a, b], tangent: { t, y in
            switch (t[0], t[1]) {
            case let (ta?, tb?): ta - tb
            case let (ta?, nil): ta.broadcast(to: y.shape)
            case let (nil, tb?): (-tb).broadcast(to: y.shape)
            case (nil, nil): nil
            }
        }) { g, _ in
            [a.isConstant ? nil : g.unbroadcast(to: a.shape), b.isConstant ? nil : (-g).unbroadcast(to: b.shape)]
        }
    }

    /// a · b elementwise (the Hadamard product), with broadcasting.
    ///
    /// - Complexity: O(m·n) for the m×n result and for the pullback; one tape node.
    public static func * (a: Variable, b: Variable) -> Variable {
        a.tape.record(broadcast(a.value, b.value, on: a.tape, *), "multiply", [a, b], tangent: { t, _ in
            Variable.sum(t[0].map { $0 * b }, t[1].map { a * $0 })
        }) { g, _ in
            [a.isConstant ? nil : (g * b).unbroadcast(to: a.shape), b.isConstant ? nil : (g * a).unbroadcast(to: b.shape)]
        }
    }

    /// a / b elementwise, with broadcasting.
    ///
    /// - Complexity: O(m·n) for the m×n result and for the pullback; one tape node.
    public static func / (a: Variable, b: Variable) -> Variable {
        a.tape.record(broadcast(a.value, b.value, on: a.tape, /), "divide", [a, b], tangent: { t, y in
            // (ȧ − y·ḃ)/b
            Variable.sum(t[0].map { $0 / b }, t[1].map { -((y * $0) / b) })
        }) { g, y in
            let gOverB = g.timesNonzero(1 / b)
            return [a.isConstant ? nil : gOverB.unbroadcast(to: a.shape), b.isConstant ? nil : (-(gOverB * y)).unbroadcast(to: b.shape)]
        }
    }

    /// g·h elementwise, except that where g is exactly zero the product is
    /// zero even if h is ∞ or NaN. Pullbacks of functions with singularities
    /// (log, sqrt, division, powers) use it, so a branch that `select` did not
    /// take — and which therefore receives a zero cotangent — contributes
    /// zero rather than NaN.
    func timesNonzero(_ h: Variable) -> Variable {
        let product = Variable.broadcast(value, h.value, on: tape) { g, h in g == 0 ? 0 : g * h }
        return tape.record(product, "timesNonzero", [self, h], tangent: { t, _ in
            Variable.sum(t[0].map { $0.timesNonzero(h) }, t[1].map { self.timesNonzero($0) })
        }) { dg, _ in
            [self.isConstant ? nil : dg.timesNonzero(h).unbroadcast(to: self.shape),
             h.isConstant ? nil : dg.timesNonzero(self).unbroadcast(to: h.shape)]
        }
    }

    /// −a elementwise.
    ///
    /// - Complexity: O(m·n) for the value and for the pullback; one tape node.
    public static prefix func - (a: Variable) -> Variable {
        a.tape.record(a.value.map { -$0 }, "negate", [a], tangent: { t, _ in -t[0]! }) { g, _ in [-g] }
    }

    /// a + b, the scalar broadcast over a.
    ///
    /// - Complexity: O(m·n); two tape nodes (the constant and the sum).
    public static func + (a: Variable, b: Double) -> Variable { a + a.tape.constant(b) }
    /// a − b, the scalar broadcast over a.
    ///
    /// - Complexity: O(m·n); two tape nodes (the constant and the difference).
    public static func - (a: Variable, b: Double) -> Variable { a - a.tape.constant(b) }
    /// a · b, the scalar broadcast over b.
    ///
    /// - Complexity: O(m·n); two tape nodes (the constant and the product).
    public static func * (a: Double, b: Variable) -> Variable { b.tape.constant(a) * b }
    /// a · b, the scalar broadcast over a.
    ///
    /// - Complexity: O(m·n); two tape nodes (the constant and the product).
    public static func * (a: Variable, b: Double) -> Variable { a * a.tape.constant(b) }
    /// a + b, the scalar broadcast over b.
    ///
    /// - Complexity: O(m·n); two tape nodes (the constant and the sum).
    public static func + (a: Double, b: Variable) -> Variable { b.tape.constant(a) + b }
    /// a − b, the scalar broadcast over b.
    ///
    /// - Complexity: O(m·n); two tape nodes (the constant and the difference).
    public static func - (a: Double, b: Variable) -> Variable { b.tape.constant(a) - b }
    /// a / b, the scalar broadcast over b.
    ///
    /// - Complexity: O(m·n); two tape nodes (the constant and the quotient).
    public static func / (a: Double, b: Variable) -> Variable { b.tape.constant(a) / b }
    /// a / b, the scalar broadcast over a.
    ///
    /// - Complexity: O(m·n); two tape nodes (the constant and the quotient).
    public static func / (a: Variable, b: Double) -> Variable { a / a.tape.constant(b) }

    /// eˣ elementwise.
    ///
    /// - Complexity: O(m·n), one vectorised exponential per element; the pullback is one product.
    public func exp() -> Variable {
        let x = value
        let result = tape.makeMatrix(rows: rows, columns: columns) { out in
            x.withUnsafeBufferPointer { _ = VectorMath.exponentials(of: $0, into: out) }
        }
        return tape.record(result, "exp", [self], tangent: { t, y in t[0]! * y }) { g, y in [g * y] }
    }

    /// log x elementwise.
    ///
    /// - Complexity: O(m·n) for the value and for the pullback; one tape node.
    public func log() -> Variable {
        tape.record(value.map { Double.log($0) }, "log", [self], tangent: { t, _ in t[0]!.timesNonzero(1 / self) }) { g, _ in [g.timesNonzero(1 / self)] }
    }

    /// log(1 + x) elementwise.
    ///
    /// - Complexity: O(m·n) for the value and for the pullback; one tape node.
    public func log1p() -> Variable {
        tape.record(value.map { Double.log(onePlus: $0) }, "log1p", [self], tangent: { t, _ in t[0]!.timesNonzero(1 / (self + 1)) }) { g, _ in [g.timesNonzero(1 / (self + 1))] }
    }

    /// √x elementwise.
    ///
    /// - Complexity: O(m·n) for the value and for the pullback; one tape node.
    public func sqrt() -> Variable {
        tape.record(value.map { $0.squareRoot() }, "sqrt", [self], tangent: { t, y in t[0]!.timesNonzero(0.5 / y) }) { g, y in [g.timesNonzero(0.5 / y)] }
    }

    /// x² elementwise.
    ///
    /// - Complexity: O(m·n); one tape node, the product of the variable with itself.
    public func square() -> Variable { self * self }

    /// sin x elementwise.
    ///
    /// - Complexity: O(m·n) for the value and for the pullback; one tape node.
    public func sin() -> Variable {
        tape.record(value.map { Double.sin($0) }, "sin", [self], tangent: { t, _ in t[0]! * self.cos() }) { g, _ in [g * self.cos()] }
    }

    /// cos x elementwise.
    ///
    /// - Complexity: O(m·n) for the value and for the pullback; one tape node.
    public func cos() -> Variable {
        tape.record(value.map { Double.cos($0) }, "cos", [self], tangent: { t, _ in -(t[0]! * self.sin()) }) { g, _ in [-(g * self.sin())] }
    }

    /// tanh x elementwise.
    ///
    /// - Complexity: O(m·n) for the value and for the pullback; one tape node.
    public func tanh() -> Variable {
        tape.record(value.map { Double.tanh($0) }, "tanh", [self], tangent: { t, y in t[0]! * (1 - y * y) }) { g, y in [g * (1 - y * y)] }
    }

    /// xᵖ elementwise, for a constant p.
    ///
    /// - Complexity: O(m·n) for the value and for the pullback; one tape node.
    public func power(_ p: Double) -> Variable {
        tape.record(value.map { Double.pow($0, p) }, "power", [self], tangent: { t, _ in t[0]!.timesNonzero(p * self.power(p - 1)) }) { g, _ in [g.timesNonzero(p * self.power(p - 1))] }
    }

    /// 1 / (1 + e⁻ˣ) elementwise.
    ///
    /// - Complexity: O(m·n) for the value and for the pullback; one tape node.
    public func sigmoid() -> Variable {
        tape.record(value.map { 1 / (1 + Double.exp(-$0)) }, "sigmoid", [self], tangent: { t, y in t[0]! * (y * (1 - y)) }) { g, y in [g * (y * (1 - y))] }
    }

    /// log(1 + eˣ) elementwise, computed without overflow.
    ///
    /// - Complexity: O(m·n) for the value and for the pullback; one tape node.
    public func softplus() -> Variable {
        tape.record(value.map { $0 > 0 ? $0 + Double.log(onePlus: Double.exp(-$0)) : Double.log(onePlus: Double.exp($0)) },
                    "softplus", [self], tangent: { t, _ in t[0]! * self.sigmoid() }) { g, _ in [g * self.sigmoid()] }
    }
}
