/// How the runs layer names a run's jobs on the queue: the group `run:<id>`,
/// and the concurrency group `campaign:<id>` for campaigns with a `concurrency`
/// limit. The administrators' views (migrations/0009_generic_queue.sql) join
/// runs to jobs by the same name.
public enum RunGroup {
    /// The queue group of a run's planning and batch jobs.
    public static func key(runID: Int) -> String { "run:\(runID)" }

    /// The run a queue group names, if it names one.
    public static func runID(of group: String?) -> Int? {
        guard let group, group.hasPrefix("run:") else { return nil }
        return Int(group.dropFirst(4))
    }

    /// The concurrency group of a campaign's batches.
    static func concurrencyKey(campaignID: Int) -> String { "campaign:\(campaignID)" }
}
