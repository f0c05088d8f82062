import CPostgres

/// The named prepared statements of one connection, made for
/// ``PostgresQuery/prepared()`` queries.
///
/// A statement is keyed by its text and its parameters' types, and named
/// `benefit_1`, `benefit_2`, ... in the order this connection named them: the
/// names are the program's own, never a value from outside. A statement is
/// recorded once the server made it, and lives as long as the connection
/// (prepared statements are not undone by a rollback).
///
/// The first use of a statement sends it to be made and run in one round trip
/// (a pipeline: Parse, then Bind and Execute, then one Sync), so the server runs
/// it just as it would have run the unnamed statement, text and values together.
struct PreparedStatements {
    struct Key: Hashable {
        let sql: String
        let types: [PostgresType]
    }

    private var names: [Key: String] = [:]
    private var named = 0

    /// The statement's recorded name, or a fresh one for a statement to make.
    mutating func name(for key: Key) -> (name: String, isMade: Bool) {
        if let name = names[key] { return (name, true) }
        named += 1
        return ("benefit_\(named)", false)
    }

    mutating func record(_ name: String, for key: Key) { names[key] = name }

    /// Forgets the statement named `name`: the next use makes a new one. The old
    /// one stays on the server, unused, until the connection closes.
    mutating func forget(_ name: String) {
        names = names.filter { $0.value != name }
    }
}

/// A query about to run as a prepared statement.
struct PreparedStatement {
    let name: String
    let sql: String
    let bindings: PostgresBindings
    /// Whether the server has it already; if not, it is sent to be made just before it runs.
    let isMade: Bool

    var key: PreparedStatements.Key { PreparedStatements.Key(sql: sql, types: bindings.types) }
}

extension PostgresConnection {
    /// `query` as this connection's prepared statement; nil when it is not to be
    /// prepared here (not marked, or behind a transaction pooler).
    func preparedStatement(_ query: PostgresQuery) throws -> PreparedStatement? {
        guard query.isPrepared, preparesStatements else { return nil }
        let bindings = try query.bindings.validated()
        let (name, isMade) = preparedStatements.name(for: PreparedStatements.Key(sql: query.sql, types: bindings.types))
        return PreparedStatement(name: name, sql: query.sql, bindings: bindings, isMade: isMade)
    }

    /// Runs a statement the server has made, and waits for its result, unchecked.
    func execPrepared(_ statement: PreparedStatement) -> OpaquePointer? {
        statement.bindings.withCParameters { count, _, values in
            PQexecPrepared(raw, statement.name, count, values, nil, nil, 0)
        }
    }

    func recordPrepared(_ statement: PreparedStatement) {
        preparedStatements.record(statement.name, for: statement.key)
    }

    func forgetPrepared(_ name: String) {
        preparedStatements.forget(name)
    }

    /// Whether `result` is the server refusing a prepared statement whose result
    /// changed shape since it was prepared ("cached plan must not change result
    /// type"): told by the function that raises it, which, unlike the message, is
    /// not translated.
    static func isStalePlan(_ result: OpaquePointer?) -> Bool {
        guard let result, PQresultStatus(result) == PGRES_FATAL_ERROR,
              let state = PQresultErrorField(result, Int32(Character("C").asciiValue!)),
              let function = PQresultErrorField(result, Int32(Character("R").asciiValue!))
        else { return false }
        return String(cString: state) == "0A000" && String(cString: function) == "RevalidateCachedQuery"
    }
}
