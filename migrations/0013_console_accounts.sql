-- 0013 console accounts: the people who sign in to the operators' web console
-- (`benefit serve`), their sessions, and the login attempts that rate-limit
-- guessing. Sources/BenefitAccounts is the only code that calls what is here.
--
-- Who may do what:
--
-- * `benefit serve` and `benefit users add|disable|passwd|list` log in as a
--   benefit_operator login. A password hash leaves the database only through
--   console_login_begin, for the one name being signed in, and only when that
--   name and that client are under the attempt limit; no role but the owner may
--   select the password_hash column or read the session and attempt tables.
-- * Users, sessions and attempts are written only by the functions below, which
--   run with the owner's rights (SECURITY DEFINER, search_path pinned as in
--   0010). Disabling a user or changing its password ends its sessions in the
--   same statement.
-- * A session row holds the SHA-256 of its token, never the token: the cookie
--   value exists only in the browser and, for the length of a request, in the
--   console. The CSRF token is kept as it is: it is worth nothing without the
--   session token it belongs to.
-- * The database trusts the calling login to have checked the password against
--   the hash begin returned before it calls console_login_succeeded. That gives a
--   benefit_operator login nothing it lacks already: it may set any console
--   user's password (`benefit users passwd`).
--
-- Rate limiting is counted here, so several console processes share one count:
-- begin records an attempt as failed before the password is checked (an attempt
-- in flight counts against the limit), and succeeded turns it into a success.
-- A name is limited by its failures since its last success within the window, a
-- client address by all its failures within the window; a refused begin records
-- nothing, so waiting out the window always works.

CREATE TABLE benefit.console_user (
    id                  bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- What the user types to sign in and what the audit trail records as os_user:
    -- no spaces or control characters, at most 64 characters.
    name                text        NOT NULL UNIQUE CHECK (name ~ '^[^[:space:][:cntrl:]]{1,64}$'),
    role                text        NOT NULL CHECK (role IN ('viewer', 'operator')),
    -- A bcrypt hash ($2b$12$ and 53 characters of salt and hash); never a password.
    password_hash       text        NOT NULL CHECK (password_hash ~ '^\$2[aby]\$[0-9]{2}\$[./A-Za-z0-9]{53}$'),
    created_at          timestamptz NOT NULL DEFAULT now(),
    password_changed_at timestamptz NOT NULL DEFAULT now(),
    last_login_at       timestamptz,
    -- Set when the user may no longer sign in; their sessions are deleted with it.
    disabled_at         timestamptz
);

CREATE TABLE benefit.console_session (
    -- The SHA-256 of the session's token, in hex; the token itself is never stored.
    token_hash          text        PRIMARY KEY CHECK (token_hash ~ '^[0-9a-f]{64}$'),
    user_id             bigint      NOT NULL REFERENCES benefit.console_user (id) ON DELETE CASCADE,
    csrf_token          text        NOT NULL CHECK (char_length(csrf_token) BETWEEN 16 AND 200),
    -- The client's address as the console saw it, for the record.
    client              text        NOT NULL CHECK (char_length(client) <= 200),
    created_at          timestamptz NOT NULL DEFAULT now(),
    last_seen_at        timestamptz NOT NULL DEFAULT now(),
    -- Moves forward by the idle timeout at each use, never past absolute_expires_at.
    expires_at          timestamptz NOT NULL,
    absolute_expires_at timestamptz NOT NULL,
    CHECK (expires_at <= absolute_expires_at)
);
CREATE INDEX console_session_user_idx ON benefit.console_session (user_id);
CREATE INDEX console_session_expires_idx ON benefit.console_session (expires_at);

CREATE TABLE benefit.console_login_attempt (
    id        bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at        timestamptz NOT NULL DEFAULT now(),
    -- The name as typed (cut to 200 characters): unknown names count too.
    name      text        NOT NULL,
    client    text        NOT NULL,
    -- False from the moment the attempt begins until its password was found right.
    succeeded boolean     NOT NULL DEFAULT false
);
CREATE INDEX console_login_attempt_name_idx ON benefit.console_login_attempt (name, at);
CREATE INDEX console_login_attempt_client_idx ON benefit.console_login_attempt (client, at);
CREATE INDEX console_login_attempt_at_idx ON benefit.console_login_attempt (at);

------------------------------------------------------------------------------
-- Users (`benefit users add|disable|passwd`)
------------------------------------------------------------------------------

-- A new user; returns its id and creation time. A taken name raises 23505.
CREATE FUNCTION benefit.console_user_add(p_name text, p_role text, p_password_hash text)
RETURNS TABLE (user_id bigint, created_at timestamptz)
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
    INSERT INTO benefit.console_user AS u (name, role, password_hash)
    VALUES (p_name, p_role, p_password_hash)
    RETURNING u.id, u.created_at
$$;

