/// Whether a daemon can do its work now, as `/readyz` answers: ready, or not
/// with the reasons why (one short phrase each).
public struct Readiness: Sendable, Equatable {
    /// What keeps the daemon from being ready; empty when it is.
    public var problems: [String]

    public init(problems: [String] = []) {
        self.problems = problems
    }

    public static let ready = Readiness()

    public var isReady: Bool { problems.isEmpty }

    /// The body of `/readyz`: `ready`, or `not ready: ` and the problems.
    public var text: String { isReady ? "ready\n" : "not ready: \(problems.joined(separator: "; "))\n" }
}
