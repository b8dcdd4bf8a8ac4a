/* test_cmdd_cache.c - what itrace-cmdd keeps in memory (src/cmdd/cache.c)
 * never outlives the database: tokens revoked take effect at once,
 * commands queued by another daemon (or by an admin command, or straight
 * in the database) reach the endpoint on its next heartbeat here, other
 * writers' changes of an endpoint are put right, and heartbeats keep
 * their answers only when they delivered commands. Two real daemons on
 * one database (cmdd_fixture.h: `in` and `out`), real PostgreSQL. */
#include "cmdd_fixture.h"

#include <pthread.h>
#include <stdbool.h>
#include <time.h>

/* The memory counters of GET /v1/health. */
struct counters {
	bool on;
	long auth_hits, idle, db;
};

static struct counters counters(const struct cmdd *d)
{
	json_t *j = fx_call(d, "GET", "/v1/health", NULL, NULL, 200);
	json_t *c = json_object_get(j, "cache");
	struct counters k = {
		.on = json_is_true(json_object_get(c, "on")),
		.auth_hits = fx_int(c, "auth_hits"),
		.idle = fx_int(c, "heartbeats_idle"),
		.db = fx_int(c, "heartbeats_db"),
	};
	json_decref(j);
	return k;
}

/* The listener connects after the daemon listens: wait for memory on. */
static void wait_memory(const struct cmdd *d)
{
	for (int i = 0; i < 200; i++) {
		if (counters(d).on)
			return;
		usleep(25000);
	}
	fail_msg("the daemon's memory never came on (listener, 009 triggers?)");
}

static int setup(void **state)
{
	if (fx_setup(state) != 0)
		return -1;
	wait_memory(&fx.in);
	wait_memory(&fx.out);
	return 0;
}

/* A heartbeat; asserts the status; the answer's JSON. */
static json_t *hb(const struct cmdd *d, const char *token, const char *key, const char *body,
                  long want)
{
	struct cmdd_resp r;
	if (cmdd_http(d, "POST", "/v1/agent/heartbeat", token, key, body, strlen(body), &r) != 0 ||
	    r.status != want)
		fail_msg("heartbeat: %ld, want %ld: %s", r.status, want, r.body);
	json_t *j = json_loads(r.body, 0, NULL);
	cmdd_resp_free(&r);
	return j != NULL ? j : json_null();
}

static size_t ncommands(json_t *answer)
{
	return json_array_size(json_object_get(answer, "commands"));
}

/* A fresh endpoint of tenant acme and its token. */
static char *new_endpoint(const char *host, long *id)
{
	char *tok = ADMIN("token", "add", "--endpoint", host, "--tenant", "acme");
	char sql[160];
	snprintf(sql, sizeof sql, "SELECT id FROM endpoint WHERE name = '%s'", host);
	*id = fx_num(sql);
	return tok;
}

/* Heartbeats until one was answered from memory (the first goes to the
 * database; the notification of its own write may still be in flight). */
static void until_idle(const struct cmdd *d, const char *token, const char *body)
{
	long before = counters(d).idle;
	for (int i = 0; i < 100; i++) {
		json_decref(hb(d, token, NULL, body, 200));
		if (counters(d).idle > before)
			return;
		usleep(10000);
	}
	fail_msg("no heartbeat was answered from memory");
}

/* Heartbeats of an endpoint with nothing to deliver, a fresh contact and
 * an unchanged version touch no database; the rest still do. */
