/* cmdd_fixture.h - the world of the itrace-cmdd integration tests.
 *
 * Included by tests/integ/test_cmdd*.c (static functions: each test
 * program gets its own copy). One fresh migrated database per program,
 * tenants and tokens made with the real admin subcommands, and two real
 * daemons on it: `in` believes it is Wednesday 2026-11-25 10:00 JST
 * (inside business hours), `out` Saturday 2026-11-28 12:00 JST (outside),
 * through the ITRACE_FAKE_NOW test hook.
 *
 *   acme   auto_isolate, allowlist 10.0.0.0/8:443, contact soc@acme.example
 *   beta   auto_exception, contact sec@beta.example
 *   newco  service started 2026-11-20, 30 onboarding days
 *   tokens alice (analyst, every tenant), lead1 (lead), viewer1 (viewer),
 *          bob (analyst, beta only); endpoints ws1, ws2 (acme), wb1 (beta),
 *          wn1 (newco)
 */
#ifndef ITRACE_CMDD_FIXTURE_H
#define ITRACE_CMDD_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <jansson.h>

#include "cmdd_helper.h"
#include "th.h"

#define FX_INSIDE "ITRACE_FAKE_NOW=2026-11-25T01:00:00Z"
#define FX_OUTSIDE "ITRACE_FAKE_NOW=2026-11-28T03:00:00Z"

static struct fx {
	char *db;
	PGconn *pg;
	struct cmdd in, out;
	char *alice, *lead, *viewer, *bob;
	char *ws1, *ws2, *wb1, *wn1;
	long acme, beta, newco;
	long ep_ws1, ep_ws2, ep_wb1, ep_wn1;
} fx;

#define ADMIN(...) cmdd_admin_or_die(fx.db, __VA_ARGS__, (const char *)NULL)
#define ADMIN12(...) cmdd_admin_or_die(fx.db, __VA_ARGS__, (const char *)NULL)

__attribute__((unused)) static long fx_num(const char *sql)
{
	return th_count(fx.pg, sql);
}

static int fx_setup(void **state)
{
	(void)state;
	fx.db = th_db_new_migrated();
	if (fx.db == NULL)
		return -1;
	fx.pg = th_connect(fx.db);
	free(ADMIN12("tenant", "add", "acme", "--auto-isolate", "--allow", "10.0.0.0/8:443",
	             "--contact", "soc@acme.example", "--service-start", "2025-01-01",
	             "--mode", "block"));
	free(ADMIN("tenant", "add", "beta", "--auto-exception", "--contact", "sec@beta.example",
	           "--service-start", "2025-01-01"));
	free(ADMIN("tenant", "add", "newco", "--service-start", "2026-11-20",
	           "--onboarding-days", "30"));
	fx.acme = fx_num("SELECT id FROM tenant WHERE name = 'acme'");
	fx.beta = fx_num("SELECT id FROM tenant WHERE name = 'beta'");
	fx.newco = fx_num("SELECT id FROM tenant WHERE name = 'newco'");
	fx.alice = ADMIN("token", "add", "--analyst", "alice", "--role", "analyst");
	fx.lead = ADMIN("token", "add", "--analyst", "lead1", "--role", "lead");
	fx.viewer = ADMIN("token", "add", "--analyst", "viewer1", "--role", "viewer");
	fx.bob = ADMIN("token", "add", "--analyst", "bob", "--role", "analyst", "--tenant", "beta");
	fx.ws1 = ADMIN("token", "add", "--endpoint", "WS1.acme.local", "--tenant", "acme");
	fx.ws2 = ADMIN("token", "add", "--endpoint", "ws2", "--tenant", "acme");
	fx.wb1 = ADMIN("token", "add", "--endpoint", "wb1", "--tenant", "beta");
	fx.wn1 = ADMIN("token", "add", "--endpoint", "wn1", "--tenant", "newco");
	fx.ep_ws1 = fx_num("SELECT id FROM endpoint WHERE name = 'ws1'");
	fx.ep_ws2 = fx_num("SELECT id FROM endpoint WHERE name = 'ws2'");
	fx.ep_wb1 = fx_num("SELECT id FROM endpoint WHERE name = 'wb1'");
	fx.ep_wn1 = fx_num("SELECT id FROM endpoint WHERE name = 'wn1'");
	static char in_env[] = FX_INSIDE, out_env[] = FX_OUTSIDE;
	char *ein[] = {in_env, NULL}, *eout[] = {out_env, NULL};
	const char *in_args[] = {"--job-interval", "0.2", "--threads", "3", NULL};
	const char *out_args[] = {"--job-interval", "600", "--threads", "2", NULL};
	if (cmdd_start(&fx.in, fx.db, in_args, ein) != 0 ||
	    cmdd_start(&fx.out, fx.db, out_args, eout) != 0)
		return -1;
	return 0;
}

