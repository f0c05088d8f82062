import Foundation
import PostgresClient

/// The text and JSON forms of `benefit db status`.
public enum MigrationStatusReport {
    struct Row: Encodable {
        let version: Int, name: String, file: String, state: String
        let appliedAt: Date?, appliedBy: String?
    }

    static func rows(_ entries: [Migrator.Entry]) -> [Row] {
        entries.map { entry in
            switch entry.state {
            case let .applied(at, by):
                return Row(version: entry.version, name: entry.name, file: entry.fileName, state: "applied", appliedAt: at, appliedBy: by)
            case .pending, .changed, .unknown:
                let state = entry.state == .pending ? "pending" : entry.state == .changed ? "changed" : "unknown"
                return Row(version: entry.version, name: entry.name, file: entry.fileName, state: state, appliedAt: nil, appliedBy: nil)
            }
        }
    }

    public static func table(_ entries: [Migrator.Entry]) -> String {
        let labels = ["applied": "applied", "pending": "pending", "changed": "CHANGED since applied", "unknown": "applied, unknown to this binary"]
        let table = TextTable.render(
            header: ["MIGRATION", "STATE", "APPLIED AT", "APPLIED BY"],
            rows: rows(entries).map { [$0.file, labels[$0.state] ?? $0.state, TextTable.instant($0.appliedAt), $0.appliedBy ?? ""] })
        let pending = entries.filter { $0.state == .pending }.count
        return table + "\n\n\(entries.count - pending) applied, \(pending) pending"
    }

    public static func json(_ entries: [Migrator.Entry]) throws -> String {
        try TextTable.json(rows(entries))
    }
}
