// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "benefit-scheduler",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "benefit", targets: ["benefit"]),
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
    ],
    targets: [
        .systemLibrary(
            name: "CPostgres",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        .target(
            name: "BenefitScheduler",
            dependencies: [
                "CPostgres",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Yams", package: "Yams"),
            ],
            plugins: ["EmbedFiles"]
        ),
        .executableTarget(name: "FileEmbedder"),
        .plugin(
            name: "EmbedFiles",
            capability: .buildTool(),
            dependencies: ["FileEmbedder"]
        ),
        .target(
            name: "BenefitWorkers",
            dependencies: ["BenefitScheduler"],
            plugins: ["EmbedFiles"]
        ),
        .executableTarget(
            name: "benefit",
            dependencies: [
                "BenefitScheduler",
                "BenefitWorkers",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "BenefitTestSupport",
            dependencies: [
                "BenefitScheduler",
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            path: "Tests/Support"
        ),
        .testTarget(
            name: "BenefitSchedulerTests",
            dependencies: ["BenefitScheduler", "BenefitWorkers", "BenefitTestSupport"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
