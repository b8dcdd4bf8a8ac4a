/* alerts.c - store a new alert with its initial state; see alerts.h. */
#include "db/alerts.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/calendar.h"
#include "core/rules.h"
#include "db/conn.h"

/* What rules_new_alert() needs, read from the database. */
struct alert_facts {
	struct cal cal;
	struct rules_tenant tenant;
	int have_prev;
	struct rules_prev prev;
	struct rules_exception *exc;  /* strings owned by exc_res */
	size_t nexc;
	PGresult *exc_res;
};

static void facts_free(struct alert_facts *f)
{
	cal_free(&f->cal);
	free(f->exc);
	PQclear(f->exc_res);
}

/* =======================================================================
 * THE INITIAL STATE OF A NEW ALERT
 *
 * The one place where ingest decides a new alert's state and due times:
 * SPEC R-21 (exception match: closed white), R-8 (onboarding: no clocks),
 * R-12 (duplicate of the first alert within 72 h), R-10 (quick report due
 * 2 h after reception) and R-15 (explanatory due), all by
 * rules_new_alert() in src/core/rules.c. The database only supplies facts.
 * ======================================================================= */
static void alert_initial_state(const struct alert_facts *f, const struct ev_alert *a,
                                const char *sha256, struct rules_new_out *out)
{
	const struct rules_exception *match =
		rules_exception_match(f->exc, f->nexc, sha256, a->path);
	struct rules_new_in in = {
		.received_us = a->received_us,
		.prev = f->have_prev ? &f->prev : NULL,
		.exception = match,
	};
	rules_new_alert(&f->cal, &f->tenant, &in, out);
}

static int64_t cell_i64(const PGresult *r, int row, int col)
{
	int64_t v = 0;
	if (!PQgetisnull(r, row, col))
		db_parse_i64(PQgetvalue(r, row, col), &v);
	return v;
}

static int load_tenant(PGconn *c, const char *tid, struct alert_facts *f, char **err)
{
	const char *p[] = {tid};
	PGresult *r = db_exec(c, "read tenant",
	                      "SELECT auto_isolate, auto_exception, service_start,"
	                      " onboarding_days, calendar FROM tenant WHERE id = $1::bigint",
	                      1, p, NULL, err);
	if (r == NULL)
		return -1;
	if (PQntuples(r) != 1) {
		PQclear(r);
		*err = db_strf("read tenant: tenant %s not found", tid);
		return -1;
	}
	f->tenant.auto_isolate = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	f->tenant.auto_exception = strcmp(PQgetvalue(r, 0, 1), "t") == 0;
	char *cerr = NULL;
	if (cal_parse(&f->cal, PQgetisnull(r, 0, 4) ? NULL : PQgetvalue(r, 0, 4), &cerr) < 0) {
		/* A broken calendar must not stop alerts from being stored: the
		 * default calendar is used, and the problem is shown. */
		fprintf(stderr, "itrace: tenant %s calendar: %s (using the default)\n", tid,
		        cerr != NULL ? cerr : "invalid");
		free(cerr);
	}
	int y, m, d;
	if (!PQgetisnull(r, 0, 2) &&
	    sscanf(PQgetvalue(r, 0, 2), "%d-%d-%d", &y, &m, &d) == 3) {
		int days = (int)cell_i64(r, 0, 3);
		rules_onboarding_window(&f->cal, y, m, d, days, &f->tenant.onboarding_start_us,
		                        &f->tenant.onboarding_end_us);
	}
	PQclear(r);
	return 0;
}

static int load_prev(PGconn *c, const char *eid, const char *sha256, const char *recv,
                     struct alert_facts *f, char **err)
{
	if (sha256 == NULL)
		return 0;
	const char *p[] = {eid, sha256, recv};
	PGresult *r = db_exec(c, "find previous alert",
	                      "SELECT a.id, (extract(epoch FROM a.received_at) * 1000000)::bigint,"
	                      " a.state, a.duplicate_of,"
	                      " (extract(epoch FROM f.received_at) * 1000000)::bigint"
	                      " FROM alert a LEFT JOIN alert f ON f.id = a.duplicate_of"
	                      " WHERE a.endpoint_id = $1::bigint AND lower(a.sha256) = $2"
	                      "  AND a.received_at <= $3::timestamptz"
	                      " ORDER BY a.received_at DESC, a.id DESC LIMIT 1",
	                      3, p, NULL, err);
	if (r == NULL)
		return -1;
	if (PQntuples(r) == 1) {
		f->have_prev = 1;
		f->prev.id = cell_i64(r, 0, 0);
		f->prev.received_us = cell_i64(r, 0, 1);
		if (rules_state_parse(PQgetvalue(r, 0, 2), &f->prev.state) < 0)
			f->prev.state = RULES_NEW;
		f->prev.duplicate_of = cell_i64(r, 0, 3);
		f->prev.first_received_us = cell_i64(r, 0, 4);
	}
	PQclear(r);
	return 0;
}

