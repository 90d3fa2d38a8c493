// swift-tools-version: 6.1
import PackageDescription

// Gauss: Gaussian mixtures and automatic differentiation on OpenBLAS/LAPACKE.
// Module order (each depends only on those above it): COpenBLAS and
// CVectorMath, LinearAlgebra, Autodiff, Clustering, DistributedClustering
// (with CMPI when the MPI trait is on), then Gauss, the umbrella most users
// import, and GaussCLI, the `gauss` executable.
let package = Package(
    name: "Gauss",
    products: [
        .library(name: "Gauss", targets: ["Gauss"]),
        .library(name: "LinearAlgebra", targets: ["LinearAlgebra"]),
        .library(name: "Clustering", targets: ["Clustering"]),
        .library(name: "DistributedClustering", targets: ["DistributedClustering"]),
        .library(name: "Autodiff", targets: ["Autodiff"]),
        .executable(name: "gauss", targets: ["GaussCLI"]),
    ],
    traits: [
        .trait(name: "MPI", description: "Distributed fitting over Open MPI (`swift build --traits MPI`; needs libopenmpi-dev)."),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // `swift package generate-documentation` (scripts/docs); a plugin, not linked into anything.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(
            name: "COpenBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]
        ),
        // Open MPI, only for builds with the MPI trait.
        .systemLibrary(
            name: "CMPI",
            pkgConfig: "ompi-c",
            providers: [.apt(["libopenmpi-dev", "openmpi-bin"])]
        ),
        // exp over arrays, the k-means nearest-centre kernel, the E-step's
        // row loops and the shared-orientation sweep, compiled for the widest
        // vector unit the processor has.
        .target(name: "CVectorMath", linkerSettings: [.linkedLibrary("m")]),
        // CPUID and XCR0: which vector instruction sets the processor and OS support.
        .target(name: "CProcessorFeatures"),
        // A SIGBUS handler that reports a mapped file shrinking under us.
        .target(name: "CMappedFiles"),
        .target(
            name: "LinearAlgebra",
            dependencies: [
                "COpenBLAS",
                "CVectorMath",
                "CProcessorFeatures",
                "CMappedFiles",
                .product(name: "RealModule", package: "swift-numerics"),
            ]
        ),
        .target(
            name: "Clustering",
            dependencies: ["LinearAlgebra", "CVectorMath", .product(name: "RealModule", package: "swift-numerics")]
        ),
        .target(
            name: "DistributedClustering",
            dependencies: [
                "LinearAlgebra", "Clustering",
                .target(name: "CMPI", condition: .when(traits: ["MPI"])),
            ]
        ),
        .target(
            name: "Autodiff",
            dependencies: ["LinearAlgebra", .product(name: "RealModule", package: "swift-numerics")]
        ),
        .target(name: "Gauss", dependencies: ["LinearAlgebra", "Autodiff", "Clustering"]),
        .executableTarget(
            name: "GaussCLI",
            dependencies: ["LinearAlgebra", "Autodiff", "Clustering", "DistributedClustering", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .testTarget(
            name: "LinearAlgebraTests",
            dependencies: ["LinearAlgebra"],
            exclude: ["Fixtures"]
        ),
        .testTarget(name: "ClusteringTests", dependencies: ["Clustering"], exclude: ["Fixtures"]),
        .testTarget(name: "AutodiffTests", dependencies: ["Autodiff"], exclude: ["Fixtures"]),
        // Running commands from tests with a deadline (not a product).
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(
            name: "DistributedClusteringTests", dependencies: ["DistributedClustering", "Clustering", "GaussCLI", "TestSupport"]
        ),
        .testTarget(name: "GaussTests", dependencies: ["Gauss"]),
        .testTarget(name: "GaussCLITests", dependencies: ["GaussCLI", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
