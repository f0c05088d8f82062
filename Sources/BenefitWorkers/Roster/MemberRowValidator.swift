import BenefitCore

/// Checks one roster record against the rules of `benefit.member` and makes a ``Member`` of it.
///
/// The rules mirror the table's CHECK constraints (migrations/0004_members.sql)
/// so that a bad file is refused with a line and a column before anything is
/// sent, instead of by the first constraint the server trips over; two rules go
/// further than the table: a birth date may not be in the future, and values
/// must be written the one way documented in docs/programs.md.
struct MemberRowValidator: Sendable {
    /// Birth dates after this day are refused (the importer passes the local date).
    let today: CalendarDate
    let file: String

    static let earliestBirthDate = CalendarDate(year: 1900, month: 1, day: 1)!
    static let years = 1950...2200
    static let longestText = 200

    /// The member in `record`, or the problems that keep it from being one.
    ///
    /// Every column is checked, so one pass over a file lists every mistake in it.
    func member(from record: CSVRecord) -> (Member?, [RosterProblem]) {
        var problems: [RosterProblem] = []
        func problem(_ column: RosterColumn?, _ message: String) {
            problems.append(RosterProblem(file: file, line: record.line, column: column, message: message))
        }
        if let malformation = record.malformation {
            problem(RosterColumn.at(malformation.field), malformation.reason)
            return (nil, problems)
        }
        let fields = record.fields
        let expected = RosterColumn.allCases.count
        guard fields.count == expected else {
            if fields.count < expected {
                problem(RosterColumn.at(fields.count), "missing: the record has \(fields.count) fields, the header \(expected)")
            } else {
                problem(nil, "\(fields.count) fields, but the header has \(expected) (an unquoted comma inside a value?)")
            }
            return (nil, problems)
        }
        func text(_ column: RosterColumn) -> String { fields[RosterColumn.allCases.firstIndex(of: column)!] }

        let memberID = text(.memberID)
        if memberID.isEmpty {
            problem(.memberID, "required")
        } else if !RosterValue.isMemberID(memberID) {
            problem(.memberID, "\(RosterProblem.quoted(memberID)) is not a member number (1 to 32 letters, digits, '_', '.' or '-', starting with a letter or digit)")
        }
        for column in [RosterColumn.name, .orgUnit] {
            let value = text(column)
            // PostgreSQL's length() counts code points; no more of them than UTF-8 bytes, so short text needs no count.
            let length = value.utf8.count <= Self.longestText ? value.utf8.count : value.unicodeScalars.count
            if length == 0 {
                problem(column, "required")
            } else if length > Self.longestText {
                problem(column, "\(length) characters, more than \(Self.longestText)")
            }
        }
        let gender = Member.Gender(rawValue: text(.gender))
        if gender == nil {
            problem(.gender, text(.gender).isEmpty ? "required (F or M)" : "\(RosterProblem.quoted(text(.gender))) is not F or M")
        }
        let employment = Member.Employment(rawValue: text(.employment))
        if employment == nil {
            let allowed = "staff, retired, migrant or gig"
            problem(.employment, text(.employment).isEmpty ? "required (\(allowed))" : "\(RosterProblem.quoted(text(.employment))) is not \(allowed)")
        }

        var birthDate: CalendarDate?
        if text(.birthDate).isEmpty {
            problem(.birthDate, "required")
        } else if let date = RosterValue.date(text(.birthDate)) {
            if date < Self.earliestBirthDate {
                problem(.birthDate, "\(date) is before \(Self.earliestBirthDate)")
            } else if date > today {
                problem(.birthDate, "\(date) is in the future (today is \(today))")
            } else {
                birthDate = date
            }
        } else {
            problem(.birthDate, "\(RosterProblem.quoted(text(.birthDate))) is not a date (YYYY-MM-DD)")
        }
        let hireDate = optionalDate(text(.hireDate), .hireDate, problem)
        if let hireDate, let birthDate {
            let earliest = RosterValue.addingYears(14, to: birthDate)
            if hireDate < earliest {
                problem(.hireDate, "\(hireDate) is less than 14 years after birth_date \(birthDate)")
            }
        }
        let checkupDate = optionalDate(text(.lastCheckupDate), .lastCheckupDate, problem)
        if let checkupDate, let birthDate, checkupDate < birthDate {
            problem(.lastCheckupDate, "\(checkupDate) is before birth_date \(birthDate)")
        }

        var tier: Int?
        if !text(.hardshipTier).isEmpty {
            tier = RosterValue.wholeNumber(text(.hardshipTier)).flatMap { (1...3).contains($0) ? $0 : nil }
            if tier == nil {
                problem(.hardshipTier, "\(RosterProblem.quoted(text(.hardshipTier))) is not a hardship tier (1, 2 or 3; empty for none)")
            }
        }
        let frontline = flag(text(.frontline), .frontline, problem)
        let modelWorker = flag(text(.modelWorker), .modelWorker, problem)
        let recuperationYear = optionalYear(text(.lastRecuperationYear), .lastRecuperationYear, problem)
        let collegeYear = optionalYear(text(.childCollegeYear), .childCollegeYear, problem)

        guard problems.isEmpty, let gender, let employment, let birthDate else { return (nil, problems) }
        let member = Member(
            memberID: memberID, name: text(.name), orgUnit: text(.orgUnit), gender: gender, birthDate: birthDate,
            hireDate: hireDate, employment: employment, hardshipTier: tier, frontline: frontline ?? false,
            modelWorker: modelWorker ?? false, lastRecuperationYear: recuperationYear, lastCheckupDate: checkupDate,
            childCollegeYear: collegeYear)
        return (member, [])
    }

