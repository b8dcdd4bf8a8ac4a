-- 016_mode_sent: which protection mode (SPEC R-5) each endpoint was told.
--
-- R-5: a tenant's endpoints run non-block (a detected file still runs) or
-- block (it cannot run until excepted), and during onboarding (R-8) they
-- run non-block. The effective mode of a tenant at time t is therefore
-- 'nonblock' inside its onboarding window (tenant.service_start +
-- onboarding_days on the tenant's calendar, src/core/rules.c
-- rules_onboarding_window) and tenant.mode outside it. itrace-cmdd
-- converges every endpoint on it (src/cmdd/wf.c wf_mode_sync): the timed
-- job (src/cmdd/jobs.c job_mode) and the admin commands `tenant add/set`
-- and `token add --endpoint` queue one `set_mode` command for each
-- endpoint whose effective mode differs from what it was last told and
-- that has no set_mode still queued, record the new value here, and audit
-- it (rule R-5), in one transaction per tenant.
--
-- * endpoint.mode_sent: the mode of the last set_mode queued for the
--   endpoint. NULL: never told; the endpoint client then runs its default,
--   non-block, so NULL counts as 'nonblock' and a non-block tenant's new
--   endpoints are sent nothing. When a set_mode expires undelivered (14
--   days queued, jobs.c job_expire), mode_sent goes back to the mode of
--   the latest set_mode still queued, delivered or done (NULL if none), so
--   the endpoint is told again when it returns. A failed set_mode (the
--   endpoint answered that it could not apply it) is not retried by
--   itself: mode_sent keeps the mode asked for.
-- * Existing endpoints start from their latest set_mode command that was
--   queued, delivered or done (the endpoint has it, or will on its next
--   heartbeat), else NULL. Endpoints that were never told (created after
--   their tenant became block: the defect this fixes) or told block while
--   onboarding are put right by the job's first pass.
ALTER TABLE endpoint ADD COLUMN mode_sent text
  CHECK (mode_sent IN ('block', 'nonblock'));

UPDATE endpoint e SET mode_sent = s.mode
  FROM (SELECT DISTINCT ON (tenant_id, endpoint_id) tenant_id, endpoint_id,
               args->>'mode' AS mode
          FROM command
         WHERE kind = 'set_mode' AND state IN ('queued', 'delivered', 'done')
           AND args->>'mode' IN ('block', 'nonblock')
         ORDER BY tenant_id, endpoint_id, id DESC) s
 WHERE e.tenant_id = s.tenant_id AND e.id = s.endpoint_id;
