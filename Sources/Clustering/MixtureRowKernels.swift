import CVectorMath
import LinearAlgebra

/// The E-step's and statistics' per-row loops that are not products:
/// Swift's side of `mixture_rows.c` in CVectorMath, compiled there for the
/// widest vector unit the processor has (Swift compiles for the baseline
/// only). Each takes Float or Double rows, and for tests an instruction set
/// to run on (nil: the widest); each returns false (or nil), writing
/// nothing, when the processor lacks that set.
enum MixtureRowKernels {
    typealias InstructionSet = VectorMath.InstructionSet

    /// The features a family's E-step multiplies.
    enum FeatureKind {
        /// [x − c, 1].
        case coordinates
        /// [x − c, ‖x − c‖², 1].
        case spherical
        /// [(x − c)∘(x − c), x − c, 1].
        case diagonal

        var code: Int32 {
            switch self {
            case .coordinates: Int32(GAUSS_FEATURES_COORDINATES)
            case .spherical: Int32(GAUSS_FEATURES_SPHERICAL)
            case .diagonal: Int32(GAUSS_FEATURES_DIAGONAL)
            }
        }

        func columns(dimension d: Int) -> Int {
            switch self {
            case .coordinates: d + 1
            case .spherical: d + 2
            case .diagonal: 2 * d + 1
            }
        }
    }

    /// The `kind` features of every row of `block` shifted by `center`.
    @discardableResult
    static func writeFeatures<Scalar: BLASScalar>(
        _ kind: FeatureKind, of block: Matrix<Scalar>, center: [Scalar], into features: inout Matrix<Scalar>,
        using set: InstructionSet? = nil
    ) -> Bool {
        let d = block.columns, m = block.rows
        // Fitting refuses data without columns, so d ≥ 1 here.
        precondition(d > 0 && center.count == d && features.rows == m && features.columns == kind.columns(dimension: d))
        guard m > 0 else { return true }
        let isa = set?.rawValue ?? -1
        let status = block.withUnsafeBufferPointer { x in
            features.withUnsafeMutableBufferPointer { phi in
                center.withUnsafeBufferPointer { c in
                    let (x, phi, c) = (UnsafeRawPointer(x.baseAddress!), UnsafeMutableRawPointer(phi.baseAddress!),
                                       UnsafeRawPointer(c.baseAddress!))
                    if Scalar.self == Double.self {
                        return gauss_write_features_f64(isa, kind.code, x.assumingMemoryBound(to: Double.self), m, d,
                                                        c.assumingMemoryBound(to: Double.self), phi.assumingMemoryBound(to: Double.self))
                    }
                    return gauss_write_features_f32(isa, kind.code, x.assumingMemoryBound(to: Float.self), m, d,
                                                    c.assumingMemoryBound(to: Float.self), phi.assumingMemoryBound(to: Float.self))
                }
            }
        }
        return status != -1
    }

    /// `out[i, c] = constants[c] − ½·max(0, forms[i, c])`: weighted
    /// log-densities from squared distances (rounding can leave a zero
    /// distance slightly negative).
    @discardableResult
    static func offsetForms<Scalar: BLASScalar>(
        _ forms: Matrix<Scalar>, constants: [Double], into out: inout Matrix<Double>, using set: InstructionSet? = nil
    ) -> Bool {
        let m = forms.rows, k = constants.count
        precondition(forms.columns == k && out.rows == m && out.columns == k)
        guard m > 0 && k > 0 else { return true }
        let isa = set?.rawValue ?? -1
        let status = forms.withUnsafeBufferPointer { s in
            constants.withUnsafeBufferPointer { constants in
                out.withUnsafeMutableBufferPointer { out in
                    let s = UnsafeRawPointer(s.baseAddress!)
                    if Scalar.self == Double.self {
                        return gauss_offset_forms_f64(isa, s.assumingMemoryBound(to: Double.self), m, k, constants.baseAddress!,
                                                      out.baseAddress!)
                    }
                    return gauss_offset_forms_f32(isa, s.assumingMemoryBound(to: Float.self), m, k, constants.baseAddress!,
                                                  out.baseAddress!)
                }
            }
        }
        return status != -1
    }

