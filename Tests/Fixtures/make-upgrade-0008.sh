#!/usr/bin/env bash
# Makes Tests/Fixtures/upgrade-0008.sql: a data-only dump of a database at schema
# 0008 holding a realistic history, for the upgrade test of migration 0009.
#
#   Tests/Fixtures/make-upgrade-0008.sh BENEFIT_BINARY OUTPUT.sql
#
# Tests/Fixtures/upgrade-0008.sql was made with the release build of commit
# 7834715, the released schema (migrations 0001-0008):
#
#   git worktree add /tmp/base 7834715 && (cd /tmp/base && swift build -c release)
#   Tests/Fixtures/make-upgrade-0008.sh /tmp/base/.build/release/benefit Tests/Fixtures/upgrade-0008.sql
#
# It starts its own throwaway cluster (ops/pg-throwaway), creates a database and,
# with the given binary only (the connection passed as DATABASE_URL), builds
# this history through the command line: `db migrate`, `members generate` and
# `members import`, `campaign apply` (several revisions), `campaign trigger`,
# `worker`, `runs cancel`, `jobs enqueue`, `jobs retry`, `campaign pause`
# (campaign files are written below; winter-relief gets 3 revisions,
# health-checkup and drill-running 2):
#
#   - a roster of 400 generated members (seed 11, as of 2026-01-01);
#   - winter-relief and summer-cooling (seasonal-relief): succeeded runs whose
#     small budgets run out: grants and waitlist entries; summer-cooling is
#     then paused;
#   - health-checkup: a succeeded run, appointments at two hospitals;
#   - spring-recuperation: a succeeded run, allocations and a ranked waitlist;
#   - drill-failing (drill, failRanks): a failed run (one dead batch), then a
#     second failed run retried with `jobs retry --run` whose batch died again,
#     so its attempts go on across the operator's retry;
#   - drill-cancel (drill, sleepMs): a run cancelled part-way (succeeded and
#     cancelled batches);
#   - drill-running (drill, sleepMs): a run still running at dump time: a worker
#     stopped with SIGTERM and no grace (released attempts), then a second one
#     killed with kill -9 part-way, so the run has succeeded batches, running
#     ones whose 30-minute leases the dead worker holds, and available ones;
#   - autumn-education: a pending run whose planning job is still available
#     (triggered with no worker running);
#   - diagnostic jobs of no run, on the default queue: succeeded noop jobs, one
#     with a unique key (enqueued twice: one job), a drill job dead after its
#     2 attempts, and a sleep job whose worker was killed with kill -9: its
#     lease expired, another worker's rescuer put it back and it succeeded;
#   - execution.concurrency on most campaigns, so their batch jobs carry a
#     concurrency_limit.
#
# Nothing is written with SQL: every state above comes from the binary. The
# database is only read (psql) to wait for states, with a deadline, and to check
# the history is as described before dumping it.
#
# The dump is `pg_dump --data-only --inserts --column-inserts --disable-triggers
# --schema=benefit`, without benefit.schema_migrations, with the setval of
# lease_token_seq and of the identity sequences. The upgrade test creates a
# fresh database, applies migrations 0001-0008, loads the file as a superuser
# (psql -v ON_ERROR_STOP=1 -f; triggers are disabled while loading, so the
# budget ledgers keep their `spent` and grants are not charged twice), reads
# every documented view of docs/sql.md, migrates to the latest migration and
# checks the views answer the same rows. Before writing OUTPUT, this script
# makes the same check without the upgrade: the dump loaded into a second
# database migrated by the same binary must answer every view with the same
# rows, keep every sequence where it was, and each budget's spent must equal
# its grants' sum. pg_dump 15.14 and later write \restrict and \unrestrict
# lines: load the file with a psql at least as recent (Debian 12's
# postgresql-15, which ops/install-deps installs, is 15.18).
#
# Roster, campaigns and the finished runs' effects are the same on every run of
# this script within one calendar year (the runs' cycles, and recuperation's
# years since the last trip, follow the year the runs are triggered);
# timestamps, host names, pids and how far the running run got are not.
set -euo pipefail

