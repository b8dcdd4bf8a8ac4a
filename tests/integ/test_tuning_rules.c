/* test_tuning_rules.c - SPEC R-7: log tuning rules kept per tenant in the
 * tuning_rule table, managed with `itrace-cmdd tuning add|list|del`, and
 * applied by itrace-ingest (after any --tuning file) and by
 * POST /v1/agent/events (compiled once per tenant, refreshed when the
 * rules change). Real PostgreSQL, the real daemon and the real programs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>

#include "cmdd_helper.h"
#include "th.h"

static struct {
	char *db;
	PGconn *pg;
	struct cmdd d;
	char *tok_a, *tok_b;     /* endpoint tokens of acme and beta */
	long acme, beta;
} w;

/* `itrace-cmdd --db DB tuning ARGS...`; output captured in *o. */
static int tuning(struct th_out *o, ...)
{
	const char *argv[32];
	int n = 0;
	argv[n++] = "itrace-cmdd";
	argv[n++] = "--db";
	argv[n++] = w.db;
	argv[n++] = "tuning";
	va_list ap;
	va_start(ap, o);
	const char *a;
	while ((a = va_arg(ap, const char *)) != NULL && n < 31)
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;
	return th_run(o, NULL, NULL, argv);
}
#define TUNING(o, ...) tuning((o), __VA_ARGS__, (const char *)NULL)

/* Add a rule that must be accepted; returns its id. */
static long add_ok(const char *tenant, const char *field, const char *pattern, const char *flags)
{
	struct th_out o;
	int st = TUNING(&o, "add", "--tenant", tenant, "--field", field, "--pattern", pattern,
	                "--flags", flags);
	if (st != 0)
		fail_msg("tuning add %s %s: status %d: %s", field, pattern, st, o.err);
	long id = strtol(o.out, NULL, 10);
	th_out_free(&o);
	assert_true(id > 0);
	return id;
}

/* A refused command: exit status 2 and `want` in its stderr. */
static void refused(struct th_out *o, int st, const char *want)
{
	if (st != 2 || strstr(o->err, want) == NULL)
		fail_msg("want status 2 and \"%s\", got %d: %s", want, st, o->err);
	th_out_free(o);
}

static json_t *post_events(const char *tok, const char *body)
{
	struct cmdd_resp r;
	assert_int_equal(cmdd_http(&w.d, "POST", "/v1/agent/events", tok, NULL, body,
	                           strlen(body), &r), 0);
	if (r.status != 200)
		fail_msg("POST /v1/agent/events: %ld %s", r.status, r.body);
	json_t *j = json_loads(r.body, 0, NULL);
	cmdd_resp_free(&r);
	assert_non_null(j);
	return j;
}

static long jint(json_t *j, const char *k)
{
	json_t *v = json_object_get(j, k);
	if (!json_is_integer(v))
		fail_msg("response has no integer \"%s\"", k);
	return (long)json_integer_value(v);
}

/* Events stored for a tenant whose target is `target`. */
static long stored(long tenant, const char *target)
{
	return th_countf(w.pg, "SELECT count(*) FROM event e JOIN endpoint p ON p.id = e.endpoint_id"
	                       " WHERE p.tenant_id = %ld AND e.target = '%s'", tenant, target);
}

static int setup(void **state)
{
	(void)state;
	w.db = th_db_new_migrated();
	if (w.db == NULL)
		return -1;
	w.pg = th_connect(w.db);
	const char *ta[] = {"tenant", "add", "acme", NULL}, *tb[] = {"tenant", "add", "beta", NULL};
	char *a = cmdd_admin(w.db, ta), *b = cmdd_admin(w.db, tb);
	if (a == NULL || b == NULL)
		return -1;
	w.acme = strtol(a, NULL, 10);
	w.beta = strtol(b, NULL, 10);
	free(a);
	free(b);
	const char *ka[] = {"token", "add", "--endpoint", "wa1", "--tenant", "acme", NULL};
	const char *kb[] = {"token", "add", "--endpoint", "wb1", "--tenant", "beta", NULL};
	w.tok_a = cmdd_admin(w.db, ka);
	w.tok_b = cmdd_admin(w.db, kb);
	if (w.tok_a == NULL || w.tok_b == NULL)
		return -1;
	const char *args[] = {"--threads", "3", NULL};
	return cmdd_start(&w.d, w.db, args, NULL);
}

