import BenefitCore
import BenefitScheduler
import Foundation

extension CampaignValueReader {
    /// A hardship-aid `parameters` block; every problem is recorded.
    ///
    /// The rules, documented for operators in docs/programs.md:
    /// - `fund` is required: the name of the fund awards are paid from.
    /// - `employment` is required: the employment states that qualify.
    /// - `categories` is required: category (lowercase letters, digits, `-`) →
    ///   the cap of one case in yuan.
    /// - `yearlyCap` is required: what one member may have approved in a year; at
    ///   least the largest category cap would be generous, but any positive amount works.
    /// - `dualReviewAbove` is required: approvals above it need two reviewers.
    mutating func aidParameters(_ parameters: SourceValue) -> AidParameters? {
        guard let block = block(parameters, keys: AidParameters.keys) else { return nil }
        let fund = required("fund", in: block, what: "the name of the fund awards are paid from").flatMap { name($0) }
        let employment = required("employment", in: block, what: "the employment states that qualify, such as [staff, retired]")
            .flatMap { self.employment($0) }
        let categories = required("categories", in: block, what: "category to the cap of one case in yuan, such as { illness: 20000 }")
            .flatMap { aidCategories($0) }
        let yearlyCap = required("yearlyCap", in: block, what: "yuan one member may have approved in a year")
            .flatMap { yuan($0, what: "the yearly cap", maximum: Yuan.maximumBudget) }
        let threshold = required("dualReviewAbove", in: block, what: "yuan above which an approval needs a second reviewer")
            .flatMap { yuan($0, what: "the two-reviewer threshold", maximum: Yuan.maximumBudget) }
        guard let fund, let employment, let categories, let yearlyCap, let threshold else { return nil }
        return AidParameters(fund: fund, employment: employment, categories: categories, yearlyCap: yearlyCap, dualReviewAbove: threshold)
    }

    /// `categories`: a non-empty mapping of category names to per-case caps.
    private mutating func aidCategories(_ value: SourceValue) -> [String: Decimal]? {
        guard let block = mapping(value, of: "category to the cap of one case in yuan (such as { illness: 20000 })") else { return nil }
        guard !block.entries.isEmpty else {
            add("expected at least one category, such as { illness: 20000 }", at: value)
            return nil
        }
        return yuan(
            byKeyOf: block, key: { AidParameters.isCategoryName($0) ? $0 : nil },
            refusal: { "\(PrintableText.quoted($0)) is not a category name: lowercase letters, digits and -, starting with a letter, at most 40" },
            what: { "the cap of one \($0) case" }, maximum: Yuan.maximumAmount)
    }
}
