import LinearAlgebra
import RealModule

/// A family's log-densities for one set of parameters: the weighted
/// log-densities log πₖ + log N(xᵢ | μₖ, Σₖ) of a block of rows from their
/// features (see ``CovarianceFamily``). A kernel keeps its scratch between
/// blocks; each worker uses its own copy.
protocol LogDensityKernel<Scalar> {
    associatedtype Scalar: BLASScalar

    /// Writes the weighted log-densities (m × K) of the m rows whose
    /// features are `features` into `logDensities`.
    mutating func weightedLogDensities(features: Matrix<Scalar>, into logDensities: inout Matrix<Double>)

    /// Whether ``weightedLogDensities(rows:center:into:)`` takes the
    /// log-densities from the rows themselves: the kernel reads features of
    /// the diagonal or the spherical layout (``RowFeatures``), which it
    /// forms from z = x − center as it goes, so an E-step of such a kernel
    /// need not write them.
    var readsRows: Bool { get }

    /// The weighted log-densities of the rows (m × d) about `center`, for
    /// a kernel that ``readsRows``.
    mutating func weightedLogDensities(rows: Matrix<Scalar>, center: [Scalar], into logDensities: inout Matrix<Double>)
}

extension LogDensityKernel {
    var readsRows: Bool { false }

    mutating func weightedLogDensities(rows: Matrix<Scalar>, center: [Scalar], into logDensities: inout Matrix<Double>) {
        preconditionFailure("this kernel reads features, not rows")
    }
}

/// cₖ = log πₖ + log |Uₖ| − ½·d·log 2π per component, from the log-determinants
/// of the precision factors: the part of the log-density that does not
/// depend on x.
/// `logWeight(k)` is log πₖ (or what replaces it: ``MixtureParameters/logWeight(of:)``).
func componentConstants(logWeight: (Int) -> Double, logDeterminants: consuming [Double], dimension d: Int) -> [Double] {
    let logTwoPi = Double.log(2 * .pi)
    // In place: the determinants are the caller's scratch.
    var constants = logDeterminants
    for c in constants.indices { constants[c] = logWeight(c) + constants[c] - 0.5 * Double(d) * logTwoPi }
    return constants
}

/// The kernel of the families whose sₖ(x) is linear in their features
/// (diag: φ = [x∘x, x, 1]; spherical: φ = [x, ‖x‖², 1]): one product φ·C
/// with coefficients C (features × K) gives every sₖ of a block, taken
/// from the rows themselves where the layout's features can be
/// (``readsRows``).
struct QuadraticFormKernel<Scalar: BLASScalar>: LogDensityKernel {
    let constants: [Double]
    let coefficients: Matrix<Scalar>
    /// For Double rows: the coefficients padded to whole vectors of
    /// components, for `MixtureRowKernels.linearForms`, which does the
    /// product and the offset in one pass. Empty for Float rows, and for
    /// coefficients beyond ``linearFormsBytes``, which take the GEMM.
    let paddedCoefficients: [Double]
    /// The layout of the features the coefficients are for, when they are
    /// padded and that layout's rows can be read in their place.
    private let rowFeatures: RowFeatures?
    var readsRows: Bool { rowFeatures != nil }

    /// The largest padded coefficient matrix the linear-forms kernel takes.
    /// Every tile of eight rows reads all of it, so it must stay in the L2
    /// cache; beyond that the GEMM's blocking wins. VVI, n = 20 000, Zen 4,
    /// ms per iteration, GEMM / kernel: d = 64, K = 256 (264 KiB): 63 / 50–57;
    /// d = 128, K = 1024 (2.1 MiB): 343 / 506.
    static var linearFormsBytes: Int { 512 << 10 }
    private var forms = Matrix<Scalar>(rows: 0, columns: 0)

