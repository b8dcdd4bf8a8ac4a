/* test_spec_rules.c - the SPEC rules no other test proved, through the real
 * itrace-cmdd, the real database and (R-26) the real console in tmux:
 * the hearing-sheet settings R-1 auto_isolate, R-2 auto_exception, R-3 the
 * isolation allowlist in the endpoint's isolate command, R-4 business
 * applications excepted during onboarding, R-5 the protection mode (new
 * endpoints of a block tenant, non-block during onboarding), R-6 the
 * contacts; R-9 a verdict before any report; what a black (R-18) and a
 * white (R-20) report contain; R-26 the endpoints pane. tests/SPEC-TRACE.md
 * maps every rule to its code and tests.
 *
 * The world is tests/integ/cmdd_fixture.h (tenants acme, beta, newco; the
 * `in` daemon at Wed 2026-11-25 10:00 JST, `out` at Sat 2026-11-28 12:00
 * JST through ITRACE_FAKE_NOW). Each test makes its own endpoints (and
 * tenants where it changes settings) and puts back what it changed. */
#include "cmdd_fixture.h"

#include <sys/stat.h>
#include <time.h>

#include "../tui/tt.h"

/* ------------------------------------------------------------ helpers */

#define num(...) th_countf(fx.pg, __VA_ARGS__)

