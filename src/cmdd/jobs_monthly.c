/* jobs_monthly.c - two timed jobs of itrace-cmdd beside those of jobs.c,
 * called once a pass by jobs_run_once() (under its advisory lock):
 *
 *   R-25 monthly report: for each tenant, the report of the previous month
 *   (the tenant's calendar) is rendered in Japanese from the database
 *   (db/monthly + core/monthly) as Markdown and as HTML, both from the one
 *   model loaded in the publishing transaction, stored as a `report` row of
 *   kind monthly (body, html: 013_report_html.sql) with its period and
 *   retention, audited, and mailed to the contacts through the
 *   outbox as multipart/alternative (text/plain the Markdown, text/html
 *   the HTML; mail.c) - exactly once: the unique index on (tenant_id,
 *   period) of monthly reports makes a second insert a no-op.
 *   When: once the month is over and no alert of it is still open, at the
 *   latest when the 5th business day of the next month opens (core/
 *   monthly.h, monthly_ready), so it is out before sla_monthly_due(). A
 *   month that ended before the tenant existed or before its service start
 *   gets no report; the month before the previous one is caught up when a
 *   daemon was down when it fell due.
 *
 *   R-28 log retention: the daily partitions of `event` that lie wholly
 *   before now - log retention (setting, default 30 days, never under 7)
 *   are dropped one by one, each with its audit row (rule R-28), through
 *   itrace_event_partition_drop() (004_monthly.sql). Reports past their
 *   13 months are purged by jobs.c (job_purge).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdd/cmdd.h"
#include "cmdd/wf.h"
#include "core/monthly.h"
#include "core/sla.h"
#include "db/monthly.h"

static int log_retention_days = JOBS_LOG_RETENTION_DEFAULT;

int jobs_log_retention_set(const char *v)
{
	char *end;
	long n = strtol(v, &end, 10);
	if (end == v || *end != '\0' || n > 36500) {
		fprintf(stderr, "itrace-cmdd: log retention \"%s\": expected a number of days,"
		        " %d to 36500\n", v, JOBS_LOG_RETENTION_MIN);
		return -1;
	}
	if (n < JOBS_LOG_RETENTION_MIN) {
		fprintf(stderr, "itrace-cmdd: log retention %ld days refused: it must be at least %d"
		        " days, the logs a quick report examines (SPEC R-11)\n", n,
		        JOBS_LOG_RETENTION_MIN);
		return -1;
	}
	log_retention_days = (int)n;
	return 0;
}

static bool exec_ok(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);
	bool ok = db_ok(r);
	PQclear(r);
	return ok;
}

static void log_err(const char *what, char *err)
{
	fprintf(stderr, "itrace-cmdd: jobs: %s: %s\n", what, err != NULL ? err : "database error");
	free(err);
}

/* Store, audit and queue the report of tenant t's year-month inside one
 * transaction. 0 (done, or another daemon did it), -1. */
