import Foundation

/// A campaign as its file defines it: which program runs, with what parameters, when, and how.
///
/// Values come from ``CampaignFile/parse(text:fileName:validators:now:)``, which
/// checks every field, or from a stored definition's JSON (``init(from:)``),
/// which runs the same checks. Defaults are filled in, so two files that
/// differ only by writing a default out or leaving it implicit give equal
/// definitions with equal ``canonicalJSON``.
///
/// The `schedule` block of the file is spread over ``schedule`` (the built
/// rule, ready for ``Schedule/nextFireTimes(after:count:)``),
/// ``timeZoneIdentifier``, ``catchUp`` and ``overlap``.
public struct CampaignDefinition: Sendable, Hashable {
    /// The campaign's unique slug, the key for `apply`, `pause` and `trigger`: `^[a-z0-9][a-z0-9-]{0,62}$`.
    public var name: String
    /// A human title such as `冬送温暖 2026`, or `nil`; at most ``maximumTitleLength`` characters.
    public var title: String?
    /// The program whose handler runs the campaign, e.g. `seasonal-relief`.
    public var program: String
    /// When the campaign fires, built from `schedule.timezone`, one of `cron`, `lunar` or `at`, and `window`.
    public var schedule: Schedule
    /// The time zone as the file names it (`UTC` stays `UTC`, where Foundation would report `GMT`).
    public var timeZoneIdentifier: String
    /// What happens to fire times missed while no scheduler ran or the campaign was paused. Default ``CatchUpPolicy/latest``.
    public var catchUp: CatchUpPolicy
    /// What happens to a fire time that comes while the previous run is still going. Default ``OverlapPolicy/skip``.
    public var overlap: OverlapPolicy
    /// How runs are cut into jobs and how those run.
    public var execution: ExecutionPolicy
    /// The period the campaign's effects are unique within. Default ``CampaignCycle/yearly``.
    public var cycle: CampaignCycle
    /// The program's parameters as written, always an object; the program's validator has checked them.
    public var parameters: JSONValue

    /// Creates a definition from parts the caller has checked; files go through ``CampaignFile`` instead.
    public init(
        name: String, title: String? = nil, program: String, schedule: Schedule, timeZoneIdentifier: String? = nil,
        catchUp: CatchUpPolicy = .latest, overlap: OverlapPolicy = .skip, execution: ExecutionPolicy = .defaults,
        cycle: CampaignCycle = .yearly, parameters: JSONValue = .emptyObject
    ) {
        self.name = name
        self.title = title
        self.program = program
        self.schedule = schedule
        self.timeZoneIdentifier = timeZoneIdentifier ?? schedule.timeZone.identifier
        self.catchUp = catchUp
        self.overlap = overlap
        self.execution = execution
        self.cycle = cycle
        self.parameters = parameters
    }

    /// The most characters a title may have: a line in `campaign list`, not a document.
    public static let maximumTitleLength = 200

    /// Whether the text is a valid campaign name: a lowercase letter or digit, then up to 62 lowercase letters, digits or hyphens.
    public static func isValidName(_ text: String) -> Bool {
        isIdentifier(text, alsoAllowing: ["-"])
    }

    /// Whether the text is a valid queue name: as a campaign name, but also allowing `_` and `.` (the job table's rule).
    public static func isValidQueueName(_ text: String) -> Bool {
        isIdentifier(text, alsoAllowing: ["-", "_", "."])
    }

    /// 1–63 ASCII lowercase letters, digits and the given marks, not starting with a mark.
    private static func isIdentifier(_ text: String, alsoAllowing marks: Set<Character>) -> Bool {
        func isLowerAlphanumeric(_ character: Character) -> Bool {
            character.isASCII && (character.isLowercase || character.isNumber)
        }
        guard let first = text.first, isLowerAlphanumeric(first), text.count <= 63 else { return false }
        return text.allSatisfy { isLowerAlphanumeric($0) || marks.contains($0) }
    }
}
