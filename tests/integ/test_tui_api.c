/* test_tui_api.c - the console's actions through a real itrace-cmdd, with
 * itrace-endpoint-sim playing the endpoint: claim, a black quick verdict
 * and its report (the alert changes through the API, then the next alert
 * by deadline opens), isolation reaching "isolated" on the endpoint, the
 * typed host name before a deletion, and a refusal outside business hours
 * with the next window. */
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
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

#include "cmdd_helper.h"
#include "th.h"
#include "../tui/tt.h"

/* Thursday 2026-11-26 10:00 JST (business hours) / Saturday 12:00 JST. */
#define NOW_INSIDE "ITRACE_FAKE_NOW=2026-11-26T01:00:00Z"
#define NOW_OUTSIDE "ITRACE_FAKE_NOW=2026-11-28T03:00:00Z"

static struct {
	char *db;
	struct cmdd in, out;
	pid_t sim;
	char tokfile[512], cfg[512], state[512];
	long mshta, hta, ep;
} W;

static char *admin(const char *const *args)
{
	char *s = cmdd_admin(W.db, args);
	if (s == NULL) {
		fprintf(stderr, "test_tui_api: admin %s failed\n", args[0]);
		exit(99);
	}
	return s;
}

static void iso(time_t t, char *buf, size_t len)
{
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void stop_all(void);

static int setup(void **state)
{
	(void)state;
	const char *otrf = th_shared("data/otrf/psh_mshta_html_application_execution.json");
	if (otrf == NULL)
		return -1;
	W.db = th_db_new_migrated();
	if (W.db == NULL)
		return -1;
	free(admin((const char *[]){"tenant", "add", "acme", "--allow", "10.0.0.0/8:443",
	                            "--service-start", "2025-01-01", NULL}));
	char *tok = admin((const char *[]){"token", "add", "--analyst", "alice", "--role",
	                                   "analyst", NULL});
	char *etok = admin((const char *[]){"token", "add", "--endpoint", "WORKSTATION5",
	                                    "--tenant", "acme", NULL});
	snprintf(W.tokfile, sizeof W.tokfile, "%s", th_write_file("alice.token", tok, strlen(tok)));
	chmod(W.tokfile, 0600);
	char simtok[256];
	snprintf(simtok, sizeof simtok, "WORKSTATION5 %s\n", etok);
	const char *stf = th_write_file("sim.tokens", simtok, strlen(simtok));
	chmod(stf, 0600);
	free(tok);
	free(etok);

	time_t now = time(NULL);
	char r1[32], r2[32];
	iso(now - 600, r1, sizeof r1);
	iso(now - 1200, r2, sizeof r2);
	char lines[4096];
	snprintf(lines, sizeof lines,
	         "{\"type\":\"alert\",\"host\":\"WORKSTATION5\",\"detected_at\":\"2020-10-22T07:52:10Z\","
	         "\"received_at\":\"%s\",\"path\":\"C:\\\\Users\\\\wardog\\\\AppData\\\\Roaming\\\\Microsoft"
	         "\\\\Windows\\\\Start Menu\\\\Programs\\\\Startup\\\\T1218.005.hta\",\"sha256\":"
	         "\"0b7b21c8b4d5c8b1d4e0f7b5a1b2c3d4e5f60718293a4b5c6d7e8f9012345678\","
	         "\"detection\":\"HTML/Mshta.Gen\",\"action\":\"allowed\"}\n"
	         "{\"type\":\"alert\",\"host\":\"WORKSTATION5\",\"detected_at\":\"2020-10-22T07:53:10Z\","
	         "\"received_at\":\"%s\",\"path\":\"C:\\\\Windows\\\\System32\\\\mshta.exe\",\"sha256\":"
	         "\"1111111111111111111111111111111111111111111111111111111111111111\","
	         "\"detection\":\"Trojan/MshtaAbuse\",\"action\":\"blocked\"}\n",
	         r1, r2);
	const char *af = th_write_file("api-alerts.json", lines, strlen(lines));
	struct th_out o;
	const char *argv[] = {"itrace-ingest", "--db", W.db, "--tenant", "acme", otrf, af, NULL};
	if (th_run(&o, NULL, NULL, argv) != 0) {
		fprintf(stderr, "test_tui_api: ingest: %s\n", o.err);
		th_out_free(&o);
		return -1;
	}
	th_out_free(&o);
	PGconn *c = th_connect(W.db);
	W.mshta = th_count(c, "SELECT id FROM alert WHERE path LIKE '%mshta.exe'");
	W.hta = th_count(c, "SELECT id FROM alert WHERE path LIKE '%.hta'");
	W.ep = th_count(c, "SELECT id FROM endpoint WHERE name = 'workstation5'");
	PQfinish(c);
	if (W.mshta <= 0 || W.hta <= 0 || W.ep <= 0)
		return -1;

	const char *cf = th_write_file("cmdd.conf", "longpoll_max = 2\n", 17);
	atexit(stop_all);
	static char in_env[] = NOW_INSIDE, out_env[] = NOW_OUTSIDE;
	char *ein[] = {in_env, NULL}, *eout[] = {out_env, NULL};
	if (cmdd_start(&W.in, W.db, (const char *[]){"--config", cf, NULL}, ein) != 0 ||
	    cmdd_start(&W.out, W.db, (const char *[]){"--config", cf, NULL}, eout) != 0)
		return -1;
	W.sim = fork();
	if (W.sim == 0) {
		char path[600];
		snprintf(path, sizeof path, "%s/sim.log", th_tmpdir());
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execl(th_bin("itrace-endpoint-sim"), "itrace-endpoint-sim", "--api", W.in.url,
		      "--tokens", stf, "--endpoints", "1", "--wait", (char *)NULL);
		_exit(127);
	}
	snprintf(W.cfg, sizeof W.cfg, "%s/cfg", th_tmpdir());
	snprintf(W.state, sizeof W.state, "%s/state", th_tmpdir());
	mkdir(W.cfg, 0755);
	mkdir(W.state, 0755);
	return W.sim > 0 ? 0 : -1;
}

/* Daemons and the simulator go with the test program, also when a setup
 * step failed (cmocka then skips teardown) or a test aborted. */
static void stop_all(void)
{
	if (W.sim > 0) {
		kill(W.sim, SIGTERM);
		waitpid(W.sim, NULL, 0);
		W.sim = 0;
	}
	if (W.in.pid > 0)
		cmdd_stop(&W.in);
	if (W.out.pid > 0)
		cmdd_stop(&W.out);
	W.in.pid = W.out.pid = 0;
}

static int teardown(void **state)
{
	(void)state;
	stop_all();
	th_db_drop(W.db);
	W.db = NULL;
	return 0;
}

static void start(struct tt *t, const struct cmdd *d)
{
	/* each test starts from the queue: forget the last view */
	char sf[600];
	snprintf(sf, sizeof sf, "%s/itrace-tui/state", W.state);
	unlink(sf);
	char *cmd = NULL;
	assert_true(asprintf(&cmd, "env -u NO_COLOR TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 "
	                     "XDG_CONFIG_HOME=%s XDG_STATE_HOME=%s %s --db '%s' --api %s "
	                     "--token-file %s",
	                     W.cfg, W.state, th_bin("itrace-tui"), W.db, d->url, W.tokfile) > 0);
	assert_int_equal(tt_start(t, 100, 30, cmd), 0);
	free(cmd);
	TT_WAIT(t, "mshta.exe", 10000);
	TT_WAIT(t, "API ok", 15000);
}

static void select_alert(struct tt *t, const char *re)
{
	tt_keys(t, "/", NULL);
	TT_WAIT(t, "Search", 3000);
	tt_keys(t, "C-u", NULL);   /* the prompt offers the last search */
	tt_type(t, re);
	tt_keys(t, "Enter", NULL);
	TT_WAIT_GONE(t, "Enter accepts", 3000);
}

static char *scalar(const char *sql)
{
	PGconn *c = th_connect(W.db);
	char *v = th_scalar(c, sql);
	PQfinish(c);
	return v;
}

/* Poll the database for a value (the console changed it through the API). */
static void wait_db(const char *sql, const char *want)
{
	long end = tt_ms() + 10000;
	char *v = NULL;
	for (;;) {
		free(v);
		v = scalar(sql);
		if (v != NULL && strcmp(v, want) == 0)
			break;
		if (tt_ms() > end)
			fail_msg("%s: want %s, got %s", sql, want, v != NULL ? v : "(null)");
		usleep(50 * 1000);
	}
	free(v);
}

static void test_claim_verdict_publish(void **state)
{
	(void)state;
	struct tt t;
	start(&t, &W.in);
	select_alert(&t, "mshta\\.exe");
	tt_keys(&t, "c", NULL);
	TT_WAIT(&t, "claim #", 5000);
	TT_WAIT(&t, ": done", 10000);
	char sql[160];
	snprintf(sql, sizeof sql, "SELECT claimed_by FROM alert WHERE id = %ld", W.mshta);
	wait_db(sql, "alice");
	TT_WAIT(&t, "alice", 5000);
	/* the verdict dialog: b, a comment, Enter */
	tt_keys(&t, "v", NULL);
	TT_WAIT(&t, "Verdict for #", 3000);
	tt_keys(&t, "b", "Tab", NULL);
	tt_type(&t, "mshta ran an HTA from Startup");
	tt_keys(&t, "Enter", NULL);
	TT_WAIT(&t, "verdict #", 5000);
	snprintf(sql, sizeof sql, "SELECT state || ' ' || quick_verdict FROM alert WHERE id = %ld",
	         W.mshta);
	wait_db(sql, "quick_verdict black");
	TT_WAIT(&t, "q-verdict", 5000);   /* the row's state changed live */
	/* publish: the next alert by deadline opens with its evidence */
	tt_keys(&t, "p", NULL);
	TT_WAIT(&t, "Publish quick report", 3000);
	TT_WAIT(&t, "BLACK (B)", 1000);
	tt_keys(&t, "Enter", NULL);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM report WHERE %ld = ANY(alert_ids)", W.mshta);
	wait_db(sql, "1");
	char want[64];
	snprintf(want, sizeof want, " #%ld WORKSTATION5", W.hta);
	TT_WAIT(&t, want, 10000);
	TT_WAIT(&t, "Tree", 3000);
	tt_quit(&t);
}

/* A gray quick verdict needs the explanatory report (R-15): its clock
 * runs, the second verdict is the explanatory one, and publishing it
 * leaves the alert waiting for the administrator's answer (R-19). */
static void test_explanatory(void **state)
{
	(void)state;
	struct tt t;
	start(&t, &W.in);
	select_alert(&t, "T1218");
	tt_keys(&t, "c", NULL);
	char sql[200];
	snprintf(sql, sizeof sql, "SELECT state FROM alert WHERE id = %ld", W.hta);
	wait_db(sql, "claimed");
	tt_keys(&t, "v", NULL);
	TT_WAIT(&t, "Verdict for #", 3000);
	tt_keys(&t, "g", "Enter", NULL);
	wait_db(sql, "quick_verdict");
	TT_WAIT(&t, "q-verdict", 5000);
	tt_keys(&t, "p", NULL);
	TT_WAIT(&t, "Publish quick report", 3000);
	tt_keys(&t, "Enter", NULL);
	wait_db(sql, "explain_needed");
	/* sequential triage opened the next alert; back to the queue */
	tt_keys(&t, "q", NULL);
	TT_WAIT(&t, "e-needed", 5000);
	select_alert(&t, "T1218");
	tt_keys(&t, "v", NULL);
	TT_WAIT(&t, "phase    q quick  e explanatory:  explanatory", 3000);
	tt_keys(&t, "g", "Tab", NULL);
	tt_type(&t, "ask the user whether it was run on purpose");
	tt_keys(&t, "Enter", NULL);
	wait_db(sql, "explain_verdict");
	tt_keys(&t, "p", NULL);
	TT_WAIT(&t, "Publish explanatory report", 3000);
	tt_keys(&t, "Enter", NULL);
	wait_db(sql, "awaiting_reply");
	snprintf(sql, sizeof sql, "SELECT (reply_due IS NOT NULL)::text FROM alert WHERE id = %ld",
	         W.hta);
	wait_db(sql, "true");
	tt_quit(&t);
}

static void test_isolate_round_trip(void **state)
{
	(void)state;
	struct tt t;
	start(&t, &W.in);
	select_alert(&t, "T1218");
	tt_keys(&t, "I", NULL);
	TT_WAIT(&t, "Isolate endpoint", 5000);
	TT_WAIT(&t, "10.0.0.0/8 port 443", 3000);   /* the effective allowlist (R-3) */
	tt_type(&t, "black verdict, contain");
	tt_keys(&t, "Enter", NULL);
	TT_WAIT(&t, "isolate WORKSTATION5", 5000);
	TT_WAIT(&t, "done", 20000);
	char sql[128];
	snprintf(sql, sizeof sql, "SELECT isolation FROM endpoint WHERE id = %ld", W.ep);
	wait_db(sql, "isolated");
	tt_keys(&t, "Tab", NULL);   /* the endpoints pane */
	TT_WAIT(&t, "registered", 3000);
	TT_WAIT(&t, "isolated", 5000);
	/* release from the endpoints pane (R-26) */
	tt_keys(&t, "R", NULL);
	TT_WAIT(&t, "Release endpoint", 5000);
	tt_keys(&t, "Enter", NULL);
	wait_db(sql, "none");
	tt_quit(&t);
}

static void test_delete_needs_host(void **state)
{
	(void)state;
	struct tt t;
	start(&t, &W.in);
	select_alert(&t, "T1218");
	tt_keys(&t, "D", NULL);
	TT_WAIT(&t, "Type the host name", 5000);
	tt_type(&t, "wrong-host");
	tt_keys(&t, "Enter", NULL);
	TT_WAIT(&t, "exactly to confirm", 3000);
	char sql[128];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM command WHERE kind = 'delete'");
	char *v = scalar(sql);
	assert_string_equal(v, "0");
	free(v);
	tt_keys(&t, "C-u", NULL);
	tt_type(&t, "WORKSTATION5");
	tt_keys(&t, "Enter", NULL);
	TT_WAIT(&t, "delete file WORKSTATION5", 5000);
	wait_db(sql, "1");
	tt_quit(&t);
}

static void test_exception(void **state)
{
	(void)state;
	struct tt t;
	start(&t, &W.in);
	select_alert(&t, "T1218");
	tt_keys(&t, "E", NULL);
	TT_WAIT(&t, "Add to the tenant's exception list", 5000);
	TT_WAIT(&t, "sha256 0b7b21c8", 1000);
	tt_type(&t, "known business tool");
	tt_keys(&t, "Enter", NULL);
	/* the exception is stored and sent to the tenant's endpoints as a
	 * command (what the simulator then answers is its own business) */
	TT_WAIT(&t, "exception WORKSTATION5: queued", 10000);
	wait_db("SELECT count(*) FROM exception WHERE sha256 LIKE '0b7b21c8%'", "1");
	tt_quit(&t);
}

static void test_refused_outside_hours(void **state)
{
	(void)state;
	struct tt t;
	start(&t, &W.out);
	select_alert(&t, "T1218");
	tt_keys(&t, "G", NULL);
	TT_WAIT(&t, "Fetch the detected file", 5000);
	tt_keys(&t, "y", NULL);
	TT_WAIT(&t, "refused", 5000);
	TT_WAIT(&t, "outside_business_hours", 3000);
	TT_WAIT(&t, "next business window 2026-11-30", 3000);
	tt_quit(&t);
}

/* The API goes away: a stale banner, an action that fails, and `r` sending
 * it again with the same Idempotency-Key once the daemon is back: one
 * command, not two. */
static void test_retry_after_api_outage(void **state)
{
	(void)state;
	char url[64], port[16], listen[40];
	snprintf(url, sizeof url, "%s", W.in.url);
	snprintf(port, sizeof port, "%d", W.in.port);
	snprintf(listen, sizeof listen, "127.0.0.1:%d", W.in.port);
	assert_int_equal(cmdd_stop(&W.in), 0);
	struct tt t;
	char sf[600];
	snprintf(sf, sizeof sf, "%s/itrace-tui/state", W.state);
	unlink(sf);
	char *cmd = NULL;
	assert_true(asprintf(&cmd, "env -u NO_COLOR TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 "
	                     "XDG_CONFIG_HOME=%s XDG_STATE_HOME=%s %s --db '%s' --api %s "
	                     "--token-file %s",
	                     W.cfg, W.state, th_bin("itrace-tui"), W.db, url, W.tokfile) > 0);
	assert_int_equal(tt_start(&t, 100, 30, cmd), 0);
	free(cmd);
	TT_WAIT(&t, "T1218", 10000);
	TT_WAIT(&t, "command API unreachable", 10000);
	TT_WAIT(&t, "stale since", 1000);
	const char *sql = "SELECT count(*) FROM command WHERE kind = 'fetch'";
	char *v = scalar(sql);
	char want[32];
	snprintf(want, sizeof want, "%ld", strtol(v, NULL, 10) + 1);
	free(v);
	select_alert(&t, "T1218");
	tt_keys(&t, "G", NULL);
	TT_WAIT(&t, "Fetch the detected file", 5000);
	tt_keys(&t, "y", NULL);
	TT_WAIT(&t, "failed", 15000);
	TT_WAIT(&t, "r retries", 1000);
	/* the daemon comes back on the same port */
	static char in_env[] = NOW_INSIDE;
	char *ein[] = {in_env, NULL};
	const char *cf = th_write_file("cmdd2.conf", "longpoll_max = 2\n", 17);
	assert_int_equal(cmdd_start(&W.in, W.db, (const char *[]){"--config", cf, "--listen",
	                                                          listen, NULL}, ein), 0);
	tt_keys(&t, "r", NULL);
	TT_WAIT(&t, "same key", 3000);
	wait_db(sql, want);
	TT_WAIT(&t, "failed \xe2\x86\x92 retry \xe2\x86\x92 queued", 10000);
	TT_WAIT_GONE(&t, "command API unreachable", 15000);
	tt_quit(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_claim_verdict_publish),
		cmocka_unit_test(test_explanatory),
		cmocka_unit_test(test_isolate_round_trip),
		cmocka_unit_test(test_delete_needs_host),
		cmocka_unit_test(test_exception),
		cmocka_unit_test(test_refused_outside_hours),
		cmocka_unit_test(test_retry_after_api_outage),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
