import Foundation
import PostgresClient
import Subprocess
import SystemPackage

/// A PostgreSQL cluster of a test's own (`ops/pg-throwaway`), for tests that
/// restart or stop the server under running code. Stopped and deleted by
/// ``with(_:)`` at the end, also when the body throws.
public struct ThrowawayCluster: Sendable {
    /// The cluster's folder.
    public let directory: URL
    /// A superuser connection to its `postgres` database.
    public let configuration: PostgresConfiguration

    /// Starts a cluster, runs `body` with it, and removes it.
    ///
    /// With `tls`, a folder holding `server.crt` and `server.key`, the server runs
    /// with `ssl = on` and accepts TLS connections only (`ops/pg-throwaway start
    /// DIR --tls CERTDIR`).
    public static func with<Result: Sendable>(
        tls certificates: URL? = nil, _ body: (ThrowawayCluster) async throws -> Result
    ) async throws -> Result {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("benefit-cluster-\(UUID().uuidString)")
        let tlsArguments = certificates.map { ["--tls", $0.path] } ?? []
        let url = try await script("start", directory, tlsArguments).trimmingCharacters(in: .whitespacesAndNewlines)
        return try await stopping(ThrowawayCluster(directory: directory, configuration: try PostgresConfiguration(url)), body)
    }

    /// Starts a hot standby of this cluster (`ops/pg-throwaway standby`: a
    /// `pg_basebackup -R` copy that streams from it), runs `body` with it, and
    /// removes it, also when the body throws. The standby takes only reads.
    public func withStandby<Result: Sendable>(_ body: (ThrowawayCluster) async throws -> Result) async throws -> Result {
        // Beside the primary's folder, not in it: `stop` deletes each folder whole.
        let standbyDirectoryPath = directory.path + "-standby"
        let url = try await Self.script("standby", directory, [standbyDirectoryPath]).trimmingCharacters(in: .whitespacesAndNewlines)
        return try await Self.stopping(
            ThrowawayCluster(directory: URL(fileURLWithPath: standbyDirectoryPath), configuration: try PostgresConfiguration(url)), body)
    }

    /// Runs `body` with a started `cluster`, then stops and deletes it, also when the body throws.
    private static func stopping<Result: Sendable>(
        _ cluster: ThrowawayCluster, _ body: (ThrowawayCluster) async throws -> Result
    ) async throws -> Result {
        do {
            let result = try await body(cluster)
            _ = try await script("stop", cluster.directory)
            return result
        } catch {
            _ = try? await script("stop", cluster.directory)
            throw error
        }
    }

    /// Waits until `standby` has replayed everything this cluster had written when
    /// called (its `pg_last_wal_replay_lsn()` at or past this one's
    /// `pg_current_wal_lsn()`), so that what was committed here can be read there.
    public func waitForReplay(on standby: ThrowawayCluster, timeout: Duration = .seconds(60)) async throws {
        let primary = try await PostgresConnection.connect(to: configuration)
        let lsn = try await primary.query("SELECT pg_current_wal_lsn()::text").single(String.self)
        let replica = try await PostgresConnection.connect(to: standby.configuration)
        let replayed = try await eventually(timeout: timeout) {
            try await replica.query("SELECT pg_last_wal_replay_lsn() >= \(lsn)::pg_lsn").single(Bool.self)
        }
        guard replayed else { throw TestSetupError("the standby did not replay up to \(lsn) within \(timeout)") }
    }

    /// `pg_ctl restart -m immediate`: every connection drops at once, as in a crash.
    public func restartImmediately() async throws {
        _ = try await Self.script("restart", directory)
    }

    /// Stops the server at once (`pg_ctl stop -m immediate`), keeping its files:
    /// every connection drops, and new ones are refused until ``startAgain()``.
    public func stopServer() async throws {
        _ = try await Self.script("down", directory)
    }

    /// Starts the server stopped by ``stopServer()`` again, on its port.
    public func startAgain() async throws {
        _ = try await Self.script("up", directory)
    }

    /// The port it listens on, at 127.0.0.1.
    public var port: String { configuration.parameter("port") ?? "" }

    /// Runs `ops/pg-throwaway ACTION DIR [OPTIONS]`; returns its standard output.
    private static func script(_ action: String, _ directory: URL, _ options: [String] = []) async throws -> String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let result = try await Subprocess.run(
            .path(FilePath(root.appendingPathComponent("ops/pg-throwaway").path)), arguments: Arguments([action, directory.path] + options),
            output: .string(limit: 1 << 20), error: .string(limit: 1 << 20))
        guard case .exited(0) = result.terminationStatus else {
            throw TestSetupError("ops/pg-throwaway \(action) failed: \(result.standardError)")
        }
        return result.standardOutput
    }
}
