import BenefitCore
import Foundation

/// The campaign files one `benefit campaign apply` is given, read together.
public enum CampaignFiles {
    /// Reads and parses every file. Nothing stops at the first problem: every
    /// file is read, and the error lists every problem of every file (a file that
    /// cannot be read; each file's own problems, as ``CampaignFile`` finds them; a
    /// campaign defined in more than one of the files), so the whole set is
    /// applied or none of it.
    ///
    /// - Parameter now: When the files are applied (see ``CampaignFile/parse(text:fileName:validators:now:)``).
    public static func read(
        _ paths: [String], validators: [any ProgramParameterValidator], now: Date = Date()
    ) throws(CampaignFileError) -> [CampaignStore.Source] {
        var sources: [CampaignStore.Source] = []
        var problems: [[CampaignProblem]] = []
        var firstFile: [String: String] = [:]
        for path in paths {
            var found: [CampaignProblem] = []
            defer { problems.append(found) }
            let text: String
            do {
                text = try FileFailure.readText(atPath: path, maximumBytes: CampaignFile.maximumBytes, what: CampaignFile.what)
            } catch {
                found.append(CampaignProblem(file: path, line: 0, path: "", message: "cannot read: \(error)"))
                continue
            }
            do {
                let (definition, nameLine) = try CampaignFile.read(text: text, fileName: path, validators: validators, now: now)
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
