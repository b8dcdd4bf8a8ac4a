/* test_concurrency.c - analysts at once, endpoints at once (issue 6, item 4),
 * real processes only:
 *
 *   5. Two consoles (tmux, alice and bob) give a verdict on one alert,
 *      both from the version they saw: exactly one wins; the other screen
 *      says refused, stale_version, with the alert's new state; a direct
 *      API call with the same stale version is refused likewise.
 *   6. One simulator plays 20 endpoints long-polling while 5 analysts
 *      (threads, 5 tokens) fetch, delete, isolate and release through the
 *      API with unique Idempotency-Keys, plus deliberate repeats of a key
 *      (sequential and three at once), a key reused for another body
 *      (422), and all five isolating, then releasing, one endpoint at
 *      once (one wins). Counted afterwards: every command id answered 202
 *      is executed by the simulator exactly once and ends done, repeats
 *      answered the same id, the command table holds exactly those rows.
 * The daemon believes it is Wednesday 2026-11-25 10:00 JST (business
 * hours, ITRACE_FAKE_NOW). Every wait is a poll with a timeout.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <curl/curl.h>

#include "fault_world.h"
#include "../tui/tt.h"

#define NOW_INSIDE "ITRACE_FAKE_NOW=2026-11-25T01:00:00Z"
#define LONG_MS 30000
#define NEP 20          /* simulated endpoints */
#define NAN_ 5          /* analysts */
#define PER (NEP / NAN_)
#define RACE_EP 7       /* the endpoint all analysts isolate at once */

static struct {
	char *db;
	struct cmdd d;
	char *alice, *bob;
	char *an[NAN_];
	char *eptok[NEP];
	char *hostname[NEP];
	long ep[NEP];
	char alice_file[512], bob_file[512];
} W;


static int setup(void **state)
{
	(void)state;
	curl_global_init(CURL_GLOBAL_ALL);   /* before any thread makes a handle */
	W.db = th_db_new_migrated();
	if (W.db == NULL)
		return -1;
	free(cmdd_admin_or_die(W.db, "tenant", "add", "acme", "--allow", "10.0.0.0/8:443", "--service-start",
	           "2025-01-01", (char *)NULL));
	W.alice = cmdd_admin_or_die(W.db, "token", "add", "--analyst", "alice", "--role", "analyst", (char *)NULL);
	W.bob = cmdd_admin_or_die(W.db, "token", "add", "--analyst", "bob", "--role", "analyst", (char *)NULL);
	for (int i = 0; i < NAN_; i++) {
		char name[16];
		snprintf(name, sizeof name, "an%d", i + 1);
		W.an[i] = cmdd_admin_or_die(W.db, "token", "add", "--analyst", name, "--role", "analyst", (char *)NULL);
	}
	for (int i = 0; i < NEP; i++) {
		char host[16], sql[128];
		snprintf(host, sizeof host, "cc%02d", i + 1);
		W.hostname[i] = strdup(host);
		W.eptok[i] = cmdd_admin_or_die(W.db, "token", "add", "--endpoint", host, "--tenant", "acme",
		                   (char *)NULL);
		snprintf(sql, sizeof sql, "SELECT id FROM endpoint WHERE name = '%s'", host);
		W.ep[i] = fw_sql_num(W.db, sql);
		if (W.ep[i] <= 0)
			return -1;
	}
	snprintf(W.alice_file, sizeof W.alice_file, "%s",
	         th_write_file("alice.token", W.alice, strlen(W.alice)));
	snprintf(W.bob_file, sizeof W.bob_file, "%s",
	         th_write_file("bob.token", W.bob, strlen(W.bob)));
	chmod(W.alice_file, 0600);
	chmod(W.bob_file, 0600);
	static char env_in[] = NOW_INSIDE;
	char *env[] = {env_in, NULL};
	const char *args[] = {"--job-interval", "1", NULL};
	if (cmdd_start(&W.d, W.db, args, env) != 0)
		return -1;
	fw_track_daemon(&W.d);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	int st = fw_daemon_stop(&W.d);
	fw_cleanup();
	th_db_drop(W.db);
	free(W.alice);
	free(W.bob);
	for (int i = 0; i < NAN_; i++)
		free(W.an[i]);
	for (int i = 0; i < NEP; i++) {
		free(W.eptok[i]);
		free(W.hostname[i]);
	}
	curl_global_cleanup();
	if (st != 0) {
		fprintf(stderr, "test_concurrency: daemon exit status %d (want 0)\n", st);
		return -1;
	}
	return 0;
}

