import BenefitCore

/// How a campaign's runs are cut into jobs and how those jobs are run (the `execution` block).
///
/// Every field has a default, so a campaign file may leave the block out. The
/// bounds are those the queue's tables enforce (see `migrations/0002_queue.sql`),
/// checked here first so that an operator hears about them from the file, by
/// line, rather than from a constraint violation at run time.
public struct ExecutionPolicy: Sendable, Hashable {
    /// The queue the campaign's jobs go on; workers choose queues with `--queues`. Default `default`.
    ///
    /// A name as ``CampaignDefinition/isValidQueueName(_:)`` describes it.
    public var queue: String
    /// Members per batch job. Default 500, allowed 1–100,000.
    public var batchSize: Int
    /// Tries per job before it is dead. Default 5, allowed 1–1,000.
    public var maxAttempts: Int
    /// The first retry's delay bound; it doubles per attempt up to ``backoffMax``. Default 10 s.
    public var backoffInitial: Duration
    /// The largest retry delay bound. Default 10 min; at least ``backoffInitial``.
    public var backoffMax: Duration
    /// How long a claim lasts without a heartbeat before another worker may take the job over. Default 60 s, allowed 1 s–24 h.
    public var lease: Duration
    /// Claim order between queues' jobs: lower runs first. Default 0, allowed −32,768–32,767 (a `smallint`).
    public var priority: Int
    /// The most jobs of this campaign running at once across all hosts, or `nil` for no limit (the default).
    public var concurrency: Int?
    /// How long one attempt of a batch job may run before its worker stops it (the
    /// attempt ends `timed_out` and the batch retries under ``maxAttempts``), or `nil`
    /// for no limit (the default). Allowed 1 s–24 h.
    ///
    /// Batch jobs only: a run's planning job selects the eligible members of the
    /// whole roster at once, so its duration grows with the roster, not with
    /// ``batchSize``, and no one figure fits both.
    public var timeout: Duration?

    /// The policy with every default: what an empty or missing `execution` block means.
    public static let defaults = ExecutionPolicy()

    /// Creates a policy; callers pass values within the documented bounds, as ``CampaignFile`` checks them.
    public init(
        queue: String = "default", batchSize: Int = 500, maxAttempts: Int = 5,
        backoffInitial: Duration = .seconds(10), backoffMax: Duration = .seconds(600),
        lease: Duration = .seconds(60), priority: Int = 0, concurrency: Int? = nil, timeout: Duration? = nil
    ) {
        self.queue = queue
        self.batchSize = batchSize
        self.maxAttempts = maxAttempts
        self.backoffInitial = backoffInitial
        self.backoffMax = backoffMax
        self.lease = lease
        self.priority = priority
        self.concurrency = concurrency
        self.timeout = timeout
    }

    /// Allowed ``batchSize`` values.
    public static let batchSizeRange = 1...100_000
    /// Allowed ``maxAttempts`` values.
    public static let maxAttemptsRange = 1...1_000
    /// Allowed ``priority`` values: those of a PostgreSQL `smallint`.
    public static let priorityRange = Int(Int16.min)...Int(Int16.max)
    /// Allowed ``concurrency`` values: any positive `integer`.
    public static let concurrencyRange = 1...Int(Int32.max)
    /// Allowed ``lease`` values.
    ///
    /// At least a second, because heartbeats come every third of the lease and
    /// a shorter one would expire under an ordinary database hiccup; at most a
    /// day, the bound of the job table.
    public static let leaseRange = Duration.seconds(1)...Duration.seconds(86_400)
    /// Allowed ``timeout`` values: from a second, as a lease, to a day, beyond which
    /// a batch is stuck rather than slow.
    public static let timeoutRange = Duration.seconds(1)...Duration.seconds(86_400)
    /// Allowed backoff values: from retrying at once to waiting a day.
    public static let backoffRange = Duration.zero...Duration.seconds(86_400)
}
