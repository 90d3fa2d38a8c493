import COpenBLAS
import Foundation

/// Which of OpenBLAS's kernel sets runs, and making it the one the
/// processor's features call for.
///
/// OpenBLAS built with `DYNAMIC_ARCH` (as Debian's and Ubuntu's are) picks
/// its kernels when it loads, from the processor's model number. A model
/// newer than the library falls back to generic SSE kernels ("Prescott")
/// even on a processor with AVX-512, and dense products then run 3–5 times
/// slower. The variable `OPENBLAS_CORETYPE` overrides the choice, but only
/// if it is set before OpenBLAS loads, that is, before the program starts.
///
/// ``selectForProcessor()`` does that for a program: called first thing in
/// `main`, it decides from ``ProcessorFeatures/current`` whether OpenBLAS's
/// choice falls short and, if so, runs the program again in the same
/// process (`execv`) with `OPENBLAS_CORETYPE` set. The `gauss` tool and
/// Gauss's benchmark executables call it. A value of `OPENBLAS_CORETYPE`
/// set by the user is never overridden.
public enum BLASKernel {
    /// The kernel set OpenBLAS is running, as OpenBLAS names it
    /// ("Haswell", "SkylakeX", "Zen", "Prescott", …).
    public static var loaded: String { String(cString: openblas_get_corename()) }

    /// Whether the running kernel set has OpenBLAS's small-matrix GEMM
    /// kernels (the AVX-512 sets: SkylakeX, Cooperlake, Sapphire Rapids),
    /// which multiply operands of up to about 10⁶ multiply-adds without
    /// packing them. With them a small Gram matrix gᵀg is quicker as a GEMM
    /// than as a SYRK, despite twice the flops; without them it is not.
    public static let hasSmallMatrixGEMM: Bool = tier(ofCore: loaded) == .avx512

    /// The most multiply-adds (M·N·K) a GEMM may have for OpenBLAS 0.3.21
    /// to run it on those small-matrix kernels: 100³.
    public static let smallMatrixGEMMBound = 1_000_000

    /// OpenBLAS's build description, for example
    /// "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64".
    public static var configuration: String {
        String(cString: openblas_get_config()).trimmingCharacters(in: .whitespaces)
    }

    /// OpenBLAS's version ("0.3.21"), read from ``configuration``.
    public static var libraryVersion: String? {
        let words = configuration.split(separator: " ")
        guard words.count >= 2, words[0] == "OpenBLAS" else { return nil }
        return String(words[1])
    }

    /// The width of vector instructions a kernel set is written for.
    public enum Tier: Int, Comparable, Sendable {
        case sse, avx, avx2, avx512
        public static func < (a: Tier, b: Tier) -> Bool { a.rawValue < b.rawValue }
    }

    /// The tier of an OpenBLAS x86 kernel set, by the name OpenBLAS reports
    /// (case-insensitive); nil for names it does not know, such as other
    /// architectures' kernels, which are then never replaced.
    public static func tier(ofCore name: String) -> Tier? {
        switch name.lowercased() {
        case "katmai", "coppermine", "northwood", "prescott", "banias", "atom", "core2", "penryn", "dunnington",
             "nehalem", "athlon", "opteron", "opteron_sse3", "barcelona", "nano", "bobcat":
            return .sse
        case "sandybridge", "bulldozer", "piledriver", "steamroller", "excavator":
            return .avx
        case "haswell", "zen":
            return .avx2
        case "skylakex", "cooperlake", "sapphirerapids":
            return .avx512
        default:
            return nil
        }
    }

    /// The most capable OpenBLAS kernel set a processor can run:
    /// SkylakeX with AVX-512 F, CD, BW, DQ and VL (and AVX2 with FMA);
    /// Haswell with AVX2 and FMA; Sandybridge with AVX; nil below that,
    /// where OpenBLAS's own choice is as good as any.
    ///
    /// These are the instruction sets the kernels are compiled for in
    /// OpenBLAS's `Makefile.x86_64` (`-mavx512f -mavx512cd -mavx512bw
    /// -mavx512dq -mavx512vl` for SKYLAKEX, `-mavx2 -mfma` for HASWELL).
    public static func bestCore(for features: ProcessorFeatures) -> String? {
        let sets = features.instructionSets
        if sets.isSuperset(of: ProcessorFeatures.InstructionSets.skylakeX.union(.haswell).union(.avx)) {
            return "SkylakeX"
        }
        if sets.isSuperset(of: ProcessorFeatures.InstructionSets.haswell.union(.avx)) { return "Haswell" }
        if sets.contains(.avx) { return "Sandybridge" }
        return nil
    }

