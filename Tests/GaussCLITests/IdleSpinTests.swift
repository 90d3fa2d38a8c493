import Clustering
import Foundation
import LinearAlgebra
import Testing

/// `gauss` shortens the time OpenBLAS's idle threads spin (stopping and
/// restarting them as it starts), unless the user chose the time.
@Suite struct IdleSpinTests {
    /// The test's environment without OPENBLAS_THREAD_TIMEOUT, plus `extra`.
    func environment(_ extra: [String: String] = [:]) -> [String: String] {
        sameKernelsEnvironment.filter { $0.key != "OPENBLAS_THREAD_TIMEOUT" }.merging(extra) { $1 }
    }

    @Test func gaussShortensTheSpinUnlessTheUserSetIt() throws {
        let shortened = try gauss(["info"], environment: environment())
        try #require(shortened.status == 0, "\(shortened.stderr)")
        #expect(shortened.stdout.contains(
            "BLAS idle spin: 2^\(BLASThreading.shortIdleSpinExponent) cycles (set by gauss; OpenBLAS's own is 2^28, about 0.1 s)"),
            "\(shortened.stdout)")
        let chosen = try gauss(["info"], environment: environment(["OPENBLAS_THREAD_TIMEOUT": "12"]))
        try #require(chosen.status == 0, "\(chosen.stderr)")
        #expect(chosen.stdout.contains("BLAS idle spin: 2^12 cycles (OPENBLAS_THREAD_TIMEOUT=12 set by the user)"), "\(chosen.stdout)")
    }

    @Test func restartedThreadsFitAsTheLibraryDoes() throws {
        // d = 160: the M-step's Cholesky factors, inverses and products run
        // on OpenBLAS's threads, the ones gauss stopped and started again.
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var generator = Xoshiro256StarStar(seed: 5)
        var data = Matrix<Double>.normal(rows: 3000, columns: 160, using: &generator)
        for i in 0..<1500 { for j in 0..<160 { data[i, j] += 1 } }
        let path = dir.appendingPathComponent("wide.npy").path
        try Npy.write(data, to: path)
        let run = try gauss(["fit", path, "-k", "2", "--max-iter", "3"], environment: environment())
        try #require(run.status == 0, "\(run.stderr)")
        let model = try JSONDecoder().decode(GaussianMixtureModel.self, from: Data(run.stdout.utf8))
        let expected = try GaussianMixture(componentCount: 2, maxIterations: 3, seed: 0).fit(data)
        // This process may run those products on one thread (another test's
        // section), which sums in another order: equal to rounding.
        #expect(abs(model.lowerBound - expected.lowerBound) <= 1e-10 * abs(expected.lowerBound),
                "\(model.lowerBound) vs \(expected.lowerBound)")
        for k in 0..<2 {
            for j in 0..<160 {
                #expect(abs(model.means[k, j] - expected.means[k, j]) <= 1e-9 * (1 + abs(expected.means[k, j])))
            }
        }
    }
}