static void test_idle_heartbeats(void **state)
{
	(void)state;
	long ep;
	char *tok = new_endpoint("idle1", &ep);
	const char *body = "{\"client_version\":\"1.0\",\"errors\":[]}";
	until_idle(&fx.in, tok, body);
	struct counters a = counters(&fx.in);
	for (int i = 0; i < 20; i++)
		json_decref(hb(&fx.in, tok, NULL, body, 200));
	struct counters b = counters(&fx.in);
	assert_true(b.idle - a.idle >= 15);
	assert_true(b.auth_hits - a.auth_hits >= 15);
	/* A new version, errors, and their clearing are written at once. */
	char sql[200];
	json_decref(hb(&fx.in, tok, NULL, "{\"client_version\":\"1.1\"}", 200));
	snprintf(sql, sizeof sql, "SELECT client_version FROM endpoint WHERE id = %ld", ep);
	char *v = th_scalar(fx.pg, sql);
	assert_string_equal(v, "1.1");
	free(v);
	json_decref(hb(&fx.in, tok, NULL, "{\"client_version\":\"1.1\",\"errors\":[\"disk full\"]}",
	               200));
	snprintf(sql, sizeof sql, "SELECT coalesce(last_error, '-') FROM endpoint WHERE id = %ld", ep);
	v = th_scalar(fx.pg, sql);
	assert_string_equal(v, "disk full");
	free(v);
	json_decref(hb(&fx.in, tok, NULL, "{\"client_version\":\"1.1\"}", 200));
	v = th_scalar(fx.pg, sql);
	assert_string_equal(v, "-");
	free(v);
	/* Another writer sets last_error (not this daemon's heartbeat): the
	 * next heartbeat without errors clears it again. */
	until_idle(&fx.in, tok, "{\"client_version\":\"1.1\"}");
	snprintf(sql, sizeof sql, "UPDATE endpoint SET last_error = 'written elsewhere' WHERE id = %ld",
	         ep);
	PQclear(PQexec(fx.pg, sql));
	json_decref(hb(&fx.in, tok, NULL, "{\"client_version\":\"1.1\"}", 200));
	snprintf(sql, sizeof sql, "SELECT coalesce(last_error, '-') FROM endpoint WHERE id = %ld", ep);
	v = th_scalar(fx.pg, sql);
	assert_string_equal(v, "-");
	free(v);
	/* The contact is still written every 5 s. */
	snprintf(sql, sizeof sql,
	         "SELECT (extract(epoch FROM last_seen) * 1000)::bigint FROM endpoint WHERE id = %ld",
	         ep);
	long seen0 = fx_num(sql);
	usleep(5300 * 1000);
	json_decref(hb(&fx.in, tok, NULL, "{\"client_version\":\"1.1\"}", 200));
	assert_true(fx_num(sql) - seen0 >= 5000);
	free(tok);
}

/* A revoked token is refused by the very next request, although it was
 * remembered: by the admin command, and by an UPDATE in the database. */
static void test_revoke_at_once(void **state)
{
	(void)state;
	for (int i = 0; i < 5; i++) {
		char host[32];
		snprintf(host, sizeof host, "revoke%d", i);
		long ep;
		char *tok = new_endpoint(host, &ep);
		until_idle(&fx.in, tok, "{}");
		long hits = counters(&fx.in).auth_hits;
		json_decref(hb(&fx.in, tok, NULL, "{}", 200));
		assert_true(counters(&fx.in).auth_hits > hits);     /* remembered */
		if (i % 2 == 0) {
			free(ADMIN("token", "revoke", "--endpoint", host, "--tenant", "acme"));
		} else {
			char sql[160];
			snprintf(sql, sizeof sql,
			         "UPDATE analyst SET revoked_at = now() WHERE endpoint_id = %ld", ep);
			PQclear(PQexec(fx.pg, sql));
		}
		json_t *j = hb(&fx.in, tok, NULL, "{}", 401);
		assert_string_equal(fx_errcode(j), "unauthorized");
		json_decref(j);
		free(tok);
	}
	/* An analyst token too. */
	char *tok = ADMIN("token", "add", "--analyst", "eve", "--role", "analyst");
	const char *path = fx_path("/v1/endpoints/%ld", fx.ep_ws1);
	for (int i = 0; i < 3; i++)
		json_decref(fx_call(&fx.in, "GET", path, tok, NULL, 200));
	free(ADMIN("token", "revoke", "--analyst", "eve"));
	json_decref(fx_call(&fx.in, "GET", path, tok, NULL, 401));
	free(tok);
	/* A deleted analyst row (and a truncated table would say auth:*). */
	tok = ADMIN("token", "add", "--analyst", "eve2", "--role", "viewer");
	for (int i = 0; i < 3; i++)
		json_decref(fx_call(&fx.in, "GET", path, tok, NULL, 200));
	PQclear(PQexec(fx.pg, "DELETE FROM analyst WHERE name = 'eve2'"));
	json_decref(fx_call(&fx.in, "GET", path, tok, NULL, 401));
	free(tok);
}

/* A command queued through the OTHER daemon reaches the endpoint on its
 * very next heartbeat to this one; so do commands an admin command queues
 * and an upgrade target set from outside. */
