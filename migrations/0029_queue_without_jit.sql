-- 0029 the queue's functions plan without JIT compilation.
-- compatible-from: 0028 (changes only a setting of existing functions)
--
-- claim_jobs plans its statements once per session, generically (0015:
-- plan_cache_mode = force_generic_plan). A generic plan does not know the claim's
-- LIMIT, so with a long backlog its estimated cost passes jit_above_cost
-- (100,000 by default), and every claim then compiled its expressions first:
-- with 1,000,000 jobs queued a claim of 10 took 9.6 ms, of which the JIT's code
-- emission was about 9 ms, against 1.0 ms with 10,000 queued (`benefit bench
-- claim`, BENCHMARKS.md). The queue's statements each touch a handful of rows
-- by index, where compiling can never pay for itself, so none of its functions
-- may JIT, whatever the server's setting.
DO $$
DECLARE
    v_function regprocedure;
BEGIN
    FOR v_function IN
        SELECT p.oid::regprocedure FROM pg_catalog.pg_proc p
        WHERE p.pronamespace = 'benefit'::regnamespace
          AND p.proname IN ('claim_jobs', 'enqueue_jobs', 'complete_jobs', 'extend_leases', 'fail_job', 'release_jobs',
                            'rescue_expired_jobs', 'held_attempts', 'open_fenced_commit', 'fenced_commit_job',
                            'close_fenced_commit', 'job_timeouts')
    LOOP
        EXECUTE pg_catalog.format('ALTER FUNCTION %s SET jit = off', v_function);
    END LOOP;
END
$$;
