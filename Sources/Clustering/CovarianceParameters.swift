import LinearAlgebra
import RealModule

/// Per-component second-order parameters — covariances, precisions, or
/// their Cholesky factors — in the shape scikit-learn uses for each
/// covariance type.
///
/// The numbers are kept as blocks whose layout the covariance family sets
/// (see ``CovarianceFamily``): d×d matrices (K of them for full, one for
/// tied), or one K×w matrix of values whose row k belongs to component k
/// (diag: the K×d diagonals; spherical: K×1). Everything here works on that
/// layout, never on the covariance type.
public struct CovarianceParameters: Sendable, Equatable {
    /// The covariance type the values belong to.
    public let covarianceType: CovarianceType
    /// The values, laid out as the family's ``CovarianceStorage`` says.
    let blocks: [Matrix<Double>]

    /// Values in the layout of `covarianceType`'s family.
    init(_ covarianceType: CovarianceType, blocks: [Matrix<Double>]) {
        self.covarianceType = covarianceType
        self.blocks = blocks
    }

    /// K matrices of d×d, one per component.
    public static func full(_ matrices: [Matrix<Double>]) -> CovarianceParameters { .init(.full, blocks: matrices) }
    /// One d×d matrix shared by every component.
    public static func tied(_ matrix: Matrix<Double>) -> CovarianceParameters { .init(.tied, blocks: [matrix]) }
    /// A K×d matrix: row k is the diagonal of component k.
    public static func diag(_ diagonals: Matrix<Double>) -> CovarianceParameters { .init(.diag, blocks: [diagonals]) }
    /// K values, one per component.
    public static func spherical(_ values: [Double]) -> CovarianceParameters {
        .init(.spherical, blocks: [Matrix(rows: values.count, columns: 1, elements: values)])
    }

    /// The d×d matrices, for the types that store matrices (full: K; tied:
    /// one); empty for the others.
    public var matrices: [Matrix<Double>] { storage == .matrices ? blocks : [] }

    /// The values per component (row k: component k's diagonal for diag,
    /// its single value for spherical), for the types that store values;
    /// an empty matrix for the others.
    public var componentValues: Matrix<Double> { storage == .componentValues ? blocks[0] : Matrix(rows: 0, columns: 0) }

    var storage: CovarianceStorage { covarianceType.family.storage }

    /// Identity matrices (or ones) for every component: unit covariances or
    /// precisions in the shape of `type`.
    public static func identity(_ type: CovarianceType, componentCount k: Int, dimension d: Int) -> CovarianceParameters {
        let family = type.family
        return CovarianceParameters(type, blocks: family.blockShapes(components: k, dimension: d).map { shape in
            family.storage == .matrices ? Matrix.identity(shape.rows) : Matrix(rows: shape.rows, columns: shape.columns, repeating: 1)
        })
    }

    /// The shape as scikit-learn reports it: `[K, d, d]`, `[d, d]`, `[K, d]` or
    /// `[K]`. Blocks of different shapes report `-1` where they differ, which
    /// matches no expected shape.
    public var shape: [Int] {
        let expectedRank = covarianceType.family.arrayShape(components: 1, dimension: 1).count
        guard let first = blocks.first else { return [0] + [Int](repeating: 0, count: expectedRank - 1) }
        let uniform = blocks.allSatisfy { $0.rows == first.rows && $0.columns == first.columns }
        switch expectedRank {
        case 3: return uniform ? [blocks.count, first.rows, first.columns] : [blocks.count, -1, -1]
        case 2: return [first.rows, first.columns]
        default: return [first.rows]
        }
    }

    /// The expected shape for `components` components in `dimension` dimensions.
    static func expectedShape(_ type: CovarianceType, components k: Int, dimension d: Int) -> [Int] {
        type.family.arrayShape(components: k, dimension: d)
    }

    /// The d×d matrix of component `k` (diagonal for the types that store values).
    public func matrix(component k: Int, dimension d: Int) -> Matrix<Double> {
        switch storage {
        case .matrices: return blocks.count == 1 ? blocks[0] : blocks[k]
        case .componentValues:
            let values = blocks[0].row(k)
            return Matrix(diagonal: values.count == 1 ? [Double](repeating: values[0], count: d) : values)
        }
    }

    /// Every number, block after block (row by row within a block).
    var flattened: [Double] { blocks.flatMap(\.elements) }

