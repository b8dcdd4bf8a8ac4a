/* routes_reports.c - POST /v1/alerts/{id}/reports: publish a report;
 * GET /v1/reports/{id}: read one back (r_report_get, at the end).
 *
 * {"kind": "quick"|"explanatory", "alerts": [ids], "comment", "lang":
 * "ja"|"en", "version"}. A quick report covers the alert of the path
 * an explanatory report may cover several alerts of one tenant
 * the path's alert plus "alerts". Each alert must allow the
 * publish transition (rules.c); the report is rendered with the shared
 * report code (src/core/report.c: the eight items, and what each verdict
 * asks for, R-18..R-20, with the reply due this publication sets on a
 * gray alert), stored with its verdict and retention
 * the alerts move on (gray explanatory: reply due, R-19), and
 * mail is queued in the outbox for a black quick report or a black or
 * gray explanatory report when the tenant has contacts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdd/cmdd.h"
#include "cmdd/wf.h"
#include "core/report.h"
#include "core/sla.h"
#include "cmdd/evidence_glue.h"

#define MAX_ALERTS 100

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

static int severity(enum rules_verdict v)
{
	return v == RULES_V_BLACK ? 3 : v == RULES_V_GRAY ? 2 : v == RULES_V_WHITE ? 1 : 0;
}

/* Append s to a growing string. */
static void cat(char **s, size_t *len, const char *add)
{
	size_t n = strlen(add);
	char *ns = realloc(*s, *len + n + 1);
	if (ns == NULL)
		return;
	memcpy(ns + *len, add, n + 1);
	*len += n;
	*s = ns;
}

