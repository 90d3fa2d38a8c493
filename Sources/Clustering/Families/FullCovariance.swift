import LinearAlgebra
import RealModule

/// Full covariance: each component has its own general d×d matrix.
///
/// Features φ(x) = [x, 1]. The log-densities project every row on every
/// factor Uₖ. For Double rows up to d = 256 the triangular kernel
/// (`MixtureRowKernels.triangularLogDensities`) does it with the
/// projections in registers, skipping Uₖ's zero triangle eight columns at
/// a time (⅝ of a full product's flops at d = 32, towards ½ as d grows).
/// Otherwise, since Uₖ is upper triangular the first h = ⌊d/2⌋ columns of
/// xᵀUₖ depend only on the first h coordinates of x: two GEMMs, x₁..ₕ
/// against the top-left blocks and x against the last d − h columns, do ¾
/// of the flops of one against the whole of Uₖ (1.5·m·K·d² for m rows).
/// Each component's second moment is the Gram matrix of its rows scaled
/// by √rᵢₖ, taken around the component's previous mean so that
/// Σ = S₂/N − a·aᵀ does not cancel.
enum FullCovariance: CovarianceFamily {
    static var covarianceType: CovarianceType { .full }
    static var storage: CovarianceStorage { .matrices }

    static func blockShapes(components k: Int, dimension d: Int) -> [(rows: Int, columns: Int)] {
        [(rows: Int, columns: Int)](repeating: (d, d), count: k)
    }

    static func arrayShape(components k: Int, dimension d: Int) -> [Int] { [k, d, d] }

    static func covarianceParameterCount(components k: Int, dimension d: Int) -> Int { k * d * (d + 1) / 2 }

    static func featureCount(dimension d: Int) -> Int { d + 1 }

    static func coordinateColumns(dimension d: Int) -> Range<Int> { 0..<d }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func writeFeatures<Scalar: BLASScalar>(of block: Matrix<Scalar>, center: [Scalar], into features: inout Matrix<Scalar>) {
        MixtureRowKernels.writeFeatures(.coordinates, of: block, center: center, into: &features)
    }

    static func logDensityKernel<Scalar: BLASScalar>(
        _ parameters: MixtureParameters, centeredMeans: Matrix<Double>, as: Scalar.Type
    ) -> any LogDensityKernel<Scalar> {
        Kernel<Scalar>(factors: parameters.precisionsCholesky.blocks, logWeight: parameters.logWeight(of:), centeredMeans: centeredMeans)
    }

    static func scratchBytesPerRow(components k: Int, dimension d: Int, scalarSize: Int) -> Int {
        // The triangular kernel stores no projections.
        let projections = takesTriangularKernel(dimension: d, scalarSize: scalarSize) ? 0 : groupSize(components: k, dimension: d) * d
        return scalarSize * (projections + 2 * d + 2 * k) + 8 * k
    }

    static var shiftsEachComponent: Bool { true }

    static func secondMomentShape(components k: Int, dimension d: Int) -> (rows: Int, columns: Int) { (k * d, d) }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func accumulateSecondMoments<Scalar: BLASScalar>(
        into statistics: inout SufficientStatistics, moments: Matrix<Double>, features: Matrix<Scalar>,
        responsibilities: Matrix<Scalar>, rowWeights: UnsafeBufferPointer<Double>?,
        workspace: inout SufficientStatistics.Workspace<Scalar>
    ) {
        let k = statistics.componentCount, d = statistics.dimension
        // Double rows up to the kernel's width: no rows scaled by √r written
        // out and multiplied by a GEMM, whose packing and full square are
        // most of its time at these sizes.
        if Scalar.self == Double.self, d <= MixtureRowKernels.weightedGramsMaximumDimension,
           MixtureRowKernels.addWeightedGrams(of: features as! Matrix<Double>, dimension: d,
                                              responsibilities: responsibilities as! Matrix<Double>,
                                              shifts: statistics.componentShifts, into: &statistics.secondMoments) {
            return
        }
        // Scales and shift in the workspace: no allocation per component and
        // block. Every √rᵢₖ of the block at once, in vector lanes; component c
        // reads its column of them.
        MixtureRowKernels.squareRoots(of: responsibilities, into: &workspace.rowScales)
        if workspace.shift.count != d { workspace.shift = [Scalar](repeating: 0, count: d) }
        for c in 0..<k {
            for j in 0..<d { workspace.shift[j] = Scalar(statistics.componentShifts[c, j]) }
            // Rows whose responsibility is exactly zero add exactly nothing:
            // leave them out of the Gram (with separated components, most are).
            let used = workspace.fillScaledRows(features: features, dimension: d, shift: workspace.shift,
                                                scales: workspace.rowScales, column: c, stride: k)
            guard used > 0 else { continue }
            statistics.addGram(of: workspace.scaledRows[rows: 0..<used], toSecondMomentRowsFrom: c * d, workspace: &workspace)
        }
    }

