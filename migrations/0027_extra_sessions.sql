-- 0027 more places mid-season: an operator adds a recuperation session to a
-- cycle whose sessions its first run opened (`benefit campaign topup NAME
-- --cycle C --site S --start D --days N --capacity K`). The cycle's next run
-- gives its places, after any places cancels gave back, to the members still
-- unplaced in rank order: the waitlisted first by their rank, as 0024 made the
-- recuperation waitlist rankable again.
-- compatible-from: 0024 (only adds a function)
--
-- The new session goes last (position max + 1): sessions are walked in
-- position order when a run plans, so the sessions of the campaign file keep
-- their order and the added ones follow in the order they were added. The
-- cycle's sessions are locked in position order first, the planners' lock
-- order (benefit.lock_recuperation_sessions), so a run planning at that moment
-- either plans before the session exists or after it is committed, and two
-- additions take turns for the next position. Its capacity is checked by the
-- session's own CHECK, its site and start by the cycle's unique key.

CREATE FUNCTION benefit.add_recuperation_session(
    p_campaign text, p_cycle text, p_site text, p_start date, p_days integer, p_capacity integer)
RETURNS TABLE (session_position integer, sessions bigint, places bigint, places_taken bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_campaign bigint;
    v_program  text;
    v_position integer;
BEGIN
    SELECT c.id, c.program INTO v_campaign, v_program FROM benefit.campaign c WHERE c.name = p_campaign;
    IF v_campaign IS NULL THEN
        RAISE EXCEPTION 'no campaign named %', p_campaign USING ERRCODE = 'no_data_found';
    END IF;
    IF v_program <> 'recuperation' THEN
        RAISE EXCEPTION 'campaign % runs %, which has no sessions to add to', p_campaign, v_program
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM 1 FROM benefit.recuperation_session s
    WHERE s.campaign_id = v_campaign AND s.cycle = p_cycle
    ORDER BY s.position
    FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'cycle % of campaign % has no sessions yet: its first run opens them from the campaign file', p_cycle, p_campaign
            USING ERRCODE = 'no_data_found';
    END IF;
    IF EXISTS (SELECT 1 FROM benefit.recuperation_session s
               WHERE s.campaign_id = v_campaign AND s.cycle = p_cycle AND s.site = p_site AND s.session_start = p_start) THEN
        RAISE EXCEPTION 'cycle % of campaign % already has a session at % starting %', p_cycle, p_campaign, p_site, p_start
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT max(s.position) + 1 INTO v_position FROM benefit.recuperation_session s
    WHERE s.campaign_id = v_campaign AND s.cycle = p_cycle;
    INSERT INTO benefit.recuperation_session (campaign_id, cycle, position, site, session_start, days, capacity)
    VALUES (v_campaign, p_cycle, v_position, p_site, p_start, p_days::smallint, p_capacity);
    RETURN QUERY
    SELECT v_position, count(*), sum(s.capacity), sum(s.places_taken)
    FROM benefit.recuperation_session s
    WHERE s.campaign_id = v_campaign AND s.cycle = p_cycle;
END
$$;

REVOKE ALL ON FUNCTION benefit.add_recuperation_session(text, text, text, date, integer, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION benefit.add_recuperation_session(text, text, text, date, integer, integer) TO benefit_operator;
