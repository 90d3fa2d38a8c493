import Foundation

/// Why a Gaussian mixture or k-means could not be fitted or used, in terms
/// of what to change.
public enum ClusteringError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The data have no rows or no columns.
    case emptyData(rows: Int, columns: Int)
    /// A value in the data is NaN or infinite (0-based row and column).
    case nonFiniteValue(row: Int, column: Int)
    /// A row (0-based) lies so far from every component that its
    /// log-densities overflow: no probability or likelihood of it can be
    /// given in double precision.
    case logDensityOverflow(row: Int)
    /// The data's sums of squares overflow double precision (values near
    /// 1e154 and beyond): no covariance can be computed.
    case statisticsOverflow
    /// Fewer (weighted) rows than components.
    case tooFewSamples(samples: Int, components: Int)
    /// The sample weights do not match the rows.
    case sampleWeightCount(expected: Int, actual: Int)
    /// A sample weight is negative, NaN or infinite (0-based row).
    case invalidSampleWeight(row: Int, value: Double)
    /// Every sample weight is zero.
    case zeroTotalWeight
    /// A setting is out of its range.
    case invalidSetting(name: String, reason: String)
    /// An initial parameter or model parameter has the wrong shape.
    case parameterShape(name: String, expected: [Int], actual: [Int])
    /// An initial parameter has invalid values.
    case invalidParameter(name: String, reason: String)
    /// Initial precisions are not positive definite (component, or nil for tied).
    case precisionNotPositiveDefinite(component: Int?)
    /// A component's covariance stopped being positive definite during EM:
    /// it collapsed onto too few distinct points (nil component: the tied covariance).
    case componentCollapsed(component: Int?, regularization: Double)
    /// Data of another dimension than the model's.
    case dimensionMismatch(expected: Int, actual: Int)
    /// The fit would need more memory (bytes, beyond the data) than its
    /// limit allows; nothing was allocated.
    case insufficientMemory(required: Int, limit: Int)

    public var description: String {
        switch self {
        case .emptyData(let rows, let columns):
            return "the data are empty (\(rows) rows, \(columns) columns); a mixture needs at least one row and one column"
        case .nonFiniteValue(let row, let column):
            return "the data hold NaN or infinity at row \(row + 1), column \(column + 1); remove or impute such values first"
        case .statisticsOverflow:
            return "the data are too large in magnitude: their sums of squares overflow double precision, so no covariance "
                + "can be computed; rescale the data (divide them by a power of ten) and fit again"
        case .logDensityOverflow(let row):
            return "row \(row + 1) is so far from every component that its log-density overflows double precision, "
                + "so no probability or likelihood can be given for it; check that the data belong to this model, or rescale them"
        case .tooFewSamples(let samples, let components):
            return "\(components) components need at least \(components) samples, but the data have \(samples); decrease the number of components"
        case .sampleWeightCount(let expected, let actual):
            return "there are \(actual) sample weights for \(expected) rows; give exactly one weight per row"
        case .invalidSampleWeight(let row, let value):
            return "sample weight \(value) at row \(row + 1) is invalid; weights must be finite and non-negative"
        case .zeroTotalWeight:
            return "all sample weights are zero; at least one row must have a positive weight"
        case .invalidSetting(let name, let reason):
            return "invalid \(name): \(reason)"
        case .parameterShape(let name, let expected, let actual):
            return "\(name) has shape \(actual), but this mixture needs \(expected)"
        case .invalidParameter(let name, let reason):
            return "invalid \(name): \(reason)"
        case .precisionNotPositiveDefinite(let component):
            let which = component.map { "the initial precision of component \($0)" } ?? "the initial tied precision"
            return "\(which) is not symmetric positive definite"
        case .componentCollapsed(let component, let regularization):
            let which = component.map { "component \($0)" } ?? "the tied covariance"
            return "\(which) has an ill-defined covariance (it collapsed onto too few distinct points); "
                + "increase the covariance regularization (now \(regularization)), decrease the number of components, "
                + "or rescale the data"
        case .dimensionMismatch(let expected, let actual):
            return "the data have \(actual) columns, but the model was fitted to \(expected)"
        case .insufficientMemory(let required, let limit):
            let needed = required == .max ? "more memory than can be addressed" : "about \(byteCount(required)) of memory"
            return "the fit needs \(needed) beyond the data, more than the limit of \(byteCount(limit)); "
                + "use a simpler covariance type (diag or spherical), fewer components or fewer columns, or raise the memory limit"
        }
    }
}

/// `bytes` in the largest binary unit (B, KiB, MiB, GiB, TiB) that leaves
/// at least 1, with three significant digits: a limit of 1K reads "1 KiB",
/// not "0 GiB".
private func byteCount(_ bytes: Int) -> String {
    var value = Double(bytes), unit = "B"
    for next in ["KiB", "MiB", "GiB", "TiB"] where value >= 1024 {
        value /= 1024
        unit = next
    }
    return value >= 100 ? "\(Int(value.rounded())) \(unit)" : String(format: "%.3g", value) + " " + unit
}
