/* fuzz_api.c - itrace-cmdd's request handling up to the database.
 *
 * What is pure in src/cmdd and fuzzed here, with the daemon's own code
 * (http.c, jv.c and idem.c are compiled into this file, so their static
 * functions are reachable):
 *   - routing: route_lookup() / route_find() over any method and path;
 *   - the access log's path filter (log_path: visible ASCII, capped);
 *   - the Idempotency-Key check and request fingerprint;
 *   - body parsing exactly as the daemon does it (parse_body: empty body
 *     is {}, JSON_REJECT_DUPLICATES, must be an object; raw NDJSON routes
 *     untouched);
 *   - validation with jv.c (jv_only, jv_str, jv_enum, jv_bool, jv_int,
 *     jv_sha256, jv_time) against each route's field list as the handlers
 *     and src/cmdd/README.md state it (the table below), and the error
 *     bodies (rs_err) built from client input.
 * What is not: the handlers themselves lock rows and read the database
 * before they finish validating, so they are not called in this build.
 * tests/fuzz/run.sh also builds a second variant, -DFUZZ_API_HANDLERS,
 * linked with the real route objects, in which every handler runs with
 * the database unreachable (connection NULL): validation runs for real and
 * the first query must turn into a clean 503 (rs_db), never a crash.
 *
 * Input: one line "METHOD PATH", one line for the Idempotency-Key header,
 * one byte choosing the caller (handlers build), then the body.
 *
 * Invariants: every answer is one well-formed JSON error object with a
 * known code; a route found has the method asked and an id >= 1 where its
 * pattern has one; a path not found is 404 or 405; validated values
 * respect their limits (lengths, enums, ranges, 64 lower-case hex,
 * RFC 3339); log_path writes only visible ASCII.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdd/http.c"
#include "cmdd/jv.c"
#include "cmdd/idem.c"
#include "fuzz.h"

#ifndef FUZZ_API_HANDLERS
/* ---- the rest of the daemon, never reached by this target ---- */
#define FZA_UNREACHED(name)                                                  \
	int name(struct req *rq, struct resp *rs)                            \
	{                                                                    \
		(void)rq;                                                    \
		(void)rs;                                                    \
		fz_fail(__FILE__, __LINE__, "handler %s called", #name);     \
	}
FZA_UNREACHED(r_health)
FZA_UNREACHED(r_alert_get)
FZA_UNREACHED(r_alert_claim)
FZA_UNREACHED(r_alert_unclaim)
FZA_UNREACHED(r_alert_verdict)
FZA_UNREACHED(r_alert_reports)
FZA_UNREACHED(r_alert_answer)
FZA_UNREACHED(r_alert_escalate)
FZA_UNREACHED(r_alert_undup)
FZA_UNREACHED(r_alert_close)
FZA_UNREACHED(r_endpoint_get)
FZA_UNREACHED(r_endpoint_isolate)
FZA_UNREACHED(r_endpoint_release)
FZA_UNREACHED(r_endpoint_delete)
FZA_UNREACHED(r_endpoint_fetch)
FZA_UNREACHED(r_tenant_exception)
FZA_UNREACHED(r_command_get)
FZA_UNREACHED(r_report_get)
FZA_UNREACHED(r_agent_heartbeat)
FZA_UNREACHED(r_agent_result)
FZA_UNREACHED(r_agent_alerts)
FZA_UNREACHED(r_agent_events)
#undef FZA_UNREACHED

struct cmdd_cfg cmdd_cfg = {.body_limit = 1u << 20, .events_limit = 16u << 20,
                            .longpoll_max_s = 25, .threads = 2};
bool agent_has_pending(PGconn *c, int64_t ep) { (void)c; (void)ep; return false; }
bool auth_can_write(const struct actor *a) { return a->role != ROLE_VIEWER; }
int auth_lookup(PGconn *c, const char *h, struct actor *a)
{
	(void)c, (void)h, (void)a;
	return 1;
}
const char *role_name(enum role r) { return r == ROLE_VIEWER ? "viewer" : "other"; }
const char *clk_fmt(int64_t us, char *buf, size_t len)
{
	ev_format_time(us, buf, len);
	return buf;
}
int64_t clk_mono_ms(void) { return 0; }
int64_t clk_now_us(void) { return INT64_C(1764032400000000); }
int64_t db_i64(const PGresult *r, int row, int col) { (void)r, (void)row, (void)col; return 0; }
bool db_lost(PGconn *c) { (void)c; return true; }
bool db_ok(const PGresult *r) { (void)r; return false; }
PGresult *dbx(PGconn *c, const char *sql, int n, const char *const *p)
{
	(void)c, (void)sql, (void)n, (void)p;
	return NULL;
}
const char *i64s(char *buf, int64_t v)
{
	snprintf(buf, 24, "%lld", (long long)v);
	return buf;
}
struct lp_waiter *lp_add(int64_t ep, struct MHD_Connection *c, int64_t deadline_ms)
{
	(void)ep, (void)c, (void)deadline_ms;
	return NULL;
}
void lp_remove(struct lp_waiter *w) { (void)w; }
void lp_shutdown(void) {}
bool lp_suspend(struct lp_waiter *w) { (void)w; return false; }
void lp_wake(int64_t ep) { (void)ep; }
void pool_drop(void) {}
PGconn *pool_get(void) { return NULL; }
/* cache.c / longpoll.c: the in-memory heartbeat path is never reached. */
void cache_request_start(int synced) { (void)synced; }
bool lp_sync_suspend(struct lp_sync *w, struct MHD_Connection *c)
{
	(void)c;
	w->result = -1;
	return false;
}
void lp_sync_cancel(struct lp_sync *w) { (void)w; }
#else
/* Linked with the real objects but main.o: what main.c defines. */
struct cmdd_cfg cmdd_cfg = {.body_limit = 1u << 20, .events_limit = 16u << 20,
                            .longpoll_max_s = 25, .threads = 2};
int r_health(struct req *rq, struct resp *rs)
{
	(void)rq;
	return rs_err(rs, 503, "db_unavailable", "no database in the fuzzer");
}
#endif

/* ---- the routes' fields (handlers and src/cmdd/README.md) ---- */

enum fza_type { FZA_STR, FZA_ENUM, FZA_BOOL, FZA_INT, FZA_SHA, FZA_TIME, FZA_ANY };

struct fza_field {
	const char *name;
	enum fza_type type;
	bool required;
	int64_t max;                    /* string bytes, or integer maximum */
	const char *const *choices;     /* FZA_ENUM */
};

struct fza_route {
	const char *method, *suffix;    /* matched against the path's end */
	struct fza_field f[7];
};

static const char *const fza_phases[] = {"quick", "explanatory", NULL};
static const char *const fza_verdicts[] = {"black", "gray", "white", NULL};
static const char *const fza_kinds[] = {"quick", "explanatory", NULL};
static const char *const fza_langs[] = {"ja", "en", NULL};
static const char *const fza_status[] = {"done", "failed", NULL};
static const char *const fza_actions[] = {"blocked", "allowed", NULL};

#define V32 {"version", FZA_INT, false, INT32_MAX, NULL}
static const struct fza_route fza_routes[] = {
	{"POST", "/claim", {V32}},
	{"POST", "/unclaim", {V32}},
	{"POST", "/undup", {V32}},
	{"POST", "/verdict", {{"phase", FZA_ENUM, true, 64, fza_phases},
	                      {"verdict", FZA_ENUM, true, 64, fza_verdicts},
	                      {"comment", FZA_STR, false, 65536, NULL},
	                      {"needs_explanatory", FZA_BOOL, false, 0, NULL},
	                      {"version", FZA_INT, true, INT32_MAX, NULL}}},
	{"POST", "/reports", {{"kind", FZA_ENUM, true, 64, fza_kinds},
	                      {"comment", FZA_STR, false, 65536, NULL},
	                      {"lang", FZA_ENUM, false, 64, fza_langs},
	                      {"alerts", FZA_ANY, false, 0, NULL}, V32}},
	{"POST", "/answer", {{"by", FZA_STR, false, 256, NULL},
	                     {"note", FZA_STR, false, 65536, NULL},
	                     {"intended", FZA_ANY, false, 0, NULL}, V32}},
	{"POST", "/escalate", {{"reason", FZA_STR, false, 4096, NULL}, V32}},
	{"POST", "/close", {{"comment", FZA_STR, false, 4096, NULL}, V32}},
	{"POST", "/isolate", {{"reason", FZA_STR, false, 4096, NULL},
	                      {"urgent", FZA_BOOL, false, 0, NULL},
	                      {"alert_id", FZA_INT, false, INT64_MAX, NULL}}},
	{"POST", "/release", {{"reason", FZA_STR, false, 4096, NULL},
	                      {"urgent", FZA_BOOL, false, 0, NULL},
	                      {"alert_id", FZA_INT, false, INT64_MAX, NULL}}},
	{"POST", "/files/delete", {{"reason", FZA_STR, false, 4096, NULL},
	                           {"urgent", FZA_BOOL, false, 0, NULL},
	                           {"path", FZA_STR, true, 4096, NULL},
	                           {"sha256", FZA_SHA, false, 64, NULL},
	                           {"alert_id", FZA_INT, false, INT64_MAX, NULL}}},
	{"POST", "/files/fetch", {{"reason", FZA_STR, false, 4096, NULL},
	                          {"urgent", FZA_BOOL, false, 0, NULL},
	                          {"path", FZA_STR, true, 4096, NULL},
	                          {"sha256", FZA_SHA, false, 64, NULL},
	                          {"alert_id", FZA_INT, false, INT64_MAX, NULL}}},
	{"POST", "/exceptions", {{"sha256", FZA_SHA, false, 64, NULL},
	                         {"path", FZA_STR, false, 4096, NULL},
	                         {"reason", FZA_STR, false, 4096, NULL},
	                         {"urgent", FZA_BOOL, false, 0, NULL},
	                         {"alert_id", FZA_INT, false, INT64_MAX, NULL}}},
	{"POST", "/heartbeat", {{"client_version", FZA_STR, false, 64, NULL},
	                        {"wait", FZA_BOOL, false, 0, NULL},
	                        {"errors", FZA_ANY, false, 0, NULL}}},
	{"POST", "/result", {{"status", FZA_ENUM, true, 64, fza_status},
	                     {"detail", FZA_ANY, false, 0, NULL}}},
	{"POST", "/agent/alerts", {{"detected_at", FZA_TIME, true, 64, NULL},
	                           {"path", FZA_STR, true, 4096, NULL},
	                           {"sha256", FZA_SHA, false, 64, NULL},
	                           {"detection", FZA_STR, false, 1024, NULL},
	                           {"action", FZA_ENUM, false, 64, fza_actions}}},
};
#undef V32

static const struct fza_route *fza_route_of(const char *method, const char *path)
{
	size_t pl = strlen(path);
	if (pl > 0 && path[pl - 1] == '/')
		pl--;
	for (size_t i = 0; i < sizeof fza_routes / sizeof fza_routes[0]; i++) {
		size_t sl = strlen(fza_routes[i].suffix);
		if (strcmp(method, fza_routes[i].method) == 0 && pl >= sl &&
		    strncmp(path + pl - sl, fza_routes[i].suffix, sl) == 0)
			return &fza_routes[i];
	}
	return NULL;
}

/* ---- checks ---- */

/* A response must be {"error":{"code":KNOWN,"message":STRING,...}} (or a
 * success from a handler). */
static void fza_check_resp(const struct resp *rs, int want_status)
{
	FZ_CHECK(rs->body != NULL && rs->len == strlen(rs->body), "response body/len");
	FZ_CHECK(want_status == 0 || rs->status == want_status, "status %d, want %d",
	         rs->status, want_status);
	json_error_t je;
	json_t *j = json_loads(rs->body, 0, &je);
	FZ_CHECK(j != NULL && json_is_object(j), "response is not a JSON object: %s", rs->body);
	if (rs->status >= 400) {
		json_t *e = json_object_get(j, "error");
		const char *code = json_string_value(json_object_get(e, "code"));
		static const char *const codes[] = {
			"bad_json", "bad_field", "unknown_field", "bad_header", "unauthorized",
			"forbidden", "not_found", "method_not_allowed", "stale_version",
			"invalid_transition", "invalid_state", "outside_business_hours",
			"payload_too_large", "idempotency_mismatch", "internal",
			"db_unavailable", NULL};
		bool known = false;
		for (size_t i = 0; code != NULL && codes[i] != NULL; i++)
			known |= strcmp(code, codes[i]) == 0;
		FZ_CHECK(known, "unknown error code in %s", rs->body);
		FZ_CHECK(json_is_string(json_object_get(e, "message")), "no message in %s",
		         rs->body);
	}
	json_decref(j);
}

static bool fza_is_lower_hex64(const char *s)
{
	if (strlen(s) != 64)
		return false;
	for (size_t i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* Validate obj as route r would; every outcome checked. */
static void fza_validate(const json_t *obj, const struct fza_route *r)
{
	const char *allowed[8];
	size_t na = 0;
	for (size_t i = 0; i < 7 && r->f[i].name != NULL; i++)
		allowed[na++] = r->f[i].name;
	allowed[na] = NULL;

	struct resp rs = {0};
	bool all_known = true;
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)obj, k, v) {
		bool ok = false;
		for (size_t i = 0; i < na; i++)
			ok |= strcmp(allowed[i], k) == 0;
		all_known &= ok;
	}
	int rc = jv_only(obj, allowed, &rs);
	FZ_CHECK((rc == 0) == all_known, "jv_only says %d for %s known fields", rc,
	         all_known ? "all" : "not all");
	if (rc != 0) {
		fza_check_resp(&rs, 400);
		rs_free(&rs);
		return;
	}
	for (size_t i = 0; i < na; i++) {
		const struct fza_field *f = &r->f[i];
		json_t *jvv = json_object_get(obj, f->name);
		bool absent = jvv == NULL || json_is_null(jvv);
		const char *s = NULL;
		bool b = false, present = false;
		int64_t n = 0;
		char sha[65];
		switch (f->type) {
		case FZA_STR:
			rc = jv_str(obj, f->name, f->required, (size_t)f->max, &s, &rs);
			if (rc == 0) {
				FZ_CHECK(absent ? s == NULL : s != NULL, "%s: presence", f->name);
				FZ_CHECK(s == NULL || strlen(s) <= (size_t)f->max, "%s: too long", f->name);
				FZ_CHECK(!f->required || (s != NULL && s[0] != '\0'), "%s: required",
				         f->name);
			}
			break;
		case FZA_ENUM:
			rc = jv_enum(obj, f->name, f->required, f->choices, &s, &rs);
			if (rc == 0 && s != NULL) {
				bool in = false;
				for (size_t c = 0; f->choices[c] != NULL; c++)
					in |= strcmp(f->choices[c], s) == 0;
				FZ_CHECK(in, "%s: \"%s\" is not a choice", f->name, s);
			}
			if (rc == 0)
				FZ_CHECK(!f->required || s != NULL, "%s: required", f->name);
			break;
		case FZA_BOOL:
			rc = jv_bool(obj, f->name, true, &b, &rs);
			if (rc == 0)
				FZ_CHECK(absent ? b : b == json_is_true(jvv), "%s: value", f->name);
			break;
		case FZA_INT:
			rc = jv_int(obj, f->name, f->required, 1, f->max, &n, &present, &rs);
			if (rc == 0) {
				FZ_CHECK(present == !absent, "%s: presence", f->name);
				FZ_CHECK(!present || (n >= 1 && n <= f->max), "%s: %lld out of range",
				         f->name, (long long)n);
			}
			break;
		case FZA_SHA:
			rc = jv_sha256(obj, f->name, f->required, sha, &present, &rs);
			if (rc == 0 && present)
				FZ_CHECK(fza_is_lower_hex64(sha), "%s: \"%s\"", f->name, sha);
			break;
		case FZA_TIME:
			rc = jv_time(obj, f->name, f->required, &n, &rs);
			break;
		case FZA_ANY:
			rc = 0;
			break;
		}
		if (rc != 0) {
			FZ_CHECK(rc == -1, "%s: rc %d", f->name, rc);
			fza_check_resp(&rs, 400);
			rs_free(&rs);
			return;
		}
		FZ_CHECK(rs.body == NULL, "%s: a body was set on success", f->name);
	}
}

#ifdef FUZZ_API_HANDLERS
/* The real handler, database unreachable. */
static void fza_handler(const struct route *route, struct conn_state *cs, unsigned who)
{
	struct req *rq = &cs->rq;
	memset(&rq->actor, 0, sizeof rq->actor);
	rq->actor.id = 1;
	snprintf(rq->actor.name, sizeof rq->actor.name, "fuzz");
	rq->actor.role = route->agent ? ROLE_ENDPOINT
	               : (enum role)(who % 3);   /* viewer, analyst, lead */
	rq->actor.all_tenants = (who & 4) != 0;
	rq->actor.tenants[0] = 1;
	rq->actor.ntenants = 1;
	rq->actor.endpoint_id = 1;
	rq->actor.endpoint_tenant = 1;
	rq->db = NULL;
	rq->now_us = INT64_C(1764032400000000);
	rq->resumed = (who & 8) != 0;
	struct resp rs = {0};
	route->fn(rq, &rs);
	if (rq->want_wait) {
		/* A long poll asked to wait: nothing answered yet. */
		rs_free(&rs);
		return;
	}
	fza_check_resp(&rs, 0);
	FZ_CHECK(rs.status == 400 || rs.status == 403 || rs.status == 404 ||
	         rs.status == 413 || rs.status == 503 || rs.status == 500 ||
	         (rs.status >= 200 && rs.status < 300),
	         "%s %s: status %d without a database", route->method, route->pattern, rs.status);
	rs_free(&rs);
}
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* "METHOD PATH\n" "KEY\n" WHO BODY */
	const uint8_t *nl1 = memchr(data, '\n', size);
	if (nl1 == NULL)
		return 0;
	size_t l1 = (size_t)(nl1 - data);
	const uint8_t *rest = nl1 + 1;
	size_t rn = size - l1 - 1;
	const uint8_t *nl2 = memchr(rest, '\n', rn);
	if (nl2 == NULL)
		return 0;
	size_t l2 = (size_t)(nl2 - rest);
	char *first = fz_cstr(data, l1);
	char *key = fz_cstr(rest, l2);
	const uint8_t *body = nl2 + 1;
	size_t blen = rn - l2 - 1;
	unsigned who = 0;
	if (blen > 0) {
		who = body[0];
		body++;
		blen--;
	}
	char *sp = strchr(first, ' ');
	const char *method = first, *path = "";
	if (sp != NULL) {
		*sp = '\0';
		path = sp + 1;
	}

	/* Routing. */
	int64_t id = 0;
	int status = 0;
	const struct route *route = route_lookup(method, path, &id, &status);
	if (route == NULL) {
		FZ_CHECK(status == 404 || status == 405, "lookup status %d", status);
		struct resp rs = {0};
		if (status == 405)
			rs_err(&rs, 405, "method_not_allowed", "%s is not allowed here", method);
		else
			rs_err(&rs, 404, "not_found", "no such route");
		fza_check_resp(&rs, status);
		rs_free(&rs);
	} else {
		FZ_CHECK(strcmp(route->method, method) == 0, "route method %s for %s",
		         route->method, method);
		FZ_CHECK(strchr(route->pattern, '#') == NULL || (id >= 1 && id < INT64_C(10000000000000000)),
		         "id %lld for %s", (long long)id, path);
		bool w = false, ag = false, big = false;
		int64_t id2 = 0;
		int st2 = 0;
		FZ_CHECK(route_find(method, path, &id2, &w, &ag, &big, &st2) == route->fn &&
		         id2 == id && w == route->write && ag == route->agent && big == route->big,
		         "route_find disagrees with route_lookup");
	}

	/* The access log never shows more than visible ASCII. */
	char lp[160];
	log_path(path, lp, sizeof lp);
	FZ_CHECK(strlen(lp) < sizeof lp, "log path too long");
	for (const char *p = lp; *p != '\0'; p++)
		FZ_CHECK(*p > 0x20 && *p < 0x7f, "log path byte 0x%02x", (unsigned char)*p);

	/* Idempotency-Key. */
	bool kok = idem_key_ok(key);
	size_t kl = strlen(key);
	bool want_ok = kl >= 1 && kl <= 255;
	for (size_t i = 0; i < kl; i++)
		want_ok &= (unsigned char)key[i] >= 0x21 && (unsigned char)key[i] <= 0x7e;
	FZ_CHECK(kok == want_ok, "idem_key_ok(\"%s\") = %d", key, kok);
	char fp1[65], fp2[65];
	idem_fingerprint(method, path, (const char *)body, blen, fp1);
	idem_fingerprint(method, path, (const char *)body, blen, fp2);
	FZ_CHECK(strcmp(fp1, fp2) == 0 && strlen(fp1) == 64, "fingerprint");

	/* An error message quoting the client's path stays valid JSON. */
	struct resp er = {0};
	rs_err(&er, 404, "not_found", "no alert at %s", path);
	fza_check_resp(&er, 404);
	rs_free(&er);

	if (route != NULL) {
		/* The body as http.c collects it: NUL-terminated, length kept. */
		struct conn_state cs;
		memset(&cs, 0, sizeof cs);
		snprintf(cs.method, sizeof cs.method, "%s", method);
		cs.route = route;
		cs.buf = blen > 0 ? fz_cstr(body, blen) : NULL;
		cs.len = blen;
		cs.rq.method = cs.method;
		cs.rq.path = path;
		cs.rq.id = id;
		struct resp rs = {0};
		int pr = parse_body(&cs, &rs);
		if (pr != 0) {
			FZ_CHECK(pr == -1, "parse_body %d", pr);
			fza_check_resp(&rs, 400);
		} else {
			FZ_CHECK(rs.body == NULL, "parse_body answered on success");
			if (strcmp(method, "POST") == 0 && !route->raw)
				FZ_CHECK(json_is_object(cs.rq.json), "parsed body is not an object");
			else
				FZ_CHECK(cs.rq.json == NULL, "a GET or raw body was parsed");
			const struct fza_route *fr = fza_route_of(method, path);
			if (fr != NULL && cs.rq.json != NULL)
				fza_validate(cs.rq.json, fr);
#ifdef FUZZ_API_HANDLERS
			fza_handler(route, &cs, who);
#else
			(void)who;
#endif
		}
		rs_free(&rs);
		json_decref(cs.rq.json);
		free(cs.rq.route_state);
		free(cs.buf);
	}
	free(first);
	free(key);
	return 0;
}
