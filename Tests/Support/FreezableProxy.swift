import Foundation
import PostgresClient
import Subprocess
import Synchronization
import SystemPackage

/// A TCP proxy between a test's processes and PostgreSQL that can stop
/// forwarding without closing anything: a network partition as the cut-off
/// peers see it (`freezable-proxy.py` beside this file, run with `python3`).
///
/// A process whose `DATABASE_URL` is ``route(_:)`` reaches the server through
/// the proxy; ``freeze()`` cuts it off, ``thaw()`` lets the bytes held through.
/// Every command waits for the proxy's answer, so when it returns the proxy is
/// in the state asked for.
public final class FreezableProxy: Sendable {
    /// The port it listens on, on 127.0.0.1.
    public let port: Int
    private let commands: StandardInputWriter
    private let answers: ProxyAnswers

    fileprivate init(port: Int, commands: StandardInputWriter, answers: ProxyAnswers) {
        self.port = port
        self.commands = commands
        self.answers = answers
    }

    /// `configuration`'s database, reached through the proxy.
    public func route(_ configuration: PostgresConfiguration) -> PostgresConfiguration {
        configuration.with(host: "127.0.0.1", port: port)
    }

    /// Stops forwarding in both directions on every connection; new connections wait unanswered.
    public func freeze() async throws {
        try await send("freeze", answer: "frozen")
    }

    /// Forwards again, the bytes held first.
    public func thaw() async throws {
        try await send("thaw", answer: "thawed")
    }

    /// Freezes once a client sends `text` (a statement's SQL, say), right after
    /// forwarding the bytes that hold it: the server gets that statement, and
    /// its answer is held. ``waitUntilFrozen(timeout:)`` says when it happened.
    public func freeze(afterClientSends text: String) async throws {
        precondition(!text.contains("\n"), "the proxy reads one command a line")
        try await send("freeze-after \(text)", answer: "armed")
    }

    /// Waits until a freeze asked with ``freeze(afterClientSends:)`` fires; false if it did not within `timeout`.
    public func waitUntilFrozen(timeout: Duration) async throws -> Bool {
        try await answers.next("frozen", timeout: timeout)
    }

    private func send(_ command: String, answer: String) async throws {
        _ = try await commands.write(command + "\n")
        guard try await answers.next(answer, timeout: .seconds(10)) else {
            throw TestSetupError("the freezable proxy did not answer \"\(command)\" (got: \(answers.all))")
        }
    }
}

/// Starts a proxy to the server of `configuration`, runs `body` with it, and
/// kills the proxy when `body` returns or throws. The proxy also exits by
/// itself when its standard input closes, should the test process die first.
public func withFreezableProxy<Result: Sendable>(
    to configuration: PostgresConfiguration, _ body: (FreezableProxy) async throws -> Result
) async throws -> Result {
    let host = configuration.parameter("hostaddr") ?? configuration.parameter("host") ?? "127.0.0.1"
    guard !host.hasPrefix("/") else {
        throw TestSetupError("the freezable proxy speaks TCP: the test database is on a Unix socket (\(host))")
    }
    let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("freezable-proxy.py").path
    let answers = ProxyAnswers()
    do {
        return try await Subprocess.run(
            .name("python3"), arguments: [script, host, configuration.parameter("port") ?? "5432"],
            input: .inputWriter, output: .sequence, error: .discarded
        ) { execution in
            try await withThrowingTaskGroup(of: Void.self, returning: Result.self) { reader in
                reader.addTask {
                    for try await line in execution.standardOutput.strings() { answers.append(line) }
                }
                // Killed whichever way the body ends; the reader then sees the end of its output.
                defer { try? execution.send(signal: .kill) }
                guard try await answers.next(where: { $0.hasPrefix("ready ") }, timeout: .seconds(30)),
                      let port = answers.all.first(where: { $0.hasPrefix("ready ") }).flatMap({ Int($0.dropFirst(6)) })
                else {
                    throw TestSetupError("the freezable proxy did not start (got: \(answers.all))")
                }
                return try await body(FreezableProxy(port: port, commands: execution.standardInputWriter, answers: answers))
            }
        }.closureResult
    } catch let error as SubprocessError where error.code == .executableNotFound {
        throw TestSetupError("cannot find python3 for the freezable proxy (ops/install-deps installs it): \(error)")
    }
}

/// The lines the proxy printed, read in order by the commands waiting for them.
private final class ProxyAnswers: Sendable {
    private let state = Mutex<(lines: [String], read: Int)>(([], 0))

    var all: [String] { state.withLock { $0.lines } }

    func append(_ line: String) {
        state.withLock { $0.lines.append(line) }
    }

    func next(_ line: String, timeout: Duration) async throws -> Bool {
        try await next(where: { $0 == line }, timeout: timeout)
    }

    /// Waits for the first unread line that matches, and reads up to it.
    func next(where matches: @escaping @Sendable (String) -> Bool, timeout: Duration) async throws -> Bool {
        try await eventually(timeout: timeout, every: .milliseconds(10)) {
            state.withLock { state in
                guard let index = state.lines[state.read...].firstIndex(where: matches) else { return false }
                state.read = index + 1
                return true
            }
        }
    }
}