    /// The full-covariance log-densities of components `first ..< first +
    /// members` from a group's split projections (see
    /// ``FullCovariance/Kernel``): for row i and component c in slot s,
    /// `out[i, c] = constants[c] − ½·‖[leading[i, s·h ..< (s + 1)·h],
    /// trailing[i, s·(d − h) ..< (s + 1)·(d − h)]] − projectedMeans[c]‖²`.
    @discardableResult
    static func splitProjectionDensities<Scalar: BLASScalar>(
        leading: Matrix<Scalar>, trailing: Matrix<Scalar>, components: Range<Int>, leadingColumns h: Int,
        projectedMeans: Matrix<Scalar>, constants: [Double], into out: inout Matrix<Double>, using set: InstructionSet? = nil
    ) -> Bool {
        let m = out.rows, k = constants.count, d = projectedMeans.columns
        precondition(leading.rows == m && trailing.rows == m && out.columns == k && projectedMeans.rows == k
                     && components.upperBound <= k && leading.columns >= components.count * h
                     && trailing.columns >= components.count * (d - h))
        guard m > 0 && !components.isEmpty else { return true }
        let isa = set?.rawValue ?? -1
        let status = leading.withUnsafeBufferPointer { left in
            trailing.withUnsafeBufferPointer { right in
                projectedMeans.withUnsafeBufferPointer { b in
                    constants.withUnsafeBufferPointer { constants in
                        out.withUnsafeMutableBufferPointer { out in
                            // An empty leading block (h = 0) may have no storage; it is never read.
                            let (l, r, b) = (UnsafeRawPointer(left.baseAddress ?? right.baseAddress!),
                                             UnsafeRawPointer(right.baseAddress!), UnsafeRawPointer(b.baseAddress!))
                            let (first, members) = (components.lowerBound, components.count)
                            if Scalar.self == Double.self {
                                return gauss_split_projection_densities_f64(
                                    isa, l.assumingMemoryBound(to: Double.self), leading.columns, r.assumingMemoryBound(to: Double.self),
                                    trailing.columns, m, first, members, h, d, b.assumingMemoryBound(to: Double.self),
                                    constants.baseAddress!, k, out.baseAddress!)
                            }
                            return gauss_split_projection_densities_f32(
                                isa, l.assumingMemoryBound(to: Float.self), leading.columns, r.assumingMemoryBound(to: Float.self),
                                trailing.columns, m, first, members, h, d, b.assumingMemoryBound(to: Float.self),
                                constants.baseAddress!, k, out.baseAddress!)
                        }
                    }
                }
            }
        }
        return status != -1
    }

    /// Full-covariance log-densities with the projections kept in
    /// registers: `out[i, c] = constants[c] − ½‖xᵢᵀUc − bc‖²` for every
    /// row xᵢ (the first d columns of `features`) and component c, where
    /// `factors` holds each Uc as d × dp, row-major, zero below its
    /// diagonal and past column d, and `means` each bc as dp values, zero
    /// past d (dp = ``paddedColumns(dimension:)``).
    @discardableResult
    static func triangularLogDensities(
        features: Matrix<Double>, dimension d: Int, factors: [Double], means: [Double], constants: [Double],
        into out: inout Matrix<Double>, using set: InstructionSet? = nil
    ) -> Bool {
        let m = features.rows, k = constants.count, dp = paddedColumns(dimension: d)
        precondition(features.columns >= d && out.rows == m && out.columns == k && factors.count == k * d * dp
                     && means.count == k * dp)
        guard m > 0 && k > 0 && d > 0 else { return true }
        let status = features.withUnsafeBufferPointer { x in
            factors.withUnsafeBufferPointer { u in
                means.withUnsafeBufferPointer { b in
                    constants.withUnsafeBufferPointer { constants in
                        out.withUnsafeMutableBufferPointer { out in
                            gauss_triangular_log_densities(
                                set?.rawValue ?? -1, x.baseAddress!, m, features.columns, d, u.baseAddress!, dp,
                                b.baseAddress!, constants.baseAddress!, k, out.baseAddress!)
                        }
                    }
                }
            }
        }
        precondition(status != -2)
        return status != -1
    }

    /// `out[i, c] = constants[c] − ½·max(0, φᵢ·C[:, c])` for every row φᵢ
    /// of `features` (m × F) and component c, where `coefficients` holds C
    /// as F × kp, row-major, zero past column K (kp =
    /// ``paddedColumns(dimension:)`` of K).
    @discardableResult
    static func linearForms(
        features: Matrix<Double>, coefficients: [Double], constants: [Double], into out: inout Matrix<Double>,
        using set: InstructionSet? = nil
    ) -> Bool {
        let m = features.rows, f = features.columns, k = constants.count, kp = paddedColumns(dimension: k)
        precondition(out.rows == m && out.columns == k && coefficients.count == f * kp)
        guard m > 0 && k > 0 else { return true }
        let status = features.withUnsafeBufferPointer { phi in
            coefficients.withUnsafeBufferPointer { c in
                constants.withUnsafeBufferPointer { constants in
                    out.withUnsafeMutableBufferPointer { out in
                        gauss_linear_forms(set?.rawValue ?? -1, phi.baseAddress!, m, f, c.baseAddress!, kp,
                                           constants.baseAddress!, k, out.baseAddress!)
                    }
                }
            }
        }
        precondition(status != -2)
        return status != -1
    }