static int teardown(void **state)
{
	(void)state;
	int st = cmdd_stop(&w.d);
	PQfinish(w.pg);
	th_db_drop(w.db);
	free(w.tok_a);
	free(w.tok_b);
	return st == 0 ? 0 : -1;
}

/* add, list, del; each refusal is clear and changes nothing; every
 * change is audited with rule R-7. */
static void test_admin_add_list_del(void **state)
{
	(void)state;
	long id1 = add_ok("acme", "image", "\\\\devenv\\.exe$", "i");
	long id2 = add_ok("acme", "target", "/app/settings/[^/]+\\.json$", "");
	struct th_out o;
	assert_int_equal(TUNING(&o, "list", "--tenant", "acme"), 0);
	char want[256];
	snprintf(want, sizeof want, "%ld\timage /\\\\devenv\\.exe$/i\n%ld\ttarget"
	         " //app/settings/[^/]+\\.json$/\n", id1, id2);
	assert_string_equal(o.out, want);
	th_out_free(&o);
	assert_int_equal(TUNING(&o, "list", "--tenant", "beta"), 0);
	assert_string_equal(o.out, "");
	th_out_free(&o);

	/* Refusals: the PCRE2 message with its offset, an unknown field or
	 * flag, a duplicate (naming the existing rule), an unknown tenant. */
	refused(&o, TUNING(&o, "add", "--tenant", "acme", "--field", "image", "--pattern", "ab(c"),
	        "bad pattern at offset 4: missing closing parenthesis");
	refused(&o, TUNING(&o, "add", "--tenant", "acme", "--field", "path", "--pattern", "x"),
	        "unknown field \"path\"");
	refused(&o, TUNING(&o, "add", "--tenant", "acme", "--field", "image", "--pattern", "x",
	                   "--flags", "q"), "unknown flag 'q'");
	snprintf(want, sizeof want, "already has this rule (id %ld)", id1);
	refused(&o, TUNING(&o, "add", "--tenant", "acme", "--field", "image", "--pattern",
	                   "\\\\devenv\\.exe$", "--flags", "i"), want);
	refused(&o, TUNING(&o, "add", "--tenant", "nosuch", "--field", "image", "--pattern", "x"),
	        "--tenant nosuch: no such tenant");
	refused(&o, TUNING(&o, "list", "--tenant", "nosuch"), "no such tenant");
	assert_int_equal(th_countf(w.pg, "SELECT count(*) FROM tuning_rule"), 2);

	/* The same pattern for another tenant is no duplicate. */
	long id3 = add_ok("beta", "image", "\\\\devenv\\.exe$", "i");
	char ids[24];
	snprintf(ids, sizeof ids, "%ld", id3);
	/* A rule of beta cannot be deleted as acme's. */
	refused(&o, TUNING(&o, "del", "--tenant", "acme", ids), "tenant acme has no tuning rule");
	assert_int_equal(TUNING(&o, "del", "--tenant", "beta", ids), 0);
	th_out_free(&o);
	refused(&o, TUNING(&o, "del", "--tenant", "beta", ids), "has no tuning rule");
	snprintf(ids, sizeof ids, "%ld", id2);
	assert_int_equal(TUNING(&o, "del", "--tenant", "acme", ids), 0);
	th_out_free(&o);
	assert_int_equal(th_countf(w.pg, "SELECT count(*) FROM tuning_rule"), 1);

	/* Audit: three adds and two deletes, no row for a refusal. */
	assert_int_equal(th_countf(w.pg, "SELECT count(*) FROM audit WHERE action = 'tuning.add'"
	                                 " AND rule = 'R-7' AND actor LIKE 'admin:%%'"), 3);
	assert_int_equal(th_countf(w.pg, "SELECT count(*) FROM audit WHERE action = 'tuning.del'"
	                                 " AND rule = 'R-7' AND tenant_id = %ld AND object ="
	                                 " 'tuning_rule:%ld' AND before->>'pattern' ="
	                                 " '/app/settings/[^/]+\\.json$' AND after IS NULL",
	                           w.acme, id2), 1);
	assert_int_equal(th_countf(w.pg, "SELECT count(*) FROM audit WHERE action = 'tuning.add'"
	                                 " AND object = 'tuning_rule:%ld' AND tenant_id = %ld"
	                                 " AND after->>'flags' = 'i'", id1, w.acme), 1);
	snprintf(ids, sizeof ids, "%ld", id1);
	assert_int_equal(TUNING(&o, "del", "--tenant", "acme", ids), 0);
	th_out_free(&o);
}

