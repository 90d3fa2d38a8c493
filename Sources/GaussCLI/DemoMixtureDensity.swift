import Clustering
import Foundation
import LinearAlgebra

/// The lecture's "one Gaussian against a mixture": each model's density over
/// the data's plane as filled contours (a grid of cells shaded by the
/// density's level, in steps of e⁻¹ below its peak), with the data on top
/// and each fit's log-likelihood and BIC in its title.
func mixtureDensityFigure(data: Matrix<Double>, names: [String], models: [(String, GaussianMixtureModel)]) throws -> SVGFigure {
    let points = (0..<data.rows).map { (data[$0, 0], data[$0, 1]) }
    let bounds = Bounds(covering: points)
    let panel = 420.0, gap = 110.0, top = 90.0, cells = 90
    let keyLabels = (1...7).map { band in "\(band == 7 ? "peak" : "e^-\(7 - band) × peak") to e^-\(8 - band) × peak" }
    let keyLeft = Double(models.count) * (panel + gap) + 20
    let keyWidth = 20 + (keyLabels.map { estimatedTextWidth($0, fontSize: 11) }.max() ?? 0)
    var figure = SVGFigure(width: keyLeft + keyWidth + 20, height: top + panel + 80)
    figure.add("<text x=\"30\" y=\"30\" font-size=\"18\" font-weight=\"bold\" fill=\"#111\">One Gaussian against a mixture of two, on Old Faithful</text>")
    figure.add("<text x=\"30\" y=\"52\" font-size=\"12\" fill=\"#333\">Shading: the fitted density, each band a factor e below the last, from its peak down to e⁻⁸.</text>")
    // Cell centres, row by row from the top.
    let xs = (0..<cells).map { bounds.xMin + (bounds.xMax - bounds.xMin) * (Double($0) + 0.5) / Double(cells) }
    let ys = (0..<cells).map { bounds.yMax - (bounds.yMax - bounds.yMin) * (Double($0) + 0.5) / Double(cells) }
    let grid = Matrix<Double>(rows: cells * cells, columns: 2) { i, j in j == 0 ? xs[i % cells] : ys[i / cells] }
    let shades = ["#f7fbff", "#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#08519c"]
    for (index, (title, model)) in models.enumerated() {
        let axes = Axes(left: 80 + Double(index) * (panel + gap), top: top, width: panel, height: panel, bounds: bounds)
        let density = try model.logLikelihoods(grid)
        let peak = density.max() ?? 0
        let n = Double(data.rows)
        let logLikelihood = try model.score(data) * n
        let bic = -2 * logLikelihood + Double(model.parameterCount) * Foundation.log(n)
        let heading = "\(title): log-likelihood \(String(format: "%.1f", logLikelihood)), BIC \(String(format: "%.1f", bic))"
        var parts = ["<g class=\"panel\">", "<g class=\"density\">"]
        let (cellWidth, cellHeight) = (panel / Double(cells), panel / Double(cells))
        for i in 0..<(cells * cells) {
            // Band 7 is within a factor e of the peak, band 0 more than e⁸ below it (left white).
            let band = Swift.min(7, Int((density[i] - peak + 8).rounded(.down)))
            guard band > 0 else { continue }
            let (column, row) = (i % cells, i / cells)
            parts.append("<rect x=\"\(svgNumber(axes.left + Double(column) * cellWidth))\" y=\"\(svgNumber(axes.top + Double(row) * cellHeight))\" "
                         + "width=\"\(svgNumber(cellWidth + 0.3))\" height=\"\(svgNumber(cellHeight + 0.3))\" fill=\"\(shades[band])\"/>")
        }
        parts.append("</g>")
        parts.append(axes.frame(title: heading, xLabel: names[0], yLabel: names[1]))
        for point in points {
            parts.append("<circle cx=\"\(svgNumber(axes.x(point.0)))\" cy=\"\(svgNumber(axes.y(point.1)))\" r=\"1.8\" fill=\"#111\" fill-opacity=\"0.7\"/>")
        }
        parts.append("</g>")
        figure.add(parts.joined(separator: "\n"))
    }
    // The shading's key.
    var key = ["<g class=\"legend\">"]
    let left = keyLeft
    for band in 1...7 {
        let y = top + 20 + Double(7 - band) * 18
        key.append("<rect x=\"\(svgNumber(left))\" y=\"\(svgNumber(y - 10))\" width=\"14\" height=\"14\" fill=\"\(shades[band])\" stroke=\"#999\" stroke-width=\"0.5\"/>")
        key.append("<text x=\"\(svgNumber(left + 20))\" y=\"\(svgNumber(y + 1))\" font-size=\"11\" fill=\"#222\">\(keyLabels[band - 1])</text>")
    }
    key.append("</g>")
    figure.add(key.joined(separator: "\n"))
    return figure
}
