import Foundation
import LinearAlgebra
import Testing
@testable import Autodiff

/// The numbers the Autodiff article "The lecture's example" prints are the
/// numbers Gauss computes: each is computed here and looked up in the
/// article's text.
@Suite struct LectureExampleTests {
    static let article: String = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/Autodiff/Autodiff.docc/LectureExample.md")
        return (try? String(contentsOf: url, encoding: .utf8)) ?? ""
    }()

    static func f<T: Real>(_ x1: T, _ x2: T) -> T { x1 * x2 + T.sin(x1) }

    static func taped(_ x: Variable) -> Variable {
        let x1 = x.slice(rows: 0..<1, columns: 0..<1), x2 = x.slice(rows: 0..<1, columns: 1..<2)
        return x1 * x2 + x1.sin()
    }

    /// Every line the article says Gauss prints.
    static func printedLines() -> [String] {
        var lines: [String] = []
        lines.append("\(f(2.0, 3.0))")
        let y = f(Dual(value: 2.0, tangent: 1), Dual(value: 3.0, tangent: 0))
        lines.append("\(y.value) \(y.tangent)")
        lines.append("\(f(Dual(value: 2.0, tangent: 0), Dual(value: 3.0, tangent: 1)).tangent)")
        lines.append("\(gradient(at: [2.0, 3.0]) { v in f(v[0], v[1]) })")
        let tape = Tape()
        let x1 = tape.variable(2.0), x2 = tape.variable(3.0)
        let output = x1 * x2 + x1.sin()
        lines += tape.description.split(separator: "\n").map(String.init)
        let g = tape.gradient(of: output, with: [x1, x2])
        lines.append("\(g[0].scalar) \(g[1].scalar)")
        lines += tape.description.split(separator: "\n").map(String.init)
        lines.append("\(secondDerivative(at: 2.0) { x1 in f(x1, 3) })")
        for mode in [SecondOrderMode.reverseOverReverse, .forwardOverReverse] {
            lines += hessian(at: Matrix([[2.0, 3.0]]), mode: mode, of: taped).description.split(separator: "\n").map(String.init)
        }
        return lines
    }

    @Test func theArticlePrintsWhatGaussComputes() {
        #expect(!Self.article.isEmpty, "the article is missing")
        for line in Self.printedLines() {
            #expect(Self.article.contains(line), "the article does not show \"\(line)\"")
        }
    }

    @Test func theNumbersAreTheCalculus() {
        // ∂f/∂x₁ = x₂ + cos x₁, ∂f/∂x₂ = x₁, ∂²f/∂x₁² = −sin x₁, ∂²f/∂x₁∂x₂ = 1.
        #expect(gradient(at: [2.0, 3.0]) { v in Self.f(v[0], v[1]) } == [3 + Foundation.cos(2), 2])
        #expect(hessian(at: Matrix([[2.0, 3.0]]), mode: .forwardOverReverse, of: Self.taped) == Matrix([[-Foundation.sin(2), 1], [1, 0]]))
    }
}
