import BenefitCore
import Foundation
import PostgresClient
import Subprocess
import SystemPackage

/// A real PgBouncer (Debian's `pgbouncer`) in front of the test cluster, in
/// transaction pooling mode, on a free port of 127.0.0.1: what a large
/// deployment puts between its worker hosts and PostgreSQL.
///
/// It trusts the logins it is given (as the test cluster trusts every
/// connection from 127.0.0.1), lends each (database, login) at most `poolSize`
/// server sessions, and refuses what a production PgBouncer refuses: session
/// settings sent at connect (`options`). Stopped, and its folder removed, by
/// ``with(logins:poolSize:_:)`` at the end, also when the body throws.
public struct PgBouncer: Sendable {
    /// The port it listens on, at 127.0.0.1.
    public let port: Int
    /// Its folder: configuration, user list and log, private to the account that runs it.
    public let directory: String

    /// The login that may read its admin console (``show(_:)``).
    static let adminLogin = "pgbouncer"

    /// `configuration`'s database and login through this PgBouncer, set up for
    /// transaction pooling (what `--pooled` sets).
    public func route(_ configuration: PostgresConfiguration) -> PostgresConfiguration {
        var routed = configuration.with(host: "127.0.0.1", port: port)
        routed.transactionPooling = true
        return routed
    }

    /// The lists of its admin console.
    public enum AdminList: String, Sendable {
        /// Client connections, one row each: `user`, `database`, `state`, ...
        case clients = "CLIENTS"
        /// Server sessions, one row each: `user`, `database`, `state`, ...
        case servers = "SERVERS"
        /// Totals per database: `database`, `total_xact_count`, `total_query_count`, ...
        case stats = "STATS"
    }

