/// JSON string literals (RFC 8259), written the one way the product writes them:
/// canonical campaign definitions and JSON log lines.
public enum JSONText {
    /// `text` as a JSON string literal: quotes and backslashes escaped, `\n`, `\r`,
    /// `\t`, `\b`, `\f` by name, other control characters as `\u00XX` (lowercase
    /// hex); everything else, Chinese included, as it is.
    public static func quoted(_ text: String) -> String {
        var out = ""
        appendQuoted(text, to: &out)
        return out
    }

    /// Appends `text` as a JSON string literal to `out`.
    public static func appendQuoted(_ text: String, to out: inout String) {
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case let control where control.value < 0x20:
                let hex = String(control.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default:
                out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}
