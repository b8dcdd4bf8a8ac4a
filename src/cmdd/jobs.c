/* jobs.c - the daemon's timed jobs, one thread, every job_interval.
 *
 * Each pass, on the thread's own connection, one transaction per item:
 *   - gray alerts awaiting an answer past reply_due are closed as
 *     white (rules_gray_overdue, action gray_timeout, audited "R-19"),
 *     with the consequences of a white verdict;
 *   - exceptions scheduled for business hours are added;
 *   - commands still queued 14 days after creation expire (an isolation
 *     or release that never reached the endpoint is undone on the
 *     endpoint row);
 *   - every endpoint runs its tenant's effective protection mode
 *     (non-block during onboarding, else tenant.mode): set_mode goes to
 *     each endpoint told otherwise (job_mode, wf_mode_sync);
 *   - reports past purge_after are deleted (audited);
 *   - idempotency answers older than 7 days are forgotten;
 *   - the service_run row's last_beat moves on (R-25 downtime);
 *   - mail: mail_outbox_run() (mail.c) sends the due outbox rows;
 *   - R-25 monthly reports and R-28 log retention (jobs_monthly.c).
 * Several daemons may serve one database (behind a load balancer): each
 * records its own run, but the jobs of a pass run in one daemon at a
 * time, the one that gets the session advisory lock JOBS_LOCK for it.
 * A database outage only skips passes; the thread reconnects. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmdd/cmdd.h"
#include "cmdd/mail.h"
#include "cmdd/wf.h"

/* pg_advisory_lock key: 0x69747263 ("itrc"), 1 = the timed jobs. */
#define JOBS_LOCK "1769239139, 1"

static pthread_t thread;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static bool stopping, running;
static int64_t run_id;

static bool exec_ok(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);
	bool ok = db_ok(r);
	PQclear(r);
	return ok;
}

/* Close one overdue gray alert; 0 done or skipped, -1 database error. */
static int gray_timeout(PGconn *c, int64_t id, int64_t now)
{
	struct wf_alert a;
	if (!exec_ok(c, "BEGIN"))
		return -1;
	int rc = wf_alert_lock(c, id, &a);
	if (rc != 0) {
		exec_ok(c, "ROLLBACK");
		return rc < 0 ? -1 : 0;
	}
	enum rules_state next;
	char ib[24], ts[40];
	PGresult *r = DBQ(c, "SELECT (extract(epoch FROM reply_due) * 1000000)::bigint"
	                     " FROM alert WHERE id = $1", i64s(ib, id));
	int64_t due = db_ok(r) && PQntuples(r) == 1 ? db_i64(r, 0, 0) : 0;
	PQclear(r);
	if (!rules_gray_overdue(a.state, due, now) ||
	    rules_transition(a.state, RULES_GRAY_TIMEOUT, RULES_ROLE_SYSTEM, NULL, &next,
	                     NULL) != RULES_OK) {
		wf_alert_free(&a);
		exec_ok(c, "ROLLBACK");
		return 0;
	}
	struct wf_tenant t;
	int64_t wake[8];
	size_t nwake = 0;
	rc = wf_tenant_load(c, a.tenant_id, &t) == 0 ? 0 : -1;
	if (rc == 0) {
		rc = wf_after_verdict(c, &t, &a, RULES_PHASE_REPLY, RULES_V_WHITE, now,
		                      "system", wake, &nwake);
		wf_tenant_free(&t);
	}
	if (rc == 0) {
		r = DBQ(c,
			"UPDATE alert SET state = $2, explain_verdict = 'white', closed_at = $3,"
			" closed_reason = 'R-19: no answer within 3 business days: handled as white',"
			" reply_due = NULL, version = version + 1, updated_at = now()"
			" WHERE id = $1 RETURNING to_jsonb(alert)::text",
			ib, rules_state_name(next), wf_ts(now, ts));
		rc = db_ok(r) && PQntuples(r) == 1 ? 0 : -1;
		if (rc == 0) {
			char ob[40];
			snprintf(ob, sizeof ob, "alert:%lld", (long long)id);
			rc = wf_audit(c, "system", "alert.gray_timeout", ob, a.tenant_id, a.before,
			              PQgetvalue(r, 0, 0), "R-19");
		}
		PQclear(r);
	}
	wf_alert_free(&a);
	if (rc != 0 || !exec_ok(c, "COMMIT")) {
		exec_ok(c, "ROLLBACK");
		return -1;
	}
	for (size_t i = 0; i < nwake; i++)
		lp_wake(wake[i]);
	return 0;
}

