import BenefitTestSupport
import Foundation
import PostgresClient
import Testing

/// docs/sql.md's matrix of what each role may do, checked by logging in as each
/// role and trying every table, view and function of the schema.
@Suite("Roles: the grant matrix")
struct GrantMatrixTests {
    static let roles: [DatabaseRole] = [.operator, .worker, .admin]

    /// The matrix as docs/sql.md writes it: object → role → cell.
    static func documentedMatrix() throws -> [String: [String: String]] {
        let text = try DocumentedSQL.text()
        guard let start = text.range(of: "<!-- grant matrix -->"), let end = text.range(of: "<!-- end of grant matrix -->") else {
            throw TestSetupError("docs/sql.md has no grant matrix between its markers")
        }
        var matrix: [String: [String: String]] = [:]
        for line in text[start.upperBound..<end.lowerBound].split(separator: "\n") where line.hasPrefix("| `") {
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).dropFirst().dropLast()
                .map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count == 1 + roles.count else { throw TestSetupError("a grant matrix row has the wrong number of cells: \(line)") }
            let object = cells[0].trimmingCharacters(in: CharacterSet(charactersIn: "`"))
            matrix[object] = Dictionary(uniqueKeysWithValues: zip(roles.map(\.rawValue), cells.dropFirst().map { $0 == "—" ? "" : $0 }))
        }
        return matrix
    }

    @Test("every table, view and function allows each role exactly what docs/sql.md's matrix says")
    func matrixMatchesTheDocs() async throws {
        let documented = try Self.documentedMatrix()
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let owner = try await PostgresConnection.connect(to: configuration)
            let objects = try await Self.objects(on: owner)
            var observed: [String: [String: String]] = [:]
            for role in Self.roles {
                try await TestDatabase.withLogin(memberOf: role, on: configuration) { login in
                    for object in objects {
                        observed[object.name, default: [:]][role.rawValue] = try await Self.tryEverything(object, on: login)
                    }
                }
            }
            let rows = objects.map { object in
                "| `\(object.name)` | " + Self.roles.map { observed[object.name]?[$0.rawValue].flatMap { $0.isEmpty ? nil : $0 } ?? "—" }
                    .joined(separator: " | ") + " |"
            }
            let mismatches = objects.filter { documented[$0.name] != observed[$0.name] }.map(\.name)
                + documented.keys.filter { name in !objects.contains { $0.name == name } }.sorted()
            #expect(mismatches.isEmpty, """
                docs/sql.md's grant matrix differs for \(mismatches.joined(separator: ", ")); what the database allows:
                \(rows.joined(separator: "\n"))
                """)
        }
    }

    @Test("no role may touch a partition of benefit.job_attempt directly: only through the table")
    func partitionsAllowNothing() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let owner = try await PostgresConnection.connect(to: configuration)
            let partitions = try await owner.query("""
                SELECT 'benefit.' || c.relname, array_agg(a.attname::text ORDER BY a.attnum)
                FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                WHERE i.inhparent = 'benefit.job_attempt'::regclass
                GROUP BY c.relname
                """).decode((String, [String]).self)
            #expect(partitions.count >= 3)
            for role in Self.roles {
                try await TestDatabase.withLogin(memberOf: role, on: configuration) { login in
                    for (name, columns) in partitions {
                        let allowed = try await Self.tryEverything(Object(kind: .table, name: name, columns: columns, arguments: 0), on: login)
                        #expect(allowed.isEmpty, "\(role.rawValue) may \(allowed) on \(name)")
                    }
                }
            }
        }
    }

    @Test("every function with the owner's rights pins its search_path to pg_catalog, pg_temp")
    func definersPinTheirSearchPath() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let owner = try await PostgresConnection.connect(to: configuration)
            let definers = try await owner.query("""
                SELECT p.oid::regprocedure::text, coalesce(p.proconfig, '{}')
                FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                WHERE n.nspname = 'benefit' AND p.prosecdef
                ORDER BY 1
                """).decode((String, [String]).self)
            #expect(definers.count >= 30)
            let unpinned = definers.filter { !$0.1.contains("search_path=pg_catalog, pg_temp") }.map(\.0)
            #expect(unpinned.isEmpty, "SECURITY DEFINER without SET search_path = pg_catalog, pg_temp: \(unpinned)")
        }
    }

    struct Object {
        enum Kind: String { case table, view, function }
        let kind: Kind
        /// `benefit.job`, or `benefit.claim_jobs(text[], integer, text, text, integer)` for a function.
        let name: String
        /// A table's columns; a function's argument count.
        let columns: [String]
        let arguments: Int
    }

    /// `select`, `select (a, b)`, `select (all but c)` or nothing, as the columns allowed are all, some or none.
    static func columnCell(_ privilege: String, _ allowed: [String], of columns: [String]) -> [String] {
        if allowed.isEmpty { return [] }
        if allowed == columns { return [privilege] }
        let refused = columns.filter { !allowed.contains($0) }
        return refused.count < allowed.count
            ? ["\(privilege) (all but \(refused.joined(separator: ", ")))"]
            : ["\(privilege) (\(allowed.joined(separator: ", ")))"]
    }

    /// Every table, view and function of the schema, but trigger functions (nobody
    /// calls them) and partitions (their names change by the month; see
    /// `partitionsAllowNothing`).
    static func objects(on connection: PostgresConnection) async throws -> [Object] {
        let relations = try await connection.query("""
            SELECT c.relname, c.relkind::text, array_agg(a.attname::text ORDER BY a.attnum)
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
            WHERE n.nspname = 'benefit' AND c.relkind IN ('r', 'p', 'v') AND NOT c.relispartition
            GROUP BY c.relname, c.relkind ORDER BY c.relkind, c.relname
            """).decode((String, String, [String]).self)
        let functions = try await connection.query("""
            SELECT p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')', p.pronargs::integer
            FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE n.nspname = 'benefit' AND p.prorettype <> 'trigger'::regtype
            ORDER BY 1
            """).decode((String, Int).self)
        return relations.map { Object(kind: $0.1 == "v" ? .view : .table, name: "benefit.\($0.0)", columns: $0.2, arguments: 0) }
            + functions.map { Object(kind: .function, name: "benefit.\($0.0)", columns: [], arguments: $0.1) }
    }

    /// What `login` may do with an object, tried in a transaction rolled back at the
    /// end: `select, insert, update, delete` for a table (`update (a, b)` when only
    /// some columns; `insert (fenced commit)` when row-level security lets rows in
    /// only from a fenced commit), `select` for a view, `execute` for a function.
    static func tryEverything(_ object: Object, on login: PostgresConnection) async throws -> String {
        func allowed(_ sql: String) async throws -> Result<Void, PostgresError> {
            try await login.query("SAVEPOINT probe")
            do {
                try await login.query(PostgresQuery(unsafeSQL: sql))
                try await login.query("ROLLBACK TO SAVEPOINT probe")
                return .success(())
            } catch let error as PostgresError where error.sqlState != nil {
                try await login.query("ROLLBACK TO SAVEPOINT probe")
                return .failure(error)
            }
        }
        func permitted(_ result: Result<Void, PostgresError>) -> Bool {
            if case .failure(let error) = result, error.sqlState == "42501" { return false }
            return true
        }
        try await login.query("BEGIN")
        var can: [String] = []
        switch object.kind {
        case .view:
            if permitted(try await allowed("SELECT * FROM \(object.name) LIMIT 0")) { can.append("select") }
        case .function:
            let nulls = Array(repeating: "NULL", count: object.arguments).joined(separator: ", ")
            let call = object.name.prefix { $0 != "(" }
            if permitted(try await allowed("SELECT \(call)(\(nulls))")) { can.append("execute") }
        case .table:
            var readable: [String] = []
            for column in object.columns where permitted(try await allowed("SELECT \(column) FROM \(object.name) LIMIT 0")) {
                readable.append(column)
            }
            can += Self.columnCell("select", readable, of: object.columns)
            // A row-level security refusal is 42501 too: it means the privilege is there.
            func insertable(_ result: Result<Void, PostgresError>) -> Bool {
                if case .failure(let error) = result, error.message.contains("row-level security") { return true }
                return permitted(result)
            }
            let fencedOnly: Bool
            if case .failure(let error) = try await allowed("INSERT INTO \(object.name) DEFAULT VALUES") {
                fencedOnly = error.message.contains("row-level security")
            } else {
                fencedOnly = false
            }
            var insertColumns: [String] = []
            for column in object.columns where insertable(try await allowed("INSERT INTO \(object.name) (\(column)) VALUES (DEFAULT)")) {
                insertColumns.append(column)
            }
            can += Self.columnCell("insert", insertColumns, of: object.columns).map { fencedOnly && $0 == "insert" ? "insert (fenced commit)" : $0 }
            var writable: [String] = []
            for column in object.columns {
                var result = try await allowed("UPDATE \(object.name) SET \(column) = \(column) WHERE false")
                // An identity column may only be set to DEFAULT: that asks for the same privilege.
                if case .failure(let error) = result, error.sqlState == "428C9" {
                    result = try await allowed("UPDATE \(object.name) SET \(column) = DEFAULT WHERE false")
                }
                if permitted(result) { writable.append(column) }
            }
            can += Self.columnCell("update", writable, of: object.columns)
            if permitted(try await allowed("DELETE FROM \(object.name) WHERE false")) { can.append("delete") }
        }
        try await login.query("ROLLBACK")
        return can.joined(separator: ", ")
    }
}