    /// Values of the same type and layout as `self`'s from `buffer`, read in
    /// the order of ``flattened``.
    init(_ type: CovarianceType, components k: Int, dimension d: Int, flattened buffer: ArraySlice<Double>) {
        var offset = buffer.startIndex
        let blocks = type.family.blockShapes(components: k, dimension: d).map { shape in
            defer { offset += shape.rows * shape.columns }
            return Matrix(rows: shape.rows, columns: shape.columns, elements: Array(buffer[offset..<(offset + shape.rows * shape.columns)]))
        }
        precondition(offset == buffer.endIndex, "\(buffer.count) values, expected \(offset - buffer.startIndex)")
        self.init(type, blocks: blocks)
    }

    /// Applies `matrixTransform` to every matrix, or `valueTransform` to
    /// every value, by the storage.
    func mapMatrices(_ matrixTransform: (Matrix<Double>) -> Matrix<Double>,
                     values valueTransform: (Double) -> Double) -> CovarianceParameters {
        CovarianceParameters(covarianceType, blocks: blocks.map { block in
            storage == .matrices ? matrixTransform(block) : block.map(valueTransform)
        })
    }

    /// Like ``mapMatrices(_:values:)``, for transforms that can fail: the
    /// thrown value is the first component at fault (0 when one matrix is
    /// shared by every component).
    func tryMapMatrices(_ matrixTransform: (Matrix<Double>, Int) throws(ComponentIndex) -> Matrix<Double>,
                        values valueTransform: (Double) -> Double) throws(ComponentIndex) -> CovarianceParameters {
        var mapped: [Matrix<Double>] = []
        mapped.reserveCapacity(blocks.count)
        for (index, block) in blocks.enumerated() {
            switch storage {
            case .matrices:
                mapped.append(try matrixTransform(block, index))
            case .componentValues:
                try Self.checkPositive(block)
                mapped.append(block.map(valueTransform))
            }
        }
        return CovarianceParameters(covarianceType, blocks: mapped)
    }
}

/// How a family lays out its covariances: see ``CovarianceParameters``.
enum CovarianceStorage {
    /// d×d matrices.
    case matrices
    /// One K×w matrix, row k for component k.
    case componentValues
}

// MARK: - Conversions between covariances, precisions and their Cholesky factors

extension CovarianceParameters {
    /// The Cholesky factors of the precisions, scikit-learn's
    /// `precisions_cholesky_`: for matrices, the upper-triangular U with
    /// precision = U·Uᵀ, computed as U = L⁻ᵀ from covariance = L·Lᵀ; for
    /// values, 1/√variance.
    ///
    /// - Throws: the first component whose covariance is not positive
    ///   definite (0 for a shared matrix).
    func precisionsCholeskyFromCovariances() throws(ComponentIndex) -> CovarianceParameters {
        let d = blocks.first?.rows ?? 0
        guard storage == .matrices && d <= SmallCholesky.largestDimension else {
            return try tryMapMatrices({ (covariance, k) throws(ComponentIndex) in
                try Self.upperPrecisionFactor(ofCovariance: covariance, component: k)
            }, values: { 1 / $0.squareRoot() })
        }
        // Small matrices (every M-step factorises K of them): SmallCholesky's
        // loops, all K factors in one allocation.
        var failed: Int? = nil
        let factors = Matrix<Double>.blocks(count: blocks.count, rows: d, columns: d) { c, factor in
            guard failed == nil, Self.writeUpperPrecisionFactor(ofCovariance: blocks[c], into: factor) else {
                failed = failed ?? c
                return
            }
        }
        if let failed { throw ComponentIndex(value: failed) }
        return CovarianceParameters(covarianceType, blocks: factors)
    }

    /// U = L⁻ᵀ for covariance = L·Lᵀ, so that U·Uᵀ = covariance⁻¹, by
    /// LAPACK (matrices above ``SmallCholesky/largestDimension``).
    static func upperPrecisionFactor(ofCovariance covariance: Matrix<Double>, component: Int) throws(ComponentIndex) -> Matrix<Double> {
        var factor = covariance
        do {
            try LAPACK.potrf(&factor, triangle: .lower)
            try LAPACK.trtri(&factor, triangle: .lower)
        } catch {
            throw ComponentIndex(value: component)
        }
        return factor.lowerTriangle().transposed()
    }

