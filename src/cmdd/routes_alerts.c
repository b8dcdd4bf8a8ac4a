/* routes_alerts.c - /v1/alerts/{id} and its workflow actions.
 *
 * Each action: lock the alert row, check tenant and (when given) version,
 * ask src/core/rules.c whether the transition is allowed, write the new
 * state with version + 1, audit before/after with the rule applied, and
 * answer the alert as GET shows it. The dispatcher (http.c) wraps it all
 * in one transaction. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdd/cmdd.h"
#include "cmdd/wf.h"
#include "core/sla.h"

/* Lock the alert of the path; 0, or the status of an answer in *rs. */
static int alert_open(struct req *rq, struct resp *rs, struct wf_alert *a)
{
	int rc = wf_alert_lock(rq->db, rq->id, a);
	if (rc < 0)
		return rs_db(rq, rs, NULL);
	if (rc > 0)
		return rs_err(rs, 404, "not_found", "no alert %lld", (long long)rq->id);
	if (!auth_tenant_ok(&rq->actor, a->tenant_id)) {
		wf_alert_free(a);
		return rs_err(rs, 403, "forbidden", "alert %lld belongs to another tenant",
		              (long long)rq->id);
	}
	return 0;
}

static json_t *state_extra(const struct wf_alert *a)
{
	return json_pack("{s:s,s:I}", "state", rules_state_name(a->state),
	                 "version", (json_int_t)a->version);
}

/* Optional or required "version": 409 stale_version when it differs. */
static int check_version(struct req *rq, struct resp *rs, const struct wf_alert *a,
                         bool required)
{
	int64_t v = 0;
	bool present = false;
	if (jv_int(rq->json, "version", required, 1, INT32_MAX, &v, &present, rs) != 0)
		return 400;
	if (present && v != a->version)
		return rs_errx(rs, 409, "stale_version", state_extra(a),
		               "alert %lld is at version %lld, not %lld", (long long)a->id,
		               (long long)a->version, (long long)v);
	return 0;
}

static int transition(struct req *rq, struct resp *rs, const struct wf_alert *a,
                      enum rules_action act, const struct rules_facts *facts,
                      enum rules_state *next)
{
	const char *why = NULL;
	enum rules_check k = rules_transition(a->state, act, wf_role((int)rq->actor.role),
	                                      facts, next, &why);
	switch (k) {
	case RULES_OK:
		return 0;
	case RULES_EROLE:
		return rs_err(rs, 403, "forbidden", "%s: %s", rules_action_name(act),
		              why != NULL ? why : "not allowed for this role");
	case RULES_EINPUT:
		return rs_err(rs, 400, "bad_field", "%s", why != NULL ? why : "missing input");
	case RULES_ESTATE:
		break;
	}
	return rs_errx(rs, 409, "invalid_transition", state_extra(a),
	               "%s is not allowed in state %s%s%s", rules_action_name(act),
	               rules_state_name(a->state), why != NULL ? ": " : "",
	               why != NULL ? why : "");
}

/* The common start of an alert action: lock the alert, check the optional
 * version, ask the state machine. 0, or the status already answered (the
 * alert is then freed). */
static int alert_begin(struct req *rq, struct resp *rs, struct wf_alert *a,
                       enum rules_action act, enum rules_state *next)
{
	int st = alert_open(rq, rs, a);
	if (st != 0)
		return st;
	if ((st = check_version(rq, rs, a, false)) != 0 ||
	    (st = transition(rq, rs, a, act, NULL, next)) != 0) {
		wf_alert_free(a);
		return st;
	}
	return 0;
}

/* Run an UPDATE ... WHERE id = $1 RETURNING to_jsonb(alert)::text, audit
 * it and answer the alert. params[0] must be the alert id. */
