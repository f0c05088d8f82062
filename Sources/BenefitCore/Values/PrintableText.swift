/// Text that came from a user's file or from the database, made safe to print on a terminal.
///
/// A campaign's title, a pause reason, a job's last error or a value quoted in a
/// problem may hold control characters. Printed raw, an ESC sequence recolours,
/// moves or clears the operator's terminal (or retitles its window), a carriage
/// return overwrites what came before on the line, a bidirectional override
/// reorders what the line seems to say. Every place that prints such text goes
/// through this type, so none of those reach the terminal as themselves; every
/// printable character, Chinese and emoji included, is kept as it is.
public enum PrintableText {
    /// The text with each control character written as an escape: `\n`, `\r`, `\t`, or `\u{1B}` for the rest.
    ///
    /// Control characters are the C0 and C1 controls and DEL (general category
    /// Cc), the line and paragraph separators, and the bidirectional controls.
    /// Backslashes are kept: a title `C:\new` prints as written.
    public static func escaping(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var escaped = ""
        for scalar in text.unicodeScalars {
            escaped += isControl(scalar) ? escape(scalar) : String(scalar)
        }
        return escaped
    }

    /// The text in double quotes, for a message that quotes what was written.
    ///
    /// Quotes and backslashes are escaped, control characters as in
    /// ``escaping(_:)``, and text longer than `limit` characters is cut there, with `…`
    /// (a 50 MB value quoted whole would bury the message it is part of).
    public static func quoted(_ text: String, limit: Int = 60) -> String {
        let cut = text.count > limit ? text.prefix(limit) + "…" : Substring(text)
        var escaped = ""
        for scalar in cut.unicodeScalars {
            switch scalar {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            default: escaped += isControl(scalar) ? escape(scalar) : String(scalar)
            }
        }
        return "\"\(escaped)\""
    }

    /// Whether the scalar would act on the terminal instead of showing as a character.
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .lineSeparator, .paragraphSeparator: true
        default: scalar.properties.isBidiControl
        }
    }

    private static func escape(_ scalar: Unicode.Scalar) -> String {
        switch scalar {
        case "\n": "\\n"
        case "\r": "\\r"
        case "\t": "\\t"
        default: "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
        }
    }
}
