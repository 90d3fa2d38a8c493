import ArgumentParser
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
            "processor: \(processor)",
            "processor's best BLAS kernels: \(BLASKernel.bestCore(for: processor) ?? "any (no AVX)")",
            "vector math: \(VectorMath.instructionSet)",
        ]
        if let warning = BLASKernel.warning { lines.append("warning: \(warning)") }
        return lines
    }

    /// The line `--verbose` commands print first.
    static var kernelSummary: String {
        "gauss: BLAS kernels \(BLASKernel.loaded) (\(BLASKernel.selection)), \(BLASThreading.threadCount) threads"
    }
}
