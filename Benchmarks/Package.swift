// swift-tools-version: 6.1
import PackageDescription

// Benchmarks live in their own package so that their dependencies never
// reach users of Gauss. Run from the repository root:
//   swift run -c release --package-path Benchmarks gemm-overhead
//   swift package --package-path Benchmarks benchmark            (every suite)
//   swift package --package-path Benchmarks benchmark --target EMBenchmarks
// The package-benchmark suites are in Benchmarks/<Suite>/ (the layout its
// plugin requires); the stand-alone tools are in Sources/.
let package = Package(
    name: "GaussBenchmarks",
    dependencies: [
        .package(name: "Gauss", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],

    targets: [
        // The reference side: OpenBLAS timed from C, with no Swift in the loop.
        .target(name: "CGemmReference", dependencies: [.product(name: "LinearAlgebra", package: "Gauss")]),
        // Inputs shared by the suites.
        .target(name: "BenchmarkData", dependencies: [.product(name: "LinearAlgebra", package: "Gauss")]),
        .executableTarget(
            name: "gemm-overhead",
            dependencies: ["CGemmReference", .product(name: "LinearAlgebra", package: "Gauss")],
            path: "Sources/GemmOverhead"
        ),
        .executableTarget(
            name: "gauss-gradbench",
            dependencies: [.product(name: "Gauss", package: "Gauss")],
            path: "Sources/GaussGradbench"
        ),
        .executableTarget(
            name: "tape-overhead",
            dependencies: [.product(name: "Gauss", package: "Gauss")],
            path: "Sources/TapeOverhead"
        ),
        .executableTarget(
            name: "divided-differences",
            dependencies: [.product(name: "Gauss", package: "Gauss")],
            path: "Sources/DividedDifferences"
        ),
        .executableTarget(
            name: "kmeans-iteration",
            dependencies: ["BenchmarkData", .product(name: "Gauss", package: "Gauss")],
            path: "Sources/KMeansIteration"
        ),
        .executableTarget(
            name: "em-iteration",
            dependencies: ["BenchmarkData", .product(name: "Gauss", package: "Gauss")],
            path: "Sources/EMIteration"
        ),
    ] + ["LinearAlgebraBenchmarks", "EMBenchmarks", "KMeansBenchmarks", "AutodiffBenchmarks"].map { suite in
        .executableTarget(
            name: suite,
            dependencies: [
                "BenchmarkData",
                .product(name: "Gauss", package: "Gauss"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/\(suite)",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        )
    },
    swiftLanguageModes: [.v6]
)