/* ------------------------------------------------- 5. two consoles, one */

static void console_start(struct tt *t, const char *tag, const char *tokfile)
{
	char cfg[600], st[600];
	snprintf(cfg, sizeof cfg, "%s/%s-cfg", th_tmpdir(), tag);
	snprintf(st, sizeof st, "%s/%s-state", th_tmpdir(), tag);
	mkdir(cfg, 0755);
	mkdir(st, 0755);
	char *cmd = NULL;
	assert_true(asprintf(&cmd, "env -u NO_COLOR TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 "
	                     "XDG_CONFIG_HOME=%s XDG_STATE_HOME=%s %s --db '%s' --api %s "
	                     "--token-file %s",
	                     cfg, st, th_bin("itrace-tui"), W.db, W.d.url, tokfile) > 0);
	assert_int_equal(tt_start(t, 120, 30, cmd), 0);
	free(cmd);
}

static void select_alert(struct tt *t, const char *re)
{
	tt_keys(t, "/", NULL);
	TT_WAIT(t, "Search", 5000);
	tt_type(t, re);
	tt_keys(t, "Enter", NULL);
	TT_WAIT_GONE(t, "Enter accepts", 5000);
}

static void test_two_consoles_one_alert(void **state)
{
	(void)state;
	const char body[] =
		"{\"detected_at\":\"2026-11-25T00:30:00Z\",\"path\":\"C:\\\\Users\\\\u\\\\Downloads"
		"\\\\race-verdict.exe\",\"sha256\":\"" "abcdef01" "abcdef01" "abcdef01" "abcdef01"
		"abcdef01" "abcdef01" "abcdef01" "abcdef01" "\",\"detection\":\"Trojan:Win32/Race\","
		"\"action\":\"blocked\"}";
	long st;
	json_t *j = fw_api(&W.d, "POST", "/v1/agent/alerts", W.eptok[0], NULL, body, &st);
	assert_int_equal(st, 201);
	long id = fw_int(j, "id");
	json_decref(j);
	char path[96], sql[256];
	snprintf(path, sizeof path, "/v1/alerts/%ld/claim", id);
	j = fw_api(&W.d, "POST", path, W.alice, NULL, "{}", &st);
	assert_int_equal(st, 200);
	long v0 = fw_int(j, "version");
	json_decref(j);

	struct tt a, b;
	console_start(&a, "alice", W.alice_file);
	console_start(&b, "bob", W.bob_file);
	struct tt *both[2] = {&a, &b};
	for (int i = 0; i < 2; i++) {
		TT_WAIT(both[i], "race-verdict.exe", LONG_MS);
		TT_WAIT(both[i], "API ok", LONG_MS);
		select_alert(both[i], "race-verdict");
		tt_keys(both[i], "v", NULL);
		TT_WAIT(both[i], "Verdict for #", 5000);
	}
	/* alice first: black */
	tt_keys(&a, "b", "Tab", NULL);
	tt_type(&a, "alice: black");
	tt_keys(&a, "Enter", NULL);
	TT_WAIT(&a, "verdict #", 5000);
	snprintf(sql, sizeof sql, "SELECT quick_verdict || ' ' || version FROM alert WHERE id = %ld",
	         id);
	char want[64];
	snprintf(want, sizeof want, "black %ld", v0 + 1);
	FW_WAIT_SQL(W.db, want, LONG_MS, "%s", sql);
	TT_WAIT(&a, ": done", LONG_MS);
	/* bob's console hears of it (NOTIFY) while his dialog is still open:
	 * the row behind the dialog shows the new state */
	TT_WAIT(&b, "q-verdict", LONG_MS);
	/* bob's verdict, from the version he saw */
	tt_keys(&b, "w", "Tab", NULL);
	tt_type(&b, "bob: white");
	tt_keys(&b, "Enter", NULL);
	TT_WAIT(&b, "refused", LONG_MS);
	TT_WAIT(&b, "stale_version", 5000);
	TT_WAIT(&b, "quick_verdict", 5000);
	/* exactly one verdict: alice's */
	snprintf(sql, sizeof sql,
	         "SELECT quick_verdict || ' ' || (SELECT count(*) FROM audit WHERE"
	         " object = 'alert:%ld' AND action = 'alert.verdict_quick') FROM alert WHERE id = %ld",
	         id, id);
	char *v = fw_sql(W.db, sql);
	assert_non_null(v);
	assert_string_equal(v, "black 1");
	free(v);
	/* the same stale version through the API directly */
	char vb[160];
	snprintf(path, sizeof path, "/v1/alerts/%ld/verdict", id);
	snprintf(vb, sizeof vb, "{\"phase\":\"quick\",\"verdict\":\"white\",\"version\":%ld}", v0);
	j = fw_api(&W.d, "POST", path, W.bob, NULL, vb, &st);
	assert_int_equal(st, 409);
	assert_string_equal(fw_errcode(j), "stale_version");
	assert_string_equal(fw_str(json_object_get(j, "error"), "state"), "quick_verdict");
	assert_int_equal(fw_int(json_object_get(j, "error"), "version"), v0 + 1);
	json_decref(j);
	v = fw_sql(W.db, sql);
	assert_string_equal(v, "black 1");
	free(v);
	print_message("two consoles, one alert: alice's verdict won; bob's screen said refused "
	              "stale_version, now quick_verdict; one audit row\n");
	tt_quit(&a);
	tt_quit(&b);
}

