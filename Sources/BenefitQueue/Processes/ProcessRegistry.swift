import Foundation
import PostgresClient

/// One row of `benefit.processes`.
public struct ProcessRecord: Sendable, Codable, Equatable {
    public let processID: Int
    public let role: ProcessDescription.Role
    public let name: String
    public let host: String
    public let pid: Int
    public let version: String
    public let queues: [String]
    public let concurrency: Int?
    public let startedAt: Date
    public let lastHeartbeatAt: Date
    public let stoppedAt: Date?
    public let state: ProcessState
    public let leader: Bool
    /// Seconds since the last heartbeat, by the database clock.
    public let silentSeconds: Double

    /// Whether it is up: running or draining (not stopped, not gone).
    public var isAlive: Bool { state == .running || state == .draining }

    enum CodingKeys: String, CodingKey {
        case processID = "process_id", role, name, host, pid, version, queues, concurrency, startedAt = "started_at"
        case lastHeartbeatAt = "last_heartbeat_at", stoppedAt = "stopped_at", state, leader, silentSeconds = "silent_seconds"
    }
}

/// Reads `benefit.processes` (migration 0012) for operators.
public enum ProcessRegistry {
    /// Processes alive, and those stopped or gone within `recent`, by host, role and name.
    public static func list(on pool: PostgresPool, recent: Duration = .seconds(86_400)) async throws -> [ProcessRecord] {
        try await pool.query("""
            SELECT process_id, role, name, host, pid, version, queues, concurrency, started_at, last_heartbeat_at, stopped_at,
                   state, leader, extract(epoch FROM now() - last_heartbeat_at)::float8
            FROM benefit.processes
            WHERE state IN ('running', 'draining') OR last_heartbeat_at > now() - \(recent.wholeMilliseconds) * interval '1 millisecond'
            ORDER BY host, role, name, process_id
            """).map { row in
            let (id, role, name, host, pid, version, queues, concurrency, started, heartbeat, stopped, state, leader, silent) =
                try row.decode((Int, String, String, String, Int, String, [String], Int?, Date, Date, Date?, String, Bool, Double).self)
            return ProcessRecord(
                processID: id, role: ProcessDescription.Role(rawValue: role) ?? .worker, name: name, host: host, pid: pid,
                version: version, queues: queues, concurrency: concurrency, startedAt: started, lastHeartbeatAt: heartbeat,
                stoppedAt: stopped, state: ProcessState(rawValue: state) ?? .gone, leader: leader, silentSeconds: silent)
        }
    }
}