    static func covariances(
        from statistics: SufficientStatistics, shiftedMeans: Matrix<Double>, counts n: [Double], regularization: Double,
        previous: CovarianceParameters?
    ) -> CovarianceParameters {
        let d = statistics.dimension
        // Through buffers: this runs every M-step, where subscripts of the
        // three matrices cost more than the arithmetic at small d.
        return statistics.secondMoments.withUnsafeBufferPointer { moments in
            shiftedMeans.withUnsafeBufferPointer { means in
                statistics.componentShifts.withUnsafeBufferPointer { shifts in
                    .full(Matrix<Double>.blocks(count: statistics.componentCount, rows: d, columns: d) { c, sigma in
                        // Σ = (S₂ − N·a·aᵀ)/N′ with a = m′ − δ, the mean relative to the
                        // shift; lower triangle computed, upper mirrored.
                        let count = statistics.counts[c]
                        for i in 0..<d {
                            let ai = means[c * d + i] - shifts[c * d + i]
                            for j in 0...i {
                                let aj = means[c * d + j] - shifts[c * d + j]
                                let value = (moments[(c * d + i) * d + j] - count * ai * aj) / n[c]
                                sigma[i * d + j] = value
                                sigma[j * d + i] = value
                            }
                            sigma[i * d + i] += regularization
                        }
                    })
                }
            }
        }
    }

    /// Σₖ + Nₖ/nₖ·δₖδₖᵀ.
    static func widening(
        _ covariances: CovarianceParameters, byOffsets delta: Matrix<Double>, counts: [Double], regularizedCounts n: [Double]
    ) -> CovarianceParameters {
        .full(covariances.blocks.enumerated().map { c, sigma in
            let weight = counts[c] / n[c]
            return Matrix(rows: sigma.rows, columns: sigma.columns) { i, j in sigma[i, j] + weight * delta[c, i] * delta[c, j] }
        })
    }

    static func defaultCovariancePrior(dataCovariance: Matrix<Double>) -> Matrix<Double> { dataCovariance }

    /// Wₖ = (Ψ₀ + Nₖ·Sₖ + Nₖ·β₀/βₖ·δₖδₖᵀ) / νₖ.
    static func posteriorCovariances(
        prior: Matrix<Double>, estimates: CovarianceParameters, counts n: [Double], meanOffsets delta: Matrix<Double>,
        meanPrecisionPrior beta0: Double, meanPrecisions beta: [Double], degreesOfFreedom nu: [Double]
    ) -> CovarianceParameters {
        let d = delta.columns
        return .full(estimates.blocks.enumerated().map { c, s in
            let spread = n[c] * beta0 / beta[c]
            return Matrix(rows: d, columns: d) { i, j in
                (prior[i, j] + n[c] * s[i, j] + spread * delta[c, i] * delta[c, j]) / nu[c]
            }
        })
    }

    static func parameterDoubles(components k: Int, dimension d: Int) -> Int { saturatingProduct(k, d, d) }

    /// Components per projection group: about 1024 projection columns,
    /// enough for BLAS to run at speed while the scratch stays small.
    static func groupSize(components k: Int, dimension d: Int) -> Int {
        Swift.min(k, Swift.max(1, 1024 / Swift.max(d, 1)))
    }

    /// h: half the columns, or none below d = 8, where a second GEMM costs
    /// more than the flops it saves.
    static func leadingColumns(dimension d: Int) -> Int {
        d >= 8 ? d / 2 : 0
    }

    /// The dimensions at which Double rows take the triangular kernel
    /// rather than the GEMMs. It streams each Uₖ (8·d² bytes) from the L2
    /// cache once per four rows, so beyond d = 256 (512 KiB) the GEMMs'
    /// cache blocking wins. VVV, n = 20 000, K = 8, 2 threads, Zen 4, ms
    /// per iteration, GEMMs / triangular: d = 8: 2.9 / 2.1; 32: 9.7 / 8.2;
    /// 64: 31 / 24; 128: 121 / 90; 200: 177 / 121.
    static let triangularKernelDimensions = 1...256

    /// Whether rows of `scalarSize`-byte scalars at dimension d take the
    /// triangular kernel: Double rows within ``triangularKernelDimensions``.
    static func takesTriangularKernel(dimension d: Int, scalarSize: Int) -> Bool {
        scalarSize == MemoryLayout<Double>.size && triangularKernelDimensions.contains(d)
    }

    /// sₖ(x) = ‖xᵀUₖ − bₖ‖², for Double rows up to d = 256 by the
    /// triangular kernel, otherwise by two GEMMs per group of components.
    struct Kernel<Scalar: BLASScalar>: LogDensityKernel {
        let constants: [Double]
        let dimension: Int
        /// For the triangular kernel (empty otherwise): each Uₖ as d × dp
        /// and each bₖ as dp values, zero-padded to whole vectors of lanes.
        let paddedFactors: [Double]
        let paddedMeans: [Double]
        /// h, the columns of each factor in ``leadingFactors``.
        let leadingColumns: Int
        /// Components per group (the last one may have fewer).
        let groupSize: Int
        /// Per group: the top-left h × h blocks of its factors side by side
        /// (h × size·h), and their last d − h columns (d × size·(d − h)),
        /// padded with zero columns in a last, partial group.
        let leadingFactors: [Matrix<Scalar>]
        let trailingFactors: [Matrix<Scalar>]
        /// bₖ = μₖᵀUₖ (K × d), subtracted from the projections.
        let projectedMeans: Matrix<Scalar>
        /// Scratch: a group's leading and trailing projections.
        private var leadingProjections = Matrix<Scalar>(rows: 0, columns: 0)
        private var trailingProjections = Matrix<Scalar>(rows: 0, columns: 0)

