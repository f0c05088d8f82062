import Foundation
import PostgresClient

/// One queue as operators see it (`benefit queues list`, `benefit status`, the
/// console's overview): what waits on it (``QueueDepth``), whether it is paused,
/// and how many running workers claim from it.
///
/// Its JSON is the depth's keys, with `paused` (the pause, or null) and `workers` beside them.
public struct QueueSummary: Sendable, Codable, Equatable {
    public let depth: QueueDepth
    /// Its pause, when it is paused.
    public let pause: QueuePause?
    /// Running workers (not draining, not gone) that list it in their queues.
    public let workers: Int

    public var queue: String { depth.queue }

    public init(depth: QueueDepth, pause: QueuePause?, workers: Int) {
        self.depth = depth
        self.pause = pause
        self.workers = workers
    }

    /// Every queue known: those with jobs available, running or dead (`depths`),
    /// those paused, and those a running worker claims from; by name.
    public static func merge(depths: [QueueDepth], pauses: [QueuePause], processes: [ProcessRecord]) -> [QueueSummary] {
        let served = processes.filter { $0.role == .worker && $0.state == .running }.flatMap(\.queues)
        let pauseOf = Dictionary(pauses.map { ($0.queue, $0) }, uniquingKeysWith: { first, _ in first })
        let depthOf = Dictionary(depths.map { ($0.queue, $0) }, uniquingKeysWith: { first, _ in first })
        let names = Set(depths.map(\.queue)).union(pauses.map(\.queue)).union(served).sorted()
        return names.map { name in
            QueueSummary(
                depth: depthOf[name] ?? QueueDepth(queue: name), pause: pauseOf[name], workers: served.filter { $0 == name }.count)
        }
    }

    /// Reads the depths, the pauses and the processes, and merges them (``merge(depths:pauses:processes:)``).
    public static func all(on pool: PostgresPool) async throws -> [QueueSummary] {
        let queue = JobQueue(pool: pool)
        async let depths = queue.depths()
        async let pauses = queue.pauses()
        async let processes = ProcessRegistry.list(on: pool)
        return try await merge(depths: depths, pauses: pauses, processes: processes)
    }

    private enum Keys: String, CodingKey {
        case paused, workers
    }

    public init(from decoder: any Decoder) throws {
        depth = try QueueDepth(from: decoder)
        let container = try decoder.container(keyedBy: Keys.self)
        pause = try container.decodeIfPresent(QueuePause.self, forKey: .paused)
        workers = try container.decode(Int.self, forKey: .workers)
    }

    public func encode(to encoder: any Encoder) throws {
        try depth.encode(to: encoder)
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(pause, forKey: .paused)
        try container.encode(workers, forKey: .workers)
    }
}
