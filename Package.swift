// swift-tools-version:6.1
import PackageDescription

// Modules, each depending only on those above it (docs/architecture.md):
//   BenefitCore, CPostgres → PostgresClient → BenefitAudit → BenefitQueue → BenefitScheduler → BenefitTools → BenefitWorkers → benefit
// BenefitMigrations (the SQL files of migrations/, compiled in) sits beside them on PostgresClient;
// BenefitTelemetry (the metrics and health endpoint) beside them on BenefitCore, used by benefit alone;
// BenefitAccounts (the console's users and sessions) beside them on BenefitAudit.
let package = Package(
    name: "benefit-scheduler",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "benefit", targets: ["benefit"]),
        .library(name: "PostgresClient", targets: ["PostgresClient"]),
        .library(name: "BenefitQueue", targets: ["BenefitQueue"]),
        .library(name: "BenefitScheduler", targets: ["BenefitScheduler"]),
        .library(name: "BenefitWorkers", targets: ["BenefitWorkers"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swiftlang/swift-subprocess.git", from: "1.0.2"),
        .package(url: "https://github.com/apple/swift-system.git", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CPostgres",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        // Values and system helpers every module uses (calendar dates, backoff,
        // blocking work off the cooperative pool). Knows nothing of PostgreSQL.
        .target(
            name: "BenefitCore",
            dependencies: [.product(name: "Logging", package: "swift-log")]
        ),
        // The PostgreSQL client: connections, binds by construction, COPY, pipeline,
        // LISTEN, a pool, and the migration runner. Knows nothing of jobs.
        .target(
            name: "PostgresClient",
            dependencies: [
                "BenefitCore",
                "CPostgres",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ]
        ),
        // The audit trail: operators' actions recorded in the transaction of each action.
        .target(
            name: "BenefitAudit",
            dependencies: ["BenefitCore", "PostgresClient"]
        ),
        // The operators' console accounts: users with bcrypt-hashed passwords, their
        // roles, sessions kept in PostgreSQL, login rate limits. Knows no HTTP server.
        .target(
            name: "BenefitAccounts",
            dependencies: [
                "BenefitCore",
                "PostgresClient",
                "BenefitAudit",
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The migrations of migrations/*.sql, compiled into the binary.
        .target(
            name: "BenefitMigrations",
            dependencies: [
                "PostgresClient",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            plugins: ["EmbedFiles"]
        ),
        // The job queue: jobs, leases, claim, heartbeat, fenced commit, retries,
        // dead letters, rescuer, the worker service. Knows no campaign, run, member or money.
        .target(
            name: "BenefitQueue",
            dependencies: [
                "BenefitCore",
                "PostgresClient",
                "BenefitAudit",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Schedules, campaigns, runs, the scheduler service and run finishing, on the
        // queue's public API. Knows no program.
        .target(
            name: "BenefitScheduler",
            dependencies: [
                "BenefitCore",
                "PostgresClient",
                "BenefitAudit",
                "BenefitQueue",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        // The metrics and health endpoint of the daemons: a Prometheus backend for the
        // metrics the libraries record (swift-metrics), served over HTTP with /healthz
        // and /readyz. Knows nothing of PostgreSQL or jobs: readiness is a closure.
        .target(
            name: "BenefitTelemetry",
            dependencies: [
                "BenefitCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The operators' console (`benefit serve`): server-rendered pages on
        // Hummingbird, templates with Mustache, on the libraries' public APIs.
        .target(
            name: "BenefitConsole",
            dependencies: [
                "BenefitCore", "PostgresClient", "BenefitAudit", "BenefitAccounts", "BenefitQueue", "BenefitScheduler", "BenefitWorkers",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            exclude: ["Assets"],
            plugins: ["EmbedFiles"]
        ),
        // Operational tools: the embedded cluster, child processes, the queue and
        // client benchmarks, text rendering.
        .target(
            name: "BenefitTools",
            dependencies: [
                "BenefitCore",
                "PostgresClient",
                "BenefitMigrations",
                "BenefitQueue",
                "BenefitScheduler",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        // The benefit programs, the member roster, the demo and the campaign benchmark.
        .target(
            name: "BenefitWorkers",
            dependencies: [
                "BenefitCore", "PostgresClient", "BenefitAudit", "BenefitMigrations", "BenefitQueue", "BenefitScheduler", "BenefitTools",
            ],
            plugins: ["EmbedFiles"]
        ),
        // The command line: argument parsing and printing only.
        .executableTarget(
            name: "benefit",
            dependencies: [
                "BenefitCore",
                "PostgresClient",
                "BenefitAudit",
                "BenefitAccounts",
                "BenefitMigrations",
                "BenefitQueue",
                "BenefitScheduler",
                "BenefitTelemetry",
                "BenefitConsole",
                "BenefitTools",
                "BenefitWorkers",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(name: "FileEmbedder"),
        .plugin(
            name: "EmbedFiles",
            capability: .buildTool(),
            dependencies: ["FileEmbedder"]
        ),
        .target(
            name: "BenefitTestSupport",
            dependencies: [
                "BenefitCore",
                "PostgresClient",
                "BenefitMigrations",
                "BenefitQueue",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            path: "Tests/Support",
            // Run by FreezableProxy with python3, from the source tree.
            exclude: ["freezable-proxy.py"]
        ),
        .testTarget(
            name: "BenefitCoreTests",
            dependencies: [
                "BenefitCore", "BenefitTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "InMemoryLogging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "PostgresClientTests",
            dependencies: ["BenefitCore", "PostgresClient", "BenefitMigrations", "BenefitTestSupport"]
        ),
        .testTarget(
            name: "BenefitAuditTests",
            dependencies: ["BenefitCore", "PostgresClient", "BenefitAudit", "BenefitTestSupport"]
        ),
        .testTarget(
            name: "BenefitAccountsTests",
            dependencies: ["BenefitCore", "PostgresClient", "BenefitAudit", "BenefitAccounts", "BenefitTestSupport"]
        ),
        .testTarget(
            name: "BenefitQueueTests",
            dependencies: ["BenefitCore", "PostgresClient", "BenefitAudit", "BenefitQueue", "BenefitTestSupport"]
        ),
        .testTarget(
            name: "BenefitSchedulerTests",
            dependencies: ["BenefitCore", "PostgresClient", "BenefitAudit", "BenefitQueue", "BenefitScheduler", "BenefitTestSupport"]
        ),
        .testTarget(
            name: "BenefitTelemetryTests",
            dependencies: [
                "BenefitCore", "BenefitTelemetry", "BenefitTestSupport",
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "BenefitToolsTests",
            dependencies: ["BenefitCore", "PostgresClient", "BenefitTools", "BenefitTestSupport"]
        ),
        .testTarget(
            name: "BenefitWorkersTests",
            dependencies: [
                "BenefitCore", "PostgresClient", "BenefitAudit", "BenefitMigrations", "BenefitQueue", "BenefitScheduler", "BenefitTools",
                "BenefitWorkers", "BenefitTestSupport",
                .product(name: "InMemoryLogging", package: "swift-log"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        .testTarget(
            name: "BenefitConsoleTests",
            dependencies: [
                "BenefitCore", "PostgresClient", "BenefitAudit", "BenefitQueue", "BenefitScheduler", "BenefitWorkers", "BenefitAccounts",
                "BenefitConsole", "BenefitTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        // The `benefit` binary run as operators run it, in processes of its own.
        .testTarget(
            name: "benefitTests",
            dependencies: [
                "BenefitCore", "PostgresClient", "BenefitAudit", "BenefitQueue", "BenefitScheduler", "BenefitTools", "BenefitWorkers",
                "BenefitTestSupport",
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
