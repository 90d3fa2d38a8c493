import Foundation
import LinearAlgebra
import Testing
@testable import Clustering

/// The E-step's vectorised row kernels, on every instruction set this
/// processor runs, for Double and Float rows, against the loops they
/// replace written out plainly: exactly where the kernel does the same
/// operations in the same order, to a few ulps where it reassociates a sum.
@Suite struct MixtureRowKernelTests {
    typealias InstructionSet = MixtureRowKernels.InstructionSet

    /// Widths that leave remainders after every vector width (2 to 16 lanes).
    static let dimensions = [1, 3, 8, 17, 33]

    static func randomMatrix<S: BLASScalar>(_ rows: Int, _ columns: Int, seed: UInt64, as: S.Type) -> Matrix<S> {
        var rng = Xoshiro256StarStar(seed: seed)
        return Matrix(rows: rows, columns: columns) { _, _ in S(4 * rng.nextUniform(Double.self) - 2) }
    }

    /// |a − b| within `ulps` units of the larger's precision (and of 1e-300 near 0).
    static func close<S: BLASScalar>(_ a: S, _ b: S, ulps: S) -> Bool {
        abs(a - b) <= ulps * S.ulpOfOne * Swift.max(abs(a), abs(b), S(1e-30))
    }

    func checkFeatures<S: BLASScalar>(_: S.Type, set: InstructionSet) {
        for (index, d) in Self.dimensions.enumerated() {
            let m = 37
            let x = Self.randomMatrix(m, d, seed: UInt64(10 + index), as: S.self)
            let center = (0..<d).map { S($0) / 7 - 1 }
            for kind in [MixtureRowKernels.FeatureKind.coordinates, .spherical, .diagonal] {
                var features = Matrix<S>(rows: m, columns: kind.columns(dimension: d)) { _, _ in .nan }
                #expect(MixtureRowKernels.writeFeatures(kind, of: x, center: center, into: &features, using: set))
                for i in 0..<m {
                    let v = (0..<d).map { x[i, $0] - center[$0] }
                    switch kind {
                    case .coordinates:
                        #expect((0..<d).allSatisfy { features[i, $0] == v[$0] } && features[i, d] == 1, "\(set) d = \(d) row \(i)")
                    case .spherical:
                        let norm = v.reduce(S(0)) { $0 + $1 * $1 }
                        #expect((0..<d).allSatisfy { features[i, $0] == v[$0] } && features[i, d + 1] == 1)
                        #expect(Self.close(features[i, d], norm, ulps: S(2 * d)), "\(set) d = \(d) row \(i): \(features[i, d]) vs \(norm)")
                    case .diagonal:
                        #expect((0..<d).allSatisfy { features[i, $0] == v[$0] * v[$0] && features[i, d + $0] == v[$0] }
                                && features[i, 2 * d] == 1, "\(set) d = \(d) row \(i)")
                    }
                }
            }
        }
    }

    @Test(arguments: InstructionSet.supported) func featuresAreTheShiftedRowsTheirSquaresAndNorms(set: InstructionSet) {
        checkFeatures(Double.self, set: set)
        checkFeatures(Float.self, set: set)
    }

    func checkOffsetForms<S: BLASScalar>(_: S.Type, set: InstructionSet) {
        for k in [1, 3, 8, 13] {
            let m = 29
            // Some distances slightly negative, as rounding leaves them.
            let forms = Matrix<S>(rows: m, columns: k) { i, c in (i + c) % 5 == 0 ? -S(1e-6) : S(i * k + c) / 3 }
            let constants = (0..<k).map { -Double($0) - 0.25 }
            var out = Matrix<Double>(rows: m, columns: k) { _, _ in .nan }
            #expect(MixtureRowKernels.offsetForms(forms, constants: constants, into: &out, using: set))
            for i in 0..<m {
                for c in 0..<k {
                    #expect(out[i, c] == constants[c] - 0.5 * Swift.max(0, Double(forms[i, c])), "\(set) k = \(k) [\(i), \(c)]")
                }
            }
        }
    }

    @Test(arguments: InstructionSet.supported) func offsetFormsClampAndAddTheConstants(set: InstructionSet) {
        checkOffsetForms(Double.self, set: set)
        checkOffsetForms(Float.self, set: set)
    }

    func checkSplitProjections<S: BLASScalar>(_: S.Type, set: InstructionSet) {
        // A group of three components starting at the second; one of ten (a
        // full eight and a partial two); all of eight. Blocks padded by one column.
        let groups: [(k: Int, components: Range<Int>)] = [(5, 1..<4), (12, 1..<11), (8, 0..<8)]
        let cases = [2, 8, 17, 33].flatMap { d in groups.map { (d, $0.k, $0.components) } }
        for (index, (d, k, components)) in cases.enumerated() {
            let (m, h) = (23, d >= 8 ? d / 2 : 0)
            let slots = components.count
            let leading = Self.randomMatrix(m, slots * h + 1, seed: UInt64(40 + index), as: S.self)
            let trailing = Self.randomMatrix(m, slots * (d - h) + 1, seed: UInt64(50 + index), as: S.self)
            let means = Self.randomMatrix(k, d, seed: UInt64(60 + index), as: S.self)
            let constants = (0..<k).map { Double($0) - 2 }
            var out = Matrix<Double>(rows: m, columns: k) { _, _ in 7 }
            #expect(MixtureRowKernels.splitProjectionDensities(
                leading: leading, trailing: trailing, components: components, leadingColumns: h, projectedMeans: means,
                constants: constants, into: &out, using: set))
            for i in 0..<m {
                for c in 0..<k {
                    guard components.contains(c) else {
                        #expect(out[i, c] == 7, "component \(c) is not in the group and stays as it was")
                        continue
                    }
                    let slot = c - components.lowerBound
                    var s = S(0)
                    for j in 0..<h { s += (leading[i, slot * h + j] - means[c, j]) * (leading[i, slot * h + j] - means[c, j]) }
                    for j in 0..<(d - h) {
                        let v = trailing[i, slot * (d - h) + j] - means[c, h + j]
                        s += v * v
                    }
                    let expected = constants[c] - 0.5 * Double(s)
                    #expect(abs(out[i, c] - expected) <= Double(2 * d) * Double(S.ulpOfOne) * Swift.max(Double(s), 1),
                            "\(set) d = \(d) [\(i), \(c)]: \(out[i, c]) vs \(expected)")
                }
            }
        }
    }

    @Test(arguments: InstructionSet.supported) func splitProjectionsGiveEachComponentsDistance(set: InstructionSet) {
        checkSplitProjections(Double.self, set: set)
        checkSplitProjections(Float.self, set: set)
    }

    /// Every remainder of the four-row tiles, one to three column tiles of
    /// 32 (the last partial or not), and d below one vector of lanes; at
    /// d ≤ 4, where components share the vectors, K below, at and past
    /// eight.
    @Test(arguments: InstructionSet.supported) func triangularDensitiesEqualTheProjectionsWrittenOut(set: InstructionSet) {
        let cases = [(1, 5, 3), (2, 9, 8), (3, 6, 9), (4, 7, 17), (4, 1, 1), (5, 3, 3), (7, 4, 3), (8, 1, 3), (9, 7, 3),
                     (31, 10, 3), (32, 8, 3), (33, 6, 3), (40, 11, 3), (65, 3, 3), (96, 5, 3)]
        for (index, (d, m, k)) in cases.enumerated() {
            let dp = MixtureRowKernels.paddedColumns(dimension: d)
            // Rows of d + 1 columns, the last never read (as the features' 1).
            let x = Self.randomMatrix(m, d + 1, seed: UInt64(90 + index), as: Double.self)
            var rng = Xoshiro256StarStar(seed: UInt64(200 + index))
            var factors = [Double](repeating: 0, count: k * d * dp), means = [Double](repeating: 0, count: k * dp)
            for c in 0..<k {
                for i in 0..<d {
                    for j in i..<d { factors[(c * d + i) * dp + j] = 2 * rng.nextUniform(Double.self) - 1 }
                }
                for j in 0..<d { means[c * dp + j] = rng.nextUniform(Double.self) - 0.5 }
            }
            let constants = (0..<k).map { Double($0 % 5) - 2.5 }
            var out = Matrix<Double>(rows: m, columns: k) { _, _ in .nan }
            #expect(MixtureRowKernels.triangularLogDensities(features: x, dimension: d, factors: factors, means: means,
                                                             constants: constants, into: &out, using: set))
            for i in 0..<m {
                for c in 0..<k {
                    var s = 0.0, magnitude = 0.0
                    for j in 0..<d {
                        var y = 0.0
                        for l in 0...j { y += x[i, l] * factors[(c * d + l) * dp + j] }
                        s += (y - means[c * dp + j]) * (y - means[c * dp + j])
                        magnitude += (0...j).reduce(0.0) { $0 + abs(x[i, $1] * factors[(c * d + $1) * dp + j]) } + abs(means[c * dp + j])
                    }
                    let expected = constants[c] - 0.5 * s
                    #expect(abs(out[i, c] - expected) <= 8 * Double(d) * .ulpOfOne * magnitude * magnitude + 1e-14,
                            "\(set) d = \(d) [\(i), \(c)]: \(out[i, c]) vs \(expected)")
                }
            }
        }
    }

    /// Row tiles of eight and their remainders; one to several vectors of
    /// components, partial or whole; a clamped negative form.
    @Test(arguments: InstructionSet.supported) func linearFormsEqualTheProductWrittenOut(set: InstructionSet) {
        let cases = [(1, 1, 3), (5, 3, 9), (65, 8, 20), (34, 9, 8), (7, 16, 17), (13, 17, 11), (4, 40, 5)]
        for (index, (f, k, m)) in cases.enumerated() {
            let kp = MixtureRowKernels.paddedColumns(dimension: k)
            let phi = Self.randomMatrix(m, f, seed: UInt64(120 + index), as: Double.self)
            let (coefficients, constants) = Self.randomForms(f, k, padded: kp, seed: UInt64(140 + index))
            var out = Matrix<Double>(rows: m, columns: k) { _, _ in .nan }
            #expect(MixtureRowKernels.linearForms(features: phi, coefficients: coefficients, constants: constants,
                                                  into: &out, using: set))
            Self.expectForms(out, constants: constants, termCount: f, label: "\(set) f = \(f) k = \(k)") { i, c in
                (0..<f).map { phi[i, $0] * coefficients[$0 * kp + c] }
            }
        }
    }

    /// An f × kp coefficient matrix uniform in [−1, 1) in its first k
    /// columns (zeros beyond), and k constants.
    static func randomForms(_ f: Int, _ k: Int, padded kp: Int, seed: UInt64) -> ([Double], [Double]) {
        var rng = Xoshiro256StarStar(seed: seed)
        var coefficients = [Double](repeating: 0, count: f * kp)
        for j in 0..<f { for c in 0..<k { coefficients[j * kp + c] = 2 * rng.nextUniform(Double.self) - 1 } }
        return (coefficients, (0..<k).map { Double($0) / 3 - 1 })
    }

    /// `out` against constants[c] − ½·max(0, Σ terms(i, c)), to within the
    /// rounding of `termCount` terms, with some forms clamped.
    static func expectForms(_ out: Matrix<Double>, constants: [Double], termCount: Int, label: String,
                            terms: (Int, Int) -> [Double]) {
        var clamped = 0
        for i in 0..<out.rows {
            for c in 0..<out.columns {
                let products = terms(i, c)
                let s = products.reduce(0, +), magnitude = products.reduce(0) { $0 + abs($1) }
                if s < 0 { clamped += 1 }
                let expected = constants[c] - 0.5 * Swift.max(0, s)
                #expect(abs(out[i, c] - expected) <= 4 * Double(termCount) * .ulpOfOne * magnitude + 1e-15,
                        "\(label) [\(i), \(c)]: \(out[i, c]) vs \(expected)")
            }
        }
        #expect(out.rows * out.columns < 8 || clamped > 0, "random coefficients give some negative forms to clamp")
    }

    /// The diagonal and spherical layouts' forms from the rows equal the
    /// forms of the features written out: rows in tiles of eight and
    /// remainders, d not a multiple of eight, one to several vectors of
    /// components.
    @Test(arguments: InstructionSet.supported) func formsFromRowsEqualTheFormsOfWrittenFeatures(set: InstructionSet) {
        let cases = [(1, 1, 3), (3, 5, 9), (32, 8, 20), (17, 9, 8), (8, 16, 17), (33, 17, 11)]
        for (index, (d, k, m)) in cases.enumerated() {
            let kp = MixtureRowKernels.paddedColumns(dimension: k)
            let x = Self.randomMatrix(m, d, seed: UInt64(220 + index), as: Double.self)
            let center = (0..<d).map { Double($0) / 5 - 0.5 }
            let label = "\(set) d = \(d) k = \(k)"
            // Diagonal: C rows z∘z (0..<d), z (d..<2d), 1.
            let (diagonal, constants) = Self.randomForms(2 * d + 1, k, padded: kp, seed: UInt64(240 + index))
            var fromRows = Matrix<Double>(rows: m, columns: k) { _, _ in .nan }
            #expect(MixtureRowKernels.diagonalForms(rows: x, center: center, coefficients: diagonal,
                                                    constants: constants, into: &fromRows, using: set))
            Self.expectForms(fromRows, constants: constants, termCount: 2 * d + 1, label: "diagonal \(label)") { i, c in
                [diagonal[2 * d * kp + c]] + (0..<d).flatMap { j in
                    let z = x[i, j] - center[j]
                    return [z * z * diagonal[j * kp + c], z * diagonal[(d + j) * kp + c]]
                }
            }
            // Spherical: C rows z (0..<d), ‖z‖², 1.
            let (spherical, _) = Self.randomForms(d + 2, k, padded: kp, seed: UInt64(340 + index))
            fromRows = Matrix<Double>(rows: m, columns: k) { _, _ in .nan }
            #expect(MixtureRowKernels.sphericalForms(rows: x, center: center, coefficients: spherical,
                                                     constants: constants, into: &fromRows, using: set))
            Self.expectForms(fromRows, constants: constants, termCount: 2 * d + 2, label: "spherical \(label)") { i, c in
                [spherical[(d + 1) * kp + c]] + (0..<d).flatMap { j in
                    let z = x[i, j] - center[j]
                    return [z * z * spherical[d * kp + c], z * spherical[j * kp + c]]
                }
            }
        }
    }

    /// Rᵀ·[z∘z, z, 1] from the rows equals the sums written out: K and d
    /// below, at and beyond a vector of eight.
    @Test(arguments: InstructionSet.supported) func diagonalMomentsEqualTheSumsWrittenOut(set: InstructionSet) {
        let cases = [(1, 1, 3), (3, 5, 9), (32, 8, 40), (17, 9, 8), (8, 16, 17), (33, 17, 1)]
        for (index, (d, k, m)) in cases.enumerated() {
            let x = Self.randomMatrix(m, d, seed: UInt64(260 + index), as: Double.self)
            let r = Matrix<Double>(rows: m, columns: k) { i, c in Double((i * 7 + c * 3) % 11) / 10 }
            let center = (0..<d).map { Double($0) / 5 - 0.5 }
            var moments = Matrix<Double>(rows: k, columns: 2 * d + 1) { _, _ in .nan }
            #expect(MixtureRowKernels.diagonalMoments(rows: x, center: center, responsibilities: r, into: &moments,
                                                      using: set))
            for c in 0..<k {
                var count = 0.0
                for i in 0..<m { count += r[i, c] }
                #expect(Self.close(moments[c, 2 * d], count, ulps: Double(4 * m)), "\(set) d = \(d) k = \(k) N[\(c)]")
                for j in 0..<d {
                    var squares = 0.0, linear = 0.0, magnitude = 0.0
                    for i in 0..<m {
                        let z = x[i, j] - center[j]
                        squares += r[i, c] * z * z
                        linear += r[i, c] * z
                        magnitude += abs(r[i, c] * z)
                    }
                    #expect(Self.close(moments[c, j], squares, ulps: Double(4 * m)),
                            "\(set) d = \(d) k = \(k) [\(c), \(j)]: \(moments[c, j]) vs \(squares)")
                    #expect(abs(moments[c, d + j] - linear) <= Double(4 * m) * .ulpOfOne * magnitude + 1e-300,
                            "\(set) d = \(d) k = \(k) [\(c), \(d + j)]: \(moments[c, d + j]) vs \(linear)")
                }
            }
        }
    }

    /// Rᵀ·[z, ‖z‖², 1] from the rows equals the sums written out: K and d
    /// below, at and beyond one and two vectors of eight.
    @Test(arguments: InstructionSet.supported) func sphericalMomentsEqualTheSumsWrittenOut(set: InstructionSet) {
        let cases = [(1, 1, 3), (3, 5, 9), (32, 8, 40), (17, 9, 8), (8, 16, 17), (33, 17, 1), (12, 3, 23)]
        for (index, (d, k, m)) in cases.enumerated() {
            let x = Self.randomMatrix(m, d, seed: UInt64(360 + index), as: Double.self)
            let r = Matrix<Double>(rows: m, columns: k) { i, c in Double((i * 7 + c * 3) % 11) / 10 }
            let center = (0..<d).map { Double($0) / 5 - 0.5 }
            var moments = Matrix<Double>(rows: k, columns: d + 2) { _, _ in .nan }
            #expect(MixtureRowKernels.sphericalMoments(rows: x, center: center, responsibilities: r, into: &moments,
                                                       using: set))
            for c in 0..<k {
                var count = 0.0, squares = 0.0
                for i in 0..<m {
                    count += r[i, c]
                    squares += r[i, c] * (0..<d).reduce(0.0) { $0 + (x[i, $1] - center[$1]) * (x[i, $1] - center[$1]) }
                }
                let label = "\(set) d = \(d) k = \(k)"
                #expect(Self.close(moments[c, d + 1], count, ulps: Double(4 * m)), "\(label) N[\(c)]")
                #expect(Self.close(moments[c, d], squares, ulps: Double(4 * m * d)), "\(label) Σ r‖z‖²[\(c)]")
                for j in 0..<d {
                    var linear = 0.0, magnitude = 0.0
                    for i in 0..<m {
                        let z = x[i, j] - center[j]
                        linear += r[i, c] * z
                        magnitude += abs(r[i, c] * z)
                    }
                    #expect(abs(moments[c, j] - linear) <= Double(4 * m) * .ulpOfOne * magnitude + 1e-300,
                            "\(label) [\(c), \(j)]: \(moments[c, j]) vs \(linear)")
                }
            }
        }
    }

    func checkScaledRows<S: BLASScalar>(_: S.Type, set: InstructionSet) {
        for (index, d) in Self.dimensions.enumerated() {
            let m = 31, f = d + 2
            let features = Self.randomMatrix(m, f, seed: UInt64(70 + index), as: S.self)
            let shift = (0..<d).map { S($0) / 5 }
            let scales: [S] = (0..<m).map { $0 % 3 == 1 ? 0 : S($0).squareRoot() }
            for scaling in [scales, nil] {
                var out = Matrix<S>(rows: m, columns: d) { _, _ in .nan }
                let used = MixtureRowKernels.scaledRows(features, dimension: d, scales: scaling, shift: shift, into: &out, using: set)
                let kept = (0..<m).filter { (scaling?[$0] ?? 1) != 0 }
                #expect(used == kept.count, "\(set) d = \(d)")
                for (row, i) in kept.enumerated() {
                    let s = scaling?[i] ?? 1
                    #expect((0..<d).allSatisfy { out[row, $0] == s * (features[i, $0] - shift[$0]) }, "\(set) d = \(d) row \(i)")
                }
            }
        }
    }

    @Test(arguments: InstructionSet.supported) func scaledRowsPackTheRowsOfNonZeroScale(set: InstructionSet) {
        checkScaledRows(Double.self, set: set)
        checkScaledRows(Float.self, set: set)
    }

    func checkStridedScales<S: BLASScalar>(_: S.Type, set: InstructionSet) {
        for (index, d) in Self.dimensions.enumerated() {
            // The scales are column 1 of a 29 × 3 matrix, read in place.
            let (m, stride, column) = (29, 3, 1)
            let features = Self.randomMatrix(m, d + 1, seed: UInt64(80 + index), as: S.self)
            let shift = (0..<d).map { S($0) / 7 }
            let table: [S] = (0..<(m * stride)).map { $0 % 4 == 0 ? 0 : S($0) / 9 }
            var out = Matrix<S>(rows: m, columns: d) { _, _ in .nan }
            let used = MixtureRowKernels.scaledRows(features, dimension: d, scales: table, column: column, stride: stride,
                                                    shift: shift, into: &out, using: set)
            let kept = (0..<m).filter { table[$0 * stride + column] != 0 }
            #expect(used == kept.count, "\(set) d = \(d)")
            for (row, i) in kept.enumerated() {
                let s = table[i * stride + column]
                #expect((0..<d).allSatisfy { out[row, $0] == s * (features[i, $0] - shift[$0]) }, "\(set) d = \(d) row \(i)")
            }
        }
    }

    @Test(arguments: InstructionSet.supported) func scaledRowsReadAColumnOfScales(set: InstructionSet) {
        checkStridedScales(Double.self, set: set)
        checkStridedScales(Float.self, set: set)
    }

    func checkSquareRoots<S: BLASScalar>(_: S.Type, set: InstructionSet) {
        for count in [0, 1, 7, 8, 9, 31] {
            let values = Matrix<S>(rows: count, columns: 1) { i, _ in
                i % 5 == 0 ? 0 : (i % 5 == 1 ? S.leastNonzeroMagnitude : S(i * i + 1) / 3)
            }
            var roots: [S] = [1]
            #expect(MixtureRowKernels.squareRoots(of: values, into: &roots, using: set))
            #expect(roots.count == count)
            // sqrt is correctly rounded in every lane width.
            #expect((0..<count).allSatisfy { roots[$0] == values[$0, 0].squareRoot() }, "\(set) count \(count)")
        }
    }

    @Test(arguments: InstructionSet.supported) func squareRootsAreCorrectlyRounded(set: InstructionSet) {
        checkSquareRoots(Double.self, set: set)
        checkSquareRoots(Float.self, set: set)
    }

    /// Every component's second moments, against a plain loop per
    /// component, row and entry: every d of the one-pass kernel and widths
    /// of the tiled one that leave each remainder of a vector of eight,
    /// component counts that leave each remainder of a vector of eight (the
    /// last rows of a partial vector are copied out, not read past the
    /// matrix's end), zero responsibilities, rows as wide as d and wider
    /// (a row's last part-vector is read whole only where the matrix goes
    /// on), runs of rows longer than the tiled kernel's tile, and moments
    /// already there (added to, the upper triangles untouched).
    @Test(arguments: InstructionSet.supported) func weightedGramsMatchAPlainLoop(set: InstructionSet) {
        let maximum = MixtureRowKernels.weightedGramsMaximumDimension
        for d in Array(1...12) + [15, 16, 17, 24, 31, 32, 33, 47, maximum - 1, maximum] {
            let cases = d <= 33 ? [(1, 5), (3, 37), (8, 9), (9, 1), (9, 13), (17, 40), (2, 150)] : [(3, 37), (2, 70)]
            for (k, m) in cases {
                let seed = UInt64(100 * d + k)
                let features = Self.randomMatrix(m, d + (k + d) % 2, seed: seed, as: Double.self)
                var responsibilities = Self.randomMatrix(m, k, seed: seed + 1, as: Double.self)
                for i in 0..<m { for c in 0..<k { responsibilities[i, c] = (i + c) % 4 == 0 ? 0 : abs(responsibilities[i, c]) } }
                let shifts = Self.randomMatrix(k, d, seed: seed + 2, as: Double.self)
                let start = Self.randomMatrix(k * d, d, seed: seed + 3, as: Double.self)
                var moments = start
                #expect(MixtureRowKernels.addWeightedGrams(of: features, dimension: d, responsibilities: responsibilities,
                                                           shifts: shifts, into: &moments, using: set))
                for c in 0..<k {
                    for a in 0..<d {
                        for b in 0..<d {
                            let entry = moments[c * d + a, b]
                            guard b <= a else {
                                #expect(entry == start[c * d + a, b], "\(set) d = \(d) K = \(k): upper entry changed")
                                continue
                            }
                            var sum = 0.0, magnitude = abs(start[c * d + a, b])
                            for i in 0..<m {
                                let term = responsibilities[i, c] * (features[i, a] - shifts[c, a]) * (features[i, b] - shifts[c, b])
                                sum += term
                                magnitude += abs(term)
                            }
                            let expected = start[c * d + a, b] + sum
                            #expect(abs(entry - expected) <= 8 * Double.ulpOfOne * magnitude,
                                    "\(set) d = \(d) K = \(k) m = \(m): (\(c), \(a), \(b)) \(entry) vs \(expected)")
                        }
                    }
                }
            }
        }
        let beyond = maximum + 1
        var untouched = Matrix<Double>(rows: 2 * beyond, columns: beyond)
        #expect(!MixtureRowKernels.addWeightedGrams(of: Matrix(rows: 3, columns: beyond), dimension: beyond,
                                                    responsibilities: Matrix(rows: 3, columns: 2),
                                                    shifts: Matrix(rows: 2, columns: beyond),
                                                    into: &untouched, using: set), "d = \(beyond) is beyond the kernels")
        #expect(untouched == Matrix(rows: 2 * beyond, columns: beyond))
    }

    /// One sweep for EVE's and VVE's shared orientation, from the identity:
    /// D stays orthogonal, the interleaved Mₖ stay Dᵀ·Sₖ·D of the rotated D,
    /// the objective Σₖ Σᵢ (nₖ/vₖᵢ)·(Mₖ)ᵢᵢ does not rise, and every
    /// instruction set gives the same sweep to rounding.
    @Test func anOrientationSweepRotatesAndDoesNotRaiseTheObjective() throws {
        let (d, k) = (7, 5)
        let estimates: [Matrix<Double>] = (0..<k).map { c in
            let a = Self.randomMatrix(d + 3, d, seed: UInt64(80 + c), as: Double.self)
            return a.matmul(a, transposeSelf: .transpose)
        }
        var start = [Double](repeating: 0, count: d * d * k)
        for c in 0..<k { for e in 0..<(d * d) { start[e * k + c] = estimates[c].elements[e] } }
        let precisions = (0..<(d * k)).map { 1 + Double(($0 * 7) % 11) / 3 }
        func objective(_ m: [Double]) -> Double {
            (0..<d).reduce(0.0) { sum, i in sum + (0..<k).reduce(0.0) { $0 + precisions[i * k + $1] * m[(i * d + i) * k + $1] } }
        }
        var sweeps: [(m: [Double], axes: [Double])] = []
        for set in InstructionSet.supported {
            var m = start, axes = Matrix<Double>.identity(d).elements
            let largest = try #require(MixtureRowKernels.orientationSweep(rotated: &m, axes: &axes, precisions: precisions,
                                                                          dimension: d, components: k, using: set))
            #expect(largest > 0, "\(set): the start is not a fixed point")
            #expect(objective(m) < objective(start), "\(set)")
            let o = Matrix(rows: d, columns: d, elements: axes)
            let gram = o.matmul(o, transposeSelf: .transpose)
            #expect((0..<d).allSatisfy { i in (0..<d).allSatisfy { abs(gram[i, $0] - (i == $0 ? 1 : 0)) < 1e-13 } }, "\(set)")
            for c in 0..<k {
                let expected = o.matmul(estimates[c].matmul(o), transposeSelf: .transpose)
                let scale = expected.elements.map(abs).max()!
                #expect((0..<(d * d)).allSatisfy { abs(m[$0 * k + c] - expected.elements[$0]) <= 1e-12 * scale }, "\(set) component \(c)")
            }
            sweeps.append((m, axes))
        }
        for other in sweeps.dropFirst() {
            #expect(zip(other.axes, sweeps[0].axes).allSatisfy { abs($0 - $1) < 1e-12 })
        }
    }

    /// Rᵀ·Φ with the components in lanes, against a plain loop, on every
    /// instruction set: every K up to 16 with the widest F it takes, rows
    /// few enough that every load of a row's responsibilities is a tail
    /// (buffers exactly their size, so that ASan sees a read past them),
    /// and shapes it refuses left to the GEMM, untouched.
    @Test(arguments: InstructionSet.supported) func responsibilityProductsMatchAPlainLoop(set: InstructionSet) throws {
        for k in 1...16 {
            for f in [1, 3, k <= 8 ? 16 : 12] {
                for m in [1, 2, 7, 33] {
                    let r = Self.randomMatrix(m, k, seed: UInt64(7 * k + f + m), as: Double.self)
                    let phi = Self.randomMatrix(m, f, seed: UInt64(500 + k * f + m), as: Double.self)
                    var out = Matrix<Double>(rows: k, columns: f)
                    #expect(MixtureRowKernels.responsibilityProducts(r, features: phi, into: &out, using: set), "K \(k), F \(f)")
                    let plain = Matrix<Double>(rows: k, columns: f) { c, j in (0..<m).reduce(0.0) { $0 + r[$1, c] * phi[$1, j] } }
                    let scale = (0..<m).reduce(0.0) { $0 + r.row($1).map(abs).max()! * phi.row($1).map(abs).max()! }
                    #expect(zip(out.elements, plain.elements).allSatisfy { abs($0 - $1) <= 4 * Double(m) * .ulpOfOne * scale },
                            "\(set), K \(k), F \(f), \(m) rows")
                }
            }
        }
        for (k, f) in [(8, 17), (9, 13), (17, 1)] {
            var untouched = Matrix<Double>(rows: k, columns: f) { _, _ in -1 }
            #expect(!MixtureRowKernels.responsibilityProducts(Matrix(rows: 3, columns: k), features: Matrix(rows: 3, columns: f),
                                                              into: &untouched, using: set))
            #expect(untouched.elements.allSatisfy { $0 == -1 })
        }
    }

    /// The loop of sweeps in C against the same loop written plainly over
    /// single sweeps: the precisions nₖ/vₖᵢ, a sweep, the new diagonals (for
    /// EVE rescaled to λ·wₖ/gₖ), and a stop once neither the largest sine
    /// nor any diagonal's relative change exceeds the tolerance; for VVE and
    /// EVE, on every instruction set, to the same number of sweeps.
    @Test(arguments: InstructionSet.supported) func theSweepLoopIsThePlainLoop(set: InstructionSet) throws {
        let (d, k) = (5, 4)
        let counts = [30.0, 12.5, 7.25, 50.0]
        var start = [Double](repeating: 0, count: d * d * k)
        for c in 0..<k {
            let a = Self.randomMatrix(d + 4, d, seed: UInt64(120 + c), as: Double.self)
            let s = a.matmul(a, transposeSelf: .transpose)
            for e in 0..<(d * d) { start[e * k + c] = s.elements[e] }
        }
        func diagonals(_ m: [Double], equalVolumes: Bool) -> [Double] {
            var w = [Double](repeating: 0, count: k * d)
            for c in 0..<k { for i in 0..<d { w[c * d + i] = m[(i * d + i) * k + c] } }
            guard equalVolumes else { return w }
            let g = (0..<k).map { c in Double.exp((0..<d).reduce(0.0) { $0 + Double.log(w[c * d + $1]) } / Double(d)) }
            let lambda = (0..<k).reduce(0.0) { $0 + counts[$1] * g[$1] } / counts.reduce(0, +)
            return (0..<(k * d)).map { lambda * w[$0] / g[$0 / d] }
        }
        for equalVolumes in [false, true] {
            var m = start, axes = Matrix<Double>.identity(d).elements
            var current = diagonals(m, equalVolumes: equalVolumes), sweeps = 0
            while sweeps < 1000 {
                sweeps += 1
                let precisions = (0..<(d * k)).map { counts[$0 % k] / current[($0 % k) * d + $0 / k] }
                let sine = try #require(MixtureRowKernels.orientationSweep(rotated: &m, axes: &axes, precisions: precisions,
                                                                         dimension: d, components: k, using: set))
                let next = diagonals(m, equalVolumes: equalVolumes)
                let change = zip(current, next).map { abs($0 - $1) / abs($1) }.max()!
                current = next
                if max(sine, change) <= Double.ulpOfOne.squareRoot() { break }
            }
            #expect(sweeps > 2 && sweeps < 1000, "the plain loop took \(sweeps) sweeps")
            var looped = start, loopedAxes = Matrix<Double>.identity(d).elements
            var loopedDiagonals = [Double](repeating: .nan, count: k * d)
            let steps = try #require(MixtureRowKernels.sharedOrientationSweeps(
                rotated: &looped, axes: &loopedAxes, counts: counts, equalVolumes: equalVolumes, dimension: d, components: k,
                limit: 1000, diagonals: &loopedDiagonals, using: set))
            #expect(steps == sweeps, "\(set), equal volumes \(equalVolumes)")
            #expect(zip(loopedAxes, axes).allSatisfy { Self.close($0, $1, ulps: 64) }, "\(set), equal volumes \(equalVolumes)")
            #expect(zip(loopedDiagonals, current).allSatisfy { Self.close($0, $1, ulps: 64) }, "\(set), equal volumes \(equalVolumes)")
            #expect(zip(looped, m).allSatisfy { abs($0 - $1) <= 1e-13 * m.map(abs).max()! }, "\(set), equal volumes \(equalVolumes)")
        }
    }

    /// One coordinate has nothing to rotate: the diagonals are set (EVE's
    /// rescaled) and no sweep runs. A limit of one sweep stops there.
    @Test func theSweepLoopStopsWithoutRotationsOrAtItsLimit() throws {
        let counts = [2.0, 6.0]
        var m = [4.0, 1.0], axes = [1.0], diagonals = [0.0, 0.0]
        let none = try #require(MixtureRowKernels.sharedOrientationSweeps(
            rotated: &m, axes: &axes, counts: counts, equalVolumes: true, dimension: 1, components: 2, limit: 10,
            diagonals: &diagonals))
        // λ = (2·4 + 6·1)/8 = 1.75 for both components.
        #expect(none == 0 && axes == [1] && m == [4, 1] && diagonals == [1.75, 1.75])
        var wide = [Double](repeating: 0, count: 8), wideAxes = [1.0, 0, 0, 1], wideDiagonals = [0.0, 0, 0, 0]
        // Components (3, 1; 1, 2) and (1, 0.5; 0.5, 4), interleaved.
        (wide[0], wide[1], wide[2], wide[3], wide[4], wide[5], wide[6], wide[7]) = (3, 1, 1, 0.5, 1, 0.5, 2, 4)
        let one = try #require(MixtureRowKernels.sharedOrientationSweeps(
            rotated: &wide, axes: &wideAxes, counts: counts, equalVolumes: false, dimension: 2, components: 2, limit: 1,
            diagonals: &wideDiagonals))
        #expect(one == 1 && wideAxes != [1, 0, 0, 1])
    }

    /// At d = 2 a sweep is one rotation, which must land on the exact
    /// minimum of P·cos 2θ + Q·sin 2θ: in the rotated frame Q is 0 and P is
    /// −√(P² + Q²). Starts with P of either sign (a rotation below and above
    /// 45°), and P > 0 with Q = 0 (a quarter turn, which swaps the axes).
    @Test(arguments: InstructionSet.supported) func aRotationLandsOnTheExactMinimum(set: InstructionSet) throws {
        let k = 3
        let precisions = [3.0, 1.5, 2.0, /* second axis */ 1.0, 2.5, 0.5]
        func pq(_ m: [Double]) -> (p: Double, q: Double) {
            (0..<k).reduce((0.0, 0.0)) { sum, c in
                let weight = precisions[c] - precisions[k + c]
                return (sum.0 + weight * (m[0 * k + c] - m[3 * k + c]) / 2, sum.1 + weight * m[1 * k + c])
            }
        }
        var starts: [[Double]] = []
        var random = Xoshiro256StarStar(seed: 12)
        for _ in 0..<20 {
            // Component c's 2×2 matrix (a, b; b, e), interleaved entry by entry.
            var m = [Double](repeating: 0, count: 4 * k)
            for c in 0..<k {
                let a = Double.random(in: 0.5...3, using: &random), e = Double.random(in: 0.5...3, using: &random)
                let b = Double.random(in: -0.7...0.7, using: &random) * (a * e).squareRoot()
                (m[c], m[k + c], m[2 * k + c], m[3 * k + c]) = (a, b, b, e)
            }
            starts.append(m)
        }
        starts.append([1, 2, 3, 0, 0, 0, 0, 0, 0, 3, 2, 1])  // diagonal: Q = 0, P > 0
        var signs: Set<Bool> = []
        for start in starts {
            let (p, q) = pq(start)
            let r = (p * p + q * q).squareRoot()
            signs.insert(p > 0)
            var m = start, axes = [1.0, 0, 0, 1]
            _ = try #require(MixtureRowKernels.orientationSweep(rotated: &m, axes: &axes, precisions: precisions,
                                                               dimension: 2, components: k, using: set))
            let (rotatedP, rotatedQ) = pq(m)
            #expect(abs(rotatedQ) <= 1e-14 * r && abs(rotatedP + r) <= 1e-14 * r, "\(set): P \(p), Q \(q) -> \(rotatedP), \(rotatedQ)")
            #expect(abs(axes[0] * axes[0] + axes[2] * axes[2] - 1) <= 1e-15 && abs(axes[0] * axes[1] + axes[2] * axes[3]) <= 1e-15)
        }
        #expect(signs == [false, true], "the starts cover both halves of the circle")
    }

    @Test func anInstructionSetThisProcessorLacksWritesNothing() {
        let x = Matrix<Double>(rows: 2, columns: 2, elements: [1, 2, 3, 4])
        for set in InstructionSet.allCases where !InstructionSet.supported.contains(set) {
            var features = Matrix<Double>(rows: 2, columns: 3) { _, _ in -1 }
            #expect(!MixtureRowKernels.writeFeatures(.coordinates, of: x, center: [0, 0], into: &features, using: set))
            #expect(features.elements.allSatisfy { $0 == -1 })
        }
        for set in InstructionSet.allCases where !InstructionSet.supported.contains(set) {
            var m = [3.0, 1, 1, 0.5, 1, 0.5, 2, 4], axes = [1.0, 0, 0, 1], diagonals = [-1.0, -1, -1, -1]
            #expect(MixtureRowKernels.sharedOrientationSweeps(rotated: &m, axes: &axes, counts: [1, 2], equalVolumes: false,
                                                              dimension: 2, components: 2, limit: 10, diagonals: &diagonals,
                                                              using: set) == nil)
            #expect(m == [3, 1, 1, 0.5, 1, 0.5, 2, 4] && axes == [1, 0, 0, 1] && diagonals == [-1, -1, -1, -1])
        }
        // The baseline runs everywhere.
        var features = Matrix<Double>(rows: 2, columns: 3)
        #expect(MixtureRowKernels.writeFeatures(.coordinates, of: x, center: [1, 1], into: &features, using: .baseline))
        #expect(features.elements == [0, 1, 1, 2, 3, 1])
    }
}
