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
        /// nil once released by a backward pass that releases intermediates.
        var value: Matrix<Double>?
        let rows: Int, columns: Int
        var inputs: [Int]
        /// (output cotangent, output) → input cotangents (nil: no
        /// contribution, for constant inputs); nil for leaves.
        var pullback: ((Variable, Variable) -> [Variable?])?
        /// (input tangents, nil for zero; output) → output tangent, nil for
        /// zero; nil for leaves and constants.
        var tangent: TangentRule?
        var name: String
        /// Whether the node depends on no input variable, so that nothing
        /// flows back through it.
        var isConstant: Bool
    }

    private(set) var nodes: [Node] = []

    /// Large buffers kept for reuse between passes and within one.
    private(set) var buffers = BufferPool()

    /// When on, the first operation whose value holds NaN or ∞ is recorded
    /// in ``firstAnomaly``.
    public var anomalyDetection = false
    /// The first non-finite operation seen while ``anomalyDetection`` was on:
    /// its name and the shapes of its inputs.
    public private(set) var firstAnomaly: String?

    public init() {}

    /// The number of recorded operations.
    public var count: Int { nodes.count }

    /// The number of matrix elements the tape's values hold (released
    /// values not counted; storage shared between values counted once per
    /// value): a measure of the memory the tape keeps alive.
    public var heldElementCount: Int { nodes.reduce(0) { $0 + ($1.value?.count ?? 0) } }

    /// Forgets every operation, keeping the storage for the next use: large
    /// values no longer referenced outside the tape go to a pool that the
    /// next pass draws its results from.
    ///
    /// The pool holds only the last pass's values (leftovers of earlier
    /// passes are released), so it never exceeds one pass's memory.
    public func reset() {
        // Out of the tape first, so that values nothing else holds are unique.
        var old = nodes
        nodes.removeAll(keepingCapacity: true)
        var values = old.map(\.value)
        old = []
        buffers.endPass(keeping: &values)
        firstAnomaly = nil
    }

    /// A `rows × columns` matrix for a rule's result, from the pool when one
    /// of that size is free; `initializer` must write every element.
    func makeMatrix(rows: Int, columns: Int, initializingWith initializer: (UnsafeMutableBufferPointer<Double>) -> Void) -> Matrix<Double> {
        buffers.makeMatrix(rows: rows, columns: columns, initializingWith: initializer)
    }

    /// Gives a rule's scratch matrix (from ``makeMatrix(rows:columns:initializingWith:)``)
    /// back to the pool for the rest of the pass and the next.
    func recycle(_ scratch: consuming Matrix<Double>) {
        buffers.release(scratch)
    }

    /// A new input holding `value`.
    public func variable(_ value: Matrix<Double>) -> Variable {
        nodes.append(Node(value: value, rows: value.rows, columns: value.columns, inputs: [], pullback: nil, tangent: nil, name: "input", isConstant: false))
        return Variable(tape: self, index: nodes.count - 1)
    }

    /// A constant holding `value`: no gradient is ever computed for it or
    /// for what depends on constants only, which saves the backward work
    /// (a matrix product by constant data has one costly pullback, not two).
    public func constant(_ value: Matrix<Double>) -> Variable {
        nodes.append(Node(value: value, rows: value.rows, columns: value.columns, inputs: [], pullback: nil, tangent: nil, name: "constant", isConstant: true))
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

    /// How an operation's output moves when its inputs move: the input
    /// tangents (nil where an input does not move) and the output give the
    /// output's tangent (nil for none), written with taped operations.
    typealias TangentRule = (_ tangents: [Variable?], _ output: Variable) -> Variable?

    /// Records an operation's result, with its tangent rule (forward mode)
    /// and its pullback (reverse mode).
    func record(_ value: Matrix<Double>, _ name: String, _ inputs: [Variable], tangent: @escaping TangentRule,
                pullback: @escaping (_ cotangent: Variable, _ output: Variable) -> [Variable?]) -> Variable {
        if anomalyDetection && firstAnomaly == nil && !value.elements.allSatisfy(\.isFinite) {
            let shapes = inputs.map { "\($0.rows)×\($0.columns)" }.joined(separator: ", ")
            firstAnomaly = "\(name)(\(shapes)) produced NaN or infinity"
        }
        let isConstant = inputs.allSatisfy(\.isConstant)
        nodes.append(Node(value: value, rows: value.rows, columns: value.columns, inputs: inputs.map(\.index),
                          pullback: isConstant ? nil : pullback, tangent: isConstant ? nil : tangent, name: name, isConstant: isConstant))
        return Variable(tape: self, index: nodes.count - 1)
    }

    func value(_ index: Int) -> Matrix<Double> {
        guard let value = nodes[index].value else {
            preconditionFailure("the value of \(nodes[index].name) was released by a backward pass that released intermediates")
        }
        return value
    }
    func shape(_ index: Int) -> (rows: Int, columns: Int) { (nodes[index].rows, nodes[index].columns) }

    /// Gives up node `index`'s value: its buffer goes to the pool for the
    /// rest of the pass. Leaves recorded before `firstTemporary` (the
    /// caller's inputs and constants) are never released.
    private func release(_ index: Int, firstTemporary: Int) {
        let isLeaf = nodes[index].pullback == nil && nodes[index].inputs.isEmpty
        guard index >= firstTemporary || !isLeaf, let value = nodes[index].value else { return }
        nodes[index].value = nil
        buffers.release(consume value)
    }
    func isConstant(_ index: Int) -> Bool { nodes[index].isConstant }

    /// The gradients of the 1×1 `output` with respect to `inputs`, as
    /// variables on this tape (differentiable again). An input the output
    /// does not depend on gets zeros.
    ///
    /// - Complexity: one backward pass: about the cost of the forward pass
    ///   to `output`, recorded on the tape.
    public func gradient(of output: Variable, with inputs: [Variable]) -> [Variable] {
        gradient(of: output, with: inputs, releasingIntermediates: false)
    }

    /// ``gradient(of:with:)``, optionally releasing intermediate values as
    /// the backward pass goes.
    ///
    /// With `releasingIntermediates`, each intermediate value is released as
    /// soon as the backward pass is past it (the values of the forward pass
    /// from the output back, and every temporary of the backward pass but
    /// the gradients), and its buffer is reused by the rest of the pass. The
    /// gradients are then plain values: reading a released variable, or
    /// differentiating the gradients again, stops with a precondition
    /// failure. Leaves (inputs and constants), the variables in `inputs`, and
    /// `output` are kept.
    public func gradient(of output: Variable, with inputs: [Variable], releasingIntermediates: Bool) -> [Variable] {
        precondition(output.tape === self && inputs.allSatisfy { $0.tape === self }, "variables of another tape")
        precondition(output.rows == 1 && output.columns == 1, "a gradient needs a 1×1 output, got \(output.rows)×\(output.columns)")
        let backwardStart = nodes.count
        // cotangents[i]: the node holding the cotangent of node i so far, or
        // -1. holders[t]: how many entries of cotangents name node t (a node
        // can be the cotangent of several, as g is for both sides of a + b).
        var cotangents = [Int](repeating: -1, count: output.index + 1)
        var holders = [Int](repeating: 0, count: releasingIntermediates ? backwardStart + 1 : 0)
        var kept = [Bool](repeating: false, count: output.index + 1)
        for input in inputs where input.index <= output.index { kept[input.index] = true }
        kept[output.index] = true
        cotangents[output.index] = constant(1).index
        if releasingIntermediates { holders[cotangents[output.index]] = 1 }
        for index in stride(from: output.index, through: 0, by: -1) {
            guard cotangents[index] >= 0, let pullback = nodes[index].pullback else { continue }
            let cotangent = cotangents[index]
            let operands = nodes[index].inputs  // not a copy of the node, which would keep its value alive
            let firstTemporary = nodes.count
            let inputCotangents = pullback(Variable(tape: self, index: cotangent), Variable(tape: self, index: index))
            if releasingIntermediates && holders.count < nodes.count + 1 {
                holders += [Int](repeating: 0, count: nodes.count + 1 - holders.count)
            }
            var replaced: [Int] = []
            for (input, contribution) in zip(operands, inputCotangents) {
                guard let contribution, !nodes[input].isConstant else { continue }
                let partial = cotangents[input]
                let total = partial >= 0 ? (Variable(tape: self, index: partial) + contribution).index : contribution.index
                cotangents[input] = total
                if releasingIntermediates {
                    if holders.count < nodes.count { holders += [Int](repeating: 0, count: nodes.count - holders.count) }
                    holders[total] += 1
                    if partial >= 0 {
                        holders[partial] -= 1
                        replaced.append(partial)
                    }
                }
            }
            if releasingIntermediates {
                // No node before this one reads its value or its cotangent in
                // a first-order pass; of the backward pass's values, only the
                // cotangents still pending (and those asked for) live on.
                if !kept[index] {
                    release(index, firstTemporary: backwardStart)
                    holders[cotangent] -= 1
                }
                for temporary in [cotangent] + replaced + Array(firstTemporary..<nodes.count)
                where temporary >= backwardStart && holders[temporary] == 0 {
                    release(temporary, firstTemporary: backwardStart)
                }
            }
        }
        return inputs.map { input in
            input.index <= output.index && cotangents[input.index] >= 0
                ? Variable(tape: self, index: cotangents[input.index]) : constant(Matrix(rows: input.rows, columns: input.columns))
        }
    }

    /// How `outputs` move when `inputs` move along `directions`: the
    /// Jacobian-vector products J·v, by forward mode over the operations
    /// already recorded — each node's tangent from its inputs' tangents, the
    /// dual part of dual numbers carried at the granularity of whole
    /// matrices. The tangents are variables on this tape (differentiable
    /// again); an output that does not depend on the inputs gets zeros.
    ///
    /// Run over a recorded gradient, this differentiates the gradient
    /// forwards: forward over reverse, ∇²f·v for one direction.
    ///
    /// - Parameters:
    ///   - outputs: the variables whose tangents are wanted.
    ///   - inputs: input variables (made by `variable(_:)`) to move.
    ///   - directions: one per input, of its shape.
    /// - Complexity: one pass over the nodes between the first input and the
    ///   last output, about the cost of recomputing them once more.
    public func tangents(of outputs: [Variable], withRespectTo inputs: [Variable], along directions: [Variable]) -> [Variable] {
        precondition(outputs.allSatisfy { $0.tape === self } && inputs.allSatisfy { $0.tape === self } && directions.allSatisfy { $0.tape === self },
                     "variables of another tape")
        precondition(inputs.count == directions.count, "one direction per input: \(inputs.count) inputs, \(directions.count) directions")
        for (input, direction) in zip(inputs, directions) {
            precondition(nodes[input.index].name == "input", "a tangent is seeded at an input variable, not at \(nodes[input.index].name)")
            precondition(input.rows == direction.rows && input.columns == direction.columns,
                         "a \(direction.rows)×\(direction.columns) direction for a \(input.rows)×\(input.columns) input")
        }
        guard let first = inputs.map(\.index).min(), let last = outputs.map(\.index).max(), first <= last else { return outputs.map(\.zerosLike) }
        // tangents[i − first]: the node holding node i's tangent, or −1 for none.
        var tangents = [Int](repeating: -1, count: last - first + 1)
        for (input, direction) in zip(inputs, directions) { tangents[input.index - first] = direction.index }
        for index in first...last {
            guard let rule = nodes[index].tangent else { continue }
            let operands = nodes[index].inputs.map { $0 >= first ? tangents[$0 - first] : -1 }
            guard operands.contains(where: { $0 >= 0 }) else { continue }
            let tangent = rule(operands.map { $0 >= 0 ? Variable(tape: self, index: $0) : nil }, Variable(tape: self, index: index))
            tangents[index - first] = tangent?.index ?? -1
        }
        return outputs.map { output in
            output.index >= first && tangents[output.index - first] >= 0 ? Variable(tape: self, index: tangents[output.index - first]) : output.zerosLike
        }
    }
}

extension Tape: CustomStringConvertible {
    /// The recorded operations, one per line: index, name, the indices of
    /// its inputs and the shape of its value, as in
    /// `2 = multiply(0, 1)  1×1`.
    public var description: String {
        nodes.enumerated().map { index, node in
            let inputs = node.inputs.isEmpty ? "" : "(\(node.inputs.map(String.init).joined(separator: ", ")))"
            return "\(index) = \(node.name)\(inputs)  \(node.rows)×\(node.columns)"
        }.joined(separator: "\n")
    }
}

/// A matrix-valued node of a ``Tape``.
public struct Variable {
    public unowned let tape: Tape
    let index: Int

    /// The value computed for this node.
    public var value: Matrix<Double> { tape.value(index) }
    public var rows: Int { tape.shape(index).rows }
    public var columns: Int { tape.shape(index).columns }
    /// Whether this depends on no input variable (see ``Tape/constant(_:)``).
    public var isConstant: Bool { tape.isConstant(index) }
    /// The value of a 1×1 variable.
    public var scalar: Double {
        precondition(rows == 1 && columns == 1, "scalar of a \(rows)×\(columns) variable")
        return value[0, 0]
    }
}
