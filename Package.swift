// swift-tools-version:6.0
import PackageDescription

// One package, one executable. Modules follow ../ARCHITECTURE: a pure core,
// a store, thin shells around it; each C library sits behind its own shim.
let package = Package(
    name: "deloton",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "deloton", targets: ["deloton"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.9.0"..<"5.0.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.0.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.0.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.25.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.24.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.0"),
        // Build time only: EmbedFiles reads the API contract's YAML.
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
    ],
    targets: [
        // System libraries (Debian -dev packages).
        .systemLibrary(name: "CRdKafka", path: "Sources/CRdKafka", pkgConfig: "rdkafka",
                       providers: [.apt(["librdkafka-dev"])]),
        .systemLibrary(name: "CCurl", path: "Sources/CCurl", pkgConfig: "libcurl",
                       providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CCairo", path: "Sources/CCairo", pkgConfig: "cairo",
                       providers: [.apt(["libcairo2-dev"])]),

        // The pure core: no I/O, no clocks, no globals.
        .target(name: "DelotonCore"),
        // The concurrency building blocks the modules share: an executor for blocking C calls,
        // a bounded channel, a deadline. Depends on nothing, so the lowest module can use it.
        .target(name: "DelotonConcurrency"),
        .target(name: "DelotonStore", dependencies: [
            "DelotonCore", "DelotonConcurrency",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "GRDBSQLite", package: "GRDB.swift"),
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // The only code that touches librdkafka.
        .target(name: "DelotonKafka", dependencies: [
            "DelotonCore", "CRdKafka", "DelotonConcurrency",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "DelotonNotify", dependencies: [
            "DelotonCore", "DelotonConcurrency", "DelotonStore", "CCurl",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "DelotonIngest", dependencies: [
            "DelotonCore", "DelotonConcurrency", "DelotonStore", "DelotonKafka", "DelotonNotify",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
        ]),
        .target(name: "DelotonReport", dependencies: [
            "DelotonCore", "DelotonConcurrency", "DelotonStore", "DelotonNotify", "CCairo",
            .product(name: "Mustache", package: "swift-mustache"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "DelotonServer", dependencies: [
            "DelotonCore", "DelotonConcurrency", "DelotonStore",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ],
        // The page's files are compiled in by the EmbedDashboard plugin, not shipped as a resource
        // bundle: a copied binary has no bundle beside it.
        exclude: ["Dashboard", "openapi.yaml"], plugins: ["EmbedDashboard"]),
        .executableTarget(name: "EmbedFiles", dependencies: [.product(name: "Yams", package: "Yams")]),
        .plugin(name: "EmbedDashboard", capability: .buildTool(), dependencies: ["EmbedFiles"]),
        // What operators read: log lines (text or JSON, personal data redacted) and the
        // pipeline's stall watch behind the liveness check.
        .target(name: "DelotonTelemetry", dependencies: [
            "DelotonCore",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // `deloton bench`: load generators and measurements, kept out of the product modules.
        .target(name: "DelotonBench", dependencies: [
            "DelotonCore", "DelotonStore", "DelotonKafka", "DelotonIngest", "DelotonReport", "DelotonServer",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "PostgresNIO", package: "postgres-nio"),
        ]),
        .executableTarget(name: "deloton", dependencies: [
            "DelotonCore", "DelotonConcurrency", "DelotonStore", "DelotonKafka", "DelotonNotify",
            "DelotonIngest", "DelotonReport", "DelotonServer", "DelotonTelemetry", "DelotonBench",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),

        // Shared by the test targets: throwaway servers, sample data, temp dirs.
        .target(name: "DelotonTestSupport", path: "Tests/DelotonTestSupport"),
        .testTarget(name: "DelotonCoreTests", dependencies: [
            "DelotonCore", "DelotonTestSupport",
            .product(name: "PropertyBased", package: "swift-property-based"),
        ]),
        .testTarget(name: "DelotonConcurrencyTests", dependencies: ["DelotonConcurrency"]),
        .testTarget(name: "DelotonStoreTests", dependencies: ["DelotonStore", "DelotonTestSupport"]),
        .testTarget(name: "DelotonKafkaTests", dependencies: ["DelotonKafka", "CRdKafka", "DelotonTestSupport"]),
        .testTarget(name: "DelotonNotifyTests", dependencies: [
            "DelotonNotify", "DelotonConcurrency", "DelotonTestSupport", .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .testTarget(name: "DelotonIngestTests", dependencies: [
            "DelotonIngest", "DelotonBench", "DelotonTestSupport",
            .product(name: "PropertyBased", package: "swift-property-based"),
        ]),
        .testTarget(name: "DelotonReportTests", dependencies: ["DelotonReport", "DelotonBench", "DelotonTestSupport"]),
        .testTarget(name: "DelotonServerTests", dependencies: [
            "DelotonServer", "DelotonTestSupport",
            .product(name: "HummingbirdTesting", package: "hummingbird"),
        ]),
        .testTarget(name: "DelotonBenchTests", dependencies: [
            "DelotonBench", "DelotonServer", "DelotonKafka", "DelotonTestSupport",
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "DelotonTelemetryTests", dependencies: ["DelotonTelemetry", "DelotonTestSupport"]),
        // The command line's own rules (its settings table and help) tested in process.
        .testTarget(name: "DelotonCLITests", dependencies: [
            "deloton", "DelotonCore", "DelotonNotify", "DelotonTestSupport", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .testTarget(name: "EndToEndTests", dependencies: ["DelotonTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
