import BenefitCore
import Foundation
import PostgresClient

extension RosterImport {
    /// Generates a roster (``RosterGenerator``) and imports it the way an
    /// operator's file is imported: written as CSV to a temporary file, which is
    /// read back, checked and loaded, then removed. `benefit demo` and `benefit
    /// bench campaign` start from it.
    public static func generated(count: Int, seed: UInt64, asOf: CalendarDate = RosterGenerator.defaultAsOf, on pool: PostgresPool) async throws -> Summary {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("benefit-roster-\(UUID().uuidString).csv")
        defer { try? FileManager.default.removeItem(at: file) }
        try await runBlocking("roster-file") {
            try RosterGenerator.writeCSV(count: count, seed: seed, asOf: asOf, toFile: file.path, mode: 0o600)
        }
        return try await run(path: file.path, by: OperatorIdentity.current, on: pool)
    }
}
