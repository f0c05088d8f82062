-- 0024 booking changes: an operator moves a member's checkup to another
-- workday (of the same or another hospital of the cycle), cancels a checkup
-- appointment or a recuperation place, or records a checkup no-show
-- (docs/programs.md, health-checkup and recuperation: changes after booking).
-- compatible-from: 0023 (adds nullable columns, a table, functions, audit actions; views gain columns last)
--
-- Cancelled rows stay where they are, for history (cancelled_at, cancel_reason)
-- and so the member stays served for the cycle (the primary keys, the
-- served-member view): no later run books them again. Their seat no longer
-- counts: the seat keys become unique among live rows only, so a cancelled
-- appointment's seat can be taken by a move, and a cancelled place is given
-- back to the session (places_taken goes down by one, the session's highest
-- seat moving into the freed one) for the cycle's next run to fill.
--
-- Capacities are held by the same constraints as before: a moved appointment
-- takes the lowest free seat of its new day, or seat capacity + 1 when the day
-- is full, which appointment_within_capacity refuses. Every change is made by
-- a function with the owner's rights, for benefit_operator only, which takes
-- the locks planning takes in planning's order (the cycle's hospital rows in
-- "C" order of name, or its sessions in position order) before the effect's
-- row, so two moves into a day's last seat, or a move and a run planning, take
-- turns; and which writes its audit row (with the reason the database requires)
-- and its history row in the same transaction.
--
-- A recuperation waitlist entry no longer counts as served (as 0023 did for
-- relief): the cycle's next run ranks the waitlisted again with every member
-- still eligible and not yet placed, and places in rank order into the places
-- cancels gave back; the allocation's insert marks the entry served.

------------------------------------------------------------------------------
-- Effects: cancelled and no-show marks
------------------------------------------------------------------------------

ALTER TABLE benefit.appointment
    ADD COLUMN cancelled_at  timestamptz,
    ADD COLUMN cancel_reason text CHECK (char_length(cancel_reason) BETWEEN 1 AND 500),
    ADD COLUMN no_show_at    timestamptz,
    ADD COLUMN moved_at      timestamptz,
    ADD CONSTRAINT appointment_cancel_says_why CHECK ((cancelled_at IS NULL) = (cancel_reason IS NULL));
ALTER TABLE benefit.appointment DROP CONSTRAINT appointment_seat_taken_once;
CREATE UNIQUE INDEX appointment_seat_taken_once ON benefit.appointment (campaign_id, cycle, hospital, appointment_date, seat_in_day)
    WHERE cancelled_at IS NULL;

ALTER TABLE benefit.allocation
    ADD COLUMN cancelled_at  timestamptz,
    ADD COLUMN cancel_reason text CHECK (char_length(cancel_reason) BETWEEN 1 AND 500),
    ADD CONSTRAINT allocation_cancel_says_why CHECK ((cancelled_at IS NULL) = (cancel_reason IS NULL));
ALTER TABLE benefit.allocation DROP CONSTRAINT allocation_seat_held_once;
CREATE UNIQUE INDEX allocation_seat_held_once ON benefit.allocation (campaign_id, cycle, position, seat)
    WHERE cancelled_at IS NULL;

-- What operators changed after booking, one row per change: the member's file
-- shows them (benefit.member_history). Written only by the functions below.
CREATE TABLE benefit.booking_change (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    db_user     text        NOT NULL DEFAULT session_user,
    campaign_id bigint      NOT NULL REFERENCES benefit.campaign (id),
    cycle       text        NOT NULL,
    member_id   text        NOT NULL REFERENCES benefit.member (member_id),
    kind        text        NOT NULL CHECK (kind IN ('appointment-moved', 'appointment-cancelled', 'appointment-no-show',
                                                     'place-cancelled')),
    detail      text        NOT NULL,
    reason      text
);
CREATE INDEX booking_change_member_idx ON benefit.booking_change (member_id);

------------------------------------------------------------------------------
-- Views: new columns last
------------------------------------------------------------------------------

