@testable import BenefitQueue
import Foundation
import Testing

/// The lease state machine, without a database: every state meets every event.
@Suite("Lease state machine")
struct LeaseTests {
    typealias State = Lease.State
    typealias Event = Lease.Event
    typealias Action = Lease.Action

    static let claimedAt = ContinuousClock.now
    static let job = ClaimedJob(
        id: 7, queue: "q", kind: "k", payload: "{}", attempt: 1, maxAttempts: 3, leaseToken: LeaseToken(70), leaseSecret: UUID(),
        leaseDuration: .seconds(10), backoffInitial: .seconds(1), backoffMax: .seconds(2), group: nil, timeout: .seconds(3))
    static let beforeDeadline = claimedAt + .seconds(5)
    static let afterDeadline = claimedAt + .seconds(11)

    /// Every kind of event, with the values that make a difference.
    static let events: [Event] = [
        .start, .extended(until: claimedAt + .seconds(20), ticket: 0), .extended(until: claimedAt + .seconds(20), ticket: 1),
        .lost(ticket: 0), .lost(ticket: 1), .clock(now: beforeDeadline), .clock(now: afterDeadline),
        .shutdownGraceOver, .timeoutPassed, .beginCommit, .commitFailed, .handlerReturned,
        .handlerThrew(.retryable), .handlerThrew(.permanent), .handlerThrew(.cancelled),
        .handlerStopped(.leaseLost), .handlerStopped(.shutdown), .handlerStopped(.timedOut), .handlerAbandoned, .recordingAbandoned,
    ] + AttemptOutcome.allCases.map { .recorded($0) }

    /// The events that lead from a new lease to each state.
    static let paths: [State: [Event]] = [
        .claimed: [],
        .running: [.start],
        .committing: [.start, .beginCommit],
        .committed: [.start, .beginCommit, .recorded(.succeeded)],
        .failed: [.start, .handlerThrew(.retryable), .recorded(.retry)],
        .cancelled: [.start, .handlerThrew(.cancelled), .recorded(.cancelled)],
        .fenced: [.start, .beginCommit, .recorded(.fenced)],
        .released: [.start, .handlerStopped(.shutdown), .recorded(.released)],
        .expired: [.start, .lost(ticket: 0)],
        .timingOut: [.start, .timeoutPassed],
        .timedOut: [.start, .timeoutPassed, .handlerAbandoned, .recorded(.timedOut)],
    ]