/* ------------------------------------------------ 6. 20 endpoints, 5 men */

#define MAXIDS 256

struct analyst {
	int idx;
	const char *token;
	long ids[MAXIDS];            /* every id answered 202 (repeats included) */
	int nids;
	int posts, repeats, repeats_same, mismatches;
	int failed;
	char err[512];
};

static void an_fail(struct analyst *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void an_fail(struct analyst *a, const char *fmt, ...)
{
	if (a->failed++)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(a->err, sizeof a->err, fmt, ap);
	va_end(ap);
}

static void an_keep(struct analyst *a, long id)
{
	if (a->nids < MAXIDS)
		a->ids[a->nids++] = id;
}

/* One command POST with its key; want 202; returns the command id (0 on
 * failure, recorded in a). */
static long an_post(struct analyst *a, long ep, const char *sub, const char *key,
                    const char *body)
{
	char path[96];
	snprintf(path, sizeof path, "/v1/endpoints/%ld/%s", ep, sub);
	long st;
	json_t *j = fw_api(&W.d, "POST", path, a->token, key, body, &st);
	long id = st == 202 ? fw_int(j, "id") : 0;
	if (st != 202 || id <= 0) {
		char *s = json_dumps(j, JSON_COMPACT);
		an_fail(a, "analyst %d: POST %s key %s: %ld %s", a->idx, path, key, st,
		        s != NULL ? s : "");
		free(s);
	}
	json_decref(j);
	a->posts++;
	if (id > 0)
		an_keep(a, id);
	return id;
}

/* The same request again, same key: the same command id. */
static void an_repeat(struct analyst *a, long ep, const char *sub, const char *key,
                      const char *body, long want)
{
	long id = an_post(a, ep, sub, key, body);
	a->repeats++;
	if (id == want)
		a->repeats_same++;
	else
		an_fail(a, "analyst %d: repeat of key %s answered %ld, first %ld", a->idx, key, id, want);
}

static int an_wait_isolation(struct analyst *a, long ep, const char *want)
{
	char path[64];
	snprintf(path, sizeof path, "/v1/endpoints/%ld", ep);
	long end = fw_ms() + LONG_MS;
	for (;;) {
		long st;
		json_t *j = fw_api(&W.d, "GET", path, a->token, NULL, NULL, &st);
		int ok = st == 200 && strcmp(fw_str(j, "isolation"), want) == 0;
		json_decref(j);
		if (ok)
			return 0;
		if (fw_ms() > end) {
			an_fail(a, "analyst %d: endpoint %ld not %s after %d ms", a->idx, ep, want, LONG_MS);
			return -1;
		}
		usleep(50 * 1000);   /* poll interval */
	}
}

/* Three threads send one request with one key at the same moment. */
struct burst {
	struct analyst *a;
	long ep;
	const char *key;
	pthread_barrier_t *go;
	long id, status;
};

static void *burst_one(void *arg)
{
	struct burst *b = arg;
	char path[96];
	snprintf(path, sizeof path, "/v1/endpoints/%ld/files/fetch", b->ep);
	pthread_barrier_wait(b->go);
	json_t *j = fw_api(&W.d, "POST", path, b->a->token, b->key,
	                   "{\"path\":\"C:\\\\Windows\\\\System32\\\\notepad.exe\"}", &b->status);
	b->id = b->status == 202 ? fw_int(j, "id") : 0;
	json_decref(j);
	return NULL;
}

static const char F_NOTEPAD[] = "{\"path\":\"C:\\\\Windows\\\\System32\\\\notepad.exe\"}";
static const char F_HOSTS[] = "{\"path\":\"C:\\\\Windows\\\\System32\\\\drivers\\\\etc\\\\hosts\"}";
static const char F_README[] = "{\"path\":\"C:\\\\Users\\\\Public\\\\Documents\\\\readme.txt\"}";

static void *analyst_run(void *arg)
{
	struct analyst *a = arg;
	char key[96];
	int first = a->idx * PER;
	/* files first, on every endpoint of this analyst */
	for (int k = first; k < first + PER; k++) {
		long ep = W.ep[k];
		snprintf(key, sizeof key, "an%d-ep%d-fetch-notepad", a->idx, k);
		long id = an_post(a, ep, "files/fetch", key, F_NOTEPAD);
		an_repeat(a, ep, "files/fetch", key, F_NOTEPAD, id);
		/* the same key for another request: refused, nothing queued */
		char path[96];
		snprintf(path, sizeof path, "/v1/endpoints/%ld/files/fetch", ep);
		long st;
		json_t *j = fw_api(&W.d, "POST", path, a->token, key, F_HOSTS, &st);
		if (st == 422 && strcmp(fw_errcode(j), "idempotency_mismatch") == 0)
			a->mismatches++;
		else
			an_fail(a, "analyst %d: key %s for another body: %ld", a->idx, key, st);
		json_decref(j);
		snprintf(key, sizeof key, "an%d-ep%d-delete-readme", a->idx, k);
		an_post(a, ep, "files/delete", key, F_README);
		snprintf(key, sizeof key, "an%d-ep%d-fetch-hosts", a->idx, k);
		an_post(a, ep, "files/fetch", key, F_HOSTS);
		snprintf(key, sizeof key, "an%d-ep%d-delete-hosts", a->idx, k);
		id = an_post(a, ep, "files/delete", key, F_HOSTS);
		an_repeat(a, ep, "files/delete", key, F_HOSTS, id);
	}
	/* one key from three threads at once: one command */
	pthread_barrier_t go;
	pthread_barrier_init(&go, NULL, 3);
	struct burst bs[3];
	pthread_t th[3];
	snprintf(key, sizeof key, "an%d-burst", a->idx);
	for (int i = 0; i < 3; i++) {
		bs[i] = (struct burst){.a = a, .ep = W.ep[first], .key = key, .go = &go};
		pthread_create(&th[i], NULL, burst_one, &bs[i]);
	}
	for (int i = 0; i < 3; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&go);
	for (int i = 0; i < 3; i++) {
		a->posts++;
		if (bs[i].status != 202 || bs[i].id <= 0 || bs[i].id != bs[0].id)
			an_fail(a, "analyst %d: burst %d: %ld id %ld (first %ld)", a->idx, i,
			        bs[i].status, bs[i].id, bs[0].id);
		else
			an_keep(a, bs[i].id);
		if (i > 0) {
			a->repeats++;
			a->repeats_same += bs[i].id == bs[0].id && bs[i].id > 0;
		}
	}
	/* isolate them all, then release each once isolated */
	for (int k = first; k < first + PER; k++) {
		if (k == RACE_EP)
			continue;
		snprintf(key, sizeof key, "an%d-ep%d-isolate", a->idx, k);
		long id = an_post(a, W.ep[k], "isolate", key, "{\"reason\":\"load\"}");
		an_repeat(a, W.ep[k], "isolate", key, "{\"reason\":\"load\"}", id);
	}
	for (int k = first; k < first + PER; k++) {
		if (k == RACE_EP || an_wait_isolation(a, W.ep[k], "isolated") != 0)
			continue;
		snprintf(key, sizeof key, "an%d-ep%d-release", a->idx, k);
		an_post(a, W.ep[k], "release", key, "{\"reason\":\"load done\"}");
	}
	for (int k = first; k < first + PER; k++)
		if (k != RACE_EP)
			an_wait_isolation(a, W.ep[k], "none");
	return NULL;
}

/* All analysts isolate (or release) one endpoint at the same moment. */
struct racer {
	struct analyst *a;
	const char *sub;
	pthread_barrier_t *go;
	long status, id;
	char code[64];
};

static void *race_one(void *arg)
{
	struct racer *r = arg;
	char path[96], key[64];
	snprintf(path, sizeof path, "/v1/endpoints/%ld/%s", W.ep[RACE_EP], r->sub);
	snprintf(key, sizeof key, "an%d-race-%s", r->a->idx, r->sub);
	pthread_barrier_wait(r->go);
	json_t *j = fw_api(&W.d, "POST", path, r->a->token, key, "{\"reason\":\"race\"}",
	                   &r->status);
	r->id = r->status == 202 ? fw_int(j, "id") : 0;
	snprintf(r->code, sizeof r->code, "%s", fw_errcode(j));
	json_decref(j);
	return NULL;
}

/* Returns the winner's command id. */
static long race(struct analyst *an, const char *sub)
{
	pthread_barrier_t go;
	pthread_barrier_init(&go, NULL, NAN_);
	struct racer r[NAN_];
	pthread_t th[NAN_];
	for (int i = 0; i < NAN_; i++) {
		r[i] = (struct racer){.a = &an[i], .sub = sub, .go = &go};
		pthread_create(&th[i], NULL, race_one, &r[i]);
	}
	for (int i = 0; i < NAN_; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&go);
	int won = 0, told = 0;
	long id = 0;
	for (int i = 0; i < NAN_; i++) {
		an[i].posts++;
		if (r[i].status == 202) {
			won++;
			id = r[i].id;
			an_keep(&an[i], id);
		} else if (r[i].status == 409 && strcmp(r[i].code, "invalid_state") == 0) {
			told++;
		} else {
			fail_msg("race %s: analyst %d got %ld %s", sub, i, r[i].status, r[i].code);
		}
	}
	if (won != 1 || told != NAN_ - 1)
		fail_msg("race %s: %d won, %d told (want 1 and %d)", sub, won, told, NAN_ - 1);
	return id;
}

static int cmp_long(const void *x, const void *y)
{
	long a = *(const long *)x, b = *(const long *)y;
	return a < b ? -1 : a > b;
}

static void test_endpoints_and_analysts(void **state)
{
	(void)state;
	const char *hosts[NEP];
	for (int i = 0; i < NEP; i++)
		hosts[i] = W.hostname[i];
	const char *toks = fw_tokens_file("cc.tokens", hosts, W.eptok, NEP);
	struct fw_sim sim;
	const char *extra[] = {"--endpoints", "20", NULL};
	assert_int_equal(fw_sim_start(&sim, W.d.url, toks, "sim-load", extra), 0);
	FW_WAIT_SQL(W.db, "20", LONG_MS,
	            "SELECT count(*) FROM endpoint WHERE name LIKE 'cc%%' AND last_seen IS NOT NULL");
	long c0 = fw_sql_num(W.db, "SELECT coalesce(max(id), 0) FROM command");
	long t0 = fw_ms();

	static struct analyst an[NAN_];
	pthread_t th[NAN_];
	for (int i = 0; i < NAN_; i++) {
		memset(&an[i], 0, sizeof an[i]);
		an[i].idx = i;
		an[i].token = W.an[i];
		pthread_create(&th[i], NULL, analyst_run, &an[i]);
	}
	for (int i = 0; i < NAN_; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < NAN_; i++)
		if (an[i].failed)
			fail_msg("%s (%d failures)", an[i].err, an[i].failed);
	/* all five on one endpoint: one isolation, then one release */
	race(an, "isolate");
	FW_WAIT_SQL(W.db, "isolated", LONG_MS, "SELECT isolation FROM endpoint WHERE id = %ld",
	            W.ep[RACE_EP]);
	race(an, "release");
	FW_WAIT_SQL(W.db, "none", LONG_MS, "SELECT isolation FROM endpoint WHERE id = %ld",
	            W.ep[RACE_EP]);

	/* the distinct command ids answered 202 */
	long ids[NAN_ * MAXIDS];
	int n = 0, posts = 0, repeats = 0, same = 0, mism = 0;
	for (int i = 0; i < NAN_; i++) {
		memcpy(ids + n, an[i].ids, (size_t)an[i].nids * sizeof ids[0]);
		n += an[i].nids;
		posts += an[i].posts;
		repeats += an[i].repeats;
		same += an[i].repeats_same;
		mism += an[i].mismatches;
	}
	qsort(ids, (size_t)n, sizeof ids[0], cmp_long);
	int nd = 0;
	for (int i = 0; i < n; i++)
		if (nd == 0 || ids[nd - 1] != ids[i])
			ids[nd++] = ids[i];
	/* every one finished on its endpoint */
	FW_WAIT_SQL(W.db, "0", 60000,
	            "SELECT count(*) FROM command WHERE state IN ('queued', 'delivered')");
	long t_all = fw_ms() - t0;
	assert_int_equal(fw_sim_stop(&sim), 0);

	/* the simulator's lines, by id */
	char *text = fw_slurp(sim.out);
	int lines = 0, dup = 0, stray = 0, notdone = 0;
	int *seen = calloc((size_t)nd, sizeof *seen);
	assert_non_null(seen);
	char *save = NULL;
	for (char *l = strtok_r(text, "\n", &save); l != NULL; l = strtok_r(NULL, "\n", &save)) {
		char host[64], kind[64], st[32];
		long id;
		if (sscanf(l, "%63s command %ld %63s -> %31s", host, &id, kind, st) != 4)
			continue;
		lines++;
		long *hit = bsearch(&id, ids, (size_t)nd, sizeof ids[0], cmp_long);
		if (hit == NULL) {
			stray++;
			continue;
		}
		if (seen[hit - ids]++ > 0)
			dup++;
		if (strcmp(st, "done") != 0)
			notdone++;
	}
	free(text);
	int lost = 0;
	for (int i = 0; i < nd; i++)
		lost += seen[i] == 0;
	free(seen);
	char sql[160];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM command WHERE id > %ld", c0);
	long rows = fw_sql_num(W.db, sql);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM command WHERE id > %ld AND state = 'done'",
	         c0);
	long done_rows = fw_sql_num(W.db, sql);
	print_message("20 endpoints, 5 analysts: %d POSTs (%d repeats of a key, %d answered the "
	              "same id; %d keys reused for another body: 422), commands issued %d, "
	              "delivered %d, command rows %ld (%ld done), duplicates %d, lost %d, "
	              "stray %d, not done %d; all finished in %ld ms\n",
	              posts + mism, repeats, same, mism, nd, lines, rows, done_rows, dup, lost,
	              stray, notdone, t_all);
	assert_int_equal(repeats, same);
	assert_int_equal(mism, NEP);
	/* 4 file commands an endpoint, isolate and release on all but the
	 * raced one, a burst per analyst, the race's two */
	assert_int_equal(nd, NEP * 4 + (NEP - 1) * 2 + NAN_ + 2);
	assert_true(ids[0] > c0);
	assert_int_equal(dup, 0);
	assert_int_equal(lost, 0);
	assert_int_equal(stray, 0);
	assert_int_equal(notdone, 0);
	assert_int_equal(lines, nd);
	assert_int_equal(rows, nd);
	assert_int_equal(done_rows, rows);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_consoles_one_alert),
		cmocka_unit_test(test_endpoints_and_analysts),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
