import LinearAlgebra
import RealModule

/// What one E-step pass leaves behind and the M-step needs: per component
/// the responsibility mass Nₖ = Σᵢ rᵢₖ, the first moment Σᵢ rᵢₖ·xᵢ and the
/// second moment (a d×d matrix, a diagonal or a single number, by
/// covariance type), plus the weighted log-likelihood.
///
/// Statistics of disjoint sets of rows, taken under the same parameters,
/// add up: ``merge(_:)`` with ``zero(componentCount:dimension:covarianceType:shifts:)``
/// as identity makes them a monoid. That one fact serves blocks of a pass,
/// `partialFit`-style streaming, and the allreduce of distributed EM.
///
/// Moments are kept around shifts rather than the origin, so that
/// Σ = S₂/N − (m − c)(m − c)ᵀ does not cancel catastrophically: every type
/// shifts by the parameters' center Σₖ πₖμₖ, and full covariance further
/// shifts component k by its previous mean.
public struct SufficientStatistics: Sendable, Equatable {
    /// The covariance type the second moments are for.
    public let covarianceType: CovarianceType
    /// K.
    public let componentCount: Int
    /// d.
    public let dimension: Int
    /// The point every moment is taken around (d values).
    let center: [Double]
    /// Full only: component k's second moment is taken around
    /// `center + componentShifts[k]` (K×d).
    let componentShifts: Matrix<Double>
    /// Σᵢ wᵢ over the rows seen (the number of rows without sample weights).
    public internal(set) var totalWeight: Double
    /// Σᵢ wᵢ·log p(xᵢ) under the parameters the E-step used.
    public internal(set) var logLikelihoodSum: Double
    /// Nₖ = Σᵢ wᵢ·rᵢₖ (K).
    public internal(set) var counts: [Double]
    /// Σᵢ wᵢ·rᵢₖ·(xᵢ − center) (K×d).
    var firstMoments: Matrix<Double>
    /// Second moments around the shifts: full K×(d×d) lower triangles as
    /// one (K·d)×d matrix; tied d×d (lower triangle); diag K×d; spherical K×1.
    var secondMoments: Matrix<Double>

    /// Statistics of no rows.
    static func zero(componentCount k: Int, dimension d: Int, covarianceType: CovarianceType,
                     center: [Double], componentShifts: Matrix<Double>? = nil) -> SufficientStatistics {
        let secondShape: (Int, Int)
        switch covarianceType {
        case .full: secondShape = (k * d, d)
        case .tied: secondShape = (d, d)
        case .diag: secondShape = (k, d)
        case .spherical: secondShape = (k, 1)
        }
        return SufficientStatistics(
            covarianceType: covarianceType, componentCount: k, dimension: d, center: center,
            componentShifts: componentShifts ?? Matrix(rows: covarianceType == .full ? k : 0, columns: d),
            totalWeight: 0, logLikelihoodSum: 0, counts: [Double](repeating: 0, count: k),
            firstMoments: Matrix(rows: k, columns: d), secondMoments: Matrix(rows: secondShape.0, columns: secondShape.1))
    }

    /// Adds the statistics of other rows taken under the same parameters.
    ///
    /// - Precondition: both were taken around the same center and shifts.
    public mutating func merge(_ other: SufficientStatistics) {
        precondition(covarianceType == other.covarianceType && componentCount == other.componentCount
                     && dimension == other.dimension, "merging statistics of different mixtures")
        precondition(center == other.center && componentShifts == other.componentShifts,
                     "merging statistics taken under different parameters")
        totalWeight += other.totalWeight
        logLikelihoodSum += other.logLikelihoodSum
        for k in counts.indices { counts[k] += other.counts[k] }
        BLAS.axpy(1, other.firstMoments, &firstMoments)
        BLAS.axpy(1, other.secondMoments, &secondMoments)
    }

    /// The mean log-likelihood per unit of weight: scikit-learn's lower bound.
    public var meanLogLikelihood: Double { logLikelihoodSum / totalWeight }
}

