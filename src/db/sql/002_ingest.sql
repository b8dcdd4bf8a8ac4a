-- 002_ingest: what itrace-ingest needs beyond 001.
--
-- * event: the network and product fields that struct ev carries (src/core/
--   event.h) get columns of their own, so a row round-trips to a struct ev.
-- * alert: an alert line may have no SHA-256; with the default NULLS DISTINCT
--   such an alert would be stored again on every reload. NULLS NOT DISTINCT
--   (PostgreSQL 15) makes the reload idempotent; ON CONFLICT (endpoint_id,
--   detected_at, path, sha256) still infers this constraint.

ALTER TABLE event
  ADD COLUMN local_ip   text,
  ADD COLUMN local_port integer,
  ADD COLUMN initiated  boolean,
  ADD COLUMN product    text;

ALTER TABLE alert
  DROP CONSTRAINT alert_endpoint_id_detected_at_path_sha256_key,
  ADD CONSTRAINT alert_endpoint_id_detected_at_path_sha256_key
    UNIQUE NULLS NOT DISTINCT (endpoint_id, detected_at, path, sha256);

-- Storing an alert writes its audit row (actor itrace-ingest, the SPEC rule
-- that decided its initial state) in the same transaction.
GRANT INSERT ON audit TO itrace_ingest;
