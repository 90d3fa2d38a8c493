import Foundation
@testable import GaussCLI
import TestSupport
import Testing

/// Every figure the tool draws, rendered by rsvg-convert (Debian's
/// librsvg2-bin, which scripts/test installs) on a larger page: nothing may
/// be drawn outside the figure's own canvas (scripts/svg-inside-canvas),
/// so no legend or label runs off the page.
@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/rsvg-convert"), "rsvg-convert is not installed"))
struct FigureRenderingTests {
    static func checkInsideCanvas(_ svg: String) throws {
        let run = try runChild(packageRoot.appendingPathComponent("scripts/svg-inside-canvas").path, [svg], timeout: 120)
        #expect(run.status == 0 && run.stdout.contains("inside its"), "\(run.stdout)\(run.stderr)")
    }

    @Test func plotsDemoAndSelectFiguresStayOnTheirPage() throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        func path(_ name: String) -> String { dir.appendingPathComponent(name).path }
        // Twelve components: the longest legend (two-digit labels).
        #expect(try gauss("fit", iris, "-k", "12", "--columns", "0,1,2,3", "--covariance", "diag", "-o", path("k12.json")).status == 0)
        #expect(try gauss("plot", path("k12.json"), iris, "-o", path("k12.svg")).status == 0)
        #expect(try gauss("fit", faithful, "-k", "2", "-o", path("faithful.json")).status == 0)
        #expect(try gauss("plot", path("faithful.json"), faithful, "-o", path("faithful.svg")).status == 0)
        // One column: a histogram with the fitted density.
        #expect(try gauss("fit", faithful, "-k", "2", "--columns", "waiting", "-o", path("waiting.json")).status == 0)
        let histogram = try gauss("plot", path("waiting.json"), faithful, "-o", path("waiting.svg"))
        #expect(histogram.status == 0, "\(histogram.stderr)")
        let text = try String(contentsOfFile: path("waiting.svg"), encoding: .utf8)
        #expect(text.contains("class=\"bar\"") && text.components(separatedBy: "class=\"density\"").count - 1 == 3)
        #expect(try gauss("demo", "--output-directory", dir.path).status == 0)
        #expect(try gauss("select", faithful, "--components", "1...4", "--plot", path("bic.svg")).status == 0)
        #expect(try gauss("select", faithful, "--components", "1...3", "--models", "all", "--plot", path("bic-mclust.svg")).status == 0)
        for name in ["k12.svg", "faithful.svg", "waiting.svg", "em-old-faithful.svg", "divided-differences.svg", "mixture-density.svg",
                     "kmeans-hard-em.svg", "forward-reverse.svg", "bic.svg", "bic-mclust.svg"] {
            try Self.checkInsideCanvas(path(name))
        }
    }

    /// The check fails when something does run off the page.
    @Test func theCheckSeesTextOffThePage() throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let svg = dir.appendingPathComponent("off.svg").path
        try """
            <svg xmlns="http://www.w3.org/2000/svg" width="200" height="100">
            <text x="150" y="50" font-size="11">component 10 (weight 0.123)</text></svg>
            """.write(toFile: svg, atomically: true, encoding: .utf8)
        let run = try runChild(packageRoot.appendingPathComponent("scripts/svg-inside-canvas").path, [svg], timeout: 120)
        #expect(run.status == 1 && run.stdout.contains("pixels drawn outside the 200x100 canvas"), "\(run.stdout)")
    }
}

/// The numbers behind divided-differences.svg: the textbook behaviour,
/// computed, not stored.
@Suite struct DividedDifferencesTests {
    @Test(arguments: DividedDifferences.xs)
    func errorsAreSmallestWhereTheTheorySays(_ x: Double) {
        let steps = DividedDifferences.logSteps
        let forward = DividedDifferences.forwardErrors(at: x), central = DividedDifferences.centralErrors(at: x)
        func bestStep(_ errors: [Double]) -> Double {
            // The typical error near each step (a median of nine), so that a lucky exact result does not win.
            let smoothed = errors.indices.map { i in
                Array(errors[Swift.max(0, i - 4)...Swift.min(errors.count - 1, i + 4)]).sorted()[4 < errors.count ? 4 : 0]
            }
            return steps[smoothed.indices.min { smoothed[$0] < smoothed[$1] }!]
        }
        // Forward differences are best within a decade of √ε ≈ 1.5e-8, central ones of ∛ε ≈ 6e-6.
        #expect(abs(bestStep(forward) - log10(Double.ulpOfOne.squareRoot())) <= 1, "forward best at 1e\(bestStep(forward))")
        #expect(abs(bestStep(central) - log10(cbrt(Double.ulpOfOne))) <= 1, "central best at 1e\(bestStep(central))")
        // At h = 1 the truncation errors are exactly 3x + 1 and 1.
        #expect(abs(forward.last! - (3 * x + 1)) <= 1e-12 && abs(central.last! - 1) <= 1e-12)
        #expect(DividedDifferences.dualError(at: x) == 0)
    }
}

/// The derivatives forward-reverse.svg times are the same derivative, by
/// every method, and the timing gives a finite time per size.
@Suite struct ForwardReverseCostsTests {
    @Test(arguments: [2, 9, 33])
    func everyMethodGivesTheSameDerivative(_ n: Int) {
        let x = ForwardReverseCosts.input(n)
        // ∂f/∂xᵢ = sin(xᵢ₊₁) + xᵢ₋₁·cos(xᵢ), by hand.
        let expected = x.indices.map { i in (i + 1 < n ? sin(x[i + 1]) : 0) + (i > 0 ? x[i - 1] * cos(x[i]) : 0) }
        for (name, gradient) in [("dual", ForwardReverseCosts.forwardGradient(x)), ("lanes", ForwardReverseCosts.forwardLanesGradient(x)),
                                 ("tape", ForwardReverseCosts.reverseGradient(x))] {
            #expect(zip(gradient, expected).allSatisfy { abs($0 - $1) <= 1e-14 }, "\(name): \(gradient) against \(expected)")
        }
        let t = 0.3
        let jacobian = (1...n).map { Double($0) * cos(Double($0) * t) }
        #expect(zip(ForwardReverseCosts.forwardJacobian(t, outputs: n), jacobian).allSatisfy { abs($0 - $1) <= 1e-12 })
        #expect(zip(ForwardReverseCosts.reverseJacobian(t, outputs: n), jacobian).allSatisfy { abs($0 - $1) <= 1e-12 })
    }

    @Test func timesArePositiveAndFinite() {
        let costs = ForwardReverseCosts.measure(sizes: [2, 4])
        #expect(costs.gradient.count == 4 && costs.jacobian.count == 2)
        #expect((costs.gradient + costs.jacobian).allSatisfy { $0.seconds.count == 2 && $0.seconds.allSatisfy { $0 > 0 && $0.isFinite } })
    }
}

/// The README shows every figure the demo draws, from docs/figures, where
/// scripts/figures puts them.
@Suite struct ReadmeFigureTests {
    @Test func theReadmeShowsEveryDemoFigure() throws {
        let readme = try String(contentsOf: packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        for name in [Demo.emFigureName, Demo.hardEMFigureName, Demo.mixtureDensityFigureName, Demo.dividedDifferencesFigureName,
                     Demo.forwardReverseFigureName] {
            #expect(readme.contains("](docs/figures/\(name))"), "the README does not show \(name)")
            let path = packageRoot.appendingPathComponent("docs/figures/\(name)").path
            #expect(FileManager.default.fileExists(atPath: path), "docs/figures/\(name) is missing: run scripts/figures")
        }
    }
}
