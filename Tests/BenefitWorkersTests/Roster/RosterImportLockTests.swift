import BenefitCore
import BenefitTestSupport
import BenefitWorkers
import Foundation
import InMemoryLogging
import Logging
import PostgresClient
import Testing

/// Imports run one at a time (`MemberQueries.lockRoster`), which is what lets
/// them add new members with a plain INSERT, or COPY into an empty roster.
@Suite("Roster import lock")
struct RosterImportLockTests {
    @Test("an import by a benefit_operator login says who holds the roster's import lock, waits for it, then merges into the members that one added")
    func importWaitsForTheLock() async throws {
        try await TestDatabase.withFreshLogin(memberOf: .operator) { configuration, operatorLogin in
            let owner = PostgresPool(configuration: configuration, maxConnections: 2)
            defer { owner.close() }
            let log = InMemoryLogHandler()
            let login = PostgresPool(configuration: operatorLogin.configuration, maxConnections: 1, logger: Logger(label: "test") { _ in log })
            defer { login.close() }
            let members = ["A", "B", "C"].map {
                Member(memberID: "M-\($0)", name: "王伟", orgUnit: "市公交集团", gender: .male, birthDate: CalendarDate(year: 1980, month: 5, day: 1)!,
                       hireDate: nil, employment: .staff, hardshipTier: nil, frontline: false, modelWorker: false,
                       lastRecuperationYear: nil, lastCheckupDate: nil, childCollegeYear: nil)
            }
            let path = try RosterImportTests.write(members, named: "roster.csv")
            defer { try? FileManager.default.removeItem(atPath: path) }

            // Another session holds the lock an import merges under, and adds M-A
            // as the file has it and M-B with another name.
            let summary = try await owner.transaction { holder in
                try await holder.query("LOCK TABLE benefit.member IN SHARE UPDATE EXCLUSIVE MODE")
                let holderPID = try await holder.query("SELECT pg_backend_pid()").single(Int.self)
                try await holder.query("""
                    INSERT INTO benefit.member (member_id, name, org_unit, gender, birth_date, employment)
                    VALUES ('M-A', '王伟', '市公交集团', 'M', '1980-05-01', 'staff'), ('M-B', '李雷', '市公交集团', 'M', '1980-05-01', 'staff')
                    """)
                let importing = Task { try await RosterImport.run(path: path, by: "tester@tests", on: login) }
                let waits = try await eventually {
                    try await owner.query("""
                        SELECT count(*) FROM pg_stat_activity
                        WHERE wait_event_type = 'Lock' AND query LIKE 'LOCK TABLE benefit.member%' AND pid <> pg_backend_pid()
                        """).single(Int.self) == 1
                }
                #expect(waits, "the import did not wait for the lock")
                // One notice, naming the holder, said before the wait.
                let notices = log.entries.filter { $0.level == .notice }.map { "\($0.message)" }
                #expect(notices.count == 1 && notices.allSatisfy {
                    $0.hasPrefix("waiting for another session that holds the roster's import lock to finish: pid \(holderPID) (")
                }, "\(notices)")
                return importing
            }.value
            #expect(summary.added == 1 && summary.updated == 1 && summary.unchanged == 1, "\(summary)")
            let names = try await owner.query("SELECT member_id, name FROM benefit.member ORDER BY member_id").decode((String, String).self)
            #expect(names.map(\.0) == ["M-A", "M-B", "M-C"] && names.allSatisfy { $0.1 == "王伟" }, "\(names)")
            #expect(try await RosterImportTests.stored("M-C", on: owner) == members[2])
        }
    }
}
