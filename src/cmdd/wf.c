/* wf.c - workflow helpers: tenants and calendars, alert rows, audit,
 * commands, isolation and exceptions; see wf.h. */
#include "cmdd/wf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdd/cmdd.h"
#include "db/conn.h"

const char *wf_ts(int64_t us, char *buf)
{
	return db_format_ts(us, buf);
}

enum rules_role wf_role(int role)
{
	switch ((enum role)role) {
	case ROLE_ANALYST: return RULES_ROLE_ANALYST;
	case ROLE_LEAD: return RULES_ROLE_LEAD;
	case ROLE_ENDPOINT: return RULES_ROLE_ENDPOINT;
	case ROLE_VIEWER: break;
	}
	return RULES_ROLE_VIEWER;
}

/* ---- tenants and calendars ---- */

static void strcat_grow(char **s, size_t *len, const char *add)
{
	size_t n = strlen(add);
	char *ns = realloc(*s, *len + n + 2);
	if (ns == NULL)
		return;
	memcpy(ns + *len, add, n);
	*len += n;
	ns[(*len)++] = '\n';
	ns[*len] = '\0';
	*s = ns;
}

int wf_calendar(PGconn *c, int64_t tenant_id, const char *tenant_text,
                struct cal *out, char **err)
{
	/* Directives that may appear once (tz, hours, weekdays, holidays)
	 * come from the tenant's file when it has one, else the company's:
	 * concatenating both would repeat them. Dated off/on lines of the
	 * calendar_day table are appended (company first, tenant last, so a
	 * tenant's date wins). */
	char *text = NULL;
	size_t len = 0;
	strcat_grow(&text, &len, "");
	if (tenant_text != NULL && tenant_text[0] != '\0')
		strcat_grow(&text, &len, tenant_text);
	else if (cmdd_cfg.calendar_text != NULL)
		strcat_grow(&text, &len, cmdd_cfg.calendar_text);
	char tb[24];
	PGresult *r = DBQ(c,
		"SELECT to_char(day, 'YYYY-MM-DD'), off, coalesce(note, '')"
		"  FROM calendar_day WHERE tenant_id IS NULL OR tenant_id = $1"
		" ORDER BY tenant_id NULLS FIRST, day", i64s(tb, tenant_id));
	if (!db_ok(r)) {
		PQclear(r);
		free(text);
		*err = strdup("calendar_day: database error");
		return -2;
	}
	for (int i = 0; i < PQntuples(r); i++) {
		char line[256];
		/* Notes are free text: keep them on one line. */
		char note[160];
		snprintf(note, sizeof note, "%s", PQgetvalue(r, i, 2));
		for (char *p = note; *p != '\0'; p++)
			if (*p == '\n' || *p == '\r' || *p == '#')
				*p = ' ';
		snprintf(line, sizeof line, "%s %s %s",
		         PQgetvalue(r, i, 1)[0] == 't' ? "off" : "on",
		         PQgetvalue(r, i, 0), note);
		strcat_grow(&text, &len, line);
	}
	PQclear(r);
	int rc = cal_parse(out, text, err);
	free(text);
	return rc;
}

