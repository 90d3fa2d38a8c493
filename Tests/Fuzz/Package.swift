// swift-tools-version: 6.1
import PackageDescription

// libFuzzer targets for every parser a user's file reaches. A separate
// package, so the main build is unaffected; scripts/fuzz builds it with
// -sanitize=fuzzer,address and runs each target.
let library = ["-parse-as-library"]

let package = Package(
    name: "GaussFuzz",
    dependencies: [.package(name: "Gauss", path: "../..")],
    targets: [
        .target(name: "FuzzDriver"),
        .executableTarget(name: "fuzz-csv", dependencies: ["FuzzDriver", .product(name: "Gauss", package: "Gauss")],
                          path: "Sources/FuzzCSV", swiftSettings: [.unsafeFlags(library)]),
        .executableTarget(name: "fuzz-npy", dependencies: ["FuzzDriver", .product(name: "Gauss", package: "Gauss")],
                          path: "Sources/FuzzNpy", swiftSettings: [.unsafeFlags(library)]),
        .executableTarget(name: "fuzz-model-json", dependencies: ["FuzzDriver", .product(name: "Gauss", package: "Gauss")],
                          path: "Sources/FuzzModelJSON", swiftSettings: [.unsafeFlags(library)]),
        .executableTarget(name: "fuzz-gmm-input", dependencies: ["FuzzDriver", .product(name: "Gauss", package: "Gauss")],
                          path: "Sources/FuzzGMMInput", swiftSettings: [.unsafeFlags(library)]),
    ],
    swiftLanguageModes: [.v6]
)
