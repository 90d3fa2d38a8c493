/// How each component's covariance matrix is constrained, as in
/// scikit-learn's `covariance_type`.
public enum CovarianceType: String, Codable, CaseIterable, Sendable {
    /// Each component has its own general covariance matrix.
    case full
    /// All components share one general covariance matrix.
    case tied
    /// Each component has its own diagonal covariance matrix.
    case diag
    /// Each component has its own single variance.
    case spherical

    /// Free parameters of the covariances of `components` components in
    /// `dimension` dimensions (scikit-learn's count).
    public func covarianceParameterCount(components: Int, dimension d: Int) -> Int {
        switch self {
        case .full: return components * d * (d + 1) / 2
        case .tied: return d * (d + 1) / 2
        case .diag: return components * d
        case .spherical: return components
        }
    }
}
