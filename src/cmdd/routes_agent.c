/* routes_agent.c - /v1/agent/...: what endpoints call with their token.
 *
 * An endpoint token reaches only these routes and only its own endpoint:
 * the endpoint is the token's, never a field of the body (a host name in
 * an uploaded log line does not redirect it to another endpoint). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdd/cmdd.h"
#include "cmdd/cache.h"
#include "cmdd/wf.h"
#include "core/event.h"
#include "core/logline.h"
#include "db/alerts.h"
#include "db/events.h"
#include "core/tuning.h"

bool agent_has_pending(PGconn *c, int64_t ep)
{
	char eb[24];
	PGresult *r = DBP(c, "has_pending",
	                  "SELECT 1 FROM command WHERE endpoint_id = $1 AND state = 'queued'"
	                     " LIMIT 1", i64s(eb, ep));
	bool yes = db_ok(r) && PQntuples(r) > 0;
	PQclear(r);
	return yes;
}

/* the tenant's target client version differs from what the
 * endpoint runs and no upgrade to it is pending: queue one (with its
 * audit row, in one transaction). */
static int queue_upgrade(struct req *rq, const char *version)
{
	PGresult *r = PQexec(rq->db, "BEGIN");
	int rc = db_ok(r) ? 0 : -1;
	PQclear(r);
	if (rc != 0)
		return -1;
	json_t *args = json_pack("{s:s}", "version", version);
	int64_t id;
	rc = wf_command_queue(rq->db, rq->actor.endpoint_tenant, rq->actor.endpoint_id,
	                      "upgrade", args, "system", 0, &id);
	json_decref(args);
	r = PQexec(rq->db, rc == 0 ? "COMMIT" : "ROLLBACK");
	if (!db_ok(r))
		rc = -1;
	PQclear(r);
	return rc;
}

/* The heartbeat, when it has to ask the database: one statement, no
 * explicit transaction (the hot path of 1,000s of endpoints).
 *   idem   the answer stored under this Idempotency-Key, if any: then
 *          nothing else happens (the caller replays it, or 422);
 *   seen   records the contact, skipped when nothing changed within 4 to
 *          5 s ($10 microseconds, cache_hb_fresh_us: sparing a write and
 *          its NOTIFY);
 *   p, u   hands out the queued commands;
 *   ans    the answer when commands were delivered, and keep stores it
 *          under the key in the same statement (a heartbeat that
 *          delivers nothing has no effect to replay and stores nothing);
 * and reports what the memory of cache.c needs: whether an upgrade is
 * owed, whether any command was queued, the endpoint's contact
 * fields as they now are, and the token's stored keys (at most 64). */
