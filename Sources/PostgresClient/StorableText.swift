/// Checks for free text a user gives (a title, a reason, a name) before it is stored in a `text` or `jsonb` column.
///
/// PostgreSQL's text types cannot hold U+0000: the server refuses it with a
/// bare SQLSTATE (22021 in `text`, 22P05 in `jsonb`) that names neither the
/// file nor the field. Readers of users' files and options check here first,
/// so the refusal names where the character was. A bound on length keeps a
/// runaway value (a 50 MB title) out of tables that every list command reads.
public enum StorableText {
    /// What is wrong with the text as a stored value of at most `maximumLength` characters, or nil.
    ///
    /// Length counts Unicode code points, as PostgreSQL's `length()` does.
    /// Messages read after a field's name: `contains U+0000 (NUL), …`, `5000
    /// characters, more than the 200 allowed`.
    public static func problem(_ text: String, maximumLength: Int? = nil) -> String? {
        if let problem = unstorableCharacterProblem(text) { return problem }
        if let maximumLength, case let length = text.unicodeScalars.count, length > maximumLength {
            return "\(length) characters, more than the \(maximumLength) allowed"
        }
        return nil
    }

    /// Like ``problem(_:maximumLength:)``, and `blank` when the text is empty or
    /// only spaces: what a name or a reason an operator gives must pass.
    public static func nonBlankProblem(_ text: String, maximumLength: Int, blank: String = "empty") -> String? {
        text.allSatisfy(\.isWhitespace) ? blank : problem(text, maximumLength: maximumLength)
    }

    /// Why PostgreSQL text cannot hold the text, or nil: it holds U+0000.
    public static func unstorableCharacterProblem(_ text: String) -> String? {
        text.unicodeScalars.contains("\0") ? "contains U+0000 (NUL), which PostgreSQL cannot store in text" : nil
    }
}
