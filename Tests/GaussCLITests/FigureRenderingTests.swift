import Foundation
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
        #expect(try gauss("demo", "--output", path("demo.svg")).status == 0)
        #expect(try gauss("select", faithful, "--components", "1...4", "--plot", path("bic.svg")).status == 0)
        #expect(try gauss("select", faithful, "--components", "1...3", "--models", "all", "--plot", path("bic-mclust.svg")).status == 0)
        for name in ["k12.svg", "faithful.svg", "waiting.svg", "demo.svg", "bic.svg", "bic-mclust.svg"] {
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
