import BenefitQueue
import BenefitScheduler

/// The benefit programs, and the handlers a worker runs.
public enum BenefitPrograms {
    /// Every program this binary knows.
    public static let catalog = ProgramCatalog([
        DrillProgram(), SeasonalReliefProgram(), HealthCheckupProgram(), RecuperationProgram(), HardshipAidProgram(), JobFairProgram(),
    ])

    /// Every handler a worker runs: the engine's diagnostic kinds, and campaign
    /// runs' planning and batch jobs for the programs in ``catalog``.
    public static func registry(programs: ProgramCatalog = catalog) -> HandlerRegistry {
        HandlerRegistry(DiagnosticHandlers.all + [PlanningHandler(programs: programs), BatchHandler(programs: programs)])
    }
}
