import Foundation

/// The SQL that docs/sql.md shows administrators.
public enum DocumentedSQL {
    /// docs/sql.md, whole.
    public static func text() throws -> String {
        let docs = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/sql.md")
        return try String(contentsOf: docs, encoding: .utf8)
    }

    /// The ```sql blocks of docs/sql.md, in order; with `section`, only those
    /// under the `## ` heading of that name (up to the next one).
    public static func queries(section: String? = nil) throws -> [String] {
        let text = try text()
        var queries: [String] = []
        var current: [Substring]?
        var inSection = section == nil
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if let section, line.hasPrefix("## ") { inSection = line.dropFirst(3) == section }
            guard inSection else { continue }
            if line.hasPrefix("```sql") { current = [] } else if line.hasPrefix("```"), let block = current {
                queries.append(block.joined(separator: "\n"))
                current = nil
            } else if current != nil { current!.append(line) }
        }
        return queries
    }
}
