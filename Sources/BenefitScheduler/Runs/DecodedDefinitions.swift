import Foundation
import Synchronization

/// Campaign definitions already decoded, by their JSON text. Every batch of a run
/// reads its campaign's revision again; decoding it each time took a tenth of a
/// worker's time in a run's batches. A revision never changes, so the same text
/// always decodes to the same definition.
final class DecodedDefinitions: Sendable {
    /// Texts kept at most; past it, the cache starts over (a worker serves a few campaigns at a time).
    static let limit = 32
    private let decoded = Mutex<[String: CampaignDefinition]>([:])

    func definition(from json: String) throws -> CampaignDefinition {
        if let known = decoded.withLock({ $0[json] }) { return known }
        let definition = try JSONDecoder().decode(CampaignDefinition.self, from: Data(json.utf8))
        decoded.withLock { cache in
            if cache.count >= Self.limit { cache.removeAll() }
            cache[json] = definition
        }
        return definition
    }

    /// How many texts are kept now.
    var count: Int { decoded.withLock { $0.count } }
}
