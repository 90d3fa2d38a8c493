import Foundation
import Testing
@testable import LinearAlgebra

@Suite struct VectorMathTests {
    /// Inputs over the whole domain, dense where results are normal, and
    /// every boundary: the clamps, the subnormal range, overflow, ±∞, NaN.
    static let inputs: [Double] = {
        var rng = Xoshiro256StarStar(seed: 2026)
        var values = (0..<200_000).map { _ in -750 + 1462 * rng.nextUniform(Double.self) }
        values += (0..<100_000).map { _ in -1 + 2 * rng.nextUniform(Double.self) }
        values += [0, -0.0, 1e-300, -1e-300, .ulpOfOne, 0.5 * Double.log(2), -0.5 * Double.log(2),
                   708.99, 709, 709.01, 709.78, 709.79, 710, 1e308, .infinity,
                   -708.24, -708.25, -708.26, -720, -745.13, -745.14, -746, -1e308, -.infinity, .nan]
        return values
    }()

    /// Only the sets this processor runs: one it lacks is not a pass (the
    /// next test checks that it is refused).
    @Test func setsTheProcessorLacksAreRefused() {
        let lacking = VectorMath.InstructionSet.allCases.filter { !VectorMath.InstructionSet.supported.contains($0) }
        let x = [1.0, 2.0]
        var out = [0.0, 0.0]
        for set in lacking {
            let sum = x.withUnsafeBufferPointer { x in out.withUnsafeMutableBufferPointer { VectorMath.exponentials(of: x, into: $0, using: set) } }
            #expect(sum == nil, "\(set) ran on a processor without it")
        }
        #expect(VectorMath.InstructionSet.supported.contains(.baseline))
    }

    /// The logarithm of the log-sum-exp kernels, on their domain (a row's
    /// sum of shifted exponentials: finite, at least 1), against the C
    /// library's: within 1 ulp from 2 up, 2 ulp just above 1.
    @Test(arguments: VectorMath.InstructionSet.supported)
    func logarithmsAgreeWithTheCLibrary(set: VectorMath.InstructionSet) throws {
        var rng = Xoshiro256StarStar(seed: 7)
        var x = (0..<100_000).map { _ in 1 + rng.nextUniform(Double.self) }                 // [1, 2): near 1 is hardest
        x += (0..<100_000).map { _ in Foundation.exp(700 * rng.nextUniform(Double.self)) }  // up to e⁷⁰⁰
        x += [1, 1 + .ulpOfOne, 2 - .ulpOfOne, 2, 2.squareRoot(), 2.squareRoot().nextUp, 2.squareRoot().nextDown, 3, 8, 1e300,
              .greatestFiniteMagnitude]
        var out = [Double](repeating: .nan, count: x.count)
        let ran = x.withUnsafeBufferPointer { x in out.withUnsafeMutableBufferPointer { VectorMath.logarithms(of: x, into: $0, using: set) } }
        try #require(ran, "\(set) is supported here but was refused")
        #expect(out[x.count - 11] == 0, "log 1 is exactly 0")
        for (v, l) in zip(x, out) {
            let exact = Foundation.log(v)
            let ulps = abs(l - exact) / exact.ulp
            #expect(ulps <= (v >= 2 ? 1 : 2), "\(set): log \(v) = \(l), the C library says \(exact) (\(ulps) ulp)")
        }
    }

