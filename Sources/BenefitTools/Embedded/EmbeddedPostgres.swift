import BenefitCore
import Foundation
import Logging
import PostgresClient

/// A private PostgreSQL cluster under `.benefit/pg`, created and started on first use.
///
/// With no `--database-url` and no `DATABASE_URL`, every command uses this
/// cluster: `initdb` and `pg_ctl` from the system's PostgreSQL (as the
/// unprivileged `postgres` user when the caller is root, since the server refuses
/// to run as root), listening on a free port on 127.0.0.1 only, with a generated
/// password kept in `.benefit/password` (mode 0600). Later calls reuse it, and
/// start it again if it stopped. A lock file keeps two commands that start at the
/// same moment from initializing or starting it twice.
public struct EmbeddedPostgres: Sendable {
    /// The `.benefit` folder that holds the cluster's state.
    public let root: URL
    private let logger: Logger

    public static let databaseName = "benefit"
    public static let userName = "benefit"
    /// The unprivileged account that runs the server when the caller is root.
    static let serverAccount = "postgres"

    public init(root: URL, logger: Logger = Logger(label: "benefit.embedded")) {
        self.root = root.standardizedFileURL
        self.logger = logger
    }

    /// `$BENEFIT_HOME` if set, else `.benefit` in the current directory.
    public static func defaultRoot() -> URL {
        if let home = ProcessInfo.processInfo.environment["BENEFIT_HOME"], !home.isEmpty {
            return URL(fileURLWithPath: home)
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(".benefit")
    }

    /// Creates the cluster if needed, starts it if stopped, and returns how to connect.
    public func start() async throws -> PostgresConfiguration {
        let url = try await withLock { try await startLocked() }
        return try PostgresConfiguration(url)
    }

    /// Stops the cluster; false when it was not running.
    @discardableResult
    public func stop() async throws -> Bool {
        try await withLock {
            guard let state = try loadState() else { return false }
            let tools = try PostgresTools.locate()
            guard try await isRunning(state, tools) else { return false }
            let outcome = try await ChildProcess.run(tools.pgCtl, ["stop", "-D", state.dataDirectory, "-m", "fast", "-w"], as: serverUser)
            guard outcome.succeeded else { throw EmbeddedPostgresError("pg_ctl stop failed: \(outcome.output.lastLine)") }
            return true
        }
    }

    /// Restarts the server; `immediate` skips the shutdown checkpoint, like a crash.
    public func restart(immediate: Bool) async throws {
        try await withLock {
            guard let state = try loadState() else { throw EmbeddedPostgresError("no embedded cluster under \(root.path)") }
            let tools = try PostgresTools.locate()
            let outcome = try await ChildProcess.run(tools.pgCtl, [
                "restart", "-D", state.dataDirectory, "-m", immediate ? "immediate" : "fast", "-w", "-t", "60",
                "-l", state.logFile, "-o", "-p \(state.port)",
            ], as: serverUser)
            guard outcome.succeeded else { throw EmbeddedPostgresError("pg_ctl restart failed: \(outcome.output.lastLine)") }
        }
    }

    // MARK: Starting

    private var serverUser: String? { getuid() == 0 ? Self.serverAccount : nil }
    private var stateFile: URL { root.appendingPathComponent("embedded.json") }
    private var passwordFile: URL { root.appendingPathComponent("password") }

    private func startLocked() async throws -> String {
        let tools = try PostgresTools.locate()
        var state: EmbeddedState
        if let existing = try loadState(), FileManager.default.fileExists(atPath: existing.dataDirectory + "/PG_VERSION") {
            state = existing
        } else {
            state = try await initialize(tools)
        }
        if try await !isRunning(state, tools) {
            if !PortProbe.isFree(state.port) {
                state.port = try PortProbe.freePort()
                try saveState(state)
            }
            try await startServer(state, tools)
            logger.notice("started the embedded PostgreSQL in \(state.dataDirectory) on 127.0.0.1:\(state.port)")
        }
        let password = try String(contentsOf: passwordFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        return "postgresql://\(Self.userName):\(password)@127.0.0.1:\(state.port)/\(Self.databaseName)"
    }

    /// `pg_ctl start` on the state's data directory and port, waiting up to a minute.
    private func startServer(_ state: EmbeddedState, _ tools: PostgresTools) async throws {
        let outcome = try await ChildProcess.run(tools.pgCtl, [
            "start", "-D", state.dataDirectory, "-w", "-t", "60", "-l", state.logFile, "-o", "-p \(state.port)",
        ], as: serverUser)
        guard outcome.succeeded else {
            throw EmbeddedPostgresError("the embedded PostgreSQL did not start (see \(state.logFile)): \(outcome.output.lastLine)")
        }
    }

    private func initialize(_ tools: PostgresTools) async throws -> EmbeddedState {
        let dataDirectory = try await chooseDataDirectory()
        let password = Self.generatePassword()
        try Data((password + "\n").utf8).write(to: passwordFile)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: passwordFile.path)
        // initdb reads the password from a file the server account can read; it is removed right after.
        let passwordForInitdb = URL(fileURLWithPath: dataDirectory).deletingLastPathComponent().appendingPathComponent(".initdb-password")
        try Data((password + "\n").utf8).write(to: passwordForInitdb)
        defer { try? FileManager.default.removeItem(at: passwordForInitdb) }
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: passwordForInitdb.path)
        try ServerAccount.handOver(passwordForInitdb.path, to: serverUser)

        logger.notice("creating the embedded PostgreSQL cluster in \(dataDirectory)")
        let initdb = try await ChildProcess.run(tools.initdb, [
            "-D", dataDirectory, "-U", Self.userName, "--auth=scram-sha-256", "--pwfile=\(passwordForInitdb.path)",
            "-E", "UTF8", "--locale=C",
        ], as: serverUser)
        guard initdb.succeeded else { throw EmbeddedPostgresError("initdb failed: \(initdb.output.lastLine)") }
        // Only TCP on loopback: no socket file whose path length or permissions could get in the way.
        let settings = """

            # benefit embedded cluster
            listen_addresses = '127.0.0.1'
            unix_socket_directories = ''
            max_connections = 200
            """
        let conf = try FileHandle(forWritingTo: URL(fileURLWithPath: dataDirectory + "/postgresql.conf"))
        conf.seekToEndOfFile()
        conf.write(Data(settings.utf8))
        try conf.close()

        let state = EmbeddedState(dataDirectory: dataDirectory, port: try PortProbe.freePort())
        try await startServer(state, tools)
        let created = try await ChildProcess.run(tools.createdb, [
            "-h", "127.0.0.1", "-p", "\(state.port)", "-U", Self.userName, Self.databaseName,
        ], as: nil, environment: ["PGPASSWORD": password])
        guard created.succeeded else { throw EmbeddedPostgresError("createdb failed: \(created.output.lastLine)") }
        try saveState(state)
        return state
    }

