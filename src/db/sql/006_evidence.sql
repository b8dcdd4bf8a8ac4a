-- 006_evidence: the quick report's process lookups (src/db/evidence.c).
--
-- Walking up from a process to its ancestors needs each ancestor's own
-- process start, found by (endpoint, GUID prefix, pid). event_proc has that
-- key but holds every event of the process: for a long-lived ancestor
-- (explorer, services, an svchost) that is thousands of rows per day to
-- filter by kind, and when its start lies before the 7-day window the
-- probe finds nothing after reading them all. This partial index holds the
-- process starts only (about 3% of the rows, ~1 B per event).
CREATE INDEX event_proc_start ON event (endpoint_id, proc_key, pid)
  WHERE kind = 'process_start';
