import BenefitCore
import BenefitTestSupport
import BenefitWorkers
import Foundation
import PostgresClient
import Testing

/// `appointments move|cancel|no-show` and `places cancel`: one line each, exit 0,
/// 1 (refused by the database) or 64 (usage), audited, in `members show`.
@Suite("Booking commands")
struct BookingCommandTests {
    static let checkup = CampaignText.yaml(
        name: "checkup-2027", program: "health-checkup", overlap: "allow", batchSize: 40, queue: "booking",
        parameters: """
            { interval: 1y, startDate: 2027-03-06, holidays: [2027-04-05],
              hospitals: [{ name: 市第一人民医院, dailyCapacity: 5 }, { name: 中医附院, dailyCapacity: 4 }],
              packages: [{ name: standard }] }
            """)

    @Test("an operator moves, cancels and marks missed appointments: refusals in one line naming free days, usage errors exit 64")
    func appointmentCommands() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            try await TestDatabase.withLogins([.operator], on: configuration) { logins in
                let login = logins[.operator]!
                @discardableResult
                func benefit(_ arguments: [String], exit: Int32 = 0) async throws -> (out: String, err: String) {
                    try await CommandFixtures.expect(arguments, as: login, exit: exit)
                }
                let roster = TemporaryFiles.path(named: "roster.csv")
                _ = try await benefit(["members", "generate", "--count", "200", "--seed", "5", "--out", roster])
                _ = try await benefit(["members", "import", roster])
                _ = try await benefit(["campaign", "apply", try TemporaryFiles.write(Self.checkup, named: "checkup.yaml")])
                _ = try await benefit(["campaign", "trigger", "checkup-2027"])
                let pool = PostgresPool(configuration: configuration, maxConnections: 4)
                defer { pool.close() }
                let run = try await pool.query("SELECT max(id) FROM benefit.run").single(Int.self)
                try await CommandFixtures.workToTheEnd(run: run, queue: "booking", on: pool)

                let hospital = "市第一人民医院"
                let days = try await pool.query("""
                    SELECT appointment_date, count(*), min(member_id) FROM benefit.appointments WHERE hospital = \(hospital)
                    GROUP BY appointment_date ORDER BY appointment_date
                    """).decode((CalendarDate, Int, String).self)
                #expect(days.count >= 2 && days.first?.1 == 5, "\(days)")
                let full = days.first!.0
                let member = days.last!.2

                let refused = try await benefit(
                    ["appointments", "move", member, "--campaign", "checkup-2027", "--to", "\(full)", "--reason", "出差"], exit: 1)
                #expect(refused.err.contains("\(hospital) on \(full) is full (5 appointments a day); next free workdays: "), "\(refused.err)")
                #expect(refused.err.split(separator: "\n").count == 1, "\(refused.err)")
                let weekend = try await benefit(
                    ["appointments", "move", member, "--campaign", "checkup-2027", "--to", "2027-03-13", "--reason", "x"], exit: 1)
                #expect(weekend.err.contains("2027-03-13 is a weekend day; next free workdays: "), "\(weekend.err)")
                let unknown = try await benefit(
                    ["appointments", "cancel", member, "--campaign", "nope", "--reason", "x"], exit: 1)
                #expect(unknown.err.contains("no campaign named nope"), "\(unknown.err)")
                let wrongProgram = try await benefit(["places", "cancel", member, "--campaign", "checkup-2027", "--reason", "x"], exit: 1)
                #expect(wrongProgram.err.contains("runs health-checkup, not recuperation"), "\(wrongProgram.err)")
                _ = try await benefit(["appointments", "move", member, "--campaign", "checkup-2027", "--to", "2027-06-01"], exit: 64)
                _ = try await benefit(
                    ["appointments", "move", member, "--campaign", "checkup-2027", "--to", "2027-02-30", "--reason", "x"], exit: 64)
                _ = try await benefit(["appointments", "cancel", member, "--campaign", "checkup-2027", "--reason", " "], exit: 64)
                #expect(try await pool.query("SELECT count(*) FROM benefit.audit WHERE target_type IN ('appointment', 'place')")
                    .single(Int.self) == 0)

                let moved = try await benefit(
                    ["appointments", "move", member, "--campaign", "checkup-2027", "--to", "2027-06-01", "--hospital", "中医附院",
                     "--reason", "换班"])
                #expect(moved.out.contains("member \(member), checkup-2027 cycle 2026: \(hospital) \(days.last!.0) → 中医附院 2027-06-01"),
                        "\(moved.out)")
                let missed = try await benefit(["appointments", "no-show", member, "--campaign", "checkup-2027", "--cycle", "2026"])
                #expect(missed.out.contains("no-show at 中医附院 on 2027-06-01 recorded"), "\(missed.out)")
                let other = days.first!.2
                let cancelled = try await benefit(["appointments", "cancel", other, "--campaign", "checkup-2027", "--reason", "住院"])
                #expect(cancelled.out.contains("appointment at \(hospital) on \(full) cancelled"), "\(cancelled.out)")
                let again = try await benefit(["appointments", "cancel", other, "--campaign", "checkup-2027", "--reason", "住院"], exit: 1)
                #expect(again.err.contains("was already cancelled"), "\(again.err)")

                let actions = try await pool.query("""
                    SELECT action FROM benefit.audit WHERE target_type = 'appointment' ORDER BY audit_id
                    """).decode(String.self)
                #expect(actions == ["appointment.move", "appointment.no-show", "appointment.cancel"])
                let shown = try await benefit(["members", "show", member])
                #expect(shown.out.contains("appointment-moved") && shown.out.contains("appointment-no-show"), "\(shown.out)")
                let help = try await benefit(["appointments", "move", "--help"])
                #expect(help.out.contains("Database role: benefit_operator"), "\(help.out)")
            }
        }
    }
}