    /// `.benefit/pg` when the server account can reach it; otherwise a folder under
    /// /var/lib keyed by this checkout (root's home is mode 700, for one).
    private func chooseDataDirectory() async throws -> String {
        let preferred = root.appendingPathComponent("pg").path
        if try await ServerAccount.prepareDirectory(preferred, for: serverUser) { return preferred }
        let fallback = "/var/lib/benefit/\(Self.stableHash(root.path))/pg"
        logger.notice("the postgres account cannot reach \(preferred) (a parent folder is not searchable); using \(fallback) instead")
        guard try await ServerAccount.prepareDirectory(fallback, for: serverUser) else {
            throw EmbeddedPostgresError("the postgres account can reach neither \(preferred) nor \(fallback)")
        }
        return fallback
    }

    private func isRunning(_ state: EmbeddedState, _ tools: PostgresTools) async throws -> Bool {
        try await ChildProcess.run(tools.pgCtl, ["status", "-D", state.dataDirectory], as: serverUser).succeeded
    }

    // MARK: State

    private func loadState() throws -> EmbeddedState? {
        guard let data = try? Data(contentsOf: stateFile) else { return nil }
        do {
            return try JSONDecoder().decode(EmbeddedState.self, from: data)
        } catch {
            throw EmbeddedPostgresError("\(stateFile.path) is damaged: \(error)")
        }
    }

    private func saveState(_ state: EmbeddedState) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(state).write(to: stateFile, options: .atomic)
    }

    private func withLock<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let lock = try await FileLock.acquire(root.appendingPathComponent("embedded.lock").path)
        defer { lock.release() }
        return try await body()
    }

    private static func generatePassword() -> String {
        let alphabet = Array("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<32).map { _ in alphabet.randomElement(using: &generator)! })
    }

    /// FNV-1a of the path: the same checkout always maps to the same fallback folder.
    static func stableHash(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return String(hash, radix: 16)
    }
}

/// What `.benefit/embedded.json` records.
struct EmbeddedState: Codable {
    var dataDirectory: String
    var port: Int
    var logFile: String { dataDirectory + "/server.log" }
}

/// A problem with the embedded cluster, in one line.
public struct EmbeddedPostgresError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

extension String {
    /// The last non-empty line: the part of a tool's output that says what failed.
    var lastLine: String {
        split(whereSeparator: \.isNewline).last.map(String.init)?.trimmingCharacters(in: .whitespaces) ?? ""
    }
}
