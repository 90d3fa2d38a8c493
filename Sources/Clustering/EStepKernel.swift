import Foundation
import LinearAlgebra
import RealModule

/// The E-step for one set of parameters: per block of rows, the weighted
/// log-densities log πₖ + log N(x | μₖ, Σₖ) of every row under every
/// component, through one or two matrix products.
///
/// With Uₖ the upper Cholesky factor of the precision (Pₖ = Uₖ·Uₖᵀ),
/// bₖ = μₖᵀUₖ and x in coordinates shifted by the parameters' center,
///
///     log N(x | μₖ, Σₖ) = −½·d·log 2π + Σⱼ log (Uₖ)ⱼⱼ − ½·sₖ(x),
///     sₖ(x) = ‖xᵀUₖ − bₖ‖²
///
/// Each covariance type writes the rows as features φ(x) and the
/// parameters as coefficients C so that one GEMM φ·C gives sₖ itself (diag,
/// spherical); tied projects once and expands ‖y − bₖ‖² = ‖y‖² − 2y·bₖ +
/// ‖bₖ‖². Full projects every row on every Uₖ, and since Uₖ is upper
/// triangular, the first h = ⌊d/2⌋ columns of xᵀUₖ depend only on the
/// first h coordinates of x: two GEMMs, x₁..ₕ against the top-left blocks
/// and x against the last d − h columns, do ¾ of the flops of one against
/// the whole of Uₖ. bₖ is subtracted as the squares are summed.
///
/// The features are also what the M-step's statistics need (see
/// ``SufficientStatistics``), so a block is shifted and expanded once.
struct EStepKernel<Scalar: BLASScalar> {
    let covarianceType: CovarianceType
    let componentCount: Int
    let dimension: Int
    /// The center the data are shifted by.
    let center: [Scalar]
    /// log πₖ + log |Uₖ| − ½·d·log 2π, per component.
    let constants: [Double]
    /// The GEMM right-hand sides (features × outputs) for every type but
    /// full.
    let coefficientGroups: [Matrix<Scalar>]
    /// Full only: the projections' right-hand sides, per group of
    /// ``groupSize`` components (so the scratch stays small while blocks of
    /// rows stay tall): the top-left h × h blocks of the group's factors side
    /// by side (h × size·h), and their last d − h columns (d × size·(d − h)).
    /// A last, partial group is padded with zero columns.
    let leadingFactors: [Matrix<Scalar>]
    let trailingFactors: [Matrix<Scalar>]
    /// Full only: bₖ = μₖᵀUₖ (K × d), subtracted from the projections.
    let projectedMeans: Matrix<Scalar>
    /// Full only: h, the columns of each factor in ``leadingFactors``.
    let leadingColumns: Int
    /// Components per coefficient group (K for every type but full).
    let groupSize: Int
    /// Tied only: b (K×d), the component means projected by the shared factor.
    let tiedProjectedMeans: Matrix<Scalar>?
    /// Tied only: ‖bₖ‖².
    let tiedProjectedMeanNorms: [Double]

    /// Columns of φ(x).
    var featureCount: Int { Self.featureCount(covarianceType, dimension: dimension) }

    /// Columns of φ(x): [x, 1] (full, tied), [x∘x, x, 1] (diag), [x, ‖x‖², 1] (spherical).
    static func featureCount(_ type: CovarianceType, dimension d: Int) -> Int {
        switch type {
        case .full, .tied: return d + 1
        case .diag: return 2 * d + 1
        case .spherical: return d + 2
        }
    }

