/// Validates one program's `parameters` block; each program in BenefitWorkers implements one.
///
/// The engine knows no program: it reads the rest of a campaign file itself
/// and hands the `parameters` object to the validator whose ``program``
/// matches the file's `program:`. The validator reports every problem it
/// finds, by path, and the file parser turns each into a ``CampaignProblem``
/// at the line of that path, prefixed with `parameters.`.
///
/// A validator only judges; it does not fill defaults or rewrite values, so
/// the stored parameters are exactly what the operator wrote and a program
/// that adds a key with a default later does not make old campaigns "change".
public protocol ProgramParameterValidator: Sendable {
    /// The program's name as operators write it in `program:`, e.g. `seasonal-relief`.
    var program: String { get }

    /// Every problem in the parameters, in any order; empty if they are valid.
    ///
    /// - Parameter parameters: The `parameters` block, always an object (empty when the file has none).
    func problems(in parameters: JSONValue) -> [ParameterProblem]
}

/// One problem in a program's parameters, e.g. path `amounts.4`, message `tier 4 does not exist`.
public struct ParameterProblem: Sendable, Hashable, CustomStringConvertible {
    /// The path inside `parameters`: keys joined by `.`, list items as `[0]` (`hospitals[1].dailyCapacity`); empty for the block itself.
    ///
    /// The path may name a key that is missing (`budget`); the problem is then
    /// reported at the line of the nearest enclosing key that is present.
    public let path: String
    /// What is wrong, in one line.
    public let message: String

    /// Creates a problem at a path inside `parameters`.
    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    /// `PATH: MESSAGE`.
    public var description: String {
        path.isEmpty ? message : "\(path): \(message)"
    }
}

extension ParameterProblem {
    /// The engine's message for a key a block does not allow: a suggestion for
    /// a near miss, otherwise the keys it does allow. Campaign files and every
    /// program's parameters word unknown keys the same way.
    ///
    /// A near miss differs only in letter case, `-` or `_` (`batchsize`,
    /// `batch_size`, `catch-up`), the usual slips of authors used to other
    /// naming conventions.
    public static func unknownKeyMessage(_ key: String, known: [String]) -> String {
        CampaignValueReader.unknownKeyMessage(key, known: known)
    }
}
