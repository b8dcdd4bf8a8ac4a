/* monthly.c - load a tenant's month for the monthly report; see monthly.h. */
#include "db/monthly.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rules.h"
#include "db/conn.h"

/* Microseconds since the epoch of a timestamptz, as SQL. */
#define US(x) "(extract(epoch FROM " x ") * 1000000)::bigint"

static int64_t cell_i64(const PGresult *r, int row, int col, int64_t dflt)
{
	int64_t v;
	if (PQgetisnull(r, row, col) || db_parse_i64(PQgetvalue(r, row, col), &v) != 0)
		return dflt;
	return v;
}

static const char *cell_str(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? NULL : PQgetvalue(r, row, col);
}

static bool cell_bool(const PGresult *r, int row, int col)
{
	return !PQgetisnull(r, row, col) && PQgetvalue(r, row, col)[0] == 't';
}

static const char *i64(char *buf, int64_t v)
{
	snprintf(buf, 24, "%lld", (long long)v);
	return buf;
}

int monthly_db_tenant(PGconn *c, const char *name, int64_t *id, char **err)
{
	const char *p[] = {name};
	PGresult *r = db_exec(c, "find tenant",
		"SELECT id FROM tenant WHERE name = $1"
		" UNION ALL SELECT id FROM tenant WHERE $1 ~ '^[0-9]{1,18}$' AND id = $1::bigint"
		"   AND NOT EXISTS (SELECT 1 FROM tenant WHERE name = $1)", 1, p, NULL, err);
	if (r == NULL)
		return -1;
	int found = PQntuples(r) > 0;
	if (found)
		*id = cell_i64(r, 0, 0, 0);
	PQclear(r);
	return found ? 0 : 1;
}

/* Append one line to a growing text; -1 on allocation failure. */
static int add_line(char **s, size_t *len, const char *line)
{
	size_t n = strlen(line);
	char *ns = realloc(*s, *len + n + 2);
	if (ns == NULL)
		return -1;
	memcpy(ns + *len, line, n);
	*len += n;
	ns[(*len)++] = '\n';
	ns[*len] = '\0';
	*s = ns;
	return 0;
}

int monthly_db_calendar(PGconn *c, int64_t tenant_id, const char *company_text,
                        struct cal *out, char **err)
{
	cal_default(out);
	char ib[24];
	const char *p[] = {i64(ib, tenant_id)};
	PGresult *r = db_exec(c, "tenant calendar", "SELECT calendar FROM tenant WHERE id = $1",
	                      1, p, NULL, err);
	if (r == NULL)
		return -1;
	/* The once-only directives (tz, hours...) come from one file: the
	 * tenant's when it has one, else the company's. */
	const char *own = PQntuples(r) == 1 ? cell_str(r, 0, 0) : NULL;
	char *text = NULL;
	size_t len = 0;
	int bad = add_line(&text, &len, "");
	if (own != NULL && own[0] != '\0')
		bad |= add_line(&text, &len, own);
	else if (company_text != NULL)
		bad |= add_line(&text, &len, company_text);
	PQclear(r);
	r = db_exec(c, "calendar days",
		"SELECT to_char(day, 'YYYY-MM-DD'), off FROM calendar_day"
		" WHERE tenant_id IS NULL OR tenant_id = $1 ORDER BY tenant_id NULLS FIRST, day",
		1, p, NULL, err);
	if (r == NULL) {
		free(text);
		return -1;
	}
	for (int i = 0; i < PQntuples(r); i++) {
		char line[64];
		snprintf(line, sizeof line, "%s %s", cell_bool(r, i, 1) ? "off" : "on",
		         PQgetvalue(r, i, 0));
		bad |= add_line(&text, &len, line);
	}
	PQclear(r);
	if (bad != 0) {
		free(text);
		if (err != NULL)
			*err = db_strf("tenant calendar: out of memory");
		return -1;
	}
	char *perr = NULL;
	int rc = cal_parse(out, text, &perr);
	free(text);
	if (rc != 0) {
		if (err != NULL)
			*err = db_strf("tenant %lld: calendar: %s", (long long)tenant_id,
			               perr != NULL ? perr : "out of memory");
		free(perr);
		return -1;
	}
	return 0;
}