// MARK: - The M-step

extension SufficientStatistics {
    /// The maximum-likelihood parameters for these statistics, with
    /// `regularization` added to every variance, as scikit-learn's M-step
    /// computes them (including its 10·ε added to every Nₖ, which keeps an
    /// empty component finite).
    ///
    /// - Parameter weightsOverTotal: divide Nₖ by the total weight rather
    ///   than by Σₖ Nₖ (scikit-learn's initialisation does this).
    /// - Throws: ``ClusteringError/componentCollapsed(component:regularization:)``.
    /// - Complexity: O(K·d³) for full, O(d³ + K·d²) for tied, O(K·d) otherwise.
    func parameters(regularization: Double, weightsOverTotal: Bool = false) throws(ClusteringError) -> (MixtureParameters, CovarianceParameters) {
        let k = componentCount, d = dimension
        // Overflowed sums would surface below as a "collapsed" component.
        guard firstMoments.elements.allSatisfy(\.isFinite) && secondMoments.elements.allSatisfy(\.isFinite) else {
            throw .statisticsOverflow
        }
        let n = counts.map { $0 + 10 * Double.ulpOfOne }
        let nTotal = n.reduce(0, +)
        let weights = n.map { $0 / (weightsOverTotal ? totalWeight : nTotal) }
        // m′ₖ: the new means relative to the center.
        let shiftedMeans = Matrix<Double>(rows: k, columns: d) { i, j in firstMoments[i, j] / n[i] }
        let means = Matrix<Double>(rows: k, columns: d) { i, j in shiftedMeans[i, j] + center[j] }

        let covariances: CovarianceParameters
        switch covarianceType {
        case .full:
            covariances = .full((0..<k).map { c in
                // Σ = (S₂ − N·a·aᵀ)/N′ with a = m′ − δ, the mean relative to the shift.
                let a = (0..<d).map { shiftedMeans[c, $0] - componentShifts[c, $0] }
                var sigma = Matrix<Double>(rows: d, columns: d) { i, j in
                    j <= i ? (secondMoments[c * d + i, j] - counts[c] * a[i] * a[j]) / n[c] : 0
                }
                sigma.symmetrize(from: .lower)
                for i in 0..<d { sigma[i, i] += regularization }
                return sigma
            })
        case .tied:
            var meanOuter = Matrix<Double>(rows: d, columns: d)
            let scaled = Matrix<Double>(rows: k, columns: d) { i, j in shiftedMeans[i, j] * n[i].squareRoot() }
            BLAS.syrk(scaled, into: &meanOuter, triangle: .lower, transpose: .transpose)
            var sigma = Matrix<Double>(rows: d, columns: d) { i, j in
                j <= i ? (secondMoments[i, j] - meanOuter[i, j]) / nTotal : 0
            }
            sigma.symmetrize(from: .lower)
            for i in 0..<d { sigma[i, i] += regularization }
            covariances = .tied(sigma)
        case .diag:
            covariances = .diag(Matrix(rows: k, columns: d) { i, j in
                secondMoments[i, j] / n[i] - shiftedMeans[i, j] * shiftedMeans[i, j] + regularization
            })
        case .spherical:
            covariances = .spherical((0..<k).map { c in
                let squaredNorm = (0..<d).reduce(0.0) { $0 + shiftedMeans[c, $1] * shiftedMeans[c, $1] }
                return (secondMoments[c, 0] / n[c] - squaredNorm) / Double(d) + regularization
            })
        }
        let factors: CovarianceParameters
        do {
            factors = try covariances.precisionCholeskyFromCovariances()
        } catch {
            throw .componentCollapsed(component: covarianceType == .tied ? nil : error.value, regularization: regularization)
        }
        return (MixtureParameters(weights: weights, means: means, precisionCholesky: factors), covariances)
    }
}

// MARK: - Accumulating a block