static int job_gray(PGconn *c, int64_t now)
{
	char ts[40];
	PGresult *r = DBQ(c, "SELECT id FROM alert WHERE state = 'awaiting_reply'"
	                     " AND reply_due < $1 ORDER BY reply_due LIMIT 200", wf_ts(now, ts));
	if (!db_ok(r)) {
		PQclear(r);
		return -1;
	}
	int rc = 0;
	for (int i = 0; i < PQntuples(r) && rc == 0; i++)
		rc = gray_timeout(c, db_i64(r, i, 0), now);
	PQclear(r);
	return rc;
}

static int pending_exception(PGconn *c, int64_t id)
{
	char ib[24];
	if (!exec_ok(c, "BEGIN"))
		return -1;
	PGresult *r = DBQ(c,
		"SELECT tenant_id, sha256, path, reason, coalesce(alert_id, 0)"
		"  FROM exception_pending WHERE id = $1 AND done_at IS NULL"
		"   FOR UPDATE SKIP LOCKED", i64s(ib, id));
	if (!db_ok(r) || PQntuples(r) != 1) {
		int rc = db_ok(r) ? 0 : -1;
		PQclear(r);
		exec_ok(c, "ROLLBACK");
		return rc;
	}
	struct wf_tenant t;
	int rc = wf_tenant_load(c, db_i64(r, 0, 0), &t) == 0 ? 0 : -1;
	int64_t exc = 0;
	if (rc == 0) {
		rc = wf_exception_add(c, &t, PQgetisnull(r, 0, 1) ? NULL : PQgetvalue(r, 0, 1),
		                      PQgetisnull(r, 0, 2) ? NULL : PQgetvalue(r, 0, 2),
		                      PQgetisnull(r, 0, 3) ? NULL : PQgetvalue(r, 0, 3),
		                      db_i64(r, 0, 4), "system", "R-14", &exc, NULL);
		wf_tenant_free(&t);
	}
	PQclear(r);
	if (rc == 0) {
		char eb[24];
		r = DBQ(c, "UPDATE exception_pending SET done_at = now(), exception_id = $2"
		           " WHERE id = $1", ib, i64s(eb, exc));
		rc = db_ok(r) ? 0 : -1;
		PQclear(r);
	}
	if (rc != 0 || !exec_ok(c, "COMMIT")) {
		exec_ok(c, "ROLLBACK");
		return -1;
	}
	return 0;
}

static int job_exceptions(PGconn *c, int64_t now)
{
	char ts[40];
	PGresult *r = DBQ(c, "SELECT id FROM exception_pending WHERE done_at IS NULL"
	                     " AND not_before <= $1 ORDER BY id LIMIT 200", wf_ts(now, ts));
	if (!db_ok(r)) {
		PQclear(r);
		return -1;
	}
	int rc = 0;
	for (int i = 0; i < PQntuples(r) && rc == 0; i++)
		rc = pending_exception(c, db_i64(r, i, 0));
	PQclear(r);
	return rc;
}

static int job_expire(PGconn *c, int64_t now)
{
	char ts[40], old[40];
	wf_ts(now, ts);
	wf_ts(now - INT64_C(14) * 86400 * 1000000, old);
	if (!exec_ok(c, "BEGIN"))
		return -1;
	PGresult *r = DBQ(c,
		"WITH x AS (UPDATE command SET state = 'expired', finished_at = $1"
		"           WHERE state = 'queued' AND created_at < $2"
		"           RETURNING id, tenant_id, endpoint_id, kind, to_jsonb(command)::text AS j),"
		" e AS (UPDATE endpoint SET isolation = CASE WHEN x.kind = 'isolate' THEN 'none'"
		"                                           ELSE 'isolated' END"
		"       FROM x WHERE endpoint.id = x.endpoint_id"
		"         AND ((x.kind = 'isolate' AND endpoint.isolation = 'pending') OR"
		"              (x.kind = 'release' AND endpoint.isolation = 'release_pending')))"
		" INSERT INTO audit (actor, action, object, tenant_id, after)"
		" SELECT 'system', 'command.expire', 'command:' || id, tenant_id, j::jsonb FROM x"
		" RETURNING tenant_id, after->>'endpoint_id', after->>'kind'",
		ts, old);
	bool ok = db_ok(r);
	/* an expired set_mode never reached its endpoint: mode_sent
	 * goes back to the latest set_mode it has or will get (NULL: never
	 * told), and job_mode tells it again. A separate statement: the one
	 * above may have updated the same endpoint row. */
	for (int i = 0; ok && i < PQntuples(r); i++) {
		if (strcmp(PQgetvalue(r, i, 2), "set_mode") != 0)
			continue;
		PGresult *m = DBQ(c,
			"UPDATE endpoint e SET mode_sent ="
			" (SELECT c.args->>'mode' FROM command c"
			"   WHERE c.tenant_id = e.tenant_id AND c.endpoint_id = e.id"
			"     AND c.kind = 'set_mode' AND c.state IN ('queued', 'delivered', 'done')"
			"   ORDER BY c.id DESC LIMIT 1)"
			" WHERE e.tenant_id = $1 AND e.id = $2::bigint",
			PQgetvalue(r, i, 0), PQgetvalue(r, i, 1));
		ok = db_ok(m);
		PQclear(m);
	}
	PQclear(r);
	if (!ok || !exec_ok(c, "COMMIT")) {
		exec_ok(c, "ROLLBACK");
		return -1;
	}
	return 0;
}

