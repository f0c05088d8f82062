/// Told when each attempt a worker runs comes to its end: after the end is
/// written (its completion, failure, cancellation or release committed), or
/// when the worker gives a lease up and leaves the job to the rescuer
/// (`leaseExpired`). Called on the worker's tasks: return quickly.
public protocol JobObserver: Sendable {
    func attemptEnded(_ job: ClaimedJob, outcome: AttemptOutcome)
}
