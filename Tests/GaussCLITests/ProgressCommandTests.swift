import Clustering
import Foundation
import Testing

/// What `fit` and `select` say on stderr while they work.
@Suite struct ProgressCommandTests {
    @Test func fitVerboseDescribesTheFitAndEveryStart() throws {
        let run = try gauss("fit", faithful, "-k", "3", "--n-init", "2", "--verbose")
        #expect(run.status == 0, "\(run.stderr)")
        let lines = run.stderr.split(separator: "\n").map(String.init)
        #expect(lines.contains("gauss: 272 rows × 2 columns (float64), K = 3, full covariance (mclust's VVV), kmeans start, 2 starts"),
                "\(run.stderr)")
        // Each start's k-means reports its iterations before EM's.
        let kmeans = lines.indices.filter { lines[$0].hasPrefix("k-means start: iteration ") }
        let starts = lines.indices.filter { lines[$0].hasPrefix("EM, start ") }
        #expect(starts.count == 2 && lines[starts[0]] == "EM, start 1 of 2" && lines[starts[1]] == "EM, start 2 of 2")
        #expect(kmeans.count >= 2 && kmeans.first! < starts[0] && kmeans.contains { $0 > starts[0] && $0 < starts[1] })
    }

    @Test func nonConvergenceIsReportedWithOrWithoutAnOutputFile() throws {
        let toStandardOutput = try gauss("fit", faithful, "-k", "3", "--max-iter", "1")
        #expect(toStandardOutput.status == 0 && toStandardOutput.stderr.contains("gauss: did not converge after 1 iterations"),
                "\(toStandardOutput.stderr)")
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let toFile = try gauss("fit", faithful, "-k", "3", "--max-iter", "1", "-o", dir.appendingPathComponent("m.json").path)
        #expect(toFile.status == 0 && toFile.stderr.contains("did not converge after 1 iterations"), "\(toFile.stderr)")
        let converged = try gauss("fit", faithful, "-k", "2")
        #expect(converged.status == 0 && !converged.stderr.contains("did not converge"), "\(converged.stderr)")
    }

    @Test func selectVerboseReportsEveryCell() throws {
        let run = try gauss("select", faithful, "--components", "1...3", "--covariance", "full,diag", "--verbose")
        #expect(run.status == 0, "\(run.stderr)")
        let lines = run.stderr.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("gauss: 272 rows × 2 columns (float64), 6 fits: K in 1...3, 2 covariance types") })
        let cells = lines.filter { $0.hasPrefix("[") }
        #expect(cells.count == 6 && (1...6).allSatisfy { n in cells.contains { $0.hasPrefix("[\(n)/6] K = ") } }, "\(run.stderr)")
        #expect(cells.allSatisfy { $0.contains("BIC") && $0.contains("iterations") })
    }
}

/// The shell completions the README documents.
@Suite struct CompletionScriptTests {
    @Test(arguments: ["bash", "zsh", "fish"])
    func completionScriptsNameEveryCommand(_ shell: String) throws {
        let run = try gauss("--generate-completion-script", shell)
        #expect(run.status == 0, "\(run.stderr)")
        for command in ["fit", "predict", "score", "sample", "select", "plot", "kmeans", "demo", "info"] {
            #expect(run.stdout.contains(command), "\(shell) completions lack \(command)")
        }
        #expect(run.stdout.contains("delimiter") && run.stdout.contains("convergence"))
    }
}