/* R-5 for one tenant, in one transaction: its row is locked FOR SHARE (a
 * concurrent `tenant set` waits, or is waited for), the calendar loaded
 * only when the onboarding window may matter (`near`). */
static int mode_tenant(PGconn *c, int64_t id, bool near, int64_t now)
{
	char ib[24];
	if (!exec_ok(c, "BEGIN"))
		return -1;
	PGresult *r = DBQ(c, "SELECT mode FROM tenant WHERE id = $1 FOR SHARE", i64s(ib, id));
	int rc = db_ok(r) ? 0 : -1;
	char mode[16] = "";
	if (rc == 0 && PQntuples(r) == 1)
		snprintf(mode, sizeof mode, "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	if (rc == 0 && mode[0] != '\0') {
		if (near)
			rc = wf_mode_converge(c, id, 0, "system", now, NULL) < 0 ? -1 : 0;
		else
			rc = wf_mode_sync(c, id, 0, strcmp(mode, "block") == 0 ? "block" : "nonblock",
			                  "tenant mode", "system", now, NULL);
	}
	if (rc != 0 || !exec_ok(c, "COMMIT")) {
		exec_ok(c, "ROLLBACK");
		return -1;
	}
	return 0;
}

/* one statement finds the tenants with something to do: those whose
 * onboarding window may begin or end about now (its dates on the UTC
 * date, +-2 days for any calendar's zone) and those with an endpoint
 * told something else than tenant.mode. Every other tenant costs
 * nothing more: there its endpoints run tenant.mode already. */
static int job_mode(PGconn *c, int64_t now)
{
	char ts[40];
	PGresult *r = DBQ(c,
		"WITH d AS (SELECT ($1::timestamptz AT TIME ZONE 'UTC')::date AS today)"
		" SELECT t.id, t.service_start IS NOT NULL"
		"        AND d.today BETWEEN t.service_start - 2"
		"                        AND t.service_start + t.onboarding_days + 2"
		"   FROM tenant t, d"
		"  WHERE (t.service_start IS NOT NULL"
		"         AND d.today BETWEEN t.service_start - 2"
		"                         AND t.service_start + t.onboarding_days + 2)"
		"     OR t.id IN (SELECT e.tenant_id FROM endpoint e JOIN tenant x ON x.id = e.tenant_id"
		"                  WHERE coalesce(e.mode_sent, 'nonblock') <> x.mode)"
		"  ORDER BY t.id", wf_ts(now, ts));
	if (!db_ok(r)) {
		PQclear(r);
		return -1;
	}
	int rc = 0;
	for (int i = 0; i < PQntuples(r) && !db_lost(c); i++)
		rc |= mode_tenant(c, db_i64(r, i, 0), PQgetvalue(r, i, 1)[0] == 't', now);
	PQclear(r);
	return rc;
}