int r_alert_reports(struct req *rq, struct resp *rs)
{
	static const char *const ok[] = {"kind", "alerts", "comment", "lang", "version", NULL};
	static const char *const kinds[] = {"quick", "explanatory", NULL};
	static const char *const langs[] = {"ja", "en", NULL};
	const char *kind, *comment, *lang;
	if (jv_only(rq->json, ok, rs) != 0 ||
	    jv_enum(rq->json, "kind", true, kinds, &kind, rs) != 0 ||
	    jv_str(rq->json, "comment", false, 65536, &comment, rs) != 0 ||
	    jv_enum(rq->json, "lang", false, langs, &lang, rs) != 0)
		return 400;
	bool quick = strcmp(kind, "quick") == 0;
	enum rp_lang rl = lang != NULL && strcmp(lang, "en") == 0 ? RP_EN : RP_JA;
	int64_t ids[MAX_ALERTS];
	size_t n = 0;
	ids[n++] = rq->id;
	json_t *al = json_object_get(rq->json, "alerts");
	if (al != NULL && !json_is_null(al)) {
		if (!json_is_array(al) || json_array_size(al) > MAX_ALERTS - 1)
			return rs_err(rs, 400, "bad_field", "$.alerts: an array of at most %d alert ids",
			              MAX_ALERTS - 1);
		size_t i;
		json_t *v;
		json_array_foreach(al, i, v) {
			if (!json_is_integer(v) || json_integer_value(v) < 1)
				return rs_err(rs, 400, "bad_field", "$.alerts[%zu]: must be an alert id", i);
			int64_t id = json_integer_value(v);
			bool dup = false;
			for (size_t k = 0; k < n; k++)
				dup = dup || ids[k] == id;
			if (!dup)
				ids[n++] = id;
		}
	}
	if (quick && n > 1)
		return rs_err(rs, 400, "bad_field", "$.alerts: a quick report covers one alert (R-10)");
	/* Lock in id order: two reports over overlapping alerts never
	 * deadlock. */
	qsort(ids, n, sizeof ids[0], cmp_i64);
	struct wf_alert a[MAX_ALERTS];
	enum rules_state next[MAX_ALERTS];
	size_t locked = 0;
	int st = 0;
	enum rules_verdict verdict = RULES_V_NONE;
	int64_t version = 0;
	bool has_version = false;
	if (jv_int(rq->json, "version", false, 1, INT32_MAX, &version, &has_version, rs) != 0)
		return 400;
	for (size_t i = 0; i < n && st == 0; i++) {
		int rc = wf_alert_lock(rq->db, ids[i], &a[i]);
		if (rc < 0) {
			st = rs_db(rq, rs, NULL);
			break;
		}
		if (rc > 0) {
			st = ids[i] == rq->id
				? rs_err(rs, 404, "not_found", "no alert %lld", (long long)ids[i])
				: rs_err(rs, 400, "bad_field", "$.alerts: no alert %lld", (long long)ids[i]);
			break;
		}
		locked++;
		if (!auth_tenant_ok(&rq->actor, a[i].tenant_id)) {
			st = rs_err(rs, 403, "forbidden", "alert %lld belongs to another tenant",
			            (long long)ids[i]);
		} else if (a[i].tenant_id != a[0].tenant_id) {
			st = rs_err(rs, 400, "bad_field",
			            "$.alerts: alert %lld is of another tenant (R-17: one tenant a report)",
			            (long long)ids[i]);
		} else if (has_version && ids[i] == rq->id && a[i].version != version) {
			st = rs_errx(rs, 409, "stale_version",
			             json_pack("{s:s,s:I}", "state", rules_state_name(a[i].state),
			                       "version", (json_int_t)a[i].version),
			             "alert %lld is at version %lld, not %lld", (long long)a[i].id,
			             (long long)a[i].version, (long long)version);
		} else {
			struct rules_facts f = {
				.verdict = quick ? a[i].quick : a[i].explain,
				.needs_explanatory = a[i].needs_explanatory,
			};
			const char *why = NULL;
			enum rules_check k = rules_transition(a[i].state,
				quick ? RULES_PUBLISH_QUICK : RULES_PUBLISH_EXPLAIN,
				wf_role((int)rq->actor.role), &f, &next[i], &why);
			if (k == RULES_EROLE)
				st = rs_err(rs, 403, "forbidden", "%s", why != NULL ? why : "not allowed");
			else if (k != RULES_OK)
				st = rs_errx(rs, 409, "invalid_transition",
				             json_pack("{s:I,s:s,s:I}", "alert", (json_int_t)a[i].id,
				                       "state", rules_state_name(a[i].state),
				                       "version", (json_int_t)a[i].version),
				             "alert %lld: publishing a%s report is not allowed in state %s",
				             (long long)a[i].id, quick ? " quick" : "n explanatory",
				             rules_state_name(a[i].state));
			else if (severity(f.verdict) > severity(verdict))
				verdict = f.verdict;
		}
	}
	struct wf_tenant t;
	bool have_t = false;
	char *body = NULL;
	size_t blen = 0;
	if (st != 0)
		goto out;
	if (wf_tenant_load(rq->db, a[0].tenant_id, &t) != 0) {
		st = rs_db(rq, rs, NULL);
		goto out;
	}
	have_t = true;
	/* The body: a heading, the analyst's comment, then each alert's eight
	 * items from the shared renderer. */
	char head[512];
	snprintf(head, sizeof head, "# %s: %s (%s)\n\n",
	         quick ? (rl == RP_JA ? "速報レポート" : "Quick report")
	               : (rl == RP_JA ? "解説レポート" : "Explanatory report"),
	         t.name, rules_verdict_name(verdict) != NULL ? rules_verdict_name(verdict) : "-");
	cat(&body, &blen, head);
	if (comment != NULL) {
		char *esc = report_md_escape(comment, 0);
		cat(&body, &blen, esc != NULL ? esc : "");
		cat(&body, &blen, "\n\n");
		free(esc);
	}
	/* A gray explanatory report asks for the administrator's answer by
	 * this date: the body says it, the alert stores it below. */
	int64_t reply_due = sla_reply_due(&t.cal, rq->now_us);
	for (size_t i = 0; i < n; i++) {
		char *md = NULL;
		struct evidence_pub pub = {
			.kind = quick ? RP_KIND_QUICK : RP_KIND_EXPLAIN,
			.reply_due_us = next[i] == RULES_AWAITING_REPLY && reply_due != CAL_NEVER
			                ? reply_due : RP_NONE,
			.tz_min = t.cal.tz_min,
		};
		if (evidence_render(rq->db, a[i].id, rq->now_us, rl, &pub, &md) != 0) {
			st = rs_db(rq, rs, NULL);
			goto out;
		}
		cat(&body, &blen, md != NULL ? md : "");
		cat(&body, &blen, "\n");
		free(md);
	}
	char tb[24], ts[40], pa[40];
	char arr[MAX_ALERTS * 22 + 3] = "{";
	for (size_t i = 0; i < n; i++) {
		char nb[24];
		if (i > 0)
			strcat(arr, ",");
		strcat(arr, i64s(nb, ids[i]));
	}
	strcat(arr, "}");
	PGresult *r = DBQ(rq->db,
		"INSERT INTO report (tenant_id, kind, alert_ids, verdict, lang, body, published_at,"
		" purge_after, author) VALUES ($1, $2, $3::bigint[], $4, $5, $6, $7, $8, $9)"
		" RETURNING id, to_jsonb(report) - 'body' - 'html'",
		i64s(tb, t.id), kind, arr, rules_verdict_name(verdict), rl == RP_JA ? "ja" : "en",
		body != NULL ? body : "", wf_ts(rq->now_us, ts),
		wf_ts(sla_retention_until(&t.cal, rq->now_us), pa), rq->actor.name);
	if (!db_ok(r)) {
		st = rs_db(rq, rs, r);
		goto out;
	}
	int64_t report_id = db_i64(r, 0, 0);
	char ob[40];
	snprintf(ob, sizeof ob, "report:%lld", (long long)report_id);
	int rc = wf_audit(rq->db, rq->actor.name, "report.publish", ob, t.id, NULL,
	                  PQgetvalue(r, 0, 1), quick ? "R-10" : "R-15");
	PQclear(r);
	for (size_t i = 0; i < n && rc == 0; i++) {
		char ib[24], rd[40];
		bool awaiting = next[i] == RULES_AWAITING_REPLY;
		const char *p[] = {i64s(ib, ids[i]), rules_state_name(next[i]), ts,
		                   awaiting && reply_due != CAL_NEVER ? wf_ts(reply_due, rd) : NULL};
		r = dbx(rq->db, quick
			? "UPDATE alert SET state = $2, quick_published_at = $3, version = version + 1,"
			  " updated_at = now() WHERE id = $1 RETURNING to_jsonb(alert)::text"
			: "UPDATE alert SET state = $2, explain_published_at = $3, reply_due = $4,"
			  " version = version + 1, updated_at = now() WHERE id = $1"
			  " RETURNING to_jsonb(alert)::text", quick ? 3 : 4, p);
		rc = db_ok(r) && PQntuples(r) == 1 ? 0 : -1;
		if (rc == 0) {
			snprintf(ob, sizeof ob, "alert:%lld", (long long)ids[i]);
			rc = wf_audit(rq->db, rq->actor.name,
			              quick ? "alert.publish_quick" : "alert.publish_explain", ob, t.id,
			              a[i].before, PQgetvalue(r, 0, 0),
			              awaiting ? "R-19" : quick ? "R-10" : "R-15");
		}
		PQclear(r);
	}
	bool mailed = false;
	if (rc == 0 && rules_report_mails(quick ? RULES_PHASE_QUICK : RULES_PHASE_EXPLAIN,
	                                  verdict) && json_array_size(t.contacts) > 0) {
		char subject[300], rb[24];
		snprintf(subject, sizeof subject, "[InfoTrace] %s %s: %s (alert %lld)",
		         quick ? "速報レポート" : "解説レポート", rules_verdict_name(verdict),
		         t.name, (long long)rq->id);
		char *rcpt = json_dumps(t.contacts, JSON_COMPACT);
		r = DBQ(rq->db,
			"INSERT INTO outbox (tenant_id, report_id, recipients, subject, body,"
			" next_attempt_at) SELECT $1, $2, array(SELECT json_array_elements_text($3::json)),"
			" $4, $5, $6 RETURNING id", tb, i64s(rb, report_id), rcpt, subject,
			body != NULL ? body : "", ts);
		free(rcpt);
		rc = db_ok(r) ? 0 : -1;
		if (rc == 0) {
			snprintf(ob, sizeof ob, "outbox:%lld", (long long)db_i64(r, 0, 0));
			rc = wf_audit(rq->db, rq->actor.name, "mail.queue", ob, t.id, NULL, NULL,
			              quick ? "R-10" : "R-15");
		}
		PQclear(r);
		mailed = rc == 0;
	}
	if (rc != 0) {
		st = rs_db(rq, rs, NULL);
		goto out;
	}
	json_t *alerts = json_array();
	for (size_t i = 0; i < n; i++) {
		bool dberr;
		json_t *j = wf_alert_json(rq->db, ids[i], &dberr);
		if (j != NULL)
			json_array_append_new(alerts, j);
	}
	json_t *aids = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(aids, json_integer(ids[i]));
	char pub[40];
	st = rs_json(rs, 201, json_pack("{s:{s:I,s:s,s:I,s:o,s:s?,s:s,s:b},s:o}",
		"report", "id", (json_int_t)report_id, "kind", kind, "tenant", (json_int_t)t.id,
		"alert_ids", aids, "verdict", rules_verdict_name(verdict),
		"published_at", clk_fmt(rq->now_us, pub, sizeof pub), "mailed", mailed,
		"alerts", alerts));
out:
	if (have_t)
		wf_tenant_free(&t);
	for (size_t i = 0; i < locked; i++)
		wf_alert_free(&a[i]);
	free(body);
	return st;
}

