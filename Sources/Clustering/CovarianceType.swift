/// How each component's covariance matrix is constrained, as in
/// scikit-learn's `covariance_type`.
///
/// Each case names a covariance family (``CovarianceFamily``), which holds
/// everything that differs between them; ``family`` is the one place that
/// maps one to the other.
public enum CovarianceType: String, Codable, CaseIterable, Sendable {
    /// Each component has its own general covariance matrix.
    case full
    /// All components share one general covariance matrix.
    case tied
    /// Each component has its own diagonal covariance matrix.
    case diag
    /// Each component has its own single variance.
    case spherical

    /// The family that implements this type.
    var family: any CovarianceFamily.Type {
        switch self {
        case .full: return FullCovariance.self
        case .tied: return TiedCovariance.self
        case .diag: return DiagonalCovariance.self
        case .spherical: return SphericalCovariance.self
        }
    }

    /// Free parameters of the covariances of `components` components in
    /// `dimension` dimensions (scikit-learn's count).
    public func covarianceParameterCount(components: Int, dimension d: Int) -> Int {
        family.covarianceParameterCount(components: components, dimension: d)
    }
}
