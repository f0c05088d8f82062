/// What an operator did: the closed list of actions the audit trail records
/// (the CHECK on `benefit.audit_event.action`, migrations/0011_audit.sql, with
/// the console users' actions added by 0013_console_accounts.sql and their
/// sign-ins by 0014_console_and_upgrades.sql, prunes by 0018_retention.sql,
/// members leaving by 0021_membership_status.sql, hardship aid's by
/// 0022_hardship_aid.sql, top-ups by 0023_budget_topup.sql and changes after
/// booking by 0024_booking_changes.sql, the units register's import by
/// 0025_job_fairs.sql).
public enum AuditAction: String, Sendable, Hashable, CaseIterable, Codable {
    case campaignApply = "campaign.apply"
    case campaignPause = "campaign.pause"
    case campaignResume = "campaign.resume"
    case campaignTrigger = "campaign.trigger"
    /// `campaign backfill`: runs created for a past period's fire times; from, to and how many in the details.
    case campaignBackfill = "campaign.backfill"
    /// `campaign topup`: a relief cycle's budget changed after its first run fixed it
    /// (migration 0023); the cycle, the amount and the budgets in the details.
    case campaignTopup = "campaign.topup"
    case runCancel = "run.cancel"
    /// `jobs retry --run`: every dead job of a run.
    case runRetry = "run.retry"
    case jobRetry = "job.retry"
    case jobCancel = "job.cancel"
    /// `jobs prune`: finished jobs and their attempts deleted (migration 0018); the
    /// target is the cutoff (jobs that finished before it), what went in the details.
    /// One row per chunk deleted.
    case jobPrune = "job.prune"
    case rosterImport = "roster.import"
    /// `members units`: the org units register imported, all or none (migration 0025);
    /// target the file, the counts in the details.
    case rosterUnits = "roster.units"
    /// `queues pause`: no worker claims the queue's jobs until it is resumed.
    case queuePause = "queue.pause"
    /// `queues resume`: the queue's jobs are claimed again.
    case queueResume = "queue.resume"
    /// `users add`: a console user created, with its role.
    case userAdd = "user.add"
    /// `users disable`: a console user may no longer sign in; its sessions ended.
    case userDisable = "user.disable"
    /// `users passwd`: a console user's password changed; its sessions ended.
    case userPasswd = "user.passwd"
    /// A console user signed in (migration 0014); the client's address in the details.
    case userLogin = "user.login"
    /// A console user signed out.
    case userLogout = "user.logout"
    /// `members leave`: a member marked left on a date, for a reason (migration 0021);
    /// the date and reason in the details, the operator's note as the reason.
    case memberLeave = "member.leave"
    /// `aid apply`: an application for hardship aid recorded for a member; target its id.
    /// Recorded by the database function that records it (migration 0022).
    case aidApply = "aid.apply"
    /// `aid import`: applications recorded from a file, all or none; target the file.
    case aidImport = "aid.import"
    /// `aid review`: an application approved (or a first approval of two), rejected or
    /// returned, with the reason; target its id, the decision and amount in the details.
    case aidReview = "aid.review"
    /// `aid fund deposit`: money into a fund; target the fund, amount and source in the details.
    case aidDeposit = "aid.deposit"
    /// `appointments move`: a checkup moved to another workday or hospital (migration 0024);
    /// target the member, the campaign, cycle, from and to in the details. Recorded by the
    /// database function that moves it.
    case appointmentMove = "appointment.move"
    /// `appointments cancel`: a checkup cancelled, its seat freed; target the member.
    case appointmentCancel = "appointment.cancel"
    /// `appointments no-show`: the member did not come; target the member.
    case appointmentNoShow = "appointment.no-show"
    /// `places cancel`: a recuperation place cancelled and given back to its session; target the member.
    case placeCancel = "place.cancel"

    /// The kind of thing the action names: the part of its name before the dot.
    public var targetType: AuditTargetType {
        switch self {
        case .campaignApply, .campaignPause, .campaignResume, .campaignTrigger, .campaignBackfill, .campaignTopup: .campaign
        case .runCancel, .runRetry: .run
        case .jobRetry, .jobCancel, .jobPrune: .job
        case .rosterImport, .rosterUnits: .roster
        case .queuePause, .queueResume: .queue
        case .userAdd, .userDisable, .userPasswd, .userLogin, .userLogout: .user
        case .memberLeave: .member
        case .aidApply, .aidImport, .aidReview, .aidDeposit: .aid
        case .appointmentMove, .appointmentCancel, .appointmentNoShow: .appointment
        case .placeCancel: .place
        }
    }

    /// Whether the operator must say why: actions that stop someone's work (pauses
    /// and cancels). The database refuses such a row without a reason too.
    public var requiresReason: Bool {
        switch self {
        case .campaignPause, .runCancel, .jobCancel, .queuePause, .campaignTopup, .appointmentMove, .appointmentCancel, .placeCancel: true
        default: false
        }
    }
}

/// The kind of thing an audited action names (column `target_type`).
public enum AuditTargetType: String, Sendable, Hashable, CaseIterable, Codable {
    /// A campaign, by name.
    case campaign
    /// A run, by id.
    case run
    /// A job, by id.
    case job
    /// A roster file, by the path given.
    case roster
    /// A queue, by name.
    case queue
    /// A console user, by name.
    case user
    /// A member of the roster, by member id.
    case member
    /// A hardship-aid application (by id), an import's file, or a fund (by name).
    case aid
    /// A member's checkup appointment, by member id (the campaign and cycle in the details).
    case appointment
    /// A member's recuperation place, by member id (the campaign and cycle in the details).
    case place
}
