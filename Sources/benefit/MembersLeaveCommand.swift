import ArgumentParser
import BenefitCore
import BenefitWorkers
import PostgresClient

extension LeaveReason: ExpressibleByArgument {
    public static var allValueStrings: [String] { given.map(\.rawValue) }

    public init?(argument: String) {
        // `absent` is the complete import's reason, not one an operator gives.
        guard let reason = LeaveReason(rawValue: argument), Self.given.contains(reason) else { return nil }
        self = reason
    }
}

extension Members {
    struct Leave: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record that a member left the union: on which day, and why.",
            discussion: """
                From that day on the member is in no program's population: a run whose fire
                date (in its campaign's zone) is on or after it leaves them out. Everything
                already done for them stays, and `benefit members show ID` lists it with the
                leave. A later roster import that lists the member brings them back.

                The date is when they left, today at the latest. The leave and its audit row
                (action member.leave, the note as its reason) are written together.

                Example: benefit members leave M0012345 --date 2026-11-30 --reason transferred --note "to the rail union"

                \(RequiredRole.operator)
                """)

        @OptionGroup var connection: ConnectionOptions

        @Argument(help: "The member's id (membership number).")
        var memberID: String

        @Option(help: ArgumentHelp("The day the member left.", valueName: "YYYY-MM-DD"), transform: OptionValues.date)
        var date: CalendarDate

        @Option(help: "Why: transferred (to another union), retired (from membership), deceased.")
        var reason: LeaveReason

        @Option(help: ArgumentHelp("Anything the record should say (up to 500 characters).", valueName: "text"))
        var note: String?

        func validate() throws {
            do {
                _ = try makeDeparture()
            } catch {
                throw ValidationError(error.message)
            }
        }

        private func makeDeparture() throws(MembershipError) -> Departure {
            try Departure(memberID: memberID, leftOn: date, reason: reason, note: note, today: .today())
        }

        func run() async throws {
            let departure = try makeDeparture()
            let (pool, _) = try await connection.pool(label: "benefit.members")
            do {
                try await MemberLeave.record(departure, by: OperatorIdentity.current, on: pool)
            } catch let error as MembershipError {
                throw CommandFailure(error.message)
            }
            printEscaped("member \(departure.memberID) left on \(departure.leftOn) (\(departure.reason.rawValue))")
        }
    }
}