static const char ndjson[] =
	"{\"type\":\"event\",\"kind\":\"file_create\",\"time\":\"2024-05-01T10:00:00Z\","
	"\"host\":\"H1\",\"pid\":1,\"image\":\"C:\\\\app\\\\app.exe\",\"target\":\"C:\\\\app\\\\app.cfg\"}\n"
	"{\"type\":\"event\",\"kind\":\"file_create\",\"time\":\"2024-05-01T10:00:01Z\","
	"\"host\":\"H1\",\"pid\":1,\"image\":\"C:\\\\app\\\\app.exe\",\"target\":\"C:\\\\app\\\\data.bin\"}\n"
	"{\"type\":\"event\",\"kind\":\"file_create\",\"time\":\"2024-05-01T10:00:02Z\","
	"\"host\":\"H1\",\"pid\":1,\"image\":\"C:\\\\tools\\\\cl.exe\",\"target\":\"C:\\\\src\\\\a.obj\"}\n";

/* itrace-ingest applies the loaded tenant's table rules (after the
 * --tuning file's) and only that tenant's; --dry-run names them by id. */
static void test_ingest_applies_table_rules(void **state)
{
	(void)state;
	long rid = add_ok("acme", "target", "\\.cfg$", "i");
	const char *path = th_write_file("tune.json", ndjson, strlen(ndjson));
	char *p = strdup(path);
	const char *rules = "exclude image /\\\\cl\\.exe$/\n";
	char *tf = strdup(th_write_file("tune.rules", rules, strlen(rules)));
	struct th_out o;
	const char *dry[] = {"itrace-ingest", "--db", w.db, "--tenant", "acme", "--tuning", tf,
	                     "--dry-run", p, NULL};
	assert_int_equal(th_run(&o, NULL, NULL, dry), 0);
	char want[200];
	snprintf(want, sizeof want, "rule 1 (image /\\\\cl\\.exe$/): 1 events\n"
	         "rule 2 (tuning_rule %ld: target /\\.cfg$/i): 1 events\n", rid);
	if (strstr(o.out, want) == NULL)
		fail_msg("dry run: want\n%s\ngot\n%s", want, o.out);
	th_out_free(&o);
	assert_int_equal(th_countf(w.pg, "SELECT count(*) FROM event"), 0);

	const char *ia[] = {"itrace-ingest", "--db", w.db, "--tenant", "acme", p, NULL};
	const char *ib[] = {"itrace-ingest", "--db", w.db, "--tenant", "beta", p, NULL};
	assert_int_equal(th_run(&o, NULL, NULL, ia), 0);
	assert_non_null(strstr(o.err, "loaded 2, excluded 1"));
	th_out_free(&o);
	assert_int_equal(th_run(&o, NULL, NULL, ib), 0);
	assert_non_null(strstr(o.err, "loaded 3, excluded 0"));
	th_out_free(&o);
	assert_int_equal(stored(w.acme, "C:\\app\\app.cfg"), 0);
	assert_int_equal(stored(w.acme, "C:\\app\\data.bin"), 1);
	assert_int_equal(stored(w.beta, "C:\\app\\app.cfg"), 1);
	assert_int_equal(th_countf(w.pg, "SELECT count(*) FROM event e JOIN endpoint p"
	                                 " ON p.id = e.endpoint_id WHERE p.tenant_id = %ld",
	                           w.beta), 3);
	char ids[24];
	snprintf(ids, sizeof ids, "%ld", rid);
	assert_int_equal(TUNING(&o, "del", "--tenant", "acme", ids), 0);
	th_out_free(&o);
	free(p);
	free(tf);
}

