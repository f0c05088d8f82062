import BenefitTestSupport
import Foundation
import PostgresClient
import Testing

/// `benefit` on another host than PostgreSQL, as docs/operations.md deploys it:
/// TLS with `sslmode=verify-full` against the union's own certificate
/// authority, and a server that accepts TLS connections only (`hostssl`).
@Suite("TLS between the daemons and PostgreSQL")
struct TLSConnectionTests {
    /// A cluster with `ssl = on` and only `hostssl` lines in pg_hba.conf, its
    /// certificate signed by a CA made for the test, and an empty database `benefit`.
    private struct Server {
        let cluster: ThrowawayCluster
        let authority: CertificateAuthority
        /// The test's own folder: certificates, keys, a second CA.
        let folder: URL

        /// Connection parameters as a worker host gives them, checking the server against `rootCertificate`.
        func conninfo(_ sslmode: String = "verify-full", rootCertificate: URL? = nil, extra: String = "") -> String {
            let root = rootCertificate ?? authority.certificate
            return "host=localhost port=\(cluster.port) dbname=benefit user=postgres sslmode=\(sslmode) sslrootcert='\(root.path)' \(extra)"
        }

        static func with(_ body: (Server) async throws -> Void) async throws {
            try await ScratchFolder.with(mode: 0o700) { folder in
                let authority = try await CertificateAuthority.make(named: "union-ca", in: folder)
                try await authority.issueServerCertificate(in: folder)
                try await ThrowawayCluster.with(tls: folder) { cluster in
                    let admin = try await PostgresConnection.connect(to: cluster.configuration)
                    try await admin.query("CREATE DATABASE benefit")
                    try await body(Server(cluster: cluster, authority: authority, folder: folder))
                }
            }
        }
    }

    /// The lines a failed command wrote on stderr.
    private static func lines(_ text: String) -> [Substring] {
        text.split(separator: "\n", omittingEmptySubsequences: true)
    }

    @Test("with sslmode=verify-full: migrate, status and a worker that runs jobs, every session encrypted")
    func verifyFullMigratesAndRunsJobs() async throws {
        try await Server.with { server in
            // pg_hba.conf has only hostssl lines, so every command that gets in came over TLS.
            let migrate = try await BenefitProcess.run(["db", "migrate", "--database-url", server.conninfo()])
            #expect(migrate.exitCode == 0, "\(migrate.standardError)")
            #expect(migrate.standardOutput.contains("applied 0001_"))
            let status = try await BenefitProcess.run(["db", "status", "--database-url", server.conninfo()])
            #expect(status.exitCode == 0, "\(status.standardError)")
            #expect(status.standardOutput.contains("sslmode=verify-full"))
            #expect(status.standardOutput.contains(", 0 pending"))

            let own = try await PostgresConnection.connect(to: try PostgresConfiguration(server.conninfo()))
            let (ssl, version) = try await own.query(
                "SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()").single((Bool, String?).self)
            #expect(ssl)
            #expect(version?.hasPrefix("TLS") == true)

            let workerURL = server.conninfo(extra: "application_name=tls-worker")
            try await withProcessGroup { processes in
                let worker = await processes.start(
                    "tls-worker", ["worker", "--queues", "tls", "--concurrency", "2", "--poll-interval", "200ms"],
                    environment: ["DATABASE_URL": workerURL])
                let enqueue = try await BenefitProcess.run(
                    ["jobs", "enqueue", "noop", "--queue", "tls", "--count", "5", "--database-url", server.conninfo()])
                #expect(enqueue.exitCode == 0, "\(enqueue.standardError)")
                let allSucceeded = try await eventually(timeout: .seconds(60)) {
                    try await own.query("SELECT count(*) FROM benefit.job WHERE queue = 'tls' AND state = 'succeeded'").single(Int.self) == 5
                }
                #expect(allSucceeded, "\(worker.logTail())")
                // The server's view of the worker's own sessions (its pool and its listener).
                let (sessions, encrypted) = try await own.query("""
                    SELECT count(*), count(*) FILTER (WHERE s.ssl)
                    FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid)
                    WHERE a.application_name = 'tls-worker'
                    """).single((Int, Int).self)
                #expect(sessions >= 1)
                #expect(encrypted == sessions)
                #expect(await processes.terminate(worker) == 0)
            }
        }
    }

    @Test("a server certificate from another CA, or a connection without TLS, is refused in one line that prints no password")
    func unverifiedOrPlainConnectionsAreRefused() async throws {
        try await Server.with { server in
            let stranger = try await CertificateAuthority.make(named: "stranger-ca", in: server.folder)
            let secret = "hunter2-tls-secret"
            let wrongCA = server.conninfo(rootCertificate: stranger.certificate, extra: "password=\(secret)")
            let wrongCAURL = "postgresql://postgres:\(secret)@localhost:\(server.cluster.port)/benefit"
                + "?sslmode=verify-full&sslrootcert=\(stranger.certificate.path)"

            // A command refuses at once; so do the daemons, before they start any work.
            for (name, arguments, url) in [
                ("status", ["db", "status"], wrongCA), ("migrate", ["db", "migrate"], wrongCAURL),
                ("worker", ["worker", "--queues", "tls"], wrongCA), ("scheduler", ["scheduler"], wrongCAURL),
            ] {
                let error = try await Self.refusal(name, arguments, databaseURL: url)
                #expect(error.contains("SSL error: certificate verify failed"), "\(name): \(error)")
                #expect(error.contains("sslmode=verify-full sslrootcert=\(stranger.certificate.path)"), "\(name): \(error)")
                #expect(!error.contains(secret), "\(name): \(error)")
            }

            let missingCA = try await Self.refusal(
                "missing-ca", ["db", "status"],
                databaseURL: server.conninfo(rootCertificate: server.folder.appendingPathComponent("absent.crt")))
            #expect(missingCA.contains("root certificate file \"\(server.folder.path)/absent.crt\" does not exist"), "\(missingCA)")

            let plain = try await Self.refusal("plain", ["db", "status"], databaseURL: server.conninfo("disable"))
            #expect(plain.contains("no pg_hba.conf entry"), "\(plain)")
            #expect(plain.contains("no encryption"), "\(plain)")
        }
    }

    /// Runs `benefit ARGUMENTS` with `DATABASE_URL`, expects it to exit non-zero
    /// within a deadline with exactly one line on stderr, and returns that line.
    private static func refusal(_ name: String, _ arguments: [String], databaseURL: String) async throws -> String {
        try await withProcessGroup { processes in
            let process = await processes.start("tls-\(name)", arguments, environment: ["DATABASE_URL": databaseURL])
            let exited = try await eventually(timeout: .seconds(30)) { process.exitCode != nil }
            try #require(exited, "\(name) still runs: \(process.logTail())")
            let log = try String(contentsOfFile: process.logPath, encoding: .utf8)
            #expect(process.exitCode == .some(1), "\(name): \(log)")
            #expect(lines(log).count == 1, "\(name): \(log)")
            return log.trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }
}
