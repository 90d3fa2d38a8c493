// swift-tools-version: 6.1
import PackageDescription

// Gauss: Gaussian mixtures and automatic differentiation on OpenBLAS/LAPACKE.
// Module order (each depends only on those above it): COpenBLAS, LinearAlgebra,
// Clustering, then Gauss, the umbrella most users import. Later modules
// (Autodiff, GaussCLI) are added when they get code.
let package = Package(
    name: "Gauss",
    products: [
        .library(name: "Gauss", targets: ["Gauss"]),
        .library(name: "LinearAlgebra", targets: ["LinearAlgebra"]),
        .library(name: "Clustering", targets: ["Clustering"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
    ],
    targets: [
        .systemLibrary(
            name: "COpenBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]
        ),
        .target(
            name: "LinearAlgebra",
            dependencies: [
                "COpenBLAS",
                .product(name: "RealModule", package: "swift-numerics"),
            ]
        ),
        .target(
            name: "Clustering",
            dependencies: ["LinearAlgebra", .product(name: "RealModule", package: "swift-numerics")]
        ),
        .target(name: "Gauss", dependencies: ["LinearAlgebra", "Clustering"]),
        .testTarget(
            name: "LinearAlgebraTests",
            dependencies: ["LinearAlgebra"],
            exclude: ["Fixtures"]
        ),
        .testTarget(name: "ClusteringTests", dependencies: ["Clustering"], exclude: ["Fixtures"]),
        .testTarget(name: "GaussTests", dependencies: ["Gauss"]),
    ],
    swiftLanguageModes: [.v6]
)