static const char hb_sql[] =
	"WITH idem AS (SELECT status, body, fingerprint FROM idempotency"
	"              WHERE analyst_id = $6::bigint AND key = $7::text),"
	" old AS (SELECT last_seen, client_version, last_error FROM endpoint WHERE id = $1),"
	" seen AS (UPDATE endpoint SET last_seen = $2,"
	"       client_version = coalesce($3, client_version), last_error = $4"
	"     WHERE id = $1 AND NOT $5::boolean AND NOT EXISTS (SELECT 1 FROM idem)"
	"       AND (last_seen IS NULL"
	"       OR last_seen < $2::timestamptz - $10::bigint * interval '1 microsecond'"
	"       OR last_seen > $2::timestamptz"
	"       OR client_version IS DISTINCT FROM coalesce($3, client_version)"
	"       OR last_error IS DISTINCT FROM $4)"
	"     RETURNING last_seen, client_version, last_error),"
	" cur AS (SELECT * FROM seen UNION ALL"
	"         SELECT * FROM old WHERE NOT EXISTS (SELECT 1 FROM seen)),"
	" p AS (SELECT id FROM command WHERE endpoint_id = $1 AND state = 'queued'"
	"         AND NOT EXISTS (SELECT 1 FROM idem)"
	"       ORDER BY id LIMIT 100 FOR UPDATE SKIP LOCKED),"
	" u AS (UPDATE command c SET state = 'delivered', delivered_at = $2"
	"       FROM p WHERE c.id = p.id RETURNING c.id, c.kind, c.args),"
	" ans AS (SELECT json_build_object('commands', coalesce(json_agg(json_build_object("
	"           'id', id, 'kind', kind, 'args', args) ORDER BY id), '[]'),"
	"           'server_time', $8::text)::text AS body, count(*) AS n FROM u),"
	" keep AS (INSERT INTO idempotency (analyst_id, key, fingerprint, status, body)"
	"       SELECT $6::bigint, $7::text, $9::text, 200, body FROM ans"
	"        WHERE $7::text IS NOT NULL AND n > 0"
	"       ON CONFLICT DO NOTHING RETURNING 1)"
	" SELECT (SELECT body FROM ans), (SELECT n FROM ans),"
	"        (SELECT t.client_version FROM endpoint e JOIN tenant t ON t.id = e.tenant_id"
	"           JOIN client_release cr ON cr.version = t.client_version"
	"          WHERE e.id = $1 AND NOT $5::boolean AND NOT EXISTS (SELECT 1 FROM idem)"
	"            AND t.client_version IS DISTINCT FROM coalesce($3, e.client_version)"
	"            AND NOT EXISTS (SELECT 1 FROM command c WHERE c.endpoint_id = e.id"
	"                AND c.kind = 'upgrade' AND c.state IN ('queued', 'delivered')"
	"                AND c.args->>'version' = t.client_version)),"
	"        (SELECT status FROM idem), (SELECT body FROM idem),"
	"        (SELECT fingerprint FROM idem),"
	"        EXISTS (SELECT 1 FROM command WHERE endpoint_id = $1 AND state = 'queued'),"
	"        (SELECT (extract(epoch FROM last_seen) * 1000000)::bigint FROM cur),"
	"        (SELECT client_version FROM cur), (SELECT last_error IS NOT NULL FROM cur),"
	"        (SELECT CASE WHEN count(*) > 64 THEN NULL ELSE coalesce(json_agg(key), '[]') END"
	"           FROM (SELECT key FROM idempotency WHERE analyst_id = $6::bigint LIMIT 65) k)::text,"
	"        (SELECT count(*) FROM keep)";

enum { HB_BODY, HB_N, HB_UPGRADE, HB_IDEM_STATUS, HB_IDEM_BODY, HB_IDEM_FP, HB_QUEUED,
       HB_LAST_SEEN, HB_VERSION, HB_HAS_ERROR, HB_KEYS, HB_KEPT };

/* After an upgrade was queued: deliver now rather than at the next
 * contact, keeping the answer as hb_sql does. */
static const char hb_deliver_sql[] =
	"WITH p AS (SELECT id FROM command WHERE endpoint_id = $1 AND state = 'queued'"
	"           ORDER BY id LIMIT 100 FOR UPDATE SKIP LOCKED),"
	" u AS (UPDATE command c SET state = 'delivered', delivered_at = $2"
	"       FROM p WHERE c.id = p.id RETURNING c.id, c.kind, c.args),"
	" ans AS (SELECT json_build_object('commands', coalesce(json_agg(json_build_object("
	"           'id', id, 'kind', kind, 'args', args) ORDER BY id), '[]'),"
	"           'server_time', $5::text)::text AS body, count(*) AS n FROM u),"
	" keep AS (INSERT INTO idempotency (analyst_id, key, fingerprint, status, body)"
	"       SELECT $3::bigint, $4::text, $6::text, 200, body FROM ans"
	"        WHERE $4::text IS NOT NULL AND n > 0"
	"       ON CONFLICT DO NOTHING RETURNING 1)"
	" SELECT (SELECT body FROM ans), (SELECT n FROM ans), (SELECT count(*) FROM keep)";