    /// Every allowed transition: (state, event) → (state after, action). Written
    /// out by hand from docs/architecture.md's account of a lease's life, not
    /// derived from the code: any pair missing here must be refused. Heartbeat
    /// answers carry ticket 0 (taken before any commit: fresh for the states the
    /// paths reach without one) or 1 (never current on those paths: stale).
    static func allowed(_ state: State, _ event: Event) -> (State, Action)? {
        switch (state, event) {
        case (.claimed, .start): (.running, .none)
        case (.expired, .start): (.expired, .stopHandler(.leaseLost))
        case (_, .extended): (state, .none)
        case (.claimed, .lost(0)), (.running, .lost(0)): (.expired, .stopHandler(.leaseLost))
        case (_, .lost): (state, .none)
        case (.claimed, .clock(afterDeadline)), (.running, .clock(afterDeadline)): (.expired, .stopHandler(.leaseLost))
        case (_, .clock): (state, .none)
        case (.claimed, .shutdownGraceOver), (.running, .shutdownGraceOver), (.committing, .shutdownGraceOver): (state, .stopHandler(.shutdown))
        case (_, .shutdownGraceOver): (state, .none)
        case (.running, .beginCommit): (.committing, .commit)
        case (.expired, .beginCommit): (.expired, .refuseCommit)
        case (.committing, .commitFailed): (.running, .none)
        case (.timingOut, .beginCommit), (.timedOut, .beginCommit), (.fenced, .beginCommit): (state, .refuseCommit)
        case (.running, .timeoutPassed): (.timingOut, .stopHandler(.timedOut))
        case (.committing, .timeoutPassed): (.committing, .stopHandler(.timedOut))
        case (.committing, .handlerAbandoned): (.committing, .none)
        case (_, .timeoutPassed): (state, .none)
        case (.timingOut, .handlerAbandoned), (.timingOut, .handlerReturned), (.timingOut, .handlerThrew), (.timingOut, .handlerStopped):
            (.timingOut, .recordTimeout)
        case (.timedOut, .handlerReturned), (.timedOut, .handlerThrew), (.timedOut, .handlerStopped), (.fenced, .handlerStopped(.timedOut)),
             (.committed, .handlerStopped(.timedOut)):
            (state, .none)
        case (.timingOut, .recorded(.timedOut)): (.timedOut, .none)
        case (.timingOut, .recorded(.fenced)): (.fenced, .none)
        case (.timingOut, .recordingAbandoned): (.expired, .none)
        case (.running, .handlerReturned): (.committing, .completeInBatch)
        case (.committed, .handlerReturned), (.fenced, .handlerReturned), (.expired, .handlerReturned): (state, .none)
        case (.running, .handlerThrew(let failure)): (.committing, .recordFailure(failure))
        case (.committed, .handlerThrew), (.fenced, .handlerThrew), (.expired, .handlerThrew): (state, .none)
        case (.running, .handlerStopped(.shutdown)): (.committing, .release)
        case (.expired, .handlerStopped): (.expired, .none)
        case (.committed, .handlerStopped(.shutdown)), (.fenced, .handlerStopped(.shutdown)): (state, .none)
        case (.committing, .recorded(.succeeded)): (.committed, .none)
        case (.committing, .recorded(.retry)), (.committing, .recorded(.dead)): (.failed, .none)
        case (.committing, .recorded(.cancelled)): (.cancelled, .none)
        case (.committing, .recorded(.released)): (.released, .none)
        case (.committing, .recorded(.fenced)): (.fenced, .none)
        case (.committing, .recordingAbandoned): (.expired, .none)
        default: nil
        }
    }

    static func lease(in state: State) throws -> Lease {
        var lease = Lease(job: job, setAt: claimedAt)
        for event in paths[state] ?? [] { _ = try lease.apply(event) }
        try #require(lease.state == state)
        return lease
    }

