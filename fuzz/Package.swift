// swift-tools-version:6.0
import PackageDescription

// libFuzzer targets for gmsa-keytabd's parsers: a package of its own, so that the root package's
// `swift build` and `swift test` never build them. Build and run them with `make fuzz` or `make fuzz-smoke`
// from the repository root (fuzz/run.sh); see fuzz/README.md.
let package = Package(
    name: "gmsa-keytabd-fuzz",
    dependencies: [
        .package(name: "gmsa-keytabd", path: "..")
    ],
    targets: [
        // What every target shares: the property check and the scratch file for file-based loaders.
        .target(name: "FuzzSupport"),
        .executableTarget(
            name: "fuzz-blob",
            dependencies: ["FuzzSupport", .product(name: "GMSACore", package: "gmsa-keytabd")]
        ),
        .executableTarget(
            name: "fuzz-attribute",
            dependencies: ["FuzzSupport", .product(name: "GMSACore", package: "gmsa-keytabd")]
        ),
        .executableTarget(
            name: "fuzz-config",
            dependencies: ["FuzzSupport", .product(name: "GMSACore", package: "gmsa-keytabd")]
        ),
        .executableTarget(
            name: "fuzz-ldapping",
            dependencies: ["FuzzSupport", .product(name: "LDAPPing", package: "gmsa-keytabd")]
        ),
        .executableTarget(
            name: "fuzz-toml",
            dependencies: ["FuzzSupport", .product(name: "TOML", package: "gmsa-keytabd")]
        ),
        .executableTarget(
            name: "fuzz-json",
            dependencies: ["FuzzSupport", .product(name: "JSON", package: "gmsa-keytabd")]
        ),
        .executableTarget(
            name: "fuzz-state",
            dependencies: [
                "FuzzSupport", .product(name: "GMSACore", package: "gmsa-keytabd"),
                .product(name: "GMSAService", package: "gmsa-keytabd"),
            ]
        ),
        .executableTarget(
            name: "fuzz-keytab",
            dependencies: [
                "FuzzSupport", .product(name: "GMSACore", package: "gmsa-keytabd"),
                .product(name: "GMSAKerberos", package: "gmsa-keytabd"),
            ]
        ),
    ]
)
