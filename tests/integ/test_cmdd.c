/* test_cmdd.c - itrace-cmdd as a server: authentication and authorisation,
 * idempotency, versions, hostile bodies, event uploads, database
 * restarts. Real daemon on loopback, real PostgreSQL (cmdd_fixture.h). */
#include "cmdd_fixture.h"

#include <pthread.h>

static void health_ok(const struct cmdd *d)
{
	json_t *j = fx_call(d, "GET", "/v1/health", NULL, NULL, 200);
	assert_string_equal(fx_str(j, "status"), "ok");
	json_decref(j);
}

/* No token, a bad token, a revoked token: 401. */
static void test_auth_401(void **state)
{
	(void)state;
	json_t *a = fx_alert(fx.ws1, NULL, NULL);
	const char *path = fx_path("/v1/alerts/%ld", fx_int(a, "id"));
	json_t *j = fx_call(&fx.in, "GET", path, NULL, NULL, 401);
	assert_string_equal(fx_errcode(j), "unauthorized");
	json_decref(j);
	json_decref(fx_call(&fx.in, "GET", path, "itr_not-a-real-token-at-all-0000000000", NULL, 401));
	char *tok = ADMIN("token", "add", "--analyst", "mallory", "--role", "analyst");
	json_decref(fx_call(&fx.in, "GET", path, tok, NULL, 200));
	char *n = ADMIN("token", "revoke", "--analyst", "mallory");
	assert_string_equal(n, "1");
	json_decref(fx_call(&fx.in, "GET", path, tok, NULL, 401));
	free(tok);
	free(n);
	/* The token is never logged. */
	struct th_out o;
	const char *argv[] = {"/bin/cat", fx.in.log, NULL};
	th_run(&o, NULL, NULL, argv);
	assert_int_equal(th_count_str(o.out, fx.alice), 0);
	assert_int_equal(th_count_str(o.out, "Bearer"), 0);
	assert_true(th_count_str(o.out, " mallory\n") > 0);
	th_out_free(&o);
	json_decref(a);
}

/* Wrong tenant, viewer, endpoint token on analyst routes and back: 403. */
static void test_auth_403(void **state)
{
	(void)state;
	json_t *a = fx_alert(fx.ws1, NULL, NULL);           /* acme */
	long id = fx_int(a, "id");
	json_decref(a);
	json_t *j = fx_call(&fx.in, "GET", fx_path("/v1/alerts/%ld", id), fx.bob, NULL, 403);
	assert_string_equal(fx_errcode(j), "forbidden");
	json_decref(j);
	json_decref(fx_call(&fx.in, "POST", fx_path("/v1/alerts/%ld/claim", id), fx.bob, NULL, 403));
	json_decref(fx_call(&fx.in, "GET", fx_path("/v1/endpoints/%ld", fx.ep_ws1), fx.bob, NULL, 403));
	json_decref(fx_call(&fx.in, "POST", fx_path("/v1/endpoints/%ld/isolate", fx.ep_ws1), fx.bob,
	                    "{\"reason\":\"x\"}", 403));
	json_decref(fx_call(&fx.in, "POST", fx_path("/v1/tenants/%ld/exceptions", fx.acme), fx.bob,
	                    "{\"path\":\"C:\\\\x.exe\"}", 403));
	/* A viewer reads but writes nothing. */
	json_decref(fx_call(&fx.in, "GET", fx_path("/v1/alerts/%ld", id), fx.viewer, NULL, 200));
	json_decref(fx_call(&fx.in, "POST", fx_path("/v1/alerts/%ld/claim", id), fx.viewer, NULL, 403));
	json_decref(fx_call(&fx.in, "POST", fx_path("/v1/endpoints/%ld/isolate", fx.ep_ws1),
	                    fx.viewer, "{}", 403));
	/* Endpoint tokens: agent routes only; analysts: not agent routes. */
	json_decref(fx_call(&fx.in, "GET", fx_path("/v1/alerts/%ld", id), fx.ws1, NULL, 403));
	json_decref(fx_call(&fx.in, "POST", "/v1/agent/heartbeat", fx.alice, "{}", 403));
	/* Nothing changed. */
	assert_int_equal(fx_version(id), 1);
}

/* A repeat with the same key returns the first answer byte for byte and
 * does nothing again; a key reused for another body is refused. */
