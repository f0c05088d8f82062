import BenefitScheduler
import Foundation
import Testing

@Suite("Cron parsing")
struct CronParsingTests {
    @Test("names, steps, ranges and lists expand to the right values")
    func expansions() throws {
        let cron = try CronExpression(parsing: "5/20 0-23/6 1,15,31 jan,Jul-SEP MON-FRI/2")
        #expect(cron.minutes.values == [5, 25, 45])
        #expect(cron.hours.values == [0, 6, 12, 18])
        #expect(cron.daysOfMonth.values == [1, 15, 31])
        #expect(cron.months.values == [1, 7, 8, 9])
        #expect(cron.daysOfWeek.values == [1, 3, 5])
    }

    @Test("0 and 7 are both Sunday, and SUN in any case too")
    func sunday() throws {
        for spelling in ["0", "7", "SUN", "sun", "Sun", "0,7", "6-7"] {
            let cron = try CronExpression(parsing: "0 12 * * \(spelling)")
            #expect(cron.daysOfWeek.contains(0), "\(spelling)")
            #expect(!cron.daysOfWeek.contains(7), "\(spelling)")
        }
        #expect(try CronExpression(parsing: "0 12 * * */3").daysOfWeek.values == [0, 3, 6])
        #expect(try CronExpression(parsing: "0 12 * * 1/3").daysOfWeek.values == [1, 4])
    }

    @Test("fields may be separated by runs of spaces and tabs")
    func whitespace() throws {
        let cron = try CronExpression(parsing: "  0\t9   *  * \tFRI ")
        #expect(cron.minutes.values == [0])
        #expect(cron.daysOfWeek.values == [5])
    }

    @Test("every problem is reported, one message per problem", arguments: [
        ("0 0 32 * *", ["field 3 (day of month) has 32"]),
        ("0 0 * * FUNDAY", ["field 5 (day of week) has unknown name \"FUNDAY\""]),
        ("0 0 * *", ["expected 5 fields, found 4"]),
        ("", ["expected 5 fields, found 0"]),
        ("0 0 * * * *", ["expected 5 fields, found 6"]),
        ("61 24 0 13 8", [
            "field 1 (minute) has 61",
            "field 2 (hour) has 24",
            "field 3 (day of month) has 0",
            "field 4 (month) has 13",
            "field 5 (day of week) has 8",
        ]),
        ("*/0 1-2x 5,,6 JANUARY 5-1", [
            "field 1 (minute) has step 0 in \"*/0\"",
            "field 2 (hour) has malformed item \"1-2x\"",
            "field 3 (day of month) has an empty list item",
            "field 4 (month) has unknown name \"JANUARY\"",
            "field 5 (day of week) has range \"5-1\" that runs backwards",
        ]),
        ("70-80 * * * *", ["field 1 (minute) has 70", "field 1 (minute) has 80"]),
        ("MON * * JAN-FOO *", [
            "field 1 (minute) has unknown name \"MON\"",
            "field 4 (month) has unknown name \"FOO\"",
        ]),
        ("1-2-3 */ ** 1/x 99999999999999999999", [
            "field 1 (minute) has malformed item \"1-2-3\"",
            "field 2 (hour) has malformed item \"*/\"",
            "field 3 (day of month) has malformed item \"**\"",
            "field 4 (month) has malformed item \"1/x\"",
            "field 5 (day of week) has malformed item \"99999999999999999999\"",
        ]),
        ("0 9 * * FRI,", ["field 5 (day of week) has an empty list item"]),
    ])
    func problems(expression: String, messages: [String]) {
        #expect {
            try CronExpression(parsing: expression)
        } throws: { error in
            guard let error = error as? ScheduleError, case .invalidCron(let text, _) = error else { return false }
            #expect(text == expression)
            #expect(error.messages == messages)
            return true
        }
    }

    @Test("errors are typed, so callers can match on the problem")
    func typedErrors() {
        #expect(throws: ScheduleError.invalidCron(expression: "0 0 * *", problems: [.wrongFieldCount(found: 4)])) {
            try CronExpression(parsing: "0 0 * *")
        }
        #expect(throws: ScheduleError.invalidCron(expression: "0 0 32 * *", problems: [.valueOutOfRange(.dayOfMonth, value: 32)])) {
            try CronExpression(parsing: "0 0 32 * *")
        }
    }

    @Test("the error's description names the expression and all problems")
    func description() {
        let error = ScheduleError.invalidCron(
            expression: "61 * 32 * *",
            problems: [.valueOutOfRange(.minute, value: 61), .valueOutOfRange(.dayOfMonth, value: 32)]
        )
        #expect(error.description == "invalid cron \"61 * 32 * *\": field 1 (minute) has 61; field 3 (day of month) has 32")
    }
}
