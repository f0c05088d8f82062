import BenefitCore
import BenefitTestSupport
import BenefitTools
import Foundation
import PostgresClient
import Testing

/// The embedded cluster as root uses it, through `benefit db status` with no
/// database URL: its folder refused when another user could have planted in it,
/// and the /var/lib/benefit fallback when the postgres account cannot reach it.
@Suite("Embedded cluster")
struct EmbeddedClusterTests {
    @Test("as root, db status refuses a .benefit/password another user made, in one line naming it, and writes no password into it",
          .enabled(if: getuid() == 0, "the postgres account and other users' files need root"))
    func plantedPasswordFileIsRefused() async throws {
        try await ScratchFolder.with(mode: 0o1777) { scratch in
            let home = scratch.appendingPathComponent(".benefit")
            let password = home.appendingPathComponent("password").path
            // A .benefit as an earlier release left it (root's, 0755), and a password file of someone else's, 0666.
            try FileManager.default.createDirectory(at: home, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o755])
            try Data("planted\n".utf8).write(to: URL(fileURLWithPath: password))
            chown(password, try await OtherAccount.uid(), gid_t(bitPattern: -1))
            chmod(password, 0o666)
            let before = PathInfo(password)

            let outcome = try await Self.benefit(["db", "status"], home: home)
            _ = try? await Self.benefit(["db", "stop-embedded"], home: home)

            #expect(outcome.exitCode == 1)
            #expect(outcome.standardError.contains("\(password) belongs to \(OtherAccount.name), not root"), "\(outcome.standardError)")
            #expect(outcome.standardError.split(separator: "\n").count == 1, "\(outcome.standardError)")
            #expect(PathInfo(password) == before)
            #expect(!FileManager.default.fileExists(atPath: home.appendingPathComponent("pg").path))
        }
    }

    @Test("as root, with BENEFIT_HOME inside a private folder, db status creates the cluster under /var/lib/benefit, says so in one line, and the cluster works",
          .enabled(if: getuid() == 0, "the fallback is for root, whose server runs as the postgres account"))
    func fallbackUnderVarLib() async throws {
        try await ScratchFolder.with(mode: 0o700) { scratch in
            let home = scratch.appendingPathComponent("project/.benefit")
            defer { Self.removeFallback(of: home) }
            let status = try await Self.benefit(["db", "status"], home: home)
            let migrate = try await Self.benefit(["db", "migrate"], home: home)
            let again = try await Self.benefit(["db", "status"], home: home)
            let settings = try await Self.settings(of: try await EmbeddedPostgres(root: home).start())
            let stop = try await Self.benefit(["db", "stop-embedded"], home: home)

            #expect(status.exitCode == 0, "\(status.standardError)")
            let notices = status.standardError.split(separator: "\n").filter { $0.contains("cannot reach") }
            #expect(notices.count == 1 && notices[0].contains("\(home.path)/pg") && notices[0].contains("/var/lib/benefit/"),
                    "\(status.standardError)")
            #expect(status.standardOutput.contains("0 applied,"), "\(status.standardOutput)")
            #expect(migrate.exitCode == 0 && migrate.standardOutput.contains("applied 0001_"), "\(migrate.standardError)")
            #expect(again.exitCode == 0 && again.standardOutput.contains(" applied, 0 pending"), "\(again.standardOutput)")
            #expect(!again.standardError.contains("cannot reach"), "the cluster is found where it was made")
            #expect(stop.exitCode == 0 && stop.standardOutput.contains("stopped"), "\(stop.standardError)")

            // Sized for big runs, durable.
            let expected = EmbeddedSettings()
            #expect(settings == [
                "checkpoint_timeout": "30min", "fsync": "on", "max_wal_size": "8GB",
                "shared_buffers": expected.sharedBuffersMB % 1024 == 0 ? "\(expected.sharedBuffersMB / 1024)GB" : "\(expected.sharedBuffersMB)MB",
                "synchronous_commit": "on", "wal_compression": "lz4",
            ])
            // The cluster's data is the postgres account's, under the fallback; .benefit and its password are root's alone.
            let state = try JSONDecoder().decode(State.self, from: Data(contentsOf: home.appendingPathComponent("embedded.json")))
            #expect(state.dataDirectory.hasPrefix("/var/lib/benefit/") && state.dataDirectory.hasSuffix("/pg"))
            #expect(PathInfo(state.dataDirectory)?.uid == getpwnam("postgres")?.pointee.pw_uid)
            #expect(PathInfo(home.path)?.permissions == 0o700)
            #expect(PathInfo(home.appendingPathComponent("password").path).map { ($0.uid, $0.permissions) } ?? (1, 0) == (0, 0o600))
        }
    }

    struct State: Decodable {
        let dataDirectory: String
    }

    /// The running cluster's settings that EmbeddedSettings sizes, and those it must leave durable.
    static func settings(of configuration: PostgresConfiguration) async throws -> [String: String] {
        let pool = PostgresPool(configuration: configuration, maxConnections: 1)
        defer { pool.close() }
        let rows = try await pool.query("""
            SELECT name, current_setting(name) FROM pg_settings
            WHERE name IN ('shared_buffers', 'max_wal_size', 'checkpoint_timeout', 'wal_compression', 'fsync', 'synchronous_commit')
            """).decode((String, String).self)
        return Dictionary(uniqueKeysWithValues: rows)
    }

    /// `benefit ARGUMENTS` on the embedded cluster under `home`.
    static func benefit(_ arguments: [String], home: URL) async throws -> BenefitProcess.Outcome {
        try await BenefitProcess.run(arguments, environment: ["BENEFIT_HOME": home.path, "DATABASE_URL": ""])
    }

    /// Removes the fallback folder the cluster of `home` was made in (the one its state names).
    static func removeFallback(of home: URL) {
        guard let data = try? Data(contentsOf: home.appendingPathComponent("embedded.json")),
            let state = try? JSONDecoder().decode(State.self, from: data), state.dataDirectory.hasPrefix("/var/lib/benefit/")
        else { return }
        try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: state.dataDirectory).deletingLastPathComponent().path)
    }
}
