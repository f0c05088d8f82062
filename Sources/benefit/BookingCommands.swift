import ArgumentParser
import BenefitAudit
import BenefitCore
import BenefitWorkers
import Foundation
import PostgresClient

/// The member and campaign every change after booking names.
struct BookingOptions: ParsableArguments {
    @Argument(help: "The member's id (membership number).")
    var memberID: String

    @Option(help: "The campaign that booked the member.")
    var campaign: String

    @Option(help: ArgumentHelp(
        "The cycle (as benefit.appointments and benefit.allocations name it); default: the campaign's latest cycle that booked the member.",
        valueName: "cycle"))
    var cycle: String?

    var booking: Booking { Booking(campaign: campaign, memberID: memberID, cycle: cycle) }
}

/// Why a booking changes: the database requires it of moves and cancels.
struct BookingReason: ParsableArguments {
    @Option(help: "Why, for the record (shown by benefit audit list and benefit members show).")
    var reason: String

    func validate() throws {
        if let problem = AuditEntry.reasonProblem(reason) { throw ValidationError("--reason: \(problem)") }
    }
}

/// Runs one booking change on the connection's pool, its refusal as the command's one line.
private func changingBooking<Value>(
    _ connection: ConnectionOptions, label: String, _ body: (PostgresPool) async throws -> Value
) async throws -> Value {
    let (pool, _) = try await connection.pool(label: label)
    do {
        return try await body(pool)
    } catch let refusal as BookingChanges.Refusal {
        throw CommandFailure(refusal.description)
    }
}

struct Appointments: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Move, cancel or mark missed a member's health-checkup appointment.",
        discussion: "Changes after booking are described in docs/programs.md (health-checkup).",
        subcommands: [Move.self, Cancel.self, NoShow.self])

    struct Move: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Move a member's checkup to another workday, of the same hospital or another.",
            discussion: """
                The appointment takes a free seat of the new day. A day whose appointments
                already fill the hospital's daily capacity, a weekend, one of the cycle's
                holidays or a day before the cycle's start is refused by the database, and
                the refusal names the hospital's next free workdays. Refused too while a run
                of the cycle is still booking. A checkup on a van (mode: vans) moves only to
                another day on which that van is at the same site; the refusal names those
                days. Recorded in the member's history and the audit trail (appointment.move).

                Example: benefit appointments move M0012345 --campaign checkup-2027 --to 2027-03-15 --hospital 中医附院 --reason "出差"

                \(RequiredRole.operator)
                """)

        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var target: BookingOptions

        @Option(help: ArgumentHelp("The new day.", valueName: "YYYY-MM-DD"), transform: OptionValues.date)
        var to: CalendarDate

        @Option(help: "The new hospital (one of the cycle's); default: the same one.")
        var hospital: String?

        @OptionGroup var why: BookingReason

        func run() async throws {
            let moved = try await changingBooking(connection, label: "benefit.appointments") { pool in
                try await BookingChanges.move(
                    AppointmentMove(target.booking, to: to, hospital: hospital, reason: why.reason), by: OperatorIdentity.current, on: pool)
            }
            printEscaped("member \(target.memberID), \(target.campaign) cycle \(moved.cycle): \(moved.fromHospital) \(moved.fromDate) → \(moved.toHospital) \(moved.toDate)")
        }
    }

    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Cancel a member's checkup appointment, freeing its seat.",
            discussion: """
                The seat is free for another member's move; the appointment stays, marked
                cancelled, and the member is not booked again in the cycle. Recorded in the
                member's history and the audit trail (appointment.cancel).

                Example: benefit appointments cancel M0012345 --campaign checkup-2027 --reason "住院"

                \(RequiredRole.operator)
                """)

        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var target: BookingOptions

        @OptionGroup var why: BookingReason

        func run() async throws {
            let cancelled = try await changingBooking(connection, label: "benefit.appointments") { pool in
                try await BookingChanges.cancelAppointment(target.booking, reason: why.reason, by: OperatorIdentity.current, on: pool)
            }
            printEscaped("member \(target.memberID), \(target.campaign) cycle \(cancelled.cycle): appointment at \(cancelled.place) on \(cancelled.date) cancelled")
        }
    }

    struct NoShow: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "no-show",
            abstract: "Record that a member did not come to their checkup.",
            discussion: """
                The seat stays taken (the day is gone). Shown in the member's history;
                recorded in the audit trail (appointment.no-show).

                Example: benefit appointments no-show M0012345 --campaign checkup-2027

                \(RequiredRole.operator)
                """)

        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var target: BookingOptions

        func run() async throws {
            let missed = try await changingBooking(connection, label: "benefit.appointments") { pool in
                try await BookingChanges.recordNoShow(target.booking, by: OperatorIdentity.current, on: pool)
            }
            printEscaped("member \(target.memberID), \(target.campaign) cycle \(missed.cycle): no-show at \(missed.place) on \(missed.date) recorded")
        }
    }
}

struct Places: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Cancel a member's recuperation place.",
        discussion: "Changes after booking are described in docs/programs.md (recuperation).",
        subcommands: [Cancel.self])

    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Cancel a member's recuperation place and give it back to its session.",
            discussion: """
                The place goes back to its session; the cycle's next run (a scheduled one,
                or benefit campaign trigger NAME) gives it to the first member of its
                ranking: the cycle's waitlist, ranked again. The allocation stays, marked
                cancelled. Refused while a run of the cycle is still placing. Recorded in
                the member's history and the audit trail (place.cancel).

                Example: benefit places cancel M0012345 --campaign spring-recuperation --reason "病假"

                \(RequiredRole.operator)
                """)

        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var target: BookingOptions

        @OptionGroup var why: BookingReason

        func run() async throws {
            let cancelled = try await changingBooking(connection, label: "benefit.places") { pool in
                try await BookingChanges.cancelPlace(target.booking, reason: why.reason, by: OperatorIdentity.current, on: pool)
            }
            printEscaped("member \(target.memberID), \(target.campaign) cycle \(cancelled.cycle): place at \(cancelled.place), session of \(cancelled.date), cancelled; the cycle's next run gives it to its waitlist (benefit campaign trigger \(target.campaign))")
        }
    }
}
