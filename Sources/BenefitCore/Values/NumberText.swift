import Foundation

/// Numbers as the product prints them, whatever the locale of the machine:
/// `1,234,567` and `1,234,567.50`.
public enum NumberText {
    /// Digits in groups of three: `1,234,567`.
    public static func grouped(_ number: Int) -> String {
        let digits = String(number.magnitude)
        var out = ""
        for (index, character) in digits.reversed().enumerated() {
            if index > 0, index % 3 == 0 { out.append(",") }
            out.append(character)
        }
        return (number < 0 ? "-" : "") + String(out.reversed())
    }

    /// An amount with two decimals, grouped: `1,234,567.50`.
    public static func amount(_ value: Decimal) -> String {
        let formatter = NumberFormatter()
        formatter.numberStyle = .decimal
        formatter.minimumFractionDigits = 2
        formatter.maximumFractionDigits = 2
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.usesGroupingSeparator = true
        formatter.groupingSeparator = ","
        formatter.groupingSize = 3
        return formatter.string(from: value as NSDecimalNumber) ?? "\(value)"
    }
}