    /// ``linearForms(features:coefficients:constants:into:using:)`` for the
    /// diagonal layout's features [z∘z, z, 1], z = x − `center`, taken from
    /// the rows (m × d) themselves: `coefficients` is (2d + 1) × kp.
    @discardableResult
    static func diagonalForms(
        rows: Matrix<Double>, center: [Double], coefficients: [Double], constants: [Double], into out: inout Matrix<Double>,
        using set: InstructionSet? = nil
    ) -> Bool {
        formsFromRows(gauss_diagonal_forms, featureCount: 2 * rows.columns + 1, rows: rows, center: center,
                      coefficients: coefficients, constants: constants, into: &out, using: set)
    }

    /// ``linearForms(features:coefficients:constants:into:using:)`` for the
    /// spherical layout's features [z, ‖z‖², 1], z = x − `center`, taken
    /// from the rows (m × d) themselves: `coefficients` is (d + 2) × kp.
    @discardableResult
    static func sphericalForms(
        rows: Matrix<Double>, center: [Double], coefficients: [Double], constants: [Double], into out: inout Matrix<Double>,
        using set: InstructionSet? = nil
    ) -> Bool {
        formsFromRows(gauss_spherical_forms, featureCount: rows.columns + 2, rows: rows, center: center,
                      coefficients: coefficients, constants: constants, into: &out, using: set)
    }

    /// `moments` (K × (2d + 1)) = Rᵀ·[z∘z, z, 1] for the rows (m × d),
    /// z = x − `center`, and the responsibilities R (m × K), without
    /// writing the features: what the statistics' product Rᵀ·φ gives for
    /// the diagonal layout.
    @discardableResult
    static func diagonalMoments(
        rows: Matrix<Double>, center: [Double], responsibilities: Matrix<Double>, into moments: inout Matrix<Double>,
        using set: InstructionSet? = nil
    ) -> Bool {
        momentsFromRows(gauss_diagonal_moments, featureCount: 2 * rows.columns + 1, rows: rows, center: center,
                        responsibilities: responsibilities, into: &moments, using: set)
    }

    /// `moments` (K × (d + 2)) = Rᵀ·[z, ‖z‖², 1] for the rows (m × d),
    /// z = x − `center`, and the responsibilities R (m × K), without
    /// writing the features: what the statistics' product Rᵀ·φ gives for
    /// the spherical layout.
    @discardableResult
    static func sphericalMoments(
        rows: Matrix<Double>, center: [Double], responsibilities: Matrix<Double>, into moments: inout Matrix<Double>,
        using set: InstructionSet? = nil
    ) -> Bool {
        momentsFromRows(gauss_spherical_moments, featureCount: rows.columns + 2, rows: rows, center: center,
                        responsibilities: responsibilities, into: &moments, using: set)
    }

    /// A forms kernel of a layout whose features (`featureCount` per row)
    /// are formed from the rows: gauss_diagonal_forms or gauss_spherical_forms.
    private typealias FormsFromRows = (Int32, UnsafePointer<Double>?, Int, Int, UnsafePointer<Double>?, UnsafePointer<Double>?,
                                       Int, UnsafePointer<Double>?, Int, UnsafeMutablePointer<Double>?) -> Int

    private static func formsFromRows(
        _ kernel: FormsFromRows, featureCount f: Int, rows: Matrix<Double>, center: [Double], coefficients: [Double],
        constants: [Double], into out: inout Matrix<Double>, using set: InstructionSet?
    ) -> Bool {
        let m = rows.rows, d = rows.columns, k = constants.count, kp = paddedColumns(dimension: k)
        precondition(out.rows == m && out.columns == k && center.count == d && coefficients.count == f * kp)
        guard m > 0 && k > 0 else { return true }
        let status = rows.withUnsafeBufferPointer { x in
            center.withUnsafeBufferPointer { center in
                coefficients.withUnsafeBufferPointer { c in
                    constants.withUnsafeBufferPointer { constants in
                        out.withUnsafeMutableBufferPointer { out in
                            kernel(set?.rawValue ?? -1, x.baseAddress!, m, d, center.baseAddress!, c.baseAddress!, kp,
                                   constants.baseAddress!, k, out.baseAddress!)
                        }
                    }
                }
            }
        }
        precondition(status != -2)
        return status != -1
    }

