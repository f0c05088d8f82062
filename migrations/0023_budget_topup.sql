-- 0023 budget top-up: more money for a cycle a run already opened
-- (`benefit campaign topup`), and a relief waitlist that later runs of the
-- cycle serve in rank order (docs/programs.md, seasonal relief: more money
-- mid-season).
-- compatible-from: 0018 (adds columns, a trigger, a function, an audit action; the served-member view keeps its columns)
--
-- A relief cycle's budget is fixed by its first run (benefit.open_relief_budget)
-- and a member waitlisted for want of money stayed waitlisted for the cycle:
-- the served-member view counted a waitlist entry as served, so no later run
-- looked at them again. Now a relief waitlist entry does not count as served:
-- a later run of the cycle ranks the waitlisted again with everyone not yet
-- granted, and grants in rank order what the ledger holds. Each waitlisted
-- member is granted at most once (the grant's primary key), and the grant's
-- insert marks the entry served (served_at, served_run_id) in the same
-- statement, so the waitlist keeps who waited and says who was served later.
-- Checkups and recuperation places keep counting a waitlist entry as served.

ALTER TABLE benefit.waitlist_entry
    ADD COLUMN served_at timestamptz,
    ADD COLUMN served_run_id bigint REFERENCES benefit.run (id),
    ADD CONSTRAINT waitlist_entry_served_check CHECK ((served_at IS NULL) = (served_run_id IS NULL));

-- Owner's rights: no login may mark a waitlist entry served by hand.
CREATE FUNCTION benefit.grant_serves_waitlist() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    UPDATE benefit.waitlist_entry w
    SET served_at = now(), served_run_id = n.run_id
    FROM inserted n
    WHERE w.campaign_id = n.campaign_id AND w.cycle = n.cycle AND w.member_id = n.member_id AND w.served_at IS NULL;
    RETURN NULL;
END
$$;
CREATE TRIGGER grant_serves_waitlist AFTER INSERT ON benefit.grant
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION benefit.grant_serves_waitlist();

CREATE OR REPLACE VIEW benefit.served_member AS
SELECT g.campaign_id, g.cycle, g.member_id FROM benefit.grant g
UNION ALL
SELECT a.campaign_id, a.cycle, a.member_id FROM benefit.appointment a
UNION ALL
SELECT p.campaign_id, p.cycle, p.member_id FROM benefit.allocation p
UNION ALL
SELECT w.campaign_id, w.cycle, w.member_id FROM benefit.waitlist_entry w WHERE w.program <> 'seasonal-relief';

-- The administrators' waitlist gains when and by which run a member waiting was
-- served later (new columns last): a relief member granted by a later run of
-- the cycle, an aid award paid by a later run (0022).
CREATE OR REPLACE VIEW benefit.waitlist AS
SELECT w.member_id, c.name AS campaign, w.cycle, w.run_id, w.job_id, w.created_at, w.program, w.rank, w.reason,
       w.served_at, w.served_run_id
FROM benefit.waitlist_entry w
JOIN benefit.campaign c ON c.id = w.campaign_id
UNION ALL
SELECT a.member_id, c.name, r.cycle, w.run_id, w.job_id, w.created_at, 'hardship-aid', w.rank,
       pg_catalog.format('application %s: %s', w.application_id, w.reason), p.paid_at, p.run_id
FROM benefit.aid_waitlist_entry w
JOIN benefit.aid_application a ON a.id = w.application_id
JOIN benefit.run r ON r.id = w.run_id
JOIN benefit.campaign c ON c.id = r.campaign_id
LEFT JOIN benefit.aid_payment p ON p.application_id = w.application_id;

-- Operators: raises (or, with a negative amount, lowers) the budget of a cycle
-- whose ledger a run opened; the ledger's CHECK refuses a budget below what is
-- spent. Returns the budget before and after and what is spent. The caller
-- records campaign.topup in the same transaction.
CREATE FUNCTION benefit.topup_relief_budget(p_campaign text, p_cycle text, p_amount numeric)
RETURNS TABLE (budget_before numeric, budget_after numeric, spent numeric)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_campaign bigint;
    v_program  text;
BEGIN
    SELECT c.id, c.program INTO v_campaign, v_program FROM benefit.campaign c WHERE c.name = p_campaign;
    IF v_campaign IS NULL THEN
        RAISE EXCEPTION 'no campaign named %', p_campaign USING ERRCODE = 'no_data_found';
    END IF;
    IF v_program <> 'seasonal-relief' THEN
        RAISE EXCEPTION 'campaign % runs %, which has no budget to top up', p_campaign, v_program
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_amount IS NULL OR p_amount = 0 THEN
        RAISE EXCEPTION 'the amount must not be zero' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN QUERY
    WITH before AS (
        SELECT b.budget FROM benefit.relief_budget b WHERE b.campaign_id = v_campaign AND b.cycle = p_cycle FOR NO KEY UPDATE
    ), changed AS (
        UPDATE benefit.relief_budget b SET budget = b.budget + p_amount, updated_at = now()
        WHERE b.campaign_id = v_campaign AND b.cycle = p_cycle
        RETURNING b.budget, b.spent
    )
    SELECT before.budget, changed.budget, changed.spent FROM before, changed;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'cycle % of campaign % has no budget yet: its first run opens it from the campaign file', p_cycle, p_campaign
            USING ERRCODE = 'no_data_found';
    END IF;
END
$$;

ALTER TABLE benefit.audit_event DROP CONSTRAINT audit_event_action_check;
ALTER TABLE benefit.audit_event ADD CONSTRAINT audit_event_action_check CHECK (action IN (
    'campaign.apply', 'campaign.pause', 'campaign.resume', 'campaign.trigger', 'campaign.backfill', 'campaign.topup',
    'run.cancel', 'run.retry', 'job.retry', 'job.cancel', 'job.prune', 'roster.import',
    'queue.pause', 'queue.resume',
    'user.add', 'user.disable', 'user.passwd', 'user.login', 'user.logout',
    'aid.apply', 'aid.import', 'aid.review', 'aid.deposit',
    'member.leave'));

-- A top-up says why, like a pause or a cancel: the database refuses its row without a reason.
ALTER TABLE benefit.audit_event DROP CONSTRAINT audit_event_check1;
ALTER TABLE benefit.audit_event ADD CONSTRAINT audit_event_reason_required
    CHECK (reason IS NOT NULL OR action NOT IN ('campaign.pause', 'run.cancel', 'job.cancel', 'queue.pause', 'campaign.topup'));

REVOKE ALL ON FUNCTION benefit.grant_serves_waitlist(), benefit.topup_relief_budget(text, text, numeric) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION benefit.topup_relief_budget(text, text, numeric) TO benefit_operator;