/* GET /v1/reports/{id}[?format=json|md|html]: a report of the caller's
 * tenants. json (the default): its row, `body` the Markdown and `formats`
 * the forms it has ("md", and "html" for a monthly report, R-25: 013);
 * md: the Markdown as text/markdown; html: the stored HTML document as
 * text/html (404 when the report has none). The HTML was escaped when it
 * was rendered (core/monthly_render.c); http.c sends text answers with
 * nosniff and the document's own Content-Security-Policy. */
int r_report_get(struct req *rq, struct resp *rs)
{
	const char *f = rq->format != NULL ? rq->format : "json";
	bool json = strcmp(f, "json") == 0, md = strcmp(f, "md") == 0,
	     html = strcmp(f, "html") == 0;
	if (!json && !md && !html)
		return rs_err(rs, 400, "bad_field", "?format: must be json, md or html");
	char ib[24];
	PGresult *r = DBQ(rq->db,
		"SELECT tenant_id, json_build_object('id', id, 'tenant', tenant_id, 'kind', kind,"
		"  'alert_ids', alert_ids, 'verdict', verdict, 'lang', lang,"
		"  'period', to_char(period, 'YYYY-MM-DD'), 'published_at', itrace_ts(published_at),"
		"  'purge_after', itrace_ts(purge_after), 'author', author, 'body', body,"
		"  'formats', CASE WHEN html IS NULL THEN '[\"md\"]'::json"
		"             ELSE '[\"md\",\"html\"]'::json END)::text,"
		"  body, html FROM report WHERE id = $1", i64s(ib, rq->id));
	if (!db_ok(r))
		return rs_db(rq, rs, r);
	int st;
	if (PQntuples(r) != 1) {
		st = rs_err(rs, 404, "not_found", "no report %lld", (long long)rq->id);
	} else if (!auth_tenant_ok(&rq->actor, db_i64(r, 0, 0))) {
		st = rs_err(rs, 403, "forbidden", "report %lld belongs to another tenant",
		            (long long)rq->id);
	} else if (json) {
		json_t *j = json_loads(PQgetvalue(r, 0, 1), 0, NULL);
		st = j != NULL ? rs_json(rs, 200, j) : rs_db(rq, rs, NULL);
	} else if (html && PQgetisnull(r, 0, 3)) {
		st = rs_err(rs, 404, "not_found", "report %lld has no HTML form (a monthly report"
		            " has one, R-25)", (long long)rq->id);
	} else {
		const char *text = PQgetvalue(r, 0, html ? 3 : 2);
		char *b = strdup(text);
		if (b == NULL) {
			st = rs_err(rs, 500, "internal", "out of memory");
		} else {
			free(rs->body);
			rs->body = b;
			rs->len = strlen(b);
			rs->status = st = 200;
			rs->ctype = html ? "text/html; charset=utf-8" : "text/markdown; charset=utf-8";
		}
	}
	PQclear(r);
	return st;
}