    /// A moments kernel of a layout whose features (`featureCount` per row)
    /// are formed from the rows: gauss_diagonal_moments or gauss_spherical_moments.
    private typealias MomentsFromRows = (Int32, UnsafePointer<Double>?, Int, Int, UnsafePointer<Double>?,
                                         UnsafePointer<Double>?, Int, UnsafeMutablePointer<Double>?) -> Int

    private static func momentsFromRows(
        _ kernel: MomentsFromRows, featureCount f: Int, rows: Matrix<Double>, center: [Double],
        responsibilities: Matrix<Double>, into moments: inout Matrix<Double>, using set: InstructionSet?
    ) -> Bool {
        let m = rows.rows, d = rows.columns, k = responsibilities.columns
        precondition(responsibilities.rows == m && center.count == d && moments.rows == k && moments.columns == f)
        guard k > 0 else { return true }
        guard m > 0 && d > 0 else {
            moments = Matrix(rows: k, columns: f)
            return true
        }
        let status = rows.withUnsafeBufferPointer { x in
            center.withUnsafeBufferPointer { center in
                responsibilities.withUnsafeBufferPointer { r in
                    moments.withUnsafeMutableBufferPointer { out in
                        kernel(set?.rawValue ?? -1, x.baseAddress!, m, d, center.baseAddress!, r.baseAddress!, k,
                               out.baseAddress!)
                    }
                }
            }
        }
        return status != -1
    }

    /// d rounded up to whole vectors of eight lanes (also for K).
    static func paddedColumns(dimension d: Int) -> Int { (d + 7) / 8 * 8 }

    /// Packs `sᵢ·(features[i, 0 ..< d] − shift)`, sᵢ = `scales[i·stride +
    /// column]`, for every row whose scale is not 0 (every row, unscaled,
    /// when `scales` is nil) into the first rows of `out` (at least m × d),
    /// in order; returns how many. A column of a row-major matrix is read
    /// with its column index and its row length as the stride.
    static func scaledRows<Scalar: BLASScalar>(
        _ features: Matrix<Scalar>, dimension d: Int, scales: [Scalar]?, column: Int = 0, stride: Int = 1,
        shift: [Scalar], into out: inout Matrix<Scalar>, using set: InstructionSet? = nil
    ) -> Int? {
        let m = features.rows, f = features.columns
        precondition(d <= f && shift.count == d && out.rows >= m && out.columns == d && stride >= 1
                     && (0..<stride).contains(column) && (scales.map { m == 0 || $0.count >= (m - 1) * stride + column + 1 } ?? true))
        guard m > 0 && d > 0 else { return scales.map { s in (0..<m).count { s[$0 * stride + column] != 0 } } ?? m }
        let isa = set?.rawValue ?? -1
        let used = features.withUnsafeBufferPointer { phi in
            shift.withUnsafeBufferPointer { shift in
                out.withUnsafeMutableBufferPointer { z in
                    withOptionalPointer(scales) { scales in
                        let (phi, shift, z) = (UnsafeRawPointer(phi.baseAddress!), UnsafeRawPointer(shift.baseAddress!),
                                               UnsafeMutableRawPointer(z.baseAddress!))
                        let scales = scales.map { UnsafeRawPointer($0 + column) }
                        if Scalar.self == Double.self {
                            return gauss_scaled_rows_f64(isa, phi.assumingMemoryBound(to: Double.self), m, f, d,
                                                         scales?.assumingMemoryBound(to: Double.self), stride,
                                                         shift.assumingMemoryBound(to: Double.self), z.assumingMemoryBound(to: Double.self))
                        }
                        return gauss_scaled_rows_f32(isa, phi.assumingMemoryBound(to: Float.self), m, f, d,
                                                     scales?.assumingMemoryBound(to: Float.self), stride,
                                                     shift.assumingMemoryBound(to: Float.self), z.assumingMemoryBound(to: Float.self))
                    }
                }
            }
        }
        return used == -1 ? nil : used
    }

