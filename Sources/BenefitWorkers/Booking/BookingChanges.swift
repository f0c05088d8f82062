import BenefitCore
import Foundation
import PostgresClient

/// One member's booking in a campaign: the cycle given, or (nil) the latest
/// cycle in which the campaign booked them.
public struct Booking: Sendable, Equatable {
    public let campaign: String
    public let memberID: String
    public let cycle: String?

    public init(campaign: String, memberID: String, cycle: String? = nil) {
        self.campaign = campaign
        self.memberID = memberID
        self.cycle = cycle
    }
}

/// A checkup appointment moved to another workday, of the same hospital or (when
/// `hospital` is given) another hospital of the cycle.
public struct AppointmentMove: Sendable, Equatable {
    public let booking: Booking
    public let date: CalendarDate
    public let hospital: String?
    public let reason: String

    public init(_ booking: Booking, to date: CalendarDate, hospital: String? = nil, reason: String) {
        self.booking = booking
        self.date = date
        self.hospital = hospital
        self.reason = reason
    }
}

/// Where a checkup appointment was and where it is now.
public struct MovedAppointment: Sendable, Equatable {
    public let cycle: String
    public let fromHospital: String
    public let fromDate: CalendarDate
    public let toHospital: String
    public let toDate: CalendarDate
    public let seatInDay: Int
}

/// The booking a change acted on: its cycle, and the hospital and day (a checkup)
/// or the site and session's first day (a recuperation place).
public struct ChangedBooking: Sendable, Equatable {
    public let cycle: String
    public let place: String
    public let date: CalendarDate
}

/// An operator's changes after booking (docs/programs.md, changes after booking):
/// a checkup moved, cancelled or missed, a recuperation place cancelled.
///
/// Each is one call of a database function with the owner's rights
/// (migrations/0024_booking_changes.sql): it takes the locks planning takes, in
/// planning's order, so capacity is held by the same constraints whoever acts at
/// once; and it records the change in the member's history and the audit trail
/// in the same transaction.
public enum BookingChanges {
    /// Refused by the database, with nothing written: the one line says why (a
    /// full day or a non-workday names the hospital's next free workdays).
    public struct Refusal: Error, Sendable, Equatable, CustomStringConvertible {
        public let description: String
    }

    /// Moves the appointment; a full day, a weekend, a holiday or a day before the
    /// cycle's start is refused.
    public static func move(_ move: AppointmentMove, by operatorName: String, on pool: PostgresPool) async throws -> MovedAppointment {
        try await refusingPlainly {
            try await pool.transaction { transaction in
                let (cycle, fromHospital, fromDate, toHospital, toDate, seat) = try await transaction.query(BookingQueries.move(move, by: operatorName))
                    .single((String, String, CalendarDate, String, CalendarDate, Int).self)
                return MovedAppointment(
                    cycle: cycle, fromHospital: fromHospital, fromDate: fromDate, toHospital: toHospital, toDate: toDate, seatInDay: seat)
            }
        }
    }

    /// Cancels the appointment: its seat is free for another member's move.
    public static func cancelAppointment(
        _ booking: Booking, reason: String, by operatorName: String, on pool: PostgresPool
    ) async throws -> ChangedBooking {
        try await changed(BookingQueries.cancelAppointment(booking, reason: reason, by: operatorName), on: pool)
    }

    /// Records that the member did not come; the seat stays taken.
    public static func recordNoShow(_ booking: Booking, by operatorName: String, on pool: PostgresPool) async throws -> ChangedBooking {
        try await changed(BookingQueries.recordNoShow(booking, by: operatorName), on: pool)
    }

    /// Cancels the recuperation place: the cycle's next run gives it to the first
    /// member of the ranking (its waitlist, ranked again).
    public static func cancelPlace(
        _ booking: Booking, reason: String, by operatorName: String, on pool: PostgresPool
    ) async throws -> ChangedBooking {
        try await changed(BookingQueries.cancelPlace(booking, reason: reason, by: operatorName), on: pool)
    }

    private static func changed(_ query: PostgresQuery, on pool: PostgresPool) async throws -> ChangedBooking {
        try await refusingPlainly {
            try await pool.transaction { transaction in
                let (cycle, place, date) = try await transaction.query(query).single((String, String, CalendarDate).self)
                return ChangedBooking(cycle: cycle, place: place, date: date)
            }
        }
    }

    /// The functions' own refusals (no such booking, a full day, a run still
    /// booking, a cancelled appointment) become a ``Refusal`` with their message.
    private static func refusingPlainly<Value>(_ body: () async throws -> Value) async throws -> Value {
        do {
            return try await body()
        } catch let error as PostgresError where refusalStates.contains(error.sqlState ?? "") {
            throw Refusal(description: error.message)
        }
    }

    /// no_data_found, invalid_parameter_value, object_not_in_prerequisite_state, check_violation.
    private static let refusalStates: Set<String> = ["P0002", "22023", "55000", "23514"]
}
