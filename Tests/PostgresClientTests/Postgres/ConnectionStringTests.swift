@testable import PostgresClient
import Testing

@Suite("Connection strings, without a database")
struct ConnectionStringTests {
    /// Malformed strings whose libpq parse error quotes the password, or part of it.
    @Test("a malformed URL or conninfo is refused in one line that quotes no password", arguments: [
        "postgresql://ops:hun%zzter2@db.internal/benefit",  // the stray % token is the password
        "postgresql://ops:hunter2@[::1:5432/benefit",  // the whole URL is quoted
        "postgresql://ops@db.internal/benefit?password=hun&ter2",  // a & in the password
        "host=db.internal password=hun ter2",  // a space in the password
        "host=db.internal password=hun ter2=x",
        "postgresql://ops:hun\"ter2@[::1/benefit",  // a double quote: quote pairs cannot be trusted
    ])
    func malformedHidesPassword(_ text: String) throws {
        let error = try #require(throws: PostgresError.self) { try PostgresConfiguration(text) }
        #expect(error.code == .invalidConfiguration)
        #expect(error.description.hasPrefix("invalid database URL: "))
        #expect(!error.description.contains("ter2"), "\(error.description)")
        #expect(!error.description.contains("\n"))
    }

    @Test("libpq's keywords and punctuation stay in a parse error")
    func keywordsStay() throws {
        let missing = try #require(throws: PostgresError.self) { try PostgresConfiguration("host db.internal") }
        #expect(missing.description == #"invalid database URL: missing "=" after "host" in connection info string"#)
        let unknown = try #require(throws: PostgresError.self) { try PostgresConfiguration("sslmdoe=verify-full") }
        #expect(unknown.description
            == #"invalid database URL: invalid connection option "…" (text from the URL is not shown: it may hold a password)"#)
    }

    @Test("an @ or / written as itself in a URL's password is refused without printing any of it", arguments: [
        "postgresql://ops:hun@ter2@db.internal/benefit",
        "postgresql://ops:hun/ter2@db.internal/benefit",
    ])
    func unencodedSeparatorRefused(_ text: String) throws {
        let error = try #require(throws: PostgresError.self) { try PostgresConfiguration(text) }
        #expect(error.description.contains("%40 and %2F"))
        #expect(!error.description.contains("ter2"))
        #expect(!error.description.contains("hun"))
    }

    @Test("URLs with encoded separators, and @ or / in query values, are read as they are")
    func separatorsWhereAllowed() throws {
        let encoded = try PostgresConfiguration("postgresql://ops:p%40ss%2Fword@db.internal/benefit?sslmode=verify-full")
        #expect(encoded.parameter("password") == "p@ss/word")
        #expect(encoded.parameter("host") == "db.internal")
        let query = try PostgresConfiguration("postgresql:///benefit?host=/var/run/postgresql&user=ops@union")
        #expect(query.parameter("user") == "ops@union")
        #expect(query.parameter("host") == "/var/run/postgresql")
    }

    @Test("the printed form names how the server is checked, never the password")
    func printedFormNamesTLS() throws {
        let configuration = try PostgresConfiguration(
            "host=db.internal dbname=benefit user=worker password=hunter2 sslmode=verify-full sslrootcert=/etc/benefit/ca.crt sslkey=/etc/benefit/client.key")
        #expect(configuration.description
            == "host=db.internal dbname=benefit user=worker sslmode=verify-full sslrootcert=/etc/benefit/ca.crt")
    }

    @Test("libpq's lines become one line, kept apart")
    func oneLine() {
        let message = """
            connection to server at "localhost" (127.0.0.1), port 5432 failed: root certificate file "/etc/benefit/ca.crt" does not exist
            Either provide the file or change sslmode to disable server certificate verification.

            """
        #expect(PostgresError.oneLine(message) == """
            connection to server at "localhost" (127.0.0.1), port 5432 failed: root certificate file "/etc/benefit/ca.crt" \
            does not exist; Either provide the file or change sslmode to disable server certificate verification.
            """)
    }
}
