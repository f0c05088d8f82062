import BenefitCore
import Foundation
import PostgresClient

extension RosterImport {
    /// A generated roster written as CSV to a temporary file (readable by this
    /// account only), for an import to read back; ``remove()`` deletes it.
    public struct GeneratedFile: Sendable {
        public let path: String

        /// Writes a roster of `count` members (``RosterGenerator``) to a new temporary file.
        public static func write(count: Int, seed: UInt64, asOf: CalendarDate = RosterGenerator.defaultAsOf) async throws -> GeneratedFile {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("benefit-roster-\(UUID().uuidString).csv").path
            try await runBlocking("roster-file") {
                try RosterGenerator.writeCSV(count: count, seed: seed, asOf: asOf, toFile: path, mode: 0o600)
            }
            return GeneratedFile(path: path)
        }

        public func remove() {
            try? FileManager.default.removeItem(atPath: path)
        }
    }

    /// Generates a roster and imports it the way an operator's file is imported:
    /// written as CSV to a temporary file (``GeneratedFile``), which is read back,
    /// checked and loaded, then removed. `benefit demo` starts from it.
    public static func generated(count: Int, seed: UInt64, asOf: CalendarDate = RosterGenerator.defaultAsOf, on pool: PostgresPool) async throws -> Summary {
        let file = try await GeneratedFile.write(count: count, seed: seed, asOf: asOf)
        defer { file.remove() }
        return try await run(path: file.path, by: OperatorIdentity.current, on: pool)
    }
}
