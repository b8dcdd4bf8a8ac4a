/* test_tui_workflow.c - the rest of the alert workflow from the console's
 * keys, through a real itrace-cmdd, with the alerts raised by
 * itrace-endpoint-sim: unclaim, the administrator's answer to a gray alert
 * (R-19), escalation to professional services with its reason (R-29),
 * close, and undoing a duplicate (R-12, a lead's). Each key's effect is
 * asserted in the alert row and its audit row in PostgreSQL and on the
 * screen; so are the refusals: the console's own (the state machine says
 * no: nothing is sent), a blank escalation reason, and the daemon's
 * (409 stale_version when the alert changed under an open dialog, 403 for
 * an analyst's undup). Last, Home and End move the queue's cursor to the
 * first and last row in tmux whatever TERM says inside it. */
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

/* Thursday 2026-11-26 10:00 JST: business hours. */
#define NOW_INSIDE "ITRACE_FAKE_NOW=2026-11-26T01:00:00Z"
#define NFILL 30        /* more alerts than a 100x30 queue shows */

static struct {
	char *db;
	struct cmdd d;
	char alice[128], bob[128];              /* tokens: analyst, lead */
	char tok_alice[512], tok_bob[512];      /* token files */
	char cfg[512], state[512];
	long gray, fresh1, fresh2, done, dup1, dup2;
} W;

static char *admin(const char *const *args)
{
	char *s = cmdd_admin(W.db, args);
	if (s == NULL) {
		fprintf(stderr, "test_tui_workflow: admin %s failed\n", args[0]);
		exit(99);
	}
	return s;
}

