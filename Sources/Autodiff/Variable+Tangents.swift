import LinearAlgebra

// Helpers for the tangent rules (forward mode over the tape): a tangent of
// nil is zero, and one input's tangent stretches to a broadcast output.

extension Variable {
    /// This tangent stretched to `shape` over broadcast dimensions, as the
    /// output of a broadcast operation moves when one operand does.
    func broadcast(to shape: (Int, Int)) -> Variable {
        rows == shape.0 && columns == shape.1 ? self : self + tape.constant(Matrix(rows: shape.0, columns: shape.1))
    }

    /// Zeros of this variable's shape, standing in for a tangent of nil
    /// where an operation needs every operand.
    var zerosLike: Variable { tape.constant(Matrix(rows: rows, columns: columns)) }

    /// a + b for tangents, nil being zero.
    static func sum(_ a: Variable?, _ b: Variable?) -> Variable? {
        switch (a, b) {
        case let (a?, b?): a + b
        case let (a?, nil): a
        case let (nil, b?): b
        case (nil, nil): nil
        }
    }
}