-- Disables the user and ends its sessions. Returns whether it was enabled until
-- now (false when it already was disabled); no row when there is no such user.
CREATE FUNCTION benefit.console_user_disable(p_name text)
RETURNS TABLE (user_id bigint, newly_disabled boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_id bigint;
    v_disabled_at timestamptz;
BEGIN
    SELECT u.id, u.disabled_at INTO v_id, v_disabled_at FROM benefit.console_user u WHERE u.name = p_name FOR UPDATE;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    IF v_disabled_at IS NULL THEN
        UPDATE benefit.console_user u SET disabled_at = now() WHERE u.id = v_id;
    END IF;
    -- Also when it already was: a session opened in a race with the first disable goes too.
    DELETE FROM benefit.console_session s WHERE s.user_id = v_id;
    RETURN QUERY SELECT v_id, v_disabled_at IS NULL;
END
$$;

-- Sets the user's password hash and ends its sessions; false when there is no such user.
CREATE FUNCTION benefit.console_user_set_password(p_name text, p_password_hash text)
RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_id bigint;
BEGIN
    UPDATE benefit.console_user u SET password_hash = p_password_hash, password_changed_at = now()
    WHERE u.name = p_name
    RETURNING u.id INTO v_id;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    DELETE FROM benefit.console_session s WHERE s.user_id = v_id;
    RETURN true;
END
$$;

------------------------------------------------------------------------------
-- Signing in (ConsoleSessions.logIn)
------------------------------------------------------------------------------

-- Run by the console when someone submits the login form, before it checks the
-- password. When the name or the client has had its limit of failures within
-- p_window, returns only how long until one more attempt is allowed. Otherwise
-- records the attempt (as failed until console_login_succeeded says otherwise)
-- and returns its id with the hash of that name, or a NULL hash when there is no
-- such user or it is disabled: the console then checks against a dummy hash, so
-- the answer takes as long either way. Clears attempts older than a day and
-- expired sessions on the way.
CREATE FUNCTION benefit.console_login_begin(
    p_name text, p_client text, p_window interval, p_name_limit integer, p_client_limit integer)
RETURNS TABLE (attempt_id bigint, password_hash text, retry_after interval)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_window interval := least(greatest(p_window, interval '1 second'), interval '1 day');
    v_name text := left(p_name, 200);
    v_client text := left(p_client, 200);
    v_last_success timestamptz;
    v_name_limited timestamptz;
    v_client_limited timestamptz;
    v_id bigint;
BEGIN
    IF p_name IS NULL OR p_client IS NULL OR p_window IS NULL OR p_name_limit IS NULL OR p_client_limit IS NULL
       OR p_name_limit < 1 OR p_client_limit < 1 THEN
        RETURN;
    END IF;
    DELETE FROM benefit.console_login_attempt a WHERE a.at < now() - interval '1 day';
    DELETE FROM benefit.console_session s WHERE s.expires_at < now();

    SELECT max(a.at) INTO v_last_success
    FROM benefit.console_login_attempt a WHERE a.name = v_name AND a.succeeded;
    -- The limit-th most recent failure: while it is inside the window, the limit is reached,
    -- and it leaving the window is when one more attempt is allowed.
    SELECT a.at INTO v_name_limited
    FROM benefit.console_login_attempt a
    WHERE a.name = v_name AND NOT a.succeeded AND a.at > now() - v_window AND a.at > coalesce(v_last_success, '-infinity')
    ORDER BY a.at DESC OFFSET p_name_limit - 1 LIMIT 1;
    SELECT a.at INTO v_client_limited
    FROM benefit.console_login_attempt a
    WHERE a.client = v_client AND NOT a.succeeded AND a.at > now() - v_window
    ORDER BY a.at DESC OFFSET p_client_limit - 1 LIMIT 1;
    IF v_name_limited IS NOT NULL OR v_client_limited IS NOT NULL THEN
        RETURN QUERY SELECT NULL::bigint, NULL::text,
            greatest(coalesce(v_name_limited, '-infinity'), coalesce(v_client_limited, '-infinity')) + v_window - now();
        RETURN;
    END IF;

    INSERT INTO benefit.console_login_attempt (name, client) VALUES (v_name, v_client) RETURNING id INTO v_id;
    RETURN QUERY
        SELECT v_id, (SELECT u.password_hash FROM benefit.console_user u WHERE u.name = p_name AND u.disabled_at IS NULL),
               NULL::interval;
END
$$;

-- Run by the console once the password of attempt p_attempt_id was found right:
-- marks the attempt a success and opens a session for its user with the given
-- token hash and CSRF token, expiring after p_idle unused and p_absolute in all.
-- Returns the user and when the session expires; no row when the attempt is
-- unknown, already used or older than five minutes, or its user was disabled or
-- given a new password since the attempt began.
CREATE FUNCTION benefit.console_login_succeeded(
    p_attempt_id bigint, p_token_hash text, p_csrf_token text, p_idle interval, p_absolute interval)
RETURNS TABLE (user_id bigint, name text, role text, created_at timestamptz, last_login_at timestamptz, expires_at timestamptz)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_name text;
    v_client text;
    v_at timestamptz;
    v_user benefit.console_user;
    v_expires timestamptz;
BEGIN
    IF p_idle IS NULL OR p_absolute IS NULL OR p_idle <= interval '0' OR p_absolute <= interval '0' THEN
        RETURN;
    END IF;
    UPDATE benefit.console_login_attempt a SET succeeded = true
    WHERE a.id = p_attempt_id AND NOT a.succeeded AND a.at > now() - interval '5 minutes'
    RETURNING a.name, a.client, a.at INTO v_name, v_client, v_at;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    UPDATE benefit.console_user u SET last_login_at = now()
    WHERE u.name = v_name AND u.disabled_at IS NULL AND u.password_changed_at <= v_at
    RETURNING u.* INTO v_user;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    v_expires := now() + least(p_idle, p_absolute);
    INSERT INTO benefit.console_session (token_hash, user_id, csrf_token, client, expires_at, absolute_expires_at)
    VALUES (p_token_hash, v_user.id, p_csrf_token, v_client, v_expires, now() + p_absolute);
    RETURN QUERY SELECT v_user.id, v_user.name, v_user.role, v_user.created_at, v_user.last_login_at, v_expires;
END
$$;

------------------------------------------------------------------------------
-- Sessions (ConsoleSessions.session, logOut)
------------------------------------------------------------------------------

-- Run by the console for every request that carries a session cookie: the
-- session of that token hash, if it has not expired and its user is not
-- disabled, used now (its expiry moves to now + p_idle, never past its absolute
-- expiry). Returns its user, CSRF token and new expiry; no row otherwise.
CREATE FUNCTION benefit.console_session_touch(p_token_hash text, p_idle interval)
RETURNS TABLE (user_id bigint, name text, role text, created_at timestamptz, last_login_at timestamptz,
               csrf_token text, expires_at timestamptz)
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
    UPDATE benefit.console_session s
    SET last_seen_at = now(), expires_at = least(now() + p_idle, s.absolute_expires_at)
    FROM benefit.console_user u
    WHERE s.token_hash = p_token_hash AND u.id = s.user_id AND u.disabled_at IS NULL
      AND s.expires_at > now() AND p_idle > interval '0'
    RETURNING u.id, u.name, u.role, u.created_at, u.last_login_at, s.csrf_token, s.expires_at
$$;

-- Run by the console when a user signs out: deletes the session; false when there was none.
CREATE FUNCTION benefit.console_session_end(p_token_hash text)
RETURNS boolean
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
    WITH ended AS (DELETE FROM benefit.console_session s WHERE s.token_hash = p_token_hash RETURNING 1)
    SELECT EXISTS (SELECT 1 FROM ended)
$$;

------------------------------------------------------------------------------
-- The audit trail learns the users' actions (0011's closed list)
------------------------------------------------------------------------------

