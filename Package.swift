// swift-tools-version: 6.1
// The CryptNode toolkit: see ../shared/DESIGN.md §1 for the layout and the arrows between modules.
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("ExistentialAny"),
]

/// The WebSocket stack shared by the relay, its tests and the load tool.
let webSocketStack: [Target.Dependency] = [
    .product(name: "NIOCore", package: "swift-nio"),
    .product(name: "NIOPosix", package: "swift-nio"),
    .product(name: "NIOHTTP1", package: "swift-nio"),
    .product(name: "NIOWebSocket", package: "swift-nio"),
]

let package = Package(
    name: "CryptNode",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "CNKit", targets: ["CNKit"]),
        .library(name: "CNRelayKit", targets: ["CNRelayKit"]),
        .executable(name: "cn-relay", targets: ["cn-relay"]),
        .executable(name: "cn-account", targets: ["cn-account"]),
        .executable(name: "cn-friend", targets: ["cn-friend"]),
        .executable(name: "cn-send", targets: ["cn-send"]),
        .executable(name: "cn-recv", targets: ["cn-recv"]),
        .executable(name: "cn-relay-load", targets: ["cn-relay-load"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", exact: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.7.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        // `swift package generate-documentation`: the DocC catalogs of CNKit and CNRelayKit.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        // MARK: CNKit layers (one module per layer; the compiler enforces the arrows)
        .target(
            name: "CNProtocol",
            path: "Sources/CNKit/Protocol",
            swiftSettings: strict
        ),
        .target(
            name: "CZlibSupport",
            path: "Sources/CZlibSupport",
            linkerSettings: [.linkedLibrary("z")]
        ),
        .target(
            name: "CNCrypto",
            dependencies: [
                "CZlibSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ],
            path: "Sources/CNKit/Crypto",
            resources: [.copy("Resources/bip39-english.txt"), .copy("Resources/bip39-LICENSE.txt")],
            swiftSettings: strict
        ),
        .target(
            name: "CSQLiteSupport",
            path: "Sources/CSQLiteSupport",
            linkerSettings: [.linkedLibrary("sqlite3")]
        ),
        .target(
            name: "CNStore",
            dependencies: [
                "CNCrypto",
                "CSQLiteSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ],
            path: "Sources/CNKit/Store",
            swiftSettings: strict
        ),
        .target(
            name: "CNClient",
            dependencies: ["CNProtocol", "CNCrypto", "CNStore"] + webSocketStack + [
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            path: "Sources/CNKit/Client",
            swiftSettings: strict
        ),
        .target(
            name: "CNCLI",
            dependencies: ["CNProtocol", "CNCrypto", "CNStore", "CNClient",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Sources/CNKit/CLI",
            swiftSettings: strict
        ),
        .target(
            name: "CNKit",
            dependencies: ["CNProtocol", "CNCrypto", "CNStore", "CNClient", "CNCLI"],
            path: "Sources/CNKit/Exports",
            swiftSettings: strict
        ),

        // MARK: The relay
        .target(
            name: "CNRelayKit",
            dependencies: ["CNProtocol", "CNCrypto"] + webSocketStack + [
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "cn-relay",
            dependencies: [
                "CNRelayKit",
                "CNCrypto",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),


        // MARK: Client commands (thin mains over CNKit)
        .executableTarget(
            name: "cn-account",
            dependencies: ["CNKit", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "cn-friend",
            dependencies: ["CNKit", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "cn-send",
            dependencies: ["CNKit", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "cn-recv",
            dependencies: ["CNKit", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strict
        ),

        // MARK: Benchmarks
        .executableTarget(
            name: "cn-relay-load",
            dependencies: ["CNProtocol", "CNCrypto"] + webSocketStack + [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Benchmarks/RelayLoad",
            swiftSettings: strict
        ),

        // MARK: Fuzzing (scripts/fuzz.sh builds it with -sanitize=fuzzer)
        .executableTarget(
            name: "FrameFuzz",
            dependencies: ["CNProtocol"],
            path: "Fuzz/FrameFuzz",
            swiftSettings: strict
        ),

        // MARK: Tests
        .testTarget(
            name: "CNKitTests",
            dependencies: ["CNProtocol", "CNCrypto", "CNStore", "CNClient",
                           .product(name: "NIOSSL", package: "swift-nio-ssl"),
                           .product(name: "Crypto", package: "swift-crypto"),
                           .product(name: "CryptoExtras", package: "swift-crypto"),
                           .product(name: "GRDB", package: "GRDB.swift")] + webSocketStack,
            swiftSettings: strict
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["CNKit",
                           .product(name: "Crypto", package: "swift-crypto"),
                           .product(name: "JWTKit", package: "jwt-kit"),
                           .product(name: "CryptoExtras", package: "swift-crypto")] + webSocketStack,
            swiftSettings: strict
        ),
        .testTarget(
            name: "CNRelayKitTests",
            dependencies: ["CNRelayKit", "CNProtocol", "CNCrypto"] + webSocketStack + [
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: strict
        ),
    ]
)
