import Autodiff
import Foundation

/// The errors of divided differences of f(x) = x³, whose derivative is
/// 3x², as the step h runs from 10⁻¹⁶ to 1: forward differences
/// (f(x+h) − f(x))/h, whose truncation error 3x·h shrinks while the
/// rounding error ε·|f|/h grows, at best near h ≈ √ε; central differences
/// (f(x+h) − f(x−h))/2h, truncation h², at best near h ≈ ∛ε. A dual number
/// carries the derivative exactly. Computed when called.
struct DividedDifferences {
    static let xs: [Double] = [0.5, 1, 2]
    /// log₁₀ h from −16 to 0 in steps of 0.05.
    static let logSteps: [Double] = (0...320).map { -16 + Double($0) / 20 }

    static func f<T: Real>(_ x: T) -> T { x * x * x }

    /// |forward difference − 3x²| at each step (0 where it is exact).
    static func forwardErrors(at x: Double) -> [Double] {
        logSteps.map { exponent in
            let h = Foundation.pow(10, exponent)
            return abs((f(x + h) - f(x)) / h - 3 * x * x)
        }
    }

    static func centralErrors(at x: Double) -> [Double] {
        logSteps.map { exponent in
            let h = Foundation.pow(10, exponent)
            return abs((f(x + h) - f(x - h)) / (2 * h) - 3 * x * x)
        }
    }

    /// |dual-number derivative − 3x²|: exactly 0.
    static func dualError(at x: Double) -> Double { abs(derivative(at: x) { f($0) } - 3 * x * x) }
}

/// The divided-differences figure: log₁₀ error against log₁₀ h.
func dividedDifferencesFigure() -> SVGFigure {
    let ε = Double.ulpOfOne
    let series = DividedDifferences.xs.flatMap { x in
        [("forward, x = \(tickLabel(x))", DividedDifferences.forwardErrors(at: x), false),
         ("central, x = \(tickLabel(x))", DividedDifferences.centralErrors(at: x), true)]
    }
    // Exact results (error 0) have no logarithm: they are left out of the lines.
    let floor = -18.0
    let points = series.flatMap { series in zip(DividedDifferences.logSteps, series.1).filter { $0.1 > 0 }.map { ($0.0, log10($0.1)) } }
    var bounds = Bounds(covering: points + [(-16, floor), (0, 1)])
    bounds.yMin = floor - 0.5
    let axes = Axes(left: 80, top: 70, width: 560, height: 420, bounds: bounds)
    var figure = SVGFigure(width: 960, height: 560)
    figure.add("<text x=\"30\" y=\"30\" font-size=\"18\" font-weight=\"bold\" fill=\"#111\">Divided differences of f(x) = x³ against the exact derivative 3x²</text>")
    var parts = ["<g class=\"panel\">",
                 axes.frame(title: "error of the derivative against the step h (log–log)", xLabel: "step h",
                            yLabel: "|estimate − 3x²|", tickFormat: { value in "1e\(Int(value.rounded()))" })]
    let colors = ["#1f77b4", "#d62728", "#2ca02c"]
    for (index, (name, errors, central)) in series.enumerated() {
        let color = colors[index / 2]
        // Consecutive non-zero errors are joined; an exact result breaks the line.
        var run: [(Double, Double)] = []
        func flush() {
            if run.count > 1 {
                parts.append(axes.path(run, attributes: "class=\"series\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.4\""
                                       + (central ? " stroke-dasharray=\"6,3\"" : "") + " data-name=\"\(name)\""))
            }
            run = []
        }
        for (exponent, error) in zip(DividedDifferences.logSteps, errors) {
            if error > 0 { run.append((exponent, log10(error))) } else { flush() }
        }
        flush()
    }
    // The dual numbers' error, exactly zero at every x: drawn on the floor line.
    let dualIsExact = DividedDifferences.xs.allSatisfy { DividedDifferences.dualError(at: $0) == 0 }
    parts.append(axes.path([(-16, floor), (0, floor)], attributes: "class=\"dual\" fill=\"none\" stroke=\"#111\" stroke-width=\"2.5\""))
    parts.append("<text x=\"\(svgNumber(axes.x(-15.8)))\" y=\"\(svgNumber(axes.y(floor) - 6))\" font-size=\"11\" fill=\"#111\">"
                 + (dualIsExact ? "dual numbers: error exactly 0 at every h and x (drawn at 1e-18)" : "dual numbers") + "</text>")
    // The best steps in theory: √ε for forward differences, ∛ε for central ones.
    for (value, label) in [(ε.squareRoot(), "h = √ε ≈ 1.5e-8: forward's best"), (cbrt(ε), "h = ∛ε ≈ 6e-6: central's best")] {
        let x = axes.x(log10(value))
        parts.append("<line class=\"optimum\" x1=\"\(svgNumber(x))\" y1=\"\(svgNumber(axes.top))\" x2=\"\(svgNumber(x))\" "
                     + "y2=\"\(svgNumber(axes.top + axes.height))\" stroke=\"#888\" stroke-dasharray=\"2,3\"/>")
        parts.append("<text x=\"\(svgNumber(x + 4))\" y=\"\(svgNumber(axes.top + 14 + (label.contains("central") ? 14 : 0)))\" "
                     + "font-size=\"10\" fill=\"#444\">\(xmlEscaped(label))</text>")
    }
    parts.append("</g>")
    figure.add(parts.joined(separator: "\n"))
    // Legend: one colour per x, solid forward and dashed central.
    var legendParts = ["<g class=\"legend\">"]
    for (index, x) in DividedDifferences.xs.enumerated() {
        let y = 90 + Double(index) * 18
        legendParts.append("<line x1=\"670\" y1=\"\(svgNumber(y - 4))\" x2=\"700\" y2=\"\(svgNumber(y - 4))\" stroke=\"\(colors[index])\" stroke-width=\"2\"/>")
        legendParts.append("<text x=\"708\" y=\"\(svgNumber(y))\" font-size=\"11\" fill=\"#222\">x = \(tickLabel(x))</text>")
    }
    let y = 90 + Double(DividedDifferences.xs.count) * 18 + 10
    legendParts.append("<line x1=\"670\" y1=\"\(svgNumber(y - 4))\" x2=\"700\" y2=\"\(svgNumber(y - 4))\" stroke=\"#333\" stroke-width=\"1.4\"/>")
    legendParts.append("<text x=\"708\" y=\"\(svgNumber(y))\" font-size=\"11\" fill=\"#222\">forward (f(x+h) − f(x))/h</text>")
    legendParts.append("<line x1=\"670\" y1=\"\(svgNumber(y + 14))\" x2=\"700\" y2=\"\(svgNumber(y + 14))\" stroke=\"#333\" stroke-width=\"1.4\" stroke-dasharray=\"6,3\"/>")
    legendParts.append("<text x=\"708\" y=\"\(svgNumber(y + 18))\" font-size=\"11\" fill=\"#222\">central (f(x+h) − f(x−h))/2h</text>")
    legendParts.append("<line x1=\"670\" y1=\"\(svgNumber(y + 32))\" x2=\"700\" y2=\"\(svgNumber(y + 32))\" stroke=\"#111\" stroke-width=\"2.5\"/>")
    legendParts.append("<text x=\"708\" y=\"\(svgNumber(y + 36))\" font-size=\"11\" fill=\"#222\">dual numbers (exact)</text>")
    legendParts.append("</g>")
    figure.add(legendParts.joined(separator: "\n"))
    return figure
}