static int update_and_answer(struct req *rq, struct resp *rs, struct wf_alert *a,
                             const char *sql, int n, const char *const *params,
                             const char *action, const char *rule, int status)
{
	PGresult *r = dbx(rq->db, sql, n, params);
	if (!db_ok(r) || PQntuples(r) != 1) {
		wf_alert_free(a);
		return rs_db(rq, rs, r);
	}
	char ob[40];
	snprintf(ob, sizeof ob, "alert:%lld", (long long)a->id);
	int rc = wf_audit(rq->db, rq->actor.name, action, ob, a->tenant_id, a->before,
	                  PQgetvalue(r, 0, 0), rule);
	PQclear(r);
	wf_alert_free(a);
	if (rc != 0)
		return rs_db(rq, rs, NULL);
	bool dberr;
	json_t *j = wf_alert_json(rq->db, rq->id, &dberr);
	if (j == NULL)
		return rs_db(rq, rs, NULL);
	return rs_json(rs, status, j);
}

int r_alert_get(struct req *rq, struct resp *rs)
{
	bool dberr;
	json_t *j = wf_alert_json(rq->db, rq->id, &dberr);
	if (dberr)
		return rs_db(rq, rs, NULL);
	if (j == NULL)
		return rs_err(rs, 404, "not_found", "no alert %lld", (long long)rq->id);
	json_int_t tenant = json_integer_value(json_object_get(j, "tenant"));
	if (!auth_tenant_ok(&rq->actor, tenant)) {
		json_decref(j);
		return rs_err(rs, 403, "forbidden", "alert %lld belongs to another tenant",
		              (long long)rq->id);
	}
	return rs_json(rs, 200, j);
}

int r_alert_claim(struct req *rq, struct resp *rs)
{
	static const char *const ok[] = {"version", NULL};
	struct wf_alert a;
	enum rules_state next;
	int st;
	if (jv_only(rq->json, ok, rs) != 0)
		return 400;
	if ((st = alert_begin(rq, rs, &a, RULES_CLAIM, &next)) != 0)
		return st;
	char ib[24];
	const char *p[] = {i64s(ib, a.id), rules_state_name(next), rq->actor.name};
	return update_and_answer(rq, rs, &a,
		"UPDATE alert SET state = $2, claimed_by = $3, version = version + 1,"
		" updated_at = now() WHERE id = $1 RETURNING to_jsonb(alert)::text",
		3, p, "alert.claim", NULL, 200);
}

int r_alert_unclaim(struct req *rq, struct resp *rs)
{
	static const char *const ok[] = {"version", NULL};
	struct wf_alert a;
	enum rules_state next;
	int st;
	if (jv_only(rq->json, ok, rs) != 0)
		return 400;
	if ((st = alert_begin(rq, rs, &a, RULES_UNCLAIM, &next)) != 0)
		return st;
	if (strcmp(a.claimed_by, rq->actor.name) != 0 && rq->actor.role != ROLE_LEAD) {
		st = rs_err(rs, 403, "forbidden", "claimed by %s; only they or a lead may unclaim",
		            a.claimed_by);
		wf_alert_free(&a);
		return st;
	}
	char ib[24];
	const char *p[] = {i64s(ib, a.id), rules_state_name(next)};
	return update_and_answer(rq, rs, &a,
		"UPDATE alert SET state = $2, claimed_by = NULL, version = version + 1,"
		" updated_at = now() WHERE id = $1 RETURNING to_jsonb(alert)::text",
		2, p, "alert.unclaim", NULL, 200);
}

static const char *const verdicts[] = {"black", "gray", "white", NULL};

