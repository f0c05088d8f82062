import CPostgres

/// Why a database URL or conninfo string was refused, in words that quote none of its secrets.
///
/// libpq's parse errors quote what they could not read: the whole URL
/// (`... in URI: "postgresql://ops:SECRET@[::1"`), a percent-encoded token (the
/// password itself, when its `%` is stray), a query parameter or a word it took
/// for a keyword (the second half of `password=my secret`). Any of these can hold
/// a password, so a quoted fragment survives only when it is one of libpq's own
/// keywords or its punctuation; anything else shows as `"…"`.
struct ConnectionStringProblem: Sendable, CustomStringConvertible {
    let description: String

    /// libpq's parse error as one line, with the text it quotes from the input elided.
    init(libpqMessage: String, input: String) {
        let line = PostgresError.oneLine(libpqMessage)
        // A double quote in the input would throw the pairing of quotes off: show
        // nothing from the first quote on.
        guard !input.contains("\"") else {
            let head = line.prefix { $0 != "\"" }.trimmingCharacters(in: .whitespaces)
            description = "\(head) … (the rest is not shown: it may quote a password)"
            return
        }
        var elided = false
        let parts = line.split(separator: "\"", omittingEmptySubsequences: false)
        // Odd positions lie between a pair of quotes.
        let shown = parts.enumerated().map { index, part -> Substring in
            guard index % 2 == 1, !Self.safeFragments.contains(String(part)) else { return part }
            elided = true
            return "…"
        }
        let text = shown.joined(separator: "\"")
        description = elided ? "\(text) (text from the URL is not shown: it may hold a password)" : text
    }

    private init(_ description: String) { self.description = description }

    /// A URL in which libpq would read part of a password as the host, port or
    /// database, and print it there: an `@` or `/` written as itself in the user
    /// name or password (`postgresql://ops:p@ss@db/benefit`).
    static func misplacedSeparator(in input: String) -> ConnectionStringProblem? {
        guard let prefix = ["postgresql://", "postgres://"].first(where: { input.hasPrefix($0) }) else { return nil }
        // libpq takes the user info up to the first "@" or "/"; query parameters may hold either.
        let beforeQuery = input.dropFirst(prefix.count).prefix { $0 != "?" }
        let separators = beforeQuery.indices.filter { beforeQuery[$0] == "@" }
        guard let first = separators.first else { return nil }
        let firstSlash = beforeQuery.firstIndex(of: "/")
        guard separators.count > 1 || firstSlash.map({ $0 < first }) == true else { return nil }
        return ConnectionStringProblem("""
            "@" may appear once, just before the host: write "@" and "/" in a user name, \
            password or database name as %40 and %2F
            """)
    }

    /// libpq's keywords (`sslmode`, `password`, ...) and the punctuation its
    /// messages quote: nothing a user could have meant as a secret.
    private static let safeFragments: Set<String> = {
        var fragments: Set<String> = ["=", "]", ":", "/"]
        guard let options = PQconndefaults() else { return fragments }
        defer { PQconninfoFree(options) }
        var option = options
        while let keyword = option.pointee.keyword {
            fragments.insert(String(cString: keyword))
            option += 1
        }
        return fragments
    }()
}
