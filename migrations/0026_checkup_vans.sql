-- 0026 checkup vans (流动体检车): a health-checkup campaign in `mode: vans`
-- sends vans to the members' workplaces instead of members to hospitals
-- (docs/programs.md, health-checkup: checkup vans).
-- compatible-from: 0024 (adds columns with defaults, a table, a view, a trigger; the replaced functions keep their signatures and what they do for hospitals)
--
-- A van is a row of benefit.checkup_hospital with kind 'van': it has a daily
-- capacity, is opened by the cycle's first run and locked by planners like a
-- hospital, and its appointments take seats in the day as a hospital's do, so
-- "never over the daily capacity" is held by 0006's seat constraints for vans
-- too, and moves, cancels, no-shows, the member's file and the reports keep one
-- path.
--
-- What a van adds is where it is: each van-day (benefit.van_day) is at one
-- site, the org unit it visits, and a van appointment names its site, which a
-- foreign key pins to its van-day. So "one site per van-day" is the van-day's
-- primary key, and no appointment can put a van somewhere its day does not
-- say, whoever writes it. Van-days are the plan: written once by the run's
-- planning commit (row-level security, as 0010's plans), each with the run's
-- ranks it seats; batches only read them.

------------------------------------------------------------------------------
-- Kinds: a cycle's capacity rows are hospitals or vans, and so are appointments
------------------------------------------------------------------------------

ALTER TABLE benefit.checkup_hospital
    ADD COLUMN kind text NOT NULL DEFAULT 'hospital' CHECK (kind IN ('hospital', 'van')),
    -- The key van-days and appointments reference, so each carries its row's kind.
    ADD CONSTRAINT checkup_hospital_kind_key UNIQUE (campaign_id, cycle, hospital, kind);

-- Each van-day of a cycle: the site (org unit) the van is at that workday, and
-- the ranks of the run that planned it seated there, seat = rank - first_rank + 1.
CREATE TABLE benefit.van_day (
    campaign_id    bigint  NOT NULL,
    cycle          text    NOT NULL,
    van            text    NOT NULL,
    day            date    NOT NULL CHECK (extract(isodow FROM day) < 6),
    site           text    NOT NULL CHECK (length(site) >= 1),
    -- The cycle's workday number of `day` (from 0): where the van's next plan starts.
    workday        integer NOT NULL CHECK (workday >= 0),
    -- Always 'van', for the foreign key to the van's row.
    kind           text    NOT NULL DEFAULT 'van' CHECK (kind = 'van'),
    daily_capacity integer NOT NULL,
    run_id         bigint  NOT NULL REFERENCES benefit.run (id),
    first_rank     bigint  NOT NULL CHECK (first_rank >= 1),
    last_rank      bigint  NOT NULL CHECK (last_rank BETWEEN first_rank AND first_rank + daily_capacity - 1),
    CONSTRAINT van_day_one_site PRIMARY KEY (campaign_id, cycle, van, day),
    -- The key van appointments reference: their van is at their site that day.
    UNIQUE (campaign_id, cycle, van, day, site),
    UNIQUE (run_id, first_rank),
    FOREIGN KEY (campaign_id, cycle, van, kind) REFERENCES benefit.checkup_hospital (campaign_id, cycle, hospital, kind),
    FOREIGN KEY (campaign_id, cycle, van, daily_capacity)
        REFERENCES benefit.checkup_hospital (campaign_id, cycle, hospital, daily_capacity)
);

ALTER TABLE benefit.appointment
    ADD COLUMN kind text NOT NULL DEFAULT 'hospital' CHECK (kind IN ('hospital', 'van')),
    -- The org unit a van appointment's van visits; NULL at a hospital.
    ADD COLUMN site text,
    ADD CONSTRAINT appointment_van_has_site CHECK ((kind = 'van') = (site IS NOT NULL)),
    ADD CONSTRAINT appointment_kind_fkey FOREIGN KEY (campaign_id, cycle, hospital, kind)
        REFERENCES benefit.checkup_hospital (campaign_id, cycle, hospital, kind),
    -- MATCH SIMPLE: hospital appointments (site NULL) are not checked.
    ADD CONSTRAINT appointment_van_day_fkey FOREIGN KEY (campaign_id, cycle, hospital, appointment_date, site)
        REFERENCES benefit.van_day (campaign_id, cycle, van, day, site);

-- The van-days a run planned move its vans' seats_taken to the end of their
-- last day, as 0010's benefit.checkup_plan_takes_seats does for hospitals: the
-- cycle's next run plans after them, and the planning transaction's update of
-- the rows it locked makes an overlapping planner retry.
CREATE FUNCTION benefit.van_day_takes_days() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    UPDATE benefit.checkup_hospital h
    SET seats_taken = greatest(h.seats_taken, p.days::bigint * h.daily_capacity), updated_at = now()
    FROM (SELECT n.campaign_id, n.cycle, n.van, max(n.workday) + 1 AS days
          FROM planned n GROUP BY n.campaign_id, n.cycle, n.van) p
    WHERE h.campaign_id = p.campaign_id AND h.cycle = p.cycle AND h.hospital = p.van;
    RETURN NULL;
END
$$;
CREATE TRIGGER van_day_takes_days AFTER INSERT ON benefit.van_day
    REFERENCING NEW TABLE AS planned FOR EACH STATEMENT EXECUTE FUNCTION benefit.van_day_takes_days();

ALTER TABLE benefit.van_day ENABLE ROW LEVEL SECURITY;
CREATE POLICY van_day_read ON benefit.van_day FOR SELECT USING (true);
CREATE POLICY van_day_planned ON benefit.van_day FOR INSERT TO benefit_worker
    WITH CHECK (run_id = (SELECT benefit.planning_run()));

------------------------------------------------------------------------------
-- Opening a cycle: hospitals or vans, as the revision's mode says
------------------------------------------------------------------------------

-- 0010's function, opening `vans` (kind 'van') in `mode: vans` and `hospitals`
-- otherwise; still in "C" order of name, the order planners lock them in.
CREATE OR REPLACE FUNCTION benefit.open_checkup_cycle(p_run_id bigint)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_campaign   bigint;
    v_cycle      text;
    v_parameters jsonb;
    v_vans       boolean;
BEGIN
    SELECT r.campaign_id, r.cycle, rv.definition -> 'parameters' INTO v_campaign, v_cycle, v_parameters
    FROM benefit.run r
    JOIN benefit.campaign_revision rv ON rv.campaign_id = r.campaign_id AND rv.revision = r.campaign_revision
    WHERE r.id = p_run_id;
    v_vans := coalesce(v_parameters ->> 'mode', 'hospitals') = 'vans';
    INSERT INTO benefit.checkup_cycle (campaign_id, cycle, start_date, holidays)
    VALUES (v_campaign, v_cycle, (v_parameters ->> 'startDate')::date,
            ARRAY(SELECT h::date FROM jsonb_array_elements_text(coalesce(v_parameters -> 'holidays', '[]')) AS h))
    ON CONFLICT (campaign_id, cycle) DO NOTHING;
    INSERT INTO benefit.checkup_hospital (campaign_id, cycle, hospital, daily_capacity, kind)
    SELECT v_campaign, v_cycle, h ->> 'name', (h ->> 'dailyCapacity')::integer, CASE WHEN v_vans THEN 'van' ELSE 'hospital' END
    FROM jsonb_array_elements(v_parameters -> CASE WHEN v_vans THEN 'vans' ELSE 'hospitals' END) AS h
    ORDER BY h ->> 'name' COLLATE "C"
    ON CONFLICT (campaign_id, cycle, hospital) DO NOTHING;
END
$$;

------------------------------------------------------------------------------
-- Moves: a van appointment only to another day its van is at the same site
------------------------------------------------------------------------------

-- The van's other days at `p_site` (after `p_except`'s), with a free seat: what a
-- refused van move names.
CREATE FUNCTION benefit.van_site_days(p_campaign_id bigint, p_cycle text, p_van text, p_site text, p_except date)
RETURNS date[]
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
    SELECT ARRAY(
        SELECT d.day FROM benefit.van_day d
        WHERE d.campaign_id = p_campaign_id AND d.cycle = p_cycle AND d.van = p_van AND d.site = p_site AND d.day <> p_except
          AND (SELECT count(*) FROM benefit.appointment a
               WHERE a.campaign_id = p_campaign_id AND a.cycle = p_cycle AND a.hospital = p_van
                 AND a.appointment_date = d.day AND a.cancelled_at IS NULL) < d.daily_capacity
        ORDER BY d.day)
