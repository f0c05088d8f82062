import Foundation

// Writes a Swift file declaring `let VARIABLE: [(name: String, text: String)]`,
// each file's name and text as raw string literals, in the order given.
// Usage: FileEmbedder OUTPUT.swift VARIABLE FILE...
let arguments = Array(CommandLine.arguments.dropFirst())
guard arguments.count >= 2 else {
    FileHandle.standardError.write(Data("usage: FileEmbedder OUTPUT.swift VARIABLE FILE...\n".utf8))
    exit(2)
}
let (output, variable, files) = (arguments[0], arguments[1], arguments.dropFirst(2))

/// A raw string literal delimited by more `#` than any run in the text, so no file can end it.
func rawLiteral(_ text: String) -> String {
    var longest = 0, current = 0
    for character in text {
        current = character == "#" ? current + 1 : 0
        longest = max(longest, current)
    }
    let hashes = String(repeating: "#", count: longest + 1)
    return "\(hashes)\"\"\"\n\(text)\n\"\"\"\(hashes)"
}

var source = "// Generated at build time from the package's files. Do not edit.\n\n"
source += "let \(variable): [(name: String, text: String)] = [\n"
for path in files {
    let url = URL(fileURLWithPath: path)
    let text = try String(contentsOf: url, encoding: .utf8)
    source += "    (name: \(rawLiteral(url.lastPathComponent)), text: \(rawLiteral(text))),\n"
}
source += "]\n"
try source.write(toFile: output, atomically: true, encoding: .utf8)