    /// Writes the square root of every element of `values` into `out`,
    /// which it resizes to `values.count`. False when the processor lacks `set`.
    @discardableResult
    static func squareRoots<Scalar: BLASScalar>(
        of values: Matrix<Scalar>, into out: inout [Scalar], using set: InstructionSet? = nil
    ) -> Bool {
        if out.count != values.count { out = [Scalar](repeating: 0, count: values.count) }
        guard !values.isEmpty else { return true }
        let isa = set?.rawValue ?? -1
        let status = values.withUnsafeBufferPointer { x in
            out.withUnsafeMutableBufferPointer { out in
                let (x, out) = (UnsafeRawPointer(x.baseAddress!), UnsafeMutableRawPointer(out.baseAddress!))
                if Scalar.self == Double.self {
                    return gauss_square_roots_f64(isa, x.assumingMemoryBound(to: Double.self), values.count,
                                                  out.assumingMemoryBound(to: Double.self))
                }
                return gauss_square_roots_f32(isa, x.assumingMemoryBound(to: Float.self), values.count,
                                              out.assumingMemoryBound(to: Float.self))
            }
        }
        return status != -1
    }

    /// The widest rows ``addWeightedGrams(of:dimension:responsibilities:shifts:into:using:)`` takes.
    static let weightedGramsMaximumDimension = 128

    /// The widest rows whose every component is taken in one pass, eight
    /// components to a vector; wider ones take one component at a time.
    static let sharedPassMaximumDimension = 8

    /// Whether ``responsibilityProducts(_:features:into:using:)`` takes `components`
    /// components and `features` features: up to 16 features for up to 8
    /// components, 12 for up to 16.
    static func takesResponsibilityProducts(components k: Int, features f: Int) -> Bool {
        f <= (k <= 8 ? 16 : 12) && k <= 16
    }

    /// `out` (K × F) = Rᵀ·Φ for `responsibilities` R (m × K) and `features`
    /// Φ (m × F): the components in vector lanes, the rows taken in turn by
    /// up to four partial sums, where a GEMM's kernel would fill few of its
    /// lanes. False, writing nothing, for shapes
    /// ``takesResponsibilityProducts(components:features:)`` refuses, or
    /// when the processor lacks `set`.
    static func responsibilityProducts(
        _ responsibilities: Matrix<Double>, features: Matrix<Double>, into out: inout Matrix<Double>,
        using set: InstructionSet? = nil
    ) -> Bool {
        let m = features.rows, k = responsibilities.columns, f = features.columns
        precondition(responsibilities.rows == m && out.rows == k && out.columns == f)
        guard takesResponsibilityProducts(components: k, features: f) else { return false }
        guard k > 0 && f > 0 else { return true }
        guard m > 0 else {
            // No rows, whose buffers may have no address: sums of nothing.
            out.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
            return true
        }
        let status = responsibilities.withUnsafeBufferPointer { r in
            features.withUnsafeBufferPointer { phi in
                out.withUnsafeMutableBufferPointer { out in
                    gauss_responsibility_products(set?.rawValue ?? -1, r.baseAddress!, m, k, phi.baseAddress!, f, out.baseAddress!)
                }
            }
        }
        return status == 0
    }

    /// Adds Σᵢ rᵢc·(xᵢ − s_c)(xᵢ − s_c)ᵀ, lower triangle, to rows c·d ..< (c + 1)·d
    /// of `moments` for every component c, where xᵢ is the first `d` columns
    /// of row i of `features`, rᵢc entry (i, c) of `responsibilities` (m × K)
    /// and s_c row c of `shifts` (K × d), for d up to
    /// ``weightedGramsMaximumDimension``: up to ``sharedPassMaximumDimension``
    /// every component in one pass, above it one component at a time, its
    /// rows with a nonzero responsibility shifted and scaled by √r in a tile
    /// that stays in the L1 cache (no scaled rows written out for a GEMM,
    /// and no GEMM's packing). False, writing nothing, for wider rows, when
    /// the processor lacks `set`, or when the kernel's scratch cannot be
    /// allocated.
    static func addWeightedGrams(
        of features: Matrix<Double>, dimension d: Int, responsibilities: Matrix<Double>, shifts: Matrix<Double>,
        into moments: inout Matrix<Double>, using set: InstructionSet? = nil
    ) -> Bool {
        let m = features.rows, k = responsibilities.columns
        precondition(d <= features.columns && responsibilities.rows == m && shifts.rows == k && shifts.columns == d
                     && moments.rows == k * d && moments.columns == d)
        guard (1...weightedGramsMaximumDimension).contains(d) else { return false }
        guard m > 0 && k > 0 else { return true }
        let status = features.withUnsafeBufferPointer { x in
            responsibilities.withUnsafeBufferPointer { r in
                shifts.withUnsafeBufferPointer { s in
                    moments.withUnsafeMutableBufferPointer { out in
                        d <= sharedPassMaximumDimension
                            ? gauss_weighted_grams(set?.rawValue ?? -1, x.baseAddress!, m, features.columns, d,
                                                   r.baseAddress!, k, s.baseAddress!, out.baseAddress!)
                            : gauss_wide_weighted_grams(set?.rawValue ?? -1, x.baseAddress!, m, features.columns, d,
                                                        r.baseAddress!, k, s.baseAddress!, out.baseAddress!)
                    }
                }
            }
        }
        return status == 0
    }
}

