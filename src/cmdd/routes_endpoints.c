/* routes_endpoints.c - endpoints, response actions, exceptions, commands.
 *
 * Manual isolate, release, file delete, file fetch and
 * exception additions happen in business hours only: outside them
 * the answer is 409 outside_business_hours with the next window, unless a
 * lead sends "urgent": true with a "reason". The actions answer 202 with
 * the queued command (GET /v1/commands/{id} shows its progress). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdd/cmdd.h"
#include "cmdd/wf.h"

struct ep_row {
	int64_t id, tenant_id;
	char isolation[20];
	char *before;
};

static int ep_open(struct req *rq, struct resp *rs, struct ep_row *e, bool lock)
{
	char ib[24];
	memset(e, 0, sizeof *e);
	PGresult *r = DBQ(rq->db, lock
		? "SELECT id, tenant_id, isolation, to_jsonb(e)::text FROM endpoint e"
		  " WHERE id = $1 FOR UPDATE"
		: "SELECT id, tenant_id, isolation, to_jsonb(e)::text FROM endpoint e"
		  " WHERE id = $1", i64s(ib, rq->id));
	if (!db_ok(r))
		return rs_db(rq, rs, r);
	if (PQntuples(r) == 0) {
		PQclear(r);
		return rs_err(rs, 404, "not_found", "no endpoint %lld", (long long)rq->id);
	}
	e->id = db_i64(r, 0, 0);
	e->tenant_id = db_i64(r, 0, 1);
	snprintf(e->isolation, sizeof e->isolation, "%s", PQgetvalue(r, 0, 2));
	e->before = strdup(PQgetvalue(r, 0, 3));
	PQclear(r);
	if (!auth_tenant_ok(&rq->actor, e->tenant_id)) {
		free(e->before);
		return rs_err(rs, 403, "forbidden", "endpoint %lld belongs to another tenant",
		              (long long)rq->id);
	}
	return 0;
}

int r_endpoint_get(struct req *rq, struct resp *rs)
{
	struct ep_row e;
	int st = ep_open(rq, rs, &e, false);
	if (st != 0)
		return st;
	free(e.before);
	char ib[24];
	PGresult *r = DBQ(rq->db,
		"SELECT json_build_object('id', e.id, 'tenant', e.tenant_id,"
		" 'tenant_name', t.name, 'name', e.name, 'hostname', e.hostname,"
		" 'client_version', e.client_version, 'target_version', t.client_version,"
		" 'upgrade', CASE WHEN t.client_version IS NULL THEN 'none'"
		"   WHEN e.client_version = t.client_version THEN 'current' ELSE 'pending' END,"
		" 'last_seen', itrace_ts(e.last_seen), 'isolation', e.isolation,"
		" 'last_error', e.last_error, 'mode', t.mode,"
		" 'mode_sent', coalesce(e.mode_sent, 'nonblock'),"
		" 'pending_commands', (SELECT count(*) FROM command c WHERE c.endpoint_id = e.id"
		"   AND c.state IN ('queued', 'delivered')))::text"
		"  FROM endpoint e JOIN tenant t ON t.id = e.tenant_id WHERE e.id = $1",
		i64s(ib, rq->id));
	if (!db_ok(r) || PQntuples(r) != 1)
		return rs_db(rq, rs, r);
	json_t *j = json_loads(PQgetvalue(r, 0, 0), 0, NULL);
	PQclear(r);
	return rs_json(rs, 200, j);
}

/* The business-hours gate. 0 when the action may go. */
static int gate(struct req *rq, struct resp *rs, const struct wf_tenant *t,
                bool urgent, const char *reason)
{
	if (urgent && rq->actor.role != ROLE_LEAD)
		return rs_err(rs, 403, "forbidden", "only a lead may mark an action urgent");
	if (urgent && reason == NULL)
		return rs_err(rs, 400, "bad_field", "$.reason: required when urgent");
	int64_t ws, we;
	enum rules_gate g = rules_business_gate(&t->cal, rq->now_us,
	                                        wf_role((int)rq->actor.role), urgent, &ws, &we);
	if (g != RULES_GATE_CLOSED)
		return 0;
	char a[40], b[40];
	json_t *win = ws == CAL_NEVER ? json_null()
		: json_pack("{s:s,s:s}", "start", clk_fmt(ws, a, sizeof a),
		            "end", clk_fmt(we, b, sizeof b));
	return rs_errx(rs, 409, "outside_business_hours",
	               json_pack("{s:o}", "next_window", win),
	               "outside business hours of tenant %s; a lead may send \"urgent\": true"
	               " with a \"reason\"", t->name);
}