    init(_ parameters: MixtureParameters) {
        let k = parameters.componentCount, d = parameters.dimension
        covarianceType = parameters.covarianceType
        componentCount = k
        dimension = d
        let center = parameters.center
        self.center = center.map { Scalar($0) }
        // Means relative to the center.
        let means = Matrix<Double>(rows: k, columns: d) { i, j in parameters.means[i, j] - center[j] }
        let logTwoPi = Double.log(2 * .pi)
        var logDeterminants = [Double](repeating: 0, count: k)
        var tiedB: Matrix<Scalar>? = nil
        var tiedNorms: [Double] = []

        switch parameters.precisionCholesky {
        case .full(let factors):
            let size = Self.fullGroupSize(componentCount: k, dimension: d)
            let h = Self.leadingColumns(dimension: d)
            groupSize = size
            leadingColumns = h
            var leading: [Matrix<Scalar>] = [], trailing: [Matrix<Scalar>] = []
            var b = Matrix<Scalar>(rows: k, columns: d)
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
            leadingFactors = leading
            trailingFactors = trailing
            projectedMeans = b
            coefficientGroups = []
        case .tied(let u):
            (leadingFactors, trailingFactors, projectedMeans, leadingColumns) = ([], [], Matrix(rows: 0, columns: 0), 0)
            var c = Matrix<Double>(rows: d + 1, columns: d)
            c[rows: 0..<d] = u
            coefficientGroups = [Self.convert(c)]
            groupSize = k
            let b = means.matmul(u)
            tiedB = Self.convert(b)
            tiedNorms = b.map { $0 * $0 }.rowSums()
            let logDet = (0..<d).reduce(0.0) { $0 + Double.log(u[$1, $1]) }
            logDeterminants = [Double](repeating: logDet, count: k)
        case .diag(let factors):
            (leadingFactors, trailingFactors, projectedMeans, leadingColumns) = ([], [], Matrix(rows: 0, columns: 0), 0)
            // s = Σⱼ x²ⱼ·pⱼ − 2·xⱼ·μⱼ·pⱼ + μⱼ²·pⱼ with p = (1/√σ²)².
            var c = Matrix<Double>(rows: 2 * d + 1, columns: k)
            for component in 0..<k {
                for j in 0..<d {
                    let p = factors[component, j] * factors[component, j]
                    c[j, component] = p
                    c[d + j, component] = -2 * means[component, j] * p
                    c[2 * d, component] += means[component, j] * means[component, j] * p
                    logDeterminants[component] += Double.log(factors[component, j])
                }
            }
            coefficientGroups = [Self.convert(c)]
            groupSize = k
        case .spherical(let factors):
            (leadingFactors, trailingFactors, projectedMeans, leadingColumns) = ([], [], Matrix(rows: 0, columns: 0), 0)
            var c = Matrix<Double>(rows: d + 2, columns: k)
            for component in 0..<k {
                let p = factors[component] * factors[component]
                var norm = 0.0
                for j in 0..<d {
                    c[j, component] = -2 * means[component, j] * p
                    norm += means[component, j] * means[component, j]
                }
                c[d, component] = p
                c[d + 1, component] = norm * p
                logDeterminants[component] = Double(d) * Double.log(factors[component])
            }
            coefficientGroups = [Self.convert(c)]
            groupSize = k
        }
        constants = (0..<k).map { Double.log(parameters.weights[$0]) + logDeterminants[$0] - 0.5 * Double(d) * logTwoPi }
        tiedProjectedMeans = tiedB
        tiedProjectedMeanNorms = tiedNorms
    }

    /// Components per projection group for full covariance: about 1024
    /// projection columns, enough for BLAS to run at speed.
    static func fullGroupSize(componentCount k: Int, dimension d: Int) -> Int {
        Swift.min(k, Swift.max(1, 1024 / Swift.max(d, 1)))
    }

    /// h for full covariance: half the columns, or none below d = 8, where
    /// a second GEMM costs more than the flops it saves.
    static func leadingColumns(dimension d: Int) -> Int {
        d >= 8 ? d / 2 : 0
    }

    private static func convert(_ m: Matrix<Double>) -> Matrix<Scalar> {
        Scalar.self == Double.self ? m as! Matrix<Scalar> : Matrix(rows: m.rows, columns: m.columns) { Scalar(m[$0, $1]) }
    }

    /// Writes φ(x − center) for every row of `block` into `features`
    /// (rows × ``featureCount``).
    func computeFeatures(of block: Matrix<Scalar>, into features: inout Matrix<Scalar>) {
        Self.computeFeatures(of: block, center: center, covarianceType: covarianceType, into: &features)
    }

