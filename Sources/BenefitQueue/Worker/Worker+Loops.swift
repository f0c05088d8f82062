import BenefitCore
import PostgresClient

/// The worker's background loops: the listener, the heartbeat, the completer, the rescuer, the attempts' partitions.
extension Worker {
    /// LISTEN on a connection of its own (waiting in `poll` holds it), where
    /// `configuration.listening` says; wakes the claim loop when a job arrives on
    /// one of this worker's queues.
    func listen() async {
        let database: PostgresConfiguration
        switch configuration.listening {
        case .poolDatabase: database = queue.pool.configuration
        case .database(let direct): database = direct
        case .off:
            logger.info("not listening for new jobs: polling for them", metadata: ["poll_interval": "\(configuration.pollInterval)"])
            return
        }
        var failures = 0
        while !Task.isCancelled {
            do {
                let connection = try await PostgresConnection.connect(to: database, logger: logger)
                try await connection.listen(JobQueries.channel)
                failures = 0
                // Anything enqueued while we were not listening has not been announced.
                wakeup.signal()
                for try await notification in connection.notifications()
                where configuration.queues.contains(notification.payload) {
                    wakeup.signal()
                }
                return
            } catch {
                // Stopped in the middle (shutdown): not an outage.
                if Task.isCancelled { return }
                failures += 1
                outage.failed("listening for new jobs", error, logger: logger)
                try? await Task.sleep(for: Self.reconnectDelay(failures))
            }
        }
    }

    /// Every third of the shortest lease held (20 ms to 10 s), extends every lease
    /// whose handler runs, in one statement. A lease the answer leaves out is gone;
    /// when the database cannot be reached, each lease is judged by its local deadline.
    func heartbeat() async {
        while !Task.isCancelled {
            let shortestLease = inFlight.shortestLease
            try? await Task.sleep(for: max(.milliseconds(20), min(shortestLease / 3, .seconds(10))))
            // Leases whose end is being written are neither extended nor judged: the
            // write's fence decides. Each goes with its ticket, so that an answer that
            // crossed one of the attempt's commits is known to be stale.
            let leases = inFlight.snapshot().compactMap { lease in lease.heartbeatTicket.map { (lease: lease, ticket: $0) } }
            guard !leases.isEmpty, !Task.isCancelled else { continue }
            let sentAt = ContinuousClock.now
            do {
                let held = try await queue.extendLeases(leases.map(\.lease.job.leaseKey))
                metrics.leasesExtended.increment(by: held.count)
                for (lease, ticket) in leases {
                    let found = held.contains(lease.job.leaseKey)
                    apply(found ? .extended(until: sentAt + lease.job.leaseDuration, ticket: ticket) : .lost(ticket: ticket), to: lease)
                }
            } catch {
                // Stopped in the middle (shutdown): not an outage.
                if Task.isCancelled { return }
                // A worker that cannot extend its lease stops that job's work, when its
                // deadline passes (watchDeadlines).
                outage.failed("extending leases", error, logger: logger)
            }
        }
    }

    /// Judges every lease by its local deadline, often (a tenth of the shortest lease,
    /// 20 ms to 1 s), whatever the heartbeat is doing: a heartbeat statement stuck on
    /// a cut network must not keep a handler running past the lease it can no
    /// longer vouch for.
    func watchDeadlines() async {
        while !Task.isCancelled {
            let shortestLease = inFlight.shortestLease
            try? await Task.sleep(for: max(.milliseconds(20), min(shortestLease / 10, .seconds(1))))
            let now = ContinuousClock.now
            for lease in inFlight.snapshot() { apply(.clock(now: now), to: lease) }
        }
    }

    /// Completes finished jobs that no claim took along: those that have waited
    /// `completionDelay` (the queue went quiet, or every slot is taken by long
    /// jobs), or a full batch at once.
    func completeInBatches() async {
        while !Task.isCancelled {
            let (_, oldest) = completions.waiting
            let waited = oldest.map { ContinuousClock.now - $0 } ?? .zero
            await completionWakeup.wait(timeout: configuration.completionDelay - waited)
            guard !Task.isCancelled else { return }
            let (count, since) = completions.waiting
            guard let since else { continue }
            if count < configuration.completionBatchSize, ContinuousClock.now - since < configuration.completionDelay { continue }
            await flushCompletions()
        }
    }

    /// Writes every waiting completion, retrying through an outage (at shutdown, up
    /// to 50 tries; the rescuer takes what is left).
    func flushCompletions() async {
        var failures = 0
        while true {
            let batch = completions.drain(max: configuration.completionBatchSize)
            if batch.isEmpty { return }
            do {
                let outcomes = try await queue.completeMany(batch.map(\.job.leaseKey))
                outage.recovered(logger: logger)
                settleCompletions(batch, outcomes)
            } catch {
                completions.putBack(batch)
                failures += 1
                outage.failed("completing jobs", error, logger: logger)
                if Task.isCancelled || failures > 50 { return }
                try? await Task.sleep(for: Self.reconnectDelay(failures))
            }
        }
    }

    func rescue() async {
        let rescuer = JobRescuer(pool: queue.pool, configuration: configuration.rescuer, logger: logger)
        while !Task.isCancelled {
            try? await Task.sleep(for: configuration.rescuer.interval)
            guard !Task.isCancelled else { return }
            do {
                try await rescuer.runOnce()
            } catch {
                if Task.isCancelled { return }
                outage.failed("rescuing expired leases", error, logger: logger)
            }
        }
    }

    /// Keeps the attempts' monthly partitions three months ahead
    /// (migrations/0019_attempt_partitions.sql): at start, then hourly, or a minute
    /// after a failure. Every worker does, since workers write the attempts. A loop
    /// of its own, and the database gives up a lock it cannot have within a second,
    /// so making a month never holds up the rescuer, a claim or a completion.
    func keepAttemptPartitionsAhead() async {
        while !Task.isCancelled {
            var wait = Duration.seconds(3_600)
            do {
                let made = try await queue.extendAttemptPartitions()
                if !made.isEmpty { logger.info("made attempt partitions", metadata: ["partitions": "\(made.joined(separator: ","))"]) }
            } catch {
                if Task.isCancelled { return }
                outage.failed("making the attempts' partitions ahead", error, logger: logger)
                wait = .seconds(60)
            }
            try? await Task.sleep(for: wait)
        }
    }
}
