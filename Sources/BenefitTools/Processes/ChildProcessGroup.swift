import BenefitCore
import Foundation
import Logging
import PostgresClient
import Subprocess
import SystemPackage

/// Processes of the `benefit` binary (`benefit worker`, `benefit scheduler`) that
/// run while a body runs, and stop when it ends: SIGTERM, then a kill if one is
/// still running after ``stopGracePeriod``. `benefit bench queue`, `bench campaign` and
/// `demo` use it. Each child's stderr goes to ours, every line prefixed with the
/// child's label; its stdout is discarded.
///
/// The body starts once every child shows in `benefit.processes` as running
/// under its name. A daemon registers there from inside its service group, so
/// from then on a SIGTERM finds it ready to drain and exit 0. Before, a SIGTERM
/// kills it outright: a body that ended while a slow-starting child was still
/// loading (a small run, on a busy machine) failed the whole with "killed by
/// signal 15".
///
/// Children get the database through ``environment`` (`DATABASE_URL`), never on
/// a command line, where `ps` would show a password.
public struct ChildProcessGroup: Sendable {
    /// One child: a label for its log lines and errors, the name it registers
    /// under in `benefit.processes`, and its arguments (which end with `--name`).
    public struct Child: Sendable {
        public let label: String
        public let name: String
        /// The arguments before `--name`.
        private let command: [String]

        /// A child running `benefit COMMAND --name NAME`.
        public init(label: String, name: String, arguments command: [String]) {
            self.label = label
            self.name = name
            self.command = command
        }

        public var arguments: [String] { command + ["--name", name] }

        /// The same child with `extra` arguments.
        public func adding(_ extra: [String]) -> Child {
            Child(label: label, name: name, arguments: command + extra)
        }

        /// `count` quiet `benefit worker` processes (warnings only) on `queues`, each
        /// running `concurrency` jobs at once; `name` gives worker `n` its name.
        public static func workers(_ count: Int, queues: [String], concurrency: Int, name: (Int) -> String) -> [Child] {
            let arguments = ["worker", "--queues", queues.joined(separator: ","), "--concurrency", String(concurrency), "--log-level", "warning"]
            return (0..<count).map { index in Child(label: "worker \(index + 1)", name: name(index + 1), arguments: arguments) }
        }
    }

    /// The `benefit` binary the children run.
    public let executablePath: String
    /// Set in the children's environment, on top of ours.
    public var environment: [String: String]
    /// How long children may take to exit after SIGTERM before they are killed.
    public var stopGracePeriod: Duration

    /// Children that connect to `database` (given them in `DATABASE_URL` only).
    /// - Parameter executablePath: the binary to run; nil for this process's own.
    public init(executablePath: String? = nil, database: PostgresConfiguration, stopGracePeriod: Duration = .seconds(30)) throws {
        try self.init(executablePath: executablePath, environment: ["DATABASE_URL": database.secretConnectionString],
                      stopGracePeriod: stopGracePeriod)
    }

    /// - Parameter executablePath: the binary to run; nil for this process's own.
    public init(executablePath: String? = nil, environment: [String: String], stopGracePeriod: Duration = .seconds(30)) throws {
        guard let path = executablePath ?? Self.currentExecutablePath() else {
            throw ChildProcessError("cannot tell where this program's executable is: /proc/self/exe and argv[0] do not say")
        }
        self.executablePath = path
        self.environment = environment
        self.stopGracePeriod = stopGracePeriod
    }

    private enum Event<Value: Sendable>: Sendable {
        case finished(Value)
        case exited(label: String, TerminationStatus)
    }

