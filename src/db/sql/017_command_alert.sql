-- 017_command_alert: an alert's commands by the alert.
--
-- A published report names the isolate, release and delete commands of
-- its alert (src/db/report_facts.c, SPEC R-18); command had no index on
-- alert_id, so each publication read every command of the tenant, and a
-- tenant gets one `except` command per endpoint for every exception
-- (R-14, R-21). Partial: most commands (upgrades, set_mode, except) name
-- no alert. The tenant first, as every key here (012).
CREATE INDEX command_alert ON command (tenant_id, alert_id) WHERE alert_id IS NOT NULL;