CREATE OR REPLACE VIEW benefit.appointments AS
SELECT a.member_id, c.name AS campaign, a.cycle, a.run_id, a.job_id, a.created_at, a.hospital, a.appointment_date,
       a.package || coalesce('+' || a.women_extra, '') AS package, a.seat_in_day, a.daily_capacity,
       a.cancelled_at, a.cancel_reason, a.no_show_at, a.moved_at
FROM benefit.appointment a
JOIN benefit.campaign c ON c.id = a.campaign_id;

CREATE OR REPLACE VIEW benefit.allocations AS
SELECT a.member_id, c.name AS campaign, a.cycle, a.run_id, a.job_id, a.created_at, s.site, s.session_start, a.rank,
       s.days AS session_days, s.capacity AS session_capacity, a.seat,
       a.cancelled_at, a.cancel_reason
FROM benefit.allocation a
JOIN benefit.campaign c ON c.id = a.campaign_id
JOIN benefit.recuperation_session s
  ON s.campaign_id = a.campaign_id AND s.cycle = a.cycle AND s.position = a.position;

CREATE OR REPLACE VIEW benefit.served_member AS
SELECT g.campaign_id, g.cycle, g.member_id FROM benefit.grant g
UNION ALL
SELECT a.campaign_id, a.cycle, a.member_id FROM benefit.appointment a
UNION ALL
SELECT p.campaign_id, p.cycle, p.member_id FROM benefit.allocation p
UNION ALL
SELECT w.campaign_id, w.cycle, w.member_id FROM benefit.waitlist_entry w
WHERE w.program NOT IN ('seasonal-relief', 'recuperation');

-- 0022's member file, with the changes after booking.
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
JOIN benefit.run r ON r.id = p.run_id
UNION ALL
SELECT b.member_id, b.at, b.kind, c.name, b.cycle, NULL, b.detail || coalesce(' · ' || b.reason, ''), NULL
FROM benefit.booking_change b
JOIN benefit.campaign c ON c.id = b.campaign_id;

------------------------------------------------------------------------------
-- A placed member's waitlist entry is served (as 0023's grant_serves_waitlist)
------------------------------------------------------------------------------

CREATE FUNCTION benefit.allocation_serves_waitlist() RETURNS trigger
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
CREATE TRIGGER allocation_serves_waitlist AFTER INSERT ON benefit.allocation
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION benefit.allocation_serves_waitlist();

------------------------------------------------------------------------------
-- The operators' functions
------------------------------------------------------------------------------

