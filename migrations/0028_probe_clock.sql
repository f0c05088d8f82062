-- 0028 probe clock: the diagnostic `probe` kind can record when its handler
-- started, read from the host's monotonic clock (CLOCK_MONOTONIC, in
-- nanoseconds), so `benefit bench queue` measures pickup latency as the peers'
-- harnesses do: from the enqueue's commit returning to the producer to the
-- handler's first statement, both on one machine's monotonic clock.
-- compatible-from: 0027 (only adds a nullable column)

ALTER TABLE benefit.probe_effect ADD COLUMN handler_started_ns bigint;