extension SufficientStatistics {
    /// Scratch for accumulating blocks of `rows` rows.
    struct Workspace<Scalar: BLASScalar> {
        var moments: Matrix<Scalar>
        var scaledRows: Matrix<Scalar>
        var gram: Matrix<Scalar>
        /// Rᵀ·φ in Double (K × features).
        var wideMoments: Matrix<Double>
        /// Whether Rᵀ·φ is taken in Double from widened φ and R: Float diag and
        /// spherical, whose variances cancel (see `accumulate`).
        let widens: Bool
        /// φ and R widened to Double, when `widens`.
        var wideFeatures: Matrix<Double>
        var wideResponsibilities: Matrix<Double>

        init(rows: Int, featureCount: Int, componentCount k: Int, dimension d: Int, covarianceType: CovarianceType) {
            let needsGram = covarianceType == .full || covarianceType == .tied
            widens = Scalar.self != Double.self && !needsGram
            moments = Matrix(rows: k, columns: featureCount)
            scaledRows = Matrix(rows: needsGram ? rows : 0, columns: d)
            gram = Matrix(rows: needsGram ? d : 0, columns: d)
            wideMoments = Matrix(rows: k, columns: featureCount)
            wideFeatures = Matrix(rows: widens ? rows : 0, columns: featureCount)
            wideResponsibilities = Matrix(rows: widens ? rows : 0, columns: k)
        }
    }

    /// Adds a block: `features` are the E-step kernel's φ(x − center) of its
    /// rows, `responsibilities` the rᵢₖ already multiplied by the sample
    /// weights, and `rowWeights` the sample weights (nil: all 1).
    ///
    /// - Complexity: 2·m·K·F flops for the moments (F features) plus, for
    ///   full, m·K·d² (K SYRKs) and for tied m·d².
    mutating func accumulate<Scalar: BLASScalar>(
        features: Matrix<Scalar>, responsibilities: Matrix<Scalar>, rowWeights: UnsafeBufferPointer<Double>?,
        workspace: inout Workspace<Scalar>
    ) {
        let k = componentCount, d = dimension, f = features.columns
        // Rᵀ·φ gives Nₖ and Σ r·x at once (φ ends in a column of ones), and
        // for diag the Σ r·x² and for spherical the Σ r·‖x‖² as well.
        if workspace.widens {
            // Float diag and spherical: the variance is Σ r·x²/N − m², which
            // cancels; with x² rounded to Float a component of few rows gets
            // rounding noise of ε_Float·x² in place of its variance. Squares
            // and sums of the same (Float) x in Double cancel exactly.
            widenFeatures(features, responsibilities, &workspace)
            BLAS.gemm(workspace.wideResponsibilities, workspace.wideFeatures, into: &workspace.wideMoments, transposeA: .transpose)
        } else {
            BLAS.gemm(responsibilities, features, into: &workspace.moments, transposeA: .transpose)
            workspace.moments.withUnsafeBufferPointer { narrow in
                workspace.wideMoments.withUnsafeMutableBufferPointer { wide in
                    for i in narrow.indices { wide[i] = Double(narrow[i]) }
                }
            }
        }
        let moments = workspace.wideMoments
        let firstColumn = covarianceType == .diag ? d : 0
        for c in 0..<k {
            counts[c] += moments[c, f - 1]
            for j in 0..<d { firstMoments[c, j] += moments[c, firstColumn + j] }
            switch covarianceType {
            case .diag: for j in 0..<d { secondMoments[c, j] += moments[c, j] }
            case .spherical: secondMoments[c, 0] += moments[c, d]
            case .full, .tied: break
            }
        }
        switch covarianceType {
        case .full:
            for c in 0..<k {
                let shift = (0..<d).map { Scalar(componentShifts[c, $0]) }
                // Rows whose responsibility is exactly zero add exactly nothing:
                // leave them out of the SYRK (with separated components, most are).
                let used = fillScaledRows(&workspace.scaledRows, features: features, responsibilities: responsibilities,
                                          shift: shift) { r, i in r[i * k + c].squareRoot() }
                guard used > 0 else { continue }
                BLAS.syrk(workspace.scaledRows[rows: 0..<used], into: &workspace.gram, triangle: .lower, transpose: .transpose)
                addLowerTriangle(workspace.gram, toRowsFrom: c * d)
            }
        case .tied:
            let zero = [Scalar](repeating: 0, count: d)
            let used = fillScaledRows(&workspace.scaledRows, features: features, responsibilities: responsibilities,
                                      shift: zero) { _, i in rowWeights.map { Scalar($0[i].squareRoot()) } ?? 1 }
            BLAS.syrk(workspace.scaledRows[rows: 0..<used], into: &workspace.gram, triangle: .lower, transpose: .transpose)
            addLowerTriangle(workspace.gram, toRowsFrom: 0)
        case .diag, .spherical:
            break
        }
    }