    @Test(arguments: VectorMath.InstructionSet.supported)
    func exponentialsAgreeWithTheCLibrary(set: VectorMath.InstructionSet) throws {
        let x = Self.inputs
        var out = [Double](repeating: 0, count: x.count)
        let sum = try #require(x.withUnsafeBufferPointer { x in
            out.withUnsafeMutableBufferPointer { VectorMath.exponentials(of: x, into: $0, using: set) }
        }, "\(set) is supported here but was refused")
        var worstUlps = 0.0
        var differences: [Double] = []
        for (v, e) in zip(x, out) {
            let reference = Foundation.exp(v)
            if reference.isNormal && reference.isFinite {
                worstUlps = max(worstUlps, abs(e - reference) / reference.ulp)
            } else if reference.isFinite && !reference.isNaN {
                // Subnormal or zero: within one unit of the last place.
                if !(abs(e - reference) <= Double.leastNonzeroMagnitude) { differences.append(v) }
            } else if !(e == reference || (e.isNaN && reference.isNaN)) {
                differences.append(v)
            }
        }
        // The C library's exp is itself within 1 ulp; measured against an
        // extended-precision reference these kernels stay within 0.87 ulp.
        #expect(worstUlps <= 1.5, "\(set): \(worstUlps) ulp")
        #expect(differences.isEmpty, "\(set): below or above the normal range, differs at \(differences.prefix(5))")
        #expect(sum.isNaN, "the inputs hold NaN, so does the sum")
        let finite = Array(x[200_000..<300_000])
        var finiteOut = finite
        let finiteSum = finiteOut.withUnsafeMutableBufferPointer { out in
            finite.withUnsafeBufferPointer { VectorMath.exponentials(of: $0, minus: 3, into: out, using: set) }
        }
        let expected = finite.reduce(0) { $0 + Foundation.exp($1 - 3) }
        #expect(abs(finiteSum! - expected) <= 1e-13 * expected)
    }

    /// The exponentials the row kernels take of short rows a buffer at a
    /// time (on AVX-512 in explicit vectors) are those of the test above, bit
    /// for bit, on every input class and every length's remainder.
    @Test(arguments: VectorMath.InstructionSet.supported)
    func exponentialsInPlaceAreTheExponentialsBitForBit(set: VectorMath.InstructionSet) throws {
        for length in [Self.inputs.count, 1, 7, 8, 9, 23] {
            let x = Array(Self.inputs.suffix(length))
            var expected = [Double](repeating: 0, count: length), inPlace = x
            _ = try #require(x.withUnsafeBufferPointer { x in
                expected.withUnsafeMutableBufferPointer { VectorMath.exponentials(of: x, into: $0, using: set) }
            })
            #expect(inPlace.withUnsafeMutableBufferPointer { VectorMath.exponentialsInPlace($0, using: set) })
            let differing = zip(inPlace, expected).filter { $0.bitPattern != $1.bitPattern && !($0.isNaN && $1.isNaN) }
            #expect(differing.isEmpty, "\(set), \(length) values: \(differing.prefix(3))")
        }
    }

    /// Block sums and scaled blocks on every instruction set, against plain
    /// loops: widths with and without a remainder after eight lanes, and
    /// block counts that leave blocks over after groups of eight. Buffers
    /// are exactly their size, so a read past the end shows under ASan.
    @Test(arguments: VectorMath.InstructionSet.supported)
    func blockSumsAndScaledBlocksMatchPlainLoops(set: VectorMath.InstructionSet) {
        var rng = Xoshiro256StarStar(seed: 77)
        for width in [1, 2, 3, 7, 8, 9, 10, 17, 20, 64] {
            for blocks in [1, 7, 8, 9, 23, 64] {
                let x = (0..<(blocks * width)).map { _ in 4 * rng.nextUniform(Double.self) - 2 }
                let factors = (0..<blocks).map { _ in rng.nextUniform(Double.self) - 0.5 }
                for squaring in [false, true] {
                    var sums = [Double](repeating: .nan, count: blocks)
                    let ran = x.withUnsafeBufferPointer { x in
                        sums.withUnsafeMutableBufferPointer { VectorMath.blockSums(of: x, width: width, squaring: squaring, into: $0, using: set) }
                    }
                    #expect(ran)
                    for b in 0..<blocks {
                        let block = x[(b * width)..<((b + 1) * width)]
                        let plain = block.reduce(0) { $0 + (squaring ? $1 * $1 : $1) }
                        let magnitude = block.reduce(0) { $0 + (squaring ? $1 * $1 : abs($1)) }
                        #expect(abs(sums[b] - plain) <= 4 * Double(width) * .ulpOfOne * magnitude,
                                "\(set) width \(width), \(blocks) blocks, block \(b): \(sums[b]) against \(plain)")
                    }
                }
                var scaled = [Double](repeating: .nan, count: blocks * width)
                let ran = x.withUnsafeBufferPointer { x in
                    factors.withUnsafeBufferPointer { f in
                        scaled.withUnsafeMutableBufferPointer { VectorMath.scaleBlocks(of: x, width: width, by: f, scale: 1.5, into: $0, using: set) }
                    }
                }
                #expect(ran)
                let mismatches = (0..<(blocks * width)).filter { scaled[$0] != (1.5 * factors[$0 / width]) * x[$0] }
                #expect(mismatches.isEmpty, "\(set) width \(width), \(blocks) blocks: \(mismatches.count) scaled values differ")
            }
        }
    }

    @Test func exponentialsInPlaceAndEmpty() {
        var values = [0.0, 1, -1, 2]
        let sum = values.withUnsafeMutableBufferPointer { buffer in
            VectorMath.exponentials(of: UnsafeBufferPointer(buffer), minus: 1, into: buffer)
        }
        #expect(zip(values, [0.0, 1, -1, 2].map { Foundation.exp($0 - 1) }).allSatisfy { abs($0 - $1) <= $1.ulp })
        #expect(abs(sum - values.reduce(0, +)) <= 1e-15 * sum)
        let empty: [Double] = []
        var nothing: [Double] = []
        let zero = empty.withUnsafeBufferPointer { x in nothing.withUnsafeMutableBufferPointer { VectorMath.exponentials(of: x, into: $0) } }
        #expect(zero == 0)
        #expect(["avx512", "avx2", "baseline"].contains(VectorMath.instructionSet))
    }

    /// Rows of random values at several scales, then the special rows.
    static func rowsWithSpecialCases(columns: Int, seed: UInt64) -> [[Double]] {
        var rng = Xoshiro256StarStar(seed: seed)
        var rows = (0..<20).map { r in (0..<columns).map { _ in (rng.nextUniform(Double.self) - 0.5) * pow(10, Double(r % 4)) } }
        rows.append([Double](repeating: -.infinity, count: columns))
        rows.append((0..<columns).map { $0 == columns / 2 ? .infinity : 1 })
        rows.append((0..<columns).map { $0 == columns - 1 ? .nan : 1 })
        rows.append((0..<columns).map { $0 == 0 ? 0 : -.infinity })
        rows.append((0..<columns).map { -800 - Double($0) })  // every term underflows without the shift
        return rows
    }

    static func referenceLogSumExp(_ row: [Double]) -> Double {
        let shift = row.contains { $0.isNaN } ? .nan : row.max() ?? -.infinity
        guard shift.isFinite else { return shift }
        return shift + Foundation.log(row.reduce(0) { $0 + Foundation.exp($1 - shift) })
    }

    static func same(_ a: Double, _ b: Double, tolerance: Double = 1e-15) -> Bool {
        a == b || (a.isNaN && b.isNaN) || abs(a - b) <= tolerance * max(1, abs(b))
    }

    // Every width up to 8 has its own compiled softmax, 9 to 15 theirs with
    // a row per lane (25 rows: three blocks of eight, the special rows
    // among them, and a last row alone); 16 and wider share one.
    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 15, 16, 17, 100])
    func rowKernelsMatchPlainLoops(columns: Int) {
        let rows = Self.rowsWithSpecialCases(columns: columns, seed: UInt64(columns))
        let x = Array(rows.joined())
        var lse = [Double](repeating: 0, count: rows.count)
        var softmax = [Double](repeating: 0, count: x.count), softmaxLSE = lse
        var shifted = x, sums = lse  // in place
        let shifts = rows.indices.map { Double($0 % 3) }
        x.withUnsafeBufferPointer { x in
            lse.withUnsafeMutableBufferPointer { VectorMath.logSumExp(ofRows: x, columns: columns, into: $0) }
            softmax.withUnsafeMutableBufferPointer { out in
                softmaxLSE.withUnsafeMutableBufferPointer { VectorMath.softmax(ofRows: x, columns: columns, into: out, logSumExp: $0) }
            }
        }
        shifted.withUnsafeMutableBufferPointer { out in
            shifts.withUnsafeBufferPointer { shifts in
                sums.withUnsafeMutableBufferPointer {
                    VectorMath.exponentials(ofRows: UnsafeBufferPointer(out), columns: columns, minus: shifts, into: out, rowSums: $0)
                }
            }
        }
        for (i, row) in rows.enumerated() {
            let reference = Self.referenceLogSumExp(row)
            #expect(Self.same(lse[i], reference) && Self.same(softmaxLSE[i], reference), "row \(i): \(lse[i]) vs \(reference)")
            let probabilities = Array(softmax[(i * columns)..<((i + 1) * columns)])
            if reference.isFinite {
                // exp(x − lse) and exp(x − max)/Σ differ by the rounding of lse: ~ε·|x|.
                let scale = 1 + row.map(abs).max()!
                #expect(zip(probabilities, row).allSatisfy { Self.same($0, Foundation.exp($1 - reference), tolerance: 4e-16 * scale) })
                #expect(abs(probabilities.reduce(0, +) - 1) <= 1e-14)
            } else {
                #expect(probabilities.allSatisfy { $0 == 0 }, "row \(i) has no finite maximum: zeros")
            }
            let exponentials = row.map { Foundation.exp($0 - shifts[i]) }
            #expect(zip(shifted[(i * columns)...], exponentials).allSatisfy { Self.same($0, $1) })
            #expect(Self.same(sums[i], exponentials.reduce(0, +), tolerance: 1e-14))
        }
    }

    @Test(arguments: [1, 3, 7, 15])
    func shortRowsSpanningManyChunks(columns: Int) {
        // Short rows are processed a buffer of 2048 elements at a time.
        let m = 3001
        let a: Matrix<Double> = randomMatrix(m, columns, seed: UInt64(40 + columns))
        let lse = a.rowLogSumExp()
        let reference = (0..<m).map { Self.referenceLogSumExp(a.row($0)) }
        #expect(zip(lse, reference).allSatisfy { Self.same($0, $1) })
    }

    @Test func rowKernelsOnEmptyShapes() {
        var lse = [1.0, 2.0]
        let nothing: [Double] = []
        nothing.withUnsafeBufferPointer { x in
            lse.withUnsafeMutableBufferPointer { VectorMath.logSumExp(ofRows: x, columns: 0, into: $0) }
        }
        #expect(lse == [-.infinity, -.infinity], "the log of an empty sum")
        #expect(Matrix<Double>(rows: 2, columns: 0).rowLogSumExp() == [-.infinity, -.infinity])
        #expect(Matrix<Double>(rows: 0, columns: 3).rowLogSumExp() == [])
    }
}