static int monthly_publish(PGconn *c, const struct wf_tenant *t, int year, int month,
                           const char *period, int64_t now)
{
	if (!exec_ok(c, "BEGIN"))
		return -1;
	struct monthly *m = NULL;
	char *err = NULL, *md = NULL, *html = NULL;
	int rc = monthly_db_load(c, t->id, &t->cal, year, month, now, &m, &err);
	/* Both forms from the one model: the same snapshot, the same figures. */
	if (rc == 0 && ((md = monthly_markdown(m, RP_JA)) == NULL ||
	                (html = monthly_html(m, RP_JA)) == NULL)) {
		err = strdup("out of memory");
		rc = -1;
	}
	monthly_free(m);
	if (rc != 0) {
		exec_ok(c, "ROLLBACK");
		log_err("monthly report", err);
		free(md);
		free(html);
		return rc < 0 ? -1 : 0;
	}
	char tb[24], ts[40], pa[40];
	PGresult *r = DBQ(c,
		"INSERT INTO report (tenant_id, kind, lang, body, html, published_at, purge_after,"
		" author, period) VALUES ($1, 'monthly', 'ja', $2, $3, $4, $5, 'system', $6)"
		" ON CONFLICT (tenant_id, period) WHERE kind = 'monthly' DO NOTHING"
		" RETURNING id, to_jsonb(report) - 'body' - 'html'",
		i64s(tb, t->id), md, html, wf_ts(now, ts),
		wf_ts(sla_retention_until(&t->cal, now), pa), period);
	if (!db_ok(r) || PQntuples(r) == 0) {
		/* Not ours (another daemon published it first) or an error. */
		rc = db_ok(r) ? 0 : -1;
		PQclear(r);
		exec_ok(c, "ROLLBACK");
		free(md);
		free(html);
		return rc;
	}
	int64_t id = db_i64(r, 0, 0);
	char ob[48];
	snprintf(ob, sizeof ob, "report:%lld", (long long)id);
	rc = wf_audit(c, "system", "report.publish", ob, t->id, NULL, PQgetvalue(r, 0, 1), "R-25");
	PQclear(r);
	if (rc == 0 && json_array_size(t->contacts) > 0) {
		char subject[300], rb[24];
		snprintf(subject, sizeof subject, "[InfoTrace] 月次レポート %d年%d月: %s", year, month,
		         t->name);
		char *rcpt = json_dumps(t->contacts, JSON_COMPACT);
		r = DBQ(c,
			"INSERT INTO outbox (tenant_id, report_id, recipients, subject, body, html,"
			" next_attempt_at) SELECT $1, $2, array(SELECT json_array_elements_text($3::json)),"
			" $4, $5, $6, $7 RETURNING id", tb, i64s(rb, id), rcpt, subject, md, html, ts);
		free(rcpt);
		rc = db_ok(r) ? 0 : -1;
		if (rc == 0) {
			snprintf(ob, sizeof ob, "outbox:%lld", (long long)db_i64(r, 0, 0));
			rc = wf_audit(c, "system", "mail.queue", ob, t->id, NULL, NULL, "R-25");
		}
		PQclear(r);
	}
	free(md);
	free(html);
	if (rc != 0 || !exec_ok(c, "COMMIT")) {
		exec_ok(c, "ROLLBACK");
		return -1;
	}
	int64_t due = sla_monthly_due(&t->cal, year, month);
	if (due != CAL_NEVER && now > due)
		fprintf(stderr, "itrace-cmdd: jobs: tenant %s: monthly report %04d-%02d published"
		        " after its due time (R-25)\n", t->name, year, month);
	return 0;
}

/* One month of one tenant: publish it if it is owed and ready. */
static int monthly_month(PGconn *c, const struct wf_tenant *t, int year, int month,
                         int64_t now)
{
	int64_t from, to;
	if (monthly_bounds(&t->cal, year, month, &from, &to) != 0)
		return 0;
	struct cal_tm last;
	cal_local_tm(&t->cal, to - 1, &last);
	char period[32], last_day[32], ib[24], tb[40];
	snprintf(period, sizeof period, "%04d-%02d-01", year, month);
	snprintf(last_day, sizeof last_day, "%04d-%02d-%02d", last.year, last.month, last.day);
	/* Owed: the tenant existed and its service had started before the
	 * month ended, and there is no report for it yet. */
	PGresult *r = DBQ(c,
		"SELECT t.created_at < $2 AND coalesce(t.service_start <= $3::date, true),"
		"       EXISTS (SELECT 1 FROM report r WHERE r.tenant_id = t.id"
		"                  AND r.kind = 'monthly' AND r.period = $4::date)"
		"  FROM tenant t WHERE t.id = $1",
		i64s(ib, t->id), wf_ts(to, tb), last_day, period);
	bool owed = db_ok(r) && PQntuples(r) == 1 && PQgetvalue(r, 0, 0)[0] == 't' &&
	            PQgetvalue(r, 0, 1)[0] == 'f';
	int rc = db_ok(r) ? 0 : -1;
	PQclear(r);
	if (rc != 0 || !owed)
		return rc;
	char *err = NULL;
	long open = monthly_db_open_alerts(c, t->id, from, to, &err);
	if (open < 0) {
		log_err("monthly report", err);
		return -1;
	}
	if (!monthly_ready(&t->cal, year, month, now, open))
		return 0;
	return monthly_publish(c, t, year, month, period, now);
}

/* The last MONTHLY_MONTHS months of a tenant (its calendar), oldest
 * first: a daemon that was down when a report fell due catches up. */
#define MONTHLY_MONTHS 2

