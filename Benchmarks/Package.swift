// swift-tools-version: 6.1
import PackageDescription

// Benchmarks live in their own package so that their dependencies never
// reach users of Gauss. Run from the repository root:
//   swift run -c release --package-path Benchmarks gemm-overhead
let package = Package(
    name: "GaussBenchmarks",
    dependencies: [
        .package(name: "Gauss", path: ".."),
    ],

    targets: [
        // The reference side: OpenBLAS timed from C, with no Swift in the loop.
        .target(name: "CGemmReference", dependencies: [.product(name: "LinearAlgebra", package: "Gauss")]),
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
            name: "em-iteration",
            dependencies: [.product(name: "Gauss", package: "Gauss")],
            path: "Sources/EMIteration"
        ),
    ],
    swiftLanguageModes: [.v6]
)
