import Foundation

/// Takes secrets out of text that may quote a connection string: libpq's parse
/// and connection errors quote the URL or conninfo they were given, password
/// included, and such text reaches logs and terminals. The one redaction every
/// message that may quote a connection string goes through, last: a parse error
/// has already had every fragment it quotes from the input elided
/// (``ConnectionStringProblem``); this pass catches what any message still spells.
enum ConnectionSecrets {
    /// `text` with every password it may hold replaced by `****`: the one in
    /// `conninfo` (the string the text is about), any `user:password@` of a URL,
    /// and any `password=...` of a conninfo.
    static func redact(_ text: String, conninfo: String) -> String {
        var redacted = text
        for secret in passwords(in: conninfo) where !secret.isEmpty {
            redacted = redacted.replacing(secret, with: "****")
        }
        redacted = redacted.replacing(/(postgres(?:ql)?:\/\/[^:\/@\s"]*:)[^@\s"]*@/, with: { "\($0.output.1)****@" })
        redacted = redacted.replacing(/(password\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s"]+)/, with: { "\($0.output.1)****" })
        return redacted
    }

    /// The passwords `conninfo` spells, read without libpq (which may not parse it):
    /// a URL's `user:password@` (also percent-decoded) and conninfo `password=` values.
    private static func passwords(in conninfo: String) -> [String] {
        var found: [String] = []
        if let match = conninfo.firstMatch(of: /^postgres(?:ql)?:\/\/[^:\/@]*:([^@]*)@/) {
            let raw = String(match.output.1)
            found.append(raw)
            if let decoded = raw.removingPercentEncoding, decoded != raw { found.append(decoded) }
        }
        for match in conninfo.matches(of: /password\s*=\s*(?:'((?:[^'\\]|\\.)*)'|(\S+))/) {
            if let quoted = match.output.1 { found.append(String(quoted)) }
            if let bare = match.output.2 { found.append(String(bare)) }
        }
        // Longest first, so a password that contains another is replaced whole.
        return found.sorted { $0.count > $1.count }
    }
}
