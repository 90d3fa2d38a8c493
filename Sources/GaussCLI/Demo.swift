import ArgumentParser
import Clustering
import Foundation
import LinearAlgebra

struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fit the bundled Old Faithful data by EM and draw the lecture's figures.",
        discussion: """
            Old Faithful: 272 eruptions of the geyser, each its duration and the wait before it \
            (minutes). Prints the fitted two-component mixture and writes, to --output-directory:

              em-old-faithful.svg      EM from a poor start: the start, iterations 1 to 6 and \
            iteration 20 (or the converged one), every point coloured by its responsibilities, \
            the 1σ and 2σ ellipses, and the lower bound per iteration
              divided-differences.svg  the error of forward and central differences of x³ \
            against the step h, at three x, beside the exact dual-number derivative
              mixture-density.svg      the fitted density as filled contours with the data on top, \
            one Gaussian beside the two-component mixture
              kmeans-hard-em.svg       k-means as hard EM beside soft EM from the same start: \
            assignments and centres for the first iterations and the converged ones
              forward-reverse.svg      the measured cost of a gradient by forward mode (a pass \
            per input) against reverse mode (one backward pass) as the inputs grow, and of a \
            Jacobian as the outputs grow

            Example:
              gauss demo --output-directory figures
            """
    )

    @Option(name: .customLong("output-directory"), help: "Where the figures go (created if missing).")
    var outputDirectory: String = "."

    @Option(name: .shortAndLong, help: "The EM figure's file instead of DIR/em-old-faithful.svg.")
    var output: String?

    /// The figures, by file name.
    static let emFigureName = "em-old-faithful.svg", dividedDifferencesFigureName = "divided-differences.svg"
    static let mixtureDensityFigureName = "mixture-density.svg", hardEMFigureName = "kmeans-hard-em.svg"
    static let forwardReverseFigureName = "forward-reverse.svg"

    func run() throws {
        try makeDirectory(outputDirectory)
        let directory = URL(fileURLWithPath: outputDirectory)
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
            let last = model.converged || iteration == estimator.maxIterations
            if iteration <= 6 || last {
                snapshots.append(("iteration \(iteration)\(model.converged ? " (converged)" : "")", model))
            }
            if last { break }
        }
        try writeStandardOutput(summary(model, names: names) + "\n")
        let emPath = output ?? directory.appendingPathComponent(Self.emFigureName).path
        try writeOutput(figure(data: data, names: names, snapshots: snapshots, history: model.lowerBoundHistory).text, to: emPath)
        let differencesPath = directory.appendingPathComponent(Self.dividedDifferencesFigureName).path
        try writeOutput(dividedDifferencesFigure().text, to: differencesPath)
        // The same data under one Gaussian, beside the two-component fit.
        let single = try describing("faithful.csv") { try GaussianMixture(componentCount: 1).fit(data) }
        let densityPath = directory.appendingPathComponent(Self.mixtureDensityFigureName).path
        try writeOutput(mixtureDensityFigure(data: data, names: names, models: [("one Gaussian", single), ("two components", model)]).text,
                        to: densityPath)
        let hardEMPath = directory.appendingPathComponent(Self.hardEMFigureName).path
        try writeOutput(hardAndSoftEMFigure(data: data, names: names, emSnapshots: snapshots).text, to: hardEMPath)
        let forwardReversePath = directory.appendingPathComponent(Self.forwardReverseFigureName).path
        try writeOutput(forwardReverseFigure(ForwardReverseCosts.measure()).text, to: forwardReversePath)
        try writeStandardOutput("EM at work drawn in \(emPath)\ndivided differences drawn in \(differencesPath)\n"
                                + "one Gaussian against the mixture drawn in \(densityPath)\n"
                                + "k-means as hard EM drawn in \(hardEMPath)\n"
                                + "forward against reverse mode drawn in \(forwardReversePath)\n")
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
        let top = 120.0, columns = 3.0
        let rows = ((Double(snapshots.count + 1)) / columns).rounded(.up)
        var figure = SVGFigure(width: columns * (panel.width + gap.x) + 40, height: top + rows * (panel.height + gap.y) + 10)
        figure.add("<text x=\"30\" y=\"30\" font-size=\"18\" font-weight=\"bold\" fill=\"#111\">EM on Old Faithful: two Gaussian components</text>")
        figure.add("<text x=\"30\" y=\"52\" font-size=\"12\" fill=\"#333\">Each point is coloured by its responsibilities: "
                   + "its colour mixes the components' in the proportions EM assigns it.</text>")
        func place(_ index: Int) -> (left: Double, top: Double) {
            let column = Double(index % Int(columns)), row = Double(index / Int(columns))
            return (80 + column * (panel.width + gap.x), top + row * (panel.height + gap.y))
        }
        for (index, (title, model)) in snapshots.enumerated() {
            let corner = place(index)
            let axes = Axes(left: corner.left, top: corner.top, width: panel.width, height: panel.height, bounds: bounds)
            // Responsibilities under this snapshot's parameters blend the colours.
            let responsibilities = (try? model.predictProbabilities(data)) ?? Matrix(rows: data.rows, columns: model.componentCount)
            let colors = (0..<data.rows).map { blendedColor(responsibilities.row($0)) }
            figure.add(scatterPanel(axes, title: title, xLabel: projection.xLabel, yLabel: projection.yLabel,
                                    points: points, labels: nil, components: projection.components(of: model), colors: colors))
        }
        // The lower bound per iteration, in the next cell.
        let iterations = history.indices.map { Double($0 + 1) }
        let line = Array(zip(iterations, history))
        let lineBounds = Bounds(covering: line)
        let corner = place(snapshots.count)
        let axes = Axes(left: corner.left, top: corner.top, width: panel.width, height: panel.height, bounds: lineBounds)
        var parts = ["<g class=\"panel\">", axes.frame(title: "lower bound per iteration", xLabel: "iteration", yLabel: "mean log-likelihood")]
        parts.append(axes.path(line, attributes: "fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"2\""))
        for point in line {
            parts.append("<circle cx=\"\(svgNumber(axes.x(point.0)))\" cy=\"\(svgNumber(axes.y(point.1)))\" r=\"3\" fill=\"#1f77b4\"/>")
        }
        parts.append("</g>")
        figure.add(parts.joined(separator: "\n"))
        let weights = snapshots.last!.1.weights
        figure.add(legend(x: figure.width - legendWidth(weights: weights) - 20, y: 24, weights: weights))
        return figure
    }
}

/// Creates `path` (and its parents) unless it is a directory already, with
/// an error that names it: a file, a FIFO or a symlink to one in the way,
/// or a place that cannot be written.
func makeDirectory(_ path: String) throws {
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
        guard isDirectory.boolValue else { throw DataError("\(path): is not a directory") }
        return
    }
    do {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    } catch {
        throw DataError("\(path): cannot create the directory (\((error as NSError).localizedDescription))")
    }
}

