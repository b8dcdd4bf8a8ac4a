/* test_sim.c - itrace-endpoint-sim against the real itrace-cmdd.
 *
 * One migrated database, a tenant with an isolation allowlist, analyst and
 * lead tokens and three endpoint tokens made with the admin subcommands, a
 * daemon that believes it is Wednesday 2026-11-25 10:00 JST (business hours,
 * ITRACE_FAKE_NOW), and the simulator playing the three endpoints with
 * long-poll heartbeats, an alert and replayed events. Through the API:
 * isolate -> the endpoint isolates (allowlist in force) -> "isolated";
 * release; fetch and delete of the detected file; an urgent isolation by a
 * lead; a client upgrade that every endpoint reports.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "cmdd_helper.h"
#include "th.h"

#define FAKE_NOW "ITRACE_FAKE_NOW=2026-11-25T01:00:00Z"
#define SHA_A "8f2b0c41d7a9e3f5b6c8d0e2f4a6b8c0d2e4f6a8b0c2d4e6f8a0b2c4d6e8f0a2"
#define MALWARE "C:\\Users\\yamada\\Downloads\\請求書.exe"

static struct {
	char *db;
	PGconn *pg;
	struct cmdd d;
	char *analyst, *lead;
	char *tok[3];
	long ep[3];
	pid_t sim;
	char out[512], err[512];
} W;

static const char *const hosts[3] = {"ws-a", "ws-b", "ws-c"};

static char *admin(const char *const *args)
{
	char *o = cmdd_admin(W.db, args);
	if (o == NULL) {
		fprintf(stderr, "test_sim: admin %s %s failed\n", args[0], args[1]);
		exit(99);
	}
	return o;
}

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return strdup("");
	size_t cap = 4096, n = 0;
	char *b = malloc(cap);
	size_t got;
	while ((got = fread(b + n, 1, cap - n - 1, f)) > 0) {
		n += got;
		if (cap - n < 2) {
			cap *= 2;
			b = realloc(b, cap);
		}
	}
	b[n] = '\0';
	fclose(f);
	return b;
}

/* Wait until the simulator's stdout has a line containing needle. */
static bool wait_out(const char *needle, double timeout_s)
{
	double end = mono() + timeout_s;
	do {
		char *s = slurp(W.out);
		bool found = strstr(s, needle) != NULL;
		free(s);
		if (found)
			return true;
		usleep(20 * 1000);
	} while (mono() < end);
	return false;
}

static json_t *call(const char *method, const char *path, const char *token,
                    const char *body, long want)
{
	struct cmdd_resp r;
	char idem[64];
	static int n;
	snprintf(idem, sizeof idem, "test-sim-%d-%d", (int)getpid(), n++);
	int rc = cmdd_http(&W.d, method, path, token, strcmp(method, "POST") == 0 ? idem : NULL,
	                   body, body != NULL ? strlen(body) : 0, &r);
	if (rc != 0 || r.status != want)
		fail_msg("%s %s: status %ld, want %ld: %s", method, path, r.status, want, r.body);
	json_t *j = json_loads(r.body, 0, NULL);
	cmdd_resp_free(&r);
	return j != NULL ? j : json_null();
}

static json_t *endpoint(int i)
{
	char p[64];
	snprintf(p, sizeof p, "/v1/endpoints/%ld", W.ep[i]);
	return call("GET", p, W.analyst, NULL, 200);
}

static const char *jstr(json_t *j, const char *k)
{
	const char *s = json_string_value(json_object_get(j, k));
	return s != NULL ? s : "";
}

/* Poll GET /v1/endpoints/{id} until member k equals v. */
static bool wait_endpoint(int i, const char *k, const char *v, double timeout_s)
{
	double end = mono() + timeout_s;
	do {
		json_t *e = endpoint(i);
		bool ok = strcmp(jstr(e, k), v) == 0;
		json_decref(e);
		if (ok)
			return true;
		usleep(20 * 1000);
	} while (mono() < end);
	return false;
}