static void test_other_writers(void **state)
{
	(void)state;
	long ep;
	char *tok = new_endpoint("other1", &ep);
	for (int i = 0; i < 3; i++) {
		until_idle(&fx.in, tok, "{}");
		/* `out` is outside business hours: an urgent isolation by a
		 * lead, then its release. */
		const char *what = i % 2 == 0 ? "isolate" : "release";
		json_t *c = fx_call(&fx.out, "POST", fx_path("/v1/endpoints/%ld/%s", ep, what),
		                    fx.lead, "{\"urgent\":true,\"reason\":\"cache test\"}", 202);
		long id = fx_int(c, "id");
		json_decref(c);
		json_t *a = hb(&fx.in, tok, NULL, "{}", 200);
		assert_int_equal(ncommands(a), 1);
		json_t *cmd = json_array_get(json_object_get(a, "commands"), 0);
		assert_int_equal(fx_int(cmd, "id"), id);
		assert_string_equal(fx_str(cmd, "kind"), what);
		json_decref(a);
		char rp[96];
		snprintf(rp, sizeof rp, "/v1/agent/commands/%ld/result", id);
		json_decref(fx_call(&fx.in, "POST", rp, tok, "{\"status\":\"done\"}", 200));
	}
	/* A command written straight into the database. */
	until_idle(&fx.in, tok, "{}");
	char sql[300];
	snprintf(sql, sizeof sql,
	         "INSERT INTO command (tenant_id, endpoint_id, kind, args, requested_by)"
	         " VALUES (%ld, %ld, 'fetch', '{\"path\":\"C:\\\\x\"}', 'test') RETURNING id",
	         fx.acme, ep);
	long id = fx_num(sql);
	json_t *a = hb(&fx.in, tok, NULL, "{}", 200);
	assert_int_equal(ncommands(a), 1);
	assert_int_equal(fx_int(json_array_get(json_object_get(a, "commands"), 0), "id"), id);
	json_decref(a);
	/* A tenant of its own for the mode and the upgrade, so the fixture's
	 * endpoints are not disturbed. */
	free(ADMIN("tenant", "add", "cachet", "--service-start", "2025-01-01"));
	char *t2 = ADMIN("token", "add", "--endpoint", "other2", "--tenant", "cachet");
	until_idle(&fx.in, t2, "{\"client_version\":\"1.0\"}");
	free(ADMIN("tenant", "set", "cachet", "--mode", "block"));
	a = hb(&fx.in, t2, NULL, "{\"client_version\":\"1.0\"}", 200);
	assert_int_equal(ncommands(a), 1);
	assert_string_equal(fx_str(json_array_get(json_object_get(a, "commands"), 0), "kind"),
	                    "set_mode");
	json_decref(a);
	until_idle(&fx.in, t2, "{\"client_version\":\"1.0\"}");
	free(ADMIN("release", "add", "2.0"));
	free(ADMIN("tenant", "set", "cachet", "--client-version", "2.0"));
	a = hb(&fx.in, t2, NULL, "{\"client_version\":\"1.0\"}", 200);
	assert_int_equal(ncommands(a), 1);
	json_t *cmd = json_array_get(json_object_get(a, "commands"), 0);
	assert_string_equal(fx_str(cmd, "kind"), "upgrade");
	assert_string_equal(fx_str(json_object_get(cmd, "args"), "version"), "2.0");
	json_decref(a);
	free(t2);
	free(tok);
}

/* Long polls: one waiting here is woken by a command queued through the
 * other daemon, and the answer carries it. */
struct poll_arg {
	const char *token;
	json_t *answer;
};

static void *poll_main(void *p)
{
	struct poll_arg *a = p;
	a->answer = hb(&fx.in, a->token, NULL, "{\"wait\":true}", 200);
	return NULL;
}