    /// Diag and spherical: φ(x) recomputed in Double from the x it holds
    /// ([x∘x, x, 1] or [x, ‖x‖², 1]), and the responsibilities widened.
    private func widenFeatures<Scalar: BLASScalar>(
        _ features: Matrix<Scalar>, _ responsibilities: Matrix<Scalar>, _ workspace: inout Workspace<Scalar>
    ) {
        let d = dimension, f = features.columns, m = features.rows
        let diag = covarianceType == .diag
        if workspace.wideFeatures.rows != m {
            workspace.wideFeatures = Matrix(rows: m, columns: f)
            workspace.wideResponsibilities = Matrix(rows: m, columns: componentCount)
        }
        features.withUnsafeBufferPointer { phi in
            workspace.wideFeatures.withUnsafeMutableBufferPointer { out in
                for i in 0..<m {
                    let row = i * f
                    if diag {
                        for j in 0..<d {
                            let v = Double(phi[row + d + j])
                            out[row + j] = v * v
                            out[row + d + j] = v
                        }
                        out[row + 2 * d] = 1
                    } else {
                        var norm = 0.0
                        for j in 0..<d {
                            let v = Double(phi[row + j])
                            out[row + j] = v
                            norm += v * v
                        }
                        out[row + d] = norm
                        out[row + d + 1] = 1
                    }
                }
            }
        }
        responsibilities.withUnsafeBufferPointer { r in
            workspace.wideResponsibilities.withUnsafeMutableBufferPointer { out in
                for i in r.indices { out[i] = Double(r[i]) }
            }
        }
    }

    /// Writes scale(i)·(x′ᵢ − shift) (x′ᵢ the first d features) for every row
    /// of non-zero scale, packed from the top of `scaled`; returns how many.
    private func fillScaledRows<Scalar: BLASScalar>(
        _ scaled: inout Matrix<Scalar>, features: Matrix<Scalar>, responsibilities: Matrix<Scalar>, shift: [Scalar],
        scale: (UnsafeBufferPointer<Scalar>, Int) -> Scalar
    ) -> Int {
        let d = dimension, f = features.columns, m = features.rows
        return features.withUnsafeBufferPointer { phi in
            responsibilities.withUnsafeBufferPointer { r in
                scaled.withUnsafeMutableBufferPointer { z in
                    var used = 0
                    for i in 0..<m {
                        let s = scale(r, i)
                        if s == 0 { continue }
                        let out = used * d, row = i * f
                        for j in 0..<d { z[out + j] = s * (phi[row + j] - shift[j]) }
                        used += 1
                    }
                    return used
                }
            }
        }
    }

    /// Adds the lower triangle of a d×d Gram matrix to rows `start..<start + d`
    /// of the second moments, widening to Double.
    private mutating func addLowerTriangle<Scalar: BLASScalar>(_ gram: Matrix<Scalar>, toRowsFrom start: Int) {
        let d = dimension
        gram.withUnsafeBufferPointer { g in
            secondMoments.withUnsafeMutableBufferPointer { s in
                for i in 0..<d {
                    let target = (start + i) * d, source = i * d
                    for j in 0...i { s[target + j] += Double(g[source + j]) }
                }
            }
        }
    }
}