static json_t *command(long id)
{
	char p[64];
	snprintf(p, sizeof p, "/v1/commands/%ld", id);
	return call("GET", p, W.analyst, NULL, 200);
}

/* An action on endpoint i; returns the queued command's id. */
static long act(int i, const char *what, const char *token, const char *body)
{
	char p[96];
	snprintf(p, sizeof p, "/v1/endpoints/%ld/%s", W.ep[i], what);
	json_t *c = call("POST", p, token, body, 202);
	long id = (long)json_integer_value(json_object_get(c, "id"));
	json_decref(c);
	assert_true(id > 0);
	return id;
}

static bool wait_command(long id, const char *state, double timeout_s)
{
	double end = mono() + timeout_s;
	do {
		json_t *c = command(id);
		bool ok = strcmp(jstr(c, "state"), state) == 0;
		json_decref(c);
		if (ok)
			return true;
		usleep(20 * 1000);
	} while (mono() < end);
	json_t *c = command(id);
	char *s = json_dumps(c, JSON_COMPACT);
	fprintf(stderr, "command %ld is not %s: %s\n", id, state, s);
	free(s);
	json_decref(c);
	return false;
}

static const char alerts_json[] =
	"{\"host\":\"ws-a\",\"detected_at\":\"2026-11-25T00:55:00Z\",\"path\":\"C:\\\\Users\\\\yamada"
	"\\\\Downloads\\\\請求書.exe\",\"sha256\":\"" SHA_A "\",\"detection\":\"Trojan:Win32/Test\","
	"\"action\":\"allowed\"}\n";

static const char events_ndjson[] =
	"{\"type\":\"event\",\"host\":\"x\",\"time\":\"2026-11-25T00:54:00Z\",\"kind\":\"process_start\","
	"\"image\":\"C:\\\\Windows\\\\System32\\\\cmd.exe\",\"pid\":4242}\n"
	"{\"type\":\"event\",\"host\":\"x\",\"time\":\"2026-11-25T00:54:30Z\",\"kind\":\"file_create\","
	"\"image\":\"C:\\\\Windows\\\\System32\\\\cmd.exe\",\"pid\":4242,"
	"\"target\":\"C:\\\\Users\\\\yamada\\\\Downloads\\\\請求書.exe\"}\n";

/* Every last_error the daemon writes, kept by a trigger of the test's own
 * (an observer: it only copies the new value), since the next heartbeat
 * may clear it again within milliseconds. 0 or -1. */
static int record_last_errors(PGconn *c)
{
	PGresult *r = PQexec(c,
		"CREATE TABLE test_last_error (endpoint_id bigint, last_error text,"
		"  seq bigserial);"
		"CREATE FUNCTION test_last_error_note() RETURNS trigger LANGUAGE plpgsql AS $$"
		" BEGIN INSERT INTO test_last_error (endpoint_id, last_error)"
		"   VALUES (NEW.id, NEW.last_error); RETURN NULL; END $$;"
		"CREATE TRIGGER test_last_error AFTER UPDATE OF last_error ON endpoint"
		"  FOR EACH ROW WHEN (OLD.last_error IS DISTINCT FROM NEW.last_error)"
		"  EXECUTE FUNCTION test_last_error_note();");
	int rc = PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : -1;
	if (rc != 0)
		fprintf(stderr, "test: last_error trigger: %s", PQerrorMessage(c));
	PQclear(r);
	return rc;
}