/* The answer without commands: {"commands":[],"server_time":"..."}. */
static int hb_empty(struct req *rq, struct resp *rs)
{
	char now[40];
	clk_fmt(rq->now_us, now, sizeof now);
	free(rs->body);
	size_t cap = strlen(now) + 48;
	rs->body = malloc(cap);
	if (rs->body == NULL)
		return rs_err(rs, 500, "internal", "out of memory");
	int n = snprintf(rs->body, cap, "{\"commands\":[],\"server_time\":\"%s\"}", now);
	rs->len = (size_t)n;
	rs->status = 200;
	return 200;
}

/* An answer the database rendered (commands delivered). */
static int hb_text(struct resp *rs, int status, const char *body)
{
	free(rs->body);
	rs->body = strdup(body);
	if (rs->body == NULL)
		return rs_err(rs, 500, "internal", "out of memory");
	rs->len = strlen(rs->body);
	rs->status = status;
	return status;
}

/* "errors": [...] joined with "; " (the endpoints pane shows one line)
 * into *out (NULL when none). -1 with a 400 in rs. */
static int hb_errors(struct req *rq, struct resp *rs, char **out)
{
	*out = NULL;
	json_t *errs = json_object_get(rq->json, "errors");
	if (errs == NULL || json_is_null(errs))
		return 0;
	if (!json_is_array(errs) || json_array_size(errs) > 100) {
		rs_err(rs, 400, "bad_field", "$.errors: must be an array of at most 100 strings");
		return -1;
	}
	char *last_error = NULL;
	size_t len = 0, i;
	json_t *e;
	json_array_foreach(errs, i, e) {
		if (!json_is_string(e) || json_string_length(e) > 4096) {
			free(last_error);
			rs_err(rs, 400, "bad_field",
			       "$.errors[%zu]: must be a string of at most 4096 bytes", i);
			return -1;
		}
		size_t n = json_string_length(e);
		char *nb = realloc(last_error, len + n + 3);
		if (nb == NULL)
			break;
		last_error = nb;
		if (len > 0) {
			memcpy(last_error + len, "; ", 2);
			len += 2;
		}
		memcpy(last_error + len, json_string_value(e), n);
		len += n;
		last_error[len] = '\0';
	}
	*out = last_error;
	return 0;
}

/* What the statement found, for the memory (stored only when clear). */
static void hb_remember(struct req *rq, uint64_t ticket, const PGresult *r, bool clear)
{
	int64_t ep = rq->actor.endpoint_id;
	if (!clear || rq->resumed) {
		/* A resumed poll skips the contact and the upgrade check: it
		 * cannot vouch for either. */
		cache_hb_done(ep, ticket, NULL);
		return;
	}
	json_t *keys = PQgetisnull(r, 0, HB_KEYS) ? NULL
		: json_loads(PQgetvalue(r, 0, HB_KEYS), 0, NULL);
	const char *kv[CACHE_HB_MAX_KEYS];
	size_t nk = 0;
	bool many = keys == NULL || !json_is_array(keys) ||
	            json_array_size(keys) > CACHE_HB_MAX_KEYS;
	if (!many) {
		size_t i;
		json_t *k;
		json_array_foreach(keys, i, k) {
			if (!json_is_string(k)) {
				many = true;
				break;
			}
			kv[nk++] = json_string_value(k);
		}
	}
	struct hb_seen s = {
		.actor = rq->actor.id,
		.has_last_seen = !PQgetisnull(r, 0, HB_LAST_SEEN),
		.last_seen_us = db_i64(r, 0, HB_LAST_SEEN),
		.version = PQgetisnull(r, 0, HB_VERSION) ? NULL : PQgetvalue(r, 0, HB_VERSION),
		.has_error = strcmp(PQgetvalue(r, 0, HB_HAS_ERROR), "t") == 0,
		.clear = true,
		.many_keys = many,
		.keys = many ? NULL : kv,
		.nkeys = many ? 0 : nk,
	};
	cache_hb_done(ep, ticket, &s);
	json_decref(keys);
}

/* The answer to return, or 0 to wait (rq->want_wait). */
static int hb_answer(struct req *rq, struct resp *rs, bool wait, bool delivered,
                     const char *body)
{
	if (delivered)
		return hb_text(rs, 200, body);
	if (wait && !rq->resumed) {
		rq->want_wait = true;
		rq->wait_endpoint = rq->actor.endpoint_id;
		return 0;
	}
	return hb_empty(rq, rs);
}