usage() { echo "usage: $0 BENEFIT_BINARY OUTPUT.sql" >&2; exit 2; }
[ $# -eq 2 ] || usage
binary=$(realpath "$1")
output=$(realpath -m "$2")
[ -x "$binary" ] || { echo "$0: $1 is not an executable" >&2; exit 2; }
[ -d "$(dirname "$output")" ] || { echo "$0: no folder $(dirname "$output")" >&2; exit 2; }
throwaway=$(realpath "$(dirname "$0")/../../ops/pg-throwaway")
[ -x "$throwaway" ] || { echo "$0: $throwaway not found" >&2; exit 2; }

work=$(mktemp -d /tmp/upgrade-0008.XXXXXX)   # campaign files, roster, worker logs, the dump
cluster=$(mktemp -d /tmp/upgrade-0008-pg.XXXXXX)
workers=()                                    # pids of the workers started here

cleanup() {
    local status=$?
    local pid
    for pid in "${workers[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    if [ "$status" -ne 0 ]; then
        for log in "$work"/*.log; do
            [ -s "$log" ] || continue
            echo "--- last lines of $(basename "$log")" >&2
            tail -n 20 "$log" >&2
        done
    fi
    "$throwaway" stop "$cluster" >/dev/null 2>&1 || true
    rm -rf "$work" "$cluster"
    exit "$status"
}
trap cleanup EXIT

url=$("$throwaway" start "$cluster")
psql "$url" -X -q -v ON_ERROR_STOP=1 -c 'CREATE DATABASE benefit_fixture'
export DATABASE_URL="${url%/postgres}/benefit_fixture"
export BENEFIT_LOG_LEVEL=warning
unset PGDATABASE PGHOST PGPORT PGUSER || true

step() { echo "== $*" >&2; }
benefit() { "$binary" "$@"; }
sql() { psql "$DATABASE_URL" -X -A -t -q -v ON_ERROR_STOP=1 -c "$1"; }

# wait_for WHAT QUERY [SECONDS]: polls until QUERY answers t, or fails at the deadline.
wait_for() {
    local what=$1 query=$2 deadline=$((SECONDS + ${3:-60}))
    until [ "$(sql "$query")" = t ]; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            echo "$0: timed out waiting for $what" >&2
            return 1
        fi
        sleep 0.2
    done
}

# start_worker NAME QUEUES CONCURRENCY [OPTIONS...]: sets $worker_pid.
start_worker() {
    local name=$1 queues=$2 concurrency=$3
    shift 3
    BENEFIT_LOG_LEVEL=info "$binary" worker --queues "$queues" --concurrency "$concurrency" --name "$name" "$@" \
        2>>"$work/$name.log" &
    worker_pid=$!
    workers+=("$worker_pid")
}
# stop_worker PID: SIGTERM, and the worker must exit 0.
stop_worker() { kill -TERM "$1"; wait "$1"; }
# kill_worker PID: kill -9, as a crash.
kill_worker() { kill -KILL "$1"; wait "$1" 2>/dev/null || true; }

run_of() { sql "SELECT max(run_id) FROM benefit.run_history WHERE campaign = '$1'"; }
run_state_is() { echo "SELECT coalesce((SELECT state = '$2' FROM benefit.run WHERE id = $1), false)"; }

# --- The roster ---------------------------------------------------------------
step "schema 0001-0008 and a roster of 400 members"
benefit db migrate >/dev/null
benefit members generate --count 400 --seed 11 --as-of 2026-01-01 --out "$work/roster.csv" >/dev/null
benefit members import "$work/roster.csv" >/dev/null

# --- Campaign files -------------------------------------------------------------
mkdir "$work/campaigns"
cd "$work/campaigns"

cat >winter-relief.yaml <<'YAML'
# 冬送温暖 with a small budget: tier 1 all granted, then the budget runs out.
name: winter-relief
title: 冬送温暖
program: seasonal-relief
schedule:
  timezone: Asia/Shanghai
  lunar: "12-16 09:00"
  catchUp: latest
  overlap: skip
execution:
  queue: relief
  batchSize: 20
  maxAttempts: 5
  lease: 60s
  concurrency: 2
cycle: yearly
parameters:
  season: winter-warmth
  eligibility: { hardshipTier: [1, 2, 3] }
  amounts: { "1": 2000, "2": 1200, "3": 800 }
  budget: 18000
YAML

cat >summer-cooling.yaml <<'YAML'
# 夏送清凉 for frontline workers, with a budget for about half of them.
name: summer-cooling
title: 夏送清凉
program: seasonal-relief
schedule:
  timezone: Asia/Shanghai
  cron: "0 9 1 7 *"
execution:
  queue: relief
  batchSize: 50
  concurrency: 2
cycle: yearly
parameters:
  season: summer-cooling
  eligibility: { frontline: true }
  employment: [staff, migrant, gig]
  amounts: { "1": 600, "2": 450 }
  amount: 300
  budget: 20000
YAML

cat >autumn-education.yaml <<'YAML'
# 秋送助学: triggered last, with no worker running: its run stays pending.
name: autumn-education
title: 秋送助学
program: seasonal-relief
schedule:
  timezone: Asia/Shanghai
  cron: "0 9 15 8 *"
execution:
  queue: relief
  batchSize: 50
cycle: yearly
parameters:
  season: autumn-education
  eligibility: { childInCollege: true }
  amounts: { "1": 5000, "2": 4000 }
  amount: 2000
  budget: 30000
YAML

cat >health-checkup.yaml <<'YAML'
# The yearly checkup at two small hospitals: several weeks of workdays.
name: health-checkup
title: 年度职工体检
program: health-checkup
schedule:
  timezone: Asia/Shanghai
  cron: "0 9 15 2 *"
execution:
  queue: checkup
  batchSize: 50
  maxAttempts: 5
  backoff: { initial: 10s, max: 10m }
  concurrency: 3
cycle: yearly
parameters:
  interval: 2y                      # due if the last checkup is two years or more before startDate
  employment: [staff, retired]
  startDate: 2027-03-01
  holidays: [2027-04-05, 2027-05-03]
  hospitals:
    - { name: 市第一人民医院, dailyCapacity: 15 }
    - { name: 中医附院, dailyCapacity: 10 }
  packages:
    - { name: basic, ageBelow: 35 }
    - { name: standard, ageBelow: 50 }
    - { name: extended }
  womenExtra: two-cancer-screening
YAML

cat >spring-recuperation.yaml <<'YAML'
# 春季疗休养: 28 places in three sessions; the rest are waitlisted, ranked.
name: spring-recuperation
title: 春季疗休养
program: recuperation
schedule:
  timezone: Asia/Shanghai
  cron: "0 9 1 3 *"
execution:
  queue: recuperation
  batchSize: 25
cycle: yearly
parameters:
  employment: [staff, migrant]
  minServiceYears: 3
  notWithinYears: 5
  sites:
    - name: 沙家浜
      sessions:
        - { start: 2027-04-06, days: 5, capacity: 10 }
        - { start: 2027-04-13, days: 5, capacity: 10 }
    - name: 尚湖
      sessions:
        - { start: 2027-05-11, days: 5, capacity: 8 }
  rankBy: [frontline, modelWorker, yearsSinceLast, serviceYears]
  seed: 2027
YAML

cat >drill-failing.yaml <<'YAML'
# A drill whose third batch (ranks 51-75) fails on every attempt.
name: drill-failing
title: Drill with a dead batch
program: drill
schedule:
  timezone: Asia/Shanghai
  cron: "0 3 * * MON"
  catchUp: none
execution:
  queue: drill
  batchSize: 25
  maxAttempts: 3
  backoff: { initial: 100ms, max: 400ms }
  lease: 30s
  concurrency: 2
cycle: run
parameters:
  members: 100
  failRanks: [60]
  sleepMs: 0
YAML

cat >drill-cancel.yaml <<'YAML'
# A slow drill, cancelled part-way.
name: drill-cancel
title: Drill cancelled by an operator
program: drill
schedule:
  timezone: Asia/Shanghai
  cron: "0 4 * * MON"
  catchUp: none
execution:
  queue: drill-cancel
  batchSize: 20
  maxAttempts: 3
  lease: 30s
  concurrency: 2
cycle: run
parameters:
  members: 200
  sleepMs: 1000
YAML

cat >drill-running.yaml <<'YAML'
# A slow drill left running: its worker is killed part-way.
name: drill-running
title: Drill still running
program: drill
schedule:
  timezone: Asia/Shanghai
  cron: "0 5 * * MON"
  catchUp: none
execution:
  queue: drill-slow
  batchSize: 20
  maxAttempts: 3
  lease: 30m
  concurrency: 3
cycle: run
parameters:
  members: 300
  sleepMs: 1500
YAML

step "campaigns, with revisions"
benefit campaign apply ./*.yaml >/dev/null
# Revision 2 of winter-relief: the budget raised before the drive.
sed -i 's/^  budget: 18000$/  budget: 20000/' winter-relief.yaml
benefit campaign apply winter-relief.yaml >/dev/null
# Revision 2 of drill-running: slower batches.
sed -i 's/^  sleepMs: 1500$/  sleepMs: 2000/' drill-running.yaml
benefit campaign apply drill-running.yaml >/dev/null

# --- Diagnostic jobs of no run (default queue) ------------------------------------
step "diagnostic jobs"
benefit jobs enqueue noop --count 5 >/dev/null
benefit jobs enqueue noop --unique-key roster-sync-2026-12 >/dev/null
benefit jobs enqueue noop --unique-key roster-sync-2026-12 >/dev/null   # the same job again
benefit jobs enqueue drill --payload '{"failAttempts": 99}' --max-attempts 2 >/dev/null
benefit jobs enqueue sleep --payload '{"ms": 4000}' --lease 1s >/dev/null
sleep_job=$(sql "SELECT max(job_id) FROM benefit.jobs WHERE kind = 'sleep'")
drill_job=$(sql "SELECT max(job_id) FROM benefit.jobs WHERE kind = 'drill' AND run_id IS NULL")
start_worker diag-1 default 4
diag_1=$worker_pid
wait_for "the sleep job to run" "SELECT state = 'running' FROM benefit.job WHERE id = $sleep_job"
wait_for "the noop jobs to succeed" \
    "SELECT bool_and(state = 'succeeded') FROM benefit.job WHERE kind = 'noop'"
# A crash while the sleep job runs: its 1 s lease expires, diag-2's rescuer takes it back.
kill_worker "$diag_1"
start_worker diag-2 default 4
diag_2=$worker_pid   # stopped below, once the drill job is dead (its backoff is up to 10 s)

# --- Seasonal relief, checkups, recuperation ---------------------------------------
step "relief, checkup and recuperation runs"
benefit campaign trigger winter-relief >/dev/null
benefit campaign trigger summer-cooling >/dev/null
benefit campaign trigger health-checkup >/dev/null
benefit campaign trigger spring-recuperation >/dev/null
winter=$(run_of winter-relief)
summer=$(run_of summer-cooling)
checkup=$(run_of health-checkup)
recuperation=$(run_of spring-recuperation)
start_worker host-a relief,checkup,recuperation 2
host_a=$worker_pid
start_worker host-b recuperation,checkup,relief 2
host_b=$worker_pid
for run in "$winter" "$summer" "$checkup" "$recuperation"; do
    wait_for "run $run to succeed" "$(run_state_is "$run" succeeded)"
done
stop_worker "$host_a"
stop_worker "$host_b"
# Revision 3 of winter-relief, for next winter; summer-cooling paused.
sed -i 's/^title: 冬送温暖$/title: 冬送温暖 (next winter)/' winter-relief.yaml
benefit campaign apply winter-relief.yaml >/dev/null
# Revision 2 of health-checkup: a third hospital for the next cycle.
sed -i 's/^    - { name: 中医附院, dailyCapacity: 10 }$/&\n    - { name: 市第二人民医院, dailyCapacity: 12 }/' health-checkup.yaml
benefit campaign apply health-checkup.yaml >/dev/null
benefit campaign pause summer-cooling --reason "budget spent for this year" >/dev/null

# --- Failed runs ----------------------------------------------------------------------
step "failed runs, one retried by the operator"
start_worker drill-1 drill 2
drill_worker=$worker_pid
benefit campaign trigger drill-failing >/dev/null
failed_first=$(run_of drill-failing)
wait_for "run $failed_first to fail" "$(run_state_is "$failed_first" failed)"
benefit campaign trigger drill-failing >/dev/null
failed_second=$(run_of drill-failing)
wait_for "run $failed_second to fail" "$(run_state_is "$failed_second" failed)"
benefit jobs retry --run "$failed_second" >/dev/null   # the run goes back to running
wait_for "run $failed_second to fail again" "$(run_state_is "$failed_second" failed)"
stop_worker "$drill_worker"

# --- The diagnostic worker's jobs are done by now, or soon ---------------------------
wait_for "the sleep job to be rescued and succeed" "SELECT state = 'succeeded' FROM benefit.job WHERE id = $sleep_job"
wait_for "the drill job to die" "SELECT state = 'dead' FROM benefit.job WHERE id = $drill_job"
stop_worker "$diag_2"

# --- A cancelled run ------------------------------------------------------------------
step "a run cancelled part-way"
benefit campaign trigger drill-cancel >/dev/null
cancelled=$(run_of drill-cancel)
start_worker drill-2 drill-cancel 2
cancel_worker=$worker_pid
wait_for "two batches of run $cancelled" \
    "SELECT count(*) >= 2 FROM benefit.job WHERE run_id = $cancelled AND kind = 'campaign.batch' AND state = 'succeeded'"
benefit runs cancel "$cancelled" >/dev/null
wait_for "run $cancelled to be cancelled" "$(run_state_is "$cancelled" cancelled)"
stop_worker "$cancel_worker"

# --- A running run, its worker killed ---------------------------------------------------
# No worker may run after this section (a worker's rescuer would take the dead
# worker's leases back once they expire).
step "a run left running by a killed worker"
benefit campaign trigger drill-running >/dev/null
running=$(run_of drill-running)
start_worker slow-1 drill-slow 3 --grace-period 0s
slow_1=$worker_pid
wait_for "batches of run $running to run" \
    "SELECT count(*) = 3 FROM benefit.job WHERE run_id = $running AND kind = 'campaign.batch' AND state = 'running'"
stop_worker "$slow_1"   # no grace: its running batches are released, not counted
start_worker slow-2 drill-slow 3
slow_2=$worker_pid
wait_for "run $running to be part-way" \
    "SELECT count(*) FILTER (WHERE state = 'succeeded') >= 3 AND count(*) FILTER (WHERE state = 'running') = 3
     FROM benefit.job WHERE run_id = $running AND kind = 'campaign.batch'"
kill_worker "$slow_2"

# --- A pending run --------------------------------------------------------------------
step "a pending run"
benefit campaign trigger autumn-education >/dev/null
pending=$(run_of autumn-education)

# --- Check what was made ----------------------------------------------------------------
check() {
    local what=$1 query=$2
    [ "$(sql "$query")" = t ] || { echo "$0: check failed: $what" >&2; exit 1; }
}
check "run states" "SELECT
      (SELECT state FROM benefit.run WHERE id = $winter) = 'succeeded'
  AND (SELECT state FROM benefit.run WHERE id = $summer) = 'succeeded'
  AND (SELECT state FROM benefit.run WHERE id = $checkup) = 'succeeded'
  AND (SELECT state FROM benefit.run WHERE id = $recuperation) = 'succeeded'
  AND (SELECT state FROM benefit.run WHERE id = $failed_first) = 'failed'
  AND (SELECT state FROM benefit.run WHERE id = $failed_second) = 'failed'
  AND (SELECT state FROM benefit.run WHERE id = $cancelled) = 'cancelled'
  AND (SELECT state FROM benefit.run WHERE id = $running) = 'running'
  AND (SELECT state FROM benefit.run WHERE id = $pending) = 'pending'"
check "budgets run out: grants and waitlist entries" "SELECT
      (SELECT count(*) FROM benefit.grants WHERE run_id = $winter) > 0
  AND (SELECT count(*) FROM benefit.waitlist WHERE run_id = $winter) > 0
  AND (SELECT count(*) FROM benefit.grants WHERE run_id = $summer) > 0
  AND (SELECT count(*) FROM benefit.waitlist WHERE run_id = $summer) > 0"
check "appointments at two hospitals" \
    "SELECT count(DISTINCT hospital) = 2 FROM benefit.appointments WHERE run_id = $checkup"
check "allocations and a waitlist" "SELECT
      (SELECT count(*) FROM benefit.allocations WHERE run_id = $recuperation) > 0
  AND (SELECT count(*) FROM benefit.waitlist WHERE run_id = $recuperation) > 0"
check "attempts across the operator's retry" \
    "SELECT count(*) = 6 FROM benefit.job_attempts a JOIN benefit.dead_jobs d USING (job_id) WHERE d.run_id = $failed_second"
check "the running run's batches" "SELECT
      count(*) FILTER (WHERE state = 'succeeded') > 0 AND count(*) FILTER (WHERE state = 'running') > 0
  AND count(*) FILTER (WHERE state = 'available') > 0
  FROM benefit.job WHERE run_id = $running AND kind = 'campaign.batch'"
check "the pending run's planning job" \
    "SELECT state = 'available' FROM benefit.job WHERE run_id = $pending AND kind = 'campaign.plan'"
check "attempt outcomes" "SELECT count(DISTINCT outcome) = 6 FROM benefit.job_attempts
  WHERE outcome IN ('succeeded', 'retry', 'dead', 'running', 'released', 'lease_expired')"
check "one job for the unique key" \
    "SELECT count(*) = 1 FROM benefit.jobs WHERE unique_key = 'roster-sync-2026-12'"

# --- The dump ----------------------------------------------------------------------
step "dump"
pg_dump --data-only --inserts --column-inserts --disable-triggers --schema=benefit \
    --exclude-table-data=benefit.schema_migrations --file="$work/dump.sql" "$DATABASE_URL"

# --- Check the dump before writing it ----------------------------------------------------
# Loaded into a fresh database migrated by the same binary, every documented view
# (docs/sql.md) must answer the same rows, every sequence be where it was, and
# each budget ledger's spent be its grants' sum (triggers are off while loading).
step "check: the dump loaded into a fresh database answers the same"
psql "$url" -X -q -v ON_ERROR_STOP=1 -c 'CREATE DATABASE benefit_restored'
restored="${url%/postgres}/benefit_restored"
DATABASE_URL=$restored benefit db migrate >/dev/null
psql "$restored" -X -q -v ON_ERROR_STOP=1 -f "$work/dump.sql" >/dev/null
for view in run_history jobs job_attempts dead_jobs campaigns members grants waitlist budgets appointments allocations; do
    columns=$(sql "SELECT string_agg(ordinal_position::text, ',' ORDER BY ordinal_position)
                   FROM information_schema.columns WHERE table_schema = 'benefit' AND table_name = '$view'")
    [ -n "$columns" ] || { echo "$0: no view benefit.$view" >&2; exit 1; }
    query="SELECT * FROM benefit.$view ORDER BY $columns"
    psql "$DATABASE_URL" -X -v ON_ERROR_STOP=1 -c "$query" >"$work/source-$view.txt"
    psql "$restored" -X -v ON_ERROR_STOP=1 -c "$query" >"$work/restored-$view.txt"
    diff -u "$work/source-$view.txt" "$work/restored-$view.txt" >&2 \
        || { echo "$0: benefit.$view answers differently after loading the dump" >&2; exit 1; }
    echo "   benefit.$view: $(tail -n 2 "$work/source-$view.txt" | head -n 1), the same" >&2
done
sequences="SELECT string_agg(format('%s %s', sequencename, coalesce(last_value::text, 'unused')), ', ' ORDER BY sequencename)
           FROM pg_sequences WHERE schemaname = 'benefit'"
source_sequences=$(sql "$sequences")
restored_sequences=$(DATABASE_URL=$restored sql "$sequences")
[ -n "$source_sequences" ] && [ "$source_sequences" = "$restored_sequences" ] \
    || { echo "$0: sequences differ after loading the dump: $source_sequences; $restored_sequences" >&2; exit 1; }
echo "   sequences: $source_sequences, the same" >&2
ledgers=$(DATABASE_URL=$restored sql "SELECT bool_and(b.spent = (SELECT coalesce(sum(g.amount), 0) FROM benefit.grants g
                                      WHERE g.campaign = b.campaign AND g.cycle = b.cycle)) FROM benefit.budgets b")
[ "$ledgers" = t ] || { echo "$0: a budget's spent is not its grants' sum after loading the dump" >&2; exit 1; }
echo "   budgets: spent is the grants' sum" >&2

mv "$work/dump.sql" "$output"
step "wrote $output"