/* A formatted one-cell query as a string (static buffer, "" for NULL). */
static const char *cell(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *cell(const char *fmt, ...)
{
	static char buf[4096];
	char sql[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(sql, sizeof sql, fmt, ap);
	va_end(ap);
	char *v = th_scalar(fx.pg, sql);
	snprintf(buf, sizeof buf, "%s", v != NULL ? v : "?");
	free(v);
	return buf;
}

/* A new endpoint of a tenant (the real `token add --endpoint`). */
struct ep {
	char *tok;
	long id;
};

static struct ep new_ep(const char *tenant, const char *host)
{
	struct ep e;
	e.tok = ADMIN("token", "add", "--endpoint", host, "--tenant", tenant);
	e.id = num("SELECT e.id FROM endpoint e JOIN tenant t ON t.id = e.tenant_id"
	           " WHERE t.name = '%s' AND e.hostname = '%s'", tenant, host);
	if (e.id <= 0)
		fail_msg("endpoint %s of %s not created", host, tenant);
	return e;
}

/* A 64-hex SHA-256 made of one repeated character. */
static const char *sha_of(char c)
{
	static char buf[4][65];
	static int slot;
	char *b = buf[slot++ % 4];
	memset(b, c, 64);
	b[64] = '\0';
	return b;
}

/* An alert from an endpoint (JSON-escaped path); returns its id. */
static long alert_at(const char *tok, const char *sha, const char *path, const char *detected)
{
	char body[1024];
	snprintf(body, sizeof body,
	         "{\"detected_at\":\"%s\",\"path\":\"%s\",\"sha256\":\"%s\","
	         "\"detection\":\"Trojan:Win32/Spec\",\"action\":\"allowed\"}",
	         detected, path, sha);
	json_t *a = fx_call(&fx.in, "POST", "/v1/agent/alerts", tok, body, 201);
	long id = fx_int(a, "id");
	json_decref(a);
	return id;
}

static long alert_new(const char *tok, const char *sha)
{
	return alert_at(tok, sha, "C:\\\\Users\\\\u\\\\Downloads\\\\spec.exe",
	                "2026-11-24T23:00:00Z");
}

static void claim(const struct cmdd *d, long id)
{
	json_decref(fx_call(d, "POST", fx_path("/v1/alerts/%ld/claim", id), fx.alice, NULL, 200));
}

/* A verdict through daemon d (fx_verdict always uses `in`). */
static void verdict_on(const struct cmdd *d, long id, const char *phase, const char *v,
                       int needs)
{
	char body[256];
	snprintf(body, sizeof body, "{\"phase\":\"%s\",\"verdict\":\"%s\",\"version\":%ld%s}",
	         phase, v, fx_version(id), needs ? ",\"needs_explanatory\":true" : "");
	json_decref(fx_call(d, "POST", fx_path("/v1/alerts/%ld/verdict", id), fx.alice, body,
	                    200));
}

/* One heartbeat of an endpoint; the first delivered command of that kind
 * (new ref) or NULL. */
static json_t *hb_command(const char *tok, const char *kind)
{
	json_t *hb = fx_call(&fx.in, "POST", "/v1/agent/heartbeat", tok, "{}", 200);
	json_t *found = NULL, *cmds = json_object_get(hb, "commands");
	for (size_t i = 0; i < json_array_size(cmds) && found == NULL; i++)
		if (strcmp(fx_str(json_array_get(cmds, i), "kind"), kind) == 0)
			found = json_incref(json_array_get(cmds, i));
	json_decref(hb);
	return found;
}

static void result_done(const char *tok, long cmd)
{
	json_decref(fx_call(&fx.in, "POST", fx_path("/v1/agent/commands/%ld/result", cmd), tok,
	                    "{\"status\":\"done\"}", 200));
}

static const char *isolation_of(long ep)
{
	static char buf[32];
	json_t *e = fx_call(&fx.in, "GET", fx_path("/v1/endpoints/%ld", ep), fx.alice, NULL, 200);
	snprintf(buf, sizeof buf, "%s", fx_str(e, "isolation"));
	json_decref(e);
	return buf;
}

/* The allowlist of a command's args as compact JSON (static). */
static const char *allow_of(json_t *cmd)
{
	static char buf[512];
	char *s = json_dumps(json_object_get(json_object_get(cmd, "args"), "allow"),
	                     JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	snprintf(buf, sizeof buf, "%s", s != NULL ? s : "?");
	free(s);
	return buf;
}

/* ------------------------------------------------------------- R-1, R-13 */

/* R-1 auto_isolate (hearing sheet) decides R-13: black isolates at once,
 * even outside business hours (R-22: automatic isolation is immediate);
 * without the setting, or when it is switched off, nothing is isolated;
 * gray is not a reason, the later black explanatory verdict is. */
static void test_r1_auto_isolate_setting(void **state)
{
	(void)state;
	struct ep a1 = new_ep("acme", "R1-ACME-1"), a2 = new_ep("acme", "R1-ACME-2");
	struct ep b1 = new_ep("beta", "R1-BETA-1");

	/* beta has no auto_isolate: black changes nothing on the endpoint. */
	long id = alert_new(b1.tok, sha_of('1'));
	claim(&fx.in, id);
	verdict_on(&fx.in, id, "quick", "black", 0);
	assert_string_equal(isolation_of(b1.id), "none");
	assert_int_equal(num("SELECT count(*) FROM command WHERE endpoint_id = %ld"
	                     " AND kind = 'isolate'", b1.id), 0);

	/* acme has it: a black quick verdict given on Saturday (the `out`
	 * daemon) queues isolation at that very instant, audited R-13. */
	id = alert_new(a1.tok, sha_of('2'));
	claim(&fx.out, id);
	verdict_on(&fx.out, id, "quick", "black", 1);
	assert_string_equal(isolation_of(a1.id), "pending");
	assert_int_equal(num("SELECT count(*) FROM command WHERE endpoint_id = %ld"
	                     " AND kind = 'isolate' AND alert_id = %ld AND state = 'queued'"
	                     " AND args->>'rule' = 'R-13'"   /* automatic, for the report */
	                     " AND created_at >= '2026-11-28T03:00:00Z'"
	                     " AND created_at < '2026-11-28T03:01:00Z'", a1.id, id), 1);
	assert_int_equal(num("SELECT count(*) FROM audit WHERE object = 'endpoint:%ld'"
	                     " AND action = 'endpoint.isolate' AND rule = 'R-13'"
	                     " AND actor = 'alice'", a1.id), 1);

	/* Switched off on the sheet: black no longer isolates. */
	free(ADMIN("tenant", "set", "acme", "--no-auto-isolate"));
	assert_string_equal(cell("SELECT auto_isolate::text FROM tenant WHERE id = %ld",
	                         fx.acme), "false");
	id = alert_new(a2.tok, sha_of('3'));
	claim(&fx.in, id);
	verdict_on(&fx.in, id, "quick", "black", 0);
	assert_string_equal(isolation_of(a2.id), "none");
	free(ADMIN("tenant", "set", "acme", "--auto-isolate"));

	/* On again: a gray quick verdict does not isolate, the black
	 * explanatory verdict of the same alert does (R-13 "according to the
	 * verdict", R-16). */
	id = alert_new(a2.tok, sha_of('4'));
	claim(&fx.in, id);
	verdict_on(&fx.in, id, "quick", "gray", 0);
	assert_string_equal(isolation_of(a2.id), "none");
	json_decref(fx_report(id, "quick", 201));
	verdict_on(&fx.in, id, "explanatory", "black", 0);
	assert_string_equal(isolation_of(a2.id), "pending");
	assert_int_equal(num("SELECT count(*) FROM command WHERE endpoint_id = %ld"
	                     " AND kind = 'isolate' AND alert_id = %ld", a2.id, id), 1);
	free(a1.tok), free(a2.tok), free(b1.tok);
}

/* ------------------------------------------------------------- R-2, R-14 */

/* R-2 auto_exception decides R-14: only a FINAL white verdict of a tenant
 * with the setting adds the file to the exception list (business hours:
 * the `in` daemon), which every endpoint of the tenant is told about. */
static void test_r2_auto_exception_setting(void **state)
{
	(void)state;
	struct ep a1 = new_ep("acme", "R2-ACME-1"), b1 = new_ep("beta", "R2-BETA-1");
	const char *sha_a = sha_of('5'), *sha_b = sha_of('6'), *sha_c = sha_of('7');

	/* acme has no auto_exception: a final white adds nothing. */
	long id = alert_new(a1.tok, sha_a);
	claim(&fx.in, id);
	verdict_on(&fx.in, id, "quick", "white", 0);
	assert_int_equal(num("SELECT count(*) FROM exception WHERE sha256 = '%s'", sha_a), 0);
	assert_int_equal(num("SELECT count(*) FROM exception_pending WHERE alert_id = %ld", id), 0);

	/* beta: white with an explanatory report to come is not final yet;
	 * the final white adds the entry at once (inside business hours), in
	 * the name of the analyst whose verdict it was. */
	id = alert_new(b1.tok, sha_b);
	claim(&fx.in, id);
	verdict_on(&fx.in, id, "quick", "white", 1);
	assert_int_equal(num("SELECT count(*) FROM exception WHERE sha256 = '%s'", sha_b), 0);
	json_decref(fx_report(id, "quick", 201));
	verdict_on(&fx.in, id, "explanatory", "white", 0);
	assert_int_equal(num("SELECT count(*) FROM exception WHERE tenant_id = %ld"
	                     " AND sha256 = '%s' AND alert_id = %ld AND created_by = 'alice'",
	                     fx.beta, sha_b, id), 1);
	long exc = num("SELECT id FROM exception WHERE sha256 = '%s'", sha_b);
	assert_int_equal(num("SELECT count(*) FROM audit WHERE object = 'exception:%ld'"
	                     " AND rule = 'R-14'", exc), 1);
	/* one "except" command per endpoint of beta, carrying the hash */
	assert_int_equal(num("SELECT count(*) FROM command WHERE kind = 'except'"
	                     " AND args->>'exception_id' = '%ld' AND args->>'sha256' = '%s'",
	                     exc, sha_b),
	                 num("SELECT count(*) FROM endpoint WHERE tenant_id = %ld", fx.beta));

	/* Switched off: a final white adds nothing. */
	free(ADMIN("tenant", "set", "beta", "--no-auto-exception"));
	id = alert_new(b1.tok, sha_c);
	claim(&fx.in, id);
	verdict_on(&fx.in, id, "quick", "white", 0);
	assert_int_equal(num("SELECT count(*) FROM exception WHERE sha256 = '%s'", sha_c), 0);
	assert_int_equal(num("SELECT count(*) FROM exception_pending WHERE alert_id = %ld", id), 0);
	free(ADMIN("tenant", "set", "beta", "--auto-exception"));
	free(a1.tok), free(b1.tok);
}

/* ------------------------------------------------------------------ R-3 */

/* R-3: the tenant's allowlist travels in the isolate command the endpoint
 * receives, as it was when isolation was asked (R-22: an isolated endpoint
 * reaches only it); changing the sheet changes later commands only. */
static void test_r3_allowlist_in_isolate_command(void **state)
{
	(void)state;
	struct ep e1 = new_ep("acme", "R3-ACME-1"), e2 = new_ep("acme", "R3-ACME-2");
	struct ep e3 = new_ep("acme", "R3-ACME-3");

	/* A manual isolation (business hours) carries acme's list. */
	json_t *c = fx_call(&fx.in, "POST", fx_path("/v1/endpoints/%ld/isolate", e1.id), fx.alice,
	                    "{\"reason\":\"administrator asked\"}", 202);
	long c1 = fx_int(c, "id");
	assert_string_equal(allow_of(c), "[{\"net\":\"10.0.0.0/8\",\"port\":443}]");
	json_decref(c);
	/* ... and so does what the endpoint's heartbeat delivers. */
	json_t *got = hb_command(e1.tok, "isolate");
	assert_non_null(got);
	assert_int_equal(fx_int(got, "id"), c1);
	assert_string_equal(allow_of(got), "[{\"net\":\"10.0.0.0/8\",\"port\":443}]");
	json_decref(got);
	result_done(e1.tok, c1);
	assert_string_equal(isolation_of(e1.id), "isolated");

	/* The sheet changes: IPv4 host and network, IPv6 network. */
	free(ADMIN("tenant", "set", "acme", "--allow", "192.0.2.10:53", "--allow",
	           "198.51.100.0/24:8443", "--allow", "[2001:db8::]/32:443"));
	c = fx_call(&fx.in, "POST", fx_path("/v1/endpoints/%ld/isolate", e2.id), fx.alice,
	            "{\"reason\":\"administrator asked\"}", 202);
	long c2 = fx_int(c, "id");
	json_decref(c);
	got = hb_command(e2.tok, "isolate");
	assert_non_null(got);
	assert_int_equal(fx_int(got, "id"), c2);
	assert_string_equal(allow_of(got), "[{\"net\":\"192.0.2.10/32\",\"port\":53},"
	                    "{\"net\":\"198.51.100.0/24\",\"port\":8443},"
	                    "{\"net\":\"2001:db8::/32\",\"port\":443}]");
	json_decref(got);
	/* The first command still holds the list of its time. */
	c = fx_call(&fx.in, "GET", fx_path("/v1/commands/%ld", c1), fx.alice, NULL, 200);
	assert_string_equal(allow_of(c), "[{\"net\":\"10.0.0.0/8\",\"port\":443}]");
	json_decref(c);

	/* "none" empties the list: the endpoint then reaches only the service
	 * system (R-22), and the command says so with an empty list. */
	free(ADMIN("tenant", "set", "acme", "--allow", "none"));
	c = fx_call(&fx.in, "POST", fx_path("/v1/endpoints/%ld/isolate", e3.id), fx.alice,
	            "{\"reason\":\"administrator asked\"}", 202);
	assert_string_equal(allow_of(c), "[]");
	json_decref(c);
	free(ADMIN("tenant", "set", "acme", "--allow", "10.0.0.0/8:443"));
	assert_string_equal(cell("SELECT allowlist::text FROM tenant WHERE id = %ld", fx.acme),
	                    "[{\"net\": \"10.0.0.0/8\", \"port\": 443}]");
	free(e1.tok), free(e2.tok), free(e3.tok);
}

/* ------------------------------------------------------------------ R-4 */

/* R-4: business applications of the sheet go into the exception list at
 * onboarding (newco is onboarding, R-8): an exception by path pattern,
 * added in business hours only, reaches every endpoint of the tenant, and
 * an alert on such an application is closed white without a report
 * (R-21) while other onboarding alerts stay untriaged (R-8). */
static void test_r4_business_apps_at_onboarding(void **state)
{
	(void)state;
	struct ep n1 = new_ep("newco", "R4-NEWCO-1");
	const char *body = "{\"path\":\"C:\\\\Program Files\\\\NewcoERP\\\\*\","
	                   "\"reason\":\"hearing sheet: business application NewcoERP\"}";
	const char *route = fx_path("/v1/tenants/%ld/exceptions", fx.newco);
	json_t *j = fx_call(&fx.out, "POST", route, fx.alice, body, 409);
	assert_string_equal(fx_errcode(j), "outside_business_hours");
	json_decref(j);
	j = fx_call(&fx.in, "POST", route, fx.alice, body, 202);
	long exc = fx_int(j, "id");
	assert_true(exc > 0);
	assert_int_equal((long)json_array_size(json_object_get(j, "commands")),
	                 num("SELECT count(*) FROM endpoint WHERE tenant_id = %ld", fx.newco));
	json_decref(j);
	json_t *got = hb_command(n1.tok, "except");
	assert_non_null(got);
	assert_string_equal(fx_str(json_object_get(got, "args"), "path"),
	                    "C:\\Program Files\\NewcoERP\\*");
	json_decref(got);

	long id = alert_at(n1.tok, sha_of('8'), "C:\\\\Program Files\\\\NewcoERP\\\\bin\\\\erp.exe",
	                   "2026-11-24T23:10:00Z");
	json_t *a = fx_call(&fx.in, "GET", fx_path("/v1/alerts/%ld", id), fx.alice, NULL, 200);
	assert_string_equal(fx_str(a, "state"), "closed");
	assert_string_equal(fx_str(a, "quick_verdict"), "white");
	assert_int_equal(fx_int(a, "exception_id"), exc);
	json_decref(a);
	assert_string_equal(cell("SELECT closed_reason FROM alert WHERE id = %ld", id),
	                    fx_path("exception %ld (R-21)", exc));
	id = alert_at(n1.tok, sha_of('9'), "C:\\\\Users\\\\u\\\\tool.exe", "2026-11-24T23:11:00Z");
	assert_string_equal(cell("SELECT state || ' ' || coalesce(quick_verdict, '-')"
	                         " FROM alert WHERE id = %ld", id), "onboarding -");
	assert_int_equal(num("SELECT count(*) FROM report WHERE %ld = ANY(alert_ids)", id), 0);
	free(n1.tok);
}

/* ------------------------------------------------------------------ R-5 */

/* The set_mode commands of an endpoint, oldest first, as
 * "mode/requested_by/state,..." with requested_by "admin" for any
 * admin:<login> (static). */
static const char *mode_cmds(PGconn *pg, long ep)
{
	static char buf[1024];
	char sql[600];
	snprintf(sql, sizeof sql,
	         "SELECT coalesce(string_agg(args->>'mode' || '/' ||"
	         "  CASE WHEN requested_by LIKE 'admin:%%' THEN 'admin' ELSE requested_by END"
	         "  || '/' || state, ',' ORDER BY id), '')"
	         "  FROM command WHERE endpoint_id = %ld AND kind = 'set_mode'", ep);
	char *v = th_scalar(pg, sql);
	snprintf(buf, sizeof buf, "%s", v != NULL ? v : "?");
	free(v);
	return buf;
}

/* What an endpoint was last told (migration 016), "-" never (static). */
static const char *mode_sent(PGconn *pg, long ep)
{
	static char buf[32];
	char sql[160];
	snprintf(sql, sizeof sql, "SELECT coalesce(mode_sent, '-') FROM endpoint WHERE id = %ld",
	         ep);
	char *v = th_scalar(pg, sql);
	snprintf(buf, sizeof buf, "%s", v != NULL ? v : "?");
	free(v);
	return buf;
}

/* The R-5 audit rows of an endpoint: "actor/why/before>after,..." with
 * actor "admin" for any admin:<login> (static). */
static const char *mode_audit(PGconn *pg, long ep)
{
	static char buf[1024];
	char sql[700];
	snprintf(sql, sizeof sql,
	         "SELECT coalesce(string_agg("
	         "  CASE WHEN actor LIKE 'admin:%%' THEN 'admin' ELSE actor END || '/' ||"
	         "  (after->>'why') || '/' || coalesce(before->>'mode_sent', '-') || '>' ||"
	         "  (after->>'mode_sent'), ',' ORDER BY id), '')"
	         "  FROM audit WHERE object = 'endpoint:%ld' AND action = 'endpoint.set_mode'"
	         "   AND rule = 'R-5'", ep);
	char *v = th_scalar(pg, sql);
	snprintf(buf, sizeof buf, "%s", v != NULL ? v : "?");
	free(v);
	return buf;
}

/* Poll until mode_cmds(ep) is want (the jobs run every 0.2 s). */
static const char *wait_mode_cmds(PGconn *pg, long ep, const char *want, int ms)
{
	const char *got = mode_cmds(pg, ep);
	for (int i = 0; i < ms / 50 && strcmp(got, want) != 0; i++) {
		usleep(50000);
		got = mode_cmds(pg, ep);
	}
	return got;
}

/* R-5: the protection mode is per tenant; a new tenant is non-block and
 * its endpoints are told nothing (never told = the client's default,
 * non-block); a change sends each endpoint told otherwise one set_mode,
 * records it (endpoint.mode_sent) and audits it; the endpoint API shows
 * it; the same mode again sends nothing; an endpoint whose set_mode is
 * still queued gets the next one from the daemon's job only after that
 * one went out; and the job adds nothing over many passes. */
static void test_r5_protection_mode(void **state)
{
	(void)state;
	free(ADMIN("tenant", "add", "r5t", "--service-start", "2025-01-01"));
	struct ep e1 = new_ep("r5t", "R5-1"), e2 = new_ep("r5t", "R5-2");
	long t = num("SELECT id FROM tenant WHERE name = 'r5t'");
	json_t *e = fx_call(&fx.in, "GET", fx_path("/v1/endpoints/%ld", e1.id), fx.alice, NULL, 200);
	assert_string_equal(fx_str(e, "mode"), "nonblock");
	assert_string_equal(fx_str(e, "mode_sent"), "nonblock");   /* never told */
	json_decref(e);
	/* newco (onboarding) is non-block too; acme was made block. */
	assert_string_equal(cell("SELECT string_agg(name || '=' || mode, ',' ORDER BY name)"
	                         " FROM tenant WHERE name IN ('acme', 'newco')"),
	                    "acme=block,newco=nonblock");
	assert_int_equal(num("SELECT count(*) FROM command WHERE tenant_id = %ld", t), 0);
	assert_string_equal(mode_sent(fx.pg, e1.id), "-");
	/* acme was block before its endpoints existed: each was told at
	 * creation, once (R-5 defect 1). */
	assert_string_equal(mode_sent(fx.pg, fx.ep_ws1), "block");
	assert_int_equal(num("SELECT count(*) FROM command WHERE kind = 'set_mode'"
	                     " AND endpoint_id IN (%ld, %ld) AND args->>'mode' = 'block'",
	                     fx.ep_ws1, fx.ep_ws2), 2);

	free(ADMIN("tenant", "set", "r5t", "--mode", "block"));
	assert_int_equal(num("SELECT count(DISTINCT endpoint_id) FROM command WHERE tenant_id = %ld"
	                     " AND kind = 'set_mode' AND args->>'mode' = 'block'", t), 2);
	assert_int_equal(num("SELECT count(*) FROM command WHERE tenant_id = %ld", t), 2);
	assert_string_equal(mode_sent(fx.pg, e2.id), "block");
	assert_string_equal(mode_audit(fx.pg, e2.id), "admin/tenant mode/->block");
	e = fx_call(&fx.in, "GET", fx_path("/v1/endpoints/%ld", e2.id), fx.alice, NULL, 200);
	assert_string_equal(fx_str(e, "mode"), "block");
	assert_string_equal(fx_str(e, "mode_sent"), "block");
	json_decref(e);
	json_t *got = hb_command(e1.tok, "set_mode");
	assert_non_null(got);
	assert_string_equal(fx_str(json_object_get(got, "args"), "mode"), "block");
	result_done(e1.tok, fx_int(got, "id"));
	json_decref(got);

	/* The same mode again: no command. */
	free(ADMIN("tenant", "set", "r5t", "--mode", "block"));
	assert_int_equal(num("SELECT count(*) FROM command WHERE tenant_id = %ld", t), 2);
	/* Back to non-block: e1 at once; e2 still has its block queued, so
	 * it is told non-block once that went out (by the daemon's job). */
	free(ADMIN("tenant", "set", "r5t", "--mode", "nonblock"));
	assert_string_equal(mode_cmds(fx.pg, e1.id), "block/admin/done,nonblock/admin/queued");
	assert_string_equal(mode_cmds(fx.pg, e2.id), "block/admin/queued");
	usleep(600 * 1000);             /* three passes of `in`'s jobs */
	assert_string_equal(mode_cmds(fx.pg, e2.id), "block/admin/queued");
	got = hb_command(e2.tok, "set_mode");
	assert_non_null(got);
	assert_string_equal(fx_str(json_object_get(got, "args"), "mode"), "block");
	json_decref(got);
	assert_string_equal(wait_mode_cmds(fx.pg, e2.id,
	                                   "block/admin/delivered,nonblock/system/queued", 5000),
	                    "block/admin/delivered,nonblock/system/queued");
	assert_string_equal(mode_audit(fx.pg, e2.id),
	                    "admin/tenant mode/->block,system/tenant mode/block>nonblock");
	assert_string_equal(mode_sent(fx.pg, e2.id), "nonblock");
	assert_int_equal(num("SELECT count(*) FROM audit WHERE object = 'tenant:%ld'"
	                     " AND action = 'tenant.set' AND after->>'mode' = 'nonblock'"
	                     " AND before->>'mode' = 'block'", t), 1);
	/* Nothing differs any more: many passes, no command. */
	usleep(1000 * 1000);
	assert_int_equal(num("SELECT count(*) FROM command WHERE tenant_id = %ld", t), 4);
	free(e1.tok), free(e2.tok);
}

/* R-5: an endpoint that appears after its tenant was made block is told
 * block exactly once, however it appears: `token add --endpoint` (at
 * once), itrace-ingest loading logs of a new host, or any other insert
 * (the daemon's job, actor system); its heartbeat delivers it. A set_mode
 * that expired undelivered (R-5 with the 14-day expiry) is sent again. */
static void test_r5_new_endpoints_of_block_tenant(void **state)
{
	(void)state;
	free(ADMIN("tenant", "add", "r5n", "--service-start", "2025-01-01", "--mode", "block"));
	long t = num("SELECT id FROM tenant WHERE name = 'r5n'");
	struct ep e1 = new_ep("r5n", "R5N-1");
	assert_string_equal(mode_cmds(fx.pg, e1.id), "block/admin/queued");
	assert_string_equal(mode_sent(fx.pg, e1.id), "block");
	assert_string_equal(mode_audit(fx.pg, e1.id), "admin/tenant mode/->block");
	json_t *got = hb_command(e1.tok, "set_mode");
	assert_non_null(got);
	assert_string_equal(fx_str(json_object_get(got, "args"), "mode"), "block");
	result_done(e1.tok, fx_int(got, "id"));
	json_decref(got);

	/* itrace-ingest makes an endpoint of a host it has not seen. */
	const char *line = "{\"type\":\"event\",\"host\":\"R5N-LOGS\",\"time\":\"2026-11-24T05:00:00Z\","
	                   "\"kind\":\"process_start\",\"proc_guid\":"
	                   "\"{5eec0005-0000-0000-0000-000000000001}\",\"pid\":4,"
	                   "\"image\":\"C:\\\\Windows\\\\System32\\\\notepad.exe\"}\n";
	const char *file = th_write_file("r5n.jsonl", line, strlen(line));
	const char *argv[] = {"itrace-ingest", "--db", fx.db, "--tenant", "r5n", file, NULL};
	struct th_out o;
	if (th_run(&o, NULL, NULL, argv) != 0)
		fail_msg("itrace-ingest: %d: %s", o.status, o.err);
	th_out_free(&o);
	long e2 = num("SELECT id FROM endpoint WHERE tenant_id = %ld AND name = 'r5n-logs'", t);
	assert_true(e2 > 0);
	/* And a row inserted by any other writer. */
	long e3 = num("INSERT INTO endpoint (tenant_id, name, hostname)"
	              " VALUES (%ld, 'r5n-sql', 'R5N-SQL') RETURNING id", t);
	assert_string_equal(wait_mode_cmds(fx.pg, e2, "block/system/queued", 5000),
	                    "block/system/queued");
	assert_string_equal(wait_mode_cmds(fx.pg, e3, "block/system/queued", 5000),
	                    "block/system/queued");
	assert_string_equal(mode_audit(fx.pg, e3), "system/tenant mode/->block");
	assert_string_equal(mode_sent(fx.pg, e3), "block");
	/* Many passes later: still one each. */
	usleep(1000 * 1000);
	assert_string_equal(mode_cmds(fx.pg, e1.id), "block/admin/done");
	assert_string_equal(mode_cmds(fx.pg, e2), "block/system/queued");
	assert_string_equal(mode_cmds(fx.pg, e3), "block/system/queued");

	/* e3 stays away 15 days: its set_mode expires (jobs.c), mode_sent
	 * goes back to "never told" and the same pass queues it again. */
	PQclear(PQexec(fx.pg, fx_path("UPDATE command SET created_at = created_at - interval"
	                              " '15 days' WHERE endpoint_id = %ld", e3)));
	assert_string_equal(wait_mode_cmds(fx.pg, e3, "block/system/expired,block/system/queued",
	                                   5000),
	                    "block/system/expired,block/system/queued");
	assert_string_equal(mode_sent(fx.pg, e3), "block");
	assert_string_equal(mode_audit(fx.pg, e3),
	                    "system/tenant mode/->block,system/tenant mode/->block");
	free(e1.tok);
}

/* `itrace-cmdd --db DB ARGS...` with ITRACE_FAKE_NOW=fake_now (the
 * admin's clock too); stdout's first line (malloc'd); *err (may be NULL)
 * receives stderr (malloc'd). */
static char *admin_at(const char *db, const char *fake_now, char **err, ...)
{
	const char *argv[24] = {"itrace-cmdd", "--db", db};
	size_t n = 3;
	va_list ap;
	va_start(ap, err);
	for (const char *a = va_arg(ap, const char *); a != NULL && n < 23;
	     a = va_arg(ap, const char *))
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;
	char env0[80];
	snprintf(env0, sizeof env0, "ITRACE_FAKE_NOW=%s", fake_now);
	char *env[] = {env0, NULL};
	struct th_out o;
	if (th_run(&o, NULL, env, argv) != 0)
		fail_msg("itrace-cmdd %s %s: %d: %s", argv[3], argv[4], o.status, o.err);
	char *nl = strchr(o.out, '\n');
	if (nl != NULL)
		*nl = '\0';
	char *line = strdup(o.out);
	if (err != NULL)
		*err = strdup(o.err);
	th_out_free(&o);
	return line;
}

static double mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* R-5 with R-8: during onboarding a block tenant's endpoints run
 * non-block: one told block before is told non-block, a new one is told
 * nothing (never told = non-block), the job agrees pass after pass; once
 * the injected clock passes the window's end (service start 2026-11-20 +
 * 5 days on the default calendar, +09:00: 2026-11-24T15:00:00Z) the job
 * tells both block, once, audited as system, R-5. A database and a
 * daemon of its own: the fixture's daemons live on the 25th. */
static void test_r5_block_after_onboarding(void **state)
{
	(void)state;
	const char *t0 = "2026-11-24T14:59:48Z";     /* 12 s before the end */
	char *db = th_db_new_migrated();
	assert_non_null(db);
	PGconn *pg = th_connect(db);
	/* Service start on 10 December: no onboarding yet, block. */
	free(admin_at(db, t0, NULL, "tenant", "add", "ob", "--mode", "block", "--service-start",
	              "2026-12-10", "--onboarding-days", "5", NULL));
	char *tok1 = admin_at(db, t0, NULL, "token", "add", "--endpoint", "OB-1", "--tenant", "ob",
	                      NULL);
	long ep1 = th_count(pg, "SELECT id FROM endpoint WHERE name = 'ob-1'");
	assert_string_equal(mode_cmds(pg, ep1), "block/admin/queued");
	struct cmdd d;
	char env0[64];
	snprintf(env0, sizeof env0, "ITRACE_FAKE_NOW=%s", t0);
	char *env[] = {env0, NULL};
	const char *args[] = {"--job-interval", "0.2", NULL};
	double started = mono_s();
	assert_int_equal(cmdd_start(&d, db, args, env), 0);
	json_t *hb = fx_call(&d, "POST", "/v1/agent/heartbeat", tok1, "{}", 200);
	json_t *cmd = json_array_get(json_object_get(hb, "commands"), 0);
	assert_string_equal(fx_str(json_object_get(cmd, "args"), "mode"), "block");
	json_decref(fx_call(&d, "POST", fx_path("/v1/agent/commands/%ld/result", fx_int(cmd, "id")),
	                    tok1, "{\"status\":\"done\"}", 200));
	json_decref(hb);

	/* The service start was really 20 November: onboarding now. */
	char *err = NULL;
	free(admin_at(db, t0, &err, "tenant", "set", "ob", "--service-start", "2026-11-20", NULL));
	assert_non_null(strstr(err, "tenant ob is onboarding until 2026-11-24T15:00:00"));
	free(err);
	char *tok2 = admin_at(db, t0, NULL, "token", "add", "--endpoint", "OB-2", "--tenant", "ob",
	                      NULL);
	long ep2 = th_count(pg, "SELECT id FROM endpoint WHERE name = 'ob-2'");
	assert_string_equal(mode_cmds(pg, ep1), "block/admin/done,nonblock/admin/queued");
	assert_string_equal(mode_audit(pg, ep1),
	                    "admin/tenant mode/->block,admin/onboarding/block>nonblock");
	assert_string_equal(mode_cmds(pg, ep2), "");
	assert_string_equal(mode_sent(pg, ep2), "-");
	usleep(600 * 1000);             /* the job agrees: three passes, nothing */
	assert_string_equal(mode_cmds(pg, ep1), "block/admin/done,nonblock/admin/queued");
	assert_string_equal(mode_cmds(pg, ep2), "");
	hb = fx_call(&d, "POST", "/v1/agent/heartbeat", tok1, "{}", 200);
	cmd = json_array_get(json_object_get(hb, "commands"), 0);
	assert_string_equal(fx_str(json_object_get(cmd, "args"), "mode"), "nonblock");
	json_decref(fx_call(&d, "POST", fx_path("/v1/agent/commands/%ld/result", fx_int(cmd, "id")),
	                    tok1, "{\"status\":\"done\"}", 200));
	json_decref(hb);
	if (mono_s() - started > 10)
		fail_msg("too slow: the daemon's clock may have passed the window's end already");

	/* The window ends (12 s after t0 on the daemon's clock). */
	assert_string_equal(wait_mode_cmds(pg, ep2, "block/system/queued", 25000),
	                    "block/system/queued");
	assert_string_equal(wait_mode_cmds(pg, ep1, "block/admin/done,nonblock/admin/done,"
	                                   "block/system/queued", 5000),
	                    "block/admin/done,nonblock/admin/done,block/system/queued");
	assert_true(mono_s() - started >= 11);
	assert_string_equal(mode_audit(pg, ep2), "system/tenant mode/->block");
	assert_string_equal(mode_audit(pg, ep1), "admin/tenant mode/->block,"
	                    "admin/onboarding/block>nonblock,system/tenant mode/nonblock>block");
	assert_int_equal(th_count(pg, "SELECT count(*) FROM command c JOIN audit a"
	                              " ON a.after->>'command' = c.id::text"
	                              " WHERE a.rule = 'R-5' AND a.actor = 'system'"
	                              "   AND c.requested_by = 'system'"
	                              "   AND c.created_at >= '2026-11-24T15:00:00Z'"), 2);
	/* Many passes later: nothing more. */
	usleep(1000 * 1000);
	assert_string_equal(mode_cmds(pg, ep2), "block/system/queued");
	assert_int_equal(th_count(pg, "SELECT count(*) FROM command"), 4);
	hb = fx_call(&d, "POST", "/v1/agent/heartbeat", tok2, "{}", 200);
	cmd = json_array_get(json_object_get(hb, "commands"), 0);
	assert_string_equal(fx_str(cmd, "kind"), "set_mode");
	assert_string_equal(fx_str(json_object_get(cmd, "args"), "mode"), "block");
	json_decref(hb);
	assert_int_equal(cmdd_stop(&d), 0);
	free(tok1), free(tok2);
	PQfinish(pg);
	th_db_drop(db);
}

/* ------------------------------------------------------------------ R-6 */

/* R-6: the contacts of the sheet receive the report mail (R-10: a black
 * quick report); the list replaces, "none" means no mail. */
static void test_r6_contacts(void **state)
{
	(void)state;
	free(ADMIN("tenant", "add", "r6t", "--service-start", "2025-01-01", "--contact",
	           "admin1@r6.example", "--contact", "admin2@r6.example"));
	struct ep e = new_ep("r6t", "R6-1");
	const char shas[3] = {'a', 'b', 'c'};
	const char *want[3] = {"{admin1@r6.example,admin2@r6.example}", NULL,
	                       "{new-admin@r6.example}"};
	for (int i = 0; i < 3; i++) {
		if (i == 1)
			free(ADMIN("tenant", "set", "r6t", "--contact", "none"));
		if (i == 2)
			free(ADMIN("tenant", "set", "r6t", "--contact", "new-admin@r6.example"));
		long id = alert_new(e.tok, sha_of(shas[i]));
		claim(&fx.in, id);
		verdict_on(&fx.in, id, "quick", "black", 0);
		json_t *r = fx_report(id, "quick", 201);
		json_t *rep = json_object_get(r, "report");
		long rid = fx_int(rep, "id");
		assert_int_equal(json_is_true(json_object_get(rep, "mailed")), want[i] != NULL);
		json_decref(r);
		if (want[i] != NULL)
			assert_string_equal(cell("SELECT recipients::text FROM outbox"
			                         " WHERE report_id = %ld", rid), want[i]);
		assert_int_equal(num("SELECT count(*) FROM outbox WHERE report_id = %ld", rid),
		                 want[i] != NULL ? 1 : 0);
	}
	free(e.tok);
}

/* ------------------------------------------------------------------ R-9 */

/* R-9: every report carries a verdict of black, gray or white: no report
 * and no closing without one, no other verdict accepted; the explanatory
 * report needs its own verdict (which may differ, R-16). */
static void test_r9_verdict_before_report(void **state)
{
	(void)state;
	struct ep e = new_ep("beta", "R9-BETA-1");
	long id = alert_new(e.tok, sha_of('d'));
	json_t *j = fx_report(id, "quick", 409);
	assert_string_equal(fx_errcode(j), "invalid_transition");
	json_decref(j);
	j = fx_call(&fx.in, "POST", fx_path("/v1/alerts/%ld/close", id), fx.alice, "{}", 409);
	assert_string_equal(fx_errcode(j), "invalid_transition");
	json_decref(j);
	claim(&fx.in, id);
	j = fx_report(id, "quick", 409);
	assert_string_equal(fx_errcode(j), "invalid_transition");
	json_decref(j);

	const char *route = fx_path("/v1/alerts/%ld/verdict", id);
	char body[160];
	snprintf(body, sizeof body, "{\"phase\":\"quick\",\"verdict\":\"unknown\",\"version\":%ld}",
	         fx_version(id));
	j = fx_call(&fx.in, "POST", route, fx.alice, body, 400);
	assert_string_equal(fx_errcode(j), "bad_field");
	assert_non_null(strstr(fx_str(json_object_get(j, "error"), "message"), "$.verdict"));
	json_decref(j);
	snprintf(body, sizeof body, "{\"phase\":\"quick\",\"version\":%ld}", fx_version(id));
	json_decref(fx_call(&fx.in, "POST", route, fx.alice, body, 400));
	snprintf(body, sizeof body, "{\"phase\":\"explanatory\",\"verdict\":\"black\","
	         "\"version\":%ld}", fx_version(id));
	json_decref(fx_call(&fx.in, "POST", route, fx.alice, body, 409));
	assert_string_equal(cell("SELECT state || ' ' || coalesce(quick_verdict, '-') FROM alert"
	                         " WHERE id = %ld", id), "claimed -");
	assert_int_equal(num("SELECT count(*) FROM report WHERE %ld = ANY(alert_ids)", id), 0);

	fx_verdict(id, "quick", "gray", 0);
	j = fx_report(id, "quick", 201);
	assert_string_equal(fx_str(json_object_get(j, "report"), "verdict"), "gray");
	json_decref(j);
	/* The explanatory report needs the explanatory verdict. */
	json_decref(fx_report(id, "explanatory", 409));
	json_decref(fx_call(&fx.in, "POST", fx_path("/v1/alerts/%ld/close", id), fx.alice, "{}",
	                    409));
	fx_verdict(id, "explanatory", "white", 0);
	j = fx_report(id, "explanatory", 201);
	assert_string_equal(fx_str(json_object_get(j, "report"), "verdict"), "white");
	json_decref(j);
	json_decref(fx_call(&fx.in, "POST", fx_path("/v1/alerts/%ld/close", id), fx.alice, "{}",
	                    200));
	assert_string_equal(cell("SELECT state || ' ' || quick_verdict || ' ' || explain_verdict"
	                         " FROM alert WHERE id = %ld", id), "closed gray white");
	assert_string_equal(cell("SELECT string_agg(kind || '=' || coalesce(verdict, 'NULL'), ','"
	                         " ORDER BY id) FROM report WHERE %ld = ANY(alert_ids)", id),
	                    "quick=gray,explanatory=white");
	free(e.tok);
}

/* ------------------------------------------------------- R-18, R-20 */

#define G_WRITER "{5eec0001-0000-0000-0000-000000000001}"
#define G_FILE "{5eec0001-0000-0000-0000-000000000002}"

/* Logs of one endpoint around an alert on `file` (JSON-escaped) detected
 * at 05:00:10 on the 24th: Word writes the file, the file runs, connects
 * out and writes a Run key; one more write of the file 8 days earlier,
 * outside the 7-day lookback (R-11). */
static void post_logs(const char *tok, const char *host, const char *file, const char *sha,
                      const char *ip)
{
	char body[6000];
	snprintf(body, sizeof body,
		"{\"type\":\"event\",\"host\":\"%s\",\"time\":\"2026-11-24T04:59:00Z\","
		"\"kind\":\"process_start\",\"proc_guid\":\"" G_WRITER "\",\"pid\":100,"
		"\"image\":\"C:\\\\Program Files\\\\Office\\\\WINWORD.EXE\"}\n"
		"{\"type\":\"event\",\"host\":\"%s\",\"time\":\"2026-11-24T04:59:30Z\","
		"\"kind\":\"file_create\",\"proc_guid\":\"" G_WRITER "\",\"pid\":100,"
		"\"image\":\"C:\\\\Program Files\\\\Office\\\\WINWORD.EXE\",\"target\":\"%s\"}\n"
		"{\"type\":\"event\",\"host\":\"%s\",\"time\":\"2026-11-24T05:00:00Z\","
		"\"kind\":\"process_start\",\"proc_guid\":\"" G_FILE "\",\"pid\":200,"
		"\"image\":\"%s\",\"sha256\":\"%s\",\"parent_guid\":\"" G_WRITER "\","
		"\"parent_pid\":100,\"parent_image\":\"C:\\\\Program Files\\\\Office\\\\WINWORD.EXE\"}\n"
		"{\"type\":\"event\",\"host\":\"%s\",\"time\":\"2026-11-24T05:00:05Z\","
		"\"kind\":\"net_connect\",\"proc_guid\":\"" G_FILE "\",\"pid\":200,\"image\":\"%s\","
		"\"proto\":\"tcp\",\"remote_ip\":\"%s\",\"remote_port\":443,\"initiated\":true}\n"
		"{\"type\":\"event\",\"host\":\"%s\",\"time\":\"2026-11-24T05:00:06Z\","
		"\"kind\":\"registry_set\",\"proc_guid\":\"" G_FILE "\",\"pid\":200,\"image\":\"%s\","
		"\"target\":\"HKU\\\\S-1-5-21\\\\Software\\\\Microsoft\\\\Windows\\\\CurrentVersion"
		"\\\\Run\\\\SpecRunKey\",\"details\":\"%s\"}\n"
		"{\"type\":\"event\",\"host\":\"%s\",\"time\":\"2026-11-16T05:00:00Z\","
		"\"kind\":\"file_create\",\"proc_guid\":\"{5eec0001-0000-0000-0000-000000000009}\","
		"\"pid\":900,\"image\":\"C:\\\\Windows\\\\Temp\\\\oldwriter.exe\",\"target\":\"%s\"}\n",
		host, host, file, host, file, sha, host, file, ip, host, file, file, host, file);
	json_t *j = fx_call(&fx.in, "POST", "/v1/agent/events", tok, body, 200);
	assert_int_equal(fx_int(j, "events"), 6);
	assert_int_equal(fx_int(j, "rejected"), 0);
	json_decref(j);
}

/* The Markdown of a report (malloc'd). */
static char *report_body(long rid)
{
	json_t *r = fx_call(&fx.in, "GET", fx_path("/v1/reports/%ld", rid), fx.alice, NULL, 200);
	char *b = strdup(fx_str(r, "body"));
	json_decref(r);
	return b;
}

/* What every report of the file shows: the file, its hash, and the logs
 * of the 8 items within the lookback (R-10, R-11). */
static void assert_file_and_logs(const char *md, const char *path_md, const char *sha,
                                 const char *ip)
{
	char line[512];
	snprintf(line, sizeof line, "- Detected file: %s\n", path_md);
	if (strstr(md, line) == NULL)
		fail_msg("no \"%s\" in the report:\n%s", line, md);
	snprintf(line, sizeof line, "- SHA-256: %s\n", sha);
	assert_non_null(strstr(md, line));
	const char *items[] = {"## 1. How the detected file was created", "WINWORD.EXE",
	                       "## 2.", "## 5. Registry edited", "SpecRunKey",
	                       "## 7. Network communication", ip, "## 8. File attributes"};
	for (size_t i = 0; i < sizeof items / sizeof items[0]; i++)
		if (strstr(md, items[i]) == NULL)
			fail_msg("no \"%s\" in the report:\n%s", items[i], md);
	/* R-11: the write 8 days before detection is not investigated. */
	if (strstr(md, "oldwriter") != NULL)
		fail_msg("an event outside the 7-day lookback is in the report:\n%s", md);
}

/* R-18: a black report shows the file and its logs; the contacts get it
 * (R-15); isolation and removal follow on the administrator's request as
 * commands tied to the alert (R-22, R-23). */
static void test_r18_black_report(void **state)
{
	(void)state;
	struct ep e = new_ep("beta", "R18-BETA-1");
	const char *sha = sha_of('e');
	post_logs(e.tok, "R18-BETA-1", "C:\\\\Users\\\\u\\\\Downloads\\\\blackfile.exe", sha,
	          "203.0.113.18");
	long id = alert_at(e.tok, sha, "C:\\\\Users\\\\u\\\\Downloads\\\\blackfile.exe",
	                   "2026-11-24T05:00:10Z");
	claim(&fx.in, id);
	fx_verdict(id, "quick", "black", 1);
	json_t *r = fx_report(id, "quick", 201);
	long qid = fx_int(json_object_get(r, "report"), "id");
	json_decref(r);
	/* The quick report tells what the administrator may request: beta
	 * does not isolate at once (R-1), so neither was done. */
	char *md = report_body(qid);
	const char *quick_says[] = {
		"- Verdict: Black (clear threat)\n",
		"## Black verdict (clear threat)\n",
		"### Network isolation and sample deletion\n",
		"- Network isolation: not done (the hearing sheet does not ask to isolate at once)."
		" The endpoint can be isolated on the administrator's request (in business hours)",
		"- Sample deletion: the detected file can be deleted on the administrator's request"
		" (in business hours)",
	};
	for (size_t i = 0; i < sizeof quick_says / sizeof quick_says[0]; i++)
		if (strstr(md, quick_says[i]) == NULL)
			fail_msg("no \"%s\" in the quick report:\n%s", quick_says[i], md);
	free(md);

	/* On the administrator's request: removal, then isolation. */
	char body[400];
	snprintf(body, sizeof body, "{\"path\":\"C:\\\\Users\\\\u\\\\Downloads\\\\blackfile.exe\","
	         "\"sha256\":\"%s\",\"alert_id\":%ld,\"reason\":\"administrator asked\"}", sha, id);
	json_t *c = fx_call(&fx.in, "POST", fx_path("/v1/endpoints/%ld/files/delete", e.id),
	                    fx.alice, body, 202);
	assert_string_equal(fx_str(c, "kind"), "delete");
	assert_int_equal(fx_int(c, "alert_id"), id);
	assert_string_equal(fx_str(json_object_get(c, "args"), "sha256"), sha);
	json_decref(c);
	snprintf(body, sizeof body, "{\"alert_id\":%ld,\"reason\":\"administrator asked\"}", id);
	c = fx_call(&fx.in, "POST", fx_path("/v1/endpoints/%ld/isolate", e.id), fx.alice, body, 202);
	assert_string_equal(fx_str(c, "kind"), "isolate");
	assert_int_equal(fx_int(c, "alert_id"), id);
	json_decref(c);
	assert_string_equal(cell("SELECT string_agg(kind, ',' ORDER BY id) FROM command"
	                         " WHERE alert_id = %ld", id), "delete,isolate");
	long del = num("SELECT id FROM command WHERE alert_id = %ld AND kind = 'delete'", id);
	long iso = num("SELECT id FROM command WHERE alert_id = %ld AND kind = 'isolate'", id);

	fx_verdict(id, "explanatory", "black", 0);
	r = fx_report(id, "explanatory", 201);
	json_t *rep = json_object_get(r, "report");
	assert_string_equal(fx_str(rep, "verdict"), "black");
	assert_true(json_is_true(json_object_get(rep, "mailed")));
	long rid = fx_int(rep, "id");
	json_decref(r);
	md = report_body(rid);
	assert_true(strncmp(md, "# Explanatory report: beta (black)\n", 35) == 0);
	assert_file_and_logs(md, "C:\\Users\\u\\Downloads\\blackfile.exe", sha, "203.0.113.18");
	assert_int_equal(num("SELECT count(*) FROM outbox o JOIN report r ON r.id = o.report_id"
	                     " WHERE r.id = %ld AND o.body = r.body", rid), 1);
	/* R-15: titled as the explanatory report; R-18: the state of the
	 * requested isolation and deletion, by command. */
	char said[3][300];
	snprintf(said[0], sizeof said[0], "# Explanatory report: alert %ld\n", id);
	snprintf(said[1], sizeof said[1], "- Network isolation: the endpoint's isolation was"
	         " requested: in progress (command #%ld: waiting to be sent to the endpoint)."
	         " While isolated, the endpoint can reach only the destinations allowed on the"
	         " hearing sheet.\n", iso);
	snprintf(said[2], sizeof said[2], "- Sample deletion: the deletion of the detected file is"
	         " in progress (command #%ld: waiting to be sent to the endpoint).\n", del);
	for (int i = 0; i < 3; i++)
		if (strstr(md, said[i]) == NULL)
			fail_msg("no \"%s\" in the explanatory report:\n%s", said[i], md);
	if (strstr(md, "Quick report: alert") != NULL)
		fail_msg("an explanatory report headed as a quick one:\n%s", md);
	free(md);
	free(e.tok);
}

/* R-20: a white report shows the file and its logs too, is not mailed
 * (R-15: black and gray only), and R-14 applies: beta's auto_exception
 * adds the file at the final white verdict; the explanatory verdict
 * differs from the quick gray one (R-16). */
static void test_r20_white_report(void **state)
{
	(void)state;
	struct ep e = new_ep("beta", "R20-BETA-1");
	const char *sha = sha_of('f');
	post_logs(e.tok, "R20-BETA-1", "C:\\\\Users\\\\u\\\\Downloads\\\\whitefile.exe", sha,
	          "203.0.113.20");
	long id = alert_at(e.tok, sha, "C:\\\\Users\\\\u\\\\Downloads\\\\whitefile.exe",
	                   "2026-11-24T05:00:10Z");
	claim(&fx.in, id);
	fx_verdict(id, "quick", "gray", 0);
	json_t *q = fx_report(id, "quick", 201);
	char *qmd = report_body(fx_int(json_object_get(q, "report"), "id"));
	json_decref(q);
	/* A gray quick report already names the logs to check with the user
	 * (R-19); the reply due comes with the explanatory report. */
	const char *gray_says[] = {
		"## Gray verdict (needs investigation)\n",
		"### Security logs to check with the user\n",
		"- Saved: 2026-11-24T04:59:30.000Z by WINWORD.EXE (pid 100), user - (file_create): "
		"C:\\Users\\u\\Downloads\\whitefile.exe\n",
		"- Run: 2026-11-24T05:00:00.000Z, whitefile.exe (pid 200), user -, started by "
		"WINWORD.EXE\n",
		"the explanatory report gives the date by which to answer",
	};
	for (size_t i = 0; i < sizeof gray_says / sizeof gray_says[0]; i++)
		if (strstr(qmd, gray_says[i]) == NULL)
			fail_msg("no \"%s\" in the gray quick report:\n%s", gray_says[i], qmd);
	free(qmd);
	fx_verdict(id, "explanatory", "white", 0);
	assert_int_equal(num("SELECT count(*) FROM exception WHERE tenant_id = %ld"
	                     " AND sha256 = '%s' AND alert_id = %ld", fx.beta, sha, id), 1);
	json_t *r = fx_report(id, "explanatory", 201);
	json_t *rep = json_object_get(r, "report");
	assert_string_equal(fx_str(rep, "verdict"), "white");
	assert_false(json_is_true(json_object_get(rep, "mailed")));
	long rid = fx_int(rep, "id");
	json_decref(r);
	assert_int_equal(num("SELECT count(*) FROM outbox WHERE report_id = %ld", rid), 0);
	char *md = report_body(rid);
	assert_true(strncmp(md, "# Explanatory report: beta (white)\n", 35) == 0);
	assert_file_and_logs(md, "C:\\Users\\u\\Downloads\\whitefile.exe", sha, "203.0.113.20");
	/* R-16: both verdicts; R-20/R-14: the file went into the exception
	 * list, by its entry. */
	char said[2][400];
	snprintf(said[0], sizeof said[0], "- Verdict: White (over-detection or false detection)\n"
	         "- Quick report's verdict: Gray (needs investigation) (changed by this report's"
	         " analysis)\n");
	snprintf(said[1], sizeof said[1], ", exception #%ld). Once the setting reaches the"
	         " endpoints, the file can run.\n",
	         num("SELECT id FROM exception WHERE tenant_id = %ld AND alert_id = %ld",
	             fx.beta, id));
	for (int i = 0; i < 2; i++)
		if (strstr(md, said[i]) == NULL)
			fail_msg("no \"%s\" in the white report:\n%s", said[i], md);
	if (strstr(md, "- Exception list: as the hearing sheet asks (register in the exception"
	           " list), the detected file was added to the exception list (") == NULL)
		fail_msg("no exception entry in the white report:\n%s", md);
	free(md);
	assert_string_equal(cell("SELECT state || ' ' || quick_verdict || ' ' || explain_verdict"
	                         " FROM alert WHERE id = %ld", id),
	                    "explain_published gray white");
	/* The same file again on another endpoint of beta: excepted (R-21). */
	struct ep e2 = new_ep("beta", "R20-BETA-2");
	long again = alert_at(e2.tok, sha, "C:\\\\Users\\\\v\\\\whitefile.exe",
	                      "2026-11-24T06:00:00Z");
	assert_string_equal(cell("SELECT state FROM alert WHERE id = %ld", again), "closed");
	free(e.tok), free(e2.tok);
}

/* ----------------------------------------------------------------- R-26 */

/* R-26: the management view of the console: every endpoint with its
 * client version, last contact and last error, the number registered and
 * isolated, and release of an isolation from there. */
static void test_r26_endpoints_pane(void **state)
{
	(void)state;
	free(ADMIN("tenant", "add", "r26t", "--service-start", "2025-01-01"));
	struct ep e1 = new_ep("r26t", "R26-PC1"), e2 = new_ep("r26t", "R26-PC2");
	struct ep e3 = new_ep("r26t", "R26-PC3");
	json_decref(fx_call(&fx.in, "POST", "/v1/agent/heartbeat", e1.tok,
	                    "{\"client_version\":\"2.1.0\"}", 200));
	json_decref(fx_call(&fx.in, "POST", "/v1/agent/heartbeat", e3.tok,
	                    "{\"client_version\":\"2.0.9\",\"errors\":[\"sensor stopped\"]}", 200));
	json_t *c = fx_call(&fx.in, "POST", fx_path("/v1/endpoints/%ld/isolate", e2.id), fx.alice,
	                    "{\"reason\":\"administrator asked\"}", 202);
	long cmd = fx_int(c, "id");
	json_decref(c);
	json_decref(hb_command(e2.tok, "isolate"));
	result_done(e2.tok, cmd);
	assert_string_equal(isolation_of(e2.id), "isolated");

	char cfg[600], st[600];
	snprintf(cfg, sizeof cfg, "%s/r26cfg", th_tmpdir());
	snprintf(st, sizeof st, "%s/r26state", th_tmpdir());
	mkdir(cfg, 0755);
	mkdir(st, 0755);
	char tokfile[600];
	snprintf(tokfile, sizeof tokfile, "%s", th_write_file("r26.token", fx.alice,
	                                                      strlen(fx.alice)));
	chmod(tokfile, 0600);
	char *cmdline = NULL;
	assert_true(asprintf(&cmdline, "env -u NO_COLOR TERM=xterm-256color LANG=C.UTF-8 "
	                     "LC_ALL=C.UTF-8 TZ=UTC XDG_CONFIG_HOME=%s XDG_STATE_HOME=%s %s "
	                     "--db '%s' --api %s --token-file %s --tenant r26t",
	                     cfg, st, th_bin("itrace-tui"), fx.db, fx.in.url, tokfile) > 0);
	struct tt t;
	assert_int_equal(tt_start(&t, 120, 30, cmdline), 0);
	free(cmdline);
	TT_WAIT(&t, "API ok", 15000);
	tt_keys(&t, "Tab", NULL);
	TT_WAIT(&t, "3 endpoints registered, 1 isolated or pending", 5000);
	/* one row each: host, version, last contact (the heartbeats at the
	 * daemon's 01:00 UTC), isolation, last error */
	char *s = tt_capture(&t);
	const char *rows[][4] = {
		{"R26-PC1", "2.1.0", "11-25 01:00", "none"},
		{"R26-PC2", "-", "11-25 01:00", "isolated"},
		{"R26-PC3", "2.0.9", "11-25 01:00", "sensor stopped"},
	};
	for (size_t i = 0; i < 3; i++) {
		const char *l = strstr(s, rows[i][0]);
		const char *eol = l != NULL ? strchr(l, '\n') : NULL;
		for (int k = 1; k < 4 && l != NULL; k++) {
			const char *f = strstr(l, rows[i][k]);
			if (f == NULL || (eol != NULL && f > eol))
				fail_msg("row %s lacks \"%s\":\n%s", rows[i][0], rows[i][k], s);
		}
		if (l == NULL)
			fail_msg("no row %s:\n%s", rows[i][0], s);
	}
	free(s);
	/* release from the pane: the second row */
	tt_keys(&t, "Down", NULL);
	tt_keys(&t, "R", NULL);
	TT_WAIT(&t, "Release endpoint", 5000);
	tt_keys(&t, "Enter", NULL);
	char sql[200];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM command WHERE endpoint_id = %ld"
	         " AND kind = 'release' AND requested_by = 'alice'", e2.id);
	assert_int_equal(fx_wait_count(sql, 1, 5000), 1);
	assert_string_equal(isolation_of(e2.id), "release_pending");
	tt_quit(&t);
	free(e1.tok), free(e2.tok), free(e3.tok);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_r1_auto_isolate_setting),
		cmocka_unit_test(test_r2_auto_exception_setting),
		cmocka_unit_test(test_r3_allowlist_in_isolate_command),
		cmocka_unit_test(test_r4_business_apps_at_onboarding),
		cmocka_unit_test(test_r5_protection_mode),
		cmocka_unit_test(test_r5_new_endpoints_of_block_tenant),
		cmocka_unit_test(test_r5_block_after_onboarding),
		cmocka_unit_test(test_r6_contacts),
		cmocka_unit_test(test_r9_verdict_before_report),
		cmocka_unit_test(test_r18_black_report),
		cmocka_unit_test(test_r20_white_report),
		cmocka_unit_test(test_r26_endpoints_pane),
	};
	return cmocka_run_group_tests(tests, fx_setup, fx_teardown);
}
