import BenefitCore
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

    /// `probe` with payload `{"ms": N, "failAttempts": K, "permanent": bool, "stubborn": bool, "clock": bool}`:
    /// sleeps, fails its first K attempts (permanently if asked), then writes one
    /// row to `benefit.probe_effect` in its fenced commit. A duplicated effect
    /// during a fire drill (kill -9, server restart, a network cut) shows as a
    /// second row. With `"clock": true` the row also holds when the handler
    /// started, on the host's monotonic clock (`handler_started_ns`): what
    /// `benefit bench queue` measures pickup latency to.
    ///
    /// `"stubborn": true` makes it a handler that does not stop when told: its
    /// sleep ignores cancellation, so a worker that lost the lease cannot cut it
    /// short, and it then tries its fenced commit anyway, as a handler stuck in
    /// code that never checks for cancellation would. What a drill shows with it
    /// is that such a late commit writes nothing. Default false: the sleep ends
    /// as soon as the worker stops the handler.
    public struct Probe: JobHandler {
        public let kind = "probe"
        public init() {}
        struct Payload: Decodable {
            var ms: Int?
            var failAttempts: Int?
            var permanent: Bool?
            var stubborn: Bool?
            var clock: Bool?
        }
        struct ProbeFailure: JobFailure, CustomStringConvertible {
            let attempt: Int
            let isRetryable: Bool
            var description: String { "probe failure on attempt \(attempt)" }
        }

        /// Its one statement, in the fenced commit: the effect, in `benefit.probe_effect`.
        static func recordEffect(_ job: ClaimedJob, started: Int64?) -> PostgresQuery {
            """
            INSERT INTO benefit.probe_effect (job_id, lease_token, handler_started_ns)
            VALUES (\(job.id), \(job.leaseToken.rawValue), \(started))
            """
        }

        public func run(_ context: JobContext) async throws {
            // First, before anything else the handler does: the pickup's end.
            let started = MonotonicClock.nanoseconds()
            let payload = try context.job.decodePayload(Payload.self)
            if let ms = payload.ms, ms > 0 {
                if payload.stubborn ?? false {
                    // An unstructured task does not inherit this task's cancellation:
                    // the worker's stop cannot reach the sleep, and nothing here checks
                    // for it before the commit below.
                    await Task { try? await Task.sleep(for: .milliseconds(ms)) }.value
                } else {
                    try await Task.sleep(for: .milliseconds(ms))
                }
            }
            if context.job.attempt <= payload.failAttempts ?? 0 {
                throw ProbeFailure(attempt: context.job.attempt, isRetryable: !(payload.permanent ?? false))
            }
            let job = context.job
            let clock = payload.clock ?? false
            try await context.commit { try await $0.query(Self.recordEffect(job, started: clock ? started : nil)) }
        }
    }
}
