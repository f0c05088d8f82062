import BenefitCore
import BenefitQueue
import BenefitScheduler
import BenefitTestSupport
import BenefitWorkers
import Foundation
import PostgresClient

/// Campaigns, runs and workers for the benefit programs' tests: the real
/// programs of ``BenefitPrograms``, in-process workers, and waiting for runs.
enum ProgramFixtures {
    /// A campaign file for one of the real programs; `parameters` is a YAML flow
    /// mapping. Fires on 1 December in Shanghai (catchUp none), a yearly cycle,
    /// quick retries.
    static func campaignYAML(
        name: String, program: String, queue: String, batchSize: Int = 250, lease: String = "10s", maxAttempts: Int = 5,
        priority: Int = 0, parameters: String
    ) -> String {
        """
        name: \(name)
        program: \(program)
        schedule:
          timezone: Asia/Shanghai
          cron: "0 9 1 12 *"
          catchUp: none
        execution:
          queue: \(queue)
          batchSize: \(batchSize)
          maxAttempts: \(maxAttempts)
          backoff: { initial: 100ms, max: 1s }
          lease: \(lease)
          priority: \(priority)
        cycle: yearly
        parameters: \(parameters)
        """
    }

    /// `PATH: MESSAGE` for each problem the real programs find in a campaign file, in the order reported.
    static func problems(inFile text: String) -> [String] {
        do {
            _ = try CampaignFile.parse(text: text, fileName: "f.yaml", validators: BenefitPrograms.catalog.validators)
            return []
        } catch {
            return error.problems.map { "\($0.path): \($0.message)" }
        }
    }

    /// `PATH: MESSAGE` for each problem a program finds in parameters as stored (JSON, no lines), in the order reported.
    static func problems(of program: any ProgramParameterValidator, inStored parameters: JSONValue) -> [String] {
        var reader = CampaignValueReader(file: "stored")
        program.validate(SourceValue(json: parameters, path: "parameters"), with: &reader)
        return reader.problems.map(\.pathAndMessage)
    }

    /// The example campaign `ops/campaigns/NAME.yaml`, as compiled into the binary
    /// and parsed with the real programs (which throws if any example is invalid).
    static func exampleCampaign(_ name: String) throws -> CampaignDefinition {
        guard let source = try ExampleCampaigns.all().first(where: { $0.fileName == "\(name).yaml" }) else {
            throw TestSetupError("no example campaign ops/campaigns/\(name).yaml")
        }
        return source.definition
    }

    /// Parses a campaign file with the real programs and applies it.
    @discardableResult
    static func apply(
        _ yaml: String, catalog: ProgramCatalog = BenefitPrograms.catalog, on pool: PostgresPool
    ) async throws -> [CampaignStore.Change] {
        let source = try CampaignStore.Source(parsing: yaml, fileName: "test.yaml", validators: catalog.validators)
        return try await CampaignStore.apply([source], dryRun: false, by: "test@host", on: pool)
    }

    /// An instant in `year` (1 December, 09:00 in Shanghai), so a run's cycle is that year.
    static func fireTime(year: Int, day: Int = 1) -> Date {
        var components = DateComponents(year: year, month: 12, day: day, hour: 9)
        components.timeZone = TimeZone(identifier: "Asia/Shanghai")
        return Calendar(identifier: .gregorian).date(from: components)!
    }

    /// Triggers a manual run at `fireTime` and returns its id.
    static func trigger(_ campaign: String, at fireTime: Date, on pool: PostgresPool) async throws -> Int {
        guard let runID = try await CampaignStore.trigger(campaign, at: fireTime, by: "tester@tests", on: pool) else {
            throw TestSetupError("campaign \(campaign) could not be triggered at \(fireTime)")
        }
        return runID
    }

    /// An in-process worker on `queue` running the real programs, telling `observers` of each attempt's end.
    static func worker(
        pool: PostgresPool, queue: String, name: String, concurrency: Int = 2, catalog: ProgramCatalog = BenefitPrograms.catalog,
        observers: [any JobObserver] = []
    ) -> Worker {
        var configuration = Worker.Configuration.forTests(queues: [queue], name: name, concurrency: concurrency)
        configuration.observers = observers
        return Worker(pool: pool, registry: BenefitPrograms.registry(programs: catalog), configuration: configuration, logger: TestDatabase.quietLogger)
    }

    /// Triggers a manual run of `campaign` in `year`'s cycle (on `day` of December)
    /// and runs it to its end with `workers` in-process workers on `queue`, which
    /// connect through `workerPool` (a login with the worker role, say), else `pool`.
    static func runToEnd(
        _ campaign: String, queue: String, year: Int = 2026, day: Int = 1, workers: Int = 1,
        pool: PostgresPool, workerPool: PostgresPool? = nil
    ) async throws -> RunSummary {
        let runID = try await trigger(campaign, at: fireTime(year: year, day: day), on: pool)
        return try await withWorkers(workers, queue: queue, pool: workerPool ?? pool) { try await finish(runID, pool: pool) }
    }

    /// Runs `body` while `count` in-process workers and a run finisher that watches
    /// them run, as `benefit worker` does, then stops them all.
    static func withWorkers<Result: Sendable>(
        _ count: Int, queue: String, pool: PostgresPool, concurrency: Int = 2, _ body: () async throws -> Result
    ) async throws -> Result {
        let finisher = RunFinisher(pool: pool, interval: .milliseconds(100), logger: TestDatabase.quietLogger)
        let workers = (1...count).map {
            worker(pool: pool, queue: queue, name: "w\($0)", concurrency: concurrency, observers: [finisher])
        }
        return try await withFinisher(finisher) { try await withWorkers(workers[...], body) }
    }

