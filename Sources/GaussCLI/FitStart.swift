import ArgumentParser
import Clustering
import Foundation
import LinearAlgebra

// Where `gauss fit` starts EM: the --init method by default, or one of
// --init-from (a model file), --init-responsibilities or --init-labels.

extension Fit {
    /// The option that says where EM starts, as recorded in the model's
    /// settings (`init_params`); nil when --init decides.
    var startOption: String? {
        if initFrom != nil { return "init-from" }
        if initResponsibilities != nil { return "init-responsibilities" }
        if initLabels != nil { return "init-labels" }
        return nil
    }

    /// The file EM starts from, which errors about the start name.
    var startFile: String? { initFrom ?? initResponsibilities ?? initLabels }

    /// Makes the start the options give `estimator`'s.
    func applyStart(to estimator: inout GaussianMixture, rows: Int, dimension: Int) throws {
        if let initFrom { try applyInitialModel(initFrom, to: &estimator, dimension: dimension) }
        if let responsibilities = try startingResponsibilities(rows: rows) {
            estimator.componentCount = responsibilities.columns
            estimator.initialResponsibilities = responsibilities
        }
    }

    /// The starting responsibilities --init-responsibilities or
    /// --init-labels give (n×K), or nil when neither is given.
    func startingResponsibilities(rows: Int) throws -> Matrix<Double>? {
        if let initResponsibilities {
            let responsibilities = try loadTable(initResponsibilities)
            guard responsibilities.rows == rows else {
                throw DataError("\(initResponsibilities): there are \(responsibilities.rows) rows of responsibilities for \(rows) data rows; give one row per data row")
            }
            if let components, components != responsibilities.columns {
                throw ValidationError("-k \(components) conflicts with \(initResponsibilities), which has \(responsibilities.columns) columns")
            }
            return responsibilities
        }
        guard let initLabels else { return nil }
        let values = try loadVector(initLabels)
        guard values.count == rows else {
            throw DataError("\(initLabels): there are \(values.count) labels for \(rows) data rows; give one label per data row")
        }
        var labels: [Int] = []
        labels.reserveCapacity(values.count)
        for (row, value) in values.enumerated() {
            guard value.rounded() == value, let label = Int(exactly: value) else {
                throw DataError("\(initLabels): row \(row + 1) holds \(value), not an integer label")
            }
            labels.append(label)
        }
        let k = components ?? ((labels.max() ?? 0) + 1)
        // Checked before the n×K matrix is made: K never exceeds the rows.
        guard k <= labels.count else {
            throw DataError("\(initLabels): \(k) components need at least \(k) rows, but there are \(labels.count) labels")
        }
        do {
            return try GaussianMixture.responsibilities(labels: labels, componentCount: k)
        } catch {
            throw DataError("\(initLabels): \(error.description)")
        }
    }

    /// Reads the `--init-from` model at `path` and makes its weights, means
    /// and covariances (of either kind of fit) `estimator`'s start.
    func applyInitialModel(_ path: String, to estimator: inout GaussianMixture, dimension: Int) throws {
        let start = try initialModel(path, dimension: dimension)
        estimator.componentCount = start.componentCount
        estimator.covarianceType = start.covarianceType
        estimator.initialWeights = start.weights
        estimator.initialMeans = start.means
        estimator.initialPrecisions = try precisions(ofCovariances: start.covariances)
    }

    /// The `--init-from` model at `path`, checked against -k, --covariance
    /// and the data's `dimension`.
    func initialModel(_ path: String, dimension: Int) throws -> FittedModel {
        let start = try readModel(path)
        if let components, components != start.componentCount {
            throw ValidationError("-k \(components) conflicts with \(path), which has \(start.componentCount) components")
        }
        if let covariance, covariance.type != start.covarianceType {
            throw ValidationError("--covariance \(covariance.rawValue) conflicts with \(path), which is \(start.covarianceType.rawValue)")
        }
        guard start.dimension == dimension else {
            throw DataError("\(path) has \(start.dimension) features but \(data) has \(dimension) columns")
        }
        return start
    }
}