long monthly_db_open_alerts(PGconn *c, int64_t tenant_id, int64_t from_us, int64_t to_us,
                            char **err)
{
	char ib[24], fb[DB_TS_LEN], tb[DB_TS_LEN];
	const char *p[] = {i64(ib, tenant_id), db_format_ts(from_us, fb), db_format_ts(to_us, tb)};
	PGresult *r = db_exec(c, "open alerts of the month",
		"SELECT count(*) FROM alert WHERE tenant_id = $1 AND received_at >= $2"
		" AND received_at < $3 AND state IN ('new', 'claimed', 'quick_verdict',"
		" 'explain_needed', 'explain_verdict', 'awaiting_reply')", 3, p, NULL, err);
	if (r == NULL)
		return -1;
	long n = (long)cell_i64(r, 0, 0, 0);
	PQclear(r);
	return n;
}

/* The tenant row: settings and the onboarding window. 1: no tenant. */
static int load_tenant(PGconn *c, int64_t tenant_id, const struct cal *cal, int year,
                       int month, int64_t now_us, struct monthly **out, char **err)
{
	char ib[24];
	const char *p[] = {i64(ib, tenant_id)};
	PGresult *r = db_exec(c, "load tenant",
		"SELECT name, auto_isolate, auto_exception, mode,"
		"       extract(year FROM service_start)::int, extract(month FROM service_start)::int,"
		"       extract(day FROM service_start)::int, onboarding_days"
		"  FROM tenant WHERE id = $1", 1, p, NULL, err);
	if (r == NULL)
		return -1;
	if (PQntuples(r) == 0) {
		PQclear(r);
		return 1;
	}
	struct monthly *m = monthly_new(PQgetvalue(r, 0, 0), cal, year, month, now_us);
	int64_t ob_from = 0, ob_to = 0;
	if (!PQgetisnull(r, 0, 4))
		rules_onboarding_window(cal, (int)cell_i64(r, 0, 4, 0), (int)cell_i64(r, 0, 5, 0),
		                        (int)cell_i64(r, 0, 6, 0), (int)cell_i64(r, 0, 7, 0),
		                        &ob_from, &ob_to);
	if (m == NULL || monthly_set_tenant(m, cell_bool(r, 0, 1), cell_bool(r, 0, 2),
	                                    cell_str(r, 0, 3), ob_from, ob_to) != 0) {
		PQclear(r);
		monthly_free(m);
		if (err != NULL)
			*err = db_strf("monthly report: bad month or out of memory");
		return -1;
	}
	PQclear(r);
	*out = m;
	return 0;
}

