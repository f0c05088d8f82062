import BenefitScheduler
import Foundation

/// Campaign files and helpers shared by the campaign suites.
enum CampaignFixtures {
    /// The validators the suites parse with.
    static let validators: [any ProgramParameterValidator] = [
        ReliefTestValidator(), ReliefTestValidator(program: "seasonal-relief"), NoParametersValidator(),
    ]

    /// When the suites' files are applied: before every `at:` instant they use, whatever the day the tests run.
    static let appliedAt = Date(timeIntervalSince1970: 1_767_225_600)  // 2026-01-01T00:00:00Z

    /// The example campaign file of DESIGN.md, "Campaign file (YAML)", verbatim.
    static let designExample = """
        name: winter-warmth                 # unique slug; the key for apply/pause/trigger
        title: 冬送温暖 2026
        program: seasonal-relief
        schedule:
          timezone: Asia/Shanghai
          lunar: "12-16 09:00"              # or cron: "0 9 1 12 *"; or at: 2026-12-20T09:00:00+08:00
          window: { from: 2026-11-01, until: 2027-03-31 }
          catchUp: latest
          overlap: skip
        execution:
          queue: relief
          batchSize: 500
          maxAttempts: 5
          backoff: { initial: 10s, max: 10m }
          lease: 60s
          priority: 0
          concurrency: 8                    # max running jobs of this campaign across all hosts
        cycle: yearly                       # yearly | monthly | run
        parameters:                         # validated by the program; unknown keys are errors
          season: winter-warmth
          eligibility: { hardshipTier: [1, 2, 3] }
          amounts: { "1": 2000, "2": 1200, "3": 800 }   # yuan per member, by tier
          budget: 5000000                   # yuan per cycle; never exceeded
        """

    /// A file with only the required keys, and `lines` appended (indented as written).
    static func minimal(_ lines: String = "", schedule: String = "cron: \"0 9 * * MON\"", timezone: String = "Asia/Shanghai") -> String {
        """
        name: minimal
        program: no-parameters
        schedule:
          timezone: \(timezone)
          \(schedule)
        \(lines)
        """
    }

    /// Parses a file that must be valid.
    static func parse(_ text: String, file: String = "test.yaml") throws -> CampaignDefinition {
        try CampaignFile.parse(text: text, fileName: file, validators: validators, now: appliedAt)
    }

    /// The problems of a file that must be invalid, as `LINE: PATH: MESSAGE` strings (the file name left out).
    static func problems(_ text: String) -> [String] {
        do {
            _ = try CampaignFile.parse(text: text, fileName: "f.yaml", validators: validators, now: appliedAt)
            return []
        } catch {
            return error.problems.map { $0.path.isEmpty ? "\($0.line): \($0.message)" : "\($0.line): \($0.path): \($0.message)" }
        }
    }
}
