import BenefitCore
import Foundation

/// An import of a file that is the whole roster (`members import --complete`):
/// every active member absent from it leaves, on the import's day, as `absent`.
///
/// A wrong file (one branch's part, last year's export) would make thousands
/// leave at once, so an import that would make more than ``maxLeavingPercent``
/// of the active members leave is refused whole.
public struct CompleteRoster: Sendable, Hashable {
    /// The share of active members that may leave in one import unless said otherwise: 10 %.
    public static let defaultMaxLeavingPercent = 10.0

    /// The most that may leave, in percent of the members active before the import (0 to 100).
    public let maxLeavingPercent: Double

    /// - Parameter maxLeavingPercent: 0 to 100; 100 lets any number leave.
    public init(maxLeavingPercent: Double = defaultMaxLeavingPercent) {
        precondition((0...100).contains(maxLeavingPercent), "a share is 0 to 100 percent")
        self.maxLeavingPercent = maxLeavingPercent
    }

    /// Whether `leaving` of `active` members may leave in one import.
    public func allows(leaving: Int, of active: Int) -> Bool {
        leaving == 0 || Double(leaving) * 100 <= maxLeavingPercent * Double(active)
    }

    /// The note on each absent member's roster row: which file left them out.
    static func note(file: String) -> String {
        let name = URL(fileURLWithPath: file).lastPathComponent
        return String("absent from the complete roster \(name)".prefix(Departure.maximumNoteLength))
    }

    /// Why an import is refused, one line (the caller adds the file and "nothing was imported").
    func refusal(leaving: Int, of active: Int) -> String {
        let percent = active == 0 ? 100 : Double(leaving) * 100 / Double(active)
        return "\(NumberText.grouped(leaving)) of \(NumberText.grouped(active)) active members "
            + "(\(Self.percentText(percent))) are not in the file, more than the \(Self.percentText(maxLeavingPercent)) "
            + "a complete roster may drop (see --max-leaving-share)"
    }

    /// `12.5 %`, `10 %`.
    static func percentText(_ percent: Double) -> String {
        percent == percent.rounded() ? "\(Int(percent)) %" : String(format: "%.1f %%", percent)
    }
}
