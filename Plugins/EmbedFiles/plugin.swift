import Foundation
import PackagePlugin

/// Compiles package files into a module, so the binary carries them wherever it
/// is installed or run from:
/// - `migrations/*.sql` into BenefitMigrations, as `embeddedMigrationFiles`;
/// - `ops/campaigns/*.yaml` (the example campaigns `benefit demo` applies) into
///   BenefitWorkers, as `embeddedExampleCampaigns`;
/// - `Sources/BenefitConsole/Assets/*` (the console's templates, style sheet and
///   script) into BenefitConsole, as `embeddedConsoleAssets`.
@main
struct EmbedFiles: BuildToolPlugin {
    /// What each target embeds: a folder of the package, the files' extension, the variable.
    static let embedded: [String: (folder: String, pathExtensions: Set<String>, variable: String)] = [
        "BenefitMigrations": ("migrations", ["sql"], "embeddedMigrationFiles"),
        "BenefitWorkers": ("ops/campaigns", ["yaml"], "embeddedExampleCampaigns"),
        "BenefitConsole": ("Sources/BenefitConsole/Assets", ["mustache", "css", "js"], "embeddedConsoleAssets"),
    ]

    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        guard let embedded = Self.embedded[target.name] else {
            throw PluginError("EmbedFiles does not know what to embed in target \(target.name)")
        }
        let directory = context.package.directoryURL.appending(path: embedded.folder)
        let files = try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
            .filter { embedded.pathExtensions.contains($0.pathExtension) }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        let output = context.pluginWorkDirectoryURL.appending(path: "\(embedded.variable).swift")
        return [
            .buildCommand(
                displayName: "Embedding \(files.count) files of \(embedded.folder)",
                executable: try context.tool(named: "FileEmbedder").url,
                arguments: [output.path, embedded.variable] + files.map(\.path),
                inputFiles: files,
                outputFiles: [output])
        ]
    }
}

struct PluginError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
