import Foundation
import LinearAlgebra

// Inputs shared by the benchmark suites, drawn the way the comparison
// scripts draw theirs.

/// Well-separated clusters: centers ~ N(0, 9 I), points ~ N(center, I), row
/// i in cluster i mod k.
public func clusteredData<S: BLASScalar>(_: S.Type, rows n: Int, columns d: Int, clusters k: Int, seed: UInt64) -> Matrix<S> {
    var rng = Xoshiro256StarStar(seed: seed)
    let centers = Matrix<Double>.normal(rows: k, columns: d, standardDeviation: 3, using: &rng)
    return Matrix(rows: n, columns: d) { i, j in S(centers[i % k, j] + rng.nextNormal()) }
}

/// Old Faithful, data/faithful.csv of the repository.
public func faithful<S: BLASScalar>(_: S.Type) -> Matrix<S> {
    let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("data/faithful.csv").path
    return try! CSV.read(contentsOf: path, as: S.self).matrix
}

/// The sizes of the EM and k-means suites: label, K, and the data, drawn on
/// first use (the large set is 100 MB in Double).
public func emSizes<S: BLASScalar>(_: S.Type) -> [(label: String, k: Int, data: () -> Matrix<S>)] {
    [("faithful", 2, { faithful(S.self) }),
     ("medium", 32, { clusteredData(S.self, rows: 20_000, columns: 128, clusters: 32, seed: 1) }),
     ("large", 32, { clusteredData(S.self, rows: 100_000, columns: 128, clusters: 32, seed: 2) })]
}

/// Wall-clock seconds `body` takes.
public func elapsedSeconds(_ body: () throws -> Void) rethrows -> Double {
    let start = ContinuousClock.now
    try body()
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
}

/// The integer after `name` in `arguments`, or `fallback`.
public func integerOption(_ name: String, in arguments: [String], default fallback: Int) -> Int {
    arguments.firstIndex(of: name).flatMap { $0 + 1 < arguments.count ? Int(arguments[$0 + 1]) : nil } ?? fallback
}
