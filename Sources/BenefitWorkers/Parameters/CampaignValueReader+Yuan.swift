import BenefitScheduler
import Foundation

extension CampaignValueReader {
    /// A positive number of yuan with at most two decimals, up to `maximum`; `what` names it in messages.
    mutating func yuan(_ value: SourceValue, what: String, maximum: Decimal) -> Decimal? {
        guard case .number(let number) = value.content, number > 0, Yuan.isWholeCents(number) else {
            add("expected a positive number of yuan with at most 2 decimals, got \(value.gotDescription)", at: value)
            return nil
        }
        guard number <= maximum else {
            outOfRange(value, what: what, from: "0.01", to: Yuan.text(maximum))
            return nil
        }
        return number
    }
}