int r_alert_verdict(struct req *rq, struct resp *rs)
{
	static const char *const ok[] = {"phase", "verdict", "comment",
	                                 "needs_explanatory", "version", NULL};
	static const char *const phases[] = {"quick", "explanatory", NULL};
	const char *phase, *verdict, *comment;
	bool needs;
	if (jv_only(rq->json, ok, rs) != 0 ||
	    jv_enum(rq->json, "phase", true, phases, &phase, rs) != 0 ||
	    jv_enum(rq->json, "verdict", true, verdicts, &verdict, rs) != 0 ||
	    jv_str(rq->json, "comment", false, 65536, &comment, rs) != 0 ||
	    jv_bool(rq->json, "needs_explanatory", false, &needs, rs) != 0)
		return 400;
	bool quick = strcmp(phase, "quick") == 0;
	if (!quick && json_object_get(rq->json, "needs_explanatory") != NULL)
		return rs_err(rs, 400, "bad_field",
		              "$.needs_explanatory: only for the quick phase");
	struct wf_alert a;
	int st;
	if ((st = alert_open(rq, rs, &a)) != 0)
		return st;
	struct rules_facts facts = {0};
	rules_verdict_parse(verdict, &facts.verdict);
	enum rules_state next;
	if ((st = check_version(rq, rs, &a, true)) != 0 ||
	    (st = transition(rq, rs, &a, quick ? RULES_VERDICT_QUICK : RULES_VERDICT_EXPLAIN,
	                     &facts, &next)) != 0) {
		wf_alert_free(&a);
		return st;
	}
	struct wf_tenant t;
	if (wf_tenant_load(rq->db, a.tenant_id, &t) != 0) {
		wf_alert_free(&a);
		return rs_db(rq, rs, NULL);
	}
	/* A gray quick verdict always needs the explanatory report. */
	bool needs_explain = quick ? (needs || facts.verdict == RULES_V_GRAY)
	                           : a.needs_explanatory;
	a.needs_explanatory = needs;
	if (wf_after_verdict(rq->db, &t, &a, quick ? RULES_PHASE_QUICK : RULES_PHASE_EXPLAIN,
	                     facts.verdict, rq->now_us, rq->actor.name, rq->wake,
	                     &rq->nwake) != 0) {
		wf_tenant_free(&t);
		wf_alert_free(&a);
		return rs_db(rq, rs, NULL);
	}
	wf_tenant_free(&t);
	char ib[24];
	const char *p[] = {i64s(ib, a.id), rules_state_name(next), verdict, comment,
	                   needs_explain ? "t" : "f"};
	return update_and_answer(rq, rs, &a, quick
		? "UPDATE alert SET state = $2, quick_verdict = $3, quick_comment = $4,"
		  " needs_explanatory = $5, version = version + 1, updated_at = now()"
		  " WHERE id = $1 RETURNING to_jsonb(alert)::text"
		: "UPDATE alert SET state = $2, explain_verdict = $3, explain_comment = $4,"
		  " version = version + 1, updated_at = now()"
		  " WHERE id = $1 RETURNING to_jsonb(alert)::text",
		quick ? 5 : 4, p, quick ? "alert.verdict_quick" : "alert.verdict_explain",
		quick ? "R-10" : "R-15", 200);
}

int r_alert_answer(struct req *rq, struct resp *rs)
{
	static const char *const ok[] = {"intended", "by", "note", "version", NULL};
	const char *by, *note;
	if (jv_only(rq->json, ok, rs) != 0 ||
	    jv_str(rq->json, "by", false, 256, &by, rs) != 0 ||
	    jv_str(rq->json, "note", false, 65536, &note, rs) != 0)
		return 400;
	json_t *iv = json_object_get(rq->json, "intended");
	if (iv == NULL || !json_is_boolean(iv))
		return rs_err(rs, 400, "bad_field", "$.intended: required, true or false");
	bool intended = json_is_true(iv);
	struct wf_alert a;
	enum rules_state next;
	int st;
	if ((st = alert_begin(rq, rs, &a, RULES_ANSWER, &next)) != 0)
		return st;
	enum rules_verdict v = rules_answer_verdict(intended);
	struct wf_tenant t;
	if (wf_tenant_load(rq->db, a.tenant_id, &t) != 0) {
		wf_alert_free(&a);
		return rs_db(rq, rs, NULL);
	}
	int rc = wf_after_verdict(rq->db, &t, &a, RULES_PHASE_REPLY, v, rq->now_us,
	                          rq->actor.name, rq->wake, &rq->nwake);
	wf_tenant_free(&t);
	if (rc != 0) {
		wf_alert_free(&a);
		return rs_db(rq, rs, NULL);
	}
	char ib[24], ts[40], reason[96];
	snprintf(reason, sizeof reason, "R-19: the administrator answered: %s, so %s",
	         intended ? "saved or run on purpose" : "not on purpose",
	         rules_verdict_name(v));
	const char *p[] = {i64s(ib, a.id), rules_state_name(next), rules_verdict_name(v),
	                   intended ? "t" : "f", by, note, wf_ts(rq->now_us, ts), reason};
	return update_and_answer(rq, rs, &a,
		"UPDATE alert SET state = $2, explain_verdict = $3, answer_intended = $4,"
		" answer_by = $5, answer_note = $6, answered_at = $7, closed_at = $7,"
		" closed_reason = $8, reply_due = NULL, version = version + 1,"
		" updated_at = now() WHERE id = $1 RETURNING to_jsonb(alert)::text",
		8, p, "alert.answer", "R-19", 200);
}