int wf_tenant_load(PGconn *c, int64_t id, struct wf_tenant *t)
{
	memset(t, 0, sizeof *t);
	cal_default(&t->cal);
	char ib[24];
	PGresult *r = DBQ(c,
		"SELECT id, name, auto_isolate, auto_exception, allowlist::text,"
		"       to_json(contacts)::text, mode, calendar,"
		"       extract(year FROM service_start)::int,"
		"       extract(month FROM service_start)::int,"
		"       extract(day FROM service_start)::int, onboarding_days"
		"  FROM tenant WHERE id = $1", i64s(ib, id));
	if (!db_ok(r)) {
		PQclear(r);
		return -1;
	}
	if (PQntuples(r) == 0) {
		PQclear(r);
		return 1;
	}
	t->id = db_i64(r, 0, 0);
	snprintf(t->name, sizeof t->name, "%s", PQgetvalue(r, 0, 1));
	t->auto_isolate = PQgetvalue(r, 0, 2)[0] == 't';
	t->auto_exception = PQgetvalue(r, 0, 3)[0] == 't';
	t->rt.auto_isolate = t->auto_isolate;
	t->rt.auto_exception = t->auto_exception;
	t->allowlist = json_loads(PQgetvalue(r, 0, 4), 0, NULL);
	t->contacts = json_loads(PQgetvalue(r, 0, 5), 0, NULL);
	if (t->allowlist == NULL)
		t->allowlist = json_array();
	if (t->contacts == NULL)
		t->contacts = json_array();
	snprintf(t->mode, sizeof t->mode, "%s", PQgetvalue(r, 0, 6));
	char *err = NULL;
	int rc = wf_calendar(c, t->id, PQgetisnull(r, 0, 7) ? NULL : PQgetvalue(r, 0, 7),
	                     &t->cal, &err);
	if (rc == -2) {
		free(err);
		PQclear(r);
		wf_tenant_free(t);
		return -1;
	}
	if (rc != 0) {
		/* A bad calendar was refused by `tenant set`; if one is in the
		 * table anyway, say so and use the default. */
		fprintf(stderr, "itrace-cmdd: tenant %s: calendar: %s (using the default)\n",
		        t->name, err != NULL ? err : "?");
		free(err);
	}
	if (!PQgetisnull(r, 0, 8))
		rules_onboarding_window(&t->cal, (int)db_i64(r, 0, 8), (int)db_i64(r, 0, 9),
		                        (int)db_i64(r, 0, 10), (int)db_i64(r, 0, 11),
		                        &t->rt.onboarding_start_us, &t->rt.onboarding_end_us);
	PQclear(r);
	return 0;
}

void wf_tenant_free(struct wf_tenant *t)
{
	json_decref(t->allowlist);
	json_decref(t->contacts);
	cal_free(&t->cal);
	t->allowlist = t->contacts = NULL;
}

/* ---- alerts ---- */

int wf_alert_lock(PGconn *c, int64_t id, struct wf_alert *a)
{
	memset(a, 0, sizeof *a);
	char ib[24];
	PGresult *r = DBQ(c,
		"SELECT a.id, a.tenant_id, a.endpoint_id, a.version, a.duplicate_of,"
		"       a.state, a.quick_verdict, a.explain_verdict, a.needs_explanatory,"
		"       a.escalated, (extract(epoch FROM a.received_at) * 1000000)::bigint,"
		"       coalesce(a.claimed_by, ''), coalesce(a.sha256, ''), a.path,"
		"       to_jsonb(a)::text"
		"  FROM alert a WHERE a.id = $1 FOR UPDATE", i64s(ib, id));
	if (!db_ok(r)) {
		PQclear(r);
		return -1;
	}
	if (PQntuples(r) == 0) {
		PQclear(r);
		return 1;
	}
	a->id = db_i64(r, 0, 0);
	a->tenant_id = db_i64(r, 0, 1);
	a->endpoint_id = db_i64(r, 0, 2);
	a->version = db_i64(r, 0, 3);
	a->duplicate_of = db_i64(r, 0, 4);
	if (rules_state_parse(PQgetvalue(r, 0, 5), &a->state) != 0)
		a->state = RULES_CLOSED;
	a->quick = RULES_V_NONE;
	a->explain = RULES_V_NONE;
	if (!PQgetisnull(r, 0, 6))
		rules_verdict_parse(PQgetvalue(r, 0, 6), &a->quick);
	if (!PQgetisnull(r, 0, 7))
		rules_verdict_parse(PQgetvalue(r, 0, 7), &a->explain);
	a->needs_explanatory = PQgetvalue(r, 0, 8)[0] == 't';
	a->escalated = PQgetvalue(r, 0, 9)[0] == 't';
	a->received_us = db_i64(r, 0, 10);
	snprintf(a->claimed_by, sizeof a->claimed_by, "%s", PQgetvalue(r, 0, 11));
	snprintf(a->sha256, sizeof a->sha256, "%s", PQgetvalue(r, 0, 12));
	a->path = strdup(PQgetvalue(r, 0, 13));
	a->before = strdup(PQgetvalue(r, 0, 14));
	PQclear(r);
	return 0;
}

void wf_alert_free(struct wf_alert *a)
{
	free(a->path);
	free(a->before);
	a->path = a->before = NULL;
}

