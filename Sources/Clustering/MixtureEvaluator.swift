import LinearAlgebra
import RealModule

/// Runs the E-step kernel over blocks of rows, keeping its scratch between
/// blocks, and turns log-densities into log-likelihoods and responsibilities.
struct MixtureEvaluator<Scalar: BLASScalar> {
    let kernel: EStepKernel<Scalar>
    private(set) var features: Matrix<Scalar>
    /// Weighted log-densities log πₖ + log N(xᵢ | k) of the last block (m×K).
    private(set) var logDensities: Matrix<Double>
    private var workspace: EStepKernel<Scalar>.Workspace

    init(_ parameters: MixtureParameters) {
        self.init(EStepKernel(parameters))
    }

    init(_ kernel: EStepKernel<Scalar>) {
        self.kernel = kernel
        features = Matrix(rows: 0, columns: kernel.featureCount)
        logDensities = Matrix(rows: 0, columns: kernel.componentCount)
        workspace = .init(rows: 0, kernel: kernel)
    }

    /// Rows per block: enough for BLAS to run at full speed, few enough that
    /// one worker's scratch (for full covariance dominated by the projections
    /// of one group of components) stays within about 4 MiB.
    static func blockRows(componentCount k: Int, dimension d: Int, covarianceType: CovarianceType) -> Int {
        let perRow: Int
        switch covarianceType {
        case .full:
            let group = EStepKernel<Scalar>.fullGroupSize(componentCount: k, dimension: d)
            perRow = MemoryLayout<Scalar>.size * (group * d + 2 * d + 2 * k) + 8 * k
        case .tied: perRow = MemoryLayout<Scalar>.size * (3 * d + 3 * k) + 8 * k
        case .diag, .spherical: perRow = MemoryLayout<Scalar>.size * (2 * d + 3 * k) + 8 * k
        }
        return Swift.min(Swift.max(BlockSizes.scratchBytesPerWorker / Swift.max(perRow, 1), 64), 16_384)
    }

    /// Evaluates `block`, filling ``features`` and ``logDensities``.
    mutating func evaluate(_ block: Matrix<Scalar>) {
        let m = block.rows
        if features.rows != m {
            features = Matrix(rows: m, columns: kernel.featureCount)
            logDensities = Matrix(rows: m, columns: kernel.componentCount)
            workspace = .init(rows: m, kernel: kernel)
        }
        kernel.computeFeatures(of: block, into: &features)
        kernel.weightedLogDensities(features: features, workspace: &workspace, into: &logDensities)
    }

    /// Turns the last block's log-densities into responsibilities in place
    /// and writes each row's log-likelihood, its log-sum-exp: one vectorised
    /// `exp` per element, max-shifted (terms below e⁻⁷⁴⁵ underflow to 0). A
    /// row with no finite maximum (unreachable for finite data and
    /// parameters) gets zero responsibilities, so it stays out of the
    /// statistics.
    mutating func normalizeToResponsibilities(logLikelihoods: inout [Double]) {
        let k = kernel.componentCount
        let m = logDensities.rows
        precondition(logLikelihoods.count == m)
        logDensities.withUnsafeMutableBufferPointer { p in
            logLikelihoods.withUnsafeMutableBufferPointer { lse in
                VectorMath.softmax(ofRows: UnsafeBufferPointer(p), columns: k, into: p, logSumExp: lse)
            }
        }
    }
}