-- The campaign named, which must run `p_program`; and the cycle: the one given,
-- else the latest in which the campaign booked the member (`p_effect`
-- 'appointment' or 'allocation'). Refused when the member has no such booking
-- in that cycle.
CREATE FUNCTION benefit.booking_scope(p_campaign text, p_program text, p_member text, p_cycle text, p_effect text)
RETURNS TABLE (campaign_id bigint, cycle text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_campaign bigint;
    v_program  text;
    v_cycle    text := p_cycle;
BEGIN
    SELECT c.id, c.program INTO v_campaign, v_program FROM benefit.campaign c WHERE c.name = p_campaign;
    IF v_campaign IS NULL THEN
        RAISE EXCEPTION 'no campaign named %', p_campaign USING ERRCODE = 'no_data_found';
    END IF;
    IF v_program <> p_program THEN
        RAISE EXCEPTION 'campaign % runs %, not %', p_campaign, v_program, p_program USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF v_cycle IS NULL AND p_effect = 'appointment' THEN
        SELECT a.cycle INTO v_cycle FROM benefit.appointment a
        WHERE a.campaign_id = v_campaign AND a.member_id = p_member ORDER BY a.created_at DESC, a.cycle DESC LIMIT 1;
    ELSIF v_cycle IS NULL THEN
        SELECT a.cycle INTO v_cycle FROM benefit.allocation a
        WHERE a.campaign_id = v_campaign AND a.member_id = p_member ORDER BY a.created_at DESC, a.cycle DESC LIMIT 1;
    END IF;
    IF v_cycle IS NULL
       OR (p_effect = 'appointment' AND NOT EXISTS (
               SELECT 1 FROM benefit.appointment a WHERE a.campaign_id = v_campaign AND a.cycle = v_cycle AND a.member_id = p_member))
       OR (p_effect = 'allocation' AND NOT EXISTS (
               SELECT 1 FROM benefit.allocation a WHERE a.campaign_id = v_campaign AND a.cycle = v_cycle AND a.member_id = p_member)) THEN
        RAISE EXCEPTION 'member % has no % from campaign %', p_member,
            CASE p_effect WHEN 'appointment' THEN 'appointment' ELSE 'place' END, p_campaign || coalesce(' in cycle ' || p_cycle, '')
            USING ERRCODE = 'no_data_found';
    END IF;
    RETURN QUERY SELECT v_campaign, v_cycle;
END
$$;

-- Writes a change after booking to the member's history and the audit trail,
-- in the caller's transaction.
CREATE FUNCTION benefit.record_booking_change(
    p_campaign_id bigint, p_cycle text, p_member text, p_kind text, p_detail text, p_reason text,
    p_os_user text, p_action text, p_details jsonb)
RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
    INSERT INTO benefit.booking_change (campaign_id, cycle, member_id, kind, detail, reason)
    VALUES (p_campaign_id, p_cycle, p_member, p_kind, p_detail, p_reason);
    INSERT INTO benefit.audit_event (os_user, action, target_type, target, reason, details)
    VALUES (p_os_user, p_action, pg_catalog.split_part(p_action, '.', 1), p_member, p_reason,
            p_details || pg_catalog.jsonb_build_object('campaign', (SELECT c.name FROM benefit.campaign c WHERE c.id = p_campaign_id),
                                                       'cycle', p_cycle));
$$;

-- The first `p_count` workdays of a hospital's cycle from `p_from` on (within
-- two years) whose live appointments leave a seat free: what a refused move
-- names.
CREATE FUNCTION benefit.checkup_free_days(p_campaign_id bigint, p_cycle text, p_hospital text, p_from date, p_count integer)
RETURNS date[]
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
    SELECT ARRAY(
        SELECT d.day
        FROM benefit.checkup_cycle c
        JOIN benefit.checkup_hospital h ON h.campaign_id = c.campaign_id AND h.cycle = c.cycle AND h.hospital = p_hospital
        CROSS JOIN LATERAL (
            SELECT g::date AS day
            FROM pg_catalog.generate_series(greatest(p_from, c.start_date), greatest(p_from, c.start_date) + 730, interval '1 day') AS g
        ) d
        WHERE c.campaign_id = p_campaign_id AND c.cycle = p_cycle
          AND extract(isodow FROM d.day) < 6 AND NOT (d.day = ANY (c.holidays))
          AND (SELECT count(*) FROM benefit.appointment a
               WHERE a.campaign_id = p_campaign_id AND a.cycle = p_cycle AND a.hospital = p_hospital
                 AND a.appointment_date = d.day AND a.cancelled_at IS NULL) < h.daily_capacity
        ORDER BY d.day
        LIMIT p_count)
$$;

-- The refusal a move into a day without a free seat gets: the next free days named.
CREATE FUNCTION benefit.refuse_checkup_day(p_campaign_id bigint, p_cycle text, p_hospital text, p_date date, p_why text)
RETURNS void
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_free date[] := benefit.checkup_free_days(p_campaign_id, p_cycle, p_hospital, p_date, 3);
BEGIN
    RAISE EXCEPTION '% on % %; next free workdays: %', p_hospital, p_date, p_why,
        CASE WHEN cardinality(v_free) = 0 THEN 'none within two years' ELSE array_to_string(v_free, ', ') END
        USING ERRCODE = 'check_violation';
END
$$;

