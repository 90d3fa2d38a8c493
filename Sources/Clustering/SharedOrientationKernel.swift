import LinearAlgebra
import RealModule

/// The log-densities of the full-covariance models whose components share
/// one orientation D (mclust's VEE, EVE and VVE): with Σₖ = D·diag(vₖ)·Dᵀ,
/// one rotation y = (x − center)·D per row serves every component, and
/// sₖ(x) = Σⱼ (yⱼ − bₖⱼ)²/vₖⱼ with bₖ = (μₖ − center)·D is the diagonal
/// family's quadratic form in y. A block costs 2·m·d² flops for the
/// rotation and 4·m·K·d for the forms, where the full kernel's projections
/// cost 1.5·m·K·d².
///
/// D and the vₖ are read off the precision factors the parameters hold
/// (Pₖ = Uₖ·Uₖᵀ = D·diag(1/vₖ)·Dᵀ); parameters without that structure, to
/// within ``tolerance``, get no kernel of this kind.
struct SharedOrientationKernel<Scalar: BLASScalar>: LogDensityKernel {
    /// D (d × d), in the rows' precision.
    let rotation: Matrix<Scalar>
    /// The diagonal family's kernel on the rotated features [y∘y, y, 1].
    private var forms: QuadraticFormKernel<Scalar>
    /// d zeros: the rotated rows are already centred.
    private let zeroCenter: [Scalar]
    /// Scratch: a block's rotated rows and their features.
    private var rotated = Matrix<Scalar>(rows: 0, columns: 0)
    private var rotatedFeatures = Matrix<Scalar>(rows: 0, columns: 0)

    /// The narrowest rows this kernel is used for. Its set-up (Dᵀ·Pₖ·D for
    /// every component and an eigendecomposition, each E-step) pays for
    /// itself only through the products it saves per row, which at d ≤ 4
    /// are a few dozen flops: model selection on iris (d = 4) spent more
    /// on the set-up than on the rows.
    static var narrowestRows: Int { 5 }

    /// How far from diagonal Dᵀ·Pₖ·D may be, relative to its largest
    /// diagonal entry, for the components to count as sharing D: rounding
    /// in the M-step and the factorisations leaves about 1e-14 there.
    static var tolerance: Double { 1e-10 }

    /// The kernel for `parameters` (full-matrix precision factors), or nil
    /// when their components do not share an orientation.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    init?(_ parameters: MixtureParameters, centeredMeans means: Matrix<Double>) {
        let factors = parameters.precisionsCholesky.blocks
        let k = parameters.componentCount, d = parameters.dimension
        guard factors.count == k, k > 0, factors.allSatisfy({ $0.rows == d && $0.columns == d }) else { return nil }
        let precisions = factors.map { $0.matmul($0, transposeOther: .transpose) }
        // D from a mixture of all the precisions with unequal weights, so
        // that its eigenvalues are distinct where any component's are.
        var pooled = Matrix<Double>(rows: d, columns: d)
        for (c, p) in precisions.enumerated() {
            let trace = p.diagonal.reduce(0, +)
            guard trace > 0, trace.isFinite else { return nil }
            pooled = pooled + ((1 + Double(c) * 0.618_033_988_7) / trace) * p
        }
        guard let eigen = ascendingEigensystem(pooled) else { return nil }
        let orientation = eigen.vectors
        var diagonals = Matrix<Double>(rows: k, columns: d)
        var logDeterminants = [Double](repeating: 0, count: k)
        for c in 0..<k {
            let q = orientation.matmul(precisions[c].matmul(orientation), transposeSelf: .transpose)
            let largest = q.diagonal.max() ?? 0
            guard largest > 0, largest.isFinite else { return nil }
            for i in 0..<d {
                for j in 0..<d where i != j {
                    guard abs(q[i, j]) <= Self.tolerance * largest else { return nil }
                }
                guard q[i, i] > 0 else { return nil }
                diagonals[c, i] = q[i, i]
                // log |Uₖ| as the full kernel takes it.
                logDeterminants[c] += Double.log(factors[c][i, i])
            }
        }
        rotation = orientation.converted()
        zeroCenter = [Scalar](repeating: 0, count: d)
        forms = QuadraticFormKernel(diagonalPrecisions: diagonals, means: means.matmul(orientation),
                                    logWeight: parameters.logWeight(of:), logDeterminants: consume logDeterminants)
    }

    /// - Complexity: 2·m·d² + 2·m·(2d + 1)·K flops for m rows.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    mutating func weightedLogDensities(features: Matrix<Scalar>, into logDensities: inout Matrix<Double>) {
        let m = features.rows, d = rotation.rows
        if rotated.rows != m {
            rotated = .scratch(rows: m, columns: d)
            rotatedFeatures = .scratch(rows: m, columns: 2 * d + 1)
        }
        projectRows(features, columns: d, rotation, into: &rotated)
        MixtureRowKernels.writeFeatures(.diagonal, of: rotated, center: zeroCenter, into: &rotatedFeatures)
        forms.weightedLogDensities(features: rotatedFeatures, into: &logDensities)
    }
}

extension ConstrainedCovarianceFamily where Layout == FullCovariance {
    /// The shared-orientation kernel where the parameters have that
    /// structure (as every VEE, EVE and VVE M-step leaves them) and rows
    /// are wider than ``SharedOrientationKernel/narrowestRows``; the full
    /// kernel otherwise (narrow rows, parameters given by hand).
    static func sharedOrientationKernel<Scalar: BLASScalar>(
        _ parameters: MixtureParameters, centeredMeans: Matrix<Double>, as type: Scalar.Type
    ) -> any LogDensityKernel<Scalar> {
        if parameters.dimension >= SharedOrientationKernel<Scalar>.narrowestRows,
           let kernel = SharedOrientationKernel<Scalar>(parameters, centeredMeans: centeredMeans) {
            return kernel
        }
        return Layout.logDensityKernel(parameters, centeredMeans: centeredMeans, as: type)
    }
}
