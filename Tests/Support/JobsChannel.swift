import PostgresClient

/// The payload of the first notification on the queue's channel (`benefit_jobs`)
/// after `action`, and then of a marker sent after it: a NOTIFY that `action`
/// committed arrives before the marker, one it did not is never seen.
public func firstJobsNotification(
    after action: () async throws -> Void, configuration: PostgresConfiguration
) async throws -> String? {
    let listener = try await PostgresConnection.connect(to: configuration)
    try await listener.listen("benefit_jobs")
    try await action()
    try await PostgresConnection.connect(to: configuration).query("SELECT pg_notify('benefit_jobs', 'marker')")
    var iterator = listener.notifications().makeAsyncIterator()
    return try await iterator.next()?.payload
}