/* A line for the events route: time and target vary so no line is a
 * duplicate of another. */
static char *ev_line(int sec, const char *target)
{
	char *s = NULL;
	if (asprintf(&s, "{\"type\":\"event\",\"kind\":\"file_create\","
	                 "\"time\":\"2024-06-01T10:00:%02dZ\",\"host\":\"x\",\"pid\":7,"
	                 "\"image\":\"C:\\\\app\\\\app.exe\",\"target\":\"%s\"}\n", sec, target) < 0)
		abort();
	return s;
}

/* POST /v1/agent/events drops the events the endpoint's tenant's
 * rules match (counted in "excluded"), not another tenant's; a rule added
 * or deleted while the daemon runs applies to the next POST. */
static void test_agent_events_route(void **state)
{
	(void)state;
	long rid = add_ok("acme", "target", "settings\\.ini$", "");
	char *l1 = ev_line(1, "C:\\\\app\\\\settings.ini"), *l2 = ev_line(2, "C:\\\\app\\\\out.log");
	char body[1024];
	snprintf(body, sizeof body, "%s%s", l1, l2);
	json_t *j = post_events(w.tok_a, body);
	assert_int_equal(jint(j, "events"), 1);
	assert_int_equal(jint(j, "excluded"), 1);
	json_decref(j);
	j = post_events(w.tok_b, body);
	assert_int_equal(jint(j, "events"), 2);
	assert_int_equal(jint(j, "excluded"), 0);
	json_decref(j);
	assert_int_equal(stored(w.acme, "C:\\app\\settings.ini"), 0);
	assert_int_equal(stored(w.acme, "C:\\app\\out.log"), 1);
	assert_int_equal(stored(w.beta, "C:\\app\\settings.ini"), 1);

	/* A rule for beta, added while the daemon runs: the next POST. */
	long rb = add_ok("beta", "target", "\\.log$", "");
	char *l3 = ev_line(3, "C:\\\\app\\\\more.log"), *l4 = ev_line(4, "C:\\\\app\\\\x.dat");
	snprintf(body, sizeof body, "%s%s", l3, l4);
	j = post_events(w.tok_b, body);
	assert_int_equal(jint(j, "events"), 1);
	assert_int_equal(jint(j, "excluded"), 1);
	json_decref(j);
	assert_int_equal(stored(w.beta, "C:\\app\\more.log"), 0);
	assert_int_equal(stored(w.beta, "C:\\app\\x.dat"), 1);

	/* Deleting acme's rule: the next POST stores such events again. */
	char ids[24];
	struct th_out o;
	snprintf(ids, sizeof ids, "%ld", rid);
	assert_int_equal(TUNING(&o, "del", "--tenant", "acme", ids), 0);
	th_out_free(&o);
	char *l5 = ev_line(5, "C:\\\\app\\\\settings.ini");
	j = post_events(w.tok_a, l5);
	assert_int_equal(jint(j, "events"), 1);
	assert_int_equal(jint(j, "excluded"), 0);
	json_decref(j);
	assert_int_equal(stored(w.acme, "C:\\app\\settings.ini"), 1);
	snprintf(ids, sizeof ids, "%ld", rb);
	assert_int_equal(TUNING(&o, "del", "--tenant", "beta", ids), 0);
	th_out_free(&o);
	free(l1), free(l2), free(l3), free(l4), free(l5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_admin_add_list_del),
		cmocka_unit_test(test_ingest_applies_table_rules),
		cmocka_unit_test(test_agent_events_route),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
