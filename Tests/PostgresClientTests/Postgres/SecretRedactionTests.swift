import BenefitTestSupport
import Foundation
@testable import PostgresClient
import Testing

@Suite("Passwords never printed")
struct SecretRedactionTests {
    static let malformed = [
        "postgresql://admin:Secret123@[::1",
        "postgresql://admin:S%65cret123@[::1",
        "postgres://admin:Secret123@host/db?no_such_option=1",
        "host=db password=Secret123 port='5432",
        "host=db password='Secret123' no_such_option=1",
    ]

    @Test("a malformed database URL's error names the problem but not the password", arguments: malformed)
    func malformedURLHidesPassword(_ url: String) {
        let error = #expect(throws: PostgresError.self) { try PostgresConfiguration(url) }
        #expect(error?.description.contains("invalid database URL") == true)
        for text in [error?.description ?? "", error?.debugDescription ?? ""] {
            #expect(!text.contains("Secret123"), "printed: \(text)")
        }
    }

    @Test("a connection that fails (nothing listens, bad option value) does not print its password")
    func failedConnectionHidesPassword() async throws {
        for url in ["postgresql://admin:Secret123@127.0.0.1:1/benefit?connect_timeout=2",
                    "postgresql://admin:Secret123@127.0.0.1:1/benefit?sslmode=bogus-mode"] {
            let configuration = try PostgresConfiguration(url)
            let error = await #expect(throws: PostgresError.self) { try await PostgresConnection.connect(to: configuration) }
            for text in [error?.description ?? "", error?.debugDescription ?? "", "\(configuration)"] {
                #expect(!text.contains("Secret123"), "printed: \(text)")
            }
        }
    }

    @Test("redaction keeps the rest of a message and masks every form of the password")
    func redactionMasksEveryForm() {
        let conninfo = "postgresql://admin:p%40ss@db/benefit"
        let text = #"missing "]" in URI: "postgresql://admin:p%40ss@db/benefit" (password p@ss, password=p@ss)"#
        let redacted = ConnectionSecrets.redact(text, conninfo: conninfo)
        #expect(!redacted.contains("p%40ss") && !redacted.contains("p@ss"), "\(redacted)")
        #expect(redacted.contains("postgresql://admin:****@db/benefit"))
        #expect(redacted.hasPrefix(#"missing "]" in URI"#))
    }
}
