-- 001_init: the shared database (DESIGN.md "The database").
-- Applied in one transaction by `itrace-ingest --migrate`.
-- Every unique key of a per-tenant table includes tenant_id or endpoint_id
-- (Citus-ready, DESIGN.md).

DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'itrace_console') THEN
    CREATE ROLE itrace_console NOLOGIN; END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'itrace_cmdd') THEN
    CREATE ROLE itrace_cmdd NOLOGIN; END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'itrace_ingest') THEN
    CREATE ROLE itrace_ingest NOLOGIN; END IF;
END $$;

CREATE TABLE tenant (
  id              bigserial PRIMARY KEY,
  name            text NOT NULL UNIQUE,
  auto_isolate    boolean NOT NULL DEFAULT false,        -- R-1
  auto_exception  boolean NOT NULL DEFAULT false,        -- R-2
  allowlist       jsonb NOT NULL DEFAULT '[]',           -- R-3 [{"net","port"}]
  mode            text NOT NULL DEFAULT 'nonblock'
                  CHECK (mode IN ('block','nonblock')),  -- R-5
  contacts        text[] NOT NULL DEFAULT '{}',          -- R-6
  service_start   date,
  onboarding_days integer NOT NULL DEFAULT 30,           -- R-8
  calendar        text,                                  -- calendar file body
  client_version  text,                                  -- R-27 target
  created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE endpoint (
  id              bigserial PRIMARY KEY,
  tenant_id       bigint NOT NULL REFERENCES tenant(id),
  name            text NOT NULL,         -- lower-case short host name (key)
  hostname        text NOT NULL,         -- name as last logged (maybe FQDN)
  client_version  text,
  last_seen       timestamptz,
  isolation       text NOT NULL DEFAULT 'none'
                  CHECK (isolation IN ('none','pending','isolated','release_pending')),
  last_error      text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, name)
);

CREATE TYPE event_kind AS ENUM (
  'process_start','process_end','file_create','file_write','file_read',
  'file_delete','file_stream','image_load','registry_set','registry_create',
  'registry_delete','registry_rename','net_connect','dns_query',
  'remote_thread','pipe_create','pipe_connect');

-- Security log, range-partitioned by event time (daily partitions created by
-- itrace_event_partition() as data arrives).
CREATE TABLE event (
  id              bigint NOT NULL,
  endpoint_id     bigint NOT NULL,
  ts              timestamptz NOT NULL,
  kind            event_kind NOT NULL,
  eid             integer NOT NULL DEFAULT 0,
  record_id       bigint,
  dedup           bigint NOT NULL,       -- hash of the source line
  proc_guid       uuid,
  proc_key        bigint,                -- first three GUID groups
  pid             bigint,
  image           text,
  cmdline         text,
  user_name       text,
  integrity       text,
  parent_guid     uuid,
  parent_key      bigint,
  parent_pid      bigint,
  parent_image    text,
  parent_cmdline  text,
  target          text,
  details         text,
  proto           text,
  remote_ip       text,
  remote_port     integer,
  sha256          text,
  sha1            text,
  md5             text,
  imphash         text,
  signed          boolean,
  signature       text,
  original_file_name text,
  company         text,
  description     text,
  extra           jsonb
) PARTITION BY RANGE (ts);

CREATE SEQUENCE event_id_seq CACHE 1000 OWNED BY event.id;
ALTER TABLE event ALTER COLUMN id SET DEFAULT nextval('event_id_seq');

-- One endpoint's time range, and the key that makes reloading idempotent.
CREATE UNIQUE INDEX event_endpoint_ts ON event (endpoint_id, ts, dedup);
-- Process identity: events of one process (GUID prefix + pid) on an endpoint.
CREATE INDEX event_proc ON event (endpoint_id, proc_key, pid);
-- Children of a process, and the endpoint's process starts for the tree.
CREATE INDEX event_parent ON event (endpoint_id, parent_key, parent_pid)
  WHERE kind = 'process_start';