json_t *wf_alert_json(PGconn *c, int64_t id, bool *dberr)
{
	char ib[24];
	*dberr = false;
	PGresult *r = DBQ(c,
		"SELECT json_build_object("
		" 'id', a.id, 'tenant', a.tenant_id, 'tenant_name', t.name,"
		" 'endpoint', a.endpoint_id, 'host', e.hostname, 'path', a.path,"
		" 'sha256', a.sha256, 'detection', a.detection, 'action', a.action,"
		" 'detected_at', itrace_ts(a.detected_at),"
		" 'received_at', itrace_ts(a.received_at), 'state', a.state,"
		" 'quick_verdict', a.quick_verdict, 'explain_verdict', a.explain_verdict,"
		" 'needs_explanatory', a.needs_explanatory,"
		" 'quick_due', itrace_ts(a.quick_due), 'explain_due', itrace_ts(a.explain_due),"
		" 'reply_due', itrace_ts(a.reply_due), 'duplicate_of', a.duplicate_of,"
		" 'claimed_by', a.claimed_by, 'escalated', a.escalated,"
		" 'escalation_reason', a.escalation_reason,"
		 /* src/db/alerts.c names the entry in closed_reason. */
		" 'closed_reason', a.closed_reason, 'exception_id', coalesce(a.exception_id,"
		"   substring(a.closed_reason FROM '^exception ([0-9]+) ')::bigint),"
		" 'quick_published_at', itrace_ts(a.quick_published_at),"
		" 'explain_published_at', itrace_ts(a.explain_published_at),"
		" 'answer', CASE WHEN a.answered_at IS NULL THEN NULL ELSE json_build_object("
		"    'intended', a.answer_intended, 'by', a.answer_by, 'note', a.answer_note,"
		"    'at', itrace_ts(a.answered_at)) END,"
		" 'version', a.version)::text"
		"  FROM alert a JOIN endpoint e ON e.id = a.endpoint_id"
		"  JOIN tenant t ON t.id = a.tenant_id WHERE a.id = $1", i64s(ib, id));
	if (!db_ok(r)) {
		*dberr = true;
		PQclear(r);
		return NULL;
	}
	json_t *j = PQntuples(r) == 1 ? json_loads(PQgetvalue(r, 0, 0), 0, NULL) : NULL;
	PQclear(r);
	return j;
}

char *wf_row_json(PGconn *c, const char *table, int64_t id)
{
	/* table is one of our own names, never input. */
	char sql[128], ib[24];
	snprintf(sql, sizeof sql, "SELECT to_jsonb(x)::text FROM %s x WHERE id = $1", table);
	PGresult *r = DBQ(c, sql, i64s(ib, id));
	char *s = db_ok(r) && PQntuples(r) == 1 ? strdup(PQgetvalue(r, 0, 0)) : NULL;
	PQclear(r);
	return s;
}

int wf_audit(PGconn *c, const char *actor, const char *action,
             const char *object, int64_t tenant_id, const char *before,
             const char *after, const char *rule)
{
	char tb[24];
	PGresult *r = DBQ(c,
		"INSERT INTO audit (actor, action, object, tenant_id, before, after, rule)"
		" VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7)",
		actor, action, object, i64s(tb, tenant_id > 0 ? tenant_id : 0),
		before, after, rule);
	int rc = db_ok(r) ? 0 : -1;
	PQclear(r);
	return rc;
}

/* ---- commands ---- */

int wf_command_queue(PGconn *c, int64_t tenant_id, int64_t endpoint_id,
                     const char *kind, json_t *args, const char *by,
                     int64_t alert_id, int64_t *id)
{
	char tb[24], eb[24], ab[24], ts[40];
	char *js = json_dumps(args, JSON_COMPACT | JSON_SORT_KEYS);
	/* created_at on the daemon's clock: expiry (14 days) compares it
	 * with that clock. */
	PGresult *r = DBQ(c,
		"INSERT INTO command (tenant_id, endpoint_id, kind, args, requested_by, alert_id,"
		"                     created_at)"
		" VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7) RETURNING id",
		i64s(tb, tenant_id), i64s(eb, endpoint_id), kind, js != NULL ? js : "{}",
		by, alert_id > 0 ? i64s(ab, alert_id) : NULL, wf_ts(clk_now_us(), ts));
	free(js);
	if (!db_ok(r)) {
		PQclear(r);
		return -1;
	}
	*id = db_i64(r, 0, 0);
	PQclear(r);
	char ob[40];
	snprintf(ob, sizeof ob, "command:%lld", (long long)*id);
	char *after = wf_row_json(c, "command", *id);
	int rc = wf_audit(c, by, "command.queue", ob, tenant_id, NULL, after, NULL);
	free(after);
	return rc;
}

