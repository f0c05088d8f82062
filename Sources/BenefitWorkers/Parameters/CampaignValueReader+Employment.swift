import BenefitScheduler

extension CampaignValueReader {
    /// A non-empty list of employment types (`staff`, `retired`, `migrant`, `gig`), each at most once.
    mutating func employment(_ value: SourceValue) -> [Member.Employment]? {
        distinctChoices(value, as: Member.Employment.self, many: "employment types")
    }
}
