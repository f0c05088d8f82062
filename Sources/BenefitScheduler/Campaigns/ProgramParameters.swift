import BenefitQueue

/// Validates one program's `parameters` block; each program in BenefitWorkers implements one.
///
/// The engine knows no program: it reads the rest of a campaign file itself
/// and hands the `parameters` mapping, with the file's ``CampaignValueReader``,
/// to the validator whose ``program`` matches the file's `program:`. The
/// validator reads the block with that reader, so each problem is recorded at
/// once with its path (`parameters.amounts.4`) and line, worded as the rest of
/// the file's problems are.
///
/// A validator only judges; it does not fill defaults or rewrite values, so
/// the stored parameters are exactly what the operator wrote and a program
/// that adds a key with a default later does not make old campaigns "change".
public protocol ProgramParameterValidator: Sendable {
    /// The program's name as operators write it in `program:`, e.g. `seasonal-relief`.
    var program: String { get }

    /// Records every problem in the parameters in `reader`; records nothing if they are valid.
    ///
    /// - Parameters:
    ///   - parameters: The `parameters` block at path `parameters`, always a
    ///     mapping: an empty one at the top's line when the file has none.
    ///   - reader: The reader of the whole file.
    func validate(_ parameters: SourceValue, with reader: inout CampaignValueReader)

    /// The parameters (top-level keys of `parameters`) that a cycle's first run
    /// fixes for the whole cycle, such as a budget or a capacity: changing one
    /// in the campaign file changes nothing for a cycle already planned, which
    /// `campaign apply` says. Default: none.
    var fixedPerCycle: [String] { get }

    /// Those of ``fixedPerCycle`` that `campaign topup` can still add to within
    /// the cycle (a relief budget, recuperation sites): `campaign apply` points to
    /// it. Default: none.
    var toppedUpPerCycle: [String] { get }
}

extension ProgramParameterValidator {
    public var fixedPerCycle: [String] { [] }
    public var toppedUpPerCycle: [String] { [] }
}

extension CampaignValueReader {
    /// A campaign's stored parameters, read by its program's reader, as a run needs them.
    ///
    /// The program reads them with the same code that validated them when the
    /// campaign was applied, so a run sees what was checked. Problems here mean
    /// the campaign was stored before a rule was added: no retry cures that, so
    /// the job fails permanently, naming them.
    ///
    /// - Parameters:
    ///   - parameters: The stored `parameters` object.
    ///   - read: The program's reader: the parameters, sound when it recorded no problem.
    public static func readStored<Parameters>(
        _ parameters: JSONValue, campaign: String, program: String, _ read: (inout CampaignValueReader, SourceValue) -> Parameters?
    ) throws(PermanentFailure) -> Parameters {
        var reader = CampaignValueReader(file: "stored campaign")
        let result = read(&reader, SourceValue(json: parameters, path: "parameters"))
        guard let result, reader.problems.isEmpty else {
            throw PermanentFailure("\(program): campaign \(campaign) has bad parameters: "
                + reader.problems.map(\.pathAndMessage).joined(separator: "; "))
        }
        return result
    }
}
