/* test_access.c - who may do what (issue 6, "Access"), against a real
 * PostgreSQL and a real itrace-cmdd:
 *   - the console's database role (itrace_console) writes nothing: a login
 *     role granted it tries INSERT, UPDATE, DELETE and TRUNCATE on every
 *     table and partition, nextval/setval on every sequence, CREATE TABLE,
 *     and no SECURITY DEFINER function is open to it;
 *   - tenant A's analyst gets 403 on tenant B's alerts, endpoints,
 *     commands, exceptions and reports (and the reverse), and no byte of
 *     B's data in the answer;
 *   - a viewer token changes nothing: every POST route answers 403 and
 *     every table is as it was (content hashes);
 *   - tokens are stored as SHA-256 hex only (analyst.token_hash), appear
 *     in no table, and never in the daemon's log, whatever the request;
 *   - the console refuses a token file readable (or writable) by group or
 *     others, a symlink and a directory, with a clear message (exit 1
 *     under --check-config, exit 2 before the screen starts otherwise),
 *     and accepts a 0600 file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <jansson.h>

#include "cmdd_helper.h"
#include "core/sha256.h"
#include "th.h"

#define INSIDE_HOURS "ITRACE_FAKE_NOW=2026-11-25T01:00:00Z"   /* Wed 10:00 JST */

static struct {
	char *db;
	PGconn *pg;
	struct cmdd d;
	long ta, tb;                    /* tenants */
	long epa, epb;                  /* endpoints */
	long alerta, alerta2, alertb, alertb2;   /* alerts */
	long cmda, cmdb;                /* commands */
	char *ana, *anb, *lead_b, *viewer, *tok_epa, *tok_epb, *revoked;
	char role[64];                  /* the console login role made here */
	PGconn *console;                /* connected as it */
} w;

/* ---- helpers ------------------------------------------------------------------ */

static char *admin(const char *const *args)
{
	char *out = cmdd_admin(w.db, args);
	if (out == NULL) {
		fprintf(stderr, "access: admin %s %s failed\n", args[0], args[1]);
		exit(99);
	}
	return out;
}
#define ADMIN(...) admin((const char *const[]){__VA_ARGS__, NULL})

static const char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static const char *fmt(const char *f, ...)
{
	static char bufs[64][512];
	static int next;
	char *b = bufs[next++ % 64];
	va_list ap;
	va_start(ap, f);
	vsnprintf(b, 512, f, ap);
	va_end(ap);
	return b;
}

/* One request; returns the status; the body (owned) in *body when asked. */
static long call(const char *method, const char *path, const char *token,
                 const char *idem, const char *body, char **out)
{
	struct cmdd_resp r;
	if (cmdd_http(&w.d, method, path, token, idem, body, body != NULL ? strlen(body) : 0,
	              &r) != 0)
		fail_msg("%s %s: transport error", method, path);
	long st = r.status;
	if (out != NULL) {
		*out = r.body;
		r.body = NULL;
	}
	cmdd_resp_free(&r);
	return st;
}

static long call_id(const char *method, const char *path, const char *token,
                    const char *body, long want)
{
	char *b = NULL;
	long st = call(method, path, token, NULL, body, &b);
	if (st != want)
		fail_msg("%s %s: %ld, want %ld: %s", method, path, st, want, b);
	json_t *j = json_loads(b, 0, NULL);
	free(b);
	long id = (long)json_integer_value(json_object_get(j, "id"));
	if (id <= 0)
		id = (long)json_integer_value(json_object_get(json_object_get(j, "report"), "id"));
	json_decref(j);
	return id;
}

static long num(const char *sql)
{
	return th_count(w.pg, sql);
}

/* Every ordinary table and partitioned parent of the schema (partitions are
 * read through their parent), as a NULL-terminated malloc'd list. */
static char **tables(int with_partitions)
{
	PGresult *r = PQexec(w.pg, with_partitions
		? "SELECT c.oid::regclass::text FROM pg_class c JOIN pg_namespace n"
		  " ON n.oid = c.relnamespace WHERE n.nspname = 'public'"
		  " AND c.relkind IN ('r', 'p') ORDER BY 1"
		: "SELECT c.oid::regclass::text FROM pg_class c JOIN pg_namespace n"
		  " ON n.oid = c.relnamespace WHERE n.nspname = 'public'"
		  " AND c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY 1");
	assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
	int n = PQntuples(r);
	char **v = calloc((size_t)n + 1, sizeof *v);
	for (int i = 0; i < n; i++)
		v[i] = strdup(PQgetvalue(r, i, 0));
	PQclear(r);
	return v;
}

