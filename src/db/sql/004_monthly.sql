-- 004_monthly: the monthly report (SPEC R-25) and log retention (R-28).
--
-- * report.period: for a monthly report, the first day of the month it
--   covers (the tenant's calendar month). One monthly report per tenant and
--   month: a second daemon, or a retry after a crash, can never publish it
--   twice (itrace-cmdd inserts it with ON CONFLICT DO NOTHING).
-- * itrace_event_partition_drop(part, cutoff): R-28 log retention drops the
--   daily partitions of `event` that lie wholly before cutoff. Partitions
--   are created by itrace_event_partition() (SECURITY DEFINER) and belong
--   to the schema owner; the daemon's role may drop them only through this
--   function, which refuses anything that is not a partition of event, a
--   partition that ends after cutoff, and a cutoff less than 7 days old by
--   the database's clock (the quick report examines 7 days of logs, R-11).
--   DROP TABLE of a partition takes a short exclusive lock on `event`; the
--   function waits at most 2 s for it (a busy loader makes the daemon try
--   again at its next pass instead of queueing everyone behind it).

ALTER TABLE report
  ADD COLUMN period date,
  ADD CONSTRAINT report_period_monthly CHECK ((kind = 'monthly') = (period IS NOT NULL));
CREATE UNIQUE INDEX report_monthly_period ON report (tenant_id, period)
  WHERE kind = 'monthly';

CREATE OR REPLACE FUNCTION itrace_event_partition_drop(part text, cutoff timestamptz)
RETURNS TABLE (from_ts timestamptz, to_ts timestamptz)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public SET lock_timeout = '2s' AS $$
DECLARE
  rel   oid;
  bound text;
BEGIN
  IF cutoff IS NULL OR cutoff > now() - interval '7 days' THEN
    RAISE EXCEPTION 'event retention: cutoff % is less than 7 days ago (R-11)', cutoff;
  END IF;
  SELECT c.oid, pg_get_expr(c.relpartbound, c.oid) INTO rel, bound
    FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
   WHERE i.inhparent = 'event'::regclass AND c.relname = part
     AND c.relnamespace = 'public'::regnamespace;
  IF rel IS NULL THEN
    RAISE EXCEPTION 'event retention: % is not a partition of event', part;
  END IF;
  from_ts := substring(bound FROM 'FROM \(''([^'']+)''\)')::timestamptz;
  to_ts := substring(bound FROM 'TO \(''([^'']+)''\)')::timestamptz;
  IF to_ts IS NULL OR to_ts > cutoff THEN
    RAISE EXCEPTION 'event retention: % ends at %, after the cutoff %', part, to_ts, cutoff;
  END IF;
  EXECUTE format('DROP TABLE %I', part);
  RETURN NEXT;
END $$;

REVOKE ALL ON FUNCTION itrace_event_partition_drop(text, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION itrace_event_partition_drop(text, timestamptz) TO itrace_cmdd;
