/// The version of Benefit Scheduler this binary is: `benefit --version`, and what
/// every daemon records in `benefit.processes`.
public enum BenefitVersion {
    public static let current = "0.11.0"
}