static void free_list(char **v)
{
	for (size_t i = 0; v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

/* "table count md5" for every table but service_run (the daemon's own
 * heartbeat), one line each, malloc'd. */
static char *snapshot(void)
{
	char **t = tables(0);
	size_t cap = 1 << 16, len = 0;
	char *s = calloc(1, cap);
	for (size_t i = 0; t[i] != NULL; i++) {
		if (strcmp(t[i], "service_run") == 0)
			continue;
		char sql[512];
		snprintf(sql, sizeof sql,
		         "SELECT count(*)::text || ' ' || md5(coalesce(string_agg(x::text, '|'"
		         " ORDER BY x::text), '')) FROM %s x", t[i]);
		char *v = th_scalar(w.pg, sql);
		assert_non_null(v);
		len += (size_t)snprintf(s + len, cap - len, "%s %s\n", t[i], v);
		free(v);
		assert_true(len < cap);
	}
	free_list(t);
	return s;
}

static void assert_same(const char *before, const char *after, const char *what)
{
	if (strcmp(before, after) == 0)
		return;
	/* Name the first table that changed. */
	const char *a = before, *b = after;
	while (*a != '\0' && *a == *b)
		a++, b++;
	while (a > before && a[-1] != '\n')
		a--;
	fail_msg("%s changed the database at: %.*s", what, (int)strcspn(a, "\n"), a);
}

/* ---- fixture ------------------------------------------------------------------ */

static int setup(void **state)
{
	(void)state;
	w.db = th_db_new_migrated();
	if (w.db == NULL)
		return -1;
	w.pg = th_connect(w.db);
	free(ADMIN("tenant", "add", "tena", "--service-start", "2025-01-01"));
	free(ADMIN("tenant", "add", "tenb", "--service-start", "2025-01-01"));
	w.ta = num("SELECT id FROM tenant WHERE name = 'tena'");
	w.tb = num("SELECT id FROM tenant WHERE name = 'tenb'");
	w.ana = ADMIN("token", "add", "--analyst", "ana", "--role", "analyst", "--tenant", "tena");
	w.anb = ADMIN("token", "add", "--analyst", "anb", "--role", "analyst", "--tenant", "tenb");
	w.lead_b = ADMIN("token", "add", "--analyst", "leadb", "--role", "lead", "--tenant", "tenb");
	w.viewer = ADMIN("token", "add", "--analyst", "vic", "--role", "viewer");
	w.revoked = ADMIN("token", "add", "--analyst", "gone", "--role", "analyst");
	free(ADMIN("token", "revoke", "--analyst", "gone"));
	w.tok_epa = ADMIN("token", "add", "--endpoint", "hosta", "--tenant", "tena");
	w.tok_epb = ADMIN("token", "add", "--endpoint", "hostb.corp.example", "--tenant", "tenb");
	w.epa = num("SELECT id FROM endpoint WHERE name = 'hosta'");
	w.epb = num("SELECT id FROM endpoint WHERE name = 'hostb'");
	if (w.ta <= 0 || w.tb <= 0 || w.epa <= 0 || w.epb <= 0)
		return -1;
	static char now_env[] = INSIDE_HOURS;
	char *env[] = {now_env, NULL};
	const char *args[] = {"--job-interval", "600", "--threads", "2", NULL};
	if (cmdd_start(&w.d, w.db, args, env) != 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	int st = cmdd_stop(&w.d);
	PQfinish(w.console);
	if (w.role[0] != '\0') {
		char sql[128];
		snprintf(sql, sizeof sql, "DROP ROLE IF EXISTS %s", w.role);
		PQclear(PQexec(w.pg, sql));
	}
	PQfinish(w.pg);
	th_db_drop(w.db);
	free(w.ana), free(w.anb), free(w.lead_b), free(w.viewer), free(w.revoked);
	free(w.tok_epa), free(w.tok_epb);
	return st == 0 ? 0 : -1;
}

/* The world every test reads: alerts, events, commands and a report in
 * both tenants, made through the API (order matters: run first). */
static void test_world(void **state)
{
	(void)state;
	const char *al = "{\"detected_at\":\"2026-11-24T23:00:00Z\",\"path\":\"C:\\\\Users\\\\a\\\\x.exe\","
	                 "\"detection\":\"Trojan:A\",\"action\":\"blocked\"}";
	const char *bl = "{\"detected_at\":\"2026-11-24T23:00:00Z\",\"path\":\"C:\\\\SECRET-OF-B\\\\y.exe\","
	                 "\"detection\":\"Trojan:B-ONLY\",\"action\":\"allowed\"}";
	const char *bl2 = "{\"detected_at\":\"2026-11-24T23:05:00Z\",\"path\":\"C:\\\\SECRET-OF-B\\\\z.exe\","
	                  "\"action\":\"allowed\"}";
	w.alerta = call_id("POST", "/v1/agent/alerts", w.tok_epa, al, 201);
	w.alertb = call_id("POST", "/v1/agent/alerts", w.tok_epb, bl, 201);
	w.alertb2 = call_id("POST", "/v1/agent/alerts", w.tok_epb, bl2, 201);
	/* Created after B's: a report of it naming B's alert meets B's first
	 * (alerts are locked in id order). */
	w.alerta2 = call_id("POST", "/v1/agent/alerts", w.tok_epa,
	                    "{\"detected_at\":\"2026-11-24T23:09:00Z\",\"path\":\"C:\\\\a2.exe\"}", 201);
	/* Events (and so event partitions) for both endpoints. */
	const char *ev =
		"{\"type\":\"event\",\"kind\":\"process_start\",\"time\":\"2026-11-24T22:59:00Z\","
		"\"host\":\"h\",\"pid\":4,\"image\":\"C:\\\\SECRET-OF-B\\\\y.exe\"}\n"
		"{\"type\":\"event\",\"kind\":\"file_create\",\"time\":\"2026-10-01T00:00:00Z\","
		"\"host\":\"h\",\"pid\":4,\"target\":\"C:\\\\SECRET-OF-B\\\\y.exe\"}\n";
	assert_int_equal(call("POST", "/v1/agent/events", w.tok_epb, NULL, ev, NULL), 200);
	assert_int_equal(call("POST", "/v1/agent/events", w.tok_epa, NULL, ev, NULL), 200);
	/* A command in each tenant. */
	w.cmda = call_id("POST", fmt("/v1/endpoints/%ld/isolate", w.epa), w.ana,
	                 "{\"reason\":\"a\"}", 202);
	w.cmdb = call_id("POST", fmt("/v1/endpoints/%ld/isolate", w.epb), w.anb,
	                 "{\"reason\":\"b\"}", 202);
	/* B's alert through claim, a white quick verdict and its report. */
	assert_int_equal(call("POST", fmt("/v1/alerts/%ld/claim", w.alertb), w.anb, NULL, "{}",
	                      NULL), 200);
	char *b = NULL;
	long st = call("POST", fmt("/v1/alerts/%ld/verdict", w.alertb), w.anb, NULL,
	               "{\"phase\":\"quick\",\"verdict\":\"white\",\"version\":2}", &b);
	if (st != 200)
		fail_msg("verdict: %ld %s", st, b);
	free(b);
	long rep = call_id("POST", fmt("/v1/alerts/%ld/reports", w.alertb), w.anb,
	                   "{\"kind\":\"quick\",\"lang\":\"en\"}", 201);
	assert_true(rep > 0);
	assert_true(w.alerta > 0 && w.alertb > 0 && w.cmda > 0 && w.cmdb > 0);
	assert_true(num("SELECT count(*) FROM report") >= 1);
	assert_true(num("SELECT count(*) FROM event") >= 4);
}

/* ---- the console's database role ---------------------------------------------- */

static int sqlstate_is(PGconn *c, const char *sql, const char *want, char *got, size_t len)
{
	PGresult *r = PQexec(c, sql);
	const char *s = PQresultErrorField(r, PG_DIAG_SQLSTATE);
	snprintf(got, len, "%s", s != NULL ? s : PQresStatus(PQresultStatus(r)));
	int ok = s != NULL && strcmp(s, want) == 0;
	PQclear(r);
	return ok;
}

static void test_console_role_writes_nothing(void **state)
{
	(void)state;
	snprintf(w.role, sizeof w.role, "itrace_console_probe_%ld", (long)getpid());
	char sql[1024];
	snprintf(sql, sizeof sql, "SET client_min_messages = warning; DROP ROLE IF EXISTS %s;"
	         " CREATE ROLE %s LOGIN IN ROLE itrace_console", w.role, w.role);
	PGresult *r = PQexec(w.pg, sql);
	assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
	PQclear(r);
	const char *dbname = strstr(w.db, "dbname=");
	const char *host = getenv("ITRACE_TEST_PGHOST");
	assert_non_null(dbname);
	char ci[512];
	snprintf(ci, sizeof ci, "%s%s user=%s %.*s", host != NULL ? "host=" : "",
	         host != NULL ? host : "", w.role, (int)strcspn(dbname, " "), dbname);
	PGconn *c = w.console = th_connect(ci);
	/* It is the console's role, and it reads. */
	char *who = th_scalar(c, "SELECT current_user");
	assert_string_equal(who, w.role);
	free(who);
	assert_true(th_count(c, "SELECT count(*) FROM alert") >= 3);
	assert_true(th_count(c, "SELECT count(*) FROM event") >= 4);

	char *before = snapshot();
	char **t = tables(1);
	int tried = 0, ntables = 0;
	char got[64];
	for (size_t i = 0; t[i] != NULL; i++, ntables++) {
		char col[128];
		snprintf(sql, sizeof sql,
		         "SELECT quote_ident(attname) FROM pg_attribute WHERE attrelid = '%s'::regclass"
		         " AND attnum > 0 AND NOT attisdropped ORDER BY attnum LIMIT 1", t[i]);
		char *cn = th_scalar(w.pg, sql);
		assert_non_null(cn);
		snprintf(col, sizeof col, "%s", cn);
		free(cn);
		const char *stmts[] = {
			fmt("INSERT INTO %s DEFAULT VALUES", t[i]),
			fmt("UPDATE %s SET %s = %s", t[i], col, col),
			fmt("DELETE FROM %s", t[i]),
			fmt("TRUNCATE %s", t[i]),
		};
		for (size_t k = 0; k < 4; k++, tried++)
			if (!sqlstate_is(c, stmts[k], "42501", got, sizeof got))
				fail_msg("console role: \"%s\" gave %s, want 42501 (permission denied)",
				         stmts[k], got);
	}
	free_list(t);

	/* Sequences. */
	r = PQexec(w.pg, "SELECT c.oid::regclass::text FROM pg_class c JOIN pg_namespace n"
	                 " ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'S'");
	assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
	int nseq = PQntuples(r);
	for (int i = 0; i < nseq; i++, tried += 2) {
		const char *s = PQgetvalue(r, i, 0);
		if (!sqlstate_is(c, fmt("SELECT nextval('%s')", s), "42501", got, sizeof got) ||
		    !sqlstate_is(c, fmt("SELECT setval('%s', 1)", s), "42501", got, sizeof got))
			fail_msg("console role: sequence %s is writable (%s)", s, got);
	}
	PQclear(r);
	/* New objects in the schema. */
	tried++;
	if (!sqlstate_is(c, "CREATE TABLE public.itrace_probe (i int)", "42501", got, sizeof got))
		fail_msg("console role: CREATE TABLE in public gave %s", got);

	char *after = snapshot();
	assert_same(before, after, "the console role");
	free(before);
	free(after);
	print_message("console role: %d write attempts on %d tables and partitions and %d sequences,"
	              " all refused (42501), database unchanged\n", tried, ntables, nseq);
}

/* SECURITY DEFINER functions run as their owner, and EXECUTE is PUBLIC's
 * unless revoked: none may be open to the console's role, or it writes
 * through them (itrace_event_partition() creates tables). */
static void test_console_role_no_definer_functions(void **state)
{
	(void)state;
	assert_true(w.role[0] != '\0');       /* made by the test before */
	char sql[512];
	snprintf(sql, sizeof sql,
	         "SELECT coalesce(string_agg(p.oid::regprocedure::text, ', '), '') FROM pg_proc p"
	         " JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'"
	         " AND p.prosecdef AND has_function_privilege('%s', p.oid, 'EXECUTE')", w.role);
	char *open_fns = th_scalar(w.pg, sql);
	assert_non_null(open_fns);
	print_message("console role: SECURITY DEFINER functions it may run: %s\n",
	              open_fns[0] != '\0' ? open_fns : "none");
	if (open_fns[0] != '\0')
		fail_msg("the console role may EXECUTE SECURITY DEFINER %s, which runs as its owner "
		         "(itrace_event_partition creates event partitions for any date): a "
		         "migration must REVOKE ALL ON FUNCTION ... FROM PUBLIC", open_fns);
	free(open_fns);
}

/* ---- tenants ------------------------------------------------------------------ */

/* Every route of one tenant's objects with the other tenant's analyst:
 * 403, nothing of the object in the answer. */
static int cross_tenant(const char *tok, long alert, long alert_own, long ep, long tenant,
                        long cmd, const char *secret)
{
	const char *v = "{\"version\":1}";
	struct {
		const char *method, *path, *body;
	} req[] = {
		{"GET", fmt("/v1/alerts/%ld", alert), NULL},
		{"POST", fmt("/v1/alerts/%ld/claim", alert), "{}"},
		{"POST", fmt("/v1/alerts/%ld/unclaim", alert), "{}"},
		{"POST", fmt("/v1/alerts/%ld/verdict", alert),
		 "{\"phase\":\"quick\",\"verdict\":\"black\",\"version\":1}"},
		{"POST", fmt("/v1/alerts/%ld/reports", alert), "{\"kind\":\"quick\"}"},
		{"POST", fmt("/v1/alerts/%ld/answer", alert), "{\"intended\":false}"},
		{"POST", fmt("/v1/alerts/%ld/escalate", alert), "{\"reason\":\"r\"}"},
		{"POST", fmt("/v1/alerts/%ld/close", alert), "{\"comment\":\"c\"}"},
		{"POST", fmt("/v1/alerts/%ld/undup", alert), v},
		{"GET", fmt("/v1/endpoints/%ld", ep), NULL},
		{"POST", fmt("/v1/endpoints/%ld/isolate", ep), "{\"reason\":\"r\"}"},
		{"POST", fmt("/v1/endpoints/%ld/release", ep), "{\"reason\":\"r\"}"},
		{"POST", fmt("/v1/endpoints/%ld/files/delete", ep), "{\"path\":\"C:\\\\x\"}"},
		{"POST", fmt("/v1/endpoints/%ld/files/fetch", ep), "{\"path\":\"C:\\\\x\"}"},
		{"POST", fmt("/v1/tenants/%ld/exceptions", tenant), "{\"path\":\"C:\\\\x\"}"},
		{"GET", fmt("/v1/commands/%ld", cmd), NULL},
		/* A report of one's own alert naming the other tenant's. */
		{"POST", fmt("/v1/alerts/%ld/reports", alert_own),
		 fmt("{\"kind\":\"explanatory\",\"alerts\":[%ld]}", alert)},
	};
	int n = 0;
	for (size_t i = 0; i < sizeof req / sizeof req[0]; i++, n++) {
		char *b = NULL;
		long st = call(req[i].method, req[i].path, tok, NULL, req[i].body, &b);
		if (st != 403)
			fail_msg("%s %s %s: %ld, want 403: %s", req[i].method, req[i].path,
			         req[i].body != NULL ? req[i].body : "", st, b);
		if (strstr(b, secret) != NULL)
			fail_msg("%s %s: the answer shows the other tenant's data: %s",
			         req[i].method, req[i].path, b);
		json_t *j = json_loads(b, 0, NULL);
		assert_string_equal(json_string_value(json_object_get(json_object_get(j, "error"),
		                                                      "code")), "forbidden");
		json_decref(j);
		free(b);
	}
	return n;
}

static void test_tenants_apart(void **state)
{
	(void)state;
	char *before = snapshot();
	int n = cross_tenant(w.ana, w.alertb, w.alerta2, w.epb, w.tb, w.cmdb, "SECRET-OF-B");
	n += cross_tenant(w.anb, w.alerta, w.alertb2, w.epa, w.ta, w.cmda, "Trojan:A");
	n += cross_tenant(w.lead_b, w.alerta, w.alertb2, w.epa, w.ta, w.cmda, "Trojan:A");
	char *after = snapshot();
	assert_same(before, after, "cross-tenant requests");
	free(before);
	free(after);
	/* Each still reaches its own. */
	assert_int_equal(call("GET", fmt("/v1/alerts/%ld", w.alerta), w.ana, NULL, NULL, NULL), 200);
	assert_int_equal(call("GET", fmt("/v1/alerts/%ld", w.alertb), w.anb, NULL, NULL, NULL), 200);
	assert_int_equal(call("GET", fmt("/v1/commands/%ld", w.cmdb), w.anb, NULL, NULL, NULL), 200);
	assert_int_equal(call("GET", fmt("/v1/endpoints/%ld", w.epa), w.ana, NULL, NULL, NULL), 200);
	print_message("cross-tenant: %d requests, all 403, database unchanged\n", n);
}

/* ---- viewer ------------------------------------------------------------------- */

static void test_viewer_changes_nothing(void **state)
{
	(void)state;
	char *before = snapshot();
	long idem_before = num("SELECT count(*) FROM idempotency");
	struct {
		const char *path, *body;
	} req[] = {
		{fmt("/v1/alerts/%ld/claim", w.alerta), "{}"},
		{fmt("/v1/alerts/%ld/unclaim", w.alerta), "{}"},
		{fmt("/v1/alerts/%ld/verdict", w.alerta),
		 "{\"phase\":\"quick\",\"verdict\":\"black\",\"version\":1}"},
		{fmt("/v1/alerts/%ld/reports", w.alerta), "{\"kind\":\"quick\"}"},
		{fmt("/v1/alerts/%ld/answer", w.alerta), "{\"intended\":true}"},
		{fmt("/v1/alerts/%ld/escalate", w.alerta), "{\"reason\":\"r\"}"},
		{fmt("/v1/alerts/%ld/close", w.alerta), "{\"comment\":\"c\"}"},
		{fmt("/v1/alerts/%ld/undup", w.alerta), "{}"},
		{fmt("/v1/endpoints/%ld/isolate", w.epa), "{\"reason\":\"r\"}"},
		{fmt("/v1/endpoints/%ld/release", w.epa), "{\"reason\":\"r\"}"},
		{fmt("/v1/endpoints/%ld/files/delete", w.epa), "{\"path\":\"C:\\\\x\"}"},
		{fmt("/v1/endpoints/%ld/files/fetch", w.epa), "{\"path\":\"C:\\\\x\"}"},
		{fmt("/v1/tenants/%ld/exceptions", w.ta), "{\"sha256\":\"" /* 64 hex */
		 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"}"},
		{"/v1/agent/heartbeat", "{}"},
		{fmt("/v1/agent/commands/%ld/result", w.cmda), "{\"status\":\"done\"}"},
		{"/v1/agent/alerts", "{\"detected_at\":\"2026-11-25T00:00:00Z\",\"path\":\"C:\\\\v\"}"},
		{"/v1/agent/events", "{\"type\":\"event\",\"kind\":\"process_start\","
		 "\"time\":\"2026-11-25T00:00:00Z\",\"host\":\"h\"}\n"},
	};
	int n = 0;
	for (size_t i = 0; i < sizeof req / sizeof req[0]; i++, n++) {
		/* With an Idempotency-Key: not even the answer may be stored. */
		char *b = NULL;
		long st = call("POST", req[i].path, w.viewer, fmt("viewer-%zu", i), req[i].body, &b);
		if (st != 403)
			fail_msg("viewer POST %s: %ld, want 403: %s", req[i].path, st, b);
		free(b);
	}
	/* It still reads. */
	assert_int_equal(call("GET", fmt("/v1/alerts/%ld", w.alertb), w.viewer, NULL, NULL, NULL), 200);
	char *after = snapshot();
	assert_same(before, after, "the viewer");
	assert_int_equal(num("SELECT count(*) FROM idempotency"), idem_before);
	free(before);
	free(after);
	print_message("viewer: %d POST routes, all 403, database unchanged\n", n);
}

/* ---- tokens at rest and in the log -------------------------------------------- */

static void check_token_stored(const char *name, const char *tok, char **tabs)
{
	char want[SHA256_HEX_LEN];
	sha256_hex(tok, strlen(tok), want);
	const char *p[] = {name};
	PGresult *r = PQexecParams(w.pg, "SELECT token_hash FROM analyst WHERE name = $1", 1,
	                           NULL, p, NULL, NULL, 0);
	assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
	assert_int_equal(PQntuples(r), 1);
	const char *h = PQgetvalue(r, 0, 0);
	assert_string_not_equal(h, tok);
	assert_string_equal(h, want);
	PQclear(r);
	/* The token itself is in no table (audit rows, idempotency bodies...). */
	for (size_t i = 0; tabs[i] != NULL; i++) {
		const char *q[] = {tok};
		char sql[256];
		snprintf(sql, sizeof sql,
		         "SELECT count(*) FROM %s x WHERE strpos(x::text, $1) > 0", tabs[i]);
		r = PQexecParams(w.pg, sql, 1, NULL, q, NULL, NULL, 0);
		assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
		if (strcmp(PQgetvalue(r, 0, 0), "0") != 0)
			fail_msg("the token of %s is stored in table %s", name, tabs[i]);
		PQclear(r);
	}
}

static void test_tokens_hashed_never_logged(void **state)
{
	(void)state;
	const char *names[] = {"ana", "anb", "leadb", "vic", "gone", "hosta", "hostb"};
	const char *toks[] = {w.ana, w.anb, w.lead_b, w.viewer, w.revoked, w.tok_epa, w.tok_epb};
	/* Every token once more, on a good, a bad and an unknown route, with
	 * a body and a key; the revoked one and garbage too. */
	for (size_t i = 0; i < sizeof toks / sizeof toks[0]; i++) {
		call("GET", fmt("/v1/alerts/%ld", w.alerta), toks[i], NULL, NULL, NULL);
		call("POST", fmt("/v1/alerts/%ld/claim", w.alertb2), toks[i], "k-1", "{\"x\":1}", NULL);
		call("GET", "/v1/nothing", toks[i], NULL, NULL, NULL);
		call("POST", "/v1/agent/heartbeat", toks[i], NULL, "{\"wait\":false}", NULL);
	}
	call("GET", "/v1/health", "itr_garbage-token-that-does-not-exist-0000000", NULL, NULL, NULL);
	assert_int_equal(call("GET", fmt("/v1/alerts/%ld", w.alerta), w.revoked, NULL, NULL, NULL), 401);

	char **tabs = tables(0);
	for (size_t i = 0; i < 5; i++)   /* analysts; endpoint rows are named endpoint:HOST */
		check_token_stored(names[i], toks[i], tabs);
	/* Endpoint tokens: one row each, hashed. */
	for (size_t i = 5; i < 7; i++) {
		char want[SHA256_HEX_LEN];
		sha256_hex(toks[i], strlen(toks[i]), want);
		const char *p[] = {want};
		PGresult *r = PQexecParams(w.pg, "SELECT count(*) FROM analyst WHERE token_hash = $1"
		                           " AND role = 'endpoint'", 1, NULL, p, NULL, NULL, 0);
		assert_string_equal(PQgetvalue(r, 0, 0), "1");
		PQclear(r);
	}
	free_list(tabs);

	/* The daemon's log: request lines, but no token, no hash, no header. */
	FILE *f = fopen(w.d.log, "r");
	assert_non_null(f);
	size_t cap = 1 << 20, len = 0, got;
	char *log = malloc(cap + 1);
	while ((got = fread(log + len, 1, cap - len, f)) > 0)
		len += got;
	log[len] = '\0';
	fclose(f);
	assert_true(th_count_str(log, " 200 ") > 0);   /* it does log requests */
	int checked = 0;
	for (size_t i = 0; i < sizeof toks / sizeof toks[0]; i++, checked++) {
		char want[SHA256_HEX_LEN];
		sha256_hex(toks[i], strlen(toks[i]), want);
		if (strstr(log, toks[i]) != NULL || strstr(log, toks[i] + 4) != NULL)
			fail_msg("token of %s in the daemon's log", names[i]);
		if (strstr(log, want) != NULL)
			fail_msg("token hash of %s in the daemon's log", names[i]);
		/* Not even a long piece of it. */
		if (strlen(toks[i]) > 24 && strstr(log, fmt("%.16s", toks[i] + 8)) != NULL)
			fail_msg("part of the token of %s in the daemon's log", names[i]);
	}
	assert_null(strstr(log, "Bearer"));
	assert_null(strstr(log, "itr_garbage"));
	assert_null(strstr(log, "Authorization"));
	print_message("tokens: %d stored as SHA-256 only, none in any table or in %zu bytes of "
	              "daemon log\n", checked, len);
	free(log);
}

/* ---- the console's token file ------------------------------------------------- */

static const char *token_file(const char *name, const char *text, mode_t mode)
{
	const char *p = th_write_file(name, text, strlen(text));
	static char path[8][512];
	static int next;
	char *b = path[next++ % 8];
	snprintf(b, 512, "%s", p);
	assert_int_equal(chmod(b, mode), 0);
	return b;
}

/* itrace-tui with a clean config home; returns the status, output in *o. */
static int tui(struct th_out *o, const char *const *args)
{
	static char xdg[600], home[600], term[] = "TERM=xterm";
	snprintf(xdg, sizeof xdg, "XDG_CONFIG_HOME=%s/xdg-empty", th_tmpdir());
	snprintf(home, sizeof home, "HOME=%s", th_tmpdir());
	char *env[] = {xdg, home, term, NULL};
	const char *argv[16];
	size_t n = 0;
	argv[n++] = "/usr/bin/timeout";
	argv[n++] = "20";
	argv[n++] = th_bin("itrace-tui");
	for (size_t i = 0; args[i] != NULL && n < 15; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	return th_run(o, NULL, env, argv);
}

static void test_token_file_modes(void **state)
{
	(void)state;
	const mode_t bad[] = {0644, 0640, 0604, 0620, 0602, 0660, 0666, 0610, 0601};
	int refused = 0;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		const char *f = token_file(fmt("tok-%03o", (unsigned)bad[i]), w.ana, bad[i]);
		struct th_out o;
		/* --check-config lists the problem on stdout, exit 1. */
		int st = tui(&o, (const char *const[]){"--token-file", f, "--check-config", NULL});
		if (st != 1 || strstr(o.out, "readable by group or others") == NULL ||
		    strstr(o.out, "chmod 600") == NULL || strstr(o.out, f) == NULL)
			fail_msg("mode %03o, --check-config: status %d, stdout \"%s\" stderr \"%s\"",
			         (unsigned)bad[i], st, o.out, o.err);
		assert_null(strstr(o.out, w.ana));           /* never shows the token */
		th_out_free(&o);
		/* The console itself stops before the screen: exit 2, stderr. */
		st = tui(&o, (const char *const[]){"--token-file", f, "--db", "dbname=none", NULL});
		if (st != 2 || strstr(o.err, "readable by group or others") == NULL)
			fail_msg("mode %03o, console: status %d, stderr \"%s\"", (unsigned)bad[i], st,
			         o.err);
		assert_null(strstr(o.err, w.ana));
		th_out_free(&o);
		refused++;
	}
	/* The same through ITRACE_TOKEN_FILE. */
	{
		const char *f = token_file("tok-env", w.ana, 0640);
		static char envv[600], xdg[600], home[600];
		snprintf(envv, sizeof envv, "ITRACE_TOKEN_FILE=%s", f);
		snprintf(xdg, sizeof xdg, "XDG_CONFIG_HOME=%s/xdg-empty", th_tmpdir());
		snprintf(home, sizeof home, "HOME=%s", th_tmpdir());
		char *env[] = {envv, xdg, home, NULL};
		const char *argv[] = {th_bin("itrace-tui"), "--check-config", NULL};
		struct th_out o;
		int st = th_run(&o, NULL, env, argv);
		if (st != 1 || strstr(o.out, "readable by group or others") == NULL)
			fail_msg("ITRACE_TOKEN_FILE 0640: status %d, \"%s\"", st, o.out);
		th_out_free(&o);
		refused++;
	}
	/* A symlink to a good file and a directory are refused too. */
	const char *good = token_file("tok-good", w.ana, 0600);
	char link[600];
	snprintf(link, sizeof link, "%s/tok-link", th_tmpdir());
	unlink(link);
	assert_int_equal(symlink(good, link), 0);
	struct th_out o;
	int st = tui(&o, (const char *const[]){"--token-file", link, "--check-config", NULL});
	if (st != 1 || strstr(o.out, "token file") == NULL)
		fail_msg("symlink: status %d, \"%s\"", st, o.out);
	th_out_free(&o);
	st = tui(&o, (const char *const[]){"--token-file", th_tmpdir(), "--check-config", NULL});
	if (st != 1 || strstr(o.out, "not a regular file") == NULL)
		fail_msg("directory: status %d, \"%s\"", st, o.out);
	th_out_free(&o);
	refused += 2;
	/* 0600 and 0400 are accepted. */
	const char *ro = token_file("tok-ro", w.ana, 0400);
	const char *oks[] = {good, ro};
	for (size_t i = 0; i < 2; i++) {
		st = tui(&o, (const char *const[]){"--token-file", oks[i], "--check-config", NULL});
		if (st != 0 || strstr(o.out, "configuration ok") == NULL)
			fail_msg("%s: status %d, \"%s\" \"%s\"", oks[i], st, o.out, o.err);
		th_out_free(&o);
	}
	print_message("token files: %d refused (group/other modes, env, symlink, directory), "
	              "0600 and 0400 accepted\n", refused);
}

/* ---- an endpoint's token dies with its endpoint ---------------------------- */

/* analyst has no foreign key to endpoint since migration 012 (a Citus
 * reference table cannot point into a distributed one), so an endpoint can
 * be deleted while its token row stays: the token must then be refused,
 * also when the daemon had it cached (the delete tells it to forget). */
static void test_endpoint_gone_token_dead(void **state)
{
	(void)state;
	char *tok = ADMIN("token", "add", "--endpoint", "hostgone", "--tenant", "tena");
	tok[strcspn(tok, "\n")] = '\0';
	assert_int_equal(call("POST", "/v1/agent/heartbeat", tok, NULL, "{\"wait\":false}", NULL),
	                 200);
	assert_int_equal(num("SELECT count(*) FROM analyst a JOIN endpoint e ON e.id = a.endpoint_id"
	                     " WHERE e.name = 'hostgone' AND a.revoked_at IS NULL"), 1);
	PGresult *r = PQexec(w.pg, "DELETE FROM endpoint WHERE name = 'hostgone'");
	assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
	assert_string_equal(PQcmdTuples(r), "1");
	PQclear(r);
	/* The daemon hears the delete on its listener; allow it 3 s. */
	long st = 0;
	for (int i = 0; i < 60; i++) {
		st = call("POST", "/v1/agent/heartbeat", tok, NULL, "{\"wait\":false}", NULL);
		if (st == 401)
			break;
		usleep(50 * 1000);
	}
	assert_int_equal(st, 401);
	/* And no endpoint row was made again by the heartbeat. */
	assert_int_equal(num("SELECT count(*) FROM endpoint WHERE name = 'hostgone'"), 0);
	free(tok);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_world),
		cmocka_unit_test(test_tenants_apart),
		cmocka_unit_test(test_viewer_changes_nothing),
		cmocka_unit_test(test_tokens_hashed_never_logged),
		cmocka_unit_test(test_console_role_writes_nothing),
		cmocka_unit_test(test_console_role_no_definer_functions),
		cmocka_unit_test(test_token_file_modes),
		cmocka_unit_test(test_endpoint_gone_token_dead),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
