import Foundation
import PostgresClient

/// The text and JSON forms of `benefit db status`.
public enum MigrationStatusReport {
    struct Row: Encodable {
        let version: Int, name: String, file: String, state: String
        let appliedAt: Date?, appliedBy: String?
        /// For a migration a newer release applied: the oldest release that keeps working on it.
        var compatibleFrom: Int? = nil
    }

    static func rows(_ entries: [Migrator.Entry]) -> [Row] {
        entries.map { entry in
            switch entry.state {
            case let .applied(at, by):
                return Row(version: entry.version, name: entry.name, file: entry.fileName, state: "applied", appliedAt: at, appliedBy: by)
            case .pending, .changed, .unknown:
                let state = entry.state == .pending ? "pending" : entry.state == .changed ? "changed" : "unknown"
                return Row(
                    version: entry.version, name: entry.name, file: entry.fileName, state: state, appliedAt: nil, appliedBy: nil,
                    compatibleFrom: entry.compatibleFrom)
            }
        }
    }

    public static func table(_ entries: [Migrator.Entry]) -> String {
        let labels = ["applied": "applied", "pending": "pending", "changed": "CHANGED since applied"]
        // This binary's newest migration: a newer release's keeps it working if it says so.
        let newest = entries.filter { $0.state != .unknown }.map(\.version).max() ?? 0
        func label(_ row: Row) -> String {
            guard row.state == "unknown" else { return labels[row.state] ?? row.state }
            return (row.compatibleFrom ?? Int.max) <= newest
                ? "applied by a newer release; this one keeps working"
                : "applied by a newer release; this one cannot run on it"
        }
        let table = TextTable.render(
            header: ["MIGRATION", "STATE", "APPLIED AT", "APPLIED BY"],
            rows: rows(entries).map { [$0.file, label($0), TextTable.instant($0.appliedAt), $0.appliedBy ?? ""] })
        let pending = entries.filter { $0.state == .pending }.count
        return table + "\n\n\(entries.count - pending) applied, \(pending) pending"
    }

    public static func json(_ entries: [Migrator.Entry]) throws -> String {
        try TextTable.json(rows(entries))
    }
}