-- Writers / executions of a file by path, and by hash (hash pivot).
CREATE INDEX event_target_path ON event USING hash (lower(target))
  WHERE kind IN ('file_create','file_write','file_stream','file_delete','image_load');
CREATE INDEX event_image_path ON event USING hash (lower(image))
  WHERE kind = 'process_start';
CREATE INDEX event_sha256 ON event USING hash (sha256) WHERE sha256 IS NOT NULL;

CREATE OR REPLACE FUNCTION itrace_event_partition(day date) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
  part text := 'event_' || to_char(day, 'YYYYMMDD');
BEGIN
  IF to_regclass(part) IS NULL THEN
    EXECUTE format('CREATE TABLE IF NOT EXISTS %I PARTITION OF event FOR VALUES FROM (%L) TO (%L)',
                   part, day::timestamp AT TIME ZONE 'UTC',
                   (day + 1)::timestamp AT TIME ZONE 'UTC');
  END IF;
END $$;

CREATE TABLE alert (
  id              bigserial PRIMARY KEY,
  tenant_id       bigint NOT NULL REFERENCES tenant(id),
  endpoint_id     bigint NOT NULL REFERENCES endpoint(id),
  detected_at     timestamptz NOT NULL,
  received_at     timestamptz NOT NULL,
  path            text NOT NULL,
  sha256          text,
  detection       text,
  action          text CHECK (action IN ('blocked','allowed')),
  state           text NOT NULL DEFAULT 'new',
  quick_verdict   text CHECK (quick_verdict IN ('black','gray','white')),
  explain_verdict text CHECK (explain_verdict IN ('black','gray','white')),
  needs_explanatory boolean NOT NULL DEFAULT false,
  quick_due       timestamptz,
  explain_due     timestamptz,
  reply_due       timestamptz,
  duplicate_of    bigint REFERENCES alert(id),
  claimed_by      text,
  escalated       boolean NOT NULL DEFAULT false,
  closed_reason   text,
  version         integer NOT NULL DEFAULT 1,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (endpoint_id, detected_at, path, sha256)
);
CREATE INDEX alert_open ON alert (quick_due)
  WHERE state NOT IN ('closed','duplicate');
CREATE INDEX alert_dedup ON alert (endpoint_id, sha256, received_at);
CREATE INDEX alert_tenant ON alert (tenant_id, received_at);

CREATE TABLE report (
  id              bigserial PRIMARY KEY,
  tenant_id       bigint NOT NULL REFERENCES tenant(id),
  kind            text NOT NULL CHECK (kind IN ('quick','explanatory','monthly')),
  alert_ids       bigint[] NOT NULL DEFAULT '{}',
  verdict         text CHECK (verdict IN ('black','gray','white')),
  lang            text NOT NULL DEFAULT 'ja',
  body            text NOT NULL,
  published_at    timestamptz NOT NULL DEFAULT now(),
  purge_after     timestamptz NOT NULL DEFAULT now() + interval '13 months', -- R-28
  author          text
);
CREATE INDEX report_tenant ON report (tenant_id, published_at);

CREATE TABLE command (
  id              bigserial PRIMARY KEY,
  tenant_id       bigint NOT NULL REFERENCES tenant(id),
  endpoint_id     bigint NOT NULL REFERENCES endpoint(id),
  kind            text NOT NULL,
  args            jsonb NOT NULL DEFAULT '{}',
  requested_by    text,
  state           text NOT NULL DEFAULT 'queued'
                  CHECK (state IN ('queued','delivered','done','failed','expired')),
  result          jsonb,
  alert_id        bigint REFERENCES alert(id),
  created_at      timestamptz NOT NULL DEFAULT now(),
  delivered_at    timestamptz,
  finished_at     timestamptz
);
CREATE INDEX command_pending ON command (endpoint_id) WHERE state IN ('queued','delivered');

