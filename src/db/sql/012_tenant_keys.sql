-- 012_tenant_keys: every key of a per-tenant table carries the tenant, so
-- that the schema distributes by tenant on Citus (issue 5, item 6;
-- tests/integ/test_catalog.c checks it over the catalog).
--
-- A distributed table's PRIMARY KEY and UNIQUE constraints must contain the
-- distribution column, and a foreign key between two distributed tables
-- must join them on it. Until now nine per-tenant tables had a bigserial
-- `id` alone as primary key, and their foreign keys pointed at that id.
-- Here:
--
-- * Each of them gets PRIMARY KEY (tenant_id, id). The id is still filled
--   from its sequence and still names the row in the API
--   (/v1/alerts/{id}); a plain (non-unique) index on id keeps `WHERE id =
--   $1` as fast as before. On Citus such a lookup without the tenant goes
--   to every shard; with the tenant it goes to one.
-- * Every foreign key between them becomes composite, (tenant_id, x_id) ->
--   (tenant_id, id). That is more than Citus's need: a command can no
--   longer name another tenant's alert, an alert another tenant's
--   exception, a duplicate another tenant's original. The migration fails
--   (and changes nothing) if existing rows ever did.
-- * outbox -> report keeps ON DELETE SET NULL, for report_id only (the
--   column list of PostgreSQL 15): a purged report (R-28) leaves its sent
--   mail's row with its tenant.
-- * audit.tenant_id becomes NOT NULL: 0 marks the service's own actions
--   (tokens for staff, client releases, event retention), which belong to
--   no tenant. audit has no foreign key to tenant, so 0 needs no row.
-- * analyst -> endpoint (an endpoint's token) is dropped: analyst is a
--   global table (a Citus reference table: tokens are looked up by hash
--   before any tenant is known) and a reference table cannot point into a
--   distributed one. The daemon's token lookup joins endpoint and refuses
--   a token whose endpoint is gone (src/cmdd/auth.c), and `itrace-cmdd
--   token add --endpoint` creates or finds the endpoint in the same
--   transaction as the token.
--
-- * alert's natural key (010) gains tenant_id in front: it had endpoint_id
--   only, and alert is distributed by tenant_id (an endpoint belongs to
--   one tenant, so the key means the same). src/db/alerts.c names it in
--   ON CONFLICT.
--
-- event keeps endpoint_id as its only key column: it has no foreign keys,
-- and every query of it names one endpoint (evidence, timeline, process
-- tree), so on Citus it is distributed by endpoint_id in a colocation
-- group of its own. README.md "Scaling out" says how.

ALTER TABLE alert
  DROP CONSTRAINT alert_endpoint_id_fkey,
  DROP CONSTRAINT alert_duplicate_of_fkey,
  DROP CONSTRAINT alert_exception_id_fkey;
ALTER TABLE command
  DROP CONSTRAINT command_endpoint_id_fkey,
  DROP CONSTRAINT command_alert_id_fkey;
ALTER TABLE exception_pending
  DROP CONSTRAINT exception_pending_alert_id_fkey,
  DROP CONSTRAINT exception_pending_exception_id_fkey;
ALTER TABLE outbox DROP CONSTRAINT outbox_report_id_fkey;
ALTER TABLE analyst DROP CONSTRAINT analyst_endpoint_id_fkey;

DROP INDEX alert_natural_key;
CREATE UNIQUE INDEX alert_natural_key
  ON alert (tenant_id, endpoint_id, detected_at, md5(path), coalesce(sha256, ''));

UPDATE audit SET tenant_id = 0 WHERE tenant_id IS NULL;
ALTER TABLE audit ALTER COLUMN tenant_id SET DEFAULT 0,
                  ALTER COLUMN tenant_id SET NOT NULL;

ALTER TABLE endpoint DROP CONSTRAINT endpoint_pkey, ADD PRIMARY KEY (tenant_id, id);
CREATE INDEX endpoint_by_id ON endpoint (id);
ALTER TABLE alert DROP CONSTRAINT alert_pkey, ADD PRIMARY KEY (tenant_id, id);
CREATE INDEX alert_by_id ON alert (id);
ALTER TABLE report DROP CONSTRAINT report_pkey, ADD PRIMARY KEY (tenant_id, id);
CREATE INDEX report_by_id ON report (id);
ALTER TABLE command DROP CONSTRAINT command_pkey, ADD PRIMARY KEY (tenant_id, id);
CREATE INDEX command_by_id ON command (id);
ALTER TABLE exception DROP CONSTRAINT exception_pkey, ADD PRIMARY KEY (tenant_id, id);
CREATE INDEX exception_by_id ON exception (id);
ALTER TABLE exception_pending DROP CONSTRAINT exception_pending_pkey,
  ADD PRIMARY KEY (tenant_id, id);
CREATE INDEX exception_pending_by_id ON exception_pending (id);
ALTER TABLE outbox DROP CONSTRAINT outbox_pkey, ADD PRIMARY KEY (tenant_id, id);
CREATE INDEX outbox_by_id ON outbox (id);
ALTER TABLE tuning_rule DROP CONSTRAINT tuning_rule_pkey, ADD PRIMARY KEY (tenant_id, id);
CREATE INDEX tuning_rule_by_id ON tuning_rule (id);
ALTER TABLE audit DROP CONSTRAINT audit_pkey, ADD PRIMARY KEY (tenant_id, id);
CREATE INDEX audit_by_id ON audit (id);

ALTER TABLE alert
  ADD CONSTRAINT alert_endpoint_fkey FOREIGN KEY (tenant_id, endpoint_id)
    REFERENCES endpoint (tenant_id, id),
  ADD CONSTRAINT alert_duplicate_of_fkey FOREIGN KEY (tenant_id, duplicate_of)
    REFERENCES alert (tenant_id, id),
  ADD CONSTRAINT alert_exception_fkey FOREIGN KEY (tenant_id, exception_id)
    REFERENCES exception (tenant_id, id);
ALTER TABLE command
  ADD CONSTRAINT command_endpoint_fkey FOREIGN KEY (tenant_id, endpoint_id)
    REFERENCES endpoint (tenant_id, id),
  ADD CONSTRAINT command_alert_fkey FOREIGN KEY (tenant_id, alert_id)
    REFERENCES alert (tenant_id, id);
ALTER TABLE exception_pending
  ADD CONSTRAINT exception_pending_alert_fkey FOREIGN KEY (tenant_id, alert_id)
    REFERENCES alert (tenant_id, id),
  ADD CONSTRAINT exception_pending_exception_fkey FOREIGN KEY (tenant_id, exception_id)
    REFERENCES exception (tenant_id, id);
ALTER TABLE outbox
  ADD CONSTRAINT outbox_report_fkey FOREIGN KEY (tenant_id, report_id)
    REFERENCES report (tenant_id, id) ON DELETE SET NULL (report_id);
