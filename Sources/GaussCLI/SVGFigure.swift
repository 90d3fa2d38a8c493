import Foundation

/// A minimal SVG writer for the figures `plot` and `demo` draw: panels laid
/// out on a page, each a scatter of points with Gaussian ellipses, or a line.
struct SVGFigure {
    let width: Double
    let height: Double
    private var body: [String] = []

    init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    mutating func add(_ element: String) { body.append(element) }

    var text: String {
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <svg xmlns="http://www.w3.org/2000/svg" width="\(svgNumber(width))" height="\(svgNumber(height))" viewBox="0 0 \(svgNumber(width)) \(svgNumber(height))" font-family="Helvetica, Arial, sans-serif">
        <rect width="100%" height="100%" fill="white"/>
        \(body.joined(separator: "\n"))
        </svg>

        """
    }
}

/// Distinct colours for components (the widely used "tab10" palette).
let componentColors = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]

/// The colour of component `k`.
func componentColor(_ k: Int) -> String { componentColors[k % componentColors.count] }

/// A Gaussian component projected to the plane of a panel.
struct PlanarGaussian {
    var mean: (Double, Double)
    /// The 2×2 covariance [[a, b], [b, c]].
    var a: Double, b: Double, c: Double
    var weight: Double

    /// Points on the ellipse of Mahalanobis radius `r`.
    func ellipse(radius r: Double, points: Int = 72) -> [(Double, Double)] {
        // Eigen-decomposition of a symmetric 2×2 matrix in closed form.
        let half = (a - c) / 2, root = (half * half + b * b).squareRoot()
        let major = max((a + c) / 2 + root, 0).squareRoot(), minor = max((a + c) / 2 - root, 0).squareRoot()
        let angle = 0.5 * atan2(2 * b, a - c)
        return (0...points).map { i in
            let t = 2 * Double.pi * Double(i) / Double(points)
            let u = r * major * cos(t), v = r * minor * sin(t)
            return (mean.0 + u * cos(angle) - v * sin(angle), mean.1 + u * sin(angle) + v * cos(angle))
        }
    }
}

/// About how wide `text` is in a sans-serif face at `fontSize` pixels: the
/// usual advance widths of Helvetica-like faces by character class (narrow
/// i, l, punctuation; wide m, w, capitals), rounded up so that a layout
/// that fits the estimate fits the text.
func estimatedTextWidth(_ text: String, fontSize: Double) -> Double {
    var ems = 0.0
    for character in text {
        switch character {
        case "i", "j", "l", ".", ",", ":", ";", "'", "|", "!", " ", "(", ")", "[", "]", "f", "t", "I": ems += 0.33
        case "m", "w", "M", "W", "σ", "×": ems += 0.9
        case _ where character.isUppercase: ems += 0.72
        default: ems += 0.6
        }
    }
    return ems * fontSize
}

/// Data-space bounds of a panel.
struct Bounds {
    var xMin: Double, xMax: Double, yMin: Double, yMax: Double

    /// The smallest bounds holding `points`, widened by 5% on each side.
    init(covering points: [(Double, Double)]) {
        xMin = points.map(\.0).min() ?? 0; xMax = points.map(\.0).max() ?? 1
        yMin = points.map(\.1).min() ?? 0; yMax = points.map(\.1).max() ?? 1
        if xMax - xMin < 1e-12 { xMin -= 1; xMax += 1 }
        if yMax - yMin < 1e-12 { yMin -= 1; yMax += 1 }
        let dx = (xMax - xMin) * 0.05, dy = (yMax - yMin) * 0.05
        xMin -= dx; xMax += dx; yMin -= dy; yMax += dy
    }

    /// These bounds widened, about their centres, so that a unit takes as
    /// many pixels across as up on a `width × height` panel: distances in
    /// the picture are then distances in the data (for projections, whose
    /// axes share units).
    func equalAspect(width: Double, height: Double) -> Bounds {
        var result = self
        let perPixel = Swift.max((xMax - xMin) / width, (yMax - yMin) / height)
        let (xCenter, yCenter) = ((xMin + xMax) / 2, (yMin + yMax) / 2)
        (result.xMin, result.xMax) = (xCenter - perPixel * width / 2, xCenter + perPixel * width / 2)
        (result.yMin, result.yMax) = (yCenter - perPixel * height / 2, yCenter + perPixel * height / 2)
        return result
    }
}

/// A rectangle of the page with axes, ticks and labels, mapping data to pixels.
struct Axes {
    let left: Double, top: Double, width: Double, height: Double
    let bounds: Bounds

    func x(_ value: Double) -> Double { left + (value - bounds.xMin) / (bounds.xMax - bounds.xMin) * width }
    func y(_ value: Double) -> Double { top + height - (value - bounds.yMin) / (bounds.yMax - bounds.yMin) * height }

    /// The frame, ticks, tick labels, axis labels and title.
    func frame(title: String, xLabel: String, yLabel: String, tickFormat: (Double) -> String = tickLabel) -> String {
        var parts = ["<rect x=\"\(svgNumber(left))\" y=\"\(svgNumber(top))\" width=\"\(svgNumber(width))\" height=\"\(svgNumber(height))\" fill=\"none\" stroke=\"#444\"/>"]
        for tick in niceTicks(bounds.xMin, bounds.xMax) {
            let px = x(tick)
            parts.append("<line x1=\"\(svgNumber(px))\" y1=\"\(svgNumber(top + height))\" x2=\"\(svgNumber(px))\" y2=\"\(svgNumber(top + height + 4))\" stroke=\"#444\"/>")
            parts.append("<text x=\"\(svgNumber(px))\" y=\"\(svgNumber(top + height + 16))\" font-size=\"10\" text-anchor=\"middle\" fill=\"#333\">\(tickFormat(tick))</text>")
        }
        for tick in niceTicks(bounds.yMin, bounds.yMax) {
            let py = y(tick)
            parts.append("<line x1=\"\(svgNumber(left - 4))\" y1=\"\(svgNumber(py))\" x2=\"\(svgNumber(left))\" y2=\"\(svgNumber(py))\" stroke=\"#444\"/>")
            parts.append("<text x=\"\(svgNumber(left - 6))\" y=\"\(svgNumber(py + 3))\" font-size=\"10\" text-anchor=\"end\" fill=\"#333\">\(tickFormat(tick))</text>")
        }
        parts.append("<text x=\"\(svgNumber(left + width / 2))\" y=\"\(svgNumber(top + height + 32))\" font-size=\"11\" text-anchor=\"middle\" fill=\"#222\">\(xmlEscaped(xLabel))</text>")
        parts.append("<text transform=\"translate(\(svgNumber(left - 38)) \(svgNumber(top + height / 2))) rotate(-90)\" font-size=\"11\" text-anchor=\"middle\" fill=\"#222\">\(xmlEscaped(yLabel))</text>")
        parts.append("<text x=\"\(svgNumber(left + width / 2))\" y=\"\(svgNumber(top - 8))\" font-size=\"13\" font-weight=\"bold\" text-anchor=\"middle\" fill=\"#111\">\(xmlEscaped(title))</text>")
        return parts.joined(separator: "\n")
    }

    /// A polyline through data points, clipped to the panel by the caller's bounds.
    func path(_ points: [(Double, Double)], attributes: String) -> String {
        let d = points.enumerated().map { "\($0.offset == 0 ? "M" : "L")\(svgNumber(x($0.element.0))),\(svgNumber(y($0.element.1)))" }.joined()
        return "<path d=\"\(d)\" \(attributes)/>"
    }
}

/// A scatter panel: points coloured by component, each component's 1σ and
/// 2σ ellipses and its mean.
func scatterPanel(_ axes: Axes, title: String, xLabel: String, yLabel: String, points: [(Double, Double)],
                  labels: [Int]?, components: [PlanarGaussian], colors: [String]? = nil) -> String {
    var parts = ["<g class=\"panel\">", "<clipPath id=\"clip\(Int(axes.left))x\(Int(axes.top))\"><rect x=\"\(svgNumber(axes.left))\" y=\"\(svgNumber(axes.top))\" width=\"\(svgNumber(axes.width))\" height=\"\(svgNumber(axes.height))\"/></clipPath>"]
    parts.append(axes.frame(title: title, xLabel: xLabel, yLabel: yLabel))
    parts.append("<g clip-path=\"url(#clip\(Int(axes.left))x\(Int(axes.top)))\">")
    for (i, point) in points.enumerated() {
        let fill = colors?[i] ?? labels.map { componentColor($0[i]) } ?? "#555"
        parts.append("<circle cx=\"\(svgNumber(axes.x(point.0)))\" cy=\"\(svgNumber(axes.y(point.1)))\" r=\"2.2\" fill=\"\(fill)\" fill-opacity=\"0.55\"/>")
    }
    for (k, component) in components.enumerated() {
        parts.append(axes.path(component.ellipse(radius: 1), attributes: "class=\"ellipse\" fill=\"none\" stroke=\"\(componentColor(k))\" stroke-width=\"2\""))
        parts.append(axes.path(component.ellipse(radius: 2), attributes: "class=\"ellipse\" fill=\"none\" stroke=\"\(componentColor(k))\" stroke-width=\"1.2\" stroke-dasharray=\"5,3\""))
        let mx = axes.x(component.mean.0), my = axes.y(component.mean.1)
        parts.append("<path class=\"mean\" d=\"M\(svgNumber(mx - 5)),\(svgNumber(my - 5))L\(svgNumber(mx + 5)),\(svgNumber(my + 5))M\(svgNumber(mx - 5)),\(svgNumber(my + 5))L\(svgNumber(mx + 5)),\(svgNumber(my - 5))\" stroke=\"black\" stroke-width=\"2.5\"/>")
    }
    parts.append("</g>")
    parts.append("</g>")
    return parts.joined(separator: "\n")
}

/// How wide ``legend(x:y:weights:)`` draws, in pixels.
func legendWidth(weights: [Double]) -> Double {
    let widest = weights.indices.map { estimatedTextWidth(legendLabel($0, weight: weights[$0]), fontSize: 11) }.max() ?? 0
    return Swift.max(16 + widest, 104 + estimatedTextWidth("× mean", fontSize: 13), 28 + estimatedTextWidth("weight × component", fontSize: 11))
}

func legendLabel(_ k: Int, weight: Double) -> String { "component \(k)  (weight \(String(format: "%.3f", weight)))" }

/// A legend: one swatch per component with its weight, and the line
/// styles: the ellipses and means of a scatter, or with `densities` the
/// curves of a histogram.
func legend(x: Double, y: Double, weights: [Double], densities: Bool = false) -> String {
    var parts = ["<g class=\"legend\">"]
    for (k, weight) in weights.enumerated() {
        let row = y + Double(k) * 16
        parts.append("<rect x=\"\(svgNumber(x))\" y=\"\(svgNumber(row - 9))\" width=\"10\" height=\"10\" fill=\"\(componentColor(k))\"/>")
        parts.append("<text x=\"\(svgNumber(x + 16))\" y=\"\(svgNumber(row))\" font-size=\"11\" fill=\"#222\">\(legendLabel(k, weight: weight))</text>")
    }
    let row = y + Double(weights.count) * 16 + 6
    if densities {
        parts.append("<line x1=\"\(svgNumber(x))\" y1=\"\(svgNumber(row - 4))\" x2=\"\(svgNumber(x + 22))\" y2=\"\(svgNumber(row - 4))\" stroke=\"#111\" stroke-width=\"2\"/>")
        parts.append("<text x=\"\(svgNumber(x + 28))\" y=\"\(svgNumber(row))\" font-size=\"11\" fill=\"#222\">mixture</text>")
        parts.append("<line x1=\"\(svgNumber(x))\" y1=\"\(svgNumber(row + 12))\" x2=\"\(svgNumber(x + 22))\" y2=\"\(svgNumber(row + 12))\" stroke=\"#333\" stroke-dasharray=\"5,3\"/>")
        parts.append("<text x=\"\(svgNumber(x + 28))\" y=\"\(svgNumber(row + 16))\" font-size=\"11\" fill=\"#222\">weight × component</text>")
        parts.append("</g>")
        return parts.joined(separator: "\n")
    }
    parts.append("<line x1=\"\(svgNumber(x))\" y1=\"\(svgNumber(row - 4))\" x2=\"\(svgNumber(x + 22))\" y2=\"\(svgNumber(row - 4))\" stroke=\"#333\" stroke-width=\"2\"/>")
    parts.append("<text x=\"\(svgNumber(x + 28))\" y=\"\(svgNumber(row))\" font-size=\"11\" fill=\"#222\">1σ</text>")
    parts.append("<line x1=\"\(svgNumber(x + 52))\" y1=\"\(svgNumber(row - 4))\" x2=\"\(svgNumber(x + 74))\" y2=\"\(svgNumber(row - 4))\" stroke=\"#333\" stroke-dasharray=\"5,3\"/>")
    parts.append("<text x=\"\(svgNumber(x + 80))\" y=\"\(svgNumber(row))\" font-size=\"11\" fill=\"#222\">2σ</text>")
    parts.append("<text x=\"\(svgNumber(x + 104))\" y=\"\(svgNumber(row))\" font-size=\"13\" font-weight=\"bold\" fill=\"#222\">× mean</text>")
    parts.append("</g>")
    return parts.joined(separator: "\n")
}

/// Tick positions at 1, 2 or 5 × a power of ten, about five per axis.
func niceTicks(_ low: Double, _ high: Double) -> [Double] {
    let raw = (high - low) / 5
    let magnitude = pow(10, floor(log10(raw)))
    let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
    var ticks: [Double] = []
    var tick = ceil(low / step) * step
    while tick <= high + step * 1e-9 {
        ticks.append(abs(tick) < step * 1e-9 ? 0 : tick)
        tick += step
    }
    return ticks
}

func tickLabel(_ value: Double) -> String { String(format: "%g", value) }

/// A coordinate or length as SVG attributes write it: two decimals.
func svgNumber(_ value: Double) -> String { String(format: "%.2f", value) }

/// `text` as XML character data or an attribute value: control characters
/// replaced, markup characters escaped.
func xmlEscaped(_ text: String) -> String {
    // XML 1.0 allows no control characters but tab, newline and return: a
    // header holding one would make the whole file invalid.
    let printable = String(String.UnicodeScalarView(text.unicodeScalars.map { scalar in
        scalar.value < 0x20 && scalar != "\t" && scalar != "\n" && scalar != "\r" || scalar.value == 0x7F ? "\u{FFFD}" : scalar
    }))
    return printable.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
}

/// The colours of the components mixed in the proportions `weights` (a row
/// of responsibilities): a point half in each of two components is drawn
/// halfway between their colours.
func blendedColor(_ weights: [Double]) -> String {
    var rgb = [0.0, 0.0, 0.0]
    for (k, weight) in weights.enumerated() {
        let hex = componentColor(k).dropFirst()
        let value = Int(hex, radix: 16) ?? 0
        for (channel, shift) in [16, 8, 0].enumerated() { rgb[channel] += weight * Double((value >> shift) & 0xFF) }
    }
    return "#" + rgb.map { String(format: "%02x", Int(Swift.min(255, Swift.max(0, $0.rounded())))) }.joined()
}