int r_agent_heartbeat(struct req *rq, struct resp *rs)
{
	static const char *const ok[] = {"client_version", "errors", "wait", NULL};
	const char *version;
	bool wait;
	char *last_error = NULL;
	if (jv_only(rq->json, ok, rs) != 0 ||
	    jv_str(rq->json, "client_version", false, 64, &version, rs) != 0 ||
	    jv_bool(rq->json, "wait", false, &wait, rs) != 0 ||
	    hb_errors(rq, rs, &last_error) != 0)
		return 400;
	int64_t ep = rq->actor.endpoint_id;
	/* Nothing to record, nothing to deliver, no answer kept under this
	 * key: the memory says so and the database is not asked. */
	struct hb_ask q = {
		.actor = rq->actor.id,
		.key = rq->idem_key,
		.version = version,
		.has_error = last_error != NULL,
		.contact = !rq->resumed,
		.now_us = rq->now_us,
	};
	if (cache_hb_idle(ep, &q)) {
		free(last_error);
		return hb_answer(rq, rs, wait, false, NULL);
	}
	if (cache_request_wants_sync()) {
		/* Memory would answer: run again after the barrier. */
		free(last_error);
		rq->want_sync = true;
		return 0;
	}
	cache_hb_count_db();
	char eb[24], ab[24], ts[40], now[40], fpb[65];
	const char *fp = NULL;
	if (rq->idem_key != NULL) {
		idem_fingerprint(rq->method, rq->path, rq->body, rq->len, fpb);
		fp = fpb;
	}
	i64s(eb, ep);
	i64s(ab, rq->actor.id);
	wf_ts(rq->now_us, ts);
	clk_fmt(rq->now_us, now, sizeof now);
	uint64_t ticket = cache_hb_ticket(ep);
	char fresh[24];
	i64s(fresh, cache_hb_fresh_us(ep));
	PGresult *r = DBP(rq->db, "heartbeat", hb_sql, eb, ts, version, last_error,
	                  rq->resumed ? "t" : "f", ab, rq->idem_key, now, fp, fresh);
	free(last_error);
	if (!db_ok(r)) {
		cache_hb_done(ep, ticket, NULL);
		return rs_db(rq, rs, r);
	}
	if (!PQgetisnull(r, 0, HB_IDEM_STATUS)) {
		/* A repeat: the first answer, or 422 for another request. */
		int st;
		if (fp == NULL || strcmp(PQgetvalue(r, 0, HB_IDEM_FP), fp) != 0)
			st = rs_err(rs, 422, "idempotency_mismatch",
			            "this Idempotency-Key was used for a different request");
		else
			st = hb_text(rs, (int)db_i64(r, 0, HB_IDEM_STATUS),
			             PQgetvalue(r, 0, HB_IDEM_BODY));
		PQclear(r);
		cache_hb_done(ep, ticket, NULL);
		return st;
	}
	bool delivered = db_i64(r, 0, HB_N) > 0;
	bool clear = !delivered && PQgetisnull(r, 0, HB_UPGRADE) &&
	             strcmp(PQgetvalue(r, 0, HB_QUEUED), "f") == 0;
	hb_remember(rq, ticket, r, clear);
	char *body = delivered ? strdup(PQgetvalue(r, 0, HB_BODY)) : NULL;
	char *upgrade = db_strdup(r, 0, HB_UPGRADE);
	PQclear(r);
	if (upgrade != NULL) {
		int rc = queue_upgrade(rq, upgrade);
		free(upgrade);
		if (rc != 0) {
			free(body);
			return rs_db(rq, rs, NULL);
		}
		/* Deliver it now rather than at the next contact, unless this
		 * answer already carries commands (then it goes with the next
		 * heartbeat: an answer never drops what it delivered). */
		if (!delivered) {
			r = DBQ(rq->db, hb_deliver_sql, eb, ts, ab, rq->idem_key, now, fp);
			if (!db_ok(r)) {
				free(body);
				return rs_db(rq, rs, r);
			}
			delivered = db_i64(r, 0, 1) > 0;
			body = delivered ? strdup(PQgetvalue(r, 0, 0)) : NULL;
			PQclear(r);
		}
	}
	if (delivered && body == NULL)
		return rs_err(rs, 500, "internal", "out of memory");
	int st = hb_answer(rq, rs, wait, delivered, body);
	free(body);
	return st;
}