/* "alert_id" when given must be an alert of this endpoint. */
static int check_alert(struct req *rq, struct resp *rs, int64_t endpoint_id,
                       int64_t *alert_id)
{
	bool present;
	*alert_id = 0;
	if (jv_int(rq->json, "alert_id", false, 1, INT64_MAX, alert_id, &present, rs) != 0)
		return 400;
	if (!present)
		return 0;
	char ab[24], eb[24];
	PGresult *r = DBQ(rq->db, "SELECT 1 FROM alert WHERE id = $1 AND endpoint_id = $2",
	                  i64s(ab, *alert_id), i64s(eb, endpoint_id));
	if (!db_ok(r))
		return rs_db(rq, rs, r);
	int n = PQntuples(r);
	PQclear(r);
	if (n == 0)
		return rs_err(rs, 400, "bad_field", "$.alert_id: no such alert on endpoint %lld",
		              (long long)endpoint_id);
	return 0;
}

static int answer_command(struct req *rq, struct resp *rs, int64_t cmd)
{
	bool dberr;
	json_t *j = wf_command_json(rq->db, cmd, &dberr);
	if (j == NULL)
		return rs_db(rq, rs, NULL);
	return rs_json(rs, 202, j);
}

/* Set endpoint.isolation and audit it. */
static int set_isolation(struct req *rq, const struct ep_row *e, const char *iso,
                         const char *action, const char *rule)
{
	char ib[24];
	PGresult *r = DBQ(rq->db, "UPDATE endpoint SET isolation = $2 WHERE id = $1"
	                          " RETURNING to_jsonb(endpoint)::text",
	                  i64s(ib, e->id), iso);
	if (!db_ok(r) || PQntuples(r) != 1) {
		PQclear(r);
		return -1;
	}
	char ob[40];
	snprintf(ob, sizeof ob, "endpoint:%lld", (long long)e->id);
	int rc = wf_audit(rq->db, rq->actor.name, action, ob, e->tenant_id, e->before,
	                  PQgetvalue(r, 0, 0), rule);
	PQclear(r);
	return rc;
}

/* isolate, release, delete, fetch: one shape. */
static int action(struct req *rq, struct resp *rs, const char *kind)
{
	static const char *const ok_iso[] = {"reason", "alert_id", "urgent", NULL};
	static const char *const ok_file[] = {"path", "sha256", "alert_id", "reason",
	                                      "urgent", NULL};
	bool file = strcmp(kind, "delete") == 0 || strcmp(kind, "fetch") == 0;
	const char *reason, *path = NULL;
	char sha[65];
	bool has_sha = false, urgent;
	if (jv_only(rq->json, file ? ok_file : ok_iso, rs) != 0 ||
	    jv_str(rq->json, "reason", false, 4096, &reason, rs) != 0 ||
	    jv_bool(rq->json, "urgent", false, &urgent, rs) != 0)
		return 400;
	if (file && (jv_str(rq->json, "path", true, 4096, &path, rs) != 0 ||
	             jv_sha256(rq->json, "sha256", false, sha, &has_sha, rs) != 0))
		return 400;
	struct ep_row e;
	int st = ep_open(rq, rs, &e, true);
	if (st != 0)
		return st;
	int64_t alert_id;
	struct wf_tenant t;
	bool have_t = false;
	if ((st = check_alert(rq, rs, e.id, &alert_id)) != 0)
		goto out;
	if (wf_tenant_load(rq->db, e.tenant_id, &t) != 0) {
		st = rs_db(rq, rs, NULL);
		goto out;
	}
	have_t = true;
	if ((st = gate(rq, rs, &t, urgent, reason)) != 0)
		goto out;
	const char *rule = file ? "R-23" : "R-22";
	int64_t cmd = 0;
	if (strcmp(kind, "isolate") == 0) {
		if (strcmp(e.isolation, "none") != 0) {
			st = rs_errx(rs, 409, "invalid_state",
			             json_pack("{s:s}", "isolation", e.isolation),
			             "endpoint %lld is %s", (long long)e.id, e.isolation);
			goto out;
		}
		if (wf_isolate(rq->db, &t, e.id, alert_id, reason, urgent, rq->actor.name,
		               rule, &cmd) != 0 || cmd == 0) {
			st = rs_db(rq, rs, NULL);
			goto out;
		}
	} else {
		if (strcmp(kind, "release") == 0 && strcmp(e.isolation, "isolated") != 0 &&
		    strcmp(e.isolation, "pending") != 0) {
			st = rs_errx(rs, 409, "invalid_state",
			             json_pack("{s:s}", "isolation", e.isolation),
			             "endpoint %lld is %s, not isolated", (long long)e.id,
			             e.isolation);
			goto out;
		}
		json_t *args = json_pack("{s:s?,s:b}", "reason", reason, "urgent", urgent);
		if (file) {
			json_object_set_new(args, "path", json_string(path));
			if (has_sha)
				json_object_set_new(args, "sha256", json_string(sha));
		}
		int rc = wf_command_queue(rq->db, e.tenant_id, e.id, kind, args,
		                          rq->actor.name, alert_id, &cmd);
		json_decref(args);
		if (rc == 0 && strcmp(kind, "release") == 0)
			rc = set_isolation(rq, &e, "release_pending", "endpoint.release", rule);
		if (rc != 0) {
			st = rs_db(rq, rs, NULL);
			goto out;
		}
	}
	if (rq->nwake < 8)
		rq->wake[rq->nwake++] = e.id;
	st = answer_command(rq, rs, cmd);
out:
	if (have_t)
		wf_tenant_free(&t);
	free(e.before);
	return st;
}

