import Autodiff
import Clustering
import Foundation
import LinearAlgebra

/// What a derivative costs by forward and by reverse mode, measured when
/// called: the gradient of f: Rⁿ → R, f(x) = Σᵢ xᵢ·sin(xᵢ₊₁), as n grows
/// (forward mode needs a pass per input, reverse mode one backward pass),
/// and the Jacobian of g: R → Rᵐ, gᵢ(t) = sin(i·t), as m grows (forward
/// mode needs one pass, reverse mode a backward pass per output).
struct ForwardReverseCosts {
    /// Seconds per derivative, one series per method, at each size.
    var sizes: [Int]
    var gradient: [(method: String, seconds: [Double])]
    var jacobian: [(method: String, seconds: [Double])]

    static let sizes = (1...9).map { 1 << $0 }    // 2 … 512

    static func f<T: Real>(_ x: [T]) -> T {
        var sum = T.zero
        for i in 0..<(x.count - 1) { sum += x[i] * T.sin(x[i + 1]) }
        return sum
    }

    /// f on the tape: a handful of whole-vector operations, whatever n.
    static func taped(_ x: Variable) -> Variable {
        let n = x.columns
        return (x.slice(rows: 0..<1, columns: 0..<(n - 1)) * x.slice(rows: 0..<1, columns: 1..<n).sin()).sum()
    }

    static func input(_ n: Int) -> [Double] { (0..<n).map { 0.1 + 0.01 * Double($0) } }

    /// ∇f by n passes of ``Dual`` numbers, one seeded input each.
    static func forwardGradient(_ x: [Double]) -> [Double] {
        x.indices.map { i in directionalDerivative(at: x, along: x.indices.map { $0 == i ? 1 : 0 }) { f($0) } }
    }

    /// ∇f by ⌈n/8⌉ passes carrying eight partial derivatives each.
    static func forwardLanesGradient(_ x: [Double]) -> [Double] { Autodiff.gradient(at: x) { f($0) } }

    /// ∇f by one forward and one backward pass over the tape.
    static func reverseGradient(_ x: [Double]) -> [Double] {
        Autodiff.gradient(at: [Matrix(rows: 1, columns: x.count, elements: x)]) { _, v in taped(v[0]) }[0].elements
    }

    static func g<T: Real>(_ t: T, outputs m: Int) -> [T] { (1...m).map { T.sin(T(exactly: $0)! * t) } }

    /// dg/dt by one pass of a ``Dual`` number.
    static func forwardJacobian(_ t: Double, outputs m: Int) -> [Double] { g(Dual(variable: t), outputs: m).map(\.tangent) }

    /// dg/dt by a backward pass per output.
    static func reverseJacobian(_ t: Double, outputs m: Int) -> [Double] {
        let multipliers = Matrix<Double>(rows: 1, columns: m) { _, j in Double(j + 1) }
        return Autodiff.jacobian(at: Matrix(rows: 1, columns: 1, elements: [t])) { x in
            x.matmul(x.tape.constant(multipliers)).sin()
        }.elements
    }

    /// The shortest of the calls made in 20 ms (at least one, at most 200).
    static func seconds(_ body: () -> Void) -> Double {
        var best = Double.infinity, total = 0.0, calls = 0
        let clock = ContinuousClock()
        while calls == 0 || (total < 0.02 && calls < 200) {
            let s = clock.measure(body).inSeconds
            best = Swift.min(best, s)
            total += s
            calls += 1
        }
        return best
    }

    static func measure(sizes: [Int] = sizes) -> ForwardReverseCosts {
        var sink = 0.0
        // Each size's input is made before its calls are timed, so that f's own line is f's cost.
        func series(_ body: ([Double]) -> Double) -> [Double] {
            sizes.map { n in
                let x = input(n)
                return seconds { sink += body(x) }
            }
        }
        let gradient = [
            ("forward: a pass of dual numbers per input", series { forwardGradient($0)[0] }),
            ("forward: a pass per eight inputs (GradientDual)", series { forwardLanesGradient($0)[0] }),
            ("reverse: the tape, one backward pass", series { reverseGradient($0)[0] }),
            ("f itself (no derivative)", series { f($0) }),
        ]
        let jacobian = [
            ("forward: one pass of a dual number", series { forwardJacobian(0.3, outputs: $0.count)[0] }),
            ("reverse: the tape, a backward pass per output", series { reverseJacobian(0.3, outputs: $0.count)[0] }),
        ]
        // Keeps the measured work from being optimised away.
        if sink.isNaN { FileHandle.standardError.write(Data("NaN\n".utf8)) }
        return ForwardReverseCosts(sizes: sizes, gradient: gradient, jacobian: jacobian)
    }
}

