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

/// Finds free TCP ports on 127.0.0.1.
enum PortProbe {
    /// A port the kernel just handed out as free.
    static func freePort() throws -> Int {
        let socket = try boundSocket(port: 0)
        defer { close(socket) }
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func isFree(_ port: Int) -> Bool {
        guard let socket = try? boundSocket(port: port) else { return false }
        close(socket)
        return true
    }

    private static func boundSocket(port: Int) throws -> Int32 {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw EmbeddedPostgresError("cannot open a socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else {
            close(descriptor)
            throw EmbeddedPostgresError("port \(port) on 127.0.0.1 is taken")
        }
        return descriptor
    }
}
