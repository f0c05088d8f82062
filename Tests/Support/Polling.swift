import BenefitCore
import Foundation

/// Polls `condition` until it holds or `timeout` passes; returns whether it held.
///
/// Tests wait on state this way, never on a fixed sleep: the poll interval only
/// bounds how late the test notices.
public func eventually(
    timeout: Duration = .seconds(30), every interval: Duration = .milliseconds(20),
    _ condition: () async throws -> Bool
) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while true {
        if try await condition() { return true }
        if ContinuousClock.now >= deadline { return false }
        try await Task.sleep(for: interval)
    }
}
