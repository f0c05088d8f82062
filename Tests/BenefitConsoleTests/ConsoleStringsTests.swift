@testable import BenefitConsole
import BenefitAudit
import BenefitQueue
import BenefitScheduler
import BenefitWorkers
import Testing

/// The label table: every label in both languages, and one for every value the
/// pages name a label after (a state, an outcome, a trigger).
@Suite("Console strings")
struct ConsoleStringsTests {
    @Test("every label says something in both languages")
    func bothLanguages() {
        for (key, entry) in Strings.table {
            #expect(!entry.zh.isEmpty && !entry.en.isEmpty, "label \(key)")
        }
    }

    @Test("each run state, job state, attempt outcome, trigger, audit action and member-history kind has its label")
    func labelsForValues() {
        let keys = RunState.allCases.map { "runState_" + $0.rawValue } + JobState.allCases.map { "jobState_" + $0.rawValue }
            + AttemptOutcome.allCases.map { "outcome_" + $0.rawValue }
            + RunTrigger.allCases.map { "trigger_" + $0.rawValue }
            + AuditAction.allCases.map { "action_" + $0.rawValue }
            + MemberFile.Entry.Kind.known.map { "entry_" + $0.rawValue }
        for key in keys {
            #expect(Strings.table[key] != nil, "no label \(key)")
        }
    }
}
