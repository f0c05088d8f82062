import BenefitScheduler

/// The benefit programs' handlers, for workers to run.
public enum BenefitPrograms {
    /// Every handler a worker runs: the engine's diagnostic kinds and the programs'.
    public static func registry() -> HandlerRegistry {
        HandlerRegistry(DiagnosticHandlers.all)
    }
}
