import Foundation
import LinearAlgebra
import Testing

/// The choice of OpenBLAS kernels from the kernels OpenBLAS reports and the
/// processor's features, over real processors.
@Suite struct BLASKernelTests {
    typealias Sets = ProcessorFeatures.InstructionSets
    static let sse: Sets = [.sse3, .ssse3, .sse4_1, .sse4_2]
    static let avx: Sets = sse.union(.avx)
    static let avx2: Sets = avx.union([.avx2, .fma])
    static let avx512: Sets = avx2.union(.skylakeX)

    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let reported: String
        let features: ProcessorFeatures
        let expected: String?
        var testDescription: String { "\(name): \(reported) → \(expected ?? "kept")" }
    }

    static let cases: [Case] = [
        // The 2-core Xeon of the kernel-selection issue: Debian's 0.3.21 does not know model 207.
        Case(name: "Intel Emerald Rapids", reported: "Prescott",
             features: .init(vendor: "GenuineIntel", family: 6, model: 207, instructionSets: avx512), expected: "SkylakeX"),
        Case(name: "Intel Sapphire Rapids, recognised", reported: "Cooperlake",
             features: .init(vendor: "GenuineIntel", family: 6, model: 143, instructionSets: avx512), expected: nil),
        Case(name: "Intel Skylake-SP, recognised", reported: "SkylakeX",
             features: .init(vendor: "GenuineIntel", family: 6, model: 85, instructionSets: avx512), expected: nil),
        Case(name: "Intel Ice Lake-SP in a VM that hides AVX-512 state", reported: "Prescott",
             features: .init(vendor: "GenuineIntel", family: 6, model: 106, instructionSets: avx2), expected: "Haswell"),
        Case(name: "Intel Haswell, recognised", reported: "Haswell",
             features: .init(vendor: "GenuineIntel", family: 6, model: 63, instructionSets: avx2), expected: nil),
        Case(name: "Intel Sandy Bridge-EP: AVX without AVX2", reported: "Sandybridge",
             features: .init(vendor: "GenuineIntel", family: 6, model: 45, instructionSets: avx), expected: nil),
        Case(name: "an AVX-only processor OpenBLAS does not know", reported: "Prescott",
             features: .init(vendor: "GenuineIntel", family: 6, model: 58, instructionSets: avx), expected: "Sandybridge"),
        Case(name: "Intel Nehalem: no AVX", reported: "Nehalem",
             features: .init(vendor: "GenuineIntel", family: 6, model: 26, instructionSets: sse), expected: nil),
        Case(name: "Intel Knights Landing: AVX-512F without BW, DQ, VL", reported: "Haswell",
             features: .init(vendor: "GenuineIntel", family: 6, model: 87,
                             instructionSets: avx2.union([.avx512f, .avx512cd])), expected: nil),
        Case(name: "AMD EPYC Milan (Zen 3), recognised", reported: "Zen",
             features: .init(vendor: "AuthenticAMD", family: 25, model: 1, instructionSets: avx2), expected: nil),
        Case(name: "AMD EPYC Rome (Zen 2), recognised", reported: "Zen",
             features: .init(vendor: "AuthenticAMD", family: 23, model: 49, instructionSets: avx2), expected: nil),
        Case(name: "AMD EPYC Genoa (Zen 4): AVX-512 under Zen kernels", reported: "Zen",
             features: .init(vendor: "AuthenticAMD", family: 25, model: 17, instructionSets: avx512), expected: "SkylakeX"),
        Case(name: "AMD Piledriver: AVX and FMA, no AVX2", reported: "Piledriver",
             features: .init(vendor: "AuthenticAMD", family: 21, model: 2, instructionSets: avx.union(.fma)), expected: nil),
        Case(name: "a Zen processor under OpenBLAS's generic fallback", reported: "Barcelona",
             features: .init(vendor: "AuthenticAMD", family: 25, model: 97, instructionSets: avx2), expected: "Haswell"),
        Case(name: "the name in another case", reported: "PRESCOTT",
             features: .init(vendor: "GenuineIntel", family: 6, model: 207, instructionSets: avx512), expected: "SkylakeX"),
        Case(name: "kernels of another architecture", reported: "NEOVERSEN1",
             features: .init(vendor: "", family: 0, model: 0, instructionSets: []), expected: nil),
        Case(name: "a name OpenBLAS uses for no kernels", reported: "Unknown",
             features: .init(vendor: "GenuineIntel", family: 6, model: 207, instructionSets: avx512), expected: nil),
    ]

    @Test(arguments: cases)
    func preferredCore(_ c: Case) {
        #expect(BLASKernel.preferredCore(reported: c.reported, features: c.features) == c.expected)
    }

    @Test func bestCoreNeedsEveryFeatureOfItsKernels() {
        #expect(BLASKernel.bestCore(for: .init(vendor: "x", family: 0, model: 0, instructionSets: Self.avx512)) == "SkylakeX")
        for missing in [Sets.avx512f, .avx512cd, .avx512bw, .avx512dq, .avx512vl] {
            let sets = Self.avx512.subtracting(missing)
            #expect(BLASKernel.bestCore(for: .init(vendor: "x", family: 0, model: 0, instructionSets: sets)) == "Haswell")
        }
        for missing in [Sets.avx2, .fma] {
            let sets = Self.avx2.subtracting(missing)
            #expect(BLASKernel.bestCore(for: .init(vendor: "x", family: 0, model: 0, instructionSets: sets)) == "Sandybridge")
        }
        #expect(BLASKernel.bestCore(for: .init(vendor: "x", family: 0, model: 0, instructionSets: Self.sse)) == nil)
    }

    @Test func everyKernelNameOfDebiansOpenBLASHasATier() {
        let names = ["Katmai", "Coppermine", "Northwood", "Prescott", "Banias", "Atom", "Core2", "Penryn", "Dunnington",
                     "Nehalem", "Athlon", "Opteron", "Opteron_SSE3", "Barcelona", "Nano", "Sandybridge", "Bobcat",
                     "Bulldozer", "Piledriver", "Haswell", "Steamroller", "Excavator", "Zen", "SkylakeX", "Cooperlake"]
        for name in names { #expect(BLASKernel.tier(ofCore: name) != nil, "\(name)") }
        #expect(BLASKernel.tier(ofCore: BLASKernel.loaded) != nil || !BLASKernel.configuration.contains("DYNAMIC_ARCH"))
    }

    /// The features read through CPUID agree with what Linux reports.
    @Test func currentFeaturesMatchProcCpuinfo() throws {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let flagsLine = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") })
        else { return }  // not Linux on x86
        let flags = Set(flagsLine.split(separator: ":")[1].split(separator: " ").map(String.init))
        let current = ProcessorFeatures.current
        for name in Sets.all.names {
            let linuxName = name == "sse3" ? "pni" : name  // Linux's name for SSE3
            #expect(current.instructionSets.names.contains(name) == flags.contains(linuxName), "\(name)")
        }
        func field(_ key: String) -> Int? {
            text.split(separator: "\n").first { $0.hasPrefix(key) }.flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) }
        }
        #expect(current.family == field("cpu family"))
        #expect(current.model == field("model\t"))
    }

    @Test func libraryDescription() throws {
        #expect(BLASKernel.configuration.hasPrefix("OpenBLAS "))
        let version = try #require(BLASKernel.libraryVersion)
        #expect(version.split(separator: ".").count >= 2, "\(version)")
        #expect(!BLASKernel.loaded.isEmpty)
    }
}

extension ProcessorFeatures.InstructionSets {
    static let all = ProcessorFeatures.InstructionSets(rawValue: (1 << 12) - 1)
}
