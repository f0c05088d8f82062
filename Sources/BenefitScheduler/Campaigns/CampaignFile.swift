import BenefitCore
import Foundation

/// The operator's YAML file for one campaign: reading it into a ``CampaignDefinition`` or listing everything wrong with it.
///
/// The reference for authors is `docs/campaigns.md`. In short: a file holds
/// one campaign (a second `---` document is refused); every key is checked,
/// unknown keys included, and scalars follow the YAML 1.2 core schema
/// (`yes`, `no`, `0x1F` and `010` are text, not booleans or numbers).
public enum CampaignFile {
    /// The most bytes a campaign file may hold: 1 MiB, some hundred times the largest real campaign.
    ///
    /// Checked before the text is parsed, so a runaway file (a 50 MB title, a
    /// log saved by mistake) is refused without being read into memory whole.
    public static let maximumBytes = 1 << 20

    /// What the file is called in the message naming the limit.
    static let what = "a campaign file"

    /// Reads a campaign file.
    ///
    /// Nothing stops at the first problem: the whole file is read and every
    /// problem reported, each with its line and key path, ordered by line.
    /// Only a YAML syntax error ends reading early, as the rest of the text
    /// cannot be understood; it is then the one problem, with its line.
    ///
    /// - Parameters:
    ///   - text: The file's contents.
    ///   - fileName: The name problems are reported against, as the operator gave it.
    ///   - validators: One validator per known program; a `program:` not among them is a problem.
    ///   - now: When the file is applied: an `at:` instant not after it is a problem, since it would never fire.
    /// - Throws: ``CampaignFileError`` with every problem found.
    public static func parse(
        text: String, fileName: String, validators: [any ProgramParameterValidator], now: Date = Date()
    ) throws(CampaignFileError) -> CampaignDefinition {
        try read(text: text, fileName: fileName, validators: validators, now: now).definition
    }

    /// Reads a campaign file as ``parse(text:fileName:validators:now:)`` does, and says on which line its name is.
    static func read(
        text: String, fileName: String, validators: [any ProgramParameterValidator], now: Date
    ) throws(CampaignFileError) -> (definition: CampaignDefinition, nameLine: Int) {
        var source = CampaignValueReader(file: fileName)
        guard text.utf8.count <= maximumBytes else {
            let tooLarge = FileFailure.tooLarge(maximumBytes: maximumBytes, what: what)
            throw CampaignFileError(problems: [CampaignProblem(file: fileName, line: 0, path: "", message: "cannot read: \(tooLarge)")])
        }
        guard let root = SourceValue.readYAML(text, reader: &source) else {
            throw CampaignFileError(problems: source.problems)
        }
        var reader = CampaignReader(source: source, validators: validators, now: now)
        let definition = reader.read(root)
        // The YAML layer may have reported problems (a merge key, a second
        // document) yet handed on a tree, so the list decides, not the result.
        if let definition, reader.problems.isEmpty {
            var nameLine = root.line
            if case .mapping(let entries) = root.content, let name = entries.first(where: { $0.key == "name" }) { nameLine = name.value.line }
            return (definition, nameLine)
        }
        guard reader.problems.isEmpty else {
            throw CampaignFileError(problems: reader.problems)
        }
        // The reader reports a problem for every value it refuses; reaching this is a bug in it.
        assertionFailure("campaign reader refused \(fileName) without a problem")
        throw CampaignFileError(problems: [CampaignProblem(file: fileName, line: 1, path: "", message: "the campaign could not be read")])
    }
}
