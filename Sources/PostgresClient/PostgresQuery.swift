/// A SQL statement whose values are bound parameters by construction.
///
/// Every interpolated value becomes a `$n` placeholder and travels separately
/// from the SQL text, so a member's name or a payload can never change what a
/// statement means:
///
/// ```swift
/// let rows = try await connection.query("SELECT name FROM benefit.members WHERE member_id = \(id)")
/// ```
///
/// Literal segments are `StaticString`s: the text of a query is fixed at compile
/// time. The only way to put run-time text into the SQL itself is
/// `\(unsafeSQL:)` or ``init(unsafeSQL:)``, named so that every use stands out in review.
/// Identifiers (a database name in a test) can go through `\(identifier:)`, which quotes them.
public struct PostgresQuery: Sendable, ExpressibleByStringInterpolation, CustomStringConvertible {
    /// The SQL text with `$1`, `$2`, ... placeholders.
    public private(set) var sql: String
    /// The values bound to the placeholders, in order.
    public private(set) var bindings: PostgresBindings
    /// Whether each connection parses and plans this text once, as a named
    /// prepared statement, and runs it with new values after (see ``prepared()``).
    public private(set) var isPrepared = false

    public init(stringLiteral value: StaticString) {
        sql = value.description
        bindings = PostgresBindings()
    }

    public init(stringInterpolation: StringInterpolation) {
        sql = stringInterpolation.sql
        bindings = stringInterpolation.bindings
    }

    /// SQL text taken as it is. Never pass text that contains a value from outside
    /// (a file, a flag, a row): bind values through interpolation instead.
    public init(unsafeSQL sql: String, bindings: PostgresBindings = PostgresBindings()) {
        self.sql = sql
        self.bindings = bindings
    }

    /// The same statement, made once per connection as a named prepared statement
    /// (keyed by its text and its parameters' types) and then only bound and run:
    /// the server skips parsing and, once it settles on a generic plan, planning.
    /// For the short statements a process runs over and over with new values (a
    /// worker's claim, completion and fenced commit), where parsing and planning
    /// cost as much as running. Not for statements whose best plan depends on
    /// their values: a generic plan is made for none of them in particular.
    ///
    /// A connection made for a transaction pooler (``PostgresConfiguration/transactionPooling``)
    /// prepares nothing: the next transaction may run on another server session.
    public func prepared() -> PostgresQuery {
        var query = self
        query.isPrepared = true
        return query
    }

    /// The SQL text; bind values print as `****`, so a query can be logged.
    public var description: String {
        "\(sql) [\(bindings.count == 0 ? "" : Array(repeating: "****", count: bindings.count).joined(separator: ", "))]"
    }

    /// Builds the SQL text and the bindings side by side.
    public struct StringInterpolation: StringInterpolationProtocol, Sendable {
        public typealias StringLiteralType = StaticString
        var sql = ""
        var bindings = PostgresBindings()

        public init(literalCapacity: Int, interpolationCount: Int) {
            sql.reserveCapacity(literalCapacity + interpolationCount * 3)
        }

        public mutating func appendLiteral(_ literal: StaticString) {
            sql += literal.description
        }

        /// Binds a value as the next `$n`.
        public mutating func appendInterpolation(_ value: some PostgresEncodable) {
            bindings.append(value)
            sql += "$\(bindings.count)"
        }

        /// Binds an optional value; nil binds SQL NULL. (The generic overload above
        /// would take it too, but the compiler warns about interpolating optionals
        /// unless an overload names them.)
        public mutating func appendInterpolation<Value: PostgresEncodable>(_ value: Value?) {
            bindings.append(value)
            sql += "$\(bindings.count)"
        }

        /// Embeds another query (a program's population, say) with its own bound
        /// values: its placeholders are renumbered to follow this query's.
        public mutating func appendInterpolation(subquery: PostgresQuery) {
            sql += PostgresQuery.renumberPlaceholders(in: subquery.sql, by: bindings.count)
            bindings.append(contentsOf: subquery.bindings)
        }

        /// An identifier (a table, database or channel name), double-quoted so it cannot end the name.
        public mutating func appendInterpolation(identifier: String) {
            sql += PostgresQuery.quoteIdentifier(identifier)
        }

        /// Text pasted into the SQL as it is: see ``PostgresQuery/init(unsafeSQL:bindings:)``.
        public mutating func appendInterpolation(unsafeSQL text: String) {
            sql += text
        }
    }

    /// Shifts `$n` placeholders by `offset`, leaving quoted text ('...', "...") alone.
    static func renumberPlaceholders(in sql: String, by offset: Int) -> String {
        guard offset > 0 else { return sql }
        var result = ""
        var quote: Character?
        var index = sql.startIndex
        while index < sql.endIndex {
            let character = sql[index]
            if let open = quote {
                if character == open { quote = nil }
                result.append(character)
                index = sql.index(after: index)
            } else if character == "'" || character == "\"" {
                quote = character
                result.append(character)
                index = sql.index(after: index)
            } else if character == "$", let digitsEnd = sql[sql.index(after: index)...].firstIndex(where: { !$0.isASCII || !$0.isNumber }) ?? Optional(sql.endIndex),
                      digitsEnd > sql.index(after: index), let number = Int(sql[sql.index(after: index)..<digitsEnd]) {
                result += "$\(number + offset)"
                index = digitsEnd
            } else {
                result.append(character)
                index = sql.index(after: index)
            }
        }
        return result
    }

    /// Quotes an identifier the way the server's `quote_ident` does.
    public static func quoteIdentifier(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

/// The bound values of a query, already in PostgreSQL's text format.
public struct PostgresBindings: Sendable {
    /// Text values; nil is SQL NULL.
    public private(set) var values: [String?] = []
    /// Type OIDs, one per value.
    public private(set) var types: [PostgresType] = []
    /// The first value that could not be encoded; the query throws it when run.
    private(set) var encodingError: PostgresError?

    public init() {}

    public var count: Int { values.count }

    /// Appends one value as the next parameter.
    public mutating func append<Value: PostgresEncodable>(_ value: Value) {
        types.append(Value.postgresType)
        do {
            values.append(try value.postgresText())
        } catch {
            values.append(nil)
            if encodingError == nil {
                encodingError = (error as? PostgresError)
                    ?? PostgresError(code: .invalidValue, message: "parameter $\(values.count) cannot be encoded: \(error)")
            }
        }
    }

    /// Appends another query's values after these.
    mutating func append(contentsOf other: PostgresBindings) {
        values += other.values
        types += other.types
        if encodingError == nil { encodingError = other.encodingError }
    }

    /// Checks what libpq cannot carry: its parameters are C strings, so a NUL byte
    /// would silently cut a value short. Such a value is refused instead.
    func validated() throws -> Self {
        if let encodingError { throw encodingError }
        for (index, value) in values.enumerated() where value.map(Self.containsNUL) == true {
            throw PostgresError(
                code: .invalidValue,
                message: "parameter $\(index + 1) contains a NUL byte (0x00), which PostgreSQL text cannot store")
        }
        return self
    }

    /// Whether `text` holds a NUL byte, read from its contiguous UTF-8 storage where
    /// it has one (a parameter can be megabytes long).
    private static func containsNUL(_ text: String) -> Bool {
        text.utf8.withContiguousStorageIfAvailable { $0.contains(0) } ?? text.utf8.contains(0)
    }
}
