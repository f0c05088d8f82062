import Foundation
import Subprocess
import Synchronization
import SystemPackage

/// Real `benefit` processes for a test: start, kill -9, SIGTERM, and their exit codes.
///
/// Each process runs in a child task of ``withProcessGroup(_:)``; the group
/// ends every process still running when the body returns.
public final class ProcessGroup: Sendable {
    /// One started process.
    public final class Handle: Sendable {
        public let name: String
        /// Where its standard error goes (its log lines).
        public let logPath: String
        /// Where its standard output goes.
        public let outputPath: String
        let pid = Mutex<pid_t?>(nil)
        let exit = Mutex<Int32??>(nil)
        let started = OneShotSignal()
        let ended = OneShotSignal()

        init(name: String) {
            self.name = name
            let stem = FileManager.default.temporaryDirectory.appendingPathComponent("benefit-\(name)-\(UUID().uuidString.prefix(8))").path
            logPath = stem + ".log"
            outputPath = stem + ".out"
        }

        /// What it has written to its standard output so far.
        public func output() -> String {
            (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        }

        /// The last `count` lines of its log.
        public func logTail(_ count: Int = 20) -> String {
            let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
            return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(count).joined(separator: "\n")
        }

        /// The process id once started (what `benefit.job_attempts.pid` records for a worker).
        public var processID: pid_t? { pid.withLock { $0 } }

        /// The exit code once it has exited (nil inside: killed by a signal).
        public var exitCode: Int32?? { exit.withLock { $0 } }

        public func signal(_ signal: Int32) {
            if let pid = pid.withLock({ $0 }) { kill(pid, signal) }
        }

        /// Waits until it has exited; returns its exit code (nil when killed by a signal).
        public func waitForExit() async -> Int32? {
            await ended.wait()
            return exit.withLock { $0 } ?? nil
        }
    }

    private let spawn: @Sendable (Handle, [String], [String: String]) -> Void
    private let handles = Mutex<[Handle]>([])

    init(spawn: @escaping @Sendable (Handle, [String], [String: String]) -> Void) {
        self.spawn = spawn
    }

    /// Starts `benefit ARGUMENTS`; stderr goes to a log file in the temporary folder.
    @discardableResult
    public func start(_ name: String, _ arguments: [String], environment: [String: String]) async -> Handle {
        let handle = Handle(name: name)
        handles.withLock { $0.append(handle) }
        spawn(handle, arguments, environment)
        await handle.started.wait()
        return handle
    }

    /// kill -9, then waits for the exit.
    public func kill9(_ handle: Handle) async {
        handle.signal(SIGKILL)
        _ = await handle.waitForExit()
    }

    /// SIGTERM, then waits for the exit; returns the exit code.
    public func terminate(_ handle: Handle) async -> Int32? {
        handle.signal(SIGTERM)
        return await handle.waitForExit()
    }

    func killAll() {
        for handle in handles.withLock({ $0 }) where handle.exitCode == nil { handle.signal(SIGKILL) }
    }

    /// Each process's last log lines on stderr: what a failed test shows of its processes.
    func printLogTails() {
        for handle in handles.withLock({ $0 }) {
            FileHandle.standardError.write(Data("--- last lines of \(handle.name) (\(handle.logPath)):\n\(handle.logTail())\n".utf8))
        }
    }
}

/// Runs `body` with a group of processes, and kills whatever is left when it returns.
/// When `body` throws (a `#require` failed, say), each process's last log lines
/// are printed, so that a failure in CI shows what the processes were doing.
public func withProcessGroup<Result: Sendable>(_ body: (ProcessGroup) async throws -> Result) async throws -> Result {
    let binary = try BenefitProcess.binaryPath()
    let (requests, requestSink) = AsyncStream<(ProcessGroup.Handle, [String], [String: String])>.makeStream()
    let group = ProcessGroup { handle, arguments, environment in requestSink.yield((handle, arguments, environment)) }
    return try await withThrowingTaskGroup(of: Result?.self) { tasks in
        tasks.addTask {
            await withTaskGroup(of: Void.self) { processes in
                for await (handle, arguments, environment) in requests {
                    processes.addTask { await run(binary, handle, arguments, environment) }
                }
            }
            return nil
        }
        do {
            let result = try await body(group)
            group.killAll()
            requestSink.finish()
            while let next = try await tasks.next() { _ = next }
            return result
        } catch {
            group.killAll()
            group.printLogTails()
            requestSink.finish()
            tasks.cancelAll()
            throw error
        }
    }
}

private func run(_ binary: String, _ handle: ProcessGroup.Handle, _ arguments: [String], _ environment: [String: String]) async {
    var updates: [Environment.Key: String?] = [:]
    for (key, value) in environment { updates[Environment.Key(stringLiteral: key)] = value }
    do {
        let log = try FileDescriptor.open(FilePath(handle.logPath), .writeOnly, options: [.create, .truncate], permissions: .ownerReadWrite)
        let output = try FileDescriptor.open(FilePath(handle.outputPath), .writeOnly, options: [.create, .truncate], permissions: .ownerReadWrite)
        let result = try await Subprocess.run(
            .path(FilePath(binary)), arguments: Arguments(arguments), environment: .inherit.updating(updates),
            input: .none, output: .fileDescriptor(output, closeAfterSpawningProcess: true),
            error: .fileDescriptor(log, closeAfterSpawningProcess: true)
        ) { execution in
            handle.pid.withLock { $0 = execution.processIdentifier.value }
            handle.started.signal()
        }
        let code: Int32? = if case .exited(let code) = result.terminationStatus { code } else { nil }
        handle.exit.withLock { $0 = .some(code) }
    } catch {
        handle.exit.withLock { $0 = .some(nil) }
        FileHandle.standardError.write(Data("could not run \(handle.name): \(error)\n".utf8))
    }
    handle.started.signal()
    handle.ended.signal()
}

/// A one-shot signal many can wait on.
final class OneShotSignal: Sendable {
    private let state = Mutex<(fired: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func signal() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            guard !state.fired else { return [] }
            state.fired = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    func wait() async {
        await withCheckedContinuation { continuation in
            let now = state.withLock { state -> Bool in
                if state.fired { return true }
                state.waiters.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }
}
