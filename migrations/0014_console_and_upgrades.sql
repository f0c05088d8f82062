-- 0014 what the console's pages need, and what a rolling upgrade needs.
-- compatible-from: 0013
--
-- Every change here only adds: a release that bundles 0013 keeps working on it.
--
-- Sign-ins in the audit trail: a console user's sign-in and
-- sign-out are recorded like any other action (who, when, from which client),
-- in the transaction that opens or ends the session (Sources/BenefitAccounts).
-- Failed sign-ins stay in benefit.console_login_attempt, where the rate limit
-- counts them.

ALTER TABLE benefit.audit_event DROP CONSTRAINT audit_event_action_check;
ALTER TABLE benefit.audit_event ADD CONSTRAINT audit_event_action_check CHECK (action IN (
    'campaign.apply', 'campaign.pause', 'campaign.resume', 'campaign.trigger', 'campaign.backfill',
    'run.cancel', 'run.retry', 'job.retry', 'job.cancel', 'roster.import',
    'queue.pause', 'queue.resume',
    'user.add', 'user.disable', 'user.passwd', 'user.login', 'user.logout'));

-- A run's page lists its waitlist's first members by rank and counts them: an
-- index range scan of the run's entries, not a scan of every run's waitlist
-- (a relief run over a million members can leave hundreds of thousands).
CREATE INDEX waitlist_entry_run_rank_idx ON benefit.waitlist_entry (run_id, rank);

-- Rolling upgrades: each migration says the oldest release that keeps working
-- once it is applied (its file's `-- compatible-from: NNNN` line, recorded here
-- by `benefit db migrate`); NULL: only releases that bundle it. A daemon of an
-- older release starts, and keeps running, only while every migration newer
-- than its own says it may (docs/operations.md, Upgrading hosts one at a time).
ALTER TABLE benefit.schema_migrations ADD COLUMN compatible_from integer
    CHECK (compatible_from >= 1 AND compatible_from < version);