int r_agent_result(struct req *rq, struct resp *rs)
{
	static const char *const ok[] = {"status", "detail", NULL};
	static const char *const statuses[] = {"done", "failed", NULL};
	const char *status;
	if (jv_only(rq->json, ok, rs) != 0 ||
	    jv_enum(rq->json, "status", true, statuses, &status, rs) != 0)
		return 400;
	json_t *detail = json_object_get(rq->json, "detail");
	char *detail_s = detail != NULL ? json_dumps(detail, JSON_COMPACT | JSON_ENCODE_ANY)
	                                : NULL;
	char ib[24], ts[40];
	wf_ts(rq->now_us, ts);
	PGresult *r = DBQ(rq->db,
		"SELECT endpoint_id, tenant_id, kind, state, to_jsonb(c)::text FROM command c"
		" WHERE id = $1 FOR UPDATE", i64s(ib, rq->id));
	if (!db_ok(r)) {
		free(detail_s);
		return rs_db(rq, rs, r);
	}
	int st = 0;
	if (PQntuples(r) == 0)
		st = rs_err(rs, 404, "not_found", "no command %lld", (long long)rq->id);
	else if (db_i64(r, 0, 0) != rq->actor.endpoint_id)
		st = rs_err(rs, 403, "forbidden", "command %lld is not for this endpoint",
		            (long long)rq->id);
	else if (strcmp(PQgetvalue(r, 0, 3), "delivered") != 0 &&
	         strcmp(PQgetvalue(r, 0, 3), "queued") != 0)
		st = rs_errx(rs, 409, "invalid_transition",
		             json_pack("{s:s}", "state", PQgetvalue(r, 0, 3)),
		             "command %lld is already %s", (long long)rq->id,
		             PQgetvalue(r, 0, 3));
	if (st != 0) {
		PQclear(r);
		free(detail_s);
		return st;
	}
	int64_t tenant = db_i64(r, 0, 1);
	char kind[32];
	snprintf(kind, sizeof kind, "%s", PQgetvalue(r, 0, 2));
	char *before = strdup(PQgetvalue(r, 0, 4));
	PQclear(r);
	r = DBQ(rq->db,
		"UPDATE command SET state = $2, finished_at = $3,"
		" delivered_at = coalesce(delivered_at, $3),"
		" result = jsonb_build_object('status', $2::text, 'detail', $4::jsonb)"
		" WHERE id = $1 RETURNING to_jsonb(command)::text", ib, status, ts, detail_s);
	free(detail_s);
	if (!db_ok(r)) {
		free(before);
		return rs_db(rq, rs, r);
	}
	char ob[40];
	snprintf(ob, sizeof ob, "command:%lld", (long long)rq->id);
	int rc = wf_audit(rq->db, rq->actor.name, "command.result", ob, tenant, before,
	                  PQgetvalue(r, 0, 0), NULL);
	PQclear(r);
	free(before);
	/* the isolation state follows what the endpoint did. */
	bool done = strcmp(status, "done") == 0;
	const char *iso = NULL;
	if (strcmp(kind, "isolate") == 0)
		iso = done ? "isolated" : "none";
	else if (strcmp(kind, "release") == 0)
		iso = done ? "none" : "isolated";
	if (rc == 0 && iso != NULL) {
		char eb[24];
		r = DBQ(rq->db,
			"WITH old AS (SELECT to_jsonb(e)::text AS j FROM endpoint e WHERE id = $1)"
			" UPDATE endpoint SET isolation = $2 WHERE id = $1"
			" RETURNING (SELECT j FROM old), to_jsonb(endpoint)::text",
			i64s(eb, rq->actor.endpoint_id), iso);
		if (!db_ok(r) || PQntuples(r) != 1) {
			rc = -1;
		} else {
			snprintf(ob, sizeof ob, "endpoint:%lld", (long long)rq->actor.endpoint_id);
			rc = wf_audit(rq->db, rq->actor.name, "endpoint.isolation", ob, tenant,
			              PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1), "R-22");
		}
		PQclear(r);
	}
	if (rc != 0)
		return rs_db(rq, rs, NULL);
	bool dberr;
	json_t *j = wf_command_json(rq->db, rq->id, &dberr);
	if (j == NULL)
		return rs_db(rq, rs, NULL);
	return rs_json(rs, 200, j);
}

