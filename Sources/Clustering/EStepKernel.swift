import Foundation
import LinearAlgebra
import RealModule

/// The E-step for one set of parameters: per block of rows, the weighted
/// log-densities log πₖ + log N(x | μₖ, Σₖ) of every row under every
/// component, through one or two matrix products.
///
/// With Uₖ the upper Cholesky factor of the precision (Pₖ = Uₖ·Uₖᵀ),
/// bₖ = μₖᵀUₖ and x in coordinates shifted by the parameters' centre,
///
///     log N(x | μₖ, Σₖ) = −½·d·log 2π + Σⱼ log (Uₖ)ⱼⱼ − ½·sₖ(x),
///     sₖ(x) = ‖xᵀUₖ − bₖ‖²
///
/// Each covariance type writes the rows as features φ(x) and the
/// parameters as coefficients C so that one GEMM φ·C gives either the
/// projections xᵀUₖ − bₖ (full) or sₖ itself (diag, spherical); tied
/// projects once and expands ‖y − bₖ‖² = ‖y‖² − 2y·bₖ + ‖bₖ‖².
///
/// The features are also what the M-step's statistics need (see
/// ``SufficientStatistics``), so a block is shifted and expanded once.
struct EStepKernel<Scalar: BLASScalar> {
    let covarianceType: CovarianceType
    let componentCount: Int
    let dimension: Int
    /// The centre the data are shifted by.
    let centre: [Scalar]
    /// log πₖ + log |Uₖ| − ½·d·log 2π, per component.
    let constants: [Double]
    /// The GEMM right-hand sides (features × outputs): one for every type
    /// but full, whose K·d projection columns are split into groups of
    /// ``groupSize`` components so the scratch stays small while blocks of
    /// rows stay tall.
    let coefficientGroups: [Matrix<Scalar>]
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
        let centre = parameters.centre
        self.centre = centre.map { Scalar($0) }
        // Means relative to the centre.
        let means = Matrix<Double>(rows: k, columns: d) { i, j in parameters.means[i, j] - centre[j] }
        let logTwoPi = Double.log(2 * .pi)
        var logDeterminants = [Double](repeating: 0, count: k)
        var tiedB: Matrix<Scalar>? = nil
        var tiedNorms: [Double] = []

        switch parameters.precisionCholesky {
        case .full(let factors):
            // Per group: rows 0..<d hold [U_first … U_last], row d holds [−b_first … −b_last];
            // a last, partial group is padded with zero columns so every group has one width.
            let size = Self.fullGroupSize(componentCount: k, dimension: d)
            groupSize = size
            var groups: [Matrix<Scalar>] = []
            for first in stride(from: 0, to: k, by: size) {
                let members = first..<Swift.min(first + size, k)
                var c = Matrix<Scalar>(rows: d + 1, columns: size * d)
                c.withUnsafeMutableBufferPointer { out in
                    let width = size * d
                    for (slot, component) in members.enumerated() {
                        let u = factors[component]
                        let b = means[rows: component..<(component + 1)].matmul(u)
                        u.withUnsafeBufferPointer { u in
                            for i in 0..<d {
                                for j in 0..<d { out[i * width + slot * d + j] = Scalar(u[i * d + j]) }
                                logDeterminants[component] += Double.log(u[i * d + i])
                            }
                        }
                        for j in 0..<d { out[d * width + slot * d + j] = Scalar(-b[0, j]) }
                    }
                }
                groups.append(c)
            }
            coefficientGroups = groups
        case .tied(let u):
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

    private static func convert(_ m: Matrix<Double>) -> Matrix<Scalar> {
        Scalar.self == Double.self ? m as! Matrix<Scalar> : Matrix(rows: m.rows, columns: m.columns) { Scalar(m[$0, $1]) }
    }

    /// Writes φ(x − centre) for every row of `block` into `features`
    /// (rows × ``featureCount``).
    func computeFeatures(of block: Matrix<Scalar>, into features: inout Matrix<Scalar>) {
        Self.computeFeatures(of: block, centre: centre, covarianceType: covarianceType, into: &features)
    }

    /// φ(x − centre) of every row for `covarianceType`: [x, 1] (full, tied),
    /// [x∘x, x, 1] (diag), [x, ‖x‖², 1] (spherical).
    static func computeFeatures(
        of block: Matrix<Scalar>, centre: [Scalar], covarianceType type: CovarianceType, into features: inout Matrix<Scalar>
    ) {
        let d = block.columns, f = features.columns, m = block.rows
        precondition(centre.count == d && features.rows == m && f == featureCount(type, dimension: d))
        block.withUnsafeBufferPointer { x in
            features.withUnsafeMutableBufferPointer { phi in
                centre.withUnsafeBufferPointer { c in
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
        var projections: Matrix<Scalar>
        var tiedCross: Matrix<Scalar>

        init(rows: Int, kernel: EStepKernel) {
            switch kernel.covarianceType {
            case .full: projections = Matrix(rows: rows, columns: kernel.groupSize * kernel.dimension)
            case .tied: projections = Matrix(rows: rows, columns: kernel.dimension)
            case .diag, .spherical: projections = Matrix(rows: rows, columns: kernel.componentCount)
            }
            tiedCross = kernel.covarianceType == .tied ? Matrix(rows: rows, columns: kernel.componentCount) : Matrix(rows: 0, columns: 0)
        }
    }

    /// The weighted log-densities (rows × K) of the rows whose features are
    /// `features`.
    ///
    /// - Complexity: 2·m·K·d² flops (full), 2·m·d² + 2·m·K·d (tied),
    ///   4·m·K·d (diag), 2·m·K·d (spherical), for m rows.
    func weightedLogDensities(features: Matrix<Scalar>, workspace: inout Workspace, into logDensities: inout Matrix<Double>) {
        let m = features.rows, k = componentCount, d = dimension
        precondition(logDensities.rows == m && logDensities.columns == k)
        let constants = self.constants
        switch covarianceType {
        case .full:
            for (group, coefficients) in coefficientGroups.enumerated() {
                let first = group * groupSize, width = coefficients.columns
                let members = Swift.min(groupSize, k - first)
                BLAS.gemm(features, coefficients, into: &workspace.projections)
                workspace.projections.withUnsafeBufferPointer { y in
                    logDensities.withUnsafeMutableBufferPointer { out in
                        for i in 0..<m {
                            for slot in 0..<members {
                                let c = first + slot
                                out[i * k + c] = constants[c] - 0.5 * Double(Self.sumOfSquares(y, i * width + slot * d, d))
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