static char *scalar(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *scalar(const char *fmt, ...)
{
	char sql[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(sql, sizeof sql, fmt, ap);
	va_end(ap);
	PGconn *c = th_connect(W.db);
	char *v = th_scalar(c, sql);
	PQfinish(c);
	return v;
}

static long num(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static long num(const char *fmt, ...)
{
	char sql[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(sql, sizeof sql, fmt, ap);
	va_end(ap);
	char *v = scalar("%s", sql);
	long n = v != NULL && v[0] != '\0' ? strtol(v, NULL, 10) : -1;
	free(v);
	return n;
}

/* Poll the database for a value (the console changes it through the API). */
static void wait_db(const char *want, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void wait_db(const char *want, const char *fmt, ...)
{
	char sql[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(sql, sizeof sql, fmt, ap);
	va_end(ap);
	long end = tt_ms() + 10000;
	char *v = NULL;
	for (;;) {
		free(v);
		v = scalar("%s", sql);
		if (v != NULL && strcmp(v, want) == 0)
			break;
		if (tt_ms() > end)
			fail_msg("%s: want %s, got %s", sql, want, v != NULL ? v : "(null)");
		usleep(50 * 1000);
	}
	free(v);
}

/* An API call made by someone else than the console (setup, races). */
static void api(const char *tok, const char *path, const char *body, long want)
{
	struct cmdd_resp r;
	if (cmdd_http(&W.d, "POST", path, tok, NULL, body, body != NULL ? strlen(body) : 0, &r) != 0 ||
	    r.status != want) {
		fprintf(stderr, "test_tui_workflow: POST %s %s: %ld %s (want %ld)\n", path,
		        body != NULL ? body : "", r.status, r.body != NULL ? r.body : "", want);
		cmdd_resp_free(&r);
		exit(99);
	}
	cmdd_resp_free(&r);
}

static void api_alert(const char *tok, long id, const char *action, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void api_alert(const char *tok, long id, const char *action, const char *fmt, ...)
{
	char path[96], body[512];
	snprintf(path, sizeof path, "/v1/alerts/%ld/%s", id, action);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(body, sizeof body, fmt, ap);
	va_end(ap);
	api(tok, path, body, strcmp(action, "reports") == 0 ? 201 : 200);
}

static long version(long id)
{
	return num("SELECT version FROM alert WHERE id = %ld", id);
}

static long alert_id(const char *file)
{
	return num("SELECT id FROM alert WHERE path LIKE '%%\\%s' ORDER BY id LIMIT 1", file);
}

static void write_token(char *file, size_t len, const char *name, const char *tok)
{
	snprintf(file, len, "%s", th_write_file(name, tok, strlen(tok)));
	chmod(file, 0600);
}

#define SHA(c) c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c \
               c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c
/* (the same file detected again at another time: the daemon stores an
 * upload once by its detection time, path and hash) */
static void add_alert(FILE *f, int *first, const char *file, const char *sha)
{
	static int n;
	fprintf(f, "%s{\"host\":\"WS7\",\"detected_at\":\"2026-11-26T00:%02d:00Z\","
	        "\"path\":\"C:\\\\Users\\\\kato\\\\Downloads\\\\%s\",\"sha256\":\"%s\","
	        "\"detection\":\"Trojan:Win32/Wf\",\"action\":\"allowed\"}",
	        *first ? "" : ",\n", n++ % 60, file, sha);
	*first = 0;
}

static int setup(void **state)
{
	(void)state;
	W.db = th_db_new_migrated();
	if (W.db == NULL) {
		fprintf(stderr, "test_tui_workflow: no database\n");
		return -1;
	}
	free(admin((const char *[]){"tenant", "add", "acme", "--service-start", "2025-01-01", NULL}));
	char *t = admin((const char *[]){"token", "add", "--analyst", "alice", "--role", "analyst", NULL});
	snprintf(W.alice, sizeof W.alice, "%s", t);
	free(t);
	t = admin((const char *[]){"token", "add", "--analyst", "bob", "--role", "lead", NULL});
	snprintf(W.bob, sizeof W.bob, "%s", t);
	free(t);
	char *etok = admin((const char *[]){"token", "add", "--endpoint", "WS7", "--tenant", "acme",
	                                    NULL});
	write_token(W.tok_alice, sizeof W.tok_alice, "alice.token", W.alice);
	write_token(W.tok_bob, sizeof W.tok_bob, "bob.token", W.bob);
	char line[256];
	snprintf(line, sizeof line, "WS7 %s\n", etok);
	free(etok);
	char simtok[512];
	write_token(simtok, sizeof simtok, "sim.tokens", line);

	const char *cf = th_write_file("cmdd.conf", "longpoll_max = 2\n", 17);
	static char in_env[] = NOW_INSIDE;
	char *env[] = {in_env, NULL};
	if (cmdd_start(&W.d, W.db, (const char *[]){"--config", cf, NULL}, env) != 0)
		return -1;

	/* The endpoint raises the alerts through the daemon, which decides
	 * new or duplicate (R-12: dup2 is dup1's file again). */
	char *buf = NULL;
	size_t blen = 0;
	FILE *f = open_memstream(&buf, &blen);
	int first = 1;
	fputs("[", f);
	add_alert(f, &first, "gray.exe", SHA("a"));
	add_alert(f, &first, "fresh1.exe", SHA("b"));
	add_alert(f, &first, "fresh2.exe", SHA("c"));
	add_alert(f, &first, "done.exe", SHA("d"));
	add_alert(f, &first, "dup.exe", SHA("e"));
	add_alert(f, &first, "dup.exe", SHA("e"));
	for (int i = 0; i < NFILL; i++) {
		char name[32], sha[65];
		snprintf(name, sizeof name, "fill%02d.exe", i);
		snprintf(sha, sizeof sha, "%064x", 0x1000 + i);
		add_alert(f, &first, name, sha);
	}
	fputs("]\n", f);
	fclose(f);
	char alerts[512];
	snprintf(alerts, sizeof alerts, "%s", th_write_file("wf.alerts", buf, blen));
	free(buf);
	struct th_out o;
	const char *argv[] = {"itrace-endpoint-sim", "--api", W.d.url, "--tokens", simtok,
	                      "--alerts", alerts, "--once", NULL};
	if (th_run(&o, NULL, NULL, argv) != 0) {
		fprintf(stderr, "test_tui_workflow: simulator: %s\n", o.err);
		th_out_free(&o);
		return -1;
	}
	th_out_free(&o);
	W.gray = alert_id("gray.exe");
	W.fresh1 = alert_id("fresh1.exe");
	W.fresh2 = alert_id("fresh2.exe");
	W.done = alert_id("done.exe");
	W.dup1 = alert_id("dup.exe");
	W.dup2 = num("SELECT id FROM alert WHERE duplicate_of = %ld", W.dup1);
	if (W.gray <= 0 || W.fresh1 <= 0 || W.fresh2 <= 0 || W.done <= 0 || W.dup1 <= 0 ||
	    W.dup2 <= 0 || num("SELECT count(*) FROM alert") != 6 + NFILL) {
		fprintf(stderr, "test_tui_workflow: the simulator's alerts are not as raised: %ld"
		        " alerts, ids %ld %ld %ld %ld %ld %ld\n", num("SELECT count(*) FROM alert"),
		        W.gray, W.fresh1, W.fresh2, W.done, W.dup1, W.dup2);
		return -1;
	}

	/* gray.exe: gray quick and explanatory reports out, waiting for the
	 * administrator's answer (R-19); done.exe: white quick report out. */
	api_alert(W.alice, W.gray, "claim", "{}");
	api_alert(W.alice, W.gray, "verdict", "{\"phase\":\"quick\",\"verdict\":\"gray\","
	          "\"version\":%ld}", version(W.gray));
	api_alert(W.alice, W.gray, "reports", "{\"kind\":\"quick\"}");
	api_alert(W.alice, W.gray, "verdict", "{\"phase\":\"explanatory\",\"verdict\":\"gray\","
	          "\"version\":%ld}", version(W.gray));
	api_alert(W.alice, W.gray, "reports", "{\"kind\":\"explanatory\"}");
	api_alert(W.alice, W.done, "claim", "{}");
	api_alert(W.alice, W.done, "verdict", "{\"phase\":\"quick\",\"verdict\":\"white\","
	          "\"version\":%ld}", version(W.done));
	api_alert(W.alice, W.done, "reports", "{\"kind\":\"quick\"}");
	char *s1 = scalar("SELECT state FROM alert WHERE id = %ld", W.gray);
	char *s2 = scalar("SELECT state FROM alert WHERE id = %ld", W.done);
	int ok = s1 != NULL && strcmp(s1, "awaiting_reply") == 0 && s2 != NULL &&
	         strcmp(s2, "quick_published") == 0;
	if (!ok)
		fprintf(stderr, "test_tui_workflow: gray.exe is %s, done.exe %s\n",
		        s1 != NULL ? s1 : "?", s2 != NULL ? s2 : "?");
	free(s1);
	free(s2);

	snprintf(W.cfg, sizeof W.cfg, "%s/cfg", th_tmpdir());
	snprintf(W.state, sizeof W.state, "%s/state", th_tmpdir());
	mkdir(W.cfg, 0755);
	mkdir(W.state, 0755);
	return ok ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	if (W.d.pid > 0)
		cmdd_stop(&W.d);
	W.d.pid = 0;
	th_db_drop(W.db);
	W.db = NULL;
	return 0;
}

/* The console as alice (or with another token file) on TERM term. */
static void start_as(struct tt *t, const char *tokfile, const char *term)
{
	char sf[600];
	snprintf(sf, sizeof sf, "%s/itrace-tui/state", W.state);
	unlink(sf);   /* each test starts from the queue */
	char *cmd = NULL;
	assert_true(asprintf(&cmd, "env -u NO_COLOR TERM=%s LANG=C.UTF-8 LC_ALL=C.UTF-8 "
	                     "XDG_CONFIG_HOME=%s XDG_STATE_HOME=%s %s --db '%s' --api %s "
	                     "--token-file %s",
	                     term, W.cfg, W.state, th_bin("itrace-tui"), W.db, W.d.url, tokfile) > 0);
	assert_int_equal(tt_start(t, 100, 30, cmd), 0);
	free(cmd);
	TT_WAIT(t, "fresh1.exe", 10000);
	TT_WAIT(t, "API ok", 15000);
}

/* Leave as a user does (Esc, then q until it exits) and check that it
 * exited 0: under SANITIZE=1 a sanitizer report or a leak makes it fail. */
static void quit(struct tt *t)
{
	tt_keys(t, "Escape", NULL);
	usleep(150 * 1000);   /* apart from the q by more than ESCDELAY */
	for (int i = 0; i < 5 && !tt_wait_ex(t, "[exit ", 0, 0, NULL); i++) {
		tt_keys(t, "q", NULL);
		if (tt_wait_ex(t, "[exit ", 0, 1000, NULL))
			break;
	}
	TT_WAIT(t, "[exit ", 10000);
	TT_WAIT(t, "[exit 0]", 1000);
	tt_stop(t);
}

static void start(struct tt *t)
{
	start_as(t, W.tok_alice, "xterm-256color");
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

static void wait_sla(struct tt *t, long id)
{
	char want[32];
	snprintf(want, sizeof want, "SLA #%ld ", id);
	TT_WAIT(t, want, 5000);
}

/* Audit rows of an action on an alert, by actor and rule. */
static long audits(long id, const char *action, const char *actor)
{
	return num("SELECT count(*) FROM audit WHERE object = 'alert:%ld' AND action = '%s'"
	           " AND actor = '%s'", id, action, actor);
}

/* u gives a claimed alert back; on a new alert it is refused by the
 * console and nothing reaches the daemon. */
static void test_unclaim(void **state)
{
	(void)state;
	struct tt t;
	start(&t);
	select_alert(&t, "fresh1");
	wait_sla(&t, W.fresh1);
	tt_keys(&t, "u", NULL);
	TT_WAIT(&t, "unclaim: not in state new: only a claimed alert", 3000);
	assert_int_equal(audits(W.fresh1, "alert.unclaim", "alice"), 0);
	tt_keys(&t, "c", NULL);
	wait_db("alice", "SELECT claimed_by FROM alert WHERE id = %ld", W.fresh1);
	TT_WAIT(&t, "alice", 5000);
	/* the ? overlay marks what the state does not allow now */
	tt_keys(&t, "?", NULL);
	TT_WAIT(&t, "claim       [not now] claim the alert", 3000);
	TT_WAIT(&t, "unclaim     give a claimed alert", 1000);
	assert_null(strstr(tt_last_screen, "unclaim     [not now]"));
	assert_non_null(strstr(tt_last_screen, "answer      [not now]"));
	tt_keys(&t, "q", NULL);
	TT_WAIT_GONE(&t, "Keys (j/k", 3000);
	tt_keys(&t, "u", NULL);
	char want[64];
	snprintf(want, sizeof want, "unclaim #%ld WS7: done", W.fresh1);
	TT_WAIT(&t, want, 10000);
	wait_db("new", "SELECT state || coalesce(claimed_by, '') FROM alert WHERE id = %ld",
	        W.fresh1);
	assert_int_equal(audits(W.fresh1, "alert.unclaim", "alice"), 1);
	assert_int_equal(num("SELECT count(*) FROM audit WHERE object = 'alert:%ld' AND"
	                     " action = 'alert.unclaim' AND before->>'state' = 'claimed' AND"
	                     " after->>'state' = 'new' AND after->>'claimed_by' IS NULL",
	                     W.fresh1), 1);
	quit(&t);
}

/* a on a gray alert awaiting the answer: the choice has no default, the
 * note is kept, "not on purpose" closes it black (R-19). On an alert not
 * awaiting an answer the console says why and sends nothing. */
static void test_answer(void **state)
{
	(void)state;
	struct tt t;
	start(&t);
	select_alert(&t, "gray\\.exe");
	wait_sla(&t, W.gray);
	TT_WAIT(&t, "a answer", 5000);   /* the status line hints at it */
	select_alert(&t, "fresh2");
	wait_sla(&t, W.fresh2);
	tt_keys(&t, "a", NULL);
	TT_WAIT(&t, "answer: not in state ", 3000);
	TT_WAIT(&t, "only a gray alert awaiting the administrator's answer", 1000);
	assert_null(strstr(tt_last_screen, "Administrator's answer"));
	select_alert(&t, "gray\\.exe");
	wait_sla(&t, W.gray);
	tt_keys(&t, "a", NULL);
	TT_WAIT(&t, "Administrator's answer for #", 3000);
	TT_WAIT(&t, "no, not on purpose: closed BLACK (B)", 1000);
	tt_keys(&t, "Enter", NULL);
	TT_WAIT(&t, "choose y/n first", 3000);
	tt_keys(&t, "n", "Tab", NULL);
	TT_WAIT(&t, "chosen:  no, not on purpose", 3000);
	tt_type(&t, "the user never opened it; mail to 佐藤");
	tt_keys(&t, "Enter", NULL);
	/* second step: who answered (R-19's administrator), recorded */
	TT_WAIT(&t, "Who answered?", 3000);
	TT_WAIT(&t, "answered by:", 1000);
	tt_type(&t, "admin@acme.example 佐藤");
	tt_keys(&t, "Enter", NULL);
	char want[64];
	snprintf(want, sizeof want, "answer #%ld WS7: done", W.gray);
	TT_WAIT(&t, want, 10000);
	wait_db("closed black f the user never opened it; mail to 佐藤 admin@acme.example 佐藤",
	        "SELECT state || ' ' || explain_verdict || ' ' || answer_intended::text::char"
	        " || ' ' || answer_note || ' ' || answer_by FROM alert WHERE id = %ld", W.gray);
	assert_int_equal(num("SELECT count(*) FROM alert WHERE id = %ld AND closed_reason LIKE"
	                     " 'R-19: the administrator answered: not on purpose%%'", W.gray), 1);
	assert_int_equal(num("SELECT count(*) FROM audit WHERE object = 'alert:%ld' AND"
	                     " action = 'alert.answer' AND actor = 'alice' AND rule = 'R-19' AND"
	                     " before->>'state' = 'awaiting_reply' AND after->>'state' = 'closed'",
	                     W.gray), 1);
	/* closed: it leaves the queue */
	TT_WAIT_GONE(&t, "gray.exe", 5000);
	quit(&t);
}

/* e asks for a reason and refuses a blank one in the dialog; the alert
 * changed by someone else under the open dialog comes back 409 from the
 * daemon, shown; then the escalation lands with its reason (R-29), and
 * the dialog shows it the next time. */
static void test_escalate(void **state)
{
	(void)state;
	struct tt t;
	start(&t);
	select_alert(&t, "fresh2");
	wait_sla(&t, W.fresh2);
	tt_keys(&t, "e", NULL);
	TT_WAIT(&t, "to professional services (R-29)", 5000);
	tt_keys(&t, "Enter", NULL);
	TT_WAIT(&t, "a reason is required to escalate (R-29)", 3000);
	tt_type(&t, "   ");
	tt_keys(&t, "Enter", NULL);
	TT_WAIT(&t, "a reason is required to escalate (R-29)", 3000);
	tt_keys(&t, "C-u", NULL);
	/* bob claims it meanwhile: the version the dialog showed is gone */
	api_alert(W.bob, W.fresh2, "claim", "{}");
	tt_type(&t, "ransom note found: forensics");
	tt_keys(&t, "Enter", NULL);
	TT_WAIT(&t, "refused", 10000);
	TT_WAIT(&t, "stale_version; now claimed", 1000);
	assert_int_equal(num("SELECT count(*) FROM alert WHERE id = %ld AND NOT escalated", W.fresh2),
	                 1);
	assert_int_equal(audits(W.fresh2, "alert.escalate", "alice"), 0);
	/* again, on the alert as it is now */
	TT_WAIT(&t, "bob", 5000);
	tt_keys(&t, "e", NULL);
	TT_WAIT(&t, "to professional services (R-29)", 5000);
	tt_type(&t, "ransom note found: forensics");
	tt_keys(&t, "Enter", NULL);
	char want[64];
	snprintf(want, sizeof want, "escalate #%ld WS7: done", W.fresh2);
	TT_WAIT(&t, want, 10000);
	wait_db("t ransom note found: forensics",
	        "SELECT escalated::text::char || ' ' || escalation_reason FROM alert WHERE id = %ld",
	        W.fresh2);
	assert_int_equal(num("SELECT count(*) FROM audit WHERE object = 'alert:%ld' AND"
	                     " action = 'alert.escalate' AND actor = 'alice' AND rule = 'R-29' AND"
	                     " after->>'escalation_reason' = 'ransom note found: forensics'",
	                     W.fresh2), 1);
	/* the SOC work goes on: still claimed by bob */
	wait_db("claimed bob", "SELECT state || ' ' || claimed_by FROM alert WHERE id = %ld",
	        W.fresh2);
	tt_keys(&t, "e", NULL);
	TT_WAIT(&t, "Already escalated: ransom note found: forensics", 5000);
	tt_keys(&t, "Escape", NULL);
	TT_WAIT(&t, "escalate: cancelled", 3000);
	assert_int_equal(audits(W.fresh2, "alert.escalate", "alice"), 1);
	/* the queue row and the alert view show it, by a glyph (not colour) */
	TT_WAIT(&t, "-^ bob", 5000);
	tt_keys(&t, "Enter", NULL);
	TT_WAIT(&t, "[claimed, ^escalated]", 5000);
	quit(&t);
}

/* C closes an alert whose quick report is out, with the reason given;
 * on a claimed alert the console refuses. */
static void test_close(void **state)
{
	(void)state;
	struct tt t;
	start(&t);
	select_alert(&t, "done\\.exe");
	wait_sla(&t, W.done);
	TT_WAIT(&t, "C close", 5000);   /* the status line hints at it */
	select_alert(&t, "fresh2");   /* claimed by bob (test_escalate) or new */
	wait_sla(&t, W.fresh2);
	tt_keys(&t, "C", NULL);
	TT_WAIT(&t, "close: not in state", 3000);
	TT_WAIT(&t, "whose last report is published", 1000);
	select_alert(&t, "done\\.exe");
	wait_sla(&t, W.done);
	tt_keys(&t, "C", NULL);
	char want[64];
	snprintf(want, sizeof want, "Close #%ld", W.done);
	TT_WAIT(&t, want, 3000);
	TT_WAIT(&t, "state quick_published, verdict WHITE (W)", 1000);
	tt_type(&t, "white: the installer of the accounting tool");
	tt_keys(&t, "Enter", NULL);
	snprintf(want, sizeof want, "close #%ld WS7: done", W.done);
	TT_WAIT(&t, want, 10000);
	wait_db("closed white: the installer of the accounting tool",
	        "SELECT state || ' ' || closed_reason FROM alert WHERE id = %ld", W.done);
	assert_int_equal(num("SELECT count(*) FROM audit WHERE object = 'alert:%ld' AND"
	                     " action = 'alert.close' AND actor = 'alice' AND"
	                     " before->>'state' = 'quick_published' AND after->>'state' = 'closed'",
	                     W.done), 1);
	TT_WAIT_GONE(&t, "done.exe", 5000);
	quit(&t);
}

/* U on a duplicate: an analyst's undup is refused by the daemon (403,
 * shown); a lead's turns it back into a new alert with its clocks (R-12). */
static void test_undup(void **state)
{
	(void)state;
	struct tt t;
	char open[32], want[96];
	snprintf(open, sizeof open, "open %ld", W.dup2);
	start(&t);
	select_alert(&t, "fresh1");
	tt_keys(&t, "U", NULL);
	TT_WAIT(&t, "undup: not in state ", 3000);
	TT_WAIT(&t, "the alert is not a duplicate", 1000);
	tt_keys(&t, ":", NULL);
	TT_WAIT(&t, "Command", 3000);
	tt_type(&t, open);
	tt_keys(&t, "Enter", NULL);
	TT_WAIT(&t, " alert ", 5000);
	tt_keys(&t, "U", NULL);
	snprintf(want, sizeof want, "Undo duplicate #%ld (R-12)", W.dup2);
	TT_WAIT(&t, want, 3000);
	snprintf(want, sizeof want, "A duplicate of #%ld", W.dup1);
	TT_WAIT(&t, want, 1000);
	tt_keys(&t, "y", NULL);
	TT_WAIT(&t, "refused - forbidden", 10000);
	TT_WAIT(&t, "only a lead may undo a duplicate", 1000);
	char dup1[24];
	snprintf(dup1, sizeof dup1, "duplicate %ld", W.dup1);
	wait_db(dup1, "SELECT state || ' ' || duplicate_of FROM alert WHERE id = %ld", W.dup2);
	quit(&t);

	start_as(&t, W.tok_bob, "xterm-256color");
	tt_keys(&t, ":", NULL);
	TT_WAIT(&t, "Command", 3000);
	tt_type(&t, open);
	tt_keys(&t, "Enter", NULL);
	TT_WAIT(&t, " alert ", 5000);
	TT_WAIT(&t, "U undup", 5000);   /* the status line hints at it */
	tt_keys(&t, "U", NULL);
	snprintf(want, sizeof want, "Undo duplicate #%ld (R-12)", W.dup2);
	TT_WAIT(&t, want, 3000);
	tt_keys(&t, "y", NULL);
	snprintf(want, sizeof want, "undup #%ld WS7: done", W.dup2);
	TT_WAIT(&t, want, 10000);
	wait_db("new t t", "SELECT state || ' ' || (duplicate_of IS NULL)::text::char || ' ' ||"
	        " (quick_due IS NOT NULL)::text::char FROM alert WHERE id = %ld", W.dup2);
	assert_int_equal(num("SELECT count(*) FROM audit WHERE object = 'alert:%ld' AND"
	                     " action = 'alert.undo_duplicate' AND actor = 'bob' AND rule = 'R-12'"
	                     " AND before->>'state' = 'duplicate' AND after->>'state' = 'new'",
	                     W.dup2), 1);
	assert_int_equal(num("SELECT count(*) FROM audit WHERE object = 'alert:%ld' AND"
	                     " action = 'alert.undo_duplicate'", W.dup2), 1);
	quit(&t);
}

/* The alert under the queue's cursor: the SLA line names it; -1 none. */
static long sla_id(const char *s)
{
	const char *p = strstr(s, "SLA #");
	return p != NULL ? strtol(p + 5, NULL, 10) : -1;
}

/* Keys are read in order: once the help overlay shows, every key sent
 * before it has been handled. The screen then (caller frees). */
static char *settled(struct tt *t)
{
	tt_keys(t, "?", NULL);
	TT_WAIT(t, "Keys (j/k", 3000);
	tt_keys(t, "q", NULL);
	TT_WAIT_GONE(t, "Keys (j/k", 3000);
	return tt_capture(t);
}

/* First or last alert of the queue filtered to state=new: sorted by the
 * quick deadline (then id), as the console sorts; its id and file name. */
static long new_alert(int last, char *file, size_t len)
{
	char *f = scalar("SELECT regexp_replace(path, '^.*\\\\', '') || ' ' || id FROM alert"
	                 " WHERE state = 'new' ORDER BY quick_due %s, id %s LIMIT 1",
	                 last ? "DESC" : "", last ? "DESC" : "");
	assert_non_null(f);
	char *sp = strchr(f, ' ');
	assert_non_null(sp);
	*sp = '\0';
	snprintf(file, len, "%s", f);
	long id = strtol(sp + 1, NULL, 10);
	free(f);
	return id;
}

/* Home and End in the queue, in tmux, with TERM set as tmux sets it
 * (screen, tmux-256color), as users often do (xterm-256color: terminfo
 * says \eOH \eOF, tmux sends \e[1~ \e[4~) and as rxvt (whose terminfo
 * calls \e[1~ \e[4~ Find and Select). The queue is filtered to the new
 * alerts (more than its lines): End puts the cursor on the last (the list
 * scrolls, the first leaves the screen) and Down goes no further; Home
 * brings it back to the first. */
static void test_home_end(void **state)
{
	(void)state;
	static const char *const terms[] = {"screen", "tmux-256color", "xterm-256color",
	                                    "rxvt-unicode"};
	char ffile[64], lfile[64];
	long first = new_alert(0, ffile, sizeof ffile), last = new_alert(1, lfile, sizeof lfile);
	assert_true(first > 0 && last > 0 && first != last);
	for (size_t i = 0; i < sizeof terms / sizeof terms[0]; i++) {
		struct tt t;
		start_as(&t, W.tok_alice, terms[i]);
		char want[64];
		snprintf(want, sizeof want, " %ld open ",
		         num("SELECT count(*) FROM alert WHERE state <> 'closed'"));
		TT_WAIT(&t, want, 10000);
		tt_keys(&t, "f", NULL);
		TT_WAIT(&t, "Filter the queue", 3000);
		tt_keys(&t, "C-u", NULL);
		tt_type(&t, "state=new");
		tt_keys(&t, "Enter", NULL);
		TT_WAIT(&t, "filter: s=new", 3000);
		char *s = settled(&t);
		long at = sla_id(s);
		free(s);
		assert_int_equal(at, first);   /* the cursor starts on the first row */

		tt_keys(&t, "End", NULL);
		s = settled(&t);
		at = sla_id(s);
		int ok = at == last && strstr(s, lfile) != NULL && strstr(s, ffile) == NULL &&
		         strstr(s, "not bound") == NULL;
		snprintf(tt_last_screen, sizeof tt_last_screen, "%s", s);
		free(s);
		if (!ok)
			fail_msg("TERM=%s: End went to #%ld, not #%ld %s; screen:\n%s", terms[i], at,
			         last, lfile, tt_last_screen);
		tt_keys(&t, "Down", NULL);
		s = settled(&t);
		at = sla_id(s);
		free(s);
		assert_int_equal(at, last);

		tt_keys(&t, "Home", NULL);
		s = settled(&t);
		at = sla_id(s);
		ok = at == first && strstr(s, ffile) != NULL && strstr(s, lfile) == NULL &&
		     strstr(s, "not bound") == NULL;
		snprintf(tt_last_screen, sizeof tt_last_screen, "%s", s);
		free(s);
		if (!ok)
			fail_msg("TERM=%s: Home went to #%ld, not #%ld %s; screen:\n%s", terms[i], at,
			         first, ffile, tt_last_screen);
		quit(&t);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unclaim),
		cmocka_unit_test(test_answer),
		cmocka_unit_test(test_escalate),
		cmocka_unit_test(test_close),
		cmocka_unit_test(test_undup),
		cmocka_unit_test(test_home_end),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
