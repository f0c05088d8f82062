import Foundation

/// The text and JSON forms of `benefit db status`.
public enum MigrationStatusReport {
    public static func table(_ entries: [Migrator.Entry]) -> String {
        var rows = [["MIGRATION", "STATE", "APPLIED AT", "APPLIED BY"]]
        for entry in entries {
            switch entry.state {
            case let .applied(at, by): rows.append([entry.fileName, "applied", TimestampText.format(at), by])
            case .pending: rows.append([entry.fileName, "pending", "", ""])
            case .changed: rows.append([entry.fileName, "CHANGED since applied", "", ""])
            case .unknown: rows.append([entry.fileName, "applied, unknown to this binary", "", ""])
            }
        }
        let widths = (0..<4).map { column in rows.map { $0[column].count }.max() ?? 0 }
        let lines = rows.map { row in
            zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
                .trimmingCharacters(in: .whitespaces)
        }
        let pending = entries.filter { $0.state == .pending }.count
        return (lines + ["", "\(entries.count - pending) applied, \(pending) pending"]).joined(separator: "\n")
    }

    public static func json(_ entries: [Migrator.Entry]) throws -> String {
        struct Row: Encodable {
            let version: Int, name: String, file: String, state: String
            let appliedAt: String?, appliedBy: String?
        }
        let rows = entries.map { entry -> Row in
            switch entry.state {
            case let .applied(at, by):
                return Row(version: entry.version, name: entry.name, file: entry.fileName, state: "applied", appliedAt: TimestampText.format(at), appliedBy: by)
            case .pending:
                return Row(version: entry.version, name: entry.name, file: entry.fileName, state: "pending", appliedAt: nil, appliedBy: nil)
            case .changed:
                return Row(version: entry.version, name: entry.name, file: entry.fileName, state: "changed", appliedAt: nil, appliedBy: nil)
            case .unknown:
                return Row(version: entry.version, name: entry.name, file: entry.fileName, state: "unknown", appliedAt: nil, appliedBy: nil)
            }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(rows), as: UTF8.self)
    }
}
