import BenefitCore
import Foundation

/// Where the system's PostgreSQL server programs are.
struct PostgresTools {
    let initdb: String
    let pgCtl: String
    let createdb: String

    /// `$BENEFIT_PG_BIN`, else the newest `/usr/lib/postgresql/N/bin` (Debian's
    /// layout), else the `PATH`.
    static func locate() throws -> PostgresTools {
        let environment = ProcessInfo.processInfo.environment
        var candidates: [String] = []
        if let configured = environment["BENEFIT_PG_BIN"], !configured.isEmpty { candidates.append(configured) }
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        candidates += versions.compactMap(Int.init).sorted(by: >).map { "/usr/lib/postgresql/\($0)/bin" }
        candidates += (environment["PATH"] ?? "").split(separator: ":").map(String.init)
        for directory in candidates where FileManager.default.isExecutableFile(atPath: directory + "/initdb")
            && FileManager.default.isExecutableFile(atPath: directory + "/pg_ctl") {
            return PostgresTools(initdb: directory + "/initdb", pgCtl: directory + "/pg_ctl", createdb: directory + "/createdb")
        }
        throw EmbeddedPostgresError(
            "PostgreSQL server programs (initdb, pg_ctl) not found in /usr/lib/postgresql/*/bin or PATH: apt-get install postgresql-15, or set BENEFIT_PG_BIN")
    }
}

/// The account that runs the server and owns its data folder: the caller, or
/// the unprivileged `postgres` account when the caller is root (the server
/// refuses to run as root).
struct ServerAccount: Sendable {
    /// Whom to run the server programs as through `runuser`; nil for the caller itself.
    let user: String?
    /// Who must own the data folder and the server's log.
    let owner: FileGuard.Owner
    /// The account's own group, given to what is handed over to it.
    let group: gid_t

    static let unprivileged = "postgres"

    static func current() throws -> ServerAccount {
        guard getuid() == 0 else { return ServerAccount(user: nil, owner: .caller, group: getegid()) }
        guard let entry = getpwnam(unprivileged) else {
            throw EmbeddedPostgresError(
                "running as root needs the unprivileged '\(unprivileged)' account to run PostgreSQL: apt-get install postgresql-15")
        }
        let owner = FileGuard.Owner(uid: entry.pointee.pw_uid, name: unprivileged)
        return ServerAccount(user: unprivileged, owner: owner, group: entry.pointee.pw_gid)
    }

    /// Whether the account can search the folder `path`, which needs every parent
    /// folder to be searchable by it too.
    func canSearch(_ path: String) async throws -> Bool {
        guard let user else { return true }
        return try await ChildProcess.run("/usr/bin/test", ["-d", path, "-a", "-x", path], as: user).succeeded
    }

    /// Whether the account can make files in the folder `path`.
    func canWrite(_ path: String) async throws -> Bool {
        guard let user else { return true }
        return try await ChildProcess.run("/usr/bin/test", ["-w", path, "-a", "-x", path], as: user).succeeded
    }

    /// Gives a file or folder the caller just made to the account (a link is never followed).
    func handOver(_ path: String) throws {
        guard user != nil else { return }
        guard lchown(path, owner.uid, group) == 0 else {
            throw EmbeddedPostgresError("cannot give \(path) to \(owner.name): \(String(cString: strerror(errno)))")
        }
    }
}