    // Specialised: the factors are copied element by element.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    init(constants: [Double], coefficients: Matrix<Double>, rowFeatures: RowFeatures? = nil) {
        self.constants = constants
        self.coefficients = coefficients.converted()
        let (f, k) = (coefficients.rows, coefficients.columns), kp = MixtureRowKernels.paddedColumns(dimension: k)
        if Scalar.self == Double.self && f * kp * MemoryLayout<Double>.size <= Self.linearFormsBytes {
            var padded = [Double](repeating: 0, count: f * kp)
            for j in 0..<f { for c in 0..<k { padded[j * kp + c] = coefficients[j, c] } }
            paddedCoefficients = padded
        } else {
            paddedCoefficients = []
        }
        self.rowFeatures = paddedCoefficients.isEmpty ? nil : rowFeatures
    }

    /// The diagonal family's kernel on features [y∘y, y, 1]: with
    /// precisions pₖⱼ (K × d) and means bₖ (K × d) in y's coordinates,
    /// sₖ(y) = Σⱼ pₖⱼ·y²ⱼ − 2·pₖⱼ·bₖⱼ·yⱼ + pₖⱼ·b²ₖⱼ.
    init(diagonalPrecisions p: Matrix<Double>, means b: Matrix<Double>, logWeight: (Int) -> Double, logDeterminants: consuming [Double]) {
        let k = p.rows, d = p.columns
        var coefficients = Matrix<Double>(rows: 2 * d + 1, columns: k)
        for c in 0..<k {
            for j in 0..<d {
                coefficients[j, c] = p[c, j]
                coefficients[d + j, c] = -2 * b[c, j] * p[c, j]
                coefficients[2 * d, c] += b[c, j] * b[c, j] * p[c, j]
            }
        }
        self.init(constants: componentConstants(logWeight: logWeight, logDeterminants: consume logDeterminants, dimension: d),
                  coefficients: coefficients, rowFeatures: .diagonal)
    }

    /// - Complexity: 2·m·F·K flops for m rows of F features.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    mutating func weightedLogDensities(features: Matrix<Scalar>, into logDensities: inout Matrix<Double>) {
        let m = features.rows, k = constants.count
        precondition(logDensities.rows == m && logDensities.columns == k)
        if !paddedCoefficients.isEmpty {
            MixtureRowKernels.linearForms(features: features as! Matrix<Double>, coefficients: paddedCoefficients,
                                          constants: constants, into: &logDensities)
            return
        }
        if forms.rows != m { forms = .scratch(rows: m, columns: k) }
        BLAS.gemm(features, coefficients, into: &forms)
        MixtureRowKernels.offsetForms(forms, constants: constants, into: &logDensities)
    }

    /// - Complexity: 4·m·d·K flops for m rows of d coordinates of the
    ///   diagonal layout, 2·m·d·K of the spherical.
    mutating func weightedLogDensities(rows: Matrix<Scalar>, center: [Scalar], into logDensities: inout Matrix<Double>) {
        precondition(logDensities.rows == rows.rows && logDensities.columns == constants.count)
        let (rows, center) = (rows as! Matrix<Double>, center as! [Double])
        switch rowFeatures {
        case .diagonal:
            MixtureRowKernels.diagonalForms(rows: rows, center: center, coefficients: paddedCoefficients,
                                            constants: constants, into: &logDensities)
        case .spherical:
            MixtureRowKernels.sphericalForms(rows: rows, center: center, coefficients: paddedCoefficients,
                                             constants: constants, into: &logDensities)
        case nil:
            preconditionFailure("this kernel reads features, not rows")
        }
    }
}

extension Matrix {
    /// A rows × columns matrix whose contents are undefined: scratch that
    /// its user writes in full before reading (zeroing it would cost a pass
    /// over memory per block).
    static func scratch(rows: Int, columns: Int) -> Matrix {
        Matrix(unsafeUninitializedRows: rows, columns: columns) { _ in }
    }
}

extension Matrix where Scalar == Double {
    /// The same values in another precision.
    @_specialize(where Other == Float)
    @_specialize(where Other == Double)
    func converted<Other: BLASScalar>() -> Matrix<Other> {
        if let same = self as? Matrix<Other> { return same }
        return Matrix<Other>(rows: rows, columns: columns) { Other(self[$0, $1]) }
    }
}

/// Σ y² over `count` elements from `start`, in the data's precision with
/// four accumulators so the loop vectorises.
@inline(__always)
func sumOfSquares<Scalar: BLASScalar>(_ y: UnsafeBufferPointer<Scalar>, _ start: Int, _ count: Int) -> Scalar {
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

/// `out ← φ[:, 0..<columns] · factors`: the first `columns` features of
/// every row against the factors' columns (a GEMM on a column prefix of φ).
///
/// With OpenBLAS's small-matrix kernels the rows go in equal runs short
/// enough for each product to stay under their bound, where nothing is
/// packed: one core, Zen 4, Cooperlake kernels, 600 rows against 32 × 128
/// factors ran at 54 GFLOPS in runs of 200 rows and 43 in one product (in
/// Float, 111 and 92). Runs shorter than 64 rows gain nothing.
func projectRows<Scalar: BLASScalar>(_ features: Matrix<Scalar>, columns: Int, _ factors: Matrix<Scalar>, into out: inout Matrix<Scalar>) {
    let m = features.rows, n = factors.columns
    precondition(factors.rows == columns && columns <= features.columns && out.rows == m && out.columns == n)
    guard m > 0 && n > 0 && columns > 0 else { return }
    let run = projectionRunRows(rows: m, multiplyAddsPerRow: n * columns)
    features.withUnsafeBufferPointer { x in
        factors.withUnsafeBufferPointer { u in
            out.withUnsafeMutableBufferPointer { y in
                for first in stride(from: 0, to: m, by: run) {
                    Scalar.blasGemm(.none, .none, Swift.min(run, m - first), n, columns, 1,
                                    x.baseAddress! + first * features.columns, features.columns,
                                    u.baseAddress!, n, 0, y.baseAddress! + first * n, n)
                }
            }
        }
    }
}

/// Rows per product in ``projectRows(_:columns:_:into:)``: all of them,
/// or equal runs under OpenBLAS's small-matrix bound where it has those
/// kernels and a run can be at least 64 rows.
func projectionRunRows(rows m: Int, multiplyAddsPerRow perRow: Int) -> Int {
    let bound = BLASKernel.smallMatrixGEMMBound
    guard BLASKernel.hasSmallMatrixGEMM, perRow > 0, m * perRow > bound, bound / perRow >= 64 else { return m }
    let runs = (m + bound / perRow - 1) / (bound / perRow)
    return (m + runs - 1) / runs
}
