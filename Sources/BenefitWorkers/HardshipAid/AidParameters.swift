import Foundation

/// A `hardship-aid` campaign's parameters: the fund its runs pay from, who may
/// be helped, and the caps reviews are held to.
///
/// The database reads the same keys from the campaign's current revision when
/// it records and reviews applications (migrations/0022_hardship_aid.sql), so
/// these names are a contract with it as well as with operators' files.
struct AidParameters: Sendable, Equatable {
    /// The fund (爱心互助基金) awards are paid from: `aid_fund.fund`.
    let fund: String
    /// Employment states that qualify (`staff`, `retired`, …).
    let employment: [Member.Employment]
    /// Category → the most one case of it may be awarded, in yuan.
    let categories: [String: Decimal]
    /// The most one member may have approved in a year, in yuan.
    let yearlyCap: Decimal
    /// Approvals above this many yuan need a second, different reviewer.
    let dualReviewAbove: Decimal

    /// The keys of a hardship-aid `parameters` block.
    static let keys = ["fund", "employment", "categories", "yearlyCap", "dualReviewAbove"]

    /// A category's name: what `aid_application.category` accepts.
    static func isCategoryName(_ name: String) -> Bool {
        name.wholeMatch(of: /[a-z][a-z0-9-]{0,39}/) != nil
    }
}
