import Foundation
import PostgresClient

/// Built-in kinds every worker runs, for smoke tests, benchmarks and fire drills.
public enum DiagnosticHandlers {
    public static var all: [any JobHandler] { [Noop(), Sleep(), Probe()] }

    /// `noop`: does nothing; the queue's own cost, measured by `benefit bench queue`.
    public struct Noop: JobHandler {
        public let kind = "noop"
        public init() {}
        public func run(_ context: JobContext) async throws {}
    }

    /// `sleep` with payload `{"ms": N}`: holds a slot for N milliseconds (cancellable).
    public struct Sleep: JobHandler {
        public let kind = "sleep"
        public init() {}
        struct Payload: Decodable { let ms: Int }
        public func run(_ context: JobContext) async throws {
            let payload = try context.job.decodePayload(Payload.self)
            try await Task.sleep(for: .milliseconds(max(0, payload.ms)))
        }
    }

    /// `probe` with payload `{"ms": N, "failAttempts": K, "permanent": bool}`:
    /// sleeps, fails its first K attempts (permanently if asked), then writes one
    /// row to `benefit.probe_effect` in its fenced commit. A duplicated effect
    /// during a fire drill (kill -9, server restart) shows as a second row.
    public struct Probe: JobHandler {
        public let kind = "probe"
        public init() {}
        struct Payload: Decodable {
            var ms: Int?
            var failAttempts: Int?
            var permanent: Bool?
        }
        struct ProbeFailure: JobFailure, CustomStringConvertible {
            let attempt: Int
            let isRetryable: Bool
            var description: String { "probe failure on attempt \(attempt)" }
        }

        /// Its one statement, in the fenced commit: the effect, in `benefit.probe_effect`.
        static func recordEffect(_ job: ClaimedJob) -> PostgresQuery {
            "INSERT INTO benefit.probe_effect (job_id, lease_token) VALUES (\(job.id), \(job.leaseToken.rawValue))"
        }

        public func run(_ context: JobContext) async throws {
            let payload = try context.job.decodePayload(Payload.self)
            if let ms = payload.ms, ms > 0 { try await Task.sleep(for: .milliseconds(ms)) }
            if context.job.attempt <= payload.failAttempts ?? 0 {
                throw ProbeFailure(attempt: context.job.attempt, isRetryable: !(payload.permanent ?? false))
            }
            let job = context.job
            try await context.commit { try await $0.query(Self.recordEffect(job)) }
        }
    }
}