    @Test("every state meets every event: allowed ones move as specified, every other one is refused and changes nothing",
          arguments: State.allCases)
    func everyTransition(_ state: State) throws {
        for event in Self.events {
            var lease = try Self.lease(in: state)
            if let (next, action) = Self.allowed(state, event) {
                #expect(try lease.apply(event) == action, "\(state) + \(event)")
                #expect(lease.state == next, "\(state) + \(event)")
            } else {
                #expect(throws: LeaseTransitionError(from: state, event: event), "\(state) + \(event) must be refused") {
                    try lease.apply(event)
                }
                #expect(lease.state == state, "a refused \(event) moved \(state)")
            }
        }
    }

    @Test("the outcome is set once the attempt ends, and only then")
    func outcomeFollowsTheEnd() throws {
        for state in State.allCases {
            let lease = try Self.lease(in: state)
            let expected: AttemptOutcome? = switch state {
            case .claimed, .running, .committing, .timingOut: nil
            case .committed: .succeeded
            case .failed: .retry
            case .cancelled: .cancelled
            case .fenced: .fenced
            case .released: .released
            case .expired: .leaseExpired
            case .timedOut: .timedOut
            }
            #expect(lease.outcome == expected, "\(state)")
        }
    }

    @Test("a heartbeat's extension moves the local deadline; the clock then judges against the new one")
    func extensionMovesTheDeadline() throws {
        var lease = try Self.lease(in: .running)
        #expect(lease.deadline == Self.claimedAt + .seconds(10))
        _ = try lease.apply(.extended(until: Self.claimedAt + .seconds(20), ticket: try #require(lease.heartbeatTicket)))
        #expect(try lease.apply(.clock(now: Self.afterDeadline)) == .none)
        #expect(lease.state == .running)
        #expect(try lease.apply(.clock(now: Self.claimedAt + .seconds(20))) == .stopHandler(.leaseLost))
        #expect(lease.state == .expired)
    }

    @Test("a commit that fails without a verdict lets the handler go on, and then end another way")
    func failedCommitReturnsToRunning() throws {
        var lease = try Self.lease(in: .running)
        #expect(try lease.apply(.beginCommit) == .commit)
        #expect(try lease.apply(.commitFailed) == .none)
        #expect(try lease.apply(.handlerThrew(.permanent)) == .recordFailure(.permanent))
        #expect(try lease.apply(.recorded(.dead)) == .none)
        #expect(lease.state == .failed && lease.outcome == .dead)
    }

    @Test("a second commit by one attempt is refused")
    func secondCommitIsRefused() throws {
        var lease = try Self.lease(in: .committed)
        #expect(throws: LeaseTransitionError.self) { try lease.apply(.beginCommit) }
    }

    @Test("a heartbeat's answer that crossed a commit is stale: the job the commit held is not taken for lost")
    func staleHeartbeatAfterFailedCommit() throws {
        var lease = try Self.lease(in: .running)
        // The heartbeat sends while the lease runs, ...
        let ticket = try #require(lease.heartbeatTicket)
        // ... the handler's commit holds the job row (the heartbeat skips it) and fails, ...
        #expect(try lease.apply(.beginCommit) == .commit)
        #expect(lease.heartbeatTicket == nil)
        #expect(try lease.apply(.commitFailed) == .none)
        // ... and the answer, which left the job out, arrives: stale, so nothing happens.
        #expect(try lease.apply(.lost(ticket: ticket)) == .none)
        #expect(try lease.apply(.extended(until: Self.afterDeadline + .seconds(60), ticket: ticket)) == .none)
        #expect(lease.state == .running && lease.deadline == Self.claimedAt + .seconds(10))
        // A fresh answer still counts.
        #expect(try lease.apply(.lost(ticket: try #require(lease.heartbeatTicket))) == .stopHandler(.leaseLost))
        #expect(lease.state == .expired)
    }

    @Test("a lease lost before its handler starts says not to start it")
    func lostBeforeStart() throws {
        var lease = try Self.lease(in: .claimed)
        #expect(try lease.apply(.lost(ticket: 0)) == .stopHandler(.leaseLost))
        #expect(try lease.apply(.start) == .stopHandler(.leaseLost))
        #expect(try lease.apply(.handlerStopped(.leaseLost)) == .none)
        #expect(lease.outcome == .leaseExpired)
    }

    @Test("shutdown's stop that comes while the commit is on its way changes nothing: the commit decided")
    func shutdownStopAfterCommit() throws {
        var lease = try Self.lease(in: .running)
        #expect(try lease.apply(.shutdownGraceOver) == .stopHandler(.shutdown))
        #expect(try lease.apply(.beginCommit) == .commit)
        #expect(try lease.apply(.recorded(.succeeded)) == .none)
        #expect(try lease.apply(.handlerStopped(.shutdown)) == .none)
        #expect(lease.state == .committed && lease.outcome == .succeeded)
    }

    @Test("shutdown's grace over during a commit the database blocks stops it: cancelled, the job is given back")
    func shutdownStopsABlockedCommit() throws {
        var lease = try Self.lease(in: .running)
        #expect(try lease.apply(.beginCommit) == .commit)
        #expect(try lease.apply(.shutdownGraceOver) == .stopHandler(.shutdown))
        #expect(try lease.apply(.commitFailed) == .none)
        #expect(try lease.apply(.handlerStopped(.shutdown)) == .release)
        #expect(try lease.apply(.recorded(.released)) == .none)
        #expect(lease.state == .released && lease.outcome == .released)
    }

    @Test("a handler past its timeout is stopped; the timeout is written once the worker stops waiting, and the handler's late commit is refused")
    func timeoutAbandonsAStubbornHandler() throws {
        var lease = try Self.lease(in: .running)
        #expect(try lease.apply(.timeoutPassed) == .stopHandler(.timedOut))
        // Neither extended nor judged by the heartbeat: the timeout's write decides.
        #expect(lease.heartbeatTicket == nil)
        #expect(try lease.apply(.beginCommit) == .refuseCommit)
        #expect(try lease.apply(.handlerAbandoned) == .recordTimeout)
        #expect(try lease.apply(.recorded(.timedOut)) == .none)
        #expect(lease.state == .timedOut && lease.outcome == .timedOut)
        // The handler, which ignored the stop, wakes and tries to commit, then ends.
        #expect(try lease.apply(.beginCommit) == .refuseCommit)
        #expect(try lease.apply(.handlerThrew(.retryable)) == .none)
        #expect(lease.state == .timedOut && lease.outcome == .timedOut)
    }

    @Test("a handler that ends just after its timeout passed has the timeout written, once")
    func timeoutBeforeTheHandlerEnds() throws {
        var lease = try Self.lease(in: .running)
        #expect(try lease.apply(.timeoutPassed) == .stopHandler(.timedOut))
        #expect(try lease.apply(.handlerReturned) == .recordTimeout)
        #expect(try lease.apply(.handlerAbandoned) == .none)
        #expect(try lease.apply(.handlerStopped(.timedOut)) == .none)
        #expect(try lease.apply(.recorded(.timedOut)) == .none)
        #expect(lease.state == .timedOut)
    }

    @Test("a timeout during the handler's commit stops it, and its verdict decides: committed it succeeded; rolled back, it timed out")
    func timeoutDuringACommit() throws {
        // The COMMIT went through before the cancel reached it.
        var committed = try Self.lease(in: .running)
        #expect(try committed.apply(.beginCommit) == .commit)
        #expect(try committed.apply(.timeoutPassed) == .stopHandler(.timedOut))
        #expect(try committed.apply(.handlerAbandoned) == .none)
        #expect(try committed.apply(.recorded(.succeeded)) == .none)
        #expect(try committed.apply(.handlerStopped(.timedOut)) == .none)
        #expect(committed.state == .committed && committed.outcome == .succeeded)

        // The cancel rolled it back (a campaign's batch, stopped in the middle of its work).
        var rolledBack = try Self.lease(in: .running)
        #expect(try rolledBack.apply(.beginCommit) == .commit)
        #expect(try rolledBack.apply(.timeoutPassed) == .stopHandler(.timedOut))
        #expect(try rolledBack.apply(.handlerAbandoned) == .none)
        #expect(try rolledBack.apply(.commitFailed) == .stopHandler(.timedOut))
        #expect(rolledBack.state == .timingOut)
        #expect(try rolledBack.apply(.handlerStopped(.timedOut)) == .recordTimeout)
        #expect(try rolledBack.apply(.recorded(.timedOut)) == .none)
        #expect(rolledBack.state == .timedOut && rolledBack.outcome == .timedOut)
    }

    @Test("a timeout whose write finds the job moved on is fenced, and the handler's later commit is refused")
    func timeoutWriteFenced() throws {
        var lease = try Self.lease(in: .timingOut)
        #expect(try lease.apply(.handlerAbandoned) == .recordTimeout)
        #expect(try lease.apply(.recorded(.fenced)) == .none)
        #expect(lease.state == .fenced && lease.outcome == .fenced)
        #expect(try lease.apply(.beginCommit) == .refuseCommit)
        #expect(try lease.apply(.handlerStopped(.timedOut)) == .none)
    }
}
