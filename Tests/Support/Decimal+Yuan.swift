import Foundation

extension Decimal {
    /// An exact decimal from its text, for money in tests (`"5600500.00"`).
    public static func yuan(_ text: String) -> Decimal { Decimal(string: text, locale: nil)! }
}