/* ---- protection mode (R-5) ---- */

const char *wf_mode_effective(const struct wf_tenant *t, int64_t now_us, const char **why)
{
	const struct rules_tenant *rt = &t->rt;
	if (rt->onboarding_start_us < rt->onboarding_end_us &&
	    now_us >= rt->onboarding_start_us && now_us < rt->onboarding_end_us) {
		if (why != NULL)
			*why = "onboarding";
		return "nonblock";
	}
	if (why != NULL)
		*why = "tenant mode";
	return strcmp(t->mode, "block") == 0 ? "block" : "nonblock";
}

int wf_mode_sync(PGconn *c, int64_t tenant_id, int64_t endpoint_id, const char *mode,
                 const char *why, const char *actor, int64_t now_us, long *queued)
{
	char tb[24], eb[24], ts[40];
	/* The UPDATE comes first: it locks each endpoint row and re-checks
	 * mode_sent against a concurrent writer's committed value (READ
	 * COMMITTED), so two of these racing queue one command, not two.
	 * The self-join gives the audit the value before. */
	PGresult *r = DBQ(c,
		"WITH u AS (UPDATE endpoint e SET mode_sent = $3"
		"             FROM endpoint o"
		"            WHERE e.tenant_id = $1 AND ($2::bigint = 0 OR e.id = $2)"
		"              AND o.tenant_id = e.tenant_id AND o.id = e.id"
		"              AND coalesce(e.mode_sent, 'nonblock') <> $3"
		"              AND NOT EXISTS (SELECT 1 FROM command c"
		"                               WHERE c.tenant_id = e.tenant_id"
		"                                 AND c.endpoint_id = e.id AND c.kind = 'set_mode'"
		"                                 AND c.state = 'queued')"
		"           RETURNING e.id, o.mode_sent AS was),"
		" q AS (INSERT INTO command (tenant_id, endpoint_id, kind, args, requested_by,"
		"                            created_at)"
		"       SELECT $1, u.id, 'set_mode', jsonb_build_object('mode', $3::text), $4, $5"
		"         FROM u RETURNING id, endpoint_id)"
		" INSERT INTO audit (actor, action, object, tenant_id, before, after, rule)"
		" SELECT $4, 'endpoint.set_mode', 'endpoint:' || u.id, $1,"
		"        jsonb_build_object('mode_sent', u.was),"
		"        jsonb_build_object('mode_sent', $3::text, 'command', q.id, 'why', $6::text),"
		"        'R-5'"
		"   FROM u JOIN q ON q.endpoint_id = u.id",
		i64s(tb, tenant_id), i64s(eb, endpoint_id > 0 ? endpoint_id : 0), mode, actor,
		wf_ts(now_us, ts), why);
	int rc = db_ok(r) ? 0 : -1;
	if (rc == 0 && queued != NULL)
		*queued = atol(PQcmdTuples(r));
	PQclear(r);
	return rc;
}

int wf_mode_converge(PGconn *c, int64_t tenant_id, int64_t endpoint_id, const char *actor,
                     int64_t now_us, long *queued)
{
	struct wf_tenant t;
	int rc = wf_tenant_load(c, tenant_id, &t);
	if (rc != 0)
		return rc;
	const char *why;
	const char *mode = wf_mode_effective(&t, now_us, &why);
	rc = wf_mode_sync(c, tenant_id, endpoint_id, mode, why, actor, now_us, queued);
	wf_tenant_free(&t);
	return rc;
}

