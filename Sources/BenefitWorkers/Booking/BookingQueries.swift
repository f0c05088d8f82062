import BenefitCore
import Foundation
import PostgresClient

/// The statements behind an operator's changes after booking: each calls one
/// function of migrations/0024_booking_changes.sql, which takes the planners'
/// locks, changes the effect, and writes the history and audit rows in the
/// caller's transaction.
enum BookingQueries {
    /// Run by `benefit appointments move`: `cycle, from_hospital, from_date, to_hospital, to_date, seat_in_day`.
    static func move(_ move: AppointmentMove, by operatorName: String) -> PostgresQuery {
        """
        SELECT cycle, from_hospital, from_date, to_hospital, to_date, seat_in_day
        FROM benefit.move_appointment(\(move.booking.campaign), \(move.booking.memberID), \(move.booking.cycle)::text,
                                      \(move.date)::date, \(move.hospital)::text, \(move.reason), \(operatorName))
        """
    }

    /// Run by `benefit appointments cancel`: `cycle, hospital, appointment_date`.
    static func cancelAppointment(_ booking: Booking, reason: String, by operatorName: String) -> PostgresQuery {
        """
        SELECT cycle, hospital, appointment_date
        FROM benefit.cancel_appointment(\(booking.campaign), \(booking.memberID), \(booking.cycle)::text, \(reason), \(operatorName))
        """
    }

    /// Run by `benefit appointments no-show`: `cycle, hospital, appointment_date`.
    static func recordNoShow(_ booking: Booking, by operatorName: String) -> PostgresQuery {
        """
        SELECT cycle, hospital, appointment_date
        FROM benefit.record_no_show(\(booking.campaign), \(booking.memberID), \(booking.cycle)::text, \(operatorName))
        """
    }

    /// Run by `benefit places cancel`: `cycle, site, session_start`.
    static func cancelPlace(_ booking: Booking, reason: String, by operatorName: String) -> PostgresQuery {
        """
        SELECT cycle, site, session_start
        FROM benefit.cancel_place(\(booking.campaign), \(booking.memberID), \(booking.cycle)::text, \(reason), \(operatorName))
        """
    }
}