    /// U = L⁻ᵀ as ``upperPrecisionFactor(ofCovariance:component:)`` gives it,
    /// at d ≤ ``SmallCholesky/largestDimension``, written into `factor` (d × d);
    /// false, with `factor` zeroed, when the covariance is not positive
    /// definite. The Cholesky factor and its inverse are on the stack: this
    /// runs per component and iteration.
    static func writeUpperPrecisionFactor(ofCovariance covariance: Matrix<Double>, into factor: UnsafeMutableBufferPointer<Double>) -> Bool {
        let d = covariance.rows
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: 2 * d * d) { scratch in
            let lower = UnsafeMutableBufferPointer(rebasing: scratch[0..<(d * d)])
            let inverse = UnsafeMutableBufferPointer(rebasing: scratch[(d * d)...])
            let logDeterminant = covariance.withUnsafeBufferPointer { a in
                SmallCholesky.factorAndInvert(a, dimension: d, factor: lower, inverseFactor: inverse)
            }
            guard logDeterminant != nil else {
                factor.update(repeating: 0)
                return false
            }
            for i in 0..<d { for j in 0..<d { factor[i * d + j] = i <= j ? inverse[j * d + i] : 0 } }
            return true
        }
    }

    /// Throws the first row holding a value that is not finite and positive.
    private static func checkPositive(_ values: Matrix<Double>) throws(ComponentIndex) {
        let bad = values.withUnsafeBufferPointer { $0.firstIndex { !($0 > 0 && $0.isFinite) } }
        if let bad { throw ComponentIndex(value: bad / values.columns) }
    }

    /// The Cholesky factors of the precisions from the precisions themselves,
    /// as scikit-learn 1.9 computes them: U = J·chol(J·P·J)·J with J the
    /// exchange matrix, which is upper triangular with U·Uᵀ = P.
    func precisionsCholeskyFromPrecisions() throws(ComponentIndex) -> CovarianceParameters {
        try tryMapMatrices({ (precision, component) throws(ComponentIndex) in
            let n = precision.rows
            var flipped = Matrix(rows: n, columns: n) { i, j in precision[n - 1 - i, n - 1 - j] }
            do { try LAPACK.potrf(&flipped, triangle: .lower) } catch { throw ComponentIndex(value: component) }
            return Matrix(rows: n, columns: n) { i, j in i <= j ? flipped[n - 1 - i, n - 1 - j] : 0 }
        }, values: { $0.squareRoot() })
    }

    /// The inverses: precisions from covariances or the reverse, exactly as
    /// they are (nothing added).
    ///
    /// - Throws: the first component whose matrix is not positive definite
    ///   (0 for a shared matrix).
    public func inverted() throws(ComponentIndexError) -> CovarianceParameters {
        do {
            return try tryMapMatrices({ (m, k) throws(ComponentIndex) in
                do { return try Cholesky(m).inverse() } catch { throw ComponentIndex(value: k) }
            }, values: { 1 / $0 })
        } catch {
            throw ComponentIndexError(component: covarianceType.family.isShared ? nil : error.value)
        }
    }

    /// Precisions from their Cholesky factors: U·Uᵀ, or the square.
    func precisionsFromCholesky() -> CovarianceParameters {
        mapMatrices({ u in u.matmul(u, transposeOther: .transpose) }, values: { $0 * $0 })
    }

    /// Covariances from the Cholesky factors of the precisions:
    /// (U·Uᵀ)⁻¹ = U⁻ᵀ·U⁻¹, or 1/value².
    func covariancesFromPrecisionCholesky() -> CovarianceParameters {
        mapMatrices({ u in
            var inverse = u
            // The factors of a valid model have a positive diagonal.
            try! LAPACK.trtri(&inverse, triangle: .upper)
            let uInverse = inverse.upperTriangle()
            return uInverse.matmul(uInverse, transposeSelf: .transpose)
        }, values: { 1 / ($0 * $0) })
    }
}

/// A component index thrown by the conversions above; callers turn it into
/// a user-facing error that says which parameters were at fault.
struct ComponentIndex: Error {
    var value: Int
}

/// A matrix that is not positive definite, or a value that is not positive:
/// the component it belongs to, or nil when one matrix serves them all.
public struct ComponentIndexError: Error, Sendable {
    public var component: Int?
}
