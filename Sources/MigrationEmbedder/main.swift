import Foundation

// Writes a Swift file holding each migration's name and SQL as raw string literals.
// Usage: MigrationEmbedder OUTPUT.swift FILE.sql...
let arguments = CommandLine.arguments.dropFirst()
guard let output = arguments.first else {
    FileHandle.standardError.write(Data("usage: MigrationEmbedder OUTPUT.swift FILE.sql...\n".utf8))
    exit(2)
}

/// A raw string literal delimited by more `#` than any run in the text, so no SQL can end it.
func rawLiteral(_ text: String) -> String {
    var longest = 0, current = 0
    for character in text {
        current = character == "#" ? current + 1 : 0
        longest = max(longest, current)
    }
    let hashes = String(repeating: "#", count: longest + 1)
    return "\(hashes)\"\"\"\n\(text)\n\"\"\"\(hashes)"
}

var source = "// Generated from migrations/*.sql at build time. Do not edit.\n\n"
source += "let embeddedMigrationFiles: [(name: String, sql: String)] = [\n"
for path in arguments.dropFirst() {
    let url = URL(fileURLWithPath: path)
    let sql = try String(contentsOf: url, encoding: .utf8)
    source += "    (name: \(rawLiteral(url.lastPathComponent)), sql: \(rawLiteral(sql))),\n"
}
source += "]\n"
try source.write(toFile: output, atomically: true, encoding: .utf8)
