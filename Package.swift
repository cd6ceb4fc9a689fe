// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "gmsa-keytabd",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "gmsa-keytabd", targets: ["gmsa-keytabd"]),
        // For the fuzz targets in fuzz/, a package of their own that depends on this one by path.
        .library(name: "GMSACore", targets: ["GMSACore"]),
        .library(name: "TOML", targets: ["TOML"]),
        .library(name: "JSON", targets: ["JSON"]),
        .library(name: "LDAPPing", targets: ["LDAPPing"]),
        .library(name: "GMSAKerberos", targets: ["GMSAKerberos"]),
        .library(name: "GMSAService", targets: ["GMSAService"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
    ],
    targets: [
        // C libraries: thin module maps plus a shim header for what Swift cannot import.
        .systemLibrary(name: "CKrb5", path: "Sources/CKrb5"),
        .systemLibrary(name: "CGnuTLS", path: "Sources/CGnuTLS"),
        .systemLibrary(name: "CLDAP", path: "Sources/CLDAP"),
        .systemLibrary(name: "CResolv", path: "Sources/CResolv"),
        // glibc's GNU extensions (posix_spawn's closefrom action, thread names), declared only under _GNU_SOURCE.
        .systemLibrary(name: "CLinux", path: "Sources/CLinux"),
        // The daemon's signal handler: C, because a handler may only make async-signal-safe calls.
        .target(name: "CSignalPipe"),
        // run-as's child between fork and exec (groups, user, no capability, no_new_privs): C, plain system calls.
        .target(name: "CUserCommand"),

        // Generic formats: they know nothing of gMSAs. Each has its fuzz target (fuzz/) and runs its format's
        // public test suite (Tests/TOMLCorpus, Tests/JSONCorpus).
        // Strict UTF-8 validation of outside bytes, shared by the TOML and JSON parsers.
        .target(name: "StrictUTF8"),
        // TOML 1.0: the configuration file's syntax.
        .target(name: "TOML", dependencies: ["StrictUTF8"]),
        // JSON (RFC 8259): the state file's syntax.
        .target(name: "JSON", dependencies: ["StrictUTF8"]),
        // The LDAP ping (CLDAP search of the rootDSE's Netlogon attribute) and the BER it is written in: how a DC
        // says which site the host is in and whether it is writable.
        .target(name: "LDAPPing"),

        // The pure core: the domain (blob, password, salt, enctypes, keytab model, configuration, refresh
        // policy). Imports no C.
        .target(name: "GMSACore", dependencies: ["TOML", "JSON", "LDAPPing"]),

        // The Kerberos edge: key derivation and keytab files through libkrb5 (AES string-to-key through GnuTLS).
        .target(
            name: "GMSAKerberos",
            dependencies: ["GMSACore", "CKrb5", "CGnuTLS"]
        ),

        // The directory edge: LDAP (SASL GSSAPI, sealed) through libldap, DC discovery through DNS SRV.
        .target(
            name: "GMSADirectory",
            dependencies: ["GMSACore", "LDAPPing", "CLDAP", "CResolv"]
        ),

        // Wires core and edges together: one synchronization pass over all accounts.
        .target(
            name: "GMSAService",
            dependencies: ["GMSACore", "GMSAKerberos", "GMSADirectory", "CLinux", "CUserCommand"]
        ),

        // The long-running daemon: refresh loop, systemd notify and watchdog, journald logging, signals.
        .target(
            name: "GMSADaemon",
            dependencies: [
                "GMSACore", "GMSAKerberos", "GMSADirectory", "GMSAService", "CLinux", "CSignalPipe",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        .executableTarget(
            name: "gmsa-keytabd",
            dependencies: [
                "GMSACore",
                "GMSAKerberos",
                "GMSADirectory",
                "GMSAService",
                "GMSADaemon",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // The fleet simulation (bench/, `make fleet-simulation`): the real schedule, no network.
        .executableTarget(
            name: "gmsa-fleet-simulation",
            dependencies: ["GMSACore"],
            path: "bench/FleetSimulation"
        ),

        // Known-answer vectors and helpers shared by the test targets.
        .target(
            name: "GMSATestSupport",
            dependencies: ["GMSACore"],
            path: "Tests/GMSATestSupport",
            resources: [.copy("Vectors")]
        ),
        .testTarget(
            name: "GMSACoreTests",
            dependencies: ["GMSACore", "GMSATestSupport"]
        ),
        .testTarget(name: "TOMLTests", dependencies: ["TOML"]),
        .testTarget(name: "JSONTests", dependencies: ["JSON"]),
        .testTarget(name: "LDAPPingTests", dependencies: ["LDAPPing"]),
        .testTarget(
            name: "GMSAKerberosTests",
            dependencies: ["GMSACore", "GMSAKerberos", "GMSATestSupport", "CKrb5"]
        ),
        // The synchronizer's parts (planner, kvno confirmer, lookup) with canned directory data.
        .testTarget(
            name: "GMSAServiceTests",
            dependencies: ["GMSACore", "GMSAKerberos", "GMSADirectory", "GMSAService", "GMSATestSupport"]
        ),
        .testTarget(
            name: "GMSADirectoryTests",
            dependencies: ["GMSACore", "GMSADirectory", "LDAPPing", "CLDAP"]
        ),
        .testTarget(
            name: "GMSADaemonTests",
            dependencies: [
                "GMSACore", "GMSAService", "GMSADaemon", "GMSATestSupport", .product(name: "Logging", package: "swift-log"),
                .product(name: "InMemoryLogging", package: "swift-log"),
            ]
        ),
        // Against the Samba AD DC of lab/lab.sh (skipped outside the lab).
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["GMSACore", "GMSAKerberos", "GMSADirectory", "GMSAService", "GMSATestSupport", "CLDAP"],
            exclude: ["Scripts"]
        ),
        // Runs the built gmsa-keytabd as a user would.
        .testTarget(
            name: "CommandLineTests",
            dependencies: ["GMSACore", "GMSAKerberos", "GMSAService", "GMSATestSupport"]
        ),
    ]
)