int r_endpoint_isolate(struct req *rq, struct resp *rs)
{
	return action(rq, rs, "isolate");
}

int r_endpoint_release(struct req *rq, struct resp *rs)
{
	return action(rq, rs, "release");
}

int r_endpoint_delete(struct req *rq, struct resp *rs)
{
	return action(rq, rs, "delete");
}

int r_endpoint_fetch(struct req *rq, struct resp *rs)
{
	return action(rq, rs, "fetch");
}

int r_tenant_exception(struct req *rq, struct resp *rs)
{
	static const char *const ok[] = {"sha256", "path", "reason", "alert_id",
	                                 "urgent", NULL};
	const char *path, *reason;
	char sha[65];
	bool has_sha, urgent;
	if (jv_only(rq->json, ok, rs) != 0 ||
	    jv_sha256(rq->json, "sha256", false, sha, &has_sha, rs) != 0 ||
	    jv_str(rq->json, "path", false, 4096, &path, rs) != 0 ||
	    jv_str(rq->json, "reason", false, 4096, &reason, rs) != 0 ||
	    jv_bool(rq->json, "urgent", false, &urgent, rs) != 0)
		return 400;
	if (!has_sha && path == NULL)
		return rs_err(rs, 400, "bad_field", "$.sha256: sha256 or path is required");
	if (!auth_tenant_ok(&rq->actor, rq->id))
		return rs_err(rs, 403, "forbidden", "not your tenant");
	struct wf_tenant t;
	int rc = wf_tenant_load(rq->db, rq->id, &t);
	if (rc < 0)
		return rs_db(rq, rs, NULL);
	if (rc > 0)
		return rs_err(rs, 404, "not_found", "no tenant %lld", (long long)rq->id);
	int st = gate(rq, rs, &t, urgent, reason);
	int64_t alert_id = 0;
	bool present;
	if (st == 0 &&
	    jv_int(rq->json, "alert_id", false, 1, INT64_MAX, &alert_id, &present, rs) != 0)
		st = 400;
	if (st == 0 && present) {
		char ab[24], tb[24];
		PGresult *r = DBQ(rq->db, "SELECT 1 FROM alert WHERE id = $1 AND tenant_id = $2",
		                  i64s(ab, alert_id), i64s(tb, t.id));
		if (!db_ok(r))
			st = rs_db(rq, rs, r);
		else if (PQntuples(r) == 0 && (PQclear(r), 1))
			st = rs_err(rs, 400, "bad_field", "$.alert_id: no such alert of this tenant");
		else
			PQclear(r);
	}
	if (st != 0) {
		wf_tenant_free(&t);
		return st;
	}
	json_t *cmds = json_array();
	int64_t exc = 0;
	rc = wf_exception_add(rq->db, &t, has_sha ? sha : NULL, path, reason, alert_id,
	                      rq->actor.name, "R-14", &exc, cmds);
	wf_tenant_free(&t);
	if (rc != 0) {
		json_decref(cmds);
		return rs_db(rq, rs, NULL);
	}
	char eb[24];
	PGresult *r = DBQ(rq->db,
		"SELECT json_build_object('id', id, 'tenant', tenant_id, 'sha256', sha256,"
		" 'path', path, 'reason', reason, 'alert_id', alert_id,"
		" 'created_by', created_by, 'created_at', itrace_ts(created_at))::text"
		"  FROM exception WHERE id = $1", i64s(eb, exc));
	if (!db_ok(r) || PQntuples(r) != 1) {
		json_decref(cmds);
		return rs_db(rq, rs, r);
	}
	json_t *j = json_loads(PQgetvalue(r, 0, 0), 0, NULL);
	PQclear(r);
	json_object_set_new(j, "commands", cmds);
	return rs_json(rs, 202, j);
}

int r_command_get(struct req *rq, struct resp *rs)
{
	bool dberr;
	json_t *j = wf_command_json(rq->db, rq->id, &dberr);
	if (dberr)
		return rs_db(rq, rs, NULL);
	if (j == NULL)
		return rs_err(rs, 404, "not_found", "no command %lld", (long long)rq->id);
	if (!auth_tenant_ok(&rq->actor, json_integer_value(json_object_get(j, "tenant")))) {
		json_decref(j);
		return rs_err(rs, 403, "forbidden", "command %lld belongs to another tenant",
		              (long long)rq->id);
	}
	return rs_json(rs, 200, j);
}
