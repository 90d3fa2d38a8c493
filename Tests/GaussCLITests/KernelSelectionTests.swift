import Foundation
import LinearAlgebra
import Testing

/// The whole path of choosing BLAS kernels by the processor's features,
/// through the `gauss` executable. On a processor OpenBLAS recognises,
/// GAUSS_BLAS_CORE_STAND_IN makes gauss believe OpenBLAS chose the given
/// (generic) kernels, so that the restart with OPENBLAS_CORETYPE runs here.
@Suite struct KernelSelectionTests {
    /// The test's environment without any OPENBLAS_ or GAUSS_BLAS_ variable, plus `extra`.
    func environment(_ extra: [String: String]) -> [String: String] {
        ProcessInfo.processInfo.environment
            .filter { !$0.key.hasPrefix("OPENBLAS_") && !$0.key.hasPrefix("GAUSS_BLAS_") }
            .merging(extra) { $1 }
    }

    @Test func genericKernelsAreReplacedByTheProcessorsBest() throws {
        let run = try gauss(["info"], environment: environment([
            "GAUSS_BLAS_CORE_STAND_IN": "Prescott", "OPENBLAS_VERBOSE": "2",
        ]))
        try #require(run.status == 0, "\(run.stderr)")
        guard let best = BLASKernel.bestCore(for: .current) else {
            // No AVX: Prescott is as good as any, and nothing happens.
            #expect(run.stdout.contains("chosen by OpenBLAS"), "\(run.stdout)")
            return
        }
        #expect(run.stdout.contains("BLAS kernels: \(best) (chosen by Gauss from the processor's features; OpenBLAS had chosen Prescott)"),
                "\(run.stdout)")
        // OpenBLAS itself reports the new kernels, and it was loaded exactly twice: one restart, no loop.
        #expect(run.stdout.contains("BLAS: OpenBLAS") && run.stdout.contains(" \(best) "), "\(run.stdout)")
        #expect(run.stderr.components(separatedBy: "Core: ").count - 1 == 2, "\(run.stderr)")
        #expect(!run.stdout.contains("warning:"), "\(run.stdout)")
    }

    @Test func aValueTheUserSetIsNeverOverridden() throws {
        let run = try gauss(["info"], environment: environment([
            "GAUSS_BLAS_CORE_STAND_IN": "Prescott", "OPENBLAS_CORETYPE": "Prescott",
        ]))
        try #require(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("BLAS kernels: Prescott (OPENBLAS_CORETYPE=Prescott set by the user)"), "\(run.stdout)")
        if let best = BLASKernel.bestCore(for: .current) {
            #expect(run.stdout.contains("warning: BLAS runs its Prescott kernels where the processor can run \(best)"),
                    "\(run.stdout)")
        }
    }

    @Test func kernelsThatMatchTheProcessorAreKept() throws {
        // The stand-in names kernels as wide as the processor's best: no restart.
        let best = BLASKernel.bestCore(for: .current) ?? "Prescott"
        let run = try gauss(["info"], environment: environment([
            "GAUSS_BLAS_CORE_STAND_IN": best, "OPENBLAS_VERBOSE": "2",
        ]))
        try #require(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.components(separatedBy: "Core: ").count - 1 == 1, "\(run.stderr)")
        #expect(!run.stdout.contains("chosen by Gauss"), "\(run.stdout)")
    }

    @Test func theRestartKeepsTheArguments() throws {
        // A fit after a restart reads the same arguments and gives the same model.
        let plain = try gauss(["fit", faithful, "-k", "2", "--seed", "3"], environment: environment([:]))
        let restarted = try gauss(["fit", faithful, "-k", "2", "--seed", "3", "--verbose"],
                                  environment: environment(["GAUSS_BLAS_CORE_STAND_IN": "Prescott"]))
        try #require(plain.status == 0 && restarted.status == 0, "\(plain.stderr)\(restarted.stderr)")
        #expect(restarted.stderr.components(separatedBy: "gauss: BLAS kernels").count - 1 == 1, "\(restarted.stderr)")
        // Other kernels may sum in another order: the same fit to rounding.
        func lowerBound(_ json: String) throws -> Double {
            let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
            return try #require(object?["lower_bound"] as? Double)
        }
        let (a, b) = (try lowerBound(plain.stdout), try lowerBound(restarted.stdout))
        #expect(abs(a - b) <= 1e-12 * abs(a), "\(a) vs \(b)")
    }

    @Test func versionIsPrinted() throws {
        let run = try gauss("--version")
        #expect(run.status == 0)
        #expect(run.stdout.range(of: #"^\d+\.\d+\.\d+"#, options: .regularExpression) != nil, "\(run.stdout)")
        let info = try gauss("info")
        #expect(info.stdout.hasPrefix("gauss \(run.stdout.trimmingCharacters(in: .whitespacesAndNewlines))\n"), "\(info.stdout)")
        #expect(info.stdout.contains("vector math: \(VectorMath.instructionSet)"), "\(info.stdout)")
    }

    /// GAUSS_VECTOR_ISA narrows the vector kernels to a set this processor
    /// has; a wider set or an unknown name leaves the widest it has.
    @Test func vectorKernelsCanBeNarrowedButNotWidened() throws {
        let widest = VectorMath.InstructionSet.supported.last!
        let names: [VectorMath.InstructionSet: String] = [.baseline: "baseline", .avx2: "avx2", .avx512: "avx512"]
        for (asked, expected) in [("baseline", VectorMath.InstructionSet.baseline), ("avx2", widest == .baseline ? .baseline : .avx2),
                                  ("avx512", widest), ("AVX2", widest), ("sse9", widest)] {
            let run = try gauss(["info"], environment: environment(["GAUSS_VECTOR_ISA": asked]))
            try #require(run.status == 0, "\(run.stderr)")
            #expect(run.stdout.contains("vector math: \(names[expected]!)\n"), "GAUSS_VECTOR_ISA=\(asked): \(run.stdout)")
        }
    }
}