static int load_alerts(PGconn *c, struct monthly *m, const char *const p[3], char **err)
{
	PGresult *r = db_exec(c, "alerts of the month",
		"WITH rk AS ("
		"  SELECT aid, bool_or(kind = 'quick') AS q, bool_or(kind = 'explanatory') AS e"
		"    FROM report, unnest(alert_ids) AS aid"
		"   WHERE tenant_id = $1 AND kind <> 'monthly' AND published_at >= $2"
		"   GROUP BY aid)"
		" SELECT a.id, e.hostname, a.path, a.detection, a.quick_verdict, a.explain_verdict,"
		"        " US("a.received_at") ", " US("a.quick_due") ", " US("a.quick_published_at") ","
		"        " US("a.explain_due") ", " US("a.explain_published_at") ","
		"        a.needs_explanatory, a.state = 'duplicate', a.escalated,"
		"        coalesce(a.closed_reason LIKE 'R-19%', false),"
		"        coalesce(rk.q, false) OR a.quick_published_at IS NOT NULL,"
		"        coalesce(rk.e, false) OR a.explain_published_at IS NOT NULL"
		"   FROM alert a JOIN endpoint e ON e.id = a.endpoint_id"
		"   LEFT JOIN rk ON rk.aid = a.id"
		"  WHERE a.tenant_id = $1 AND a.received_at >= $2 AND a.received_at < $3"
		"  ORDER BY a.received_at, a.id", 3, p, NULL, err);
	if (r == NULL)
		return -1;
	int rc = 0;
	for (int i = 0; i < PQntuples(r) && rc == 0; i++) {
		struct mr_alert_in a = {
			.id = cell_i64(r, i, 0, 0),
			.host = cell_str(r, i, 1),
			.path = cell_str(r, i, 2),
			.detection = cell_str(r, i, 3),
			.quick_verdict = cell_str(r, i, 4),
			.explain_verdict = cell_str(r, i, 5),
			.received_us = cell_i64(r, i, 6, MR_NONE),
			.quick_due_us = cell_i64(r, i, 7, MR_NONE),
			.quick_published_us = cell_i64(r, i, 8, MR_NONE),
			.explain_due_us = cell_i64(r, i, 9, MR_NONE),
			.explain_published_us = cell_i64(r, i, 10, MR_NONE),
			.needs_explanatory = cell_bool(r, i, 11),
			.duplicate = cell_bool(r, i, 12),
			.escalated = cell_bool(r, i, 13),
			.gray_timeout = cell_bool(r, i, 14),
			.quick_report = cell_bool(r, i, 15),
			.explain_report = cell_bool(r, i, 16),
		};
		/* what the rules call an onboarding alert. */
		a.onboarding = a.received_us >= m->onboarding_from_us &&
		               a.received_us < m->onboarding_to_us;
		rc = monthly_add_alert(m, &a);
	}
	PQclear(r);
	if (rc != 0 && err != NULL)
		*err = db_strf("alerts of the month: out of memory");
	return rc;
}

/* Counts of the month: reports, commands, exceptions, the previous
 * month's alerts. */
static int load_counts(PGconn *c, struct monthly *m, const char *const p[3],
                       const char *prev_from, char **err)
{
	const char *q[] = {p[0], p[1], p[2], prev_from};
	PGresult *r = db_exec(c, "counts of the month",
		"SELECT (SELECT count(*) FROM report WHERE tenant_id = $1 AND kind = 'quick'"
		"          AND published_at >= $2 AND published_at < $3),"
		"       (SELECT count(*) FROM report WHERE tenant_id = $1 AND kind = 'explanatory'"
		"          AND published_at >= $2 AND published_at < $3),"
		"       (SELECT count(*) FROM exception WHERE tenant_id = $1"
		"          AND created_at >= $2 AND created_at < $3),"
		"       (SELECT count(*) FROM alert WHERE tenant_id = $1"
		"          AND received_at >= $4 AND received_at < $2),"
		"       count(*) FILTER (WHERE kind = 'isolate'), count(*) FILTER (WHERE kind = 'release'),"
		"       count(*) FILTER (WHERE kind = 'delete'), count(*) FILTER (WHERE kind = 'fetch')"
		"  FROM command WHERE tenant_id = $1 AND created_at >= $2 AND created_at < $3",
		4, q, NULL, err);
	if (r == NULL)
		return -1;
	m->reports_quick = (long)cell_i64(r, 0, 0, 0);
	m->reports_explain = (long)cell_i64(r, 0, 1, 0);
	m->exceptions = (long)cell_i64(r, 0, 2, 0);
	m->prev_received = (long)cell_i64(r, 0, 3, -1);
	m->cmd_isolate = (long)cell_i64(r, 0, 4, 0);
	m->cmd_release = (long)cell_i64(r, 0, 5, 0);
	m->cmd_delete = (long)cell_i64(r, 0, 6, 0);
	m->cmd_fetch = (long)cell_i64(r, 0, 7, 0);
	PQclear(r);
	return 0;
}

