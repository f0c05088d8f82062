import BenefitCore

/// Makes a realistic synthetic roster, the same for the same count, seed and date.
///
/// For demos, benchmarks and tests of the programs at a city federation's
/// scale. The shape follows what a roster looks like: branches of very
/// different sizes (a few with tens of thousands of members, most with a few
/// dozen), ages 18 to 75 with retirees mostly over 60, staff, migrant and gig
/// workers in the mix their kind of workplace has, about 8% in hardship (tier 3
/// most, tier 1 fewest), 30% frontline, 2% model workers, 5% with a child
/// entering college in recent years, checkups and recuperation trips in recent
/// years for some and never for others. Every member passes the importer's
/// checks and the table's constraints.
///
/// Draws use ``SplitMix64`` only, and `asOf` replaces "today", so the output
/// depends on nothing but the three inputs.
public struct RosterGenerator: Sequence, IteratorProtocol, Sendable {
    /// How many members the roster has.
    public let count: Int
    /// The day the roster describes: ages, hire and checkup dates are relative to it.
    public let asOf: CalendarDate
    private var random: SplitMix64
    private var produced = 0
    private let units: [(name: String, workforce: RosterNames.Workforce, district: String)]
    private let idDigits: Int

    /// The usual "today" of a generated roster: 1 January of the current year, so
    /// a seed gives the same roster all year.
    public static var defaultAsOf: CalendarDate {
        CalendarDate(year: CalendarDate.today().year, month: 1, day: 1)!
    }

    /// A generator of `count` members.
    ///
    /// - Parameters:
    ///   - seed: Fixes every draw; the same seed gives the same roster.
    ///   - asOf: The roster's "today" (commands use ``defaultAsOf``).
    public init(count: Int, seed: UInt64, asOf: CalendarDate) {
        precondition(count >= 0, "a roster cannot have a negative count")
        self.count = count
        self.asOf = asOf
        random = SplitMix64(seed: seed)
        units = Self.orgUnits(count: count)
        idDigits = Swift.max(7, String(count).count)
    }

    /// The branches a roster of `count` members draws from, with their districts:
    /// about 150 members per branch on average; the skew in ``next()`` makes most far smaller.
    static func orgUnits(count: Int) -> [(name: String, workforce: RosterNames.Workforce, district: String)] {
        (0..<Swift.max(3, count / 150)).map(RosterNames.orgUnit)
    }

    /// The org units register (`org_unit,district`) of the roster of `count`
    /// members: every branch its members may be drawn from, with its district.
    public static func units(count: Int) -> [(orgUnit: String, district: String)] {
        orgUnits(count: count).map { (orgUnit: $0.name, district: $0.district) }
    }

    public mutating func next() -> Member? {
        guard produced < count else { return nil }
        produced += 1
        return member(number: produced)
    }

    private mutating func member(number: Int) -> Member {
        // Cubing a uniform draw piles members onto the first branches: the first
        // of 6,667 branches gets about 5% of a million members, the last a few dozen.
        let u = random.unit()
        let unit = units[Swift.min(units.count - 1, Int(u * u * u * Double(units.count)))]
        let gender: Member.Gender = random.chance(0.47) ? .female : .male
        let name = drawName(gender)

        let retiree = random.chance(0.2)
        let age = retiree ? 60 + random.below(16) : 18 + random.below(42)
        let today = asOf.daysSinceEpoch
        let birth = today - (age * 365 + age / 4 + 1 + random.below(365))

        let employment: Member.Employment
        if retiree {
            employment = random.chance(0.9) ? .retired : .staff
        } else if gender == .female && age >= 55 && random.chance(0.5) {
            // Many women retire at 55.
            employment = .retired
        } else {
            let (staff, migrant, _) = unit.workforce.staffMigrantGig
            let draw = random.below(1000)
            employment = draw < staff ? .staff : draw < staff + migrant ? .migrant : .gig
        }

        let hire = hireDay(employment: employment, birth: birth, today: today)
        let hardship = switch employment {
        case .staff: 0.065
        case .retired: 0.11
        case .migrant: 0.09
        case .gig: 0.12
        }
        var tier: Int?
        if random.chance(hardship) {
            let draw = random.below(100)
            tier = draw < 15 ? 1 : draw < 45 ? 2 : 3
        }
        let frontline = employment != .retired && random.chance(0.38)
        let modelWorker = random.chance(employment == .staff || employment == .retired ? 0.025 : 0.008)

        var recuperationYear: Int?
        let trip = switch employment {
        case .staff, .retired: 0.3
        case .migrant: 0.1
        case .gig: 0.03
        }
        if random.chance(trip) {
            let year = asOf.year - 1 - random.below(10)
            recuperationYear = Swift.max(year, hire.map { CalendarDate(daysSinceEpoch: $0).year } ?? year)
        }
        let checkupShare = switch employment {
        case .staff: 0.8
        case .retired: 0.7
        case .migrant: 0.45
        case .gig: 0.3
        }
        let checkup = random.chance(checkupShare) ? today - 1 - random.below(3 * 365) : nil
        let collegeYear = (40..<56).contains(age) && random.chance(0.17) ? asOf.year - random.below(4) : nil

        return Member(
            memberID: Self.memberID(number, digits: idDigits), name: name, orgUnit: unit.name, gender: gender,
            birthDate: CalendarDate(daysSinceEpoch: birth), hireDate: hire.map(CalendarDate.init(daysSinceEpoch:)),
            employment: employment, hardshipTier: tier, frontline: frontline, modelWorker: modelWorker,
            lastRecuperationYear: recuperationYear, lastCheckupDate: checkup.map(CalendarDate.init(daysSinceEpoch:)),
            childCollegeYear: collegeYear)
    }

    /// A hire day (days since 1970) consistent with the birth day, or nil when unknown.
    ///
    /// Staff and retirees were hired between 18 and 35; migrant and gig workers
    /// in the last eight years, and a quarter of them have no recorded date.
    /// The bounds keep every date at least 16 years after birth and not after `today`.
    private mutating func hireDay(employment: Member.Employment, birth: Int, today: Int) -> Int? {
        switch employment {
        case .staff, .retired:
            if random.chance(0.02) { return nil }
            // Members just past 18 are hired in the last month, not on a date past `today`.
            let start = Swift.min(birth + 18 * 366, today - 30)
            return start + random.below(Swift.max(1, Swift.min(17 * 365, today - start)))
        case .migrant, .gig:
            if random.chance(0.25) { return nil }
            let latestBack = today - birth - 16 * 366
            return today - random.below(Swift.max(1, Swift.min(8 * 365, latestBack)))
        }
    }

    private mutating func drawName(_ gender: Member.Gender) -> String {
        let surname: String
        if random.chance(0.01) {
            surname = RosterNames.compoundSurnames[random.below(RosterNames.compoundSurnames.count)]
        } else {
            // Squaring favours the front of the list, where the common surnames are.
            let u = random.unit()
            surname = RosterNames.surnames[Int(u * u * Double(RosterNames.surnames.count))]
        }
        let given = gender == .female ? RosterNames.femaleGiven : RosterNames.maleGiven
        let first = given[random.below(given.count)]
        return random.chance(0.7) ? surname + first + given[random.below(given.count)] : surname + first
    }

    /// `M` and the number, zero-padded: `M0000042`.
    static func memberID(_ number: Int, digits: Int) -> String {
        let text = String(number)
        return "M" + String(repeating: "0", count: Swift.max(0, digits - text.count)) + text
    }
}
