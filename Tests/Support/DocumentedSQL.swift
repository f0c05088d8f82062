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

    /// The ```sql blocks of docs/sql.md, in order.
    public static func queries() throws -> [String] {
        let text = try text()
        var queries: [String] = []
        var current: [Substring]?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("```sql") { current = [] } else if line.hasPrefix("```"), let block = current {
                queries.append(block.joined(separator: "\n"))
                current = nil
            } else if current != nil { current!.append(line) }
        }
        return queries
    }
}