static void test_idempotency(void **state)
{
	(void)state;
	json_t *a = fx_alert(fx.ws1, NULL, NULL);
	long id = fx_int(a, "id");
	json_decref(a);
	const char *path = fx_path("/v1/alerts/%ld/claim", id);
	struct cmdd_resp r1, r2, r3;
	assert_int_equal(cmdd_http(&fx.in, "POST", path, fx.alice, "claim-1", "{}", 2, &r1), 0);
	assert_int_equal(r1.status, 200);
	/* Meanwhile the alert moves on: the replay must not show that. */
	json_decref(fx_call(&fx.in, "POST", fx_path("/v1/alerts/%ld/unclaim", id), fx.alice, NULL, 200));
	assert_int_equal(cmdd_http(&fx.in, "POST", path, fx.alice, "claim-1", "{}", 2, &r2), 0);
	assert_int_equal(r2.status, 200);
	assert_int_equal(r1.len, r2.len);
	assert_memory_equal(r1.body, r2.body, r1.len);
	char sql[200];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM audit WHERE object = 'alert:%ld'"
	         " AND action = 'alert.claim'", id);
	assert_int_equal(fx_num(sql), 1);
	snprintf(sql, sizeof sql, "SELECT state FROM alert WHERE id = %ld", id);
	char *st = th_scalar(fx.pg, sql);
	assert_string_equal(st, "new");
	free(st);
	/* Same key, other request: 422. Another caller, same key: its own. */
	assert_int_equal(cmdd_http(&fx.in, "POST", path, fx.alice, "claim-1", "{\"version\":2}", 13,
	                           &r3), 0);
	assert_int_equal(r3.status, 422);
	cmdd_resp_free(&r3);
	assert_int_equal(cmdd_http(&fx.in, "POST", path, fx.lead, "claim-1", "{}", 2, &r3), 0);
	assert_int_equal(r3.status, 200);
	cmdd_resp_free(&r1);
	cmdd_resp_free(&r2);
	cmdd_resp_free(&r3);
	/* An error answer is replayed too (409 stale version). */
	const char *vpath = fx_path("/v1/alerts/%ld/verdict", id);
	const char *vb = "{\"phase\":\"quick\",\"verdict\":\"white\",\"version\":1}";
	assert_int_equal(cmdd_http(&fx.in, "POST", vpath, fx.alice, "v-1", vb, strlen(vb), &r1), 0);
	assert_int_equal(cmdd_http(&fx.in, "POST", vpath, fx.alice, "v-1", vb, strlen(vb), &r2), 0);
	assert_int_equal(r1.status, 409);
	assert_string_equal(r1.body, r2.body);
	cmdd_resp_free(&r1);
	cmdd_resp_free(&r2);
	/* A bad key is a 400. */
	assert_int_equal(cmdd_http(&fx.in, "POST", path, fx.alice, "has space", "{}", 2, &r1), 0);
	assert_int_equal(r1.status, 400);
	cmdd_resp_free(&r1);
}

/* 409 for a stale version or a transition the state does not allow,
 * with the current state and version in the error. */
static void test_stale_version(void **state)
{
	(void)state;
	json_t *a = fx_alert(fx.ws1, NULL, NULL);
	long id = fx_int(a, "id");
	json_decref(a);
	json_t *j = fx_call(&fx.in, "POST", fx_path("/v1/alerts/%ld/verdict", id), fx.alice,
	                    "{\"phase\":\"quick\",\"verdict\":\"black\",\"version\":1}", 409);
	assert_string_equal(fx_errcode(j), "invalid_transition");
	assert_string_equal(fx_str(json_object_get(j, "error"), "state"), "new");
	json_decref(j);
	json_decref(fx_call(&fx.in, "POST", fx_path("/v1/alerts/%ld/claim", id), fx.alice, "{}", 200));
	j = fx_call(&fx.in, "POST", fx_path("/v1/alerts/%ld/verdict", id), fx.alice,
	            "{\"phase\":\"quick\",\"verdict\":\"white\",\"version\":1}", 409);
	assert_string_equal(fx_errcode(j), "stale_version");
	assert_int_equal(fx_int(json_object_get(j, "error"), "version"), 2);
	assert_string_equal(fx_str(json_object_get(j, "error"), "state"), "claimed");
	json_decref(j);
	j = fx_call(&fx.in, "POST", fx_path("/v1/alerts/%ld/verdict", id), fx.alice,
	            "{\"phase\":\"quick\",\"verdict\":\"purple\",\"version\":2}", 400);
	assert_string_equal(fx_str(json_object_get(j, "error"), "message"),
	                    "$.verdict: must be black, gray or white");
	json_decref(j);
	j = fx_call(&fx.in, "POST", fx_path("/v1/alerts/%ld/verdict", id), fx.alice,
	            "{\"phase\":\"quick\",\"verdict\":\"white\"}", 400);
	assert_string_equal(fx_str(json_object_get(j, "error"), "message"), "$.version: required");
	json_decref(j);
	json_decref(fx_call(&fx.in, "GET", "/v1/alerts/999999", fx.alice, NULL, 404));
	json_decref(fx_call(&fx.in, "GET", "/v1/nothing", fx.alice, NULL, 404));
	json_decref(fx_call(&fx.in, "DELETE", "/v1/health", NULL, NULL, 405));
}

