import BenefitCore
import BenefitTestSupport
import BenefitWorkers
import Foundation
import PostgresClient
import Testing

/// `benefit members units` and `members generate --units-out`, run as the real
/// binary by a login that holds benefit_operator alone.
@Suite("Member commands: the org units register")
struct MemberUnitsCommandTests {
    @Test("generate --units-out writes the register of the roster it generates; units imports it; a bad file writes nothing")
    func unitsRoundTrip() async throws {
        try await MemberCommandTests.withOperator { owner, login in
            let roster = TemporaryFiles.path(named: "roster.csv"), units = TemporaryFiles.path(named: "units.csv")
            try await CommandFixtures.succeed(["members", "generate", "--count", "3000", "--seed", "5", "--out", roster, "--units-out", units], as: login)
            try await CommandFixtures.succeed(["members", "import", roster], as: login)
            let expected = RosterGenerator.units(count: 3_000).count
            let output = try await CommandFixtures.succeed(["members", "units", units], as: login)
            #expect(output == "\(units): \(expected) added, 0 updated, 0 unchanged\n")
            #expect(try await owner.query("""
                SELECT count(*) FROM benefit.member m LEFT JOIN benefit.org_unit u USING (org_unit) WHERE u.district IS NULL
                """).single(Int.self) == 0)
            #expect(try await CommandFixtures.succeed(["members", "units", units], as: login)
                == "\(units): 0 added, 0 updated, \(expected) unchanged\n")

            let bad = try TemporaryFiles.write("org_unit,district\n新厂,城东区\n旧厂,\n", named: "units-bad.csv")
            let outcome = try await CommandFixtures.run(["members", "units", bad], as: login)
            #expect(outcome.exitCode == 1)
            let lines = outcome.standardError.split(separator: "\n").map(String.init)
            #expect(lines.count == 2 && lines.first == "\(bad):3: district: empty", "\(outcome.standardError)")
            #expect(lines.last?.hasSuffix("1 problem in \(bad); nothing was imported") == true, "\(outcome.standardError)")
            #expect(try await owner.query("SELECT count(*) FROM benefit.org_unit WHERE org_unit = '新厂'").single(Int.self) == 0)
            #expect(try await owner.query("SELECT count(*) FROM benefit.audit_event WHERE action = 'roster.units'").single(Int.self) == 2)
        }
    }
}
