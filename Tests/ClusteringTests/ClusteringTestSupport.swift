import Foundation
import LinearAlgebra
import Testing
@testable import Clustering

let fixtureDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
let dataDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("data")

/// The data sets the reference fits were made on, by name.
func referenceData(_ name: String) throws -> Matrix<Double> {
    switch name {
    case "blobs":
        return try Npy.read(contentsOf: fixtureDirectory.appendingPathComponent("blobs.npy").path)
    case "faithful":
        return try CSV.read(contentsOf: dataDirectory.appendingPathComponent("faithful.csv").path).matrix
    default:
        // iris and digits end in a label column.
        let all = try CSV.read(contentsOf: dataDirectory.appendingPathComponent("\(name).csv").path).matrix
        return Matrix(rows: all.rows, columns: all.columns - 1) { all[$0, $1] }
    }
}

/// `data` written as `data.npy` in a new scratch directory, which the
/// caller removes (`defer { try? FileManager.default.removeItem(at: directory) }`).
func scratchNpyFile(_ data: Matrix<Double>) throws -> (path: String, directory: URL) {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gauss-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let path = directory.appendingPathComponent("data.npy").path
    try Npy.write(data, to: path)
    return (path, directory)
}

/// The scikit-learn reference file, parsed once and only read afterwards.
nonisolated(unsafe) let sklearnReference: [String: Any] = {
    let data = try! Data(contentsOf: fixtureDirectory.appendingPathComponent("sklearn-reference.json"))
    return try! JSONSerialization.jsonObject(with: data) as! [String: Any]
}()

func matrix(_ value: Any) -> Matrix<Double> {
    let rows = (value as! [Any]).map { ($0 as! [Any]).map(double) }
    return Matrix(rows)
}

func double(_ value: Any) -> Double { (value as! NSNumber).doubleValue }

func vector(_ value: Any) -> [Double] { (value as! [Any]).map(double) }

/// Covariance-shaped parameters from nested JSON arrays.
func covarianceParameters(_ value: Any, _ type: CovarianceType) -> CovarianceParameters {
    switch type {
    case .full: return .full((value as! [Any]).map(matrix))
    case .tied: return .tied(matrix(value))
    case .diag: return .diag(matrix(value))
    case .spherical: return .spherical(vector(value))
    default: preconditionFailure("scikit-learn fixtures hold only its four covariance types")
    }
}

/// All values of covariance-shaped parameters, flattened.
func flattened(_ p: CovarianceParameters) -> [Double] {
    p.matrices.flatMap(\.elements) + p.componentValues.elements
}

/// max |a − b| / max(1, max |b|).
func relativeDifference(_ a: [Double], _ b: [Double]) -> Double {
    precondition(a.count == b.count, "\(a.count) values against \(b.count)")
    let scale = max(1, b.map(abs).max() ?? 0)
    return zip(a, b).map { abs($0 - $1) }.max().map { $0 / scale } ?? 0
}
