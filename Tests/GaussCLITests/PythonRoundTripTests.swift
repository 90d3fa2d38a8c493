import Foundation
import TestSupport
import Testing

/// python/gauss_sklearn.py against the built `gauss`: Gauss → scikit-learn
/// → Gauss with the same labels, probabilities and scores, and models
/// scikit-learn fitted read by `gauss` (python/test_roundtrip.py). Runs when
/// a Python with scikit-learn is found: `GAUSS_TEST_PYTHON`, the one
/// `scripts/test` makes in `.venv-test`, or `python3`.
@Suite struct PythonRoundTripTests {
    static let python: String? = {
        let onPath = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map { "\($0)/python3" }
        var candidates = [packageRoot.appendingPathComponent(".venv-test/bin/python").path] + onPath
        if let given = ProcessInfo.processInfo.environment["GAUSS_TEST_PYTHON"] { candidates.insert(given, at: 0) }
        return candidates.first { path in
            FileManager.default.isExecutableFile(atPath: path)
                && (try? runChild(path, ["-c", "import numpy, sklearn"], timeout: 120))?.status == 0
        }
    }()

    @Test(.enabled(if: python != nil, "no Python with scikit-learn here (scripts/test makes .venv-test)"))
    func modelsGoToScikitLearnAndBack() throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let script = packageRoot.appendingPathComponent("python/test_roundtrip.py").path
        let run = try runChild(Self.python!, [script, gaussExecutable.path, faithful, dir.path], environment: sameKernelsEnvironment,
                               timeout: 600)
        #expect(run.status == 0 && run.stdout.contains("round trip: ok"), "\(run.stdout)\n\(run.stderr)")
    }
}
