import BenefitCore
import Foundation

/// The campaign files one `benefit campaign apply` is given, read together.
public enum CampaignFiles {
    /// Reads and parses every file. Nothing stops at the first problem: every
    /// file is read, and the error lists every problem of every file (a file that
    /// cannot be read; each file's own problems, as ``CampaignFile`` finds them; a
    /// campaign defined in more than one of the files), so the whole set is
    /// applied or none of it.
    public static func read(
        _ paths: [String], validators: [any ProgramParameterValidator]
    ) throws(CampaignFileError) -> [CampaignStore.Source] {
        var sources: [CampaignStore.Source] = []
        var problems: [[CampaignProblem]] = []
        var firstFile: [String: String] = [:]
        for path in paths {
            var found: [CampaignProblem] = []
            defer { problems.append(found) }
            let text: String
            do {
                text = try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                found.append(CampaignProblem(file: path, line: 0, path: "", message: "cannot read: \(FileFailure.reason(error))"))
                continue
            }
            do {
                let (definition, nameLine) = try CampaignFile.read(text: text, fileName: path, validators: validators)
                if let other = firstFile[definition.name] {
                    found.append(CampaignProblem(
                        file: path, line: nameLine, path: "name", message: "campaign \(definition.name) is also defined in \(other)"))
                    continue
                }
                firstFile[definition.name] = path
                sources.append(CampaignStore.Source(definition: definition, text: text, fileName: path))
            } catch {
                found += error.problems
            }
        }
        guard problems.allSatisfy(\.isEmpty) else { throw CampaignFileError(files: problems) }
        return sources
    }
}
