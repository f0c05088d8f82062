-- 0022 hardship aid (困难职工帮扶 / 爱心互助基金): applications recorded for
-- members, reviewed under caps and a two-reviewer rule, funds that take
-- donations in and pay awards out, and the payments a `hardship-aid` campaign's
-- runs make in approval order (docs/programs.md, hardship-aid; docs/sql.md,
-- Hardship aid).
-- compatible-from: 0018 (only adds: tables, views, functions; the audit's action and target type lists widened; benefit.waitlist also shows awards waiting for money, same columns)
--
-- Every rule is the database's, so that hand-written SQL by an operator or a
-- worker login is held to it as the command line is:
-- - applications are recorded, reviewed and funds credited only through the
--   functions below (no role but the owner may write those tables); each
--   function records its audit row in the caller's transaction;
-- - a reviewer is the database login (session_user): nobody reviews what they
--   recorded, and an approval above the campaign's `dualReviewAbove` needs a
--   second, different login;
-- - a case's amount is capped by its category, a member's approved awards of a
--   year by `yearlyCap`, both read from the campaign's current revision;
-- - a fund's balance is a row with CHECK (balance >= 0), changed only by
--   triggers on deposits and payments, in the statement that inserts them: the
--   row lock that UPDATE takes serialises writers, and the CHECK refuses any
--   statement that would overdraw it, whatever runs concurrently;
-- - an award is paid at most once (the payment's primary key is the
--   application), only by the fenced commit of the batch job it names, and
--   only in full (the payment's amount must be the approved amount).

------------------------------------------------------------------------------
-- Funds
------------------------------------------------------------------------------

-- One row per fund (爱心互助基金): what came in, what went out, what is left.
CREATE TABLE benefit.aid_fund (
    fund       text          PRIMARY KEY CHECK (char_length(fund) BETWEEN 1 AND 100),
    deposited  numeric(14,2) NOT NULL DEFAULT 0 CHECK (deposited >= 0),
    paid       numeric(14,2) NOT NULL DEFAULT 0 CHECK (paid >= 0),
    balance    numeric(14,2) NOT NULL DEFAULT 0,
    created_at timestamptz   NOT NULL DEFAULT now(),
    updated_at timestamptz   NOT NULL DEFAULT now(),
    CONSTRAINT aid_fund_not_overdrawn CHECK (balance >= 0),
    CONSTRAINT aid_fund_balance_adds_up CHECK (balance = deposited - paid)
);

-- A donation into a fund. Who recorded it is the database's word (db_user).
CREATE TABLE benefit.aid_deposit (
    id           bigint        GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    fund         text          NOT NULL REFERENCES benefit.aid_fund (fund),
    amount       numeric(14,2) NOT NULL CHECK (amount > 0),
    source       text          NOT NULL CHECK (char_length(source) BETWEEN 1 AND 200),
    deposited_at timestamptz   NOT NULL DEFAULT now(),
    db_user      text          NOT NULL DEFAULT session_user,
    os_user      text          NOT NULL CHECK (char_length(os_user) BETWEEN 1 AND 200)
);
CREATE INDEX aid_deposit_fund_idx ON benefit.aid_deposit (fund, deposited_at);

------------------------------------------------------------------------------
-- Applications and their review
------------------------------------------------------------------------------

-- One application for one member, recorded against a hardship-aid campaign
-- (whose parameters hold its categories and caps). `state` moves once, from
-- pending to approved, rejected or returned; a large approval's first reviewer
-- is recorded on the pending row (first_*), and a second login completes it.
CREATE TABLE benefit.aid_application (
    id               bigint        GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    campaign_id      bigint        NOT NULL REFERENCES benefit.campaign (id),
    member_id        text          NOT NULL REFERENCES benefit.member (member_id),
    category         text          NOT NULL CHECK (category ~ '^[a-z][a-z0-9-]{0,39}$'),
    requested        numeric(14,2) NOT NULL CHECK (requested > 0),
    statement        text          NOT NULL CHECK (char_length(statement) BETWEEN 1 AND 1000),
    evidence         text[]        NOT NULL DEFAULT '{}'
                     CHECK (cardinality(evidence) <= 20 AND array_position(evidence, NULL) IS NULL),
    recorded_at      timestamptz   NOT NULL DEFAULT now(),
    recorded_by      text          NOT NULL DEFAULT session_user,
    recorded_os_user text          NOT NULL,
    state            text          NOT NULL DEFAULT 'pending'
                     CHECK (state IN ('pending', 'approved', 'rejected', 'returned')),
    first_reviewer   text,
    first_amount     numeric(14,2) CHECK (first_amount > 0),
    first_reason     text,
    first_reviewed_at timestamptz,
    decided_by       text,
    decided_os_user  text,
    decided_at       timestamptz,
    decision_reason  text          CHECK (char_length(decision_reason) BETWEEN 1 AND 500),
    approved_amount  numeric(14,2) CHECK (approved_amount > 0),
    -- Approval order: the order runs pay awards in.
    approval_seq     bigint        UNIQUE,
    CHECK ((state = 'pending') = (decided_at IS NULL)),
    CHECK ((state = 'approved') = (approved_amount IS NOT NULL)),
    CHECK ((state = 'approved') = (approval_seq IS NOT NULL)),
    CHECK ((first_reviewer IS NULL) = (first_amount IS NULL)),
    -- Nobody reviews what they recorded; a second reviewer is another login.
    CHECK (decided_by IS DISTINCT FROM recorded_by),
    CHECK (first_reviewer IS DISTINCT FROM recorded_by),
    CHECK (first_reviewer IS NULL OR decided_by IS NULL OR first_reviewer <> decided_by)
);
CREATE INDEX aid_application_member_idx ON benefit.aid_application (member_id);
CREATE INDEX aid_application_unpaid_idx ON benefit.aid_application (campaign_id, approval_seq) WHERE state = 'approved';
CREATE SEQUENCE benefit.aid_approval_seq;

-- A campaign's hardship-aid parameters, from its current revision, or an error
-- naming what is wrong (no such campaign, another program).
CREATE FUNCTION benefit.aid_campaign(p_campaign text, OUT campaign_id bigint, OUT parameters jsonb)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_program text;
BEGIN
    SELECT c.id, c.program, c.definition -> 'parameters' INTO campaign_id, v_program, parameters
    FROM benefit.campaign c WHERE c.name = p_campaign;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'campaign % does not exist: apply a hardship-aid campaign first', p_campaign
            USING ERRCODE = 'no_data_found';
    END IF;
    IF v_program <> 'hardship-aid' THEN
        RAISE EXCEPTION 'campaign % runs %, not hardship-aid', p_campaign, v_program USING ERRCODE = 'check_violation';
    END IF;
END
$$;

-- Why a member may not receive aid under `p_parameters`, or NULL: not on the
-- roster, gone from the union (0021: left on or before today), or an
-- employment state the campaign does not take.
CREATE FUNCTION benefit.aid_member_refusal(p_member_id text, p_parameters jsonb)
RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_employment text;
    v_left_on    date;
BEGIN
    SELECT m.employment, m.left_on INTO v_employment, v_left_on FROM benefit.member m WHERE m.member_id = p_member_id;
    IF NOT FOUND THEN
        RETURN pg_catalog.format('member %s is not on the roster', p_member_id);
    END IF;
    IF v_left_on <= CURRENT_DATE THEN
        RETURN pg_catalog.format('member %s left the union on %s', p_member_id, v_left_on);
    END IF;
    IF NOT (p_parameters -> 'employment') ? v_employment THEN
        RETURN pg_catalog.format('member %s is %s; this campaign takes %s', p_member_id, v_employment,
                                 pg_catalog.array_to_string(ARRAY(SELECT pg_catalog.jsonb_array_elements_text(p_parameters -> 'employment')), ', '));
    END IF;
    RETURN NULL;
END
$$;

-- Records applications for a hardship-aid campaign, all or none, and their
-- audit row: one `aid.apply` per application when `p_source` is NULL (one
-- recorded by hand), else one `aid.import` naming the file. `p_rows` is a JSON
-- array of {member_id, category, amount (text), statement, evidence: [text]}.
-- A refusal names the row (1-based) so an import can name its file's line.
CREATE FUNCTION benefit.aid_record_applications(p_campaign text, p_rows jsonb, p_os_user text, p_source text)
RETURNS bigint[]
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_campaign_id bigint;
    v_parameters  jsonb;
    v_row         jsonb;
    v_index       integer := 0;
    v_refusal     text;
    v_amount      numeric(14,2);
    v_id          bigint;
    v_ids         bigint[] := '{}';
BEGIN
    SELECT a.campaign_id, a.parameters INTO v_campaign_id, v_parameters FROM benefit.aid_campaign(p_campaign) a;
    IF pg_catalog.jsonb_typeof(p_rows) IS DISTINCT FROM 'array' OR pg_catalog.jsonb_array_length(p_rows) = 0 THEN
        RAISE EXCEPTION 'no application to record' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOR v_row IN SELECT r FROM pg_catalog.jsonb_array_elements(p_rows) AS r LOOP
        v_index := v_index + 1;
        IF NOT (v_parameters -> 'categories') ? (v_row ->> 'category') THEN
            RAISE EXCEPTION 'row %: category % is not one of %', v_index, v_row ->> 'category',
                pg_catalog.array_to_string(ARRAY(SELECT pg_catalog.jsonb_object_keys(v_parameters -> 'categories') ORDER BY 1), ', ')
                USING ERRCODE = 'check_violation';
        END IF;
        v_refusal := benefit.aid_member_refusal(v_row ->> 'member_id', v_parameters);
        IF v_refusal IS NOT NULL THEN
            RAISE EXCEPTION 'row %: %', v_index, v_refusal USING ERRCODE = 'check_violation';
        END IF;
        v_amount := (v_row ->> 'amount')::numeric(14,2);
        INSERT INTO benefit.aid_application (campaign_id, member_id, category, requested, statement, evidence, recorded_os_user)
        VALUES (v_campaign_id, v_row ->> 'member_id', v_row ->> 'category', v_amount, v_row ->> 'statement',
                coalesce(ARRAY(SELECT pg_catalog.jsonb_array_elements_text(v_row -> 'evidence')), '{}'), p_os_user)
        RETURNING id INTO v_id;
        v_ids := v_ids || v_id;
        IF p_source IS NULL THEN
            INSERT INTO benefit.audit_event (os_user, action, target_type, target, details)
            VALUES (p_os_user, 'aid.apply', 'aid', v_id::text,
                    pg_catalog.jsonb_build_object('member', v_row ->> 'member_id', 'category', v_row ->> 'category',
                                                  'amount', v_amount::text, 'campaign', p_campaign));
        END IF;
    END LOOP;
    IF p_source IS NOT NULL THEN
        INSERT INTO benefit.audit_event (os_user, action, target_type, target, details)
        VALUES (p_os_user, 'aid.import', 'aid', p_source,
                pg_catalog.jsonb_build_object('applications', v_index, 'first', v_ids[1], 'last', v_ids[v_index],
                                              'campaign', p_campaign));
    END IF;
    RETURN v_ids;
END
$$;

-- Reviews one application as the calling login, and audits the decision.
-- `p_decision`: approve (with `p_amount`), reject or return; a reason always.
-- Returns the application's state after it: pending (a first approval above
-- the threshold, awaiting a second reviewer), approved, rejected or returned.
CREATE FUNCTION benefit.aid_review(p_application_id bigint, p_decision text, p_amount numeric, p_reason text, p_os_user text)
RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_app        benefit.aid_application%ROWTYPE;
    v_parameters jsonb;
    v_cap        numeric;
    v_yearly     numeric;
    v_threshold  numeric;
    v_year       integer;
    v_awarded    numeric;
    v_refusal    text;
    v_amount     numeric(14,2) := p_amount;
    v_state      text;
BEGIN
    IF p_decision NOT IN ('approve', 'reject', 'return') THEN
        RAISE EXCEPTION 'decision must be approve, reject or return, got %', p_decision USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_reason IS NULL OR pg_catalog.btrim(p_reason) = '' THEN
        RAISE EXCEPTION 'a review needs a reason' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- The row lock serialises reviewers of one application: the second of two
    -- concurrent approvals sees the first's.
    SELECT * INTO v_app FROM benefit.aid_application a WHERE a.id = p_application_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'application % does not exist', p_application_id USING ERRCODE = 'no_data_found';
    END IF;
    IF v_app.state <> 'pending' THEN
        RAISE EXCEPTION 'application % is already %', p_application_id, v_app.state USING ERRCODE = 'check_violation';
    END IF;
    IF v_app.recorded_by = session_user THEN
        RAISE EXCEPTION 'application % was recorded by %: nobody reviews an application they recorded', p_application_id, session_user
            USING ERRCODE = 'insufficient_privilege';
    END IF;

    IF p_decision <> 'approve' THEN
        v_state := CASE p_decision WHEN 'reject' THEN 'rejected' ELSE 'returned' END;
        UPDATE benefit.aid_application
        SET state = v_state, decided_by = session_user, decided_os_user = p_os_user, decided_at = now(), decision_reason = p_reason
        WHERE id = p_application_id;
    ELSE
        SELECT c.definition -> 'parameters' INTO v_parameters FROM benefit.campaign c WHERE c.id = v_app.campaign_id;
        IF v_amount IS NULL OR v_amount <= 0 THEN
            RAISE EXCEPTION 'an approval needs a positive amount' USING ERRCODE = 'invalid_parameter_value';
        END IF;
        v_refusal := benefit.aid_member_refusal(v_app.member_id, v_parameters);
        IF v_refusal IS NOT NULL THEN
            RAISE EXCEPTION 'application %: %', p_application_id, v_refusal USING ERRCODE = 'check_violation';
        END IF;
        v_cap := (v_parameters #>> ARRAY['categories', v_app.category])::numeric;
        IF v_cap IS NULL THEN
            RAISE EXCEPTION 'application %: category % is no longer in the campaign', p_application_id, v_app.category
                USING ERRCODE = 'check_violation';
        END IF;
        IF v_amount > v_cap THEN
            RAISE EXCEPTION 'application %: % yuan is over the % cap of % per case', p_application_id, v_amount, v_app.category, v_cap
                USING ERRCODE = 'check_violation';
        END IF;
        IF v_app.first_reviewer IS NOT NULL AND v_app.first_amount <> v_amount THEN
            RAISE EXCEPTION 'application %: the second approval must confirm the first''s amount (% yuan by %), got %',
                p_application_id, v_app.first_amount, v_app.first_reviewer, v_amount USING ERRCODE = 'check_violation';
        END IF;
        -- The member's yearly cap counts every award approved in the year (in
        -- the campaign's time zone). Their applications are serialised on the
        -- member's roster row, so two reviewers of two of their cases cannot
        -- both pass the cap.
        PERFORM 1 FROM benefit.member m WHERE m.member_id = v_app.member_id FOR NO KEY UPDATE;
        v_year := pg_catalog.date_part('year', now() AT TIME ZONE coalesce(
            (SELECT c.definition #>> '{schedule,timezone}' FROM benefit.campaign c WHERE c.id = v_app.campaign_id), 'UTC'))::integer;
        SELECT coalesce(sum(a.approved_amount), 0) INTO v_awarded
        FROM benefit.aid_application a
        WHERE a.member_id = v_app.member_id AND a.state = 'approved'
          AND pg_catalog.date_part('year', a.decided_at AT TIME ZONE coalesce(
                (SELECT c.definition #>> '{schedule,timezone}' FROM benefit.campaign c WHERE c.id = a.campaign_id), 'UTC')) = v_year;
        v_yearly := (v_parameters ->> 'yearlyCap')::numeric;
        IF v_awarded + v_amount > v_yearly THEN
            RAISE EXCEPTION 'application %: member % would have % yuan approved in %, over the yearly cap of %',
                p_application_id, v_app.member_id, v_awarded + v_amount, v_year, v_yearly USING ERRCODE = 'check_violation';
        END IF;
        v_threshold := (v_parameters ->> 'dualReviewAbove')::numeric;
        IF v_amount > v_threshold AND v_app.first_reviewer IS NULL THEN
            v_state := 'pending';
            UPDATE benefit.aid_application
            SET first_reviewer = session_user, first_amount = v_amount, first_reason = p_reason, first_reviewed_at = now()
            WHERE id = p_application_id;
        ELSIF v_app.first_reviewer = session_user THEN
            RAISE EXCEPTION 'application %: % already approved it; an approval over % yuan needs a second, different reviewer',
                p_application_id, session_user, v_threshold USING ERRCODE = 'insufficient_privilege';
        ELSE
            v_state := 'approved';
            UPDATE benefit.aid_application
            SET state = 'approved', approved_amount = v_amount, approval_seq = pg_catalog.nextval('benefit.aid_approval_seq'),
                decided_by = session_user, decided_os_user = p_os_user, decided_at = now(), decision_reason = p_reason
            WHERE id = p_application_id;
        END IF;
    END IF;
    INSERT INTO benefit.audit_event (os_user, action, target_type, target, reason, details)
    VALUES (p_os_user, 'aid.review', 'aid', p_application_id::text, p_reason,
            pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
                'decision', p_decision, 'state', v_state, 'member', v_app.member_id,
                'amount', CASE WHEN p_decision = 'approve' THEN v_amount::text END,
                'awaiting_second_review', v_state = 'pending')));
    RETURN v_state;
END
$$;

-- Credits a fund (opening it on its first deposit) and audits it; returns the new balance.
CREATE FUNCTION benefit.aid_deposit(p_fund text, p_amount numeric, p_source text, p_os_user text)
RETURNS numeric
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_balance numeric;
BEGIN
    INSERT INTO benefit.aid_fund (fund) VALUES (p_fund) ON CONFLICT (fund) DO NOTHING;
    INSERT INTO benefit.aid_deposit (fund, amount, source, os_user) VALUES (p_fund, p_amount, p_source, p_os_user);
    SELECT f.balance INTO v_balance FROM benefit.aid_fund f WHERE f.fund = p_fund;
    INSERT INTO benefit.audit_event (os_user, action, target_type, target, reason, details)
    VALUES (p_os_user, 'aid.deposit', 'aid', p_fund, NULL,
            pg_catalog.jsonb_build_object('amount', p_amount::numeric(14,2)::text, 'source', p_source, 'balance', v_balance::text));
    RETURN v_balance;
END
$$;

-- Deposits credit their fund and payments debit it, in the statement that
-- inserts them: one UPDATE per statement and fund. The fund's CHECK
-- (balance >= 0) then refuses a statement of payments that would overdraw it,
-- and the row lock the UPDATE takes serialises every writer of one fund.
CREATE FUNCTION benefit.aid_fund_moves() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_in boolean := TG_TABLE_NAME = 'aid_deposit';
BEGIN
    UPDATE benefit.aid_fund f
    SET deposited = f.deposited + CASE WHEN v_in THEN n.total ELSE 0 END,
        paid = f.paid + CASE WHEN v_in THEN 0 ELSE n.total END,
        balance = f.balance + CASE WHEN v_in THEN n.total ELSE -n.total END,
        updated_at = now()
    FROM (SELECT fund, sum(amount) AS total FROM inserted GROUP BY fund) n
    WHERE f.fund = n.fund;
    RETURN NULL;
END
$$;
CREATE TRIGGER aid_deposit_credits_fund AFTER INSERT ON benefit.aid_deposit
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION benefit.aid_fund_moves();

------------------------------------------------------------------------------
-- Disbursement: runs of a hardship-aid campaign pay approved awards
------------------------------------------------------------------------------

-- A run's plan, made when it plans: the fund, what it held, and the last award
-- (by approval order) the balance covered walking awards in that order. Awards
-- after it wait for money, even if a smaller one would fit: approval order is
-- kept. Batches follow the plan, so who is paid does not depend on the order
-- batches commit in.
CREATE TABLE benefit.aid_allotment (
    run_id            bigint        PRIMARY KEY REFERENCES benefit.run (id),
    fund              text          NOT NULL,
    balance           numeric(14,2) NOT NULL CHECK (balance >= 0),
    awards            integer       NOT NULL CHECK (awards >= 0),
    covered           integer       NOT NULL CHECK (covered BETWEEN 0 AND awards),
    covered_amount    numeric(14,2) NOT NULL CHECK (covered_amount BETWEEN 0 AND balance),
    last_covered_seq  bigint,
    CHECK ((covered = 0) = (last_covered_seq IS NULL))
);

-- An award paid: once per application (the primary key), in full.
CREATE TABLE benefit.aid_payment (
    application_id bigint        PRIMARY KEY REFERENCES benefit.aid_application (id),
    fund           text          NOT NULL REFERENCES benefit.aid_fund (fund),
    amount         numeric(14,2) NOT NULL CHECK (amount > 0),
    campaign_id    bigint        NOT NULL REFERENCES benefit.campaign (id),
    run_id         bigint        NOT NULL REFERENCES benefit.run (id),
    job_id         bigint        NOT NULL,   -- no foreign key: jobs may be pruned, payments are kept
    paid_at        timestamptz   NOT NULL DEFAULT now()
);
CREATE INDEX aid_payment_run_idx ON benefit.aid_payment (run_id);

-- An award a run could not pay (the fund could not cover it), with the reason.
-- Once per award and run; a later run pays it when money arrives.
CREATE TABLE benefit.aid_waitlist_entry (
    application_id bigint      NOT NULL REFERENCES benefit.aid_application (id),
    run_id         bigint      NOT NULL REFERENCES benefit.run (id),
    job_id         bigint      NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    rank           bigint      NOT NULL CHECK (rank >= 1),
    reason         text        NOT NULL,
    PRIMARY KEY (application_id, run_id)
);
CREATE INDEX aid_waitlist_entry_run_idx ON benefit.aid_waitlist_entry (run_id, rank);

-- A payment is the award as approved: its application approved, the amount
-- the approved one (never in part), of the run's campaign, from the fund the
-- revision the run fires names. After the row
-- is in (row-level security and the keys checked first), for the rows the
-- statement inserted: a conflict skipped by ON CONFLICT DO NOTHING is not checked.
CREATE FUNCTION benefit.aid_payment_matches_award() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM benefit.aid_application a
        JOIN benefit.run r ON r.id = NEW.run_id AND r.campaign_id = a.campaign_id
        JOIN benefit.campaign_revision rv ON rv.campaign_id = r.campaign_id AND rv.revision = r.campaign_revision
        WHERE a.id = NEW.application_id AND a.state = 'approved' AND a.approved_amount = NEW.amount
          AND a.campaign_id = NEW.campaign_id AND rv.definition #>> '{parameters,fund}' = NEW.fund
    ) THEN
        RAISE EXCEPTION 'payment of application % (% yuan) does not match an approved award', NEW.application_id, NEW.amount
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER aid_payment_matches_award AFTER INSERT ON benefit.aid_payment
    FOR EACH ROW EXECUTE FUNCTION benefit.aid_payment_matches_award();

-- Payments debit their fund (benefit.aid_fund_moves, above).
CREATE TRIGGER aid_payment_debits_fund AFTER INSERT ON benefit.aid_payment
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION benefit.aid_fund_moves();

-- Run by the planning job: what the campaign's fund holds now (0 for a fund
-- with no deposit yet). No lock: the plan is a forecast; batches lock.
CREATE FUNCTION benefit.aid_fund_balance(p_fund text)
RETURNS numeric
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
    SELECT coalesce((SELECT f.balance FROM benefit.aid_fund f WHERE f.fund = p_fund), 0::numeric)
$$;

-- Run by a batch job that pays: locks the fund's row until it commits (one
-- paying batch at a time, each reading what the last left) and returns the
-- balance (NULL: no such fund).
CREATE FUNCTION benefit.lock_aid_fund(p_fund text)
RETURNS numeric
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
    SELECT f.balance FROM benefit.aid_fund f WHERE f.fund = p_fund FOR NO KEY UPDATE
$$;

ALTER TABLE benefit.aid_allotment ENABLE ROW LEVEL SECURITY;
CREATE POLICY aid_allotment_read ON benefit.aid_allotment FOR SELECT USING (true);
CREATE POLICY aid_allotment_planned ON benefit.aid_allotment FOR INSERT TO benefit_worker
    WITH CHECK (run_id = (SELECT benefit.planning_run()));
ALTER TABLE benefit.aid_payment ENABLE ROW LEVEL SECURITY;
CREATE POLICY aid_payment_read ON benefit.aid_payment FOR SELECT USING (true);
CREATE POLICY aid_payment_in_fenced_commit ON benefit.aid_payment FOR INSERT TO benefit_worker
    WITH CHECK (job_id = (SELECT benefit.fenced_commit_job()));
ALTER TABLE benefit.aid_waitlist_entry ENABLE ROW LEVEL SECURITY;
CREATE POLICY aid_waitlist_entry_read ON benefit.aid_waitlist_entry FOR SELECT USING (true);
CREATE POLICY aid_waitlist_entry_in_fenced_commit ON benefit.aid_waitlist_entry FOR INSERT TO benefit_worker
    WITH CHECK (job_id = (SELECT benefit.fenced_commit_job()));

------------------------------------------------------------------------------
-- Administrators' views (docs/sql.md, Hardship aid)
------------------------------------------------------------------------------

-- One row per application: who asked for what, how it was decided, whether paid.
-- status: pending, second-review (a first approval awaits a second reviewer),
-- approved (not yet paid), paid, rejected, returned.
CREATE VIEW benefit.aid_applications AS
SELECT a.id AS application_id, a.member_id, c.name AS campaign, a.category, a.requested, a.statement, a.evidence,
       CASE WHEN p.application_id IS NOT NULL THEN 'paid'
            WHEN a.state = 'pending' AND a.first_reviewer IS NOT NULL THEN 'second-review'
            ELSE a.state END AS status,
       a.recorded_at, a.recorded_by, a.recorded_os_user,
       a.first_reviewer, a.first_amount, a.first_reviewed_at,
       a.decided_by, a.decided_os_user, a.decided_at, a.decision_reason, a.approved_amount, a.approval_seq,
       p.fund, p.amount AS paid_amount, p.paid_at, p.run_id AS paid_by_run
FROM benefit.aid_application a
JOIN benefit.campaign c ON c.id = a.campaign_id
LEFT JOIN benefit.aid_payment p ON p.application_id = a.id;

CREATE VIEW benefit.aid_funds AS
SELECT fund, deposited, paid, balance, created_at, updated_at FROM benefit.aid_fund;

CREATE VIEW benefit.aid_deposits AS
SELECT id AS deposit_id, fund, amount, source, deposited_at, db_user, os_user FROM benefit.aid_deposit;

-- One row per award paid, with the member's roster facts for reports.
CREATE VIEW benefit.aid_payments AS
SELECT p.application_id, a.member_id, c.name AS campaign, a.category, p.fund, p.amount, p.paid_at, p.run_id, p.job_id,
       m.org_unit, m.employment,
       CASE WHEN m.employment = 'retired' THEN 'retired' ELSE 'in service' END AS service
FROM benefit.aid_payment p
JOIN benefit.aid_application a ON a.id = p.application_id
JOIN benefit.campaign c ON c.id = p.campaign_id
JOIN benefit.member m ON m.member_id = a.member_id;

-- The documented waitlist shows awards waiting for money too: member_id is the
-- applicant's, rank the award's place in the run, cycle the run's.
CREATE OR REPLACE VIEW benefit.waitlist AS
SELECT w.member_id, c.name AS campaign, w.cycle, w.run_id, w.job_id, w.created_at, w.program, w.rank, w.reason
FROM benefit.waitlist_entry w
JOIN benefit.campaign c ON c.id = w.campaign_id
UNION ALL
SELECT a.member_id, c.name, r.cycle, w.run_id, w.job_id, w.created_at, 'hardship-aid', w.rank,
       pg_catalog.format('application %s: %s', w.application_id, w.reason)
FROM benefit.aid_waitlist_entry w
JOIN benefit.aid_application a ON a.id = w.application_id
JOIN benefit.run r ON r.id = w.run_id
JOIN benefit.campaign c ON c.id = r.campaign_id;

-- One member's file (一户一档, 0021) gains the member's aid applications (when
-- recorded, with their state) and payments (when paid, with the amount), read
-- through the applications' member index.
CREATE OR REPLACE VIEW benefit.member_history AS
SELECT g.member_id, g.created_at AS at, 'grant'::text AS kind, g.campaign, g.cycle, g.run_id,
       g.season || coalesce(' · tier ' || g.tier, '') AS detail, g.amount::numeric AS amount
FROM benefit.grants g
UNION ALL
SELECT a.member_id, a.created_at, 'appointment', a.campaign, a.cycle, a.run_id,
       a.hospital || ' · ' || a.appointment_date || ' · ' || a.package, NULL
FROM benefit.appointments a
UNION ALL
SELECT p.member_id, p.created_at, 'place', p.campaign, p.cycle, p.run_id,
       p.site || ' · ' || p.session_start || ' · ' || p.session_days || 'd', NULL
FROM benefit.allocations p
UNION ALL
SELECT w.member_id, w.created_at, 'waitlist', w.campaign, w.cycle, w.run_id,
       w.program || ' · #' || w.rank || ' · ' || w.reason, NULL
FROM benefit.waitlist w
UNION ALL
SELECT m.member_id, m.joined_at, 'joined', NULL, NULL, NULL, 'on the roster', NULL
FROM benefit.member m
WHERE m.joined_at IS NOT NULL
UNION ALL
SELECT c.member_id, c.at, CASE c.change WHEN 'left' THEN 'left' ELSE 'joined' END, NULL, NULL, NULL,
       CASE c.change
           WHEN 'left' THEN 'left on ' || c.left_on || ' · ' || c.reason || coalesce(' · ' || c.note, '')
           ELSE 'back on the roster'
       END,
       NULL
FROM benefit.membership_change c
UNION ALL
SELECT a.member_id, a.recorded_at, 'aid-application', c.name, NULL, NULL,
       'application ' || a.id || ' · ' || a.category || ' · ' || a.requested || ' requested · ' || a.state
           || coalesce(' · ' || a.approved_amount || ' approved', ''),
       NULL
FROM benefit.aid_application a
JOIN benefit.campaign c ON c.id = a.campaign_id
UNION ALL
SELECT a.member_id, p.paid_at, 'aid-payment', c.name, r.cycle, p.run_id,
       'application ' || a.id || ' · ' || a.category || ' · fund ' || p.fund, p.amount
FROM benefit.aid_payment p
JOIN benefit.aid_application a ON a.id = p.application_id
JOIN benefit.campaign c ON c.id = p.campaign_id
JOIN benefit.run r ON r.id = p.run_id;

------------------------------------------------------------------------------
-- Audit: the aid actions, and member.leave (another change's)
------------------------------------------------------------------------------

ALTER TABLE benefit.audit_event DROP CONSTRAINT audit_event_action_check;
ALTER TABLE benefit.audit_event ADD CONSTRAINT audit_event_action_check CHECK (action IN (
    'campaign.apply', 'campaign.pause', 'campaign.resume', 'campaign.trigger', 'campaign.backfill',
    'run.cancel', 'run.retry', 'job.retry', 'job.cancel', 'job.prune', 'roster.import',
    'queue.pause', 'queue.resume',
    'user.add', 'user.disable', 'user.passwd', 'user.login', 'user.logout',
    'aid.apply', 'aid.import', 'aid.review', 'aid.deposit', 'member.leave'));
ALTER TABLE benefit.audit_event DROP CONSTRAINT audit_event_target_type_check;
ALTER TABLE benefit.audit_event ADD CONSTRAINT audit_event_target_type_check
    CHECK (target_type IN ('campaign', 'run', 'job', 'roster', 'queue', 'user', 'aid', 'member'));

------------------------------------------------------------------------------
-- Grants (the matrix in docs/sql.md, Roles)
------------------------------------------------------------------------------

REVOKE ALL ON benefit.aid_fund, benefit.aid_deposit, benefit.aid_application, benefit.aid_allotment, benefit.aid_payment,
    benefit.aid_waitlist_entry, benefit.aid_applications, benefit.aid_funds, benefit.aid_deposits, benefit.aid_payments
    FROM PUBLIC, benefit_worker, benefit_admin, benefit_operator;
REVOKE ALL ON SEQUENCE benefit.aid_approval_seq FROM PUBLIC;
REVOKE ALL ON FUNCTION
    benefit.aid_campaign(text), benefit.aid_member_refusal(text, jsonb),
    benefit.aid_record_applications(text, jsonb, text, text), benefit.aid_review(bigint, text, numeric, text, text),
    benefit.aid_deposit(text, numeric, text, text), benefit.aid_fund_moves(), benefit.aid_payment_matches_award(),
    benefit.aid_fund_balance(text), benefit.lock_aid_fund(text)
    FROM PUBLIC;

-- Everyone reads the documented views; daemons and operators the tables.
GRANT SELECT ON benefit.aid_applications, benefit.aid_funds, benefit.aid_deposits, benefit.aid_payments
    TO benefit_admin, benefit_operator, benefit_worker;
GRANT SELECT ON benefit.aid_fund, benefit.aid_deposit, benefit.aid_application, benefit.aid_allotment, benefit.aid_payment,
    benefit.aid_waitlist_entry TO benefit_operator, benefit_worker;

-- Operators record, review and credit, through the functions only.
GRANT EXECUTE ON FUNCTION
    benefit.aid_record_applications(text, jsonb, text, text), benefit.aid_review(bigint, text, numeric, text, text),
    benefit.aid_deposit(text, numeric, text, text)
    TO benefit_operator;

-- Workers plan (the allotment, from the planning commit) and pay (payments and
-- waitlist entries, from the batch's fenced commit, after locking the fund).
GRANT EXECUTE ON FUNCTION benefit.aid_fund_balance(text), benefit.lock_aid_fund(text) TO benefit_worker;
GRANT INSERT ON benefit.aid_allotment, benefit.aid_payment, benefit.aid_waitlist_entry TO benefit_worker;
