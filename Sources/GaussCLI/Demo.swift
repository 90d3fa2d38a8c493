import ArgumentParser
import Clustering
import Foundation
import LinearAlgebra

struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fit the bundled Old Faithful data with two full-covariance components and draw EM at work.",
        discussion: """
            Old Faithful: 272 eruptions of the geyser, each its duration and the wait before it \
            (minutes). EM starts from deliberately poor parameters so that the picture shows the \
            components moving: the start, iterations 1, 2 and 5, the last iteration (20, or earlier \
            at convergence), and the lower bound per iteration.

            Example:
              gauss demo --output em.svg
            """
    )

    @Option(name: .shortAndLong, help: "The SVG file to write.")
    var output: String = "gauss-demo.svg"

    func run() throws {
        let names = OldFaithful.columnNames
        let data = Matrix<Double>(rows: OldFaithful.rows.count, columns: 2) { i, j in
            j == 0 ? OldFaithful.rows[i].eruptions : OldFaithful.rows[i].waiting
        }
        // A poor start in the spirit of the classic lecture figure (Bishop's
        // Figure 9.8): means placed across the clusters' axis, covariances the
        // features' variances, uncorrelated. (Placed exactly symmetrically,
        // EM stalls near the symmetric saddle; this start is lopsided.)
        let estimator = GaussianMixture(componentCount: 2, covarianceType: .full, tolerance: 1e-6, maxIterations: 20)
        let n = Double(data.rows)
        let mean = data.columnSums().map { $0 / n }
        let variance = (0..<2).map { j in (0..<data.rows).reduce(0) { $0 + (data[$1, j] - mean[j]) * (data[$1, j] - mean[j]) } / n }
        let sd = variance.map { $0.squareRoot() }
        let start = Matrix<Double>(diagonal: variance)
        var model = try GaussianMixtureModel(
            weights: [0.5, 0.5],
            means: Matrix([[mean[0] - 1.5 * sd[0], mean[1] + sd[1]], [mean[0] + sd[0], mean[1] - 0.5 * sd[1]]]),
            covariances: .full([start, start]))
        var snapshots: [(String, GaussianMixtureModel)] = [("start", model)]
        for iteration in 1...estimator.maxIterations {
            let statistics = try describing("faithful.csv") { try model.statistics(of: data) }
            model = try describing("faithful.csv") { try estimator.model(from: statistics, previous: model) }
            if [1, 2, 5].contains(iteration) { snapshots.append(("iteration \(iteration)", model)) }
            if model.converged || iteration == estimator.maxIterations {
                snapshots.append(("iteration \(iteration)\(model.converged ? " (converged)" : "")", model))
                break
            }
        }
        try writeStandardOutput(summary(model, names: names) + "\n")
        try writeOutput(figure(data: data, names: names, snapshots: snapshots, history: model.lowerBoundHistory).text,
                        to: output)
        try writeStandardOutput("EM at work drawn in \(output)\n")
    }

    private func summary(_ model: GaussianMixtureModel, names: [String]) -> String {
        var text = "Old Faithful (\(names.joined(separator: ", "))), 2 full-covariance components, "
        text += "\(model.iterationCount) EM iterations, lower bound \(model.lowerBound)\n"
        for k in 0..<model.componentCount {
            let sigma = model.covariances.matrix(component: k, dimension: model.dimension)
            text += "component \(k): weight \(model.weights[k])\n"
            text += "  mean        \(model.means.row(k).map(\.description).joined(separator: ", "))\n"
            text += "  covariance  [\(sigma.row(0).map(\.description).joined(separator: ", "))]\n"
            text += "              [\(sigma.row(1).map(\.description).joined(separator: ", "))]\n"
        }
        return text
    }

    private func figure(data: Matrix<Double>, names: [String], snapshots: [(String, GaussianMixtureModel)], history: [Double]) -> SVGFigure {
        let projection = Projection.coordinates(0, 1, dimension: 2, names: names)
        let points = projection.points(data)
        let allEllipses = snapshots.flatMap { projection.components(of: $0.1).flatMap { $0.ellipse(radius: 2) } }
        let bounds = Bounds(covering: points + allEllipses)
        let panel = (width: 300.0, height: 240.0), gap = (x: 90.0, y: 90.0)
        let top = 120.0
        var figure = SVGFigure(width: 3 * (panel.width + gap.x) + 40, height: top + 2 * (panel.height + gap.y) + 10)
        figure.add("<text x=\"30\" y=\"30\" font-size=\"18\" font-weight=\"bold\" fill=\"#111\">EM on Old Faithful: two Gaussian components</text>")
        for (index, (title, model)) in snapshots.enumerated() {
            let column = Double(index % 3), row = Double(index / 3)
            let axes = Axes(left: 80 + column * (panel.width + gap.x), top: top + row * (panel.height + gap.y),
                            width: panel.width, height: panel.height, bounds: bounds)
            // Points take the colour of their most probable component under this snapshot.
            let labels = (try? model.predict(data)) ?? []
            figure.add(scatterPanel(axes, title: title, xLabel: projection.xLabel, yLabel: projection.yLabel,
                                    points: points, labels: labels, components: projection.components(of: model)))
        }
        // The lower bound per iteration, in the sixth cell.
        let iterations = history.indices.map { Double($0 + 1) }
        let line = Array(zip(iterations, history))
        let lineBounds = Bounds(covering: line)
        let axes = Axes(left: 80 + 2 * (panel.width + gap.x), top: top + panel.height + gap.y,
                        width: panel.width, height: panel.height, bounds: lineBounds)
        var parts = ["<g class=\"panel\">", axes.frame(title: "lower bound per iteration", xLabel: "iteration", yLabel: "mean log-likelihood")]
        parts.append(axes.path(line, attributes: "fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"2\""))
        for point in line {
            parts.append("<circle cx=\"\(svgNumber(axes.x(point.0)))\" cy=\"\(svgNumber(axes.y(point.1)))\" r=\"3\" fill=\"#1f77b4\"/>")
        }
        parts.append("</g>")
        figure.add(parts.joined(separator: "\n"))
        figure.add(legend(x: figure.width - 300, y: 24, weights: snapshots.last!.1.weights))
        return figure
    }
}