static int load_exceptions(PGconn *c, const char *tid, const char *sha256,
                           struct alert_facts *f, char **err)
{
	const char *p[] = {tid, sha256};
	/* Hash entries can be matched in SQL; path entries may hold wildcards
	 * and are matched by rules_path_match(). */
	PGresult *r = db_exec(c, "read exceptions",
	                      "SELECT id, sha256, path FROM exception"
	                      " WHERE tenant_id = $1::bigint"
	                      "  AND (lower(sha256) = $2 OR coalesce(path, '') <> '')",
	                      2, p, NULL, err);
	if (r == NULL)
		return -1;
	f->exc_res = r;
	f->nexc = (size_t)PQntuples(r);
	if (f->nexc == 0)
		return 0;
	f->exc = calloc(f->nexc, sizeof *f->exc);
	if (f->exc == NULL) {
		*err = db_strf("read exceptions: out of memory");
		return -1;
	}
	for (size_t i = 0; i < f->nexc; i++) {
		int row = (int)i;
		f->exc[i].id = cell_i64(r, row, 0);
		f->exc[i].sha256 = PQgetisnull(r, row, 1) ? NULL : PQgetvalue(r, row, 1);
		f->exc[i].path = PQgetisnull(r, row, 2) ? NULL : PQgetvalue(r, row, 2);
	}
	return 0;
}