/* Hostile bodies: each answered 4xx, the daemon keeps serving. */
static void test_hostile_bodies(void **state)
{
	(void)state;
	json_t *a = fx_alert(fx.ws1, NULL, NULL);
	long id = fx_int(a, "id");
	json_decref(a);
	json_decref(fx_call(&fx.in, "POST", fx_path("/v1/alerts/%ld/claim", id), fx.alice, NULL, 200));
	const char *vpath = fx_path("/v1/alerts/%ld/verdict", id);
	static const struct {
		const char *body;
		long status;
		const char *code;
	} cases[] = {
		{"{\"phase\":\"quick\",", 400, "bad_json"},                   /* truncated */
		{"[1,2,3]", 400, "bad_json"},                                  /* not an object */
		{"{\"phase\":1,\"verdict\":\"black\",\"version\":2}", 400, "bad_field"},
		{"{\"phase\":\"quick\",\"verdict\":[\"black\"],\"version\":2}", 400, "bad_field"},
		{"{\"phase\":\"quick\",\"verdict\":\"black\",\"version\":\"2\"}", 400, "bad_field"},
		{"{\"phase\":\"quick\",\"verdict\":\"bl\xff\xfe\",\"version\":2}", 400, "bad_json"},
		{"{\"phase\":\"quick\",\"verdict\":\"black\",\"version\":2,\"urgent\":true}", 400,
		 "unknown_field"},
		{"{\"phase\":\"qu\\u0000ick\",\"verdict\":\"black\",\"version\":2}", 400, "bad_json"},
		{"{\"phase\":\"quick\",\"phase\":\"explanatory\"}", 400, "bad_json"},
		{"{\"phase\":\"quick\",\"verdict\":\"black\",\"version\":1e999}", 400, "bad_json"},
		{"{\"phase\":\"quick\",\"verdict\":\"black\",\"version\":99999999999999999999}", 400,
		 "bad_json"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct cmdd_resp r;
		assert_int_equal(cmdd_http(&fx.in, "POST", vpath, fx.alice, NULL, cases[i].body,
		                           strlen(cases[i].body), &r), 0);
		json_t *j = json_loads(r.body, 0, NULL);
		if (r.status != cases[i].status || j == NULL ||
		    strcmp(fx_errcode(j), cases[i].code) != 0)
			fail_msg("case %zu: %ld %s", i, r.status, r.body);
		json_decref(j);
		cmdd_resp_free(&r);
	}
	/* Deep nesting, a 10 MB string (413), a 900 KB comment (400, over
	 * the comment cap), an unlisted 20 MB upload to events (413). */
	size_t n = 100000;
	char *deep = malloc(2 * n + 1);
	memset(deep, '[', n);
	memset(deep + n, ']', n);
	deep[2 * n] = '\0';
	json_decref(fx_call(&fx.in, "POST", vpath, fx.alice, deep, 400));
	free(deep);
	size_t big = 10 * 1024 * 1024;
	char *s = malloc(big + 64);
	int off = snprintf(s, 64, "{\"phase\":\"quick\",\"comment\":\"");
	memset(s + off, 'A', big);
	strcpy(s + off + big, "\"}");
	json_t *j = fx_call(&fx.in, "POST", vpath, fx.alice, s, 413);
	assert_string_equal(fx_errcode(j), "payload_too_large");
	json_decref(j);
	off = snprintf(s, 100, "{\"phase\":\"quick\",\"verdict\":\"black\",\"version\":2,"
	                       "\"comment\":\"");
	memset(s + off, 'B', 900000);
	strcpy(s + off + 900000, "\"}");
	j = fx_call(&fx.in, "POST", vpath, fx.alice, s, 400);
	assert_string_equal(fx_str(json_object_get(j, "error"), "message"),
	                    "$.comment: longer than 65536 bytes");
	json_decref(j);
	free(s);
	s = malloc(20 * 1024 * 1024 + 1);
	memset(s, '\n', 20 * 1024 * 1024);
	s[20 * 1024 * 1024] = '\0';
	json_decref(fx_call(&fx.in, "POST", "/v1/agent/events", fx.ws1, s, 413));
	free(s);
	/* Odd paths and headers. */
	json_decref(fx_call(&fx.in, "GET", "/v1/alerts/0", fx.alice, NULL, 404));
	json_decref(fx_call(&fx.in, "GET", "/v1/alerts/-1", fx.alice, NULL, 404));
	json_decref(fx_call(&fx.in, "GET", "/v1/alerts/99999999999999999999999", fx.alice, NULL, 404));
	json_decref(fx_call(&fx.in, "GET", "/v1/alerts/%0a%1b[31m", fx.alice, NULL, 404));
	health_ok(&fx.in);
	assert_true(cmdd_alive(&fx.in));
	/* And the alert is still where it was. */
	assert_int_equal(fx_version(id), 2);
}

/* Many concurrent clients while hostile requests go on. */
struct hammer {
	int ok;
};

static void *hammer_main(void *arg)
{
	struct hammer *h = arg;
	for (int i = 0; i < 40; i++) {
		struct cmdd_resp r;
		if (cmdd_http(&fx.in, "POST", "/v1/agent/heartbeat", fx.ws2, NULL,
		              "{\"client_version\":\"1.0\"}", 24, &r) == 0 && r.status == 200)
			h->ok++;
		cmdd_resp_free(&r);
		if (cmdd_http(&fx.in, "POST", "/v1/agent/heartbeat", fx.ws2, NULL, "{\"x", 4, &r) == 0 &&
		    r.status == 400)
			h->ok++;
		cmdd_resp_free(&r);
	}
	return NULL;
}

static void test_concurrency(void **state)
{
	(void)state;
	pthread_t t[8];
	struct hammer h[8] = {0};
	for (int i = 0; i < 8; i++)
		pthread_create(&t[i], NULL, hammer_main, &h[i]);
	for (int i = 0; i < 8; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(h[i].ok, 80);
	}
	health_ok(&fx.in);
}

/* POST /v1/agent/events: NDJSON through ll_parse and the shared loader,
 * counts and per-line errors; alert lines become alerts. */
static void test_events(void **state)
{
	(void)state;
	const char *body =
		"{\"type\":\"event\",\"host\":\"ws2\",\"time\":\"2026-11-24T01:00:00Z\","
		"\"kind\":\"process_start\",\"pid\":100,\"image\":\"C:\\\\Windows\\\\cmd.exe\","
		"\"proc_guid\":\"{11111111-2222-3333-4444-555555555555}\"}\n"
		"{\"type\":\"event\",\"host\":\"ws2\",\"time\":\"not a time\",\"kind\":\"file_create\"}\n"
		"\n"
		"{\"type\":\"event\",\"host\":\"ws2\",\"time\":\"2026-11-24T01:00:01Z\","
		"\"kind\":\"file_create\",\"pid\":100,\"target\":\"C:\\\\x.exe\"}\n"
		"this is not json\n"
		"{\"type\":\"alert\",\"host\":\"ws2\",\"detected_at\":\"2026-11-24T01:00:02Z\","
		"\"path\":\"C:\\\\x.exe\",\"detection\":\"Test\",\"action\":\"allowed\"}\n";
	json_t *j = fx_call(&fx.in, "POST", "/v1/agent/events", fx.ws2, body, 200);
	assert_int_equal(fx_int(j, "events"), 2);
	assert_int_equal(fx_int(j, "alerts"), 1);
	assert_int_equal(fx_int(j, "rejected"), 2);
	json_t *errs = json_object_get(j, "errors");
	assert_int_equal(json_array_size(errs), 2);
	assert_true(strncmp(json_string_value(json_array_get(errs, 0)), "line 2: ", 8) == 0);
	assert_true(strncmp(json_string_value(json_array_get(errs, 1)), "line 5: ", 8) == 0);
	json_decref(j);
	char sql[160];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM event WHERE endpoint_id = %ld", fx.ep_ws2);
	assert_int_equal(fx_num(sql), 2);
	/* Again: nothing new (the loader's dedup keys). */
	j = fx_call(&fx.in, "POST", "/v1/agent/events", fx.ws2, body, 200);
	assert_int_equal(fx_int(j, "events"), 0);
	json_decref(j);
	assert_int_equal(fx_num(sql), 2);
}

/* The database restarts under the daemon: 503 db_unavailable meanwhile
 * (or already back), then normal answers again without a restart. */
static void test_db_restart(void **state)
{
	(void)state;
	const char *ctl = getenv("ITRACE_TEST_PGCTL");
	if (ctl == NULL || ctl[0] == '\0') {
		print_message("ITRACE_TEST_PGCTL not set: database restart not tested\n");
		return;
	}
	health_ok(&fx.in);
	PQfinish(fx.pg);
	if (system(ctl) != 0)
		fail_msg("cannot restart PostgreSQL with %s", ctl);
	fx.pg = th_connect(fx.db);
	int ok = 0;
	for (int i = 0; i < 100 && !ok; i++) {
		struct cmdd_resp r;
		cmdd_http(&fx.in, "GET", "/v1/health", NULL, NULL, NULL, 0, &r);
		if (r.status == 503)
			assert_non_null(strstr(r.body, "db_unavailable"));
		else if (r.status == 200)
			ok = 1;
		else
			fail_msg("health during restart: %ld %s", r.status, r.body);
		cmdd_resp_free(&r);
		if (!ok)
			usleep(100000);
	}
	assert_true(ok);
	/* Every worker thread reconnects (each retries at most every
	 * 250 ms, answering 503 meanwhile). */
	int created = 0;
	for (int i = 0; i < 200 && created < 10; i++) {
		struct cmdd_resp r;
		cmdd_http(&fx.in, "POST", "/v1/agent/heartbeat", fx.ws1, NULL, "{}", 2, &r);
		if (r.status == 200)
			created++;
		else if (r.status == 503)
			usleep(50000);
		else
			fail_msg("after restart: %ld %s", r.status, r.body);
		cmdd_resp_free(&r);
	}
	assert_int_equal(created, 10);
}

/* SIGTERM while heartbeats wait: the daemon answers them and exits 0. */
struct waiter {
	const struct cmdd *d;
	long status;
};

static void *wait_main(void *arg)
{
	struct waiter *w = arg;
	struct cmdd_resp r;
	cmdd_http(w->d, "POST", "/v1/agent/heartbeat", fx.ws2, NULL, "{\"wait\":true}", 13, &r);
	w->status = r.status;
	cmdd_resp_free(&r);
	return NULL;
}

static void test_shutdown_with_waiters(void **state)
{
	(void)state;
	struct cmdd d;
	const char *args[] = {"--threads", "2", NULL};
	assert_int_equal(cmdd_start(&d, fx.db, args, NULL), 0);
	json_decref(fx_call(&d, "POST", "/v1/agent/heartbeat", fx.ws2, "{}", 200));
	struct waiter w[4];
	pthread_t t[4];
	for (int i = 0; i < 4; i++) {
		w[i].d = &d;
		w[i].status = -1;
		pthread_create(&t[i], NULL, wait_main, &w[i]);
	}
	usleep(500000);
	assert_int_equal(cmdd_stop(&d), 0);
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		/* Answered (empty) or cut off; never left hanging. */
		assert_true(w[i].status == 200 || w[i].status == 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_auth_401),
		cmocka_unit_test(test_auth_403),
		cmocka_unit_test(test_idempotency),
		cmocka_unit_test(test_stale_version),
		cmocka_unit_test(test_hostile_bodies),
		cmocka_unit_test(test_concurrency),
		cmocka_unit_test(test_events),
		cmocka_unit_test(test_db_restart),
		cmocka_unit_test(test_shutdown_with_waiters),
	};
	return cmocka_run_group_tests(tests, fx_setup, fx_teardown);
}
