/// Campaign files for tests, as operators write them.
public enum CampaignText {
    /// A campaign file for tests: a cron schedule, quick retries, the given parameters (a YAML flow mapping);
    /// `timeout` (a duration such as `1s`) gives its batches one.
    ///
    /// The lease is long by default: amid the whole suite, two cores carry hundreds
    /// of threads, and a worker inside the test process can miss a heartbeat for
    /// seconds. A test about leases (their expiry, a takeover) passes a short one.
    public static func yaml(
        name: String, program: String, cron: String = "0 9 * * *", timezone: String = "UTC",
        catchUp: String = "latest", overlap: String = "skip", batchSize: Int = 500, concurrency: Int? = nil,
        queue: String = "runs", lease: String = "60s", timeout: String? = nil, parameters: String
    ) -> String {
        """
        name: \(name)
        program: \(program)
        schedule:
          timezone: \(timezone)
          cron: "\(cron)"
          catchUp: \(catchUp)
          overlap: \(overlap)
        execution:
          queue: \(queue)
          batchSize: \(batchSize)
          maxAttempts: 2
          backoff: { initial: 1s, max: 2s }
          lease: \(lease)
        \(concurrency.map { "  concurrency: \($0)" } ?? "")
        \(timeout.map { "  timeout: \($0)" } ?? "")
        parameters: \(parameters)
        """
    }
}