$$;

-- 0024's function, with van appointments: a van appointment stays with its van
-- and its site, and goes only to a day the van is at that site (else refused,
-- naming those days with a free seat); no appointment moves between a hospital
-- and a van. The rest, and everything for hospital appointments, as 0024.
CREATE OR REPLACE FUNCTION benefit.move_appointment(
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
    v_kind     text;
    v_start    date;
    v_holidays date[];
    v_app      benefit.appointment%ROWTYPE;
    v_seat     integer;
    v_workday  bigint;
    v_days     date[];
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
    SELECT h.daily_capacity, h.kind INTO v_capacity, v_kind FROM benefit.checkup_hospital h
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
    IF v_app.kind = 'van' AND v_hospital <> v_app.hospital THEN
        RAISE EXCEPTION 'member %''s checkup is on van % at %: it moves only to another day of that van there', p_member,
            v_app.hospital, v_app.site USING ERRCODE = 'invalid_parameter_value';
    ELSIF v_app.kind <> v_kind THEN
        RAISE EXCEPTION '% is a van: a hospital appointment cannot move onto it', v_hospital
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM benefit.refuse_while_booking(v_campaign, v_cycle);
    IF v_app.kind = 'van' AND NOT EXISTS (
           SELECT 1 FROM benefit.van_day d
           WHERE d.campaign_id = v_campaign AND d.cycle = v_cycle AND d.van = v_hospital AND d.day = p_date AND d.site = v_app.site) THEN
        v_days := benefit.van_site_days(v_campaign, v_cycle, v_hospital, v_app.site, v_app.appointment_date);
        RAISE EXCEPTION 'van % is not at % on %; its days there with a free seat: %', v_hospital, v_app.site, p_date,
            CASE WHEN cardinality(v_days) = 0 THEN 'none' ELSE array_to_string(v_days, ', ') END
            USING ERRCODE = 'check_violation';
    END IF;
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
        IF v_app.kind = 'van' THEN
            v_days := benefit.van_site_days(v_campaign, v_cycle, v_hospital, v_app.site, v_app.appointment_date);
            RAISE EXCEPTION 'van % on % is full (% appointments a day); its days at % with a free seat: %', v_hospital, p_date,
                v_capacity, v_app.site, CASE WHEN cardinality(v_days) = 0 THEN 'none' ELSE array_to_string(v_days, ', ') END
                USING ERRCODE = 'check_violation';
        END IF;
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

------------------------------------------------------------------------------
-- Views: the appointments' new columns last; each van's route
------------------------------------------------------------------------------

CREATE OR REPLACE VIEW benefit.appointments AS
SELECT a.member_id, c.name AS campaign, a.cycle, a.run_id, a.job_id, a.created_at, a.hospital, a.appointment_date,
       a.package || coalesce('+' || a.women_extra, '') AS package, a.seat_in_day, a.daily_capacity,
       a.cancelled_at, a.cancel_reason, a.no_show_at, a.moved_at, a.kind, a.site
FROM benefit.appointment a
JOIN benefit.campaign c ON c.id = a.campaign_id;

-- One row per van-day: where the van is, and its live appointments there.
CREATE VIEW benefit.van_route AS
SELECT c.name AS campaign, d.cycle, d.van, d.day, d.site,
       (SELECT count(*) FROM benefit.appointment a
        WHERE a.campaign_id = d.campaign_id AND a.cycle = d.cycle AND a.hospital = d.van AND a.appointment_date = d.day
          AND a.cancelled_at IS NULL) AS booked,
       d.daily_capacity AS capacity, d.run_id
FROM benefit.van_day d
JOIN benefit.campaign c ON c.id = d.campaign_id;

------------------------------------------------------------------------------
-- Grants (the matrix in docs/sql.md, Roles)
------------------------------------------------------------------------------

REVOKE ALL ON benefit.van_day, benefit.van_route FROM PUBLIC, benefit_worker, benefit_admin, benefit_operator;
GRANT SELECT ON benefit.van_day TO benefit_worker, benefit_operator;
GRANT INSERT ON benefit.van_day TO benefit_worker;
GRANT SELECT ON benefit.van_route TO benefit_admin, benefit_operator, benefit_worker;
REVOKE ALL ON FUNCTION
    benefit.van_day_takes_days(),
    benefit.van_site_days(bigint, text, text, text, date)
    FROM PUBLIC;
