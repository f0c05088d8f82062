import BenefitTestSupport
import Foundation
import PostgresClient
import Testing

@testable import BenefitTools

@Suite("Child processes")
struct ChildProcessGroupTests {
    @Test("a body that would end at once waits for a slow-starting worker to register; stopped, the worker drains and exits 0")
    func bodyWaitsForASlowStart() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 2)
            defer { pool.close() }
            // The worker starts a second later than the binary would: a stand-in for a
            // loaded machine. A SIGTERM in that second would kill it outright.
            let script = try TemporaryFiles.write("#!/bin/sh\nsleep 1\nexec '\(try BenefitProcess.binaryPath())' \"$@\"\n", named: "slow-benefit")
            try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: script)
            let group = try ChildProcessGroup(executablePath: script, database: configuration)
            let children = ChildProcessGroup.Child.workers(1, queues: ["slow-start"], concurrency: 1) { "slow-start-\($0)" }
            let runningWhenTheBodyStarted = try await group.run(children, registeringOn: pool) {
                try await pool.query("SELECT count(*) FROM benefit.processes WHERE name = 'slow-start-1' AND state = 'running'").single(Int.self)
            }
            #expect(runningWhenTheBodyStarted == 1)
            // It drained and said so: run returned only once it had exited 0.
            #expect(try await pool.query("SELECT state FROM benefit.processes WHERE name = 'slow-start-1'").single(String.self) == "stopped")
        }
    }
}
