@testable import BenefitConsole
import BenefitScheduler
import Testing

/// The campaign page's line diff, without a database.
@Suite("Line diff")
struct LineDiffTests {
    @Test("a changed line reads as removed then added, kept lines stay in order, a line at the end is added")
    func changedLines() {
        let diff = LineDiff(old: "name: a\nmembers: 3\nqueue: runs\n", new: "name: a\nmembers: 5\nqueue: runs\nlease: 10s\n")
        #expect(diff.lines.map(\.mark) == [.kept, .removed, .added, .kept, .added])
        #expect(diff.lines.map(\.text) == ["name: a", "members: 3", "members: 5", "queue: runs", "lease: 10s"])
        #expect(diff.hasChanges)
    }

    @Test("equal texts have no changes; an empty old text is all added")
    func edges() {
        #expect(!LineDiff(old: "a\nb", new: "a\nb\n").hasChanges)
        #expect(LineDiff(old: "", new: "a\nb").lines.map(\.mark) == [.added, .added])
    }
}

/// Schedules in words and lunar days, without a database.
@Suite("Schedule words")
struct ScheduleWordsTests {
    @Test("lunar days are written as calendars write them")
    func lunarDays() {
        #expect([1, 10, 11, 20, 21, 30].map(ScheduleWords.lunarDay) == ["初一", "初十", "十一", "二十", "廿一", "三十"])
        #expect(ScheduleWords.lunarMonth(1) == "正月" && ScheduleWords.lunarMonth(12) == "腊月")
    }

    @Test("common cron shapes in words, others as written")
    func cron() throws {
        let weekly = try CronExpression(parsing: "30 8 * * 1")
        #expect(ScheduleWords.cron(weekly, .zh) == "每周一 08:30" && ScheduleWords.cron(weekly, .en) == "weekly on Monday at 08:30")
        let yearly = try CronExpression(parsing: "0 9 1 12 *")
        #expect(ScheduleWords.cron(yearly, .en) == "yearly on Dec 1 at 09:00")
        let irregular = try CronExpression(parsing: "*/15 9-17 * * 1-5")
        #expect(ScheduleWords.cron(irregular, .en) == "cron */15 9-17 * * 1-5")
    }
}