extension MixtureRowKernels {
    /// One sweep of plane rotations over every pair of columns of the
    /// orientation D that EVE and VVE share (see ``sharedOrientation(_:counts:previousFactors:equalVolumes:)``):
    /// `rotated` holds Mₖ = Dᵀ·Sₖ·D for the K components interleaved (entry
    /// (l, i) of component c at (l·d + i)·K + c), `axes` D (d × d,
    /// row-major), `precisions` nₖ/vₖᵢ at i·K + c. Both are rotated in
    /// place. Returns the largest |sin θ| applied, or nil when the processor
    /// lacks `set`.
    static func orientationSweep(
        rotated: inout [Double], axes: inout [Double], precisions: [Double], dimension d: Int, components k: Int,
        using set: InstructionSet? = nil
    ) -> Double? {
        precondition(rotated.count == d * d * k && axes.count == d * d && precisions.count == d * k)
        guard d > 1 && k > 0 else { return 0 }
        let largest = rotated.withUnsafeMutableBufferPointer { m in
            axes.withUnsafeMutableBufferPointer { o in
                precisions.withUnsafeBufferPointer { w in
                    gauss_orientation_sweep(set?.rawValue ?? -1, m.baseAddress!, o.baseAddress!, w.baseAddress!, d, k)
                }
            }
        }
        return largest == -1 ? nil : largest
    }
}

extension MixtureRowKernels {
    /// The sweeps of ``orientationSweep(rotated:axes:precisions:dimension:components:using:)``
    /// to their fixed point, each followed by the diagonals vₖ of the
    /// rotated Mₖ (with `equalVolumes`, EVE's λ·wₖ/gₖ; see
    /// ``sharedOrientation(_:counts:previousFactors:equalVolumes:)``), until
    /// neither a rotation's sine nor a diagonal changes by more than
    /// `tolerance` (relatively), or `limit` sweeps. `diagonals` (K × d,
    /// component c's from c·d) gets the last vₖ. Returns the sweeps run, or
    /// nil, changing nothing, when the processor lacks `set`.
    @discardableResult
    static func sharedOrientationSweeps(
        rotated: inout [Double], axes: inout [Double], counts: [Double], equalVolumes: Bool, dimension d: Int,
        components k: Int, tolerance: Double = Double.ulpOfOne.squareRoot(), limit: Int, diagonals: inout [Double],
        using set: InstructionSet? = nil
    ) -> Int? {
        precondition(rotated.count == d * d * k && axes.count == d * d && counts.count == k && diagonals.count == k * d)
        guard k > 0 else { return 0 }
        let total = counts.reduce(0, +)
        let steps = withUnsafeTemporaryAllocation(of: Double.self, capacity: 3 * k * d) { scratch in
            rotated.withUnsafeMutableBufferPointer { m in
                axes.withUnsafeMutableBufferPointer { o in
                    counts.withUnsafeBufferPointer { n in
                        diagonals.withUnsafeMutableBufferPointer { v in
                            gauss_shared_orientation(set?.rawValue ?? -1, m.baseAddress!, o.baseAddress!, n.baseAddress!, d, k,
                                                     equalVolumes ? 1 : 0, total, tolerance, limit, v.baseAddress!,
                                                     scratch.baseAddress!)
                        }
                    }
                }
            }
        }
        return steps < 0 ? nil : steps
    }
}

/// Calls `body` with the base address of `values`, or nil without values.
private func withOptionalPointer<Element, R>(_ values: [Element]?, _ body: (UnsafePointer<Element>?) -> R) -> R {
    guard let values else { return body(nil) }
    return values.withUnsafeBufferPointer { body($0.baseAddress) }
}