    /// φ(x − center) of every row for `covarianceType`: [x, 1] (full, tied),
    /// [x∘x, x, 1] (diag), [x, ‖x‖², 1] (spherical).
    static func computeFeatures(
        of block: Matrix<Scalar>, center: [Scalar], covarianceType type: CovarianceType, into features: inout Matrix<Scalar>
    ) {
        let d = block.columns, f = features.columns, m = block.rows
        precondition(center.count == d && features.rows == m && f == featureCount(type, dimension: d))
        block.withUnsafeBufferPointer { x in
            features.withUnsafeMutableBufferPointer { phi in
                center.withUnsafeBufferPointer { c in
                    let (x, phi, c) = (x.baseAddress!, phi.baseAddress!, c.baseAddress!)
                    switch type {
                    case .full, .tied:
                        for i in 0..<m {
                            let row = x + i * d, out = phi + i * f
                            for j in 0..<d { out[j] = row[j] - c[j] }
                            out[d] = 1
                        }
                    case .diag:
                        for i in 0..<m {
                            let row = x + i * d, out = phi + i * f
                            for j in 0..<d {
                                let v = row[j] - c[j]
                                out[j] = v * v
                                out[d + j] = v
                            }
                            out[2 * d] = 1
                        }
                    case .spherical:
                        for i in 0..<m {
                            let row = x + i * d, out = phi + i * f
                            var norm: Scalar = 0
                            for j in 0..<d {
                                let v = row[j] - c[j]
                                out[j] = v
                                norm += v * v
                            }
                            out[d] = norm
                            out[d + 1] = 1
                        }
                    }
                }
            }
        }
    }

    /// Scratch a block of `rows` rows needs, kept between blocks.
    struct Workspace {
        /// Full: the trailing d − h columns of a group's projections;
        /// otherwise the one GEMM's output.
        var projections: Matrix<Scalar>
        /// Full: the leading h columns of a group's projections.
        var leadingProjections: Matrix<Scalar>
        var tiedCross: Matrix<Scalar>

        init(rows: Int, kernel: EStepKernel) {
            let (d, h) = (kernel.dimension, kernel.leadingColumns)
            switch kernel.covarianceType {
            case .full: projections = Matrix(rows: rows, columns: kernel.groupSize * (d - h))
            case .tied: projections = Matrix(rows: rows, columns: d)
            case .diag, .spherical: projections = Matrix(rows: rows, columns: kernel.componentCount)
            }
            leadingProjections = Matrix(rows: kernel.covarianceType == .full ? rows : 0, columns: kernel.groupSize * h)
            tiedCross = kernel.covarianceType == .tied ? Matrix(rows: rows, columns: kernel.componentCount) : Matrix(rows: 0, columns: 0)
        }
    }