static int monthly_tenant(PGconn *c, int64_t tenant_id, int64_t now)
{
	struct wf_tenant t;
	int rc = wf_tenant_load(c, tenant_id, &t);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	int ym[MONTHLY_MONTHS][2];
	int year, month;
	monthly_prev_month(&t.cal, now, &year, &month);
	for (int k = MONTHLY_MONTHS - 1; k >= 0; k--) {
		ym[k][0] = year;
		ym[k][1] = month;
		if (--month == 0) {
			month = 12;
			year--;
		}
	}
	for (int k = 0; k < MONTHLY_MONTHS && rc == 0; k++)
		rc = monthly_month(c, &t, ym[k][0], ym[k][1], now);
	wf_tenant_free(&t);
	return rc;
}

static int job_monthly(PGconn *c, int64_t now)
{
	/* Candidates: tenants with fewer than MONTHLY_MONTHS monthly reports
	 * from the oldest month considered on (months of UTC: a tenant's zone
	 * moves them by hours, which only adds a candidate for those hours);
	 * the exact months are decided per tenant. */
	struct cal utc;
	cal_default(&utc);
	utc.tz_min = 0;
	int year, month;
	monthly_prev_month(&utc, now, &year, &month);
	for (int k = 1; k < MONTHLY_MONTHS; k++)
		if (--month == 0) {
			month = 12;
			year--;
		}
	char since[32], ts[40], nb[24];
	snprintf(since, sizeof since, "%04d-%02d-01", year, month);
	PGresult *r = DBQ(c,
		"SELECT t.id FROM tenant t WHERE t.created_at < $1 AND"
		" (SELECT count(*) FROM report r WHERE r.tenant_id = t.id AND r.kind = 'monthly'"
		"     AND r.period >= $2::date) < $3 ORDER BY t.id", wf_ts(now, ts), since,
		i64s(nb, MONTHLY_MONTHS));
	if (!db_ok(r)) {
		PQclear(r);
		return -1;
	}
	int bad = 0;
	for (int i = 0; i < PQntuples(r) && !db_lost(c); i++)
		bad |= monthly_tenant(c, db_i64(r, i, 0), now);
	PQclear(r);
	return bad != 0 ? -1 : 0;
}

/* drop the event partitions past the log retention. */
static int job_log_retention(PGconn *c, int64_t now)
{
	int64_t cutoff = now - (int64_t)log_retention_days * CAL_US_PER_DAY;
	char cb[40];
	PGresult *r = DBQ(c,
		"SELECT relname FROM ("
		"  SELECT c.relname, substring(pg_get_expr(c.relpartbound, c.oid)"
		"         FROM 'TO \\(''([^'']+)''\\)')::timestamptz AS hi"
		"    FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
		"   WHERE i.inhparent = 'event'::regclass) p"
		" WHERE hi <= $1 ORDER BY hi LIMIT 100", wf_ts(cutoff, cb));
	if (!db_ok(r)) {
		PQclear(r);
		return -1;
	}
	int bad = 0;
	for (int i = 0; i < PQntuples(r) && !db_lost(c); i++) {
		const char *part = PQgetvalue(r, i, 0);
		char days[16];
		snprintf(days, sizeof days, "%d", log_retention_days);
		if (!exec_ok(c, "BEGIN")) {
			bad = -1;
			break;
		}
		PGresult *d = DBQ(c,
			"WITH d AS (SELECT * FROM itrace_event_partition_drop($1, $2))"
			" INSERT INTO audit (actor, action, object, before, rule)"
			" SELECT 'system', 'event.partition_drop', 'event_partition:' || $1,"
			"        jsonb_build_object('partition', $1::text, 'from', d.from_ts,"
			"                           'to', d.to_ts, 'cutoff', $2::timestamptz,"
			"                           'log_retention_days', $3::int), 'R-28' FROM d",
			part, cb, days);
		bool ok = db_ok(d) && exec_ok(c, "COMMIT");
		if (!ok) {
			fprintf(stderr, "itrace-cmdd: jobs: log retention: %s: %s", part,
			        PQresultErrorMessage(d));
			exec_ok(c, "ROLLBACK");
			bad = -1;
		}
		PQclear(d);
	}
	PQclear(r);
	return bad;
}

int jobs_monthly_run(PGconn *c, int64_t now)
{
	int bad = job_log_retention(c, now);
	if (!db_lost(c))
		bad |= job_monthly(c, now);
	return bad != 0 ? -1 : 0;
}