/* Store one alert through the shared rule code (db_alert_store: R-8,
 * R-10, R-12, R-21). *id receives the alert id; 1 new, 0 known, -2 bad
 * values (*err), -1 database. */
static int store_alert(struct req *rq, struct ev_alert *al, int64_t *id, char **err)
{
	struct db_alert_info info;
	al->received_us = rq->now_us;
	int rc = db_alert_store(rq->db, rq->actor.endpoint_tenant, rq->actor.endpoint_id,
	                        al, &info, err);
	if (rc == 1) {
		*id = info.id;
		return 1;
	}
	if (rc < 0)
		return rc;
	char eb[24], ts[40];
	PGresult *r = DBQ(rq->db,
		"SELECT id FROM alert WHERE endpoint_id = $1 AND detected_at = $2 AND path = $3"
		"   AND sha256 IS NOT DISTINCT FROM $4 ORDER BY id LIMIT 1",
		i64s(eb, rq->actor.endpoint_id), wf_ts(al->detected_us, ts), al->path, al->sha256);
	if (!db_ok(r) || PQntuples(r) != 1) {
		PQclear(r);
		*err = strdup("alert stored but not found again");
		return -1;
	}
	*id = db_i64(r, 0, 0);
	PQclear(r);
	return 0;
}

int r_agent_alerts(struct req *rq, struct resp *rs)
{
	static const char *const ok[] = {"detected_at", "path", "sha256", "detection",
	                                 "action", NULL};
	static const char *const actions[] = {"blocked", "allowed", NULL};
	const char *path, *detection, *act;
	char sha[65];
	bool has_sha;
	int64_t detected;
	if (jv_only(rq->json, ok, rs) != 0 ||
	    jv_time(rq->json, "detected_at", true, &detected, rs) != 0 ||
	    jv_str(rq->json, "path", true, 4096, &path, rs) != 0 ||
	    jv_sha256(rq->json, "sha256", false, sha, &has_sha, rs) != 0 ||
	    jv_str(rq->json, "detection", false, 1024, &detection, rs) != 0 ||
	    jv_enum(rq->json, "action", false, actions, &act, rs) != 0)
		return 400;
	struct ev_alert al = {0};
	al.host = strdup(rq->actor.name + strlen("endpoint:"));
	al.detected_us = detected;
	al.path = strdup(path);
	al.sha256 = has_sha ? strdup(sha) : NULL;
	al.detection = detection != NULL ? strdup(detection) : NULL;
	al.action = act != NULL ? strdup(act) : NULL;
	int64_t id = 0;
	char *err = NULL;
	int rc = store_alert(rq, &al, &id, &err);
	ev_alert_clear(&al);
	if (rc == -2) {
		int st = rs_err(rs, 400, "bad_field", "%s", err != NULL ? err : "bad alert");
		free(err);
		return st;
	}
	if (rc < 0) {
		fprintf(stderr, "itrace-cmdd: store alert: %s\n", err != NULL ? err : "?");
		free(err);
		return rs_db(rq, rs, NULL);
	}
	free(err);
	bool dberr;
	json_t *j = wf_alert_json(rq->db, id, &dberr);
	if (j == NULL)
		return rs_db(rq, rs, NULL);
	return rs_json(rs, rc == 1 ? 201 : 200, j);
}

