import BenefitTestSupport
import Foundation
@testable import PostgresClient
import Testing

/// Parse errors are covered by ConnectionStringTests; these are the connection
/// errors and the redaction every such message goes through.
@Suite("Passwords never printed")
struct SecretRedactionTests {
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
