import BenefitCore
import Foundation
import PostgresClient

/// The demo's last step: each campaign's evaluation report (效果评估,
/// `benefit report campaign NAME --format html`), one self-contained page per
/// campaign in a folder of the operator's own.
enum DemoEvaluations {
    /// Writes `FOLDER/CAMPAIGN.html` for each of `campaigns` (the cycle of its
    /// latest run) and returns the files' absolute paths. The folder is made with
    /// mode 0700 if absent, and must be the caller's; each file is replaced whole
    /// with mode 0600, never through a link.
    static func write(_ campaigns: [String], to folder: String, on pool: PostgresPool) async throws -> [String] {
        let folder = URL(fileURLWithPath: folder).standardizedFileURL.path
        try FileGuard.makeFolder(folder, mode: 0o700)
        var paths: [String] = []
        for campaign in campaigns {
            let evaluation = try await CampaignEvaluation.read(campaign: campaign, cycle: nil, on: pool)
            let path = (folder as NSString).appendingPathComponent("\(campaign).html")
            try FileGuard.replace(path, mode: 0o600, contents: Data(evaluation.rendered(as: .html).utf8))
            paths.append(path)
        }
        return paths
    }
}