static int setup(void **state)
{
	(void)state;
	W.db = th_db_new_migrated();
	if (W.db == NULL)
		return -1;
	W.pg = th_connect(W.db);
	if (record_last_errors(W.pg) != 0)
		return -1;
	free(admin((const char *[]){"tenant", "add", "acme", "--allow", "10.0.0.0/8:443",
	                            "--allow", "192.0.2.53:53", "--service-start", "2025-01-01",
	                            NULL}));
	W.analyst = admin((const char *[]){"token", "add", "--analyst", "ann", "--role", "analyst", NULL});
	W.lead = admin((const char *[]){"token", "add", "--analyst", "lea", "--role", "lead", NULL});
	char tokens[2048] = "";
	for (int i = 0; i < 3; i++) {
		W.tok[i] = admin((const char *[]){"token", "add", "--endpoint", hosts[i], "--tenant",
		                                  "acme", NULL});
		char sql[128];
		snprintf(sql, sizeof sql, "SELECT id FROM endpoint WHERE name = '%s'", hosts[i]);
		W.ep[i] = th_count(W.pg, sql);
		size_t l = strlen(tokens);
		snprintf(tokens + l, sizeof tokens - l, "%s %s\n", hosts[i], W.tok[i]);
	}
	const char *tf = th_write_file("sim.tokens", tokens, strlen(tokens));
	chmod(tf, 0600);
	const char *af = th_write_file("sim.alerts", alerts_json, sizeof alerts_json - 1);
	const char *ef = th_write_file("sim.events", events_ndjson, sizeof events_ndjson - 1);
	/* Short long-polls so the upgrade (queued at the next heartbeat, R-27)
	 * arrives within seconds. */
	const char *cf = th_write_file("cmdd.conf", "longpoll_max = 2\n", 17);
	static char envnow[] = FAKE_NOW;
	char *env[] = {envnow, NULL};
	if (cmdd_start(&W.d, W.db, (const char *[]){"--config", cf, "--job-interval", "0.5", NULL},
	               env) != 0)
		return -1;

	snprintf(W.out, sizeof W.out, "%s/sim.out", th_tmpdir());
	snprintf(W.err, sizeof W.err, "%s/sim.err", th_tmpdir());
	W.sim = fork();
	if (W.sim < 0)
		return -1;
	if (W.sim == 0) {
		int o = open(W.out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int e = open(W.err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (o < 0 || e < 0)
			_exit(126);
		dup2(o, 1);
		dup2(e, 2);
		execl(th_bin("itrace-endpoint-sim"), "itrace-endpoint-sim", "--api", W.d.url,
		      "--tokens", tf, "--endpoints", "3", "--wait", "--alerts", af, "--replay", ef,
		      "--timestamps", "--verbose", (char *)NULL);
		_exit(127);
	}
	/* Every endpoint has been seen. */
	for (int i = 0; i < 3; i++) {
		double end = mono() + 15;
		bool seen = false;
		while (!seen && mono() < end) {
			json_t *e = endpoint(i);
			seen = json_is_string(json_object_get(e, "last_seen"));
			json_decref(e);
			if (!seen)
				usleep(50 * 1000);
		}
		if (!seen) {
			fprintf(stderr, "test_sim: %s never sent a heartbeat\n", hosts[i]);
			return -1;
		}
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	int st = 0;
	if (W.sim > 0) {
		kill(W.sim, SIGTERM);
		waitpid(W.sim, &st, 0);
	}
	char *err = slurp(W.err);
	int bad = 0;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0 || strstr(err, "(stopped by signal)") == NULL) {
		fprintf(stderr, "test_sim: simulator exit status %d\n%s", st, err);
		bad = 1;
	}
	free(err);
	if (cmdd_stop(&W.d) != 0)
		bad = 1;
	PQfinish(W.pg);
	th_db_drop(W.db);
	free(W.analyst);
	free(W.lead);
	for (int i = 0; i < 3; i++)
		free(W.tok[i]);
	return bad ? -1 : 0;
}

static void test_uploads(void **state)
{
	(void)state;
	/* The alert went up from ws-a (and the file is now on its disk). */
	double end = mono() + 10;
	long n = 0;
	char sql[256];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM alert WHERE endpoint_id = %ld"
	         " AND sha256 = '" SHA_A "'", W.ep[0]);
	while ((n = th_count(W.pg, sql)) < 1 && mono() < end)
		usleep(50 * 1000);
	assert_int_equal(n, 1);
	/* The replayed events, stored under each endpoint's own id. */
	for (int i = 0; i < 3; i++) {
		snprintf(sql, sizeof sql, "SELECT count(*) FROM event WHERE endpoint_id = %ld", W.ep[i]);
		end = mono() + 10;
		while ((n = th_count(W.pg, sql)) < 2 && mono() < end)
			usleep(50 * 1000);
		assert_int_equal(n, 2);
	}
}

static void test_isolate_release(void **state)
{
	(void)state;
	double t0 = mono();
	long id = act(0, "isolate", W.analyst, "{\"reason\":\"black verdict, ransomware\"}");
	json_t *e = endpoint(0);
	/* "pending" until the result is in; the long-polling simulator may
	 * have answered before this GET. */
	if (strcmp(jstr(e, "isolation"), "pending") != 0 &&
	    strcmp(jstr(e, "isolation"), "isolated") != 0)
		fail_msg("isolation right after the POST: %s", jstr(e, "isolation"));
	json_decref(e);
	char line[128];
	snprintf(line, sizeof line, " ws-a command %ld isolate -> done\n", id);
	assert_true(wait_out(line, 10));
	double t1 = mono();
	assert_true(wait_endpoint(0, "isolation", "isolated", 10));
	printf("isolate: POST answered to simulator line in %.1f ms\n", (t1 - t0) * 1e3);

	assert_true(wait_command(id, "done", 10));
	json_t *c = command(id);
	json_t *detail = json_object_get(json_object_get(c, "result"), "detail");
	char *probe = json_dumps(json_object_get(detail, "probe"), JSON_COMPACT);
	assert_non_null(strstr(probe, "{\"dest\":\"10.0.0.1:443\",\"result\":\"allowed\"}"));
	assert_non_null(strstr(probe, "{\"dest\":\"192.0.2.53:53\",\"result\":\"allowed\"}"));
	assert_non_null(strstr(probe, "{\"dest\":\"198.51.100.7:443\",\"result\":\"refused\"}"));
	/* The service system stays reachable. */
	char api[80];
	snprintf(api, sizeof api, "{\"dest\":\"127.0.0.1:%d\",\"result\":\"allowed\"}", W.d.port);
	assert_non_null(strstr(probe, api));
	free(probe);
	json_decref(c);
	/* The other endpoints are not isolated. */
	e = endpoint(1);
	assert_string_equal(jstr(e, "isolation"), "none");
	json_decref(e);

	id = act(0, "release", W.analyst, "{\"reason\":\"cleaned\"}");
	snprintf(line, sizeof line, " ws-a command %ld release -> done\n", id);
	assert_true(wait_out(line, 10));
	assert_true(wait_endpoint(0, "isolation", "none", 10));
	assert_true(wait_command(id, "done", 10));
	c = command(id);
	detail = json_object_get(json_object_get(c, "result"), "detail");
	assert_true(json_is_false(json_object_get(detail, "isolated")));
	json_decref(c);
}

static void test_fetch_delete(void **state)
{
	(void)state;
	const char *body = "{\"path\":\"" "C:\\\\Users\\\\yamada\\\\Downloads\\\\請求書.exe"
	                   "\",\"sha256\":\"" SHA_A "\",\"reason\":\"sample\"}";
	long id = act(0, "files/fetch", W.analyst, body);
	assert_true(wait_command(id, "done", 10));
	json_t *c = command(id);
	json_t *d = json_object_get(json_object_get(c, "result"), "detail");
	assert_string_equal(jstr(d, "path"), MALWARE);
	assert_string_equal(jstr(d, "sha256"), SHA_A);
	json_decref(c);

	id = act(0, "files/delete", W.analyst, body);
	assert_true(wait_command(id, "done", 10));
	c = command(id);
	d = json_object_get(json_object_get(c, "result"), "detail");
	assert_string_equal(jstr(d, "path"), MALWARE);
	assert_string_equal(jstr(d, "sha256"), SHA_A);
	assert_true(json_is_true(json_object_get(d, "deleted")));
	json_decref(c);

	/* Gone: a second fetch fails, with the reason, and the endpoint reports
	 * the error on its next heartbeat (the one after clears it again). */
	id = act(0, "files/fetch", W.analyst, body);
	assert_true(wait_command(id, "failed", 10));
	c = command(id);
	d = json_object_get(json_object_get(c, "result"), "detail");
	assert_string_equal(jstr(d, "error"), "no such file");
	json_decref(c);
	char sql[256];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM test_last_error WHERE endpoint_id = %ld"
	         " AND strpos(last_error, 'command %ld fetch failed: no such file') > 0",
	         W.ep[0], id);
	double end = mono() + 10;
	long n;
	while ((n = th_count(W.pg, sql)) < 1 && mono() < end)
		usleep(20 * 1000);
	assert_int_equal(n, 1);
	/* A file the endpoint never had. */
	id = act(1, "files/delete", W.analyst, "{\"path\":\"C:\\\\nothing.exe\"}");
	assert_true(wait_command(id, "failed", 10));
}

