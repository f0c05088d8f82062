import BenefitCore
import BenefitScheduler
import BenefitTools
import BenefitWorkers
import Foundation
import PostgresClient
import Synchronization

/// How `benefit demo` shows its steps, its runs' progress and its report.
///
/// On a terminal the runs' progress is redrawn in place, one line per run;
/// otherwise a plain line is printed when a run's state changes or at most
/// every two seconds, so a log or a pipe stays short.
final class DemoDisplay: Sendable {
    private struct State {
        var drawnLines = 0
        var rates: [Int: RunProgress] = [:]
        var lastPlain: ContinuousClock.Instant?
        var lastStates: [Int: RunState] = [:]
    }

    private let json: Bool
    private let terminal: Bool
    private let state = Mutex(State())

    init(json: Bool) {
        self.json = json
        self.terminal = !json && isatty(STDOUT_FILENO) == 1
    }

    func show(_ event: Demo.Event) {
        switch event {
        case .step(let what, let seconds):
            let line = "✓ \(what) (\(String(format: "%.1f", seconds)) s)"
            if json { printToStandardError([line]) } else { print(line) }
            state.withLock { $0.drawnLines = 0 }
        case .progress(let runs):
            guard !json else { return }
            state.withLock { state in terminal ? redraw(runs, &state) : printPlain(runs, &state) }
        }
    }

    private func redraw(_ runs: [RunSummary], _ state: inout State) {
        var text = state.drawnLines > 0 ? "\u{1B}[\(state.drawnLines)A" : ""
        let width = runs.map { DisplayWidth.of($0.campaign) }.max() ?? 0
        for run in runs {
            let (rate, remaining) = state.rates[run.runID, default: RunProgress()].rate(for: run)
            text += "\r\u{1B}[2K" + DisplayWidth.padded(run.campaign, to: width) + " "
                + RunProgress.line(run, perSecond: rate, remaining: remaining, width: 16) + "\n"
        }
        state.drawnLines = runs.count
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    private func printPlain(_ runs: [RunSummary], _ state: inout State) {
        let now = ContinuousClock.now
        let changed = runs.contains { state.lastStates[$0.runID] != $0.state }
        let due = state.lastPlain.map { now - $0 >= .seconds(2) } ?? true
        guard changed || due else { return }
        state.lastPlain = now
        for run in runs { state.lastStates[run.runID] = run.state }
        for run in runs { print("\(run.campaign): \(RunProgress.plainLine(run))") }
    }

    /// The report as a table.
    static func table(_ report: DemoReport) -> String {
        func money(_ value: Decimal?) -> String {
            value.map(NumberText.amount) ?? ""
        }
        let rows = report.campaigns.map { campaign -> [String] in
            let granted = campaign.amount.map { amount in "\(money(amount)) of \(money(campaign.budget))" } ?? ""
            let places = campaign.places.map { "\(TextTable.grouped($0)) of \(TextTable.grouped(campaign.capacity ?? 0))" } ?? ""
            return [
                campaign.campaign, campaign.program, campaign.state, TextTable.grouped(campaign.eligible),
                TextTable.grouped(campaign.served), TextTable.grouped(campaign.waitlisted), granted, places,
                String(format: "%.1f s", campaign.seconds),
            ]
        }
        let header = ["CAMPAIGN", "PROGRAM", "STATE", "MEMBERS", "SERVED", "WAITLISTED", "GRANTED (YUAN) OF BUDGET", "PLACES OF CAPACITY", "TIME"]
        return TextTable.render(header: header, rows: rows)
            + "\n\n\(TextTable.grouped(report.members)) members; the whole demo took \(String(format: "%.1f", report.seconds)) s."
    }

    /// Where the results are, and what an administrator would ask next.
    static func nextSteps(_ report: DemoReport, server: PostgresConfiguration, embedded: Bool) -> String {
        let password = embedded
            ? "(password: the file \(EmbeddedPostgres.defaultRoot().appendingPathComponent("password").path))"
            : "(password: as in your database URL)"
        return """
            The results stay in the database \(report.database). As an administrator:

              psql "\(server)"   \(password)

              -- every run, with its counts and the money it granted
              SELECT run_id, campaign, state, members_total, members_done, amount_total, duration FROM benefit.run_history ORDER BY run_id;
              -- budgets: spent and remaining per campaign and cycle
              SELECT campaign, cycle, budget, spent, remaining FROM benefit.budgets;
              -- checkups: how full each hospital is, day by day
              SELECT hospital, appointment_date, count(*) AS booked, max(daily_capacity) AS capacity FROM benefit.appointments GROUP BY 1, 2 ORDER BY 2, 1;
              -- recuperation: who was placed where, in rank order
              SELECT site, session_start, rank, member_id FROM benefit.allocations ORDER BY rank;
              -- who is on the waitlist, and why
              SELECT campaign, program, count(*), min(reason) FROM benefit.waitlist GROUP BY campaign, program;

            More questions and their SQL: docs/sql.md.

            Each campaign's evaluation (效果评估), a page to open in a browser or print:

            \(report.reports.map { "  " + $0 }.joined(separator: "\n"))
            """
    }
}
