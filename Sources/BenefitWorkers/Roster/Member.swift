import BenefitCore

/// One union member: a row of the roster (`benefit.member`), typed.
///
/// Optional fields are nil where the roster has nothing ("never had a checkup",
/// "no hardship tier"), which the database stores as NULL.
public struct Member: Sendable, Hashable {
    /// How a member is employed; it decides which programs they may join.
    public enum Employment: String, CaseIterable, Sendable {
        case staff, retired, migrant, gig
    }

    /// The roster's gender codes; the health-checkup program adds screening for `F`.
    public enum Gender: String, CaseIterable, Sendable {
        case female = "F"
        case male = "M"
    }

    /// The membership number, the key (`M0012345`).
    public var memberID: String
    public var name: String
    /// The workplace union branch the member belongs to.
    public var orgUnit: String
    public var gender: Gender
    public var birthDate: CalendarDate
    /// Nil when unknown (gig workers often have none).
    public var hireDate: CalendarDate?
    public var employment: Employment
    /// 1 is the hardest hardship; nil when the member is not in hardship.
    public var hardshipTier: Int?
    public var frontline: Bool
    public var modelWorker: Bool
    /// The year of the member's last recuperation trip; nil if never.
    public var lastRecuperationYear: Int?
    /// Nil if the member never had a union checkup.
    public var lastCheckupDate: CalendarDate?
    /// The year a child of the member entered college; nil if none.
    public var childCollegeYear: Int?

    /// Creates a member; the defaults are the roster's empty values.
    public init(
        memberID: String, name: String, orgUnit: String, gender: Gender, birthDate: CalendarDate,
        hireDate: CalendarDate? = nil, employment: Employment, hardshipTier: Int? = nil, frontline: Bool = false,
        modelWorker: Bool = false, lastRecuperationYear: Int? = nil, lastCheckupDate: CalendarDate? = nil,
        childCollegeYear: Int? = nil
    ) {
        self.memberID = memberID
        self.name = name
        self.orgUnit = orgUnit
        self.gender = gender
        self.birthDate = birthDate
        self.hireDate = hireDate
        self.employment = employment
        self.hardshipTier = hardshipTier
        self.frontline = frontline
        self.modelWorker = modelWorker
        self.lastRecuperationYear = lastRecuperationYear
        self.lastCheckupDate = lastCheckupDate
        self.childCollegeYear = childCollegeYear
    }
}