    /// The rows of `SHOW LIST` on its admin console, each as column name → value.
    ///
    /// Read with `psql`: the console speaks only the simple query protocol.
    public func show(_ list: AdminList) async throws -> [[String: String]] {
        let separator = "\u{1F}"
        let outcome = try await BenefitProcess.run(
            ["-X", "-A", "-F", separator, "-P", "footer=off", "-h", "127.0.0.1", "-p", "\(port)", "-U", Self.adminLogin,
             "-d", "pgbouncer", "-c", "SHOW \(list.rawValue)"],
            environment: ["PGCONNECT_TIMEOUT": "5"], executable: try Self.program("psql", in: Self.postgresFolders))
        guard outcome.exitCode == 0 else { throw TestSetupError("SHOW \(list.rawValue) on PgBouncer failed: \(outcome.standardError)") }
        let lines = outcome.standardOutput.split(separator: "\n").map { $0.components(separatedBy: separator) }
        guard let header = lines.first else { return [] }
        return lines.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, $0)) }
    }

    /// Starts PgBouncer in front of the test cluster, runs `body` with it, and stops it.
    ///
    /// - Parameters:
    ///   - logins: the logins clients may connect as (its user list; the server checks nothing either).
    ///   - poolSize: server sessions per (database, login): `default_pool_size`.
    public static func with<Result: Sendable>(
        logins: [String], poolSize: Int, _ body: (PgBouncer) async throws -> Result
    ) async throws -> Result {
        let server = try TestDatabase.server()
        let binary = try program("pgbouncer", in: ["/usr/sbin"])
        let bouncer = PgBouncer(port: try PortProbe.freePort(), directory: TemporaryFiles.path(named: "pgbouncer"))
        defer { try? FileManager.default.removeItem(atPath: bouncer.directory) }
        try bouncer.writeFiles(
            server: (host: server.parameter("host") ?? "127.0.0.1", port: server.parameter("port") ?? "5432"),
            logins: logins, poolSize: poolSize)
        // PgBouncer refuses to run as root: `-u` has it switch to the account that owns its folder.
        let account = getuid() == 0 ? ["-u", ServerAccount.name] : []
        let result = try await Subprocess.run(
            .path(FilePath(binary)), arguments: Arguments(account + [bouncer.directory + "/pgbouncer.ini"]),
            input: .none, output: .discarded, error: .discarded
        ) { execution in
            let pid = execution.processIdentifier.value
            // Stopped with SIGTERM (an immediate shutdown) whatever happens; Subprocess then waits for its exit.
            do {
                let ready = try await eventually(timeout: .seconds(15), every: .milliseconds(50)) {
                    (try? await bouncer.show(.stats)) != nil
                }
                guard ready else { throw TestSetupError("PgBouncer did not start: \(bouncer.logTail())") }
                let result = try await body(bouncer)
                kill(pid, SIGTERM)
                return result
            } catch {
                kill(pid, SIGTERM)
                throw error
            }
        }
        return result.closureResult
    }

    /// The last lines of its log, for a failure's message.
    public func logTail(_ count: Int = 20) -> String {
        let text = (try? String(contentsOfFile: directory + "/pgbouncer.log", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").suffix(count).joined(separator: "\n")
    }

    /// Its folder (mode 0700) with its configuration and user list (mode 0600 from
    /// their creation), all given to the account that runs it.
    private func writeFiles(server: (host: String, port: String), logins: [String], poolSize: Int) throws {
        let owner = try ServerAccount.current()
        try FileGuard.makeFolder(directory, mode: 0o700)
        try owner.handOver(directory)
        let configuration = """
            [databases]
            * = host=\(server.host) port=\(server.port)

            [pgbouncer]
            listen_addr = 127.0.0.1
            listen_port = \(port)
            unix_socket_dir =
            auth_type = trust
            auth_file = \(directory)/userlist.txt
            admin_users = \(Self.adminLogin)
            pool_mode = transaction
            default_pool_size = \(poolSize)
            max_client_conn = 500
            logfile = \(directory)/pgbouncer.log

            """
        // With auth_type = trust, PgBouncer still admits only the names in its user list.
        let userList = ([Self.adminLogin] + logins).map { "\"\($0.replacingOccurrences(of: "\"", with: "\"\""))\" \"\"\n" }.joined()
        for (name, text) in [("pgbouncer.ini", configuration), ("userlist.txt", userList)] {
            let path = directory + "/" + name
            try FileGuard.replace(path, mode: 0o600, contents: Data(text.utf8))
            try owner.handOver(path)
        }
    }

    /// `name` in the first of `folders` (or the newest PostgreSQL's) that has it, else on the `PATH`.
    private static func program(_ name: String, in folders: [String]) throws -> String {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
        for folder in folders + path where FileManager.default.isExecutableFile(atPath: folder + "/" + name) {
            return folder + "/" + name
        }
        throw TestSetupError("\(name) not found: run ops/install-deps (apt-get install pgbouncer postgresql-client)")
    }

    /// Debian's PostgreSQL program folders, newest first.
    private static var postgresFolders: [String] {
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        return versions.compactMap(Int.init).sorted(by: >).map { "/usr/lib/postgresql/\($0)/bin" }
    }
}

/// The account PgBouncer runs as: the caller, or `postgres` when the caller is root.
private struct ServerAccount {
    static let name = "postgres"
    let uid: uid_t
    let gid: gid_t

    static func current() throws -> ServerAccount {
        guard getuid() == 0 else { return ServerAccount(uid: getuid(), gid: getgid()) }
        guard let entry = getpwnam(name) else { throw TestSetupError("no '\(name)' account to run PgBouncer as: apt-get install postgresql-15") }
        return ServerAccount(uid: entry.pointee.pw_uid, gid: entry.pointee.pw_gid)
    }

    /// Gives a path the caller just made to the account (a link is never followed).
    func handOver(_ path: String) throws {
        guard getuid() == 0 else { return }
        guard lchown(path, uid, gid) == 0 else { throw TestSetupError("cannot give \(path) to \(Self.name): \(String(cString: strerror(errno)))") }
    }
}