        // Specialised: the factors are copied element by element.
        @_specialize(where Scalar == Float)
        @_specialize(where Scalar == Double)
        init(factors: [Matrix<Double>], logWeight: (Int) -> Double, centeredMeans means: Matrix<Double>) {
            let k = factors.count, d = means.columns
            let size = FullCovariance.groupSize(components: k, dimension: d), h = FullCovariance.leadingColumns(dimension: d)
            var leading: [Matrix<Scalar>] = [], trailing: [Matrix<Scalar>] = []
            var b = Matrix<Scalar>(rows: 0, columns: d)
            var logDeterminants = [Double](repeating: 0, count: k)
            var u: [Double] = [], centers: [Double] = []
            if FullCovariance.takesTriangularKernel(dimension: d, scalarSize: MemoryLayout<Scalar>.size) {
                let dp = MixtureRowKernels.paddedColumns(dimension: d)
                u = [Double](repeating: 0, count: k * d * dp)
                centers = [Double](repeating: 0, count: k * dp)
                // Through buffers, with one logarithm per component: this
                // runs every E-step, and subscripts and a logarithm per
                // diagonal entry were most of it at small d.
                means.withUnsafeBufferPointer { means in
                    for (c, factor) in factors.enumerated() {
                        factor.withUnsafeBufferPointer { factor in
                            var logDeterminant = LogOfProduct()
                            for i in 0..<d {
                                for j in i..<d { u[(c * d + i) * dp + j] = factor[i * d + j] }
                                logDeterminant.multiply(by: factor[i * d + i])
                            }
                            logDeterminants[c] = logDeterminant.logarithm
                            // bₖ = μₖᵀUₖ over the triangle.
                            for j in 0..<d {
                                var sum = 0.0
                                for i in 0...j { sum += means[c * d + i] * factor[i * d + j] }
                                centers[c * dp + j] = sum
                            }
                        }
                    }
                }
            } else {
                b = Matrix(rows: k, columns: d)
                for first in stride(from: 0, to: k, by: size) {
                    var left = Matrix<Scalar>(rows: h, columns: size * h)
                    var right = Matrix<Scalar>(rows: d, columns: size * (d - h))
                    for (slot, component) in (first..<Swift.min(first + size, k)).enumerated() {
                        let u = factors[component]
                        for i in 0..<h {
                            for j in 0..<h { left[i, slot * h + j] = Scalar(u[i, j]) }
                        }
                        for i in 0..<d {
                            for j in h..<d { right[i, slot * (d - h) + j - h] = Scalar(u[i, j]) }
                            logDeterminants[component] += Double.log(u[i, i])
                        }
                        let projected = means[rows: component..<(component + 1)].matmul(u)
                        for j in 0..<d { b[component, j] = Scalar(projected[0, j]) }
                    }
                    leading.append(left)
                    trailing.append(right)
                }
            }
            constants = componentConstants(logWeight: logWeight, logDeterminants: consume logDeterminants, dimension: d)
            dimension = d
            paddedFactors = u
            paddedMeans = centers
            leadingColumns = h
            groupSize = size
            leadingFactors = leading
            trailingFactors = trailing
            projectedMeans = b
        }

        /// - Complexity: about m·K·d²·(d + 8)/d flops by the triangular kernel,
        ///   1.5·m·K·d² by the GEMMs (2·m·K·d² below d = 8), for m rows.
        @_specialize(where Scalar == Float)
        @_specialize(where Scalar == Double)
        mutating func weightedLogDensities(features: Matrix<Scalar>, into logDensities: inout Matrix<Double>) {
            let m = features.rows, k = constants.count, d = dimension, h = leadingColumns, size = groupSize
            precondition(logDensities.rows == m && logDensities.columns == k)
            if !paddedFactors.isEmpty {
                MixtureRowKernels.triangularLogDensities(
                    features: features as! Matrix<Double>, dimension: d, factors: paddedFactors, means: paddedMeans,
                    constants: constants, into: &logDensities)
                return
            }
            if leadingProjections.rows != m {
                leadingProjections = .scratch(rows: m, columns: size * h)
                trailingProjections = .scratch(rows: m, columns: size * (d - h))
            }
            for group in leadingFactors.indices {
                let first = group * size
                projectRows(features, columns: h, leadingFactors[group], into: &leadingProjections)
                projectRows(features, columns: d, trailingFactors[group], into: &trailingProjections)
                MixtureRowKernels.splitProjectionDensities(
                    leading: leadingProjections, trailing: trailingProjections, components: first..<Swift.min(first + size, k),
                    leadingColumns: h, projectedMeans: projectedMeans, constants: constants, into: &logDensities)
            }
        }
    }
}
