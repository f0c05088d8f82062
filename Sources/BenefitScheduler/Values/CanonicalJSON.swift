import BenefitCore
import Foundation

extension JSONValue {
    /// The value as canonical JSON text: keys sorted, no whitespace, numbers in their shortest exact form.
    ///
    /// Two values are equal exactly when their canonical texts are, so the text
    /// can be stored, hashed and compared to tell whether a re-applied campaign
    /// file changed anything: key order, comments, quoting and `1200.50` versus
    /// `1200.5` in the file make no difference.
    ///
    /// - Keys are ordered by Swift's `String` comparison (Unicode scalar order
    ///   of the canonically equivalent form), the same order on every machine.
    /// - Numbers are written as plain decimals, never with an exponent, without
    ///   trailing fractional zeros: `1200.5`, `5000000`, `0.00001`, `-3`.
    /// - Strings escape only what JSON requires (`"`, `\` and control
    ///   characters); everything else, Chinese included, is written as is.
    public var canonicalText: String {
        var text = ""
        write(into: &text)
        return text
    }

    private func write(into text: inout String) {
        switch self {
        case .null:
            text += "null"
        case .bool(let value):
            text += value ? "true" : "false"
        case .number(let number):
            text += Self.canonicalNumberText(number)
        case .string(let string):
            JSONText.appendQuoted(string, to: &text)
        case .array(let elements):
            text += "["
            for (index, element) in elements.enumerated() {
                if index > 0 { text += "," }
                element.write(into: &text)
            }
            text += "]"
        case .object(let members):
            text += "{"
            for (index, key) in members.keys.sorted().enumerated() {
                if index > 0 { text += "," }
                JSONText.appendQuoted(key, to: &text)
                text += ":"
                members[key]?.write(into: &text)
            }
            text += "}"
        }
    }

    /// The number's plain decimal text without trailing fractional zeros.
    ///
    /// `Decimal` keeps the exponent it was built with, so arithmetic can leave
    /// `1200.50` where parsing gives `1200.5`; trimming makes equal numbers
    /// read alike.
    static func canonicalNumberText(_ number: Decimal) -> String {
        var digits = number.description
        if digits.contains(".") {
            while digits.hasSuffix("0") { digits.removeLast() }
            if digits.hasSuffix(".") { digits.removeLast() }
        }
        return digits == "-0" ? "0" : digits
    }
}