    private static func withWorkers<Result: Sendable>(_ workers: ArraySlice<Worker>, _ body: () async throws -> Result) async throws -> Result {
        guard let first = workers.first else { return try await body() }
        return try await withWorker(first) { try await withWorkers(workers.dropFirst(), body) }
    }

    /// Runs `finisher` while `body` runs.
    static func withFinisher<Result: Sendable>(_ finisher: RunFinisher, _ body: () async throws -> Result) async throws -> Result {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await finisher.run() }
            defer { group.cancelAll() }
            return try await body()
        }
    }

    /// Waits for the run to end and returns its final summary.
    static func finish(_ runID: Int, pool: PostgresPool, timeout: Duration = .seconds(120)) async throws -> RunSummary {
        var last: RunSummary?
        _ = try await eventually(timeout: timeout, every: .milliseconds(50)) {
            last = try await RunHistory.find(runID, on: pool)
            return last?.state.isFinal == true
        }
        guard let last, last.state.isFinal else { throw TestSetupError("run \(runID) did not finish: \(String(describing: last))") }
        return last
    }

    /// Batches of the run that have succeeded.
    static func batchesDone(_ runID: Int, pool: PostgresPool) async throws -> Int {
        try await RunHistory.find(runID, on: pool)?.batchesSucceeded ?? 0
    }

    /// Runs the run to its end on `workers` real `benefit worker` processes on
    /// `queue`, killing one with kill -9 each time the run has done the next of
    /// `thresholds` batches (after a random delay: up to 400 ms at 0, where the
    /// kill likely lands in planning, up to 40 ms after) and starting another in
    /// its place. The victim is a worker holding a running attempt of the run if
    /// one does within a moment, else one at random. Returns the run's final summary and the
    /// kills, for failure messages.
    ///
    /// One kill is made certain to interrupt a batch: `stall` (a `LOCK TABLE` on
    /// the program's effects table) is held in a transaction from the start until
    /// a batch attempt runs, whose worker is killed then, with its batch unable
    /// to commit. Its lease must expire for the batch to be taken over.
    static func finishKillingWorkers(
        _ runID: Int, queue: String, workers: Int, thresholds: [Int], stall: PostgresQuery,
        configuration: PostgresConfiguration, pool: PostgresPool
    ) async throws -> (summary: RunSummary, kills: [String]) {
        let environment = ["DATABASE_URL": try TestDatabase.url(of: configuration)]
        let arguments = ["worker", "--queues", queue, "--concurrency", "4", "--poll-interval", "100ms", "--log-level", "error"]
        var kills: [String] = []
        let summary = try await withProcessGroup { (processes: ProcessGroup) async throws -> RunSummary in
            var running: [ProcessGroup.Handle] = []
            // The stalled kill: no batch of the run can commit while the lock is held.
            let stalled = try await PostgresConnection.connect(to: configuration)
            try await stalled.query("BEGIN")
            try await stalled.query(stall)
            for index in 0..<workers {
                running.append(await processes.start("\(queue)-\(index)", arguments, environment: environment))
            }
            var busy: [Int] = []
            _ = try await eventually(timeout: .seconds(60), every: .milliseconds(5)) {
                busy = try await pool.query("""
                    SELECT a.pid FROM benefit.job_attempts a JOIN benefit.jobs j USING (job_id)
                    WHERE a.run_id = \(runID) AND a.outcome = 'running' AND j.kind = \(RunLauncher.batchKind)
                    """).decode(Int.self)
                return !busy.isEmpty
            }
            guard let stalledVictim = running.indices.first(where: { running[$0].processID.map { busy.contains(Int($0)) } ?? false }) else {
                throw TestSetupError("no worker process holds the running batch attempts \(busy)")
            }
            await processes.kill9(running[stalledVictim])
            kills.append("\(running[stalledVictim].name) holding a stalled batch")
            running[stalledVictim] = await processes.start("\(queue)-restart-stalled", arguments, environment: environment)
            try await stalled.query("COMMIT")
            for (round, threshold) in thresholds.enumerated() {
                guard try await eventually(timeout: .seconds(120), every: .milliseconds(5), {
                    try await batchesDone(runID, pool: pool) >= threshold
                }) else {
                    throw TestSetupError("run \(runID) did not reach \(threshold) batches done; kills so far: \(kills)")
                }
                let delay = Int.random(in: threshold == 0 ? 50...400 : 0...40)
                try await Task.sleep(for: .milliseconds(delay))
                // A worker holding a job of the run, so the kill interrupts work: watched for
                // a moment, as a job runs for milliseconds; none once the run is over.
                var busy: [Int] = []
                _ = try await eventually(timeout: .seconds(2), every: .milliseconds(1)) {
                    let attempts = try await pool.query(
                        "SELECT pid FROM benefit.job_attempts WHERE run_id = \(runID) AND outcome = 'running'")
                    busy = try attempts.decode(Int.self)
                    let run = try await RunHistory.find(runID, on: pool)
                    return !busy.isEmpty || run?.state.isFinal == true
                }
                let victim = running.indices.first { running[$0].processID.map { busy.contains(Int($0)) } ?? false }
                    ?? Int.random(in: 0..<running.count)
                await processes.kill9(running[victim])
                kills.append("\(running[victim].name) at \(try await batchesDone(runID, pool: pool)) batches (+\(delay) ms)")
                running[victim] = await processes.start("\(queue)-restart-\(round)", arguments, environment: environment)
            }
            return try await finish(runID, pool: pool, timeout: .seconds(180))
        }
        return (summary, kills)
    }
}
