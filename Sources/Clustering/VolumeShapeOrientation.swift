import LinearAlgebra

/// Covariances written as mclust writes them, Σₖ = λₖ·Dₖ·Aₖ·Dₖᵀ: volume
/// λₖ = |Σₖ|^(1/d), shape Aₖ (a diagonal of product 1) and orientation Dₖ
/// (orthogonal, a direction per column).
///
/// One value per component, also where the model shares them (then the
/// values repeat). Orientations are eigenvectors, so each column's sign
/// and, where shape values tie, their order are arbitrary: the product is
/// what is determined. For a shared orientation (EEE, VEE, EVE, VVE) the
/// columns follow the first component's decreasing variances; for one per
/// component, each component's; for diagonal models D is the identity.
public struct VolumeShapeOrientation: Sendable, Equatable {
    /// λₖ.
    public let scales: [Double]
    /// Aₖ, one row per component.
    public let shapes: Matrix<Double>
    /// Dₖ, one d×d matrix per component.
    public let orientations: [Matrix<Double>]
}

extension CovarianceParameters {
    /// These covariances as mclust's volume, shape and orientation (see
    /// ``VolumeShapeOrientation``), for K components of dimension d.
    public func volumeShapeOrientation(components k: Int, dimension d: Int) -> VolumeShapeOrientation {
        let sigma = (0..<k).map { matrix(component: $0, dimension: d) }
        let orientationLetter = covarianceType.mclustName.last!
        let orientations: [Matrix<Double>]
        switch orientationLetter {
        case "I": orientations = [Matrix<Double>](repeating: .identity(d), count: k)
        case "E": orientations = [Matrix<Double>](repeating: DescendingEigensystems([sigma[0]]).vectors(of: 0), count: k)
        default:
            let systems = DescendingEigensystems(sigma)
            orientations = (0..<k).map(systems.vectors(of:))
        }
        var scales = [Double](repeating: 0, count: k)
        var shapes = Matrix<Double>(rows: k, columns: d)
        for c in 0..<k {
            let o = orientations[c]
            let values = o.matmul(sigma[c].matmul(o), transposeSelf: .transpose).diagonal
            scales[c] = geometricMean(values)
            for j in 0..<d { shapes[c, j] = values[j] / scales[c] }
        }
        return VolumeShapeOrientation(scales: scales, shapes: shapes, orientations: orientations)
    }
}
