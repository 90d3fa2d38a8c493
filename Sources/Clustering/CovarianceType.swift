/// How each component's covariance matrix is constrained: scikit-learn's
/// four `covariance_type`s and the ten further models of R's mclust.
///
/// mclust writes a covariance as λₖ·Dₖ·Aₖ·Dₖᵀ, with volume λₖ, orientation
/// Dₖ (orthogonal) and shape Aₖ (diagonal, determinant 1), and names a model
/// by three letters for volume, shape and orientation, each equal across
/// components (E), variable (V) or the identity (I). scikit-learn's types are
/// four of the fourteen: ``full`` is VVV, ``tied`` EEE, ``diag`` VVI and
/// ``spherical`` VII; ``init(name:)`` accepts either spelling and
/// ``mclustName`` gives mclust's.
///
/// Each case names a covariance family (``CovarianceFamily``), which holds
/// everything that differs between them; ``family`` is the one place that
/// maps one to the other.
public enum CovarianceType: String, Codable, CaseIterable, Sendable {
    /// Each component has its own general covariance matrix (mclust's VVV).
    case full
    /// All components share one general covariance matrix (mclust's EEE).
    case tied
    /// Each component has its own diagonal covariance matrix (mclust's VVI).
    case diag
    /// Each component has its own single variance (mclust's VII).
    case spherical
    /// λ·I: one variance shared by every component.
    case eii = "EII"
    /// λ·A: one diagonal covariance shared by every component.
    case eei = "EEI"
    /// λₖ·A: diagonal, a volume per component, one shape.
    case vei = "VEI"
    /// λ·Aₖ: diagonal, one volume, a shape per component.
    case evi = "EVI"
    /// λₖ·D·A·Dᵀ: a volume per component, one shape and orientation.
    case vee = "VEE"
    /// λ·D·Aₖ·Dᵀ: one volume and orientation, a shape per component.
    case eve = "EVE"
    /// λₖ·D·Aₖ·Dᵀ: one orientation, a volume and shape per component.
    case vve = "VVE"
    /// λ·Dₖ·A·Dₖᵀ: one volume and shape, an orientation per component.
    case eev = "EEV"
    /// λₖ·Dₖ·A·Dₖᵀ: one shape, a volume and orientation per component.
    case vev = "VEV"
    /// λ·Dₖ·Aₖ·Dₖᵀ: one volume, a shape and orientation per component.
    case evv = "EVV"

    /// scikit-learn's four types, in its order.
    public static let scikitLearnTypes: [CovarianceType] = [.full, .tied, .diag, .spherical]

    /// The fourteen models in mclust's order (EII … VVV).
    public static let mclustModels: [CovarianceType] = [
        .eii, .spherical, .eei, .vei, .evi, .diag, .tied, .vee, .eve, .vve, .eev, .vev, .evv, .full,
    ]

    /// mclust's three-letter name of this model.
    public var mclustName: String {
        switch self {
        case .full: return "VVV"
        case .tied: return "EEE"
        case .diag: return "VVI"
        case .spherical: return "VII"
        default: return rawValue
        }
    }

    /// Whether this is one of scikit-learn's four types.
    public var isScikitLearnType: Bool { Self.scikitLearnTypes.contains(self) }

    /// The type named `name`: scikit-learn's (`full`, `tied`, `diag`,
    /// `spherical`) or mclust's (`VVV`, `EEE`, … in any letter case).
    public init?(name: String) {
        if let type = CovarianceType(rawValue: name) {
            self = type
            return
        }
        guard let type = Self.mclustModels.first(where: { $0.mclustName == name.uppercased() }) else { return nil }
        self = type
    }

    /// Decodes either spelling (see ``init(name:)``).
    public init(from decoder: any Decoder) throws {
        let name = try decoder.singleValueContainer().decode(String.self)
        guard let type = CovarianceType(name: name) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                debugDescription: "unknown covariance type \"\(name)\"; expected full, tied, diag, spherical or one of mclust's models (EII … VVV)"))
        }
        self = type
    }

    /// The family that implements this type.
    var family: any CovarianceFamily.Type {
        switch self {
        case .full: return FullCovariance.self
        case .tied: return TiedCovariance.self
        case .diag: return DiagonalCovariance.self
        case .spherical: return SphericalCovariance.self
        case .eii: return EIICovariance.self
        case .eei: return EEICovariance.self
        case .vei: return VEICovariance.self
        case .evi: return EVICovariance.self
        case .vee: return VEECovariance.self
        case .eve: return EVECovariance.self
        case .vve: return VVECovariance.self
        case .eev: return EEVCovariance.self
        case .vev: return VEVCovariance.self
        case .evv: return EVVCovariance.self
        }
    }

    /// Free parameters of the covariances of `components` components in
    /// `dimension` dimensions (scikit-learn's count for its four types,
    /// mclust's for the others).
    public func covarianceParameterCount(components: Int, dimension d: Int) -> Int {
        family.covarianceParameterCount(components: components, dimension: d)
    }
}
