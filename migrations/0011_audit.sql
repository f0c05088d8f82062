-- 0011 audit: every operator action leaves a row saying who did what, to which
-- target, when and why (Sources/BenefitAudit writes it, in the transaction of
-- the action it records, so there is no action without its row and no row
-- without its action).
--
-- Append-only: operators may insert rows, and only the columns a client knows
-- (its OS user@host, the action, the target, the reason, details). Who and when
-- are the database's word: `at` is the transaction's time and `db_user` the
-- login of the session, both set by a trigger whatever the insert says. No role
-- but the owner may update, delete or truncate a row.

CREATE TABLE benefit.audit_event (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    -- The login that acted (session_user: a role taken with SET ROLE does not hide it).
    db_user     text        NOT NULL DEFAULT session_user,
    -- The OS user@host the client says it runs as (OperatorIdentity), or a console's user.
    os_user     text        NOT NULL CHECK (char_length(os_user) BETWEEN 1 AND 200),
    -- The closed list of actions: `<target type>.<verb>`. campaign.backfill,
    -- queue.pause and queue.resume are for commands still to come.
    action      text        NOT NULL CHECK (action IN (
                    'campaign.apply', 'campaign.pause', 'campaign.resume', 'campaign.trigger', 'campaign.backfill',
                    'run.cancel', 'run.retry', 'job.retry', 'job.cancel', 'roster.import',
                    'queue.pause', 'queue.resume')),
    target_type text        NOT NULL CHECK (target_type IN ('campaign', 'run', 'job', 'roster', 'queue')),
    -- A campaign's name, a run's or a job's id, a roster file, a queue's name.
    target      text        NOT NULL CHECK (char_length(target) BETWEEN 1 AND 1000),
    reason      text        CHECK (char_length(reason) BETWEEN 1 AND 500),
    -- Scalars only (text, numbers, booleans), keyed by name: what the action did
    -- (a revision, a run's id, counts).
    details     jsonb       NOT NULL DEFAULT '{}'
                CHECK (jsonb_typeof(details) = 'object'
                       AND NOT jsonb_path_exists(details, '$.* ? (@.type() != "string" && @.type() != "number" && @.type() != "boolean")')),
    CHECK (split_part(action, '.', 1) = target_type),
    -- Pausing and cancelling stop someone's work: they say why.
    CHECK (reason IS NOT NULL OR action NOT IN ('campaign.pause', 'run.cancel', 'job.cancel', 'queue.pause'))
);
CREATE INDEX audit_event_at_idx ON benefit.audit_event (at DESC);
CREATE INDEX audit_event_target_idx ON benefit.audit_event (target, at DESC);

-- Who and when, from the database: a client (or a function acting for one)
-- cannot write another login's name or another time into the record.
CREATE FUNCTION benefit.audit_event_stamp() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    NEW.db_user := session_user;
    NEW.at := now();
    RETURN NEW;
END
$$;

CREATE TRIGGER audit_event_stamp
    BEFORE INSERT ON benefit.audit_event
    FOR EACH ROW EXECUTE FUNCTION benefit.audit_event_stamp();

-- The administrators' view (docs/sql.md): one row per operator action, oldest first by id.
CREATE VIEW benefit.audit AS
SELECT id AS audit_id, at, db_user, os_user, action, target_type, target, reason, details
FROM benefit.audit_event;

------------------------------------------------------------------------------
-- Grants (the matrix in docs/sql.md, Roles)
------------------------------------------------------------------------------

-- Start from nothing on the new objects: every grant below is deliberate.
REVOKE ALL ON benefit.audit_event, benefit.audit FROM PUBLIC, benefit_worker, benefit_admin, benefit_operator;
REVOKE ALL ON FUNCTION benefit.audit_event_stamp() FROM PUBLIC;

-- Everyone reads the view, as every documented view (0010); daemons and
-- operators read the table, as every table.
GRANT SELECT ON benefit.audit TO benefit_admin, benefit_operator, benefit_worker;
GRANT SELECT ON benefit.audit_event TO benefit_operator, benefit_worker;

-- Operators record their actions: only the columns a client knows. The id is
-- an identity (no sequence right needed); who and when are the trigger's.
-- No UPDATE, DELETE or TRUNCATE for any role but the owner.
GRANT INSERT (os_user, action, target_type, target, reason, details) ON benefit.audit_event TO benefit_operator;