json_t *wf_command_json(PGconn *c, int64_t id, bool *dberr)
{
	char ib[24];
	*dberr = false;
	PGresult *r = DBQ(c,
		"SELECT json_build_object('id', id, 'tenant', tenant_id,"
		" 'endpoint', endpoint_id, 'kind', kind, 'state', state, 'args', args,"
		" 'result', result, 'alert_id', alert_id, 'requested_by', requested_by,"
		" 'created_at', itrace_ts(created_at), 'delivered_at', itrace_ts(delivered_at),"
		" 'finished_at', itrace_ts(finished_at))::text FROM command WHERE id = $1",
		i64s(ib, id));
	if (!db_ok(r)) {
		*dberr = true;
		PQclear(r);
		return NULL;
	}
	json_t *j = PQntuples(r) == 1 ? json_loads(PQgetvalue(r, 0, 0), 0, NULL) : NULL;
	PQclear(r);
	return j;
}

int wf_isolate(PGconn *c, const struct wf_tenant *t, int64_t endpoint_id,
               int64_t alert_id, const char *reason, bool urgent,
               const char *actor, const char *rule, int64_t *cmd_id)
{
	char eb[24];
	*cmd_id = 0;
	PGresult *r = DBQ(c, "SELECT isolation, to_jsonb(e)::text FROM endpoint e"
	                     " WHERE id = $1 FOR UPDATE", i64s(eb, endpoint_id));
	if (!db_ok(r) || PQntuples(r) != 1) {
		int rc = db_ok(r) ? 0 : -1;
		PQclear(r);
		return rc;
	}
	const char *iso = PQgetvalue(r, 0, 0);
	if (strcmp(iso, "isolated") == 0 || strcmp(iso, "pending") == 0) {
		PQclear(r);
		return 0;
	}
	char *before = strdup(PQgetvalue(r, 0, 1));
	PQclear(r);
	/* The effective allowlist travels with the command: what the
	 * endpoint enforces is what was configured when isolation was asked. */
	/* rule says why: R-13 automatic on a black verdict, R-22 on request
	 * (a report tells the two apart by it, not by the reason's text). */
	json_t *args = json_pack("{s:O,s:s?,s:b,s:s?}", "allow", t->allowlist,
	                         "reason", reason, "urgent", urgent, "rule", rule);
	int rc = wf_command_queue(c, t->id, endpoint_id, "isolate", args, actor,
	                          alert_id, cmd_id);
	json_decref(args);
	if (rc == 0) {
		r = DBQ(c, "UPDATE endpoint SET isolation = 'pending' WHERE id = $1"
		           " RETURNING to_jsonb(endpoint)::text", eb);
		rc = db_ok(r) ? 0 : -1;
		if (rc == 0) {
			char ob[40];
			snprintf(ob, sizeof ob, "endpoint:%lld", (long long)endpoint_id);
			rc = wf_audit(c, actor, "endpoint.isolate", ob, t->id, before,
			              PQgetvalue(r, 0, 0), rule);
		}
		PQclear(r);
	}
	free(before);
	return rc;
}

/* ---- exceptions ---- */

