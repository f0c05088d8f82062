import BenefitScheduler

/// A drill campaign's `parameters`, read and checked.
struct DrillParameters: Sendable, Equatable {
    static let keys = ["members", "failRanks", "sleepMs"]

    /// How many synthetic members a run has.
    var members: Int
    /// Ranks whose batches fail on every attempt.
    var failRanks: [Int]
    /// How long each batch sleeps before writing, in milliseconds.
    var sleepMs: Int
}

extension CampaignValueReader {
    /// A drill `parameters` block: `members` required, `failRanks` (default none) and `sleepMs` (default 0); every problem is recorded.
    mutating func drillParameters(_ parameters: SourceValue) -> DrillParameters? {
        guard let block = block(parameters, keys: DrillParameters.keys) else { return nil }
        let members = required("members", in: block, what: "how many synthetic members the run has").flatMap {
            wholeNumber($0, in: 0...DrillProgram.maximumMembers, what: "members")
        }
        let failRanks = block["failRanks"].map { given -> [Int]? in
            guard let items = list(given, of: "ranks") else { return nil }
            let ranks = items.compactMap { wholeNumber($0, in: 1...DrillProgram.maximumMembers, what: "a rank") }
            return ranks.count == items.count ? ranks : nil
        } ?? []
        let sleepMs = block["sleepMs"].map { wholeNumber($0, in: 0...600_000, what: "milliseconds") } ?? 0
        guard let members, let failRanks, let sleepMs else { return nil }
        return DrillParameters(members: members, failRanks: failRanks, sleepMs: sleepMs)
    }
}

extension DrillProgram {
    public func validate(_ parameters: SourceValue, with reader: inout CampaignValueReader) {
        _ = reader.drillParameters(parameters)
    }

    /// The run's parameters, read as they were validated (see ``CampaignValueReader/readStored(_:campaign:program:_:)``).
    func parameters(of run: RunContext) throws -> DrillParameters {
        try CampaignValueReader.readStored(run.parameters, campaign: run.campaign, program: program) { $0.drillParameters($1) }
    }
}
