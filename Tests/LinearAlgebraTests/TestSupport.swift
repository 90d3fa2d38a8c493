import Foundation
import Testing
@testable import LinearAlgebra

/// The element types every numerical test runs in.
enum Precision: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case float, double
    var testDescription: String { rawValue }
}

/// Shapes that exercise the degenerate and the ordinary cases.
let testShapes: [(Int, Int)] = [(0, 0), (0, 3), (3, 0), (1, 1), (1, 5), (5, 1), (7, 3), (3, 7), (6, 6), (17, 9)]

/// A matrix of uniform draws in [-1, 1).
func randomMatrix<S: BLASScalar>(_ rows: Int, _ columns: Int, seed: UInt64, as: S.Type = S.self) -> Matrix<S> {
    var rng = Xoshiro256StarStar(seed: seed)
    return Matrix(rows: rows, columns: columns) { _, _ in 2 * rng.nextUniform(S.self) - 1 }
}

/// A random symmetric positive definite matrix, `A·Aᵀ + n·I`, well conditioned.
func randomSPD<S: BLASScalar>(_ n: Int, seed: UInt64, as: S.Type = S.self) -> Matrix<S> {
    let a: Matrix<S> = randomMatrix(n, n, seed: seed)
    return referenceProduct(a, a.transposed()) + Matrix(diagonal: [S](repeating: S(n), count: n))
}

/// The textbook triple loop, accumulated in Double: the reference for gemm.
func referenceProduct<S: BLASScalar>(_ a: Matrix<S>, _ b: Matrix<S>) -> Matrix<S> {
    precondition(a.columns == b.rows)
    return Matrix(rows: a.rows, columns: b.columns) { i, j in
        var sum = 0.0
        for k in 0..<a.columns { sum += Double(a[i, k]) * Double(b[k, j]) }
        return S(sum)
    }
}

/// The largest elementwise difference, relative to the largest magnitude of
/// `expected` (or absolute, when that is below 1).
func relativeError<S: BLASScalar>(_ actual: Matrix<S>, _ expected: Matrix<S>) -> Double {
    precondition(actual.rows == expected.rows && actual.columns == expected.columns,
                 "shapes differ: \(actual.rows)×\(actual.columns) vs \(expected.rows)×\(expected.columns)")
    var worst = 0.0, scale = 1.0
    for i in 0..<actual.rows {
        for j in 0..<actual.columns {
            worst = max(worst, abs(Double(actual[i, j]) - Double(expected[i, j])))
            scale = max(scale, abs(Double(expected[i, j])))
        }
    }
    return worst / scale
}

/// The tolerance for an operation whose rounding grows with `n` terms.
func tolerance<S: BLASScalar>(_: S.Type, terms n: Int = 10) -> Double {
    Double(S.ulpOfOne) * Double(max(n, 1)) * 8
}

/// Applies `op` to `a` as BLAS means it.
func op<S>(_ a: Matrix<S>, _ t: Transpose) -> Matrix<S> { t.isTransposed ? a.transposed() : a }

/// A directory of its own under the system's temporary directory, removed by the caller.
func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("gauss-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// The fixture files committed beside the tests.
let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

/// The data sets the project ships, in `data/` at the package root.
let shippedData = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("data")
