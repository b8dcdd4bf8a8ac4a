-- citus.sql: distribute a migrated itrace database over a Citus cluster.
--
-- Not a migration: run it once, as the schema owner on the Citus
-- coordinator, after `itrace-ingest --migrate` and before the data grows
-- (create_distributed_table copies existing rows). Not run by the tests
-- (Citus is not packaged for Debian); tests/integ/test_catalog.c checks
-- this file against the catalog of a freshly migrated database: every
-- table is named exactly once, global tables are reference tables, and
-- every per-tenant table is distributed by a column its keys contain.
--
-- Global tables: the tenants themselves, staff and endpoint tokens
-- (looked up by hash before the tenant is known), idempotency answers
-- (keyed by the caller), migrations, client releases, the service's own
-- uptime, the company calendar. Small, read everywhere: a copy on every
-- node. Referenced tables first.
SELECT create_reference_table('tenant');
SELECT create_reference_table('analyst');
SELECT create_reference_table('idempotency');
SELECT create_reference_table('schema_version');
SELECT create_reference_table('client_release');
SELECT create_reference_table('service_run');
SELECT create_reference_table('calendar_day');

-- Per-tenant tables, co-located by tenant_id: a tenant's endpoints,
-- alerts, commands, reports, exceptions and mail live on one node, so the
-- workflow's joins and foreign keys (all of them on tenant_id since
-- migration 012) stay on that node. Referenced tables first.
SELECT create_distributed_table('endpoint', 'tenant_id');
SELECT create_distributed_table('exception', 'tenant_id', colocate_with => 'endpoint');
SELECT create_distributed_table('alert', 'tenant_id', colocate_with => 'endpoint');
SELECT create_distributed_table('report', 'tenant_id', colocate_with => 'endpoint');
SELECT create_distributed_table('command', 'tenant_id', colocate_with => 'endpoint');
SELECT create_distributed_table('exception_pending', 'tenant_id', colocate_with => 'endpoint');
SELECT create_distributed_table('outbox', 'tenant_id', colocate_with => 'endpoint');
SELECT create_distributed_table('tuning_rule', 'tenant_id', colocate_with => 'endpoint');
SELECT create_distributed_table('audit', 'tenant_id', colocate_with => 'endpoint');

-- The security log, by endpoint: it has no foreign keys, every query of
-- it names one endpoint (evidence, timeline, process tree), and one
-- tenant's thousands of endpoints spread over every node instead of
-- filling one. Its daily partitions are distributed with it.
SELECT create_distributed_table('event', 'endpoint_id', colocate_with => 'none');

-- What this file does not solve (README.md "Scaling out"):
-- * The NOTIFY triggers (001 itrace_notify, 009 itrace_cmdd_*) on the
--   distributed tables: Citus accepts triggers there only with
--   citus.enable_unsafe_triggers, and they then fire on the worker that
--   holds the shard, where nobody listens. Consoles would still be right
--   through their periodic resync (15 s), but itrace-cmdd's heartbeat
--   cache and the long-poll wake-up rely on those notifications: on Citus
--   they need the notifications sent from the coordinator (by the daemon
--   itself after each write), which is not built.
-- * A lookup by id alone (/v1/alerts/{id}) asks every shard; it stays
--   correct (ids come from one sequence on the coordinator) but costs a
--   fan-out.
