// Does `Matrix` add cost to OpenBLAS? Times `BLAS.gemm` on `Matrix` against
// `cblas_?gemm` called in a C loop, in the same process, on the same
// buffers, alternating the two sides so drift in machine load hits both.
// Prints the median seconds per call of each side, their ratio, and GFLOPS.
import CGemmReference
import Foundation
import LinearAlgebra

// Run OpenBLAS kernels that match the processor (this may restart the program once).
BLASKernel.selectForProcessor()

func now() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + 1e-9 * Double(t.tv_nsec)
}

func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

struct Result {
    var swift: [Double] = []
    var c: [Double] = []
}

/// Alternates `rounds` timings of each side, each timing `calls` calls.
func compare<S: BLASScalar>(
    _: S.Type, n: Int, calls: Int, rounds: Int,
    reference: (Int32, Int32, UnsafePointer<S>, UnsafePointer<S>, UnsafeMutablePointer<S>) -> Double
) -> Result {
    var rng = Xoshiro256StarStar(seed: 1)
    let a: Matrix<S> = .uniform(rows: n, columns: n, using: &rng)
    let b: Matrix<S> = .uniform(rows: n, columns: n, using: &rng)
    var c = Matrix<S>(rows: n, columns: n)
    var raw = [S](repeating: 0, count: n * n)
    var result = Result()
    for _ in 0..<rounds {
        let start = now()
        for _ in 0..<calls { BLAS.gemm(a, b, into: &c) }
        result.swift.append((now() - start) / Double(calls))
        result.c.append(a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                raw.withUnsafeMutableBufferPointer { pc in
                    reference(Int32(n), Int32(calls), pa.baseAddress!, pb.baseAddress!, pc.baseAddress!)
                }
            }
        })
    }
    precondition(c.elements == raw, "both sides must compute the same product")
    return result
}

let config = String(cString: gauss_openblas_config())
print("OpenBLAS: \(config); threads: \(gauss_openblas_threads())")
print("OPENBLAS_CORETYPE=\(ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] ?? "(unset)")")
print("BLAS kernels: \(BLASKernel.loaded) (\(BLASKernel.selection))")
print("")
print("case             C median      Matrix median  Matrix/C   overhead/call  GFLOPS (C, Matrix)")

let quick = CommandLine.arguments.contains("--quick")
let cases: [(String, Int, Int, Int)] = [
    ("dgemm 4×4", 4, 100_000, 31), ("sgemm 4×4", 4, 100_000, 31),
    ("dgemm 64×64", 64, 2_000, 21), ("sgemm 64×64", 64, 2_000, 21),
    ("dgemm 1000×1000", 1000, quick ? 3 : 10, quick ? 5 : 15), ("sgemm 1000×1000", 1000, quick ? 5 : 20, quick ? 5 : 15),
]
for (name, n, calls, rounds) in cases {
    let r: Result
    if name.hasPrefix("d") {
        r = compare(Double.self, n: n, calls: calls, rounds: rounds) { gauss_reference_dgemm_seconds($0, $1, $2, $3, $4) }
    } else {
        r = compare(Float.self, n: n, calls: calls, rounds: rounds) { gauss_reference_sgemm_seconds($0, $1, $2, $3, $4) }
    }
    let (cm, sm) = (median(r.c), median(r.swift))
    let flops = 2 * pow(Double(n), 3)
    let padded = name.padding(toLength: 16, withPad: " ", startingAt: 0)
    print(padded + String(format: " %10.3g s  %10.3g s   %6.3f   %+9.1f ns    %7.1f, %7.1f",
                          cm, sm, sm / cm, (sm - cm) * 1e9, flops / cm / 1e9, flops / sm / 1e9))
}