-- A run of the cycle still booking (one of its jobs, planning or a batch, not
-- yet succeeded or cancelled) holds seats its batches have not written yet:
-- changes wait until its jobs are done.
CREATE FUNCTION benefit.refuse_while_booking(p_campaign_id bigint, p_cycle text)
RETURNS void
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_run bigint;
BEGIN
    SELECT r.id INTO v_run FROM benefit.run r
    WHERE r.campaign_id = p_campaign_id AND r.cycle = p_cycle AND r.state IN ('pending', 'running')
      AND EXISTS (SELECT 1 FROM benefit.job j
                  WHERE j.group_key = 'run:' || r.id AND j.state NOT IN ('succeeded', 'cancelled'))
    ORDER BY r.id LIMIT 1;
    IF v_run IS NOT NULL THEN
        RAISE EXCEPTION 'run % of cycle % is still booking: change its bookings once it has finished', v_run, p_cycle
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
END
$$;

-- Moves a member's appointment to `p_date` at `p_hospital` (NULL: the same
-- hospital). Locks the cycle's hospital rows involved in "C" order of name (the
-- planners' order, benefit.lock_checkup_hospitals), then the appointment; takes
-- the lowest seat of the new day no live appointment holds, or capacity + 1,
-- which the appointment's CHECK refuses. A day past where the cycle's plans
-- reached moves the hospital's seats_taken past the seat taken, so later runs
-- plan after it. Audited (appointment.move) in the same transaction.
CREATE FUNCTION benefit.move_appointment(
    p_campaign text, p_member text, p_cycle text, p_date date, p_hospital text, p_reason text, p_os_user text)
RETURNS TABLE (cycle text, from_hospital text, from_date date, to_hospital text, to_date date, seat_in_day integer)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_campaign bigint;
    v_cycle    text;
    v_current  text;
    v_hospital text;
    v_capacity integer;
    v_start    date;
    v_holidays date[];
    v_app      benefit.appointment%ROWTYPE;
    v_seat     integer;
    v_workday  bigint;
BEGIN
    SELECT s.campaign_id, s.cycle INTO v_campaign, v_cycle
    FROM benefit.booking_scope(p_campaign, 'health-checkup', p_member, p_cycle, 'appointment') s;
    SELECT a.hospital INTO v_current FROM benefit.appointment a
    WHERE a.campaign_id = v_campaign AND a.cycle = v_cycle AND a.member_id = p_member;
    v_hospital := coalesce(p_hospital, v_current);
    PERFORM 1 FROM benefit.checkup_hospital h
    WHERE h.campaign_id = v_campaign AND h.cycle = v_cycle AND h.hospital IN (v_current, v_hospital)
    ORDER BY h.hospital COLLATE "C"
    FOR NO KEY UPDATE;
    SELECT h.daily_capacity INTO v_capacity FROM benefit.checkup_hospital h
    WHERE h.campaign_id = v_campaign AND h.cycle = v_cycle AND h.hospital = v_hospital;
    IF v_capacity IS NULL THEN
        RAISE EXCEPTION 'cycle % of campaign % has no hospital %', v_cycle, p_campaign, v_hospital
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT * INTO v_app FROM benefit.appointment a
    WHERE a.campaign_id = v_campaign AND a.cycle = v_cycle AND a.member_id = p_member
    FOR UPDATE;
    IF v_app.cancelled_at IS NOT NULL THEN
        RAISE EXCEPTION 'member %''s appointment in cycle % was cancelled', p_member, v_cycle
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    IF v_app.no_show_at IS NOT NULL THEN
        RAISE EXCEPTION 'member % did not come to the appointment on % (recorded as a no-show)', p_member, v_app.appointment_date
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    IF v_app.hospital = v_hospital AND v_app.appointment_date = p_date THEN
        RAISE EXCEPTION 'member % is already booked at % on %', p_member, v_hospital, p_date
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM benefit.refuse_while_booking(v_campaign, v_cycle);
    SELECT c.start_date, c.holidays INTO v_start, v_holidays FROM benefit.checkup_cycle c
    WHERE c.campaign_id = v_campaign AND c.cycle = v_cycle;
    IF p_date < v_start THEN
        PERFORM benefit.refuse_checkup_day(v_campaign, v_cycle, v_hospital, p_date, 'is before the cycle starts (' || v_start || ')');
    ELSIF extract(isodow FROM p_date) >= 6 THEN
        PERFORM benefit.refuse_checkup_day(v_campaign, v_cycle, v_hospital, p_date, 'is a weekend day');
    ELSIF p_date = ANY (v_holidays) THEN
        PERFORM benefit.refuse_checkup_day(v_campaign, v_cycle, v_hospital, p_date, 'is one of the cycle''s holidays');
    END IF;
    -- Counted after the locks, in this statement's snapshot: a move that held
    -- them before us has committed its seat.
    SELECT min(s) INTO v_seat FROM pg_catalog.generate_series(1, v_capacity + 1) AS s
    WHERE NOT EXISTS (
        SELECT 1 FROM benefit.appointment a
        WHERE a.campaign_id = v_campaign AND a.cycle = v_cycle AND a.hospital = v_hospital
          AND a.appointment_date = p_date AND a.seat_in_day = s AND a.cancelled_at IS NULL);
    BEGIN
        UPDATE benefit.appointment a
        SET hospital = v_hospital, daily_capacity = v_capacity, appointment_date = p_date, seat_in_day = v_seat, moved_at = now()
        WHERE a.campaign_id = v_campaign AND a.cycle = v_cycle AND a.member_id = p_member;
    EXCEPTION WHEN check_violation THEN
        PERFORM benefit.refuse_checkup_day(v_campaign, v_cycle, v_hospital, p_date,
            'is full (' || v_capacity || ' appointments a day)');
    END;
    SELECT count(*) INTO v_workday FROM pg_catalog.generate_series(v_start, p_date - 1, interval '1 day') AS g
    WHERE extract(isodow FROM g) < 6 AND NOT (g::date = ANY (v_holidays));
    UPDATE benefit.checkup_hospital h
    SET seats_taken = v_workday * v_capacity + v_seat, updated_at = now()
    WHERE h.campaign_id = v_campaign AND h.cycle = v_cycle AND h.hospital = v_hospital
      AND h.seats_taken < v_workday * v_capacity + v_seat;
    PERFORM benefit.record_booking_change(v_campaign, v_cycle, p_member, 'appointment-moved',
        v_app.hospital || ' · ' || v_app.appointment_date || ' → ' || v_hospital || ' · ' || p_date, p_reason,
        p_os_user, 'appointment.move',
        pg_catalog.jsonb_build_object('from_hospital', v_app.hospital, 'from_date', v_app.appointment_date::text,
                                      'to_hospital', v_hospital, 'to_date', p_date::text));
    RETURN QUERY SELECT v_cycle, v_app.hospital, v_app.appointment_date, v_hospital, p_date, v_seat;