/// Two log–log panels of the measured costs: the gradient against n, the
/// Jacobian against m.
func forwardReverseFigure(_ costs: ForwardReverseCosts) -> SVGFigure {
    let panel = (width: 420.0, height: 330.0), gap = 130.0, top = 100.0
    var figure = SVGFigure(width: 80 + 2 * (panel.width + gap), height: top + panel.height + 190)
    figure.add("<text x=\"30\" y=\"30\" font-size=\"18\" font-weight=\"bold\" fill=\"#111\">Forward against reverse mode, measured</text>")
    figure.add("<text x=\"30\" y=\"52\" font-size=\"12\" fill=\"#333\">" + xmlEscaped("Time for one derivative, the shortest of repeated calls, "
               + "measured when this figure was drawn\(processorName().map { " on \($0)" } ?? "") (log–log).") + "</text>")
    let colors = ["#d62728", "#ff7f0e", "#1f77b4", "#7f7f7f"]
    let panels = [
        ("gradient of f: Rⁿ → R, f(x) = Σ xᵢ·sin(xᵢ₊₁)", "inputs n", costs.gradient, [0, 1, 2, 3]),
        ("Jacobian of g: R → Rᵐ, gᵢ(t) = sin(i·t)", "outputs m", costs.jacobian, [0, 2]),
    ]
    let log2Sizes = costs.sizes.map { log2(Double($0)) }
    for (index, (title, xLabel, series, colorIndices)) in panels.enumerated() {
        let points = series.flatMap { zip(log2Sizes, $0.seconds.map { log10($0 * 1e6) }) }
        let bounds = Bounds(covering: points)
        let axes = Axes(left: 90 + Double(index) * (panel.width + gap), top: top, width: panel.width, height: panel.height, bounds: bounds)
        // x is log₂ of the size and y log₁₀ of the time: the ticks are labelled with the powers themselves.
        var parts = ["<g class=\"panel\">", axes.frame(title: title, xLabel: xLabel, yLabel: "time per derivative (log scale)", tickFormat: { _ in "" })]
        for tick in niceTicks(bounds.xMin, bounds.xMax) where tick == tick.rounded() {
            parts.append("<text x=\"\(svgNumber(axes.x(tick)))\" y=\"\(svgNumber(axes.top + axes.height + 16))\" font-size=\"10\" "
                         + "text-anchor=\"middle\" fill=\"#333\">\(Int(Foundation.pow(2, tick)))</text>")
        }
        for tick in niceTicks(bounds.yMin, bounds.yMax) where tick == tick.rounded() {
            parts.append("<text x=\"\(svgNumber(axes.left - 6))\" y=\"\(svgNumber(axes.y(tick) + 3))\" font-size=\"10\" "
                         + "text-anchor=\"end\" fill=\"#333\">\(durationLabel(microseconds: Foundation.pow(10, tick)))</text>")
        }
        for (line, (name, seconds)) in series.enumerated() {
            let color = colors[colorIndices[line]]
            let path = Array(zip(log2Sizes, seconds.map { log10($0 * 1e6) }))
            parts.append(axes.path(path, attributes: "class=\"series\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" data-name=\"\(xmlEscaped(name))\""
                                   + (name.hasPrefix("f itself") ? " stroke-dasharray=\"4,3\"" : "")))
            for point in path {
                parts.append("<circle cx=\"\(svgNumber(axes.x(point.0)))\" cy=\"\(svgNumber(axes.y(point.1)))\" r=\"2.5\" fill=\"\(color)\"/>")
            }
            let y = top + panel.height + 50 + Double(line) * 18
            parts.append("<line x1=\"\(svgNumber(axes.left))\" y1=\"\(svgNumber(y - 4))\" x2=\"\(svgNumber(axes.left + 28))\" y2=\"\(svgNumber(y - 4))\" "
                         + "stroke=\"\(color)\" stroke-width=\"2\"\(name.hasPrefix("f itself") ? " stroke-dasharray=\"4,3\"" : "")/>")
            parts.append("<text x=\"\(svgNumber(axes.left + 36))\" y=\"\(svgNumber(y))\" font-size=\"11\" fill=\"#222\">\(xmlEscaped(name))</text>")
        }
        parts.append("</g>")
        figure.add(parts.joined(separator: "\n"))
    }
    figure.add("<text x=\"30\" y=\"\(svgNumber(top + panel.height + 140))\" font-size=\"12\" fill=\"#333\">"
               + xmlEscaped("Forward mode costs a pass per input direction, reverse mode a backward pass per output: "
                            + "reverse wins for many inputs, forward for many outputs.") + "</text>")
    return figure
}

/// "1 µs", "100 µs", "10 ms", "1 s" for a power of ten of microseconds.
func durationLabel(microseconds: Double) -> String {
    switch microseconds {
    case ..<1000: return "\(tickLabel(microseconds)) µs"
    case ..<1_000_000: return "\(tickLabel(microseconds / 1000)) ms"
    default: return "\(tickLabel(microseconds / 1_000_000)) s"
    }
}

/// The processor's name as Linux reports it (`model name` in
/// /proc/cpuinfo), with its count of logical processors; nil elsewhere.
func processorName() -> String? {
    guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return nil }
    let lines = info.split(separator: "\n")
    guard let model = lines.first(where: { $0.hasPrefix("model name") }),
          let name = model.split(separator: ":", maxSplits: 1).last?.trimmingCharacters(in: .whitespaces), !name.isEmpty else { return nil }
    let count = lines.filter { $0.hasPrefix("processor") }.count
    return count > 0 ? "\(name), \(count) logical processors" : name
}