static int load_endpoints(PGconn *c, struct monthly *m, const char *tenant, char **err)
{
	const char *p[] = {tenant};
	PGresult *r = db_exec(c, "endpoints",
		"SELECT hostname, client_version, isolation, last_error, " US("created_at") ","
		"       " US("last_seen") " FROM endpoint WHERE tenant_id = $1 ORDER BY name, id",
		1, p, NULL, err);
	if (r == NULL)
		return -1;
	int rc = 0;
	for (int i = 0; i < PQntuples(r) && rc == 0; i++) {
		struct mr_endpoint_in e = {
			.host = cell_str(r, i, 0),
			.client_version = cell_str(r, i, 1),
			.isolation = cell_str(r, i, 2),
			.last_error = cell_str(r, i, 3),
			.created_us = cell_i64(r, i, 4, MR_NONE),
			.last_seen_us = cell_i64(r, i, 5, MR_NONE),
		};
		rc = monthly_add_endpoint(m, &e);
	}
	PQclear(r);
	if (rc != 0 && err != NULL)
		*err = db_strf("endpoints: out of memory");
	return rc;
}

/* The daemon's runs that touch the month, and the first run ever. */
static int load_runs(PGconn *c, struct monthly *m, char **err)
{
	char fb[DB_TS_LEN], tb[DB_TS_LEN];
	const char *p[] = {db_format_ts(m->from_us - MR_BEAT_GRACE_US, fb),
	                   db_format_ts(m->data_to_us, tb)};
	PGresult *r = db_exec(c, "uptime records",
		"SELECT false, " US("started_at") ", " US("last_beat") ", " US("stopped_at")
		"  FROM service_run WHERE started_at < $2"
		"   AND greatest(last_beat, coalesce(stopped_at, last_beat)) >= $1"
		" UNION ALL"
		" SELECT true, " US("min(started_at)") ", NULL, NULL FROM service_run", 2, p, NULL, err);
	if (r == NULL)
		return -1;
	int rc = 0;
	for (int i = 0; i < PQntuples(r) && rc == 0; i++) {
		int64_t start = cell_i64(r, i, 1, MR_NONE);
		if (!cell_bool(r, i, 0))
			rc = monthly_add_run(m, start, cell_i64(r, i, 2, MR_NONE),
			                     cell_i64(r, i, 3, MR_NONE));
		else if (start != MR_NONE && (m->first_run_us == MR_NONE || start < m->first_run_us))
			m->first_run_us = start;
	}
	PQclear(r);
	if (rc == 0)
		rc = monthly_finish(m);
	if (rc != 0 && err != NULL)
		*err = db_strf("uptime records: out of memory");
	return rc;
}

int monthly_db_load(PGconn *c, int64_t tenant_id, const struct cal *cal, int year, int month,
                    int64_t now_us, struct monthly **out, char **err)
{
	*out = NULL;
	struct monthly *m = NULL;
	int rc = load_tenant(c, tenant_id, cal, year, month, now_us, &m, err);
	if (rc != 0)
		return rc;
	int py = month == 1 ? year - 1 : year, pm = month == 1 ? 12 : month - 1;
	int64_t prev_from, prev_to;
	if (monthly_bounds(cal, py, pm, &prev_from, &prev_to) != 0)
		prev_from = m->from_us;
	char ib[24], fb[DB_TS_LEN], tb[DB_TS_LEN], pb[DB_TS_LEN];
	const char *p[3] = {i64(ib, tenant_id), db_format_ts(m->from_us, fb),
	                    db_format_ts(m->to_us, tb)};
	if (load_alerts(c, m, p, err) != 0 ||
	    load_counts(c, m, p, db_format_ts(prev_from, pb), err) != 0 ||
	    load_endpoints(c, m, p[0], err) != 0 || load_runs(c, m, err) != 0) {
		monthly_free(m);
		return -1;
	}
	*out = m;
	return 0;
}