END
$$;

-- Cancels a member's appointment: its seat is free for a move (runs keep
-- planning from where the cycle's plans reached). The row stays, for history.
-- Audited (appointment.cancel).
CREATE FUNCTION benefit.cancel_appointment(p_campaign text, p_member text, p_cycle text, p_reason text, p_os_user text)
RETURNS TABLE (cycle text, hospital text, appointment_date date)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_campaign bigint;
    v_cycle    text;
    v_app      benefit.appointment%ROWTYPE;
BEGIN
    SELECT s.campaign_id, s.cycle INTO v_campaign, v_cycle
    FROM benefit.booking_scope(p_campaign, 'health-checkup', p_member, p_cycle, 'appointment') s;
    SELECT * INTO v_app FROM benefit.appointment a
    WHERE a.campaign_id = v_campaign AND a.cycle = v_cycle AND a.member_id = p_member;
    PERFORM 1 FROM benefit.checkup_hospital h
    WHERE h.campaign_id = v_campaign AND h.cycle = v_cycle AND h.hospital = v_app.hospital
    FOR NO KEY UPDATE;
    SELECT * INTO v_app FROM benefit.appointment a
    WHERE a.campaign_id = v_campaign AND a.cycle = v_cycle AND a.member_id = p_member
    FOR UPDATE;
    IF v_app.cancelled_at IS NOT NULL THEN
        RAISE EXCEPTION 'member %''s appointment in cycle % was already cancelled', p_member, v_cycle
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    UPDATE benefit.appointment a SET cancelled_at = now(), cancel_reason = p_reason
    WHERE a.campaign_id = v_campaign AND a.cycle = v_cycle AND a.member_id = p_member;
    PERFORM benefit.record_booking_change(v_campaign, v_cycle, p_member, 'appointment-cancelled',
        v_app.hospital || ' · ' || v_app.appointment_date, p_reason, p_os_user, 'appointment.cancel',
        pg_catalog.jsonb_build_object('hospital', v_app.hospital, 'date', v_app.appointment_date::text));
    RETURN QUERY SELECT v_cycle, v_app.hospital, v_app.appointment_date;
