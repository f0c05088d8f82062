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
///
/// `.benefit` is the caller's alone (``EmbeddedHome``). The data folder belongs to
/// the account that runs the server (``ServerAccount``) and is refused when it
/// belongs to anyone else; when that account cannot reach `.benefit/pg`, the
/// cluster goes under `/var/lib/benefit/KEY/pg` (``chooseDataDirectory(_:)``).
public struct EmbeddedPostgres: Sendable {
    /// The `.benefit` folder that holds the cluster's state.
    public let root: URL
    let home: EmbeddedHome
    let logger: Logger

    public static let databaseName = "benefit"
    public static let userName = "benefit"

    public init(root: URL, logger: Logger = Logger(label: "benefit.embedded")) {
        self.root = root.standardizedFileURL
        self.home = EmbeddedHome(root: self.root)
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
            let account = try ServerAccount.current()
            guard let state = try await existingCluster(account) else { return false }
            let tools = try PostgresTools.locate()
            guard try await isRunning(state, tools, account) else { return false }
            let outcome = try await ChildProcess.run(tools.pgCtl, ["stop", "-D", state.dataDirectory, "-m", "fast", "-w"], as: account.user)
            guard outcome.succeeded else { throw EmbeddedPostgresError("pg_ctl stop failed: \(outcome.output.lastLine)") }
            return true
        }
    }

    /// Restarts the server; `immediate` skips the shutdown checkpoint, like a crash.
    public func restart(immediate: Bool) async throws {
        try await withLock {
            let account = try ServerAccount.current()
            guard let state = try await existingCluster(account) else { throw EmbeddedPostgresError("no embedded cluster under \(root.path)") }
            let tools = try PostgresTools.locate()
            let outcome = try await ChildProcess.run(tools.pgCtl, [
                "restart", "-D", state.dataDirectory, "-m", immediate ? "immediate" : "fast", "-w", "-t", "60",
                "-l", state.logFile, "-o", "-p \(state.port)",
            ], as: account.user)
            guard outcome.succeeded else { throw EmbeddedPostgresError("pg_ctl restart failed: \(outcome.output.lastLine)") }
        }
    }

    // MARK: Starting

    private func startLocked() async throws -> String {
        let tools = try PostgresTools.locate()
        let account = try ServerAccount.current()
        var state: EmbeddedState
        if let existing = try await existingCluster(account) {
            state = existing
        } else {
            state = try await initialize(tools, account)
        }
        if try await !isRunning(state, tools, account) {
            if !PortProbe.isFree(state.port) {
                state.port = try PortProbe.freePort()
                try await runBlocking("embedded-state") { [home, state] in try home.saveState(state) }
            }
            try await startServer(state, tools, account)
            logger.notice("started the embedded PostgreSQL in \(state.dataDirectory) on 127.0.0.1:\(state.port)")
        }
        let password = try await runBlocking("embedded-password") { [home] in try home.password() }
        return "postgresql://\(Self.userName):\(password)@127.0.0.1:\(state.port)/\(Self.databaseName)"
    }

    /// The recorded cluster, its data folder and log checked; nil when there is none yet.
    private func existingCluster(_ account: ServerAccount) async throws -> EmbeddedState? {
        try await runBlocking("embedded-state") { [home] in
            guard let state = try home.loadState(),
                try FileGuard.inspect(state.dataDirectory, kind: .folder, owner: account.owner)
            else { return nil }
            try FileGuard.inspect(state.logFile, kind: .file, owner: account.owner)
            return FileManager.default.fileExists(atPath: state.dataDirectory + "/PG_VERSION") ? state : nil
        }
    }

    /// `pg_ctl start` on the state's data directory and port, waiting up to a minute.
    private func startServer(_ state: EmbeddedState, _ tools: PostgresTools, _ account: ServerAccount) async throws {
        let outcome = try await ChildProcess.run(tools.pgCtl, [
            "start", "-D", state.dataDirectory, "-w", "-t", "60", "-l", state.logFile, "-o", "-p \(state.port)",
        ], as: account.user)
        guard outcome.succeeded else {
            throw EmbeddedPostgresError("the embedded PostgreSQL did not start (see \(state.logFile)): \(outcome.output.lastLine)")
        }
    }

    private func initialize(_ tools: PostgresTools, _ account: ServerAccount) async throws -> EmbeddedState {
        let dataDirectory = try await chooseDataDirectory(account)
        let password = Self.generatePassword()
        try await runBlocking("embedded-password") { [home] in try home.savePassword(password) }
        logger.notice("creating the embedded PostgreSQL cluster in \(dataDirectory)")
        try await runInitdb(dataDirectory, password: password, tools, account)
        // Only TCP on loopback: no socket file whose path length or permissions could get in the way.
        let settings = EmbeddedSettings().configuration
        try await runBlocking("postgresql.conf") {
            try FileGuard.append(Data(settings.utf8), to: dataDirectory + "/postgresql.conf", owner: account.owner)
        }

        let state = EmbeddedState(dataDirectory: dataDirectory, port: try PortProbe.freePort())
        try await startServer(state, tools, account)
        let created = try await ChildProcess.run(tools.createdb, [
            "-h", "127.0.0.1", "-p", "\(state.port)", "-U", Self.userName, Self.databaseName,
        ], as: nil, environment: ["PGPASSWORD": password])
        guard created.succeeded else { throw EmbeddedPostgresError("createdb failed: \(created.output.lastLine)") }
        try await runBlocking("embedded-state") { [home] in try home.saveState(state) }
        return state
    }

    /// Runs initdb with the password in a file the server account can read: beside
    /// the data folder, in a folder only the caller can write, removed right after.
    private func runInitdb(_ dataDirectory: String, password: String, _ tools: PostgresTools, _ account: ServerAccount) async throws {
        let passwordFile = URL(fileURLWithPath: dataDirectory).deletingLastPathComponent().appendingPathComponent(".initdb-password").path
        try await runBlocking("initdb-password") {
            unlink(passwordFile)  // one left by an initdb that did not finish
            try FileGuard.replace(passwordFile, mode: 0o600, contents: Data((password + "\n").utf8))
            try account.handOver(passwordFile)
        }
        let outcome: Result<ChildProcess.Outcome, any Error>
        do {
            outcome = .success(try await ChildProcess.run(tools.initdb, [
                "-D", dataDirectory, "-U", Self.userName, "--auth=scram-sha-256", "--pwfile=\(passwordFile)",
                "-E", "UTF8", "--locale=C",
            ], as: account.user))
        } catch {
            outcome = .failure(error)
        }
        _ = try? await runBlocking("initdb-password") { unlink(passwordFile) }
        let initdb = try outcome.get()
        guard initdb.succeeded else { throw EmbeddedPostgresError("initdb failed: \(initdb.output.lastLine)") }
    }

    private func isRunning(_ state: EmbeddedState, _ tools: PostgresTools, _ account: ServerAccount) async throws -> Bool {
        try await ChildProcess.run(tools.pgCtl, ["status", "-D", state.dataDirectory], as: account.user).succeeded
    }

    // MARK: State

    private func withLock<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        try await runBlocking("embedded-home") { [home] in try home.prepare() }
        let lock = try await FileLock.acquire(home.lockFile)
        defer { lock.release() }
        return try await body()
    }

    private static func generatePassword() -> String {
        let alphabet = Array("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<32).map { _ in alphabet.randomElement(using: &generator)! })
    }
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
