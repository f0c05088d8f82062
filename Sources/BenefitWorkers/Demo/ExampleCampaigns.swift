import BenefitScheduler

/// The example campaigns of `ops/campaigns/`, compiled into the binary (see
/// Plugins/EmbedFiles), so `benefit demo` runs wherever the binary is.
public enum ExampleCampaigns {
    /// Every example file, parsed and checked with the programs of `catalog`, by file name.
    public static func all(catalog: ProgramCatalog = BenefitPrograms.catalog) throws -> [CampaignStore.Source] {
        try embeddedExampleCampaigns.map { file in
            try CampaignStore.Source(parsing: file.text, fileName: file.name, validators: catalog.validators)
        }
    }

    /// The examples of the benefit programs the demo runs: all but the fire drill,
    /// which only exercises the engine. (Hardship aid's run pays what the demo's
    /// aid round approved: ``DemoAidRound``.)
    public static func benefitPrograms(catalog: ProgramCatalog = BenefitPrograms.catalog) throws -> [CampaignStore.Source] {
        try all(catalog: catalog).filter { $0.definition.program != DrillProgram().program }
    }
}