static int job_purge(PGconn *c, int64_t now)
{
	char ts[40];
	PGresult *r = DBQ(c,
		"WITH d AS (DELETE FROM report WHERE purge_after < $1"
		"           RETURNING id, tenant_id, kind, alert_ids, published_at)"
		" INSERT INTO audit (actor, action, object, tenant_id, before, rule)"
		" SELECT 'system', 'report.purge', 'report:' || id, tenant_id,"
		"        jsonb_build_object('kind', kind, 'alert_ids', alert_ids,"
		"                           'published_at', published_at), 'R-28' FROM d",
		wf_ts(now, ts));
	bool ok = db_ok(r);
	PQclear(r);
	r = PQexec(c, "DELETE FROM idempotency WHERE created_at < now() - interval '7 days'");
	ok = ok && db_ok(r);
	PQclear(r);
	return ok ? 0 : -1;
}

static int job_beat(PGconn *c, int64_t now)
{
	char ts[40], ib[24];
	PGresult *r;
	if (run_id == 0) {
		char host[256] = "?", pb[24];
		gethostname(host, sizeof host - 1);
		r = DBQ(c, "INSERT INTO service_run (host, pid, started_at, last_beat)"
		           " VALUES ($1, $2, $3, $3) RETURNING id",
		        host, i64s(pb, getpid()), wf_ts(now, ts));
		if (db_ok(r))
			run_id = db_i64(r, 0, 0);
	} else {
		r = DBQ(c, "UPDATE service_run SET last_beat = $2 WHERE id = $1",
		        i64s(ib, run_id), wf_ts(now, ts));
	}
	bool ok = db_ok(r);
	PQclear(r);
	return ok ? 0 : -1;
}

int jobs_run_once(PGconn *c, int64_t now)
{
	int bad = 0;
	bad |= job_beat(c, now);
	PGresult *r = PQexec(c, "SELECT pg_try_advisory_lock(" JOBS_LOCK ")");
	bool mine = db_ok(r) && PQgetvalue(r, 0, 0)[0] == 't';
	bad |= db_ok(r) ? 0 : -1;
	PQclear(r);
	if (!mine)
		return bad != 0 ? -1 : 0;
	bad |= job_gray(c, now);
	bad |= job_exceptions(c, now);
	bad |= job_expire(c, now);
	bad |= job_mode(c, now);
	bad |= job_purge(c, now);
	if (!db_lost(c))
		bad |= jobs_monthly_run(c, now);
	if (!db_lost(c)) {
		struct mail_cfg mc = {cmdd_cfg.smtp_url, cmdd_cfg.mail_from};
		if (mail_outbox_run(c, &mc, now) < 0)
			bad = -1;
	}
	if (!exec_ok(c, "SELECT pg_advisory_unlock_all()"))
		bad = -1;
	return bad != 0 ? -1 : 0;
}

static void *jobs_main(void *arg)
{
	(void)arg;
	PGconn *c = NULL;
	pthread_mutex_lock(&mu);
	while (!stopping) {
		pthread_mutex_unlock(&mu);
		if (c != NULL && PQstatus(c) != CONNECTION_OK) {
			PQfinish(c);
			c = NULL;
		}
		if (c == NULL)
			c = pool_connect(cmdd_cfg.db);
		if (c != NULL && jobs_run_once(c, clk_now_us()) != 0) {
			if (db_lost(c)) {
				PQfinish(c);
				c = NULL;
			} else {
				fprintf(stderr, "itrace-cmdd: jobs: %s", PQerrorMessage(c));
			}
		}
		pthread_mutex_lock(&mu);
		if (stopping)
			break;
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		int64_t ns = ts.tv_nsec + (int64_t)(cmdd_cfg.job_interval_ms % 1000) * 1000000;
		ts.tv_sec += cmdd_cfg.job_interval_ms / 1000 + ns / 1000000000;
		ts.tv_nsec = (long)(ns % 1000000000);
		pthread_cond_timedwait(&cv, &mu, &ts);
	}
	pthread_mutex_unlock(&mu);
	if (c != NULL && run_id != 0) {
		char ib[24], ts[40];
		PQclear(DBQ(c, "UPDATE service_run SET stopped_at = $2, last_beat = $2 WHERE id = $1",
		            i64s(ib, run_id), wf_ts(clk_now_us(), ts)));
	}
	PQfinish(c);
	return NULL;
}

int jobs_start(void)
{
	stopping = false;
	if (pthread_create(&thread, NULL, jobs_main, NULL) != 0)
		return -1;
	running = true;
	return 0;
}

void jobs_stop(void)
{
	if (!running)
		return;
	pthread_mutex_lock(&mu);
	stopping = true;
	pthread_cond_signal(&cv);
	pthread_mutex_unlock(&mu);
	pthread_join(thread, NULL);
	running = false;
}
