-- 009_cmdd_cache: change notifications for the memory of itrace-cmdd.
--
-- The daemon keeps bearer tokens (SHA-256 -> caller) and, per endpoint,
-- what its last heartbeat found in the database (src/cmdd/cache.c), so
-- that a heartbeat with nothing to deliver and nothing to record touches
-- no database at all. What it keeps must be dropped the moment the
-- database changes under it: these triggers say so on the channel
-- `itrace_cmdd` (not `itrace`, so consoles are not woken for it), and the
-- daemon's listener forgets the affected entries. Payloads:
--
--   auth:ID       the token row analyst ID was changed (revoked) or deleted
--   auth:*        every token: analyst truncated; an endpoint renamed,
--                 moved to another tenant or deleted
--   ep:ID         endpoint ID was moved to another tenant or deleted (its
--                 other changes, last_seen, client_version and last_error
--                 among them, are already told by 001's "endpoint:ID" on
--                 channel itrace, which the daemon hears too)
--   ep:*          every endpoint: a tenant's target client version changed,
--                 a tenant was deleted, client releases changed (R-27), or
--                 command / endpoint was truncated
--   cmd:EP:STATE  a command of endpoint EP was queued or changed (STATE is
--                 its new state; "queued" also wakes the endpoint's
--                 long-poll)
--   idem:EP       an idempotent answer was stored for a token of endpoint EP
--
-- The daemon turns its memory off while it is not listening (and on a
-- database without this migration), so nothing relies on a missed
-- notification.

CREATE FUNCTION itrace_cmdd_note(payload text) RETURNS void
LANGUAGE sql AS $$ SELECT pg_notify('itrace_cmdd', payload) $$;

CREATE FUNCTION itrace_cmdd_analyst() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_LEVEL = 'STATEMENT' THEN
    PERFORM itrace_cmdd_note('auth:*');
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM itrace_cmdd_note('auth:' || OLD.id);
  ELSE
    PERFORM itrace_cmdd_note('auth:' || NEW.id);
  END IF;
  RETURN NULL;
END $$;
-- A new row cannot change what a cached token means (token_hash is
-- unique, and unknown tokens are not remembered): no INSERT trigger.
CREATE TRIGGER analyst_cmdd_cache AFTER UPDATE OR DELETE ON analyst
  FOR EACH ROW EXECUTE FUNCTION itrace_cmdd_analyst();
CREATE TRIGGER analyst_cmdd_cache_truncate AFTER TRUNCATE ON analyst
  FOR EACH STATEMENT EXECUTE FUNCTION itrace_cmdd_analyst();

CREATE FUNCTION itrace_cmdd_endpoint() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_LEVEL = 'STATEMENT' THEN
    PERFORM itrace_cmdd_note('auth:*');
    PERFORM itrace_cmdd_note('ep:*');
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM itrace_cmdd_note('auth:*');
    PERFORM itrace_cmdd_note('ep:' || OLD.id);
  ELSE
    PERFORM itrace_cmdd_note('auth:*');
    PERFORM itrace_cmdd_note('ep:' || NEW.id);
  END IF;
  RETURN NULL;
END $$;
-- Endpoint tokens carry the endpoint's name and tenant.
CREATE TRIGGER endpoint_cmdd_cache AFTER UPDATE ON endpoint
  FOR EACH ROW
  WHEN ((OLD.tenant_id, OLD.name) IS DISTINCT FROM (NEW.tenant_id, NEW.name))
  EXECUTE FUNCTION itrace_cmdd_endpoint();
CREATE TRIGGER endpoint_cmdd_cache_delete AFTER DELETE ON endpoint
  FOR EACH ROW EXECUTE FUNCTION itrace_cmdd_endpoint();
CREATE TRIGGER endpoint_cmdd_cache_truncate AFTER TRUNCATE ON endpoint
  FOR EACH STATEMENT EXECUTE FUNCTION itrace_cmdd_endpoint();

CREATE FUNCTION itrace_cmdd_command() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_LEVEL = 'STATEMENT' THEN
    PERFORM itrace_cmdd_note('ep:*');
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM itrace_cmdd_note('cmd:' || OLD.endpoint_id || ':deleted');
  ELSE
    IF TG_OP = 'UPDATE' AND OLD.endpoint_id IS DISTINCT FROM NEW.endpoint_id THEN
      PERFORM itrace_cmdd_note('cmd:' || OLD.endpoint_id || ':moved');
    END IF;
    PERFORM itrace_cmdd_note('cmd:' || NEW.endpoint_id || ':' || NEW.state);
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER command_cmdd_cache AFTER INSERT OR UPDATE OR DELETE ON command
  FOR EACH ROW EXECUTE FUNCTION itrace_cmdd_command();
CREATE TRIGGER command_cmdd_cache_truncate AFTER TRUNCATE ON command
  FOR EACH STATEMENT EXECUTE FUNCTION itrace_cmdd_command();

-- Tenants and releases: only what decides an upgrade (R-27) matters.
CREATE FUNCTION itrace_cmdd_all_endpoints() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM itrace_cmdd_note('ep:*');
  RETURN NULL;
END $$;
CREATE TRIGGER tenant_cmdd_cache AFTER UPDATE ON tenant
  FOR EACH ROW WHEN (OLD.client_version IS DISTINCT FROM NEW.client_version)
  EXECUTE FUNCTION itrace_cmdd_all_endpoints();
CREATE TRIGGER tenant_cmdd_cache_delete AFTER DELETE OR TRUNCATE ON tenant
  FOR EACH STATEMENT EXECUTE FUNCTION itrace_cmdd_all_endpoints();
CREATE TRIGGER client_release_cmdd_cache AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
  ON client_release FOR EACH STATEMENT EXECUTE FUNCTION itrace_cmdd_all_endpoints();

-- A stored answer makes a heartbeat's Idempotency-Key one to replay.
CREATE FUNCTION itrace_cmdd_idempotency() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  ep bigint;
BEGIN
  SELECT endpoint_id INTO ep FROM analyst WHERE id = NEW.analyst_id;
  IF ep IS NOT NULL THEN
    PERFORM itrace_cmdd_note('idem:' || ep);
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER idempotency_cmdd_cache AFTER INSERT OR UPDATE ON idempotency
  FOR EACH ROW EXECUTE FUNCTION itrace_cmdd_idempotency();

-- Heartbeats now keep their answer only when they delivered commands
-- (src/cmdd/routes_agent.c): a heartbeat that delivered nothing has no
-- effect to replay, and a repeat of it is simply answered again. Answers
-- of that kind stored before are dropped for the same reason (they would
-- also keep the daemon from trusting its memory for those tokens).
DELETE FROM idempotency
 WHERE body LIKE '{"commands":[],"server_time":"%'
   AND analyst_id IN (SELECT id FROM analyst WHERE role = 'endpoint');
