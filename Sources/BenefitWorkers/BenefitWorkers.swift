import BenefitScheduler

/// The benefit programs the engine runs; filled in as programs land.
public enum BenefitPrograms {}