    /// Starts `children`, runs `body` once they are all running (their rows in
    /// `benefit.processes` on `pool` say so, within `startDeadline`), then stops
    /// them and waits for them. A child that exits before the body ends fails
    /// the whole (and cancels `body`); so does one that does not exit 0 when stopped.
    public func run<Value: Sendable>(
        _ children: [Child], registeringOn pool: PostgresPool, startDeadline: Duration = .seconds(120),
        while body: @escaping @Sendable () async throws -> Value
    ) async throws -> Value {
        let stop = Latch()
        return try await withThrowingTaskGroup(of: Event<Value>.self) { group in
            for child in children {
                group.addTask { .exited(label: child.label, try await self.run(child, stop: stop)) }
            }
            group.addTask {
                try await Self.waitUntilRunning(children, on: pool, within: startDeadline)
                return .finished(try await body())
            }
            var value: Value?
            var failures: [String] = []
            // Throwing out of here cancels the rest: the body stops, and
            // Subprocess tears the children down with `teardownSequence`.
            while let event = try await group.next() {
                switch event {
                case .finished(let finished):
                    value = finished
                    stop.fire()
                case .exited(let label, let status):
                    guard value != nil else {
                        throw ChildProcessError("\(label) \(Self.describe(status)) while it was needed (its log lines, if any, are above)")
                    }
                    if !status.isSuccess { failures.append("\(label) \(Self.describe(status)) when stopped") }
                }
            }
            guard failures.isEmpty, let value else { throw ChildProcessError(failures.joined(separator: "; ")) }
            return value
        }
    }

    /// Returns once every child's row in `benefit.processes` says running.
    private static func waitUntilRunning(_ children: [Child], on pool: PostgresPool, within deadline: Duration) async throws {
        let names = children.map(\.name)
        let giveUp = ContinuousClock.now + deadline
        while try await pool.query(
            "SELECT count(DISTINCT name) FROM benefit.processes WHERE name = ANY (\(names)::text[]) AND state = 'running'"
        ).single(Int.self) < names.count {
            guard ContinuousClock.now < giveUp else {
                throw ChildProcessError("\(children.map(\.label).joined(separator: ", ")) did not all start within \(DurationText.format(deadline))")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Runs one child until `stop` fires (then SIGTERM, and a kill after the grace
    /// period) or until it exits by itself.
    private func run(_ child: Child, stop: Latch) async throws -> TerminationStatus {
        var options = PlatformOptions()
        // Used by Subprocess when this task is cancelled or the body throws.
        options.teardownSequence = [.gracefulShutDown(allowedDurationToNextStep: stopGracePeriod)]
        let grace = stopGracePeriod
        let result = try await Subprocess.run(
            .path(FilePath(executablePath)), arguments: Arguments(child.arguments),
            environment: .inheritUpdating(environment),
            platformOptions: options,
            input: .none, output: .discarded, error: .sequence
        ) { execution in
            await withTaskGroup(of: Bool.self) { group in
                // Ends when the process exits (its stderr closes).
                group.addTask {
                    do {
                        for try await line in execution.standardError.strings() {
                            FileHandle.standardError.write(Data("\(child.label): \(line)\n".utf8))
                        }
                    } catch {}
                    return false
                }
                // True when asked to stop; false when cancelled.
                group.addTask { await stop.wait() != nil }
                if await group.next() == true {
                    await execution.teardown(using: [.gracefulShutDown(allowedDurationToNextStep: grace)])
                } else {
                    group.cancelAll()
                }
                await group.waitForAll()
            }
        }
        return result.terminationStatus
    }

    private static func describe(_ status: TerminationStatus) -> String {
        switch status {
        case .exited(let code): "exited with status \(code)"
        case .signaled(let signal): "was killed by signal \(signal)"
        }
    }

    /// This process's executable as an absolute path: `/proc/self/exe`, else argv[0]
    /// (against the current directory, or searched in `PATH`).
    public static func currentExecutablePath() -> String? {
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"), path.hasPrefix("/") {
            return path
        }
        guard let argument = CommandLine.arguments.first, !argument.isEmpty else { return nil }
        if argument.contains("/") {
            return URL(fileURLWithPath: argument).standardizedFileURL.path
        }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        return path.split(separator: ":").map { "\($0)/\(argument)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}

/// A child process could not start, or exited when it should not have.
public struct ChildProcessError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