CREATE TABLE exception (
  id              bigserial PRIMARY KEY,
  tenant_id       bigint NOT NULL REFERENCES tenant(id),
  sha256          text,
  path            text,
  reason          text,
  alert_id        bigint,
  created_by      text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  CHECK (sha256 IS NOT NULL OR path IS NOT NULL)
);
CREATE INDEX exception_tenant ON exception (tenant_id);

CREATE TABLE tuning_rule (
  id              bigserial PRIMARY KEY,
  tenant_id       bigint NOT NULL REFERENCES tenant(id),
  field           text NOT NULL CHECK (field IN ('image','target','cmdline','registry')),
  pattern         text NOT NULL,
  flags           text NOT NULL DEFAULT '',
  created_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, field, pattern, flags)
);

CREATE TABLE analyst (
  id              bigserial PRIMARY KEY,
  name            text NOT NULL,
  role            text NOT NULL CHECK (role IN ('analyst','lead','viewer','endpoint')),
  tenants         bigint[],              -- NULL: every tenant
  endpoint_id     bigint REFERENCES endpoint(id),
  token_hash      text NOT NULL UNIQUE,  -- SHA-256 hex of the bearer token
  created_at      timestamptz NOT NULL DEFAULT now(),
  revoked_at      timestamptz
);

CREATE TABLE audit (
  id              bigserial PRIMARY KEY,
  at              timestamptz NOT NULL DEFAULT now(),
  actor           text NOT NULL,
  action          text NOT NULL,
  object          text NOT NULL,
  tenant_id       bigint,
  before          jsonb,
  after           jsonb,
  rule            text                   -- SPEC rule applied, e.g. 'R-19'
);

CREATE TABLE calendar_day (
  tenant_id       bigint REFERENCES tenant(id),  -- NULL: company default
  day             date NOT NULL,
  off             boolean NOT NULL,
  note            text
);
CREATE UNIQUE INDEX calendar_day_key ON calendar_day (coalesce(tenant_id, 0), day);

-- Live updates for consoles: NOTIFY itrace, '<table>:<id>'.
CREATE OR REPLACE FUNCTION itrace_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('itrace', TG_TABLE_NAME || ':' || NEW.id);
  RETURN NULL;
END $$;
CREATE TRIGGER alert_notify AFTER INSERT OR UPDATE ON alert
  FOR EACH ROW EXECUTE FUNCTION itrace_notify();
CREATE TRIGGER endpoint_notify AFTER INSERT OR UPDATE ON endpoint
  FOR EACH ROW EXECUTE FUNCTION itrace_notify();
CREATE TRIGGER command_notify AFTER INSERT OR UPDATE ON command
  FOR EACH ROW EXECUTE FUNCTION itrace_notify();
CREATE TRIGGER report_notify AFTER INSERT ON report
  FOR EACH ROW EXECUTE FUNCTION itrace_notify();

-- Roles (DESIGN.md): console reads; cmdd writes workflow; ingest loads.
GRANT USAGE ON SCHEMA public TO itrace_console, itrace_cmdd, itrace_ingest;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO itrace_console, itrace_cmdd;
GRANT SELECT, INSERT, UPDATE, DELETE ON tenant, endpoint, alert, report, command,
  exception, tuning_rule, analyst, audit, calendar_day TO itrace_cmdd;
GRANT INSERT ON event TO itrace_cmdd;
GRANT SELECT ON tenant, endpoint, alert, event, exception, tuning_rule TO itrace_ingest;
GRANT INSERT ON tenant, endpoint, event, alert TO itrace_ingest;
GRANT UPDATE (hostname, last_seen) ON endpoint TO itrace_ingest;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO itrace_cmdd, itrace_ingest;
GRANT EXECUTE ON FUNCTION itrace_event_partition(date) TO itrace_cmdd, itrace_ingest;