static void test_longpoll_other_daemon(void **state)
{
	(void)state;
	long ep;
	char *tok = new_endpoint("poll1", &ep);
	until_idle(&fx.in, tok, "{}");
	long waiting = 0;
	struct poll_arg a = {.token = tok};
	pthread_t t;
	pthread_create(&t, NULL, poll_main, &a);
	for (int i = 0; i < 200 && waiting < 1; i++) {
		json_t *j = fx_call(&fx.in, "GET", "/v1/health", NULL, NULL, 200);
		waiting = fx_int(j, "waiting");
		json_decref(j);
		if (waiting < 1)
			usleep(10000);
	}
	assert_true(waiting >= 1);
	json_t *c = fx_call(&fx.out, "POST", fx_path("/v1/endpoints/%ld/isolate", ep), fx.lead,
	                    "{\"urgent\":true,\"reason\":\"poll\"}", 202);
	long id = fx_int(c, "id");
	json_decref(c);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pthread_join(t, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_true(t1.tv_sec - t0.tv_sec < 5);
	assert_int_equal(ncommands(a.answer), 1);
	assert_int_equal(fx_int(json_array_get(json_object_get(a.answer, "commands"), 0), "id"), id);
	json_decref(a.answer);
	free(tok);
}

/* Idempotency-Key on heartbeats: an answer that delivered commands is
 * kept and replayed (nothing delivered again; another body: 422); an
 * answer that delivered nothing is not kept. */
static void test_heartbeat_idempotency(void **state)
{
	(void)state;
	long ep;
	char *tok = new_endpoint("idem1", &ep);
	char sql[200];
	snprintf(sql, sizeof sql,
	         "SELECT count(*) FROM idempotency i JOIN analyst a ON a.id = i.analyst_id"
	         " WHERE a.endpoint_id = %ld", ep);
	/* acme is block, so the new endpoint's first heartbeat (no key)
	 * delivers its set_mode; the keyed ones below have nothing. */
	json_t *first = hb(&fx.in, tok, NULL, "{}", 200);
	assert_int_equal(ncommands(first), 1);
	assert_string_equal(fx_str(json_array_get(json_object_get(first, "commands"), 0), "kind"),
	                    "set_mode");
	json_decref(first);
	json_decref(hb(&fx.in, tok, "hb-1", "{}", 200));
	json_decref(hb(&fx.in, tok, "hb-2", "{}", 200));
	assert_int_equal(fx_num(sql), 0);
	/* The same key again: a new heartbeat (nothing to replay). */
	json_decref(hb(&fx.in, tok, "hb-1", "{}", 200));
	json_t *c = fx_call(&fx.in, "POST", fx_path("/v1/endpoints/%ld/isolate", ep), fx.alice,
	                    "{\"reason\":\"idem\"}", 202);
	long id = fx_int(c, "id");
	json_decref(c);
	struct cmdd_resp r1, r2, r3;
	assert_int_equal(cmdd_http(&fx.in, "POST", "/v1/agent/heartbeat", tok, "hb-3", "{}", 2, &r1),
	                 0);
	assert_int_equal(r1.status, 200);
	json_t *j = json_loads(r1.body, 0, NULL);
	assert_int_equal(ncommands(j), 1);
	assert_int_equal(fx_int(json_array_get(json_object_get(j, "commands"), 0), "id"), id);
	json_decref(j);
	assert_int_equal(fx_num(sql), 1);
	/* Replayed byte for byte, by either daemon; nothing delivered anew. */
	assert_int_equal(cmdd_http(&fx.in, "POST", "/v1/agent/heartbeat", tok, "hb-3", "{}", 2, &r2),
	                 0);
	assert_int_equal(r2.status, 200);
	assert_string_equal(r1.body, r2.body);
	cmdd_resp_free(&r2);
	assert_int_equal(cmdd_http(&fx.out, "POST", "/v1/agent/heartbeat", tok, "hb-3", "{}", 2, &r2),
	                 0);
	assert_string_equal(r1.body, r2.body);
	snprintf(sql, sizeof sql, "SELECT state FROM command WHERE id = %ld", id);
	char *st = th_scalar(fx.pg, sql);
	assert_string_equal(st, "delivered");
	free(st);
	/* Same key, another body: 422, also when memory would say idle. */
	until_idle(&fx.in, tok, "{}");
	assert_int_equal(cmdd_http(&fx.in, "POST", "/v1/agent/heartbeat", tok, "hb-3",
	                           "{\"client_version\":\"1.0\"}", 24, &r3), 0);
	assert_int_equal(r3.status, 422);
	cmdd_resp_free(&r1);
	cmdd_resp_free(&r2);
	cmdd_resp_free(&r3);
	/* An answer kept by the other daemon is replayed here at once,
	 * although this daemon had the endpoint as idle. */
	until_idle(&fx.in, tok, "{}");
	c = fx_call(&fx.in, "POST", fx_path("/v1/endpoints/%ld/files/fetch", ep), fx.alice,
	            "{\"path\":\"C:\\\\y.exe\"}", 202);
	id = fx_int(c, "id");
	json_decref(c);
	assert_int_equal(cmdd_http(&fx.out, "POST", "/v1/agent/heartbeat", tok, "hb-4", "{}", 2, &r1),
	                 0);
	j = json_loads(r1.body, 0, NULL);
	assert_int_equal(ncommands(j), 1);
	assert_int_equal(fx_int(json_array_get(json_object_get(j, "commands"), 0), "id"), id);
	json_decref(j);
	assert_int_equal(cmdd_http(&fx.in, "POST", "/v1/agent/heartbeat", tok, "hb-4", "{}", 2, &r2),
	                 0);
	assert_int_equal(r2.status, 200);
	assert_string_equal(r1.body, r2.body);
	cmdd_resp_free(&r1);
	cmdd_resp_free(&r2);
	free(tok);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_idle_heartbeats),
		cmocka_unit_test(test_revoke_at_once),
		cmocka_unit_test(test_other_writers),
		cmocka_unit_test(test_longpoll_other_daemon),
		cmocka_unit_test(test_heartbeat_idempotency),
	};
	return cmocka_run_group_tests(tests, setup, fx_teardown);
}
