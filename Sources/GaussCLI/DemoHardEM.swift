import Clustering
import Foundation
import LinearAlgebra

/// k-means as hard EM beside soft EM, from the same start: each k-means
/// panel shows the centres after t Lloyd iterations and the assignments they
/// make (each point wholly its nearest centre's), each EM panel the
/// parameters after t iterations and the responsibilities they give (each
/// point's colour mixed in those proportions).
///
/// k-means is the limit of EM with equal spherical covariances σ²I as
/// σ → 0: responsibilities become 0 or 1 and the M-step's means become the
/// centres of the assigned points.
func hardAndSoftEMFigure(data: Matrix<Double>, names: [String], emSnapshots: [(String, GaussianMixtureModel)]) throws -> SVGFigure {
    let start = emSnapshots[0].1
    let shown = [0, 1, 2, 3]
    // The centres after t iterations, from the EM start's means.
    func kMeans(iterations: Int) throws -> KMeansModel {
        try describing("faithful.csv") {
            try KMeans(clusterCount: start.componentCount, initialization: .centers(start.means),
                       maxIterations: iterations, tolerance: 0).fit(data)
        }
    }
    var hard: [(title: String, centers: Matrix<Double>)] = [("start", start.means)]
    for t in shown.dropFirst() { hard.append(("iteration \(t)", try kMeans(iterations: t).centers)) }
    let converged = try kMeans(iterations: 300)
    hard.append(("iteration \(converged.iterationCount) (converged)", converged.centers))
    let soft = emSnapshots.filter { snapshot in shown.contains { snapshot.0 == ($0 == 0 ? "start" : "iteration \($0)") } } + [emSnapshots.last!]

    let projection = Projection.coordinates(0, 1, dimension: 2, names: names)
    let points = projection.points(data)
    let ellipses = soft.flatMap { projection.components(of: $0.1).flatMap { $0.ellipse(radius: 2) } }
    let bounds = Bounds(covering: points + ellipses)
    let panel = (width: 250.0, height: 210.0), gap = (x: 70.0, y: 95.0), top = 120.0
    let columns = Double(hard.count)
    var figure = SVGFigure(width: 120 + columns * (panel.width + gap.x), height: top + 2 * (panel.height + gap.y) + 10)
    figure.add("<text x=\"30\" y=\"30\" font-size=\"18\" font-weight=\"bold\" fill=\"#111\">k-means is hard EM: the same start on Old Faithful</text>")
    figure.add("<text x=\"30\" y=\"52\" font-size=\"12\" fill=\"#333\">Top: k-means, each point wholly its nearest centre's. "
               + "Bottom: EM with full covariances, each point's colour mixed by its responsibilities.</text>")
    for (row, label) in ["k-means (hard assignments)", "EM (soft assignments)"].enumerated() {
        let y = top + Double(row) * (panel.height + gap.y) + panel.height / 2
        figure.add("<text transform=\"translate(24 \(svgNumber(y))) rotate(-90)\" font-size=\"13\" font-weight=\"bold\" "
                   + "text-anchor=\"middle\" fill=\"#111\">\(xmlEscaped(label))</text>")
    }
    for (index, step) in hard.enumerated() {
        let axes = Axes(left: 100 + Double(index) * (panel.width + gap.x), top: top, width: panel.width, height: panel.height, bounds: bounds)
        let labels = try describing("faithful.csv") {
            try KMeansModel(centers: step.centers, labels: [], inertia: 0, iterationCount: 0).predict(data)
        }
        let centers = projection.points(step.centers)
        // Centres only: a point component with no spread draws no ellipse.
        var panelText = scatterPanel(axes, title: step.title, xLabel: projection.xLabel, yLabel: projection.yLabel,
                                     points: points, labels: labels, components: [])
        for (k, center) in centers.enumerated() {
            let mx = axes.x(center.0), my = axes.y(center.1)
            panelText += "\n<path class=\"center\" d=\"M\(svgNumber(mx - 6)),\(svgNumber(my - 6))L\(svgNumber(mx + 6)),\(svgNumber(my + 6))"
                + "M\(svgNumber(mx - 6)),\(svgNumber(my + 6))L\(svgNumber(mx + 6)),\(svgNumber(my - 6))\" stroke=\"\(componentColor(k))\" stroke-width=\"3\"/>"
        }
        figure.add(panelText)
    }
    for (index, (title, model)) in soft.enumerated() {
        let axes = Axes(left: 100 + Double(index) * (panel.width + gap.x), top: top + panel.height + gap.y,
                        width: panel.width, height: panel.height, bounds: bounds)
        let responsibilities = try describing("faithful.csv") { try model.predictProbabilities(data) }
        let colors = (0..<data.rows).map { blendedColor(responsibilities.row($0)) }
        figure.add(scatterPanel(axes, title: title, xLabel: projection.xLabel, yLabel: projection.yLabel,
                                points: points, labels: nil, components: projection.components(of: model), colors: colors))
    }
    return figure
}