int wf_exception_add(PGconn *c, const struct wf_tenant *t, const char *sha256,
                     const char *path, const char *reason, int64_t alert_id,
                     const char *actor, const char *rule, int64_t *exc_id,
                     json_t *cmd_ids)
{
	char tb[24], ab[24];
	i64s(tb, t->id);
	/* The same entry twice is one entry. */
	PGresult *r = DBQ(c,
		"SELECT id FROM exception WHERE tenant_id = $1"
		"   AND sha256 IS NOT DISTINCT FROM $2 AND path IS NOT DISTINCT FROM $3",
		tb, sha256, path);
	if (!db_ok(r)) {
		PQclear(r);
		return -1;
	}
	if (PQntuples(r) > 0) {
		*exc_id = db_i64(r, 0, 0);
		PQclear(r);
		return 0;
	}
	PQclear(r);
	r = DBQ(c,
		"INSERT INTO exception (tenant_id, sha256, path, reason, alert_id, created_by)"
		" VALUES ($1, $2, $3, $4, $5, $6) RETURNING id, to_jsonb(exception)::text",
		tb, sha256, path, reason, alert_id > 0 ? i64s(ab, alert_id) : NULL, actor);
	if (!db_ok(r)) {
		PQclear(r);
		return -1;
	}
	*exc_id = db_i64(r, 0, 0);
	char ob[40];
	snprintf(ob, sizeof ob, "exception:%lld", (long long)*exc_id);
	int rc = wf_audit(c, actor, "exception.add", ob, t->id, NULL,
	                  PQgetvalue(r, 0, 1), rule);
	PQclear(r);
	if (rc != 0)
		return rc;
	/* Every endpoint of the tenant learns the entry (block mode, R-5). */
	json_t *args = json_pack("{s:I,s:s?,s:s?}", "exception_id", (json_int_t)*exc_id,
	                         "sha256", sha256, "path", path);
	char *js = json_dumps(args, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(args);
	char ts[40];
	r = DBQ(c,
		"INSERT INTO command (tenant_id, endpoint_id, kind, args, requested_by, alert_id,"
		"                     created_at)"
		" SELECT $1, id, 'except', $2::jsonb, $3, $4, $5 FROM endpoint WHERE tenant_id = $1"
		" RETURNING id", tb, js, actor, alert_id > 0 ? ab : NULL, wf_ts(clk_now_us(), ts));
	free(js);
	rc = db_ok(r) ? 0 : -1;
	for (int i = 0; rc == 0 && cmd_ids != NULL && i < PQntuples(r); i++)
		json_array_append_new(cmd_ids, json_integer(db_i64(r, i, 0)));
	PQclear(r);
	return rc;
}

int wf_exception_schedule(PGconn *c, int64_t tenant_id, const char *sha256,
                          const char *path, const char *reason,
                          int64_t alert_id, int64_t at_us)
{
	char tb[24], ab[24], ts[DB_TS_LEN];
	PGresult *r = DBQ(c,
		"INSERT INTO exception_pending (tenant_id, sha256, path, reason, alert_id, not_before)"
		" VALUES ($1, $2, $3, $4, $5, $6)",
		i64s(tb, tenant_id), sha256, path, reason,
		alert_id > 0 ? i64s(ab, alert_id) : NULL, wf_ts(at_us, ts));
	int rc = db_ok(r) ? 0 : -1;
	PQclear(r);
	return rc;
}

int wf_after_verdict(PGconn *c, const struct wf_tenant *t,
                     const struct wf_alert *a, enum rules_phase phase,
                     enum rules_verdict v, int64_t now_us, const char *actor,
                     int64_t *wake, size_t *nwake)
{
	char eb[24];
	PGresult *r = DBQ(c, "SELECT isolation FROM endpoint WHERE id = $1",
	                  i64s(eb, a->endpoint_id));
	if (!db_ok(r) || PQntuples(r) != 1) {
		PQclear(r);
		return -1;
	}
	const char *iso = PQgetvalue(r, 0, 0);
	struct rules_verdict_in in = {
		.phase = phase,
		.verdict = v,
		.needs_explanatory = a->needs_explanatory,
		.endpoint_isolated = strcmp(iso, "isolated") == 0 || strcmp(iso, "pending") == 0,
		.now_us = now_us,
	};
	PQclear(r);
	struct rules_verdict_out out;
	rules_after_verdict(&t->cal, &t->rt, &in, &out);
	if (out.isolate_now) {
		int64_t cmd = 0;
		if (wf_isolate(c, t, a->endpoint_id, a->id, "black verdict (auto_isolate)",
		               false, actor, "R-13", &cmd) != 0)
			return -1;
		if (cmd != 0 && *nwake < 8)
			wake[(*nwake)++] = a->endpoint_id;
	}
	if (out.add_exception && out.exception_at_us != CAL_NEVER) {
		const char *sha = a->sha256[0] != '\0' ? a->sha256 : NULL;
		const char *path = sha == NULL ? a->path : NULL;
		if (out.exception_at_us <= now_us) {
			int64_t exc;
			if (wf_exception_add(c, t, sha, path, "white verdict (auto_exception)",
			                     a->id, actor, "R-14", &exc, NULL) != 0)
				return -1;
		} else if (wf_exception_schedule(c, t->id, sha, path,
		                                 "white verdict (auto_exception)", a->id,
		                                 out.exception_at_us) != 0) {
			return -1;
		}
	}
	return 0;
}
