import ArgumentParser
import BenefitCore
import BenefitScheduler
import BenefitWorkers
import Foundation

/// How numeric options read their values: whatever the value looks like, and checked against the option's range as it is read.
///
/// swift-argument-parser takes `-5` after `--count` for an option's name and
/// says "Missing value for '--count <count>'". Every numeric option is declared
/// with `parsing: .unconditional` and one of these transforms instead, so `-5`
/// is read as the value, and a value out of range or not a number is refused
/// with the option and its range named:
/// `The value '-5' is invalid for '--count <count>': out of range; expected a whole number from 1 to 1000`.
enum OptionValues {
    /// A whole number in `range`.
    static func wholeNumber(_ range: ClosedRange<Int>) -> @Sendable (String) throws -> Int {
        { text in
            let expected = "a whole number \(describe(range))"
            guard let number = Int(text) else {
                // All digits (with a sign) is a number, only too long for an Int.
                let digits = text.drop { $0 == "-" || $0 == "+" }
                let isNumber = !digits.isEmpty && digits.allSatisfy { $0.isASCII && $0.isNumber }
                throw OptionValueError(isNumber ? "out of range; expected \(expected)" : "not a whole number; expected one \(describe(range))")
            }
            guard range.contains(number) else { throw OptionValueError("out of range; expected \(expected)") }
            return number
        }
    }

    /// A seed: any whole number from 0 to 2^64 − 1.
    static let seed: @Sendable (String) throws -> UInt64 = { text in
        guard let seed = UInt64(text) else {
            throw OptionValueError("not a seed; expected a whole number from 0 to \(UInt64.max)")
        }
        return seed
    }

    /// A duration such as `500ms`, `30s` or `2m` (see ``DurationText``) in `range`.
    static func duration(_ range: ClosedRange<Duration>) -> @Sendable (String) throws -> Duration {
        { text in
            let bounds = "from \(DurationText.format(range.lowerBound)) to \(DurationText.format(range.upperBound))"
            guard let duration = DurationText.parse(text) else {
                throw OptionValueError("not a duration; expected one such as 500ms, 30s or 2m, \(bounds)")
            }
            guard range.contains(duration) else { throw OptionValueError("out of range; expected a duration \(bounds)") }
            return duration
        }
    }

    /// A calendar date, `YYYY-MM-DD`.
    static let date: @Sendable (String) throws -> CalendarDate = { text in
        guard let date = CalendarDate(text) else { throw OptionValueError("not a date; expected YYYY-MM-DD, such as 2026-11-30") }
        return date
    }

    /// Yuan to add, or with a minus sign to take away: `200000`, `-500.50`; at most
    /// 2 decimals, never zero.
    static let yuanChange: @Sendable (String) throws -> Decimal = { text in
        let negative = text.hasPrefix("-")
        guard let amount = AidAmount.parse(negative ? String(text.dropFirst()) : text) else {
            throw OptionValueError("not an amount; expected yuan with at most 2 decimals, such as 200000 or -500.50")
        }
        return negative ? -amount : amount
    }

    /// A share in percent, 0 to 100, written `10`, `12.5` or `10%`.
    static let percent: @Sendable (String) throws -> Double = { text in
        let digits = text.hasSuffix("%") ? String(text.dropLast()).trimmingCharacters(in: .whitespaces) : text
        guard !digits.isEmpty, digits.allSatisfy({ ($0.isASCII && $0.isNumber) || $0 == "." }), let percent = Double(digits) else {
            throw OptionValueError("not a share; expected a percentage from 0 to 100, such as 10 or 2.5%")
        }
        guard (0...100).contains(percent) else { throw OptionValueError("out of range; expected a percentage from 0 to 100") }
        return percent
    }

    /// An instant with its UTC offset, as a campaign's `at:` writes it (see ``InstantText``): `2026-12-20T09:00:00+08:00`.
    static let instant: @Sendable (String) throws -> Date = { text in
        do throws(InstantText.Problem) {
            return try InstantText.parse(text)
        } catch {
            throw OptionValueError("not an instant; expected one with its UTC offset, such as 2026-12-20T09:00:00+08:00\(error.detail)")
        }
    }

    /// `from 1 to 1000`, or `of at least 1` when the range has no upper bound to speak of.
    private static func describe(_ range: ClosedRange<Int>) -> String {
        range.upperBound == .max ? "of at least \(range.lowerBound)" : "from \(range.lowerBound) to \(range.upperBound)"
    }
}

/// Why an option's value was refused; swift-argument-parser prints it after the option's name.
struct OptionValueError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
