import BenefitCore
import BenefitScheduler
import Foundation

/// The progress line `benefit runs watch` draws: a bar on a terminal, plain lines otherwise.
public struct RunProgress: Sendable {
    private var firstSample: (at: ContinuousClock.Instant, members: Int)?

    public init() {}

    /// Members per second since watching began, and the time left at that rate.
    public mutating func rate(for run: RunSummary, at now: ContinuousClock.Instant = .now) -> (perSecond: Double, remaining: Duration?) {
        guard let first = firstSample else {
            firstSample = (now, run.membersDone)
            return (0, nil)
        }
        let seconds = (now - first.at).seconds
        guard seconds > 0.2 else { return (0, nil) }
        let perSecond = Double(run.membersDone - first.members) / seconds
        guard perSecond > 0 else { return (0, nil) }
        let left = Double(max(0, run.membersTotal - run.membersDone)) / perSecond
        return (perSecond, .milliseconds(Int(left * 1000)))
    }

    /// `run 12 [██████░░░░] 60% running batches 120/200 (1 dead) members 60,000/100,000 5,120/s ETA 8s`;
    /// `held` in place of the state for a run whose campaign holds it.
    public static func line(_ run: RunSummary, perSecond: Double, remaining: Duration?, held: Bool = false, width: Int = 24) -> String {
        let fraction = run.batchesTotal == 0 ? (run.state.isFinal ? 1 : 0) : Double(run.batchesSucceeded + run.batchesDead) / Double(run.batchesTotal)
        let filled = Int((fraction * Double(width)).rounded(.down))
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        var text = "run \(run.runID) [\(bar)] \(Int(fraction * 100))% \(held ? "held" : run.state.rawValue)"
        text += " batches \(run.batchesSucceeded + run.batchesDead)/\(run.batchesTotal)"
        if run.batchesDead > 0 { text += " (\(run.batchesDead) dead)" }
        text += " members \(TextTable.grouped(run.membersDone))/\(TextTable.grouped(run.membersTotal))"
        if perSecond > 0 { text += " \(TextTable.grouped(Int(perSecond)))/s" }
        if let remaining, !run.state.isFinal { text += " ETA \(DurationText.format(.seconds(max(1, remaining.components.seconds))))" }
        return text
    }

    /// The same facts as one plain line, for logs and pipes.
    public static func plainLine(_ run: RunSummary, held: Bool = false) -> String {
        "run \(run.runID) \(held ? "held" : run.state.rawValue): batches \(run.batchesSucceeded) succeeded, \(run.batchesDead) dead of \(run.batchesTotal); members \(run.membersDone) of \(run.membersTotal)"
    }
}
