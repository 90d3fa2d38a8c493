import LinearAlgebra

/// A record of whole-matrix operations for reverse-mode differentiation.
///
/// Every operation on ``Variable``s appends one node: its value, its inputs
/// and its pullback, which maps the output's cotangent to the inputs'
/// cotangents. Pullbacks are themselves written with taped operations, so
/// the gradient a backward pass produces is made of variables on the same
/// tape and can be differentiated again (Hessians, Hessian-vector
/// products).
///
/// ```swift
/// let tape = Tape()
/// let x = tape.variable(Matrix([[1.0, 2], [3, 4]]))
/// let y = (x * x).sum()
/// let dx = tape.gradient(of: y, with: [x])[0]    // 2x, itself a variable
/// ```
///
/// A tape is single-threaded and owns its variables: keep it alive while
/// they are in use. ``reset()`` empties it for reuse without giving up its
/// storage.
public final class Tape {
    /// One recorded operation.
    struct Node {
        var value: Matrix<Double>
        var inputs: [Int]
        /// (output cotangent, output) → input cotangents (nil: no
        /// contribution, for constant inputs); nil for leaves.
        var pullback: ((Variable, Variable) -> [Variable?])?
        var name: String
        /// Whether the node depends on no input variable, so that nothing
        /// flows back through it.
        var isConstant: Bool
    }

    private(set) var nodes: [Node] = []

    /// Large value buffers of the previous use, by element count, handed out
    /// again after ``reset()``: a tape reused in a loop then allocates (and
    /// page-faults) its big matrices once, not on every pass.
    private var pool: [Int: [Matrix<Double>]] = [:]
    /// Matrices smaller than this many elements are not pooled.
    private static let pooledSize = 1 << 14

    /// When on, the first operation whose value holds NaN or ∞ is recorded
    /// in ``firstAnomaly``.
    public var anomalyDetection = false
    /// The first non-finite operation seen while ``anomalyDetection`` was on:
    /// its name and the shapes of its inputs.
    public private(set) var firstAnomaly: String?

    public init() {}

    /// The number of recorded operations.
    public var count: Int { nodes.count }

    /// Forgets every operation, keeping the storage for the next use: large
    /// values no longer referenced outside the tape go to a pool that the
    /// next pass draws its results from.
    ///
    /// The pool holds only the last pass's values (leftovers of earlier
    /// passes are released), so it never exceeds one pass's memory.
    public func reset() {
        var old = nodes
        nodes.removeAll(keepingCapacity: true)
        var fresh: [Int: [Matrix<Double>]] = [:]
        while var node = old.popLast() {
            if node.value.count >= Tape.pooledSize && node.value.hasUniqueStorage() {
                fresh[node.value.count, default: []].append(node.value)
            }
        }
        pool = fresh
        firstAnomaly = nil
    }

    /// A `rows × columns` matrix for a rule's result, from the pool when one
    /// of that size is free; `initializer` must write every element.
    func makeMatrix(rows: Int, columns: Int, initializingWith initializer: (UnsafeMutableBufferPointer<Double>) -> Void) -> Matrix<Double> {
        let count = rows * columns
        if count >= Tape.pooledSize, var reused = pool[count]?.popLast() {
            reused = reused.reshaped(rows: rows, columns: columns)
            reused.withUnsafeMutableBufferPointer(initializer)
            return reused
        }
        return Matrix(unsafeUninitializedRows: rows, columns: columns, initializingWith: initializer)
    }

    /// A new input holding `value`.
    public func variable(_ value: Matrix<Double>) -> Variable {
        nodes.append(Node(value: value, inputs: [], pullback: nil, name: "input", isConstant: false))
        return Variable(tape: self, index: nodes.count - 1)
    }

    /// A constant holding `value`: no gradient is ever computed for it or
    /// for what depends on constants only, which saves the backward work
    /// (a matrix product by constant data has one costly pullback, not two).
    public func constant(_ value: Matrix<Double>) -> Variable {
        nodes.append(Node(value: value, inputs: [], pullback: nil, name: "constant", isConstant: true))
        return Variable(tape: self, index: nodes.count - 1)
    }

    /// A 1×1 constant holding `value`.
    public func constant(_ value: Double) -> Variable {
        constant(Matrix(rows: 1, columns: 1, repeating: value))
    }

    /// A 1×1 input holding `value`.
    public func variable(_ value: Double) -> Variable {
        variable(Matrix(rows: 1, columns: 1, repeating: value))
    }

    /// Records an operation's result.
    func record(_ value: Matrix<Double>, _ name: String, _ inputs: [Variable],
                pullback: @escaping (_ cotangent: Variable, _ output: Variable) -> [Variable?]) -> Variable {
        if anomalyDetection && firstAnomaly == nil && !value.elements.allSatisfy(\.isFinite) {
            let shapes = inputs.map { "\($0.rows)×\($0.columns)" }.joined(separator: ", ")
            firstAnomaly = "\(name)(\(shapes)) produced NaN or infinity"
        }
        let isConstant = inputs.allSatisfy(\.isConstant)
        nodes.append(Node(value: value, inputs: inputs.map(\.index), pullback: isConstant ? nil : pullback,
                          name: name, isConstant: isConstant))
        return Variable(tape: self, index: nodes.count - 1)
    }

    func value(_ index: Int) -> Matrix<Double> { nodes[index].value }
    func isConstant(_ index: Int) -> Bool { nodes[index].isConstant }

    /// The gradients of the 1×1 `output` with respect to `inputs`, as
    /// variables on this tape (differentiable again). An input the output
    /// does not depend on gets zeros.
    ///
    /// - Complexity: one backward pass: about the cost of the forward pass
    ///   to `output`, recorded on the tape.
    public func gradient(of output: Variable, with inputs: [Variable]) -> [Variable] {
        precondition(output.tape === self && inputs.allSatisfy { $0.tape === self }, "variables of another tape")
        precondition(output.rows == 1 && output.columns == 1, "a gradient needs a 1×1 output, got \(output.rows)×\(output.columns)")
        var cotangents: [Int: Variable] = [output.index: constant(1)]
        for index in stride(from: output.index, through: 0, by: -1) {
            guard let cotangent = cotangents[index], let pullback = nodes[index].pullback else { continue }
            let node = nodes[index]
            let inputCotangents = pullback(cotangent, Variable(tape: self, index: index))
            for (input, contribution) in zip(node.inputs, inputCotangents) {
                guard let contribution, !nodes[input].isConstant else { continue }
                cotangents[input] = cotangents[input].map { $0 + contribution } ?? contribution
            }
        }
        return inputs.map { cotangents[$0.index] ?? constant(Matrix(rows: $0.rows, columns: $0.columns)) }
    }
}

/// A matrix-valued node of a ``Tape``.
public struct Variable {
    public unowned let tape: Tape
    let index: Int

    /// The value computed for this node.
    public var value: Matrix<Double> { tape.value(index) }
    public var rows: Int { value.rows }
    public var columns: Int { value.columns }
    /// Whether this depends on no input variable (see ``Tape/constant(_:)``).
    public var isConstant: Bool { tape.isConstant(index) }
    /// The value of a 1×1 variable.
    public var scalar: Double {
        precondition(rows == 1 && columns == 1, "scalar of a \(rows)×\(columns) variable")
        return value[0, 0]
    }
}