END
$$;

-- Records that a member did not come: the seat stays taken (the day is past).
-- Audited (appointment.no-show).
CREATE FUNCTION benefit.record_no_show(p_campaign text, p_member text, p_cycle text, p_os_user text)
RETURNS TABLE (cycle text, hospital text, appointment_date date)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_campaign bigint;
    v_cycle    text;
    v_app      benefit.appointment%ROWTYPE;
BEGIN
    SELECT s.campaign_id, s.cycle INTO v_campaign, v_cycle
    FROM benefit.booking_scope(p_campaign, 'health-checkup', p_member, p_cycle, 'appointment') s;
    SELECT * INTO v_app FROM benefit.appointment a
    WHERE a.campaign_id = v_campaign AND a.cycle = v_cycle AND a.member_id = p_member
    FOR UPDATE;
    IF v_app.cancelled_at IS NOT NULL THEN
        RAISE EXCEPTION 'member %''s appointment in cycle % was cancelled', p_member, v_cycle
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    IF v_app.no_show_at IS NOT NULL THEN
        RAISE EXCEPTION 'member %''s no-show in cycle % is already recorded', p_member, v_cycle
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    UPDATE benefit.appointment a SET no_show_at = now()
    WHERE a.campaign_id = v_campaign AND a.cycle = v_cycle AND a.member_id = p_member;
    PERFORM benefit.record_booking_change(v_campaign, v_cycle, p_member, 'appointment-no-show',
        v_app.hospital || ' · ' || v_app.appointment_date, NULL, p_os_user, 'appointment.no-show',
        pg_catalog.jsonb_build_object('hospital', v_app.hospital, 'date', v_app.appointment_date::text));
    RETURN QUERY SELECT v_cycle, v_app.hospital, v_app.appointment_date;
END
$$;

-- Cancels a member's recuperation place and gives it back to its session:
-- under the session's lock (the planners' lock, benefit.lock_recuperation_sessions),
-- the live allocation in the session's highest given seat (places_taken) moves
-- into the freed seat and places_taken goes down by one, so the cycle's next
-- run plans the place from places_taken + 1 as before. Refused while a run of
-- the cycle is still placing (its batches may yet fill that highest seat).
-- Audited (place.cancel).
CREATE FUNCTION benefit.cancel_place(p_campaign text, p_member text, p_cycle text, p_reason text, p_os_user text)
RETURNS TABLE (cycle text, site text, session_start date)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_campaign bigint;
    v_cycle    text;
    v_place    benefit.allocation%ROWTYPE;
    v_session  benefit.recuperation_session%ROWTYPE;
