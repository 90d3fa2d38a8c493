import ArgumentParser
import Foundation
import LinearAlgebra

/// `gauss info`: what this build runs on, so that a slow run can be explained.
struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the version, the BLAS library and kernels in use, and the processor's vector units.",
        discussion: """
            OpenBLAS chooses its kernels by processor model and falls back to generic ones on \
            models newer than itself; gauss then restarts itself with OPENBLAS_CORETYPE set to \
            the kernels the processor's features call for. This command shows the outcome, and \
            a warning when BLAS still runs slower kernels than the processor could.
            """
    )

    func run() throws {
        try writeStandardOutput(Info.lines().map { $0 + "\n" }.joined())
    }

    static func lines() -> [String] {
        let processor = ProcessorFeatures.current
        var lines = [
            "gauss \(GaussTool.version)",
            "BLAS: \(BLASKernel.configuration)",
            "BLAS kernels: \(BLASKernel.loaded) (\(BLASKernel.selection))",
            "BLAS threads: \(BLASThreading.threadCount)",
            "BLAS idle spin: \(idleSpin)",
            "processor: \(processor)",
            "processor's best BLAS kernels: \(BLASKernel.bestCore(for: processor) ?? "any (no AVX)")",
            "vector math: \(VectorMath.instructionSet)",
        ]
        if let warning = BLASKernel.warning { lines.append("warning: \(warning)") }
        return lines
    }

    /// How long OpenBLAS's idle threads spin before sleeping, and who chose it.
    static var idleSpin: String {
        guard let exponent = BLASThreading.idleSpinExponent else { return "none (BLAS has no threads of its own)" }
        if let value = ProcessInfo.processInfo.environment["OPENBLAS_THREAD_TIMEOUT"] {
            return "2^\(exponent) cycles (OPENBLAS_THREAD_TIMEOUT=\(value) set by the user)"
        }
        return exponent == BLASThreading.shortIdleSpinExponent
            ? "2^\(exponent) cycles (set by gauss; OpenBLAS's own is 2^\(BLASThreading.openBLASIdleSpinExponent), about 0.1 s)"
            : "2^\(exponent) cycles"
    }

    /// The line `--verbose` commands print first.
    static var kernelSummary: String {
        "gauss: BLAS kernels \(BLASKernel.loaded) (\(BLASKernel.selection)), \(BLASThreading.threadCount) threads"
    }
}
