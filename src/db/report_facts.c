/* report_facts.c - the workflow's facts of an alert for its report; see
 * report_facts.h. */
#include "db/report_facts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/conn.h"

#define STR_(x) #x
#define STR(x) STR_(x)

static const char sql_alert[] =
	"SELECT a.quick_verdict, a.explain_verdict, a.needs_explanatory,"
	" (extract(epoch FROM a.reply_due) * 1000000)::int8,"
	" t.auto_isolate, t.auto_exception, e.isolation,"
	" x.id, (extract(epoch FROM x.created_at) * 1000000)::int8,"
	" x.alert_id IS NOT DISTINCT FROM a.id,"
	" (SELECT (extract(epoch FROM p.not_before) * 1000000)::int8"
	"    FROM exception_pending p WHERE p.tenant_id = a.tenant_id AND p.alert_id = a.id"
	"     AND p.done_at IS NULL ORDER BY p.id LIMIT 1)"
	" FROM alert a JOIN tenant t ON t.id = a.tenant_id"
	" JOIN endpoint e ON e.tenant_id = a.tenant_id AND e.id = a.endpoint_id"
	/* The entry that covers the file: the one added for this alert first,
	 * else the oldest with its hash (or, without a hash, its path). */
	" LEFT JOIN LATERAL (SELECT x.id, x.created_at, x.alert_id FROM exception x"
	"   WHERE x.tenant_id = a.tenant_id"
	"     AND (x.alert_id = a.id OR x.id = a.exception_id"
	"          OR (coalesce(a.sha256, '') <> '' AND x.sha256 = lower(a.sha256))"
	"          OR (x.sha256 IS NULL AND lower(x.path) = lower(a.path)))"
	"   ORDER BY x.alert_id IS NOT DISTINCT FROM a.id DESC, x.id LIMIT 1) x ON true"
	" WHERE a.id = $1";

static const char sql_commands[] =
	"SELECT c.id, c.kind, c.state, c.args->>'rule' = $2,"
	" (extract(epoch FROM c.created_at) * 1000000)::int8,"
	" (extract(epoch FROM c.finished_at) * 1000000)::int8"
	" FROM command c JOIN alert a ON a.id = $1"
	" WHERE c.tenant_id = a.tenant_id AND c.alert_id = a.id"
	"   AND c.kind IN ('isolate', 'release', 'delete')"
	" ORDER BY c.id DESC LIMIT " STR(RP_MAX_CMDS);

static int64_t i64_or(const PGresult *r, int row, int col, int64_t dflt)
{
	int64_t v;
	if (PQgetisnull(r, row, col) || db_parse_i64(PQgetvalue(r, row, col), &v) != 0)
		return dflt;
	return v;
}

static int is_true(const PGresult *r, int row, int col)
{
	return !PQgetisnull(r, row, col) && PQgetvalue(r, row, col)[0] == 't';
}

static enum rp_verdict verdict_of(const PGresult *r, int row, int col)
{
	const char *v = PQgetisnull(r, row, col) ? "" : PQgetvalue(r, row, col);
	return strcmp(v, "black") == 0 ? RP_V_BLACK : strcmp(v, "gray") == 0 ? RP_V_GRAY
	       : strcmp(v, "white") == 0 ? RP_V_WHITE : RP_V_NONE;
}

static enum rp_isolation isolation_of(const char *s)
{
	return strcmp(s, "none") == 0 ? RP_ISO_NONE : strcmp(s, "pending") == 0 ? RP_ISO_PENDING
	       : strcmp(s, "isolated") == 0 ? RP_ISO_ISOLATED
	       : strcmp(s, "release_pending") == 0 ? RP_ISO_RELEASE_PENDING : RP_ISO_UNKNOWN;
}

static enum rp_cmd_state state_of(const char *s)
{
	return strcmp(s, "queued") == 0 ? RP_CS_QUEUED : strcmp(s, "delivered") == 0
	       ? RP_CS_DELIVERED : strcmp(s, "done") == 0 ? RP_CS_DONE
	       : strcmp(s, "expired") == 0 ? RP_CS_EXPIRED : RP_CS_FAILED;
}

int report_facts_load(PGconn *c, int64_t alert_id, enum rp_kind kind,
                      struct rp_facts *out, char **err)
{
	memset(out, 0, sizeof *out);
	out->kind = kind;
	out->reply_due_us = out->exception_us = out->exception_due_us = RP_NONE;
	char id[24];
	snprintf(id, sizeof id, "%lld", (long long)alert_id);
	const char *p1[1] = {id};
	PGresult *r = db_exec(c, "report facts: alert", sql_alert, 1, p1, NULL, err);
	if (r == NULL)
		return -1;
	if (PQntuples(r) != 1) {
		PQclear(r);
		return 1;
	}
	out->quick = verdict_of(r, 0, 0);
	out->explain = verdict_of(r, 0, 1);
	out->needs_explanatory = is_true(r, 0, 2);
	out->reply_due_us = i64_or(r, 0, 3, RP_NONE);
	out->auto_isolate = is_true(r, 0, 4);
	out->auto_exception = is_true(r, 0, 5);
	out->isolation = isolation_of(PQgetvalue(r, 0, 6));
	out->exception_id = i64_or(r, 0, 7, 0);
	out->exception_us = i64_or(r, 0, 8, RP_NONE);
	out->exception_this_alert = out->exception_id > 0 && is_true(r, 0, 9);
	out->exception_due_us = i64_or(r, 0, 10, RP_NONE);
	PQclear(r);

	const char *p2[2] = {id, REPORT_FACTS_AUTO_ISOLATE_RULE};
	r = db_exec(c, "report facts: commands", sql_commands, 2, p2, NULL, err);
	if (r == NULL)
		return -1;
	int n = PQntuples(r);
	/* Newest first from the query; the model keeps them oldest first. */
	for (int i = n - 1; i >= 0 && out->n_cmds < RP_MAX_CMDS; i--) {
		struct rp_command *cmd = &out->cmds[out->n_cmds++];
		const char *k = PQgetvalue(r, i, 1);
		cmd->id = i64_or(r, i, 0, 0);
		cmd->kind = strcmp(k, "isolate") == 0 ? RP_CMD_ISOLATE
		            : strcmp(k, "release") == 0 ? RP_CMD_RELEASE : RP_CMD_DELETE;
		cmd->state = state_of(PQgetvalue(r, i, 2));
		cmd->automatic = cmd->kind == RP_CMD_ISOLATE && is_true(r, i, 3);
		cmd->created_us = i64_or(r, i, 4, RP_NONE);
		cmd->finished_us = i64_or(r, i, 5, RP_NONE);
	}
	PQclear(r);
	return 0;
}