static char *lower_dup(const char *s)
{
	if (s == NULL || s[0] == '\0')
		return NULL;
	char *d = strdup(s);
	if (d == NULL)
		return NULL;
	for (char *p = d; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	return d;
}

/* The SQLSTATE classes that mean "these values", not "this database". */
static int data_error(const char *state)
{
	return strncmp(state, "22", 2) == 0 ||
	       (strncmp(state, "23", 2) == 0 && strcmp(state, "23505") != 0);
}

static int insert_alert(PGconn *c, const char *tid, const char *eid,
                        const struct ev_alert *a, const char *sha256,
                        const struct rules_new_out *o, struct db_alert_info *out,
                        char **err)
{
	char det[DB_TS_LEN], rec[DB_TS_LEN], qdue[DB_TS_LEN], edue[DB_TS_LEN], dup[24];
	db_format_ts(a->detected_us, det);
	db_format_ts(a->received_us, rec);
	db_format_ts(o->quick_due_us, qdue);
	db_format_ts(o->explain_due_us, edue);
	snprintf(dup, sizeof dup, "%lld", (long long)o->duplicate_of);
	const char *p[] = {
		tid, eid, det, rec, a->path, sha256, a->detection, a->action,
		rules_state_name(o->state),
		rules_verdict_name(o->verdict),
		o->quick_due_us != 0 ? qdue : NULL,
		o->explain_due_us != 0 ? edue : NULL,
		o->duplicate_of != 0 ? dup : NULL,
		o->closed_reason[0] != '\0' ? o->closed_reason : NULL,
	};
	char state[6];
	PGresult *r = db_exec(c, "store alert",
	                      "INSERT INTO alert (tenant_id, endpoint_id, detected_at,"
	                      " received_at, path, sha256, detection, action, state,"
	                      " quick_verdict, quick_due, explain_due, duplicate_of,"
	                      " closed_reason)"
	                      " VALUES ($1::bigint, $2::bigint, $3::timestamptz,"
	                      " $4::timestamptz, $5, $6, $7, $8, $9, $10,"
	                      " $11::timestamptz, $12::timestamptz, $13::bigint, $14)"
	                      " ON CONFLICT (tenant_id, endpoint_id, detected_at, md5(path),"
	                      " coalesce(sha256, ''))"
	                      " DO NOTHING RETURNING id",
	                      14, p, state, err);
	if (r == NULL)
		return data_error(state) ? -2 : -1;
	int stored = PQntuples(r) == 1;
	if (stored) {
		out->id = cell_i64(r, 0, 0);
		snprintf(out->state, sizeof out->state, "%s", rules_state_name(o->state));
		out->quick_due_us = o->quick_due_us;
	}
	PQclear(r);
	return stored;
}

static int audit(PGconn *c, const char *tid, const struct db_alert_info *info,
                 const struct rules_new_out *o, char **err)
{
	json_t *after = json_pack("{s:I, s:s}", "id", (json_int_t)info->id,
	                          "state", info->state);
	if (after == NULL) {
		*err = db_strf("audit: out of memory");
		return -1;
	}
	if (o->duplicate_of != 0)
		json_object_set_new(after, "duplicate_of", json_integer(o->duplicate_of));
	if (o->exception_id != 0)
		json_object_set_new(after, "exception_id", json_integer(o->exception_id));
	if (o->quick_due_us != 0) {
		char t[32];
		ev_format_time(o->quick_due_us, t, sizeof t);
		json_object_set_new(after, "quick_due", json_string(t));
	}
	/* json_dumpb into our own memory: jansson's allocator may be the
	 * caller's (itrace-ingest sets one). */
	size_t n = json_dumpb(after, NULL, 0, JSON_COMPACT);
	char *js = malloc(n + 1);
	if (js == NULL || json_dumpb(after, js, n, JSON_COMPACT) != n) {
		free(js);
		json_decref(after);
		*err = db_strf("audit: out of memory");
		return -1;
	}
	js[n] = '\0';
	json_decref(after);
	char obj[40];
	snprintf(obj, sizeof obj, "alert:%lld", (long long)info->id);
	const char *p[] = {obj, tid, js, o->rule};
	int rc = db_exec_cmd(c, "audit",
	                     "INSERT INTO audit (actor, action, object, tenant_id, after, rule)"
	                     " VALUES ('itrace-ingest', 'alert.create', $1, $2::bigint,"
	                     " $3::jsonb, $4)",
	                     4, p, err);
	free(js);
	return rc;
}

int db_alert_store(PGconn *c, int64_t tenant_id, int64_t endpoint_id,
                   const struct ev_alert *a, struct db_alert_info *out, char **err)
{
	memset(out, 0, sizeof *out);
	if (a->path == NULL || !db_ts_valid(a->detected_us) || !db_ts_valid(a->received_us)) {
		*err = db_strf("store alert: no path, or a time outside years 1..9999");
		return -2;
	}
	char tid[24], eid[24], rec[DB_TS_LEN];
	snprintf(tid, sizeof tid, "%lld", (long long)tenant_id);
	snprintf(eid, sizeof eid, "%lld", (long long)endpoint_id);
	db_format_ts(a->received_us, rec);
	char *sha256 = lower_dup(a->sha256);

	struct alert_facts f;
	memset(&f, 0, sizeof f);
	cal_default(&f.cal);
	int rc = -1;
	if (db_exec_cmd(c, "begin", "BEGIN", 0, NULL, err) < 0)
		goto out;
	if (load_tenant(c, tid, &f, err) < 0 || load_prev(c, eid, sha256, rec, &f, err) < 0 ||
	    load_exceptions(c, tid, sha256, &f, err) < 0)
		goto rollback;
	struct rules_new_out o;
	memset(&o, 0, sizeof o);
	alert_initial_state(&f, a, sha256, &o);
	rc = insert_alert(c, tid, eid, a, sha256, &o, out, err);
	if (rc < 0)
		goto rollback;
	if (rc == 1 && audit(c, tid, out, &o, err) < 0) {
		rc = -1;
		goto rollback;
	}
	if (db_exec_cmd(c, "commit", "COMMIT", 0, NULL, err) < 0) {
		rc = -1;
		goto rollback;
	}
	goto out;
rollback:
	PQclear(PQexec(c, "ROLLBACK"));
	if (rc >= 0)
		rc = -1;
	memset(out, 0, sizeof *out);
out:
	facts_free(&f);
	free(sha256);
	return rc;
}
