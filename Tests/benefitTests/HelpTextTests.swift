import BenefitTestSupport
import Foundation
import Testing

/// Every command's `--help`, walked from `benefit --help` down its subcommands.
@Suite("Help text")
struct HelpTextTests {
    @Test("every command's help: exit 0, an overview, and no option that names its default twice")
    func everyCommandsHelp() async throws {
        var pending: [[String]] = [[]]
        var visited = 0
        while let command = pending.popLast() {
            let outcome = try await BenefitProcess.run(command + ["--help"])
            let name = (["benefit"] + command).joined(separator: " ")
            #expect(outcome.exitCode == 0, "\(name) --help: \(outcome.standardError)")
            #expect(outcome.standardOutput.hasPrefix("OVERVIEW: "), "\(name) --help")
            for option in Self.options(outcome.standardOutput) {
                // The parser appends "(default: X)" to an option's help; a help text that says it again prints it twice.
                #expect(option.components(separatedBy: "default: ").count <= 2, "\(name): \(option)")
            }
            pending += Self.subcommands(outcome.standardOutput).map { command + [$0] }
            visited += 1
        }
        #expect(visited > 60, "the walk reached \(visited) commands")
    }

    /// The names listed under SUBCOMMANDS, two spaces in.
    private static func subcommands(_ help: String) -> [String] {
        section("SUBCOMMANDS", of: help).compactMap { line in
            line.wholeMatch(of: #/  ([a-z][a-z0-9-]*)( \(default\))?( .*)?/#).map { String($0.1) }
        }
    }

    /// The OPTIONS section's entries, each with its continuation lines joined into one.
    private static func options(_ help: String) -> [String] {
        var entries: [String] = []
        for line in section("OPTIONS", of: help) {
            if line.hasPrefix("  -") || entries.isEmpty {
                entries.append(line)
            } else {
                entries[entries.count - 1] += " " + line.trimmingCharacters(in: .whitespaces)
            }
        }
        return entries
    }

    /// The lines after `heading:` up to the next blank line.
    private static func section(_ heading: String, of help: String) -> [String] {
        let lines = help.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let start = lines.firstIndex(of: heading + ":") else { return [] }
        return Array(lines[(start + 1)...].prefix { !$0.isEmpty })
    }
}
