-- 003_cmdd: what the command API daemon (itrace-cmdd) needs beyond 001.
-- Idempotency answers, client releases (R-27), the daemon's uptime (R-25
-- "managed-service downtime"), the mail outbox (R-10, R-15), exceptions
-- waiting for business hours (R-2, R-14) and the gray answer (R-19).

-- The first answer to a POST with an Idempotency-Key, per caller: a repeat
-- with the same key gets these bytes back and changes nothing.
CREATE TABLE idempotency (
  analyst_id      bigint NOT NULL REFERENCES analyst(id),
  key             text NOT NULL,
  fingerprint     text NOT NULL,          -- SHA-256 of method, path and body
  status          integer NOT NULL,
  body            text NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (analyst_id, key)
);
CREATE INDEX idempotency_age ON idempotency (created_at);

-- Client versions made available by `itrace-cmdd release add` (R-27).
CREATE TABLE client_release (
  version         text PRIMARY KEY,
  created_at      timestamptz NOT NULL DEFAULT now(),
  created_by      text
);

-- One row per daemon run; last_beat is advanced by the job thread, so a gap
-- between runs (or a stale last_beat) is service downtime (R-25).
CREATE TABLE service_run (
  id              bigserial PRIMARY KEY,
  host            text NOT NULL,
  pid             integer NOT NULL,
  started_at      timestamptz NOT NULL,
  last_beat       timestamptz NOT NULL,
  stopped_at      timestamptz
);

-- Mail waiting to go out (R-10 black quick report, R-15 black/gray
-- explanatory report, R-25 monthly report). Filled by cmdd in the same
-- transaction as the report; sent by mail_outbox_run() (src/cmdd/mail.c).
CREATE TABLE outbox (
  id              bigserial PRIMARY KEY,
  tenant_id       bigint NOT NULL REFERENCES tenant(id),
  report_id       bigint REFERENCES report(id) ON DELETE SET NULL,
  recipients      text[] NOT NULL,
  subject         text NOT NULL,
  body            text NOT NULL,
  state           text NOT NULL DEFAULT 'queued'
                  CHECK (state IN ('queued','sending','sent','failed')),
  attempts        integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  last_error      text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  sent_at         timestamptz
);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE state = 'queued';

-- Exceptions decided outside business hours, added by the job in the next
-- business window (R-2, R-14: white + auto_exception).
CREATE TABLE exception_pending (
  id              bigserial PRIMARY KEY,
  tenant_id       bigint NOT NULL REFERENCES tenant(id),
  sha256          text,
  path            text,
  reason          text,
  alert_id        bigint REFERENCES alert(id),
  not_before      timestamptz NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  done_at         timestamptz,
  exception_id    bigint REFERENCES exception(id),
  CHECK (sha256 IS NOT NULL OR path IS NOT NULL)
);
CREATE INDEX exception_pending_due ON exception_pending (not_before)
  WHERE done_at IS NULL;

-- Alert fields of the workflow that 001 leaves out.
ALTER TABLE alert
  ADD COLUMN IF NOT EXISTS quick_published_at   timestamptz,
  ADD COLUMN IF NOT EXISTS explain_published_at timestamptz,
  ADD COLUMN IF NOT EXISTS answer_intended      boolean,     -- R-19
  ADD COLUMN IF NOT EXISTS answer_by            text,
  ADD COLUMN IF NOT EXISTS answer_note          text,
  ADD COLUMN IF NOT EXISTS answered_at          timestamptz,
  ADD COLUMN IF NOT EXISTS exception_id         bigint REFERENCES exception(id),
  ADD COLUMN IF NOT EXISTS closed_at            timestamptz,
  ADD COLUMN IF NOT EXISTS quick_comment        text,
  ADD COLUMN IF NOT EXISTS explain_comment      text;

-- Exception lookups by the rule of R-21 (hash or path per tenant).
CREATE INDEX IF NOT EXISTS exception_tenant_sha ON exception (tenant_id, sha256);
CREATE INDEX IF NOT EXISTS exception_tenant_path ON exception (tenant_id, lower(path));
-- Commands to expire (14 days undelivered).
CREATE INDEX IF NOT EXISTS command_queued_age ON command (created_at) WHERE state = 'queued';
-- Gray alerts whose reply is due (R-19 job).
CREATE INDEX IF NOT EXISTS alert_reply_due ON alert (reply_due) WHERE reply_due IS NOT NULL;

-- RFC 3339 UTC with milliseconds, the API's time format.
CREATE OR REPLACE FUNCTION itrace_ts(t timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
$$;

CREATE TRIGGER outbox_notify AFTER INSERT OR UPDATE ON outbox
  FOR EACH ROW EXECUTE FUNCTION itrace_notify();

GRANT SELECT ON idempotency, client_release, service_run, outbox,
  exception_pending TO itrace_console;
GRANT SELECT, INSERT, UPDATE, DELETE ON idempotency, client_release,
  service_run, outbox, exception_pending TO itrace_cmdd;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO itrace_cmdd;