    /// The weighted log-densities (rows × K) of the rows whose features are
    /// `features`.
    ///
    /// - Complexity: 1.5·m·K·d² flops (full; 2·m·K·d² below d = 8), 2·m·d² + 2·m·K·d (tied),
    ///   4·m·K·d (diag), 2·m·K·d (spherical), for m rows.
    func weightedLogDensities(features: Matrix<Scalar>, workspace: inout Workspace, into logDensities: inout Matrix<Double>) {
        let m = features.rows, k = componentCount, d = dimension
        precondition(logDensities.rows == m && logDensities.columns == k)
        let constants = self.constants
        switch covarianceType {
        case .full:
            let h = leadingColumns
            for group in leadingFactors.indices {
                let first = group * groupSize, members = Swift.min(groupSize, k - first)
                Self.projectRows(features, columns: h, leadingFactors[group], into: &workspace.leadingProjections)
                Self.projectRows(features, columns: d, trailingFactors[group], into: &workspace.projections)
                workspace.leadingProjections.withUnsafeBufferPointer { left in
                    workspace.projections.withUnsafeBufferPointer { right in
                        projectedMeans.withUnsafeBufferPointer { b in
                            logDensities.withUnsafeMutableBufferPointer { out in
                                let (leftWidth, rightWidth) = (groupSize * h, groupSize * (d - h))
                                for i in 0..<m {
                                    for slot in 0..<members {
                                        let c = first + slot
                                        let s = Self.sumOfSquaredDifferences(left, i * leftWidth + slot * h, b, c * d, h)
                                            + Self.sumOfSquaredDifferences(right, i * rightWidth + slot * (d - h), b, c * d + h, d - h)
                                        out[i * k + c] = constants[c] - 0.5 * Double(s)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        case .tied:
            BLAS.gemm(features, coefficientGroups[0], into: &workspace.projections)
            BLAS.gemm(workspace.projections, tiedProjectedMeans!, into: &workspace.tiedCross, transposeB: .transpose)
            let norms = tiedProjectedMeanNorms
            workspace.projections.withUnsafeBufferPointer { y in
                workspace.tiedCross.withUnsafeBufferPointer { cross in
                    logDensities.withUnsafeMutableBufferPointer { out in
                        for i in 0..<m {
                            let yNorm = Double(Self.sumOfSquares(y, i * d, d))
                            for c in 0..<k {
                                let s = Swift.max(0, yNorm - 2 * Double(cross[i * k + c]) + norms[c])
                                out[i * k + c] = constants[c] - 0.5 * s
                            }
                        }
                    }
                }
            }
        case .diag, .spherical:
            BLAS.gemm(features, coefficientGroups[0], into: &workspace.projections)
            workspace.projections.withUnsafeBufferPointer { s in
                logDensities.withUnsafeMutableBufferPointer { out in
                    for i in 0..<(m * k) {
                        out[i] = constants[i % k] - 0.5 * Swift.max(0, Double(s[i]))
                    }
                }
            }
        }
    }

    /// `out ← φ[:, 0..<columns] · factors`: the first `columns` features of
    /// every row (x, without the constant) against the factors' columns.
    private static func projectRows(_ features: Matrix<Scalar>, columns: Int, _ factors: Matrix<Scalar>, into out: inout Matrix<Scalar>) {
        let m = features.rows, n = factors.columns
        precondition(factors.rows == columns && columns <= features.columns && out.rows == m && out.columns == n)
        guard m > 0 && n > 0 && columns > 0 else { return }
        features.withUnsafeBufferPointer { x in
            factors.withUnsafeBufferPointer { u in
                out.withUnsafeMutableBufferPointer { y in
                    Scalar.blasGemm(.none, .none, m, n, columns, 1, x.baseAddress!, features.columns,
                                    u.baseAddress!, n, 0, y.baseAddress!, n)
                }
            }
        }
    }

    /// Σ (y − b)² over `count` elements of y from `start` and of b from
    /// `offset`, in the data's precision with four accumulators.
    @inline(__always)
    static func sumOfSquaredDifferences(
        _ y: UnsafeBufferPointer<Scalar>, _ start: Int, _ b: UnsafeBufferPointer<Scalar>, _ offset: Int, _ count: Int
    ) -> Scalar {
        var (a0, a1, a2, a3): (Scalar, Scalar, Scalar, Scalar) = (0, 0, 0, 0)
        var j = 0
        while j + 4 <= count {
            let v0 = y[start + j] - b[offset + j], v1 = y[start + j + 1] - b[offset + j + 1]
            let v2 = y[start + j + 2] - b[offset + j + 2], v3 = y[start + j + 3] - b[offset + j + 3]
            a0 += v0 * v0; a1 += v1 * v1; a2 += v2 * v2; a3 += v3 * v3
            j += 4
        }
        while j < count {
            let v = y[start + j] - b[offset + j]
            a0 += v * v
            j += 1
        }
        return (a0 + a1) + (a2 + a3)
    }

    /// Σ y² over `count` elements from `start`, in the data's precision
    /// with four accumulators so the loop vectorises.
    @inline(__always)
    static func sumOfSquares(_ y: UnsafeBufferPointer<Scalar>, _ start: Int, _ count: Int) -> Scalar {
        var (a0, a1, a2, a3): (Scalar, Scalar, Scalar, Scalar) = (0, 0, 0, 0)
        var j = 0
        while j + 4 <= count {
            let v0 = y[start + j], v1 = y[start + j + 1], v2 = y[start + j + 2], v3 = y[start + j + 3]
            a0 += v0 * v0; a1 += v1 * v1; a2 += v2 * v2; a3 += v3 * v3
            j += 4
        }
        while j < count { a0 += y[start + j] * y[start + j]; j += 1 }
        return (a0 + a1) + (a2 + a3)
    }
}

