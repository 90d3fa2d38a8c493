import CProcessorFeatures

/// The processor's identity and the vector instruction sets it can run.
///
/// An instruction set counts only when both the processor and the operating
/// system support it (the OS must save the wider registers on a context
/// switch), which is how OpenBLAS decides what its kernels may use.
public struct ProcessorFeatures: Hashable, Sendable {
    /// The vector instruction sets that matter for choosing BLAS kernels.
    public struct InstructionSets: OptionSet, Hashable, Sendable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }

        public static let sse3 = InstructionSets(rawValue: 1 << 0)
        public static let ssse3 = InstructionSets(rawValue: 1 << 1)
        public static let sse4_1 = InstructionSets(rawValue: 1 << 2)
        public static let sse4_2 = InstructionSets(rawValue: 1 << 3)
        public static let avx = InstructionSets(rawValue: 1 << 4)
        public static let avx2 = InstructionSets(rawValue: 1 << 5)
        public static let fma = InstructionSets(rawValue: 1 << 6)
        public static let avx512f = InstructionSets(rawValue: 1 << 7)
        public static let avx512cd = InstructionSets(rawValue: 1 << 8)
        public static let avx512bw = InstructionSets(rawValue: 1 << 9)
        public static let avx512dq = InstructionSets(rawValue: 1 << 10)
        public static let avx512vl = InstructionSets(rawValue: 1 << 11)

        /// The AVX-512 subsets OpenBLAS's SkylakeX kernels are built for.
        public static let skylakeX: InstructionSets = [.avx512f, .avx512cd, .avx512bw, .avx512dq, .avx512vl]
        /// What OpenBLAS's Haswell kernels need.
        public static let haswell: InstructionSets = [.avx2, .fma]

        /// Every set with its name and its flag in the C probe's result, in a fixed order.
        static let table: [(set: InstructionSets, name: String, flag: KeyPath<gauss_processor_features, Bool> & Sendable)] = [
            (.sse3, "sse3", \.sse3), (.ssse3, "ssse3", \.ssse3), (.sse4_1, "sse4_1", \.sse4_1),
            (.sse4_2, "sse4_2", \.sse4_2), (.avx, "avx", \.avx), (.avx2, "avx2", \.avx2), (.fma, "fma", \.fma),
            (.avx512f, "avx512f", \.avx512f), (.avx512cd, "avx512cd", \.avx512cd), (.avx512bw, "avx512bw", \.avx512bw),
            (.avx512dq, "avx512dq", \.avx512dq), (.avx512vl, "avx512vl", \.avx512vl),
        ]

        /// Names as compilers spell them (`-mavx512f`), in a fixed order.
        public var names: [String] { Self.table.filter { contains($0.set) }.map(\.name) }
    }

    /// "GenuineIntel", "AuthenticAMD", …; empty on processors that are not x86.
    public var vendor: String
    /// The family and model numbers as vendors print them (extended fields added in).
    public var family: Int
    public var model: Int
    public var instructionSets: InstructionSets

    public init(vendor: String, family: Int, model: Int, instructionSets: InstructionSets) {
        self.vendor = vendor
        self.family = family
        self.model = model
        self.instructionSets = instructionSets
    }

    /// The processor this program runs on.
    public static let current: ProcessorFeatures = {
        var raw = gauss_processor_features()
        gauss_read_processor_features(&raw)
        let vendor = withUnsafeBytes(of: raw.vendor) { bytes in
            String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        }
        var sets: InstructionSets = []
        for entry in InstructionSets.table where raw[keyPath: entry.flag] { sets.insert(entry.set) }
        return ProcessorFeatures(vendor: vendor, family: Int(raw.family), model: Int(raw.model), instructionSets: sets)
    }()
}

extension ProcessorFeatures: CustomStringConvertible {
    /// For example "GenuineIntel family 6 model 207 (sse3 … avx512vl)".
    public var description: String {
        let name = vendor.isEmpty ? "a processor without CPUID" : "\(vendor) family \(family) model \(model)"
        return "\(name) (\(instructionSets.names.joined(separator: " ")))"
    }
}