int r_alert_escalate(struct req *rq, struct resp *rs)
{
	static const char *const ok[] = {"reason", "version", NULL};
	const char *reason;
	if (jv_only(rq->json, ok, rs) != 0 ||
	    jv_str(rq->json, "reason", false, 4096, &reason, rs) != 0)
		return 400;
	struct wf_alert a;
	enum rules_state next;
	int st;
	if ((st = alert_begin(rq, rs, &a, RULES_ESCALATE, &next)) != 0)
		return st;
	char ib[24];
	const char *p[] = {i64s(ib, a.id), reason};
	return update_and_answer(rq, rs, &a,
		"UPDATE alert SET escalated = true, escalation_reason = $2,"
		" version = version + 1, updated_at = now()"
		" WHERE id = $1 RETURNING to_jsonb(alert)::text",
		2, p, "alert.escalate", "R-29", 200);
}

int r_alert_close(struct req *rq, struct resp *rs)
{
	static const char *const ok[] = {"comment", "version", NULL};
	const char *comment;
	if (jv_only(rq->json, ok, rs) != 0 ||
	    jv_str(rq->json, "comment", false, 4096, &comment, rs) != 0)
		return 400;
	struct wf_alert a;
	enum rules_state next;
	int st;
	if ((st = alert_begin(rq, rs, &a, RULES_CLOSE, &next)) != 0)
		return st;
	char ib[24], ts[40];
	const char *p[] = {i64s(ib, a.id), rules_state_name(next), wf_ts(rq->now_us, ts),
	                   comment != NULL ? comment : "closed by an analyst"};
	return update_and_answer(rq, rs, &a,
		"UPDATE alert SET state = $2, closed_at = $3,"
		" closed_reason = coalesce(closed_reason, $4), version = version + 1,"
		" updated_at = now() WHERE id = $1 RETURNING to_jsonb(alert)::text",
		4, p, "alert.close", NULL, 200);
}

int r_alert_undup(struct req *rq, struct resp *rs)
{
	static const char *const ok[] = {"version", NULL};
	struct wf_alert a;
	enum rules_state next;
	int st;
	if (jv_only(rq->json, ok, rs) != 0)
		return 400;
	if ((st = alert_begin(rq, rs, &a, RULES_UNDO_DUPLICATE, &next)) != 0)
		return st;
	struct wf_tenant t;
	if (wf_tenant_load(rq->db, a.tenant_id, &t) != 0) {
		wf_alert_free(&a);
		return rs_db(rq, rs, NULL);
	}
	/* The clocks run from reception, as for any new alert. */
	int64_t qd, ed;
	rules_due_times(&t.cal, a.received_us, &qd, &ed);
	wf_tenant_free(&t);
	char ib[24], q[40], e[40];
	const char *p[] = {i64s(ib, a.id), rules_state_name(next), wf_ts(qd, q),
	                   ed != CAL_NEVER ? wf_ts(ed, e) : NULL};
	return update_and_answer(rq, rs, &a,
		"UPDATE alert SET state = $2, duplicate_of = NULL, quick_due = $3,"
		" explain_due = $4, version = version + 1, updated_at = now()"
		" WHERE id = $1 RETURNING to_jsonb(alert)::text",
		4, p, "alert.undo_duplicate", "R-12", 200);
}