BEGIN
    SELECT s.campaign_id, s.cycle INTO v_campaign, v_cycle
    FROM benefit.booking_scope(p_campaign, 'recuperation', p_member, p_cycle, 'allocation') s;
    SELECT * INTO v_place FROM benefit.allocation a
    WHERE a.campaign_id = v_campaign AND a.cycle = v_cycle AND a.member_id = p_member;
    SELECT * INTO v_session FROM benefit.recuperation_session s
    WHERE s.campaign_id = v_campaign AND s.cycle = v_cycle AND s.position = v_place.position
    FOR NO KEY UPDATE;
    PERFORM benefit.refuse_while_booking(v_campaign, v_cycle);
    SELECT * INTO v_place FROM benefit.allocation a
    WHERE a.campaign_id = v_campaign AND a.cycle = v_cycle AND a.member_id = p_member
    FOR UPDATE;
    IF v_place.cancelled_at IS NOT NULL THEN
        RAISE EXCEPTION 'member %''s place in cycle % was already cancelled', p_member, v_cycle
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    UPDATE benefit.allocation a SET cancelled_at = now(), cancel_reason = p_reason
    WHERE a.campaign_id = v_campaign AND a.cycle = v_cycle AND a.member_id = p_member;
    UPDATE benefit.allocation a SET seat = v_place.seat
    WHERE a.campaign_id = v_campaign AND a.cycle = v_cycle AND a.position = v_place.position
      AND a.seat = v_session.places_taken AND a.cancelled_at IS NULL;
    UPDATE benefit.recuperation_session s SET places_taken = s.places_taken - 1, updated_at = now()
    WHERE s.campaign_id = v_campaign AND s.cycle = v_cycle AND s.position = v_place.position;
    PERFORM benefit.record_booking_change(v_campaign, v_cycle, p_member, 'place-cancelled',
        v_session.site || ' · ' || v_session.session_start, p_reason, p_os_user, 'place.cancel',
        pg_catalog.jsonb_build_object('site', v_session.site, 'session_start', v_session.session_start::text));
    RETURN QUERY SELECT v_cycle, v_session.site, v_session.session_start;
END
$$;

------------------------------------------------------------------------------
-- Audit: the booking actions, each with its target type; moves and cancels say why
------------------------------------------------------------------------------

ALTER TABLE benefit.audit_event DROP CONSTRAINT audit_event_action_check;
ALTER TABLE benefit.audit_event ADD CONSTRAINT audit_event_action_check CHECK (action IN (
    'campaign.apply', 'campaign.pause', 'campaign.resume', 'campaign.trigger', 'campaign.backfill', 'campaign.topup',
    'run.cancel', 'run.retry', 'job.retry', 'job.cancel', 'job.prune', 'roster.import',
    'queue.pause', 'queue.resume',
    'user.add', 'user.disable', 'user.passwd', 'user.login', 'user.logout',
    'aid.apply', 'aid.import', 'aid.review', 'aid.deposit',
    'member.leave',
    'appointment.move', 'appointment.cancel', 'appointment.no-show', 'place.cancel'));
ALTER TABLE benefit.audit_event DROP CONSTRAINT audit_event_target_type_check;
ALTER TABLE benefit.audit_event ADD CONSTRAINT audit_event_target_type_check
    CHECK (target_type IN ('campaign', 'run', 'job', 'roster', 'queue', 'user', 'aid', 'member', 'appointment', 'place'));
ALTER TABLE benefit.audit_event DROP CONSTRAINT audit_event_reason_required;
ALTER TABLE benefit.audit_event ADD CONSTRAINT audit_event_reason_required
    CHECK (reason IS NOT NULL OR action NOT IN ('campaign.pause', 'run.cancel', 'job.cancel', 'queue.pause', 'campaign.topup',
                                                'appointment.move', 'appointment.cancel', 'place.cancel'));

------------------------------------------------------------------------------
-- Grants (the matrix in docs/sql.md, Roles)
------------------------------------------------------------------------------

REVOKE ALL ON benefit.booking_change FROM PUBLIC, benefit_worker, benefit_admin, benefit_operator;
GRANT SELECT ON benefit.booking_change TO benefit_operator;
REVOKE ALL ON FUNCTION
    benefit.allocation_serves_waitlist(),
    benefit.booking_scope(text, text, text, text, text),
    benefit.record_booking_change(bigint, text, text, text, text, text, text, text, jsonb),
    benefit.checkup_free_days(bigint, text, text, date, integer),
    benefit.refuse_checkup_day(bigint, text, text, date, text),
    benefit.refuse_while_booking(bigint, text),
    benefit.move_appointment(text, text, text, date, text, text, text),
    benefit.cancel_appointment(text, text, text, text, text),
    benefit.record_no_show(text, text, text, text),
    benefit.cancel_place(text, text, text, text, text)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    benefit.move_appointment(text, text, text, date, text, text, text),
    benefit.cancel_appointment(text, text, text, text, text),
    benefit.record_no_show(text, text, text, text),
    benefit.cancel_place(text, text, text, text, text)
    TO benefit_operator;