static void test_urgent_by_lead(void **state)
{
	(void)state;
	/* An analyst may not mark it urgent; a lead may, with a reason. */
	char p[64];
	snprintf(p, sizeof p, "/v1/endpoints/%ld/isolate", W.ep[2]);
	json_t *j = call("POST", p, W.analyst, "{\"urgent\":true,\"reason\":\"r\"}", 403);
	json_decref(j);
	long id = act(2, "isolate", W.lead, "{\"urgent\":true,\"reason\":\"spreading\"}");
	char line[128];
	snprintf(line, sizeof line, " ws-c command %ld isolate -> done\n", id);
	assert_true(wait_out(line, 10));
	assert_true(wait_endpoint(2, "isolation", "isolated", 10));
	id = act(2, "release", W.lead, "{\"urgent\":true,\"reason\":\"contained\"}");
	assert_true(wait_command(id, "done", 10));
	assert_true(wait_endpoint(2, "isolation", "none", 10));
}

static void test_upgrade(void **state)
{
	(void)state;
	json_t *e = endpoint(1);
	assert_string_equal(jstr(e, "client_version"), "1.0.0");
	assert_string_equal(jstr(e, "upgrade"), "none");
	json_decref(e);
	free(admin((const char *[]){"release", "add", "2.0.0", NULL}));
	free(admin((const char *[]){"tenant", "set", "acme", "--client-version", "2.0.0", NULL}));
	for (int i = 0; i < 3; i++) {
		assert_true(wait_endpoint(i, "client_version", "2.0.0", 20));
		e = endpoint(i);
		assert_string_equal(jstr(e, "upgrade"), "current");
		assert_string_equal(jstr(e, "target_version"), "2.0.0");
		json_decref(e);
	}
	char *out = slurp(W.out);
	for (int i = 0; i < 3; i++) {
		char pat[64];
		snprintf(pat, sizeof pat, " %s command ", hosts[i]);
		const char *p = out;
		int upgrades = 0;
		while ((p = strstr(p, pat)) != NULL) {
			const char *eol = strchr(p, '\n');
			if (eol != NULL && strstr(p, " upgrade -> done") != NULL &&
			    strstr(p, " upgrade -> done") < eol)
				upgrades++;
			p += strlen(pat);
		}
		assert_int_equal(upgrades, 1);
	}
	free(out);
	/* Nothing more is queued once they run the target version. */
	usleep(2500 * 1000);
	assert_int_equal(th_count(W.pg, "SELECT count(*) FROM command WHERE kind = 'upgrade'"), 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uploads),
		cmocka_unit_test(test_isolate_release),
		cmocka_unit_test(test_fetch_delete),
		cmocka_unit_test(test_urgent_by_lead),
		cmocka_unit_test(test_upgrade),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