    /// The kernel set to run instead of `reported`, or nil when `reported`
    /// already uses the widest vectors the processor has (or is not an x86
    /// kernel set this knows).
    public static func preferredCore(reported: String, features: ProcessorFeatures) -> String? {
        guard let reportedTier = tier(ofCore: reported), let best = bestCore(for: features),
              let bestTier = tier(ofCore: best), bestTier > reportedTier
        else { return nil }
        return best
    }

    /// How the running kernel set was chosen.
    public enum Selection: Equatable, Sendable {
        /// By OpenBLAS, from the processor's model.
        case openBLAS
        /// By the user, through `OPENBLAS_CORETYPE` set before the program started.
        case environment(String)
        /// By ``selectForProcessor()``, which replaced the named kernel set OpenBLAS had chosen.
        case gauss(replacing: String)
    }


    /// How the running kernel set was chosen.
    public static var selection: Selection {
        guard let requested = environment(coreTypeVariable) else { return .openBLAS }
        if let replaced = environment(replacedVariable) { return .gauss(replacing: replaced) }
        return .environment(requested)
    }

    /// The kernel set that would serve this processor better than the one
    /// running, or nil when the running one is right.
    public static var recommended: String? {
        preferredCore(reported: loaded, features: .current)
    }

    /// One line for the user when OpenBLAS runs slower kernels than the
    /// processor could, saying what to do; nil when all is well.
    public static var warning: String? {
        guard let better = recommended else { return nil }
        let cause: String
        switch selection {
        case .openBLAS: cause = "OpenBLAS \(libraryVersion ?? "") does not know this processor model"
        case .environment(let value): cause = "\(coreTypeVariable)=\(value) is set"
        case .gauss: cause = "this OpenBLAS did not load the \(better) kernels Gauss asked for"
        }
        return "BLAS runs its \(loaded) kernels where the processor can run \(better) (\(cause)); "
            + "dense products may be several times slower. Start the program with \(coreTypeVariable)=\(better) to fix it."
    }

    /// Makes OpenBLAS run the kernels the processor's features call for:
    /// when `OPENBLAS_CORETYPE` is not set and ``preferredCore(reported:features:)``
    /// names a better kernel set than the one OpenBLAS chose, sets the
    /// variable and executes the program again (`/proc/self/exe`, same
    /// arguments, same process). Otherwise, or if that fails, returns and
    /// the program goes on with the kernels it has.
    ///
    /// Call it first thing in `main`, before reading input or starting
    /// threads: the program restarts from the beginning. It runs the program
    /// again at most once (the new process sees the variable set).
    ///
    /// For tests, `GAUSS_BLAS_CORE_STAND_IN` names the kernel set to assume
    /// OpenBLAS chose, so that the whole path can be exercised on a
    /// processor OpenBLAS recognises.
    public static func selectForProcessor() {
        guard environment(coreTypeVariable) == nil, environment(replacedVariable) == nil else { return }
        let reported = environment(standInVariable) ?? loaded
        guard let preferred = preferredCore(reported: reported, features: .current) else { return }
        guard setenv(coreTypeVariable, preferred, 1) == 0, setenv(replacedVariable, reported, 1) == 0 else {
            unsetenv(coreTypeVariable)
            unsetenv(replacedVariable)
            return
        }
        fflush(nil)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        // Still here: the program cannot be executed again (no /proc, say).
        unsetenv(coreTypeVariable)
        unsetenv(replacedVariable)
    }

    static let coreTypeVariable = "OPENBLAS_CORETYPE"
    /// Set by ``selectForProcessor()`` to the kernel set it replaced.
    static let replacedVariable = "GAUSS_BLAS_CORE_REPLACED"
    static let standInVariable = "GAUSS_BLAS_CORE_STAND_IN"

    private static func environment(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        let text = String(cString: value)
        return text.isEmpty ? nil : text
    }
}

extension BLASKernel.Selection: CustomStringConvertible {
    /// For example "chosen by OpenBLAS for this processor model".
    public var description: String {
        switch self {
        case .openBLAS: "chosen by OpenBLAS for this processor model"
        case .environment(let value): "OPENBLAS_CORETYPE=\(value) set by the user"
        case .gauss(let replaced): "chosen by Gauss from the processor's features; OpenBLAS had chosen \(replaced)"
        }
    }
}