static int fx_teardown(void **state)
{
	(void)state;
	int a = cmdd_stop(&fx.in), b = cmdd_stop(&fx.out);
	PQfinish(fx.pg);
	th_db_drop(fx.db);
	free(fx.alice), free(fx.lead), free(fx.viewer), free(fx.bob);
	free(fx.ws1), free(fx.ws2), free(fx.wb1), free(fx.wn1);
	if (a != 0 || b != 0) {
		fprintf(stderr, "fixture: daemon exit status %d / %d (want 0)\n", a, b);
		return -1;
	}
	return 0;
}

/* One request; asserts the status; returns the parsed body (new ref; a
 * JSON null when the body is not JSON). */
static json_t *fx_call(const struct cmdd *d, const char *method, const char *path,
                       const char *token, const char *body, long want)
{
	struct cmdd_resp r;
	int rc = cmdd_http(d, method, path, token, NULL, body, body != NULL ? strlen(body) : 0, &r);
	if (rc != 0 || r.status != want)
		fail_msg("%s %s: status %ld, want %ld: %s", method, path, r.status, want, r.body);
	json_t *j = json_loads(r.body, 0, NULL);
	cmdd_resp_free(&r);
	return j != NULL ? j : json_null();
}

__attribute__((unused)) static const char *fx_str(json_t *j, const char *key)
{
	json_t *v = json_object_get(j, key);
	return json_is_string(v) ? json_string_value(v) : "";
}

__attribute__((unused)) static long fx_int(json_t *j, const char *key)
{
	return (long)json_integer_value(json_object_get(j, key));
}

__attribute__((unused)) static const char *fx_errcode(json_t *j)
{
	return fx_str(json_object_get(j, "error"), "code");
}

/* A new alert from an endpoint token; returns its JSON (201). sha may be
 * NULL (then a fresh random-looking one is made). */
__attribute__((unused)) static json_t *fx_alert(const char *ep_token, const char *sha, const char *path)
{
	static int n;
	char hash[65], body[1024];
	if (sha == NULL) {
		snprintf(hash, sizeof hash, "%08x%056d", (unsigned)getpid() ^ (unsigned)(n * 2654435761u), n);
		sha = hash;
	}
	n++;
	snprintf(body, sizeof body,
	         "{\"detected_at\":\"2026-11-24T%02d:%02d:%02dZ\",\"path\":\"%s\","
	         "\"sha256\":\"%s\",\"detection\":\"Trojan:Win32/Test\",\"action\":\"blocked\"}",
	         n / 3600 % 24, n / 60 % 60, n % 60,
	         path != NULL ? path : "C:\\\\Users\\\\u\\\\Downloads\\\\x.exe", sha);
	return fx_call(&fx.in, "POST", "/v1/agent/alerts", ep_token, body, 201);
}

static char *fx_path(const char *fmt, ...) __attribute__((format(printf, 1, 2), unused));
static char *fx_path(const char *fmt, ...)
{
	static char buf[4][128];
	static int slot;
	char *b = buf[slot++ % 4];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(b, sizeof buf[0], fmt, ap);
	va_end(ap);
	return b;
}

/* Drive an alert to a state with the API: claim, verdicts, reports. */
__attribute__((unused)) static long fx_version(long alert_id)
{
	char sql[128];
	snprintf(sql, sizeof sql, "SELECT version FROM alert WHERE id = %ld", alert_id);
	return fx_num(sql);
}

__attribute__((unused)) static void fx_verdict(long id, const char *phase, const char *verdict, int needs)
{
	char body[256];
	snprintf(body, sizeof body,
	         "{\"phase\":\"%s\",\"verdict\":\"%s\",\"version\":%ld%s}", phase, verdict,
	         fx_version(id), strcmp(phase, "quick") == 0
	                         ? (needs ? ",\"needs_explanatory\":true" : "") : "");
	json_decref(fx_call(&fx.in, "POST", fx_path("/v1/alerts/%ld/verdict", id), fx.alice,
	                    body, 200));
}

__attribute__((unused)) static json_t *fx_report(long id, const char *kind, long want)
{
	char body[128];
	snprintf(body, sizeof body, "{\"kind\":\"%s\",\"lang\":\"en\"}", kind);
	return fx_call(&fx.in, "POST", fx_path("/v1/alerts/%ld/reports", id), fx.alice, body,
	               want);
}

/* Poll a count query until it reaches want (jobs run every 0.2 s). */
__attribute__((unused)) static long fx_wait_count(const char *sql, long want, int ms)
{
	long v = -1;
	for (int i = 0; i < ms / 50; i++) {
		v = fx_num(sql);
		if (v == want)
			break;
		usleep(50000);
	}
	return v;
}

#endif