    private func optionalDate(_ text: String, _ column: RosterColumn, _ problem: (RosterColumn?, String) -> Void) -> CalendarDate? {
        guard !text.isEmpty else { return nil }
        guard let date = RosterValue.date(text) else {
            problem(column, "\(RosterProblem.quoted(text)) is not a date (YYYY-MM-DD; empty for none)")
            return nil
        }
        return date
    }

    private func optionalYear(_ text: String, _ column: RosterColumn, _ problem: (RosterColumn?, String) -> Void) -> Int? {
        guard !text.isEmpty else { return nil }
        guard let year = RosterValue.wholeNumber(text) else {
            problem(column, "\(RosterProblem.quoted(text)) is not a year (empty for none)")
            return nil
        }
        guard Self.years.contains(year) else {
            problem(column, "\(year) is outside \(Self.years.lowerBound)–\(Self.years.upperBound)")
            return nil
        }
        return year
    }

    private func flag(_ text: String, _ column: RosterColumn, _ problem: (RosterColumn?, String) -> Void) -> Bool? {
        guard let value = RosterValue.boolean(text) else {
            problem(column, "\(RosterProblem.quoted(text)) is not true or false (also yes/no, 1/0; empty for false)")
            return nil
        }
        return value
    }
}

/// How roster fields are written: the parsers behind ``MemberRowValidator``.
///
/// They work on UTF-8 bytes rather than through `split` or `Int(_:)`: a million
/// rows make three million dates, and these run in the import's hot loop.
enum RosterValue {
    /// `YYYY-MM-DD` with a day that exists.
    static func date(_ text: String) -> CalendarDate? {
        var text = text
        return text.withUTF8 { bytes -> CalendarDate? in
            guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return nil }
            func number(_ range: Range<Int>) -> Int? {
                var value = 0
                for index in range {
                    let digit = bytes[index] &- UInt8(ascii: "0")
                    guard digit < 10 else { return nil }
                    value = value * 10 + Int(digit)
                }
                return value
            }
            guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10) else { return nil }
            return CalendarDate(year: year, month: month, day: day)
        }
    }

    /// ASCII digits only, at most nine of them (no sign, no spaces).
    static func wholeNumber(_ text: String) -> Int? {
        guard (1...9).contains(text.utf8.count) else { return nil }
        var value = 0
        for byte in text.utf8 {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }

    /// `true`/`false`, `yes`/`no`, `1`/`0` in any case; empty is false.
    static func boolean(_ text: String) -> Bool? {
        switch text {
        case "true": return true
        case "false", "": return false
        default:
            switch text.lowercased() {
            case "true", "yes", "1": return true
            case "false", "no", "0": return false
            default: return nil
            }
        }
    }

    /// The table's rule for `member_id` (migrations/0036_member_number_check.sql): a letter or
    /// digit, then letters, digits, `_`, `.` or `-`, 1 to 32 characters in all.
    static func isMemberID(_ text: String) -> Bool {
        guard (1...32).contains(text.utf8.count) else { return false }
        for (index, byte) in text.utf8.enumerated() {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                continue
            case UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "-"):
                guard index > 0 else { return false }
            default:
                return false
            }
        }
        return true
    }

    /// `date + interval 'N years'` as PostgreSQL computes it: 29 February becomes 28 February.
    static func addingYears(_ years: Int, to date: CalendarDate) -> CalendarDate {
        let year = date.year + years
        return CalendarDate(year: year, month: date.month, day: min(date.day, CalendarDate.daysIn(month: date.month, year: year)))!
    }
}
