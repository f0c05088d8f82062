/// One column of the roster CSV, in header order.
///
/// The header is a contract shared with the spreadsheets operators export and
/// with the `benefit.members` view: the raw values are its exact names, and
/// `allCases` is its exact order.
public enum RosterColumn: String, CaseIterable, Sendable {
    case memberID = "member_id"
    case name
    case orgUnit = "org_unit"
    case gender
    case birthDate = "birth_date"
    case hireDate = "hire_date"
    case employment
    case hardshipTier = "hardship_tier"
    case frontline
    case modelWorker = "model_worker"
    case lastRecuperationYear = "last_recuperation_year"
    case lastCheckupDate = "last_checkup_date"
    case childCollegeYear = "child_college_year"

    /// The header line every roster file starts with (without its line break).
    public static let header = allCases.map(\.rawValue).joined(separator: ",")

    /// The column at a 0-based field position, nil past the last one.
    public static func at(_ index: Int) -> RosterColumn? {
        allCases.indices.contains(index) ? allCases[index] : nil
    }
}