int r_agent_events(struct req *rq, struct resp *rs)
{
	char *err = NULL;
	struct db_evload *l = db_evload_new(cmdd_cfg.db, &err);
	if (l == NULL) {
		fprintf(stderr, "itrace-cmdd: events: %s\n", err != NULL ? err : "?");
		free(err);
		return rs_err(rs, 503, "db_unavailable", "the database is unavailable; retry later");
	}
	/* the tenant's tuning rules, applied here on the server, so a
	 * rule added with `itrace-cmdd tuning add` applies to the next POST. */
	const struct tun_rules *tun = NULL;
	struct tc_set *tset = tcache_get(rq->db, rq->actor.endpoint_tenant, &tun);
	struct tun_md *md = tset != NULL ? tun_md_new() : NULL;
	if (md == NULL) {
		if (tset != NULL)
			tcache_put(tset);
		db_evload_free(l);
		return rs_db(rq, rs, NULL);
	}
	json_t *errors = json_array();
	int64_t lines = 0, alerts = 0, skipped = 0, rejected = 0, excluded = 0;
	const char *p = rq->body, *end = rq->body + rq->len;
	int st = 0;
	while (p < end && st == 0) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl != NULL ? nl : end;
		size_t len = (size_t)(le - p);
		lines++;
		while (len > 0 && (p[len - 1] == '\r' || p[len - 1] == ' '))
			len--;
		if (len > 0) {
			struct ev ev;
			struct ev_alert al = {0};
			char why[256];
			ev_init(&ev);
			enum ll_result k = ll_parse(p, len, &ev, &al, why, sizeof why);
			if (k == LL_EVENT && db_event_check(&ev, why, sizeof why) != 0)
				k = LL_ERROR;
			if (k == LL_EVENT && tun_match_md(tun, &ev, md) >= 0) {
				excluded++;
			} else if (k == LL_EVENT) {
				if (db_evload_add(l, rq->actor.endpoint_id, &ev,
				                  ll_dedup_key(p, len), &err) != 0)
					st = -1;
			} else if (k == LL_ALERT) {
				free(al.host);
				al.host = strdup(rq->actor.name + strlen("endpoint:"));
				int64_t id;
				char *aerr = NULL;
				int rc = store_alert(rq, &al, &id, &aerr);
				if (rc >= 0) {
					alerts++;
				} else if (rc == -2) {
					snprintf(why, sizeof why, "%s", aerr != NULL ? aerr : "bad alert");
					k = LL_ERROR;
				} else {
					st = -1;
				}
				free(aerr);
			} else if (k == LL_SKIP) {
				skipped++;
			}
			if (k == LL_ERROR) {
				rejected++;
				if (json_array_size(errors) < 100) {
					char msg[300];
					snprintf(msg, sizeof msg, "line %lld: %s", (long long)lines, why);
					json_t *m = json_string(msg);
					json_array_append_new(errors, m != NULL ? m
						: json_string("line: (unprintable reason)"));
				}
			}
			ev_clear(&ev);
			ev_alert_clear(&al);
		}
		p = le + 1;
	}
	if (st == 0 && db_evload_flush(l, &err) != 0)
		st = -1;
	struct db_evload_stats stats;
	db_evload_get_stats(l, &stats);
	db_evload_free(l);
	tun_md_free(md);
	tcache_put(tset);
	if (st != 0) {
		fprintf(stderr, "itrace-cmdd: events: %s\n", err != NULL ? err : "?");
		free(err);
		json_decref(errors);
		return rs_db(rq, rs, NULL);
	}
	free(err);
	return rs_json(rs, 200, json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:o}",
		"lines", (json_int_t)lines, "events", (json_int_t)stats.loaded,
		"duplicates", (json_int_t)stats.duplicate, "alerts", (json_int_t)alerts,
		"skipped", (json_int_t)skipped, "rejected", (json_int_t)rejected,
		"excluded", (json_int_t)excluded, "errors", errors));
}
