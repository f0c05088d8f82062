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

/// The unprivileged account the server runs as when the caller is root.
enum ServerAccount {
    /// Creates `path` (mode 0700), gives it to `user`, and tells whether `user` can
    /// write there, which needs every parent folder to be searchable by it.
    static func prepareDirectory(_ path: String, for user: String?) async throws -> Bool {
        let manager = FileManager.default
        if manager.fileExists(atPath: path), !manager.fileExists(atPath: path + "/PG_VERSION") {
            // Left over from an initdb that did not finish: ours to clear.
            try manager.removeItem(atPath: path)
        }
        try manager.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        guard let user else { return true }
        try handOver(path, to: user)
        return try await ChildProcess.run("/usr/bin/test", ["-w", path, "-a", "-x", path], as: user).succeeded
    }

    /// Gives a file or folder to `user` (no-op when nil).
    static func handOver(_ path: String, to user: String?) throws {
        guard let user else { return }
        guard let account = getpwnam(user) else {
            throw EmbeddedPostgresError("running as root needs the unprivileged '\(user)' account to run PostgreSQL: apt-get install postgresql-15")
        }
        guard chown(path, account.pointee.pw_uid, account.pointee.pw_gid) == 0 else {
            throw EmbeddedPostgresError("cannot give \(path) to \(user): \(String(cString: strerror(errno)))")
        }
    }
}
