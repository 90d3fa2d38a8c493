import ArgumentParser
import Clustering
import Foundation
import LinearAlgebra

/// A linear map from d dimensions to the plane of a picture: two chosen
/// coordinates, or the data's first two principal components.
struct Projection {
    let origin: [Double]
    /// d×2: the plane's axes as columns.
    let axes: Matrix<Double>
    let xLabel: String, yLabel: String
    /// Whether both axes are in the same units (principal components are;
    /// two chosen columns may not be).
    var sharesUnits = false

    static func coordinates(_ i: Int, _ j: Int, dimension d: Int, names: [String]?) -> Projection {
        let axes = Matrix<Double>(rows: d, columns: 2) { row, column in (column == 0 ? i : j) == row ? 1 : 0 }
        return Projection(origin: [Double](repeating: 0, count: d), axes: axes,
                          xLabel: names?[i] ?? "feature \(i)", yLabel: names?[j] ?? "feature \(j)")
    }

    /// The plane of largest variance of `data`.
    static func principal(_ data: Matrix<Double>) throws -> Projection {
        let n = Double(data.rows), d = data.columns
        let mean = data.columnSums().map { $0 / n }
        let centered = Matrix<Double>(rows: data.rows, columns: d) { data[$0, $1] - mean[$1] }
        var covariance = Matrix<Double>(rows: d, columns: d)
        BLAS.syrk(centered, into: &covariance, transpose: .transpose, alpha: 1 / n)
        covariance.symmetrize(from: .lower)
        let eigen: SymmetricEigendecomposition<Double>
        do { eigen = try SymmetricEigendecomposition(covariance) } catch { throw DataError("cannot find principal components: \(error)") }
        // Eigenvalues ascend: the last two columns span the plane of largest variance.
        let axes = Matrix<Double>(rows: d, columns: 2) { row, column in eigen.vectors[row, d - 1 - column] }
        return Projection(origin: mean, axes: axes, xLabel: "principal component 1", yLabel: "principal component 2", sharesUnits: true)
    }

    func points(_ data: Matrix<Double>) -> [(Double, Double)] {
        (0..<data.rows).map { i in project(data.row(i)) }
    }

    func project(_ x: [Double]) -> (Double, Double) {
        var p = (0.0, 0.0)
        for j in x.indices {
            p.0 += (x[j] - origin[j]) * axes[j, 0]
            p.1 += (x[j] - origin[j]) * axes[j, 1]
        }
        return p
    }

    /// Each component's mean and covariance seen in the plane (Wᵀ·Σ·W).
    func components(of model: any MixtureModel) -> [PlanarGaussian] {
        (0..<model.componentCount).map { k in
            let sigma = model.covariances.matrix(component: k, dimension: model.dimension)
            let projected = axes.matmul(sigma.matmul(axes), transposeSelf: .transpose)
            return PlanarGaussian(mean: project(model.means.row(k)), a: projected[0, 0], b: projected[0, 1],
                                  c: projected[1, 1], weight: model.weights[k])
        }
    }
}

struct Plot: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Draw the data coloured by predicted component, with each component's 1σ and 2σ ellipses, as SVG.",
        discussion: """
            Data with more than two columns are shown in the plane of their first two principal \
            components, or of the two columns given with --dims. Of more than 20 000 rows, every \
            k-th is read and drawn (and the principal components are those of the rows drawn).

            Examples:
              gauss plot model.json data.csv --output picture.svg
              gauss plot model.json data.csv --dims 0,2 --output picture.svg
            """
    )

    @OptionGroup var input: ModelAndData

    @Option(name: .shortAndLong, help: "The SVG file to write.")
    var output: String

    @Option(help: "Two 0-based columns to plot, like 0,2, instead of principal components.")
    var dims: String?

    /// The most points one picture draws.
    static let maximumPoints = 20_000

    func parsedDims() throws -> (Int, Int)? {
        guard let dims else { return nil }
        let parts = dims.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 2, parts[0] >= 0, parts[1] >= 0, parts[0] != parts[1] else {
            throw ValidationError("--dims takes two different 0-based columns like 0,2; got \(dims)")
        }
        return (parts[0], parts[1])
    }

    func validate() throws { _ = try parsedDims() }

    func run() throws {
        try checkOutput(output, isNotAnyOf: [input.model, input.data])
        let model = try readModel(input.model)
        let columns = try input.columnList ?? modelColumns(input.model)
        let source = try openFitInput(input.data, columns: columns, dtype: nil,
                                      memoryBudget: Int(clamping: ProcessInfo.processInfo.physicalMemory), delimiter: input.delimiter.byte)
        guard source.columns == model.dimension else {
            throw DataError("\(input.data) has \(source.columns) columns but \(input.model) was fitted to \(model.dimension)")
        }
        // No rows: nothing to place, and the axes' ranges would be NaN.
        guard source.rows > 0 else { throw DataError("\(input.data) has no rows to plot") }
        // Beyond 20 000 points an SVG becomes slow to view: draw (and read,
        // project and label) every k-th row only; a .npy file is never read whole.
        let total = source.rows
        let stride = max(1, (total + Self.maximumPoints - 1) / Self.maximumPoints)
        let shown = Swift.stride(from: 0, to: total, by: stride).map { $0 }
        let data = Matrix<Double>(rows: shown.count, columns: source.columns, elements: shown.flatMap { source.row($0) })
        let labels: [Int] = try describing(input.data) { try model.predict(data) }
        // Axis names: the header's, for the columns --columns selected.
        let names = csvHeader(input.data, columns: columns, delimiter: input.delimiter.byte)
        let projection: Projection
        if let (i, j) = try parsedDims() {
            guard i < data.columns && j < data.columns else {
                throw ValidationError("--dims \(i),\(j) is out of range for data with \(data.columns) columns")
            }
            projection = .coordinates(i, j, dimension: data.columns, names: names)
        } else if data.columns == 1 {
            // One column: a histogram with the fitted density over it.
            let title = "\(model.componentCount)-component \(model.covarianceType.rawValue) mixture, "
                + (shown.count == total ? "\(total) points" : "\(shown.count) of \(total) points shown")
            let figure = histogramFigure(values: data.elements, model: model, title: title, xLabel: names?.first ?? "feature 0")
            return try writeOutput(figure.text, to: output)
        } else if data.columns == 2 {
            projection = .coordinates(0, 1, dimension: 2, names: names)
        } else {
            projection = try .principal(data)
        }
        let points = projection.points(data)
        let components = projection.components(of: model)
        var bounds = Bounds(covering: points + components.flatMap { $0.ellipse(radius: 2) })
        // Principal components share the data's units: a circle stays round.
        if projection.sharesUnits { bounds = bounds.equalAspect(width: 460, height: 460) }
        // The legend is measured, so that no label runs off the page.
        let width = max(720, 550 + legendWidth(weights: model.weights) + 20)
        var figure = SVGFigure(width: width, height: max(560, 100 + 16 * Double(model.componentCount)))
        let axes = Axes(left: 70, top: 40, width: 460, height: 460, bounds: bounds)
        let count = shown.count == total ? "\(total) points" : "\(shown.count) of \(total) points shown"
        var kind = "mixture"
        if let bayesian = model as? BayesianGaussianMixtureModel {
            kind = "variational mixture (\(bayesian.activeComponents().count) with weight above 0.01)"
        }
        let title = "\(model.componentCount)-component \(model.covarianceType.rawValue) \(kind), \(count)"
        figure.add(scatterPanel(axes, title: title, xLabel: projection.xLabel, yLabel: projection.yLabel,
                                points: points, labels: labels, components: components))
        figure.add(legend(x: 550, y: 60, weights: model.weights))
        try writeOutput(figure.text, to: output)
    }
}