ALTER TABLE benefit.audit_event DROP CONSTRAINT audit_event_action_check;
ALTER TABLE benefit.audit_event ADD CONSTRAINT audit_event_action_check CHECK (action IN (
    'campaign.apply', 'campaign.pause', 'campaign.resume', 'campaign.trigger', 'campaign.backfill',
    'run.cancel', 'run.retry', 'job.retry', 'job.cancel', 'roster.import',
    'queue.pause', 'queue.resume',
    'user.add', 'user.disable', 'user.passwd'));
ALTER TABLE benefit.audit_event DROP CONSTRAINT audit_event_target_type_check;
ALTER TABLE benefit.audit_event ADD CONSTRAINT audit_event_target_type_check
    CHECK (target_type IN ('campaign', 'run', 'job', 'roster', 'queue', 'user'));

------------------------------------------------------------------------------
-- Grants (the matrix in docs/sql.md, Roles)
------------------------------------------------------------------------------

REVOKE ALL ON benefit.console_user, benefit.console_session, benefit.console_login_attempt
    FROM PUBLIC, benefit_worker, benefit_admin, benefit_operator;
REVOKE ALL ON FUNCTION benefit.console_user_add(text, text, text), benefit.console_user_disable(text),
    benefit.console_user_set_password(text, text),
    benefit.console_login_begin(text, text, interval, integer, integer),
    benefit.console_login_succeeded(bigint, text, text, interval, interval),
    benefit.console_session_touch(text, interval), benefit.console_session_end(text)
    FROM PUBLIC;

-- Operators list the users (`benefit users list`): every column but the hash.
GRANT SELECT (id, name, role, created_at, password_changed_at, last_login_at, disabled_at)
    ON benefit.console_user TO benefit_operator;
-- Operators manage the users, and the console (an operator login) signs them in.
GRANT EXECUTE ON FUNCTION benefit.console_user_add(text, text, text), benefit.console_user_disable(text),
    benefit.console_user_set_password(text, text),
    benefit.console_login_begin(text, text, interval, integer, integer),
    benefit.console_login_succeeded(bigint, text, text, interval, interval),
    benefit.console_session_touch(text, interval), benefit.console_session_end(text)
    TO benefit_operator;
