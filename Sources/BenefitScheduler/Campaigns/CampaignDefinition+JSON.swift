import BenefitCore
import Foundation

extension CampaignDefinition: Codable {
    /// The definition in the campaign file's own shape and key names, with every default written out.
    ///
    /// Durations are written as `10s` or `10m`, the cron rule with single
    /// spaces (as read), the lunar date as `MM-DD HH:mm`, an `at` instant in the
    /// campaign's zone with its offset, and bounds and limits that are absent
    /// are left out. This is what is stored and shown, and it reads back (as
    /// JSON, or as YAML, which JSON is) to an equal definition.
    public var jsonValue: JSONValue {
        var schedule: [String: JSONValue] = [
            "timezone": .string(timeZoneIdentifier),
            "catchUp": .string(catchUp.rawValue),
            "overlap": .string(overlap.rawValue),
        ]
        switch self.schedule.kind {
        case .cron(let cron):
            schedule["cron"] = .string(cron.text)
        case .lunar(let lunar):
            schedule["lunar"] = .string(lunar.description)
        case .at(let instant):
            schedule["at"] = .string(InstantText.format(instant, in: self.schedule.timeZone))
        }
        let window = self.schedule.window
        if window != .unbounded {
            var bounds: [String: JSONValue] = [:]
            bounds["from"] = window.from.map { .string($0.description) }
            bounds["until"] = window.until.map { .string($0.description) }
            schedule["window"] = .object(bounds)
        }

        var execution: [String: JSONValue] = [
            "queue": .string(self.execution.queue),
            "batchSize": .number(Decimal(self.execution.batchSize)),
            "maxAttempts": .number(Decimal(self.execution.maxAttempts)),
            "backoff": [
                "initial": .string(DurationText.format(self.execution.backoffInitial)),
                "max": .string(DurationText.format(self.execution.backoffMax)),
            ],
            "lease": .string(DurationText.format(self.execution.lease)),
            "priority": .number(Decimal(self.execution.priority)),
        ]
        execution["concurrency"] = self.execution.concurrency.map { .number(Decimal($0)) }
        execution["timeout"] = self.execution.timeout.map { .string(DurationText.format($0)) }

        var top: [String: JSONValue] = [
            "name": .string(name),
            "program": .string(program),
            "schedule": .object(schedule),
            "execution": .object(execution),
            "cycle": .string(cycle.rawValue),
            "parameters": parameters,
        ]
        top["title"] = title.map(JSONValue.string)
        return .object(top)
    }

    /// ``jsonValue`` as canonical JSON text: equal exactly when the definitions are.
    ///
    /// `campaign apply` compares it with the stored revision's: the same text
    /// means the file changed nothing (only comments, order, quoting or spelled
    /// out defaults), so no revision is made.
    public var canonicalJSON: String {
        jsonValue.canonicalText
    }

    /// Reads a stored definition back, running the same checks as a campaign file except the program's.
    ///
    /// The program's validator is not consulted: a stored definition was
    /// valid when applied, and a program that has since gained a rule must
    /// not make old revisions unreadable.
    public init(from decoder: any Decoder) throws {
        let json = try JSONValue(from: decoder)
        var reader = CampaignReader(source: CampaignValueReader(file: "stored campaign"), validators: nil)
        guard let definition = reader.read(SourceValue(json: json)) else {
            throw DecodingError.dataCorrupted(.init(
                codingPath: decoder.codingPath,
                debugDescription: "not a valid campaign definition: " + reader.problems.map(\.pathAndMessage).joined(separator: "; ")))
        }
        self = definition
    }

    /// Writes ``jsonValue``.
    public func encode(to encoder: any Encoder) throws {
        try jsonValue.encode(to: encoder)
    }
}