/// A histogram of one column, as a density, with the fitted mixture's
/// density and each component's weighted density drawn over it.
func histogramFigure(values: [Double], model: any MixtureModel, title: String, xLabel: String) -> SVGFigure {
    let k = model.componentCount
    let means = (0..<k).map { model.means[$0, 0] }
    let deviations = (0..<k).map { model.covariances.matrix(component: $0, dimension: 1)[0, 0].squareRoot() }
    func density(_ c: Int, _ x: Double) -> Double {
        let z = (x - means[c]) / deviations[c]
        return model.weights[c] * exp(-0.5 * z * z) / (deviations[c] * (2 * Double.pi).squareRoot())
    }
    // The range of the data and of each component's ±3σ.
    let low = min(values.min() ?? 0, (0..<k).map { means[$0] - 3 * deviations[$0] }.min() ?? 0)
    let high = max(values.max() ?? 1, (0..<k).map { means[$0] + 3 * deviations[$0] }.max() ?? 1)
    let binCount = min(60, max(10, Int(Double(values.count).squareRoot())))
    let binWidth = max(high - low, 1e-12) / Double(binCount)
    var counts = [Int](repeating: 0, count: binCount)
    for value in values { counts[min(binCount - 1, max(0, Int((value - low) / binWidth)))] += 1 }
    let heights = counts.map { Double($0) / (Double(values.count) * binWidth) }
    let grid = (0...400).map { low + (high - low) * Double($0) / 400 }
    let total = grid.map { x in (0..<k).reduce(0.0) { $0 + density($1, x) } }
    let bounds = Bounds(covering: [(low, 0), (high, max(heights.max() ?? 0, total.max() ?? 0))])
    let axes = Axes(left: 70, top: 40, width: 460, height: 460, bounds: bounds)
    let width = max(720, 550 + legendWidth(weights: model.weights) + 20)
    var figure = SVGFigure(width: width, height: max(560, 100 + 16 * Double(k)))
    var parts = ["<g class=\"panel\">", axes.frame(title: title, xLabel: xLabel, yLabel: "density")]
    for (bin, height) in heights.enumerated() where height > 0 {
        let x0 = axes.x(low + Double(bin) * binWidth), x1 = axes.x(low + Double(bin + 1) * binWidth)
        parts.append("<rect class=\"bar\" x=\"\(svgNumber(x0))\" y=\"\(svgNumber(axes.y(height)))\" width=\"\(svgNumber(x1 - x0))\" "
                     + "height=\"\(svgNumber(axes.y(0) - axes.y(height)))\" fill=\"#bbb\" stroke=\"white\" stroke-width=\"0.5\"/>")
    }
    for c in 0..<k {
        parts.append(axes.path(grid.map { ($0, density(c, $0)) },
                               attributes: "class=\"density\" fill=\"none\" stroke=\"\(componentColor(c))\" stroke-width=\"1.5\" stroke-dasharray=\"5,3\""))
    }
    parts.append(axes.path(Array(zip(grid, total)), attributes: "class=\"density\" fill=\"none\" stroke=\"#111\" stroke-width=\"2\""))
    parts.append("</g>")
    figure.add(parts.joined(separator: "\n"))
    figure.add(legend(x: 550, y: 60, weights: model.weights, densities: true))
    return figure
}

