/* test_tui.c - the real console in tmux (tests/tui/tt.h) against a real
 * PostgreSQL loaded by itrace-ingest with the shared OTRF data and alert
 * lines: the queue, an alert's tree, hostile text, 80x24 and resizing,
 * "terminal too small", the read-only wallboard, live NOTIFY updates, the
 * stale banner and reconnection, an unknown TERM, NO_COLOR, the token
 * file's mode and --check-config. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <cmocka.h>

#include "th.h"
#include "../tui/tt.h"

static char *conninfo;
static char cfgdir[512], statedir[512];
static long evil_id, mshta_id, hta_id;

#define HOSTILE "\\u001b[2J\\u001b]2;pwned\\u0007\\u001b[31m"

static void iso(time_t t, char *buf, size_t len)
{
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int setup(void **state)
{
	(void)state;
	const char *otrf = th_shared("data/otrf/psh_mshta_html_application_execution.json");
	if (otrf == NULL) {
		fprintf(stderr, "test_tui: ITRACE_SHARED missing\n");
		return -1;
	}
	conninfo = th_db_new_migrated();
	if (conninfo == NULL)
		return -1;
	time_t now = time(NULL);
	char r1[32], r2[32], r3[32], r4[32];
	iso(now - 600, r1, sizeof r1);        /* quick due in 1:50 */
	iso(now - 105 * 60, r2, sizeof r2);   /* due in 15 min: warn */
	iso(now - 3 * 3600, r3, sizeof r3);   /* breached an hour ago */
	iso(now - 300, r4, sizeof r4);        /* duplicate of the first */
	char lines[8192];
	snprintf(lines, sizeof lines,
	         "{\"type\":\"alert\",\"host\":\"WORKSTATION5\",\"detected_at\":\"2020-10-22T07:52:10Z\","
	         "\"received_at\":\"%s\",\"path\":\"C:\\\\Users\\\\wardog\\\\AppData\\\\Roaming\\\\Microsoft"
	         "\\\\Windows\\\\Start Menu\\\\Programs\\\\Startup\\\\T1218.005.hta\",\"sha256\":"
	         "\"0b7b21c8b4d5c8b1d4e0f7b5a1b2c3d4e5f60718293a4b5c6d7e8f9012345678\","
	         "\"detection\":\"HTML/Mshta.Gen\",\"action\":\"allowed\"}\n"
	         "{\"type\":\"alert\",\"host\":\"WORKSTATION5\",\"detected_at\":\"2020-10-22T07:53:10Z\","
	         "\"received_at\":\"%s\",\"path\":\"C:\\\\Windows\\\\System32\\\\mshta.exe\",\"sha256\":"
	         "\"1111111111111111111111111111111111111111111111111111111111111111\","
	         "\"detection\":\"Trojan/MshtaAbuse\",\"action\":\"blocked\"}\n"
	         "{\"type\":\"alert\",\"host\":\"evil-host\",\"detected_at\":\"2020-10-22T08:00:00Z\","
	         "\"received_at\":\"%s\",\"path\":\"C:\\\\Users\\\\田中\\\\請求書" HOSTILE ".exe\","
	         "\"sha256\":\"2222222222222222222222222222222222222222222222222222222222222222\","
	         "\"detection\":\"Evil" HOSTILE "\",\"action\":\"allowed\"}\n"
	         "{\"type\":\"alert\",\"host\":\"WORKSTATION5\",\"detected_at\":\"2020-10-22T07:55:10Z\","
	         "\"received_at\":\"%s\",\"path\":\"C:\\\\Users\\\\wardog\\\\AppData\\\\Roaming\\\\Microsoft"
	         "\\\\Windows\\\\Start Menu\\\\Programs\\\\Startup\\\\T1218.005.hta\",\"sha256\":"
	         "\"0b7b21c8b4d5c8b1d4e0f7b5a1b2c3d4e5f60718293a4b5c6d7e8f9012345678\","
	         "\"detection\":\"HTML/Mshta.Gen\",\"action\":\"allowed\"}\n"
	         "{\"type\":\"event\",\"host\":\"evil-host\",\"time\":\"2020-10-22T07:59:59Z\","
	         "\"kind\":\"process_start\",\"proc_guid\":\"{11111111-2222-3333-0000-001000000001}\","
	         "\"pid\":4242,\"image\":\"C:\\\\Users\\\\田中\\\\請求書" HOSTILE ".exe\","
	         "\"cmdline\":\"evil.exe " HOSTILE " --steal\","
	         "\"parent_guid\":\"{11111111-2222-4444-0000-001000000001}\",\"parent_pid\":100,"
	         "\"parent_image\":\"C:\\\\Windows\\\\explorer.exe\"}\n",
	         r1, r2, r3, r4);
	const char *alerts = th_write_file("tui-alerts.json", lines, strlen(lines));
	struct th_out o;
	const char *argv[] = {"itrace-ingest", "--db", conninfo, "--tenant", "acme", otrf, alerts,
	                      NULL};
	if (th_run(&o, NULL, NULL, argv) != 0) {
		fprintf(stderr, "test_tui: ingest failed: %s\n", o.err);
		th_out_free(&o);
		return -1;
	}
	th_out_free(&o);
	PGconn *c = th_connect(conninfo);
	evil_id = th_count(c, "SELECT id FROM alert WHERE detection LIKE 'Evil%'");
	mshta_id = th_count(c, "SELECT id FROM alert WHERE path LIKE '%mshta.exe'");
	hta_id = th_count(c, "SELECT min(id) FROM alert WHERE path LIKE '%.hta'");
	PQfinish(c);
	snprintf(cfgdir, sizeof cfgdir, "%s/cfg", th_tmpdir());
	snprintf(statedir, sizeof statedir, "%s/state", th_tmpdir());
	mkdir(cfgdir, 0755);
	mkdir(statedir, 0755);
	return evil_id > 0 && mshta_id > 0 && hta_id > 0 ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	th_db_drop(conninfo);
	return 0;
}

/* The console's command line inside tmux. extra_env and flags may be "". */
static char *tui_cmd(const char *extra_env, const char *flags)
{
	char *s = NULL;
	if (asprintf(&s, "env -u NO_COLOR TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 "
	             "XDG_CONFIG_HOME=%s XDG_STATE_HOME=%s %s %s --db '%s' %s",
	             cfgdir, statedir, extra_env, th_bin("itrace-tui"), conninfo, flags) < 0)
		return NULL;
	return s;
}

static void start(struct tt *t, int w, int h, const char *env, const char *flags)
{
	char *cmd = tui_cmd(env, flags);
	assert_int_equal(tt_start(t, w, h, cmd), 0);
	free(cmd);
}

/* Golden screens (tests/tui/golden/NAME.txt): the layout at 80x24 with
 * every digit masked (countdowns and the clock move) and without the
 * status line (messages expire). Regenerate on
 * purpose with ITRACE_GOLDEN_UPDATE=1, never to make a failure go away. */
static void golden(struct tt *t, const char *name)
{
	char *s = tt_capture(t);
	for (char *p = s; *p != '\0'; p++)
		if (*p >= '0' && *p <= '9')
			*p = '#';
	/* the status line (messages come and go with time) is not compared */
	size_t len = strlen(s);
	while (len > 0 && s[len - 1] == '\n')
		s[--len] = '\0';
	char *last = strrchr(s, '\n');
	if (last != NULL)
		last[1] = '\0';
	char path[256];
	snprintf(path, sizeof path, "tests/tui/golden/%s.txt", name);
	const char *upd = getenv("ITRACE_GOLDEN_UPDATE");
	if (upd != NULL && strcmp(upd, "1") == 0) {
		FILE *f = fopen(path, "w");
		assert_non_null(f);
		fputs(s, f);
		fclose(f);
	}
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		free(s);
		fail_msg("no golden %s (ITRACE_GOLDEN_UPDATE=1 makes it)", path);
	}
	static char want[16384];
	size_t n = fread(want, 1, sizeof want - 1, f);
	want[n] = '\0';
	fclose(f);
	if (strcmp(want, s) != 0) {
		static char got[16384];
		snprintf(got, sizeof got, "%s", s);
		free(s);
		fail_msg("screen differs from %s; got:\n%s\nwant:\n%s", path, got, want);
	}
	free(s);
}

/* The queue at 80x24: every open alert, sorted by deadline, duplicates
 * folded, clocks with their glyphs; then open one and see its tree. */
static void test_queue_and_tree(void **state)
{
	(void)state;
	struct tt t;
	start(&t, 80, 24, "", "");
	TT_WAIT(&t, "T1218.005.hta", 10000);
	/* the nearest deadlines come first, the full sync (duplicates) right after */
	TT_WAIT(&t, "\xc3\x97" "2", 5000);
	char *s = tt_capture(&t);
	assert_non_null(strstr(s, "mshta.exe"));
	assert_non_null(strstr(s, "acme"));
	assert_non_null(strstr(s, "DETECTION"));
	/* the duplicate is folded under the first: one row, marked x2 */
	assert_int_equal(th_count_str(s, "T1218.005.hta"), 1);
	assert_non_null(strstr(s, "\xc3\x97" "2"));
	/* breached first (the evil alert), warn (!) next, then the rest */
	const char *evil = strstr(s, "evil-host");
	const char *mshta = strstr(s, "mshta.exe");
	const char *hta = strstr(s, "T1218.005.hta");
	assert_non_null(evil);
	assert_true(evil < mshta && mshta < hta);
	/* exactly one breached (clk_breached bisects the sorted deadlines;
	 * the warn and later ones and the folded duplicate do not count) */
	assert_non_null(strstr(s, "1 alert in view breached its deadline"));
	free(s);
	golden(&t, "queue-80x24");
	/* unfold the duplicates with Space on the first alert */
	tt_keys(&t, "/", NULL);
	TT_WAIT(&t, "Search", 3000);
	tt_type(&t, "T1218");
	tt_keys(&t, "Enter", "Space", NULL);
	TT_WAIT(&t, "\xe2\x94\x94", 3000);
	/* open the mshta alert: its process tree (R-10 items 2, 3) */
	tt_keys(&t, "/", NULL);
	TT_WAIT(&t, "Search", 3000);
	tt_keys(&t, "C-u", NULL);   /* the prompt offers the last search */
	tt_type(&t, "mshta\\.exe");
	tt_keys(&t, "Enter", "Enter", NULL);
	TT_WAIT(&t, "[new]  C:\\Windows\\System32\\mshta.exe", 10000);
	TT_WAIT(&t, "mshta.exe [9160]", 10000);
	TT_WAIT(&t, "calc.exe [10068]", 3000);
	TT_WAIT(&t, "powershell.exe [10848]", 3000);
	TT_WAIT(&t, "same SHA-256", 3000);
	golden(&t, "tree-80x24");
	/* Tab: the timeline, the report preview (Japanese, then English) */
	tt_keys(&t, "Tab", NULL);
	TT_WAIT(&t, "process_start", 5000);
	tt_keys(&t, "Tab", NULL);
	TT_WAIT(&t, "## 1.", 3000);
	tt_keys(&t, "L", NULL);
	TT_WAIT(&t, "English", 3000);
	tt_keys(&t, "q", NULL);
	TT_WAIT(&t, "DETECTION", 3000);
	tt_keys(&t, "q", NULL);
	TT_WAIT(&t, "[exit 0]", 5000);
	tt_stop(&t);
}

/* Escape sequences in a path, a detection and a command line are shown
 * visibly; they neither clear the screen nor set the window title. */
static void test_hostile_text(void **state)
{
	(void)state;
	struct tt t;
	start(&t, 80, 24, "", "");
	TT_WAIT(&t, "evil-host", 10000);
	TT_WAIT(&t, "\\e[2J", 3000);
	char cmd[64];
	snprintf(cmd, sizeof cmd, "open %ld", evil_id);
	tt_keys(&t, ":", NULL);
	TT_WAIT(&t, "Command", 3000);
	tt_type(&t, cmd);
	tt_keys(&t, "Enter", NULL);
	TT_WAIT(&t, "--steal", 10000);
	char *s = tt_capture(&t);
	assert_non_null(strstr(s, "\\e]2;pwned\\x07"));
	assert_non_null(strstr(s, "請求書"));
	/* the title line is still there: nothing cleared the screen */
	assert_non_null(strstr(s, " itrace-tui "));
	free(s);
	char *title = tt_pane_title(&t);
	assert_null(strstr(title, "pwned"));
	free(title);
	tt_keys(&t, "Tab", "Tab", "Tab", NULL);
	TT_WAIT(&t, "detection   Evil\\e[2J", 3000);
	tt_stop(&t);
}

static void test_resize_and_too_small(void **state)
{
	(void)state;
	struct tt t;
	start(&t, 80, 24, "", "");
	TT_WAIT(&t, "DETECTION", 10000);
	tt_resize(&t, 79, 24);
	TT_WAIT(&t, "terminal too small: need 80x24", 5000);
	tt_resize(&t, 120, 40);
	TT_WAIT(&t, "DETECTION", 5000);
	char *s = tt_capture(&t);
	assert_null(strstr(s, "too small"));
	free(s);
	tt_resize(&t, 80, 23);
	TT_WAIT(&t, "terminal too small", 5000);
	tt_resize(&t, 80, 24);
	TT_WAIT(&t, "DETECTION", 5000);
	TT_WAIT(&t, "T1218.005.hta", 3000);
	tt_stop(&t);
	/* started too small */
	start(&t, 60, 20, "", "");
	TT_WAIT(&t, "terminal too small: need 80x24", 10000);
	tt_keys(&t, "q", NULL);
	TT_WAIT(&t, "[exit 0]", 5000);
	tt_stop(&t);
}

/* The wallboard refuses every action that is not marked for it. */
static void test_wallboard_read_only(void **state)
{
	(void)state;
	struct tt t;
	start(&t, 80, 24, "", "--wallboard --api http://127.0.0.1:9 --mask");
	TT_WAIT(&t, "WALLBOARD", 10000);
	TT_WAIT(&t, "BREACHED", 10000);
	char *s = tt_capture(&t);
	assert_null(strstr(s, "evil-host"));      /* masked */
	assert_null(strstr(s, "WORKSTATION5"));
	free(s);
	const char *keys[] = {"c", "v", "p", "I", "R", "D", "G", "E", "Enter", ":", "/", "f", "F"};
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		tt_keys(&t, keys[i], NULL);
		TT_WAIT(&t, "the wallboard is read-only", 3000);
		s = tt_capture(&t);
		/* no dialog opened */
		assert_null(strstr(s, "Enter accepts"));
		assert_null(strstr(s, "Enter submits"));
		free(s);
	}
	tt_keys(&t, "?", NULL);
	TT_WAIT(&t, "not on the wallboard", 3000);
	tt_keys(&t, "q", NULL);
	TT_WAIT_GONE(&t, "not on the wallboard", 3000);
	tt_keys(&t, "q", NULL);
	TT_WAIT(&t, "[exit 0]", 5000);
	tt_stop(&t);
}

/* A committed alert appears through NOTIFY with a "+1 new" badge; the
 * cursor stays on its alert. */
static void test_live_update(void **state)
{
	(void)state;
	struct tt t;
	start(&t, 80, 24, "", "");
	TT_WAIT(&t, "T1218.005.hta", 10000);
	char sla[64];
	snprintf(sla, sizeof sla, "SLA #%ld ", mshta_id);
	tt_keys(&t, "j", NULL);   /* the cursor on the second row, mshta.exe */
	TT_WAIT(&t, sla, 3000);
	PGconn *c = th_connect(conninfo);
	/* a new alert whose deadline comes first: it lands above the cursor */
	PGresult *r = PQexec(c,
		"INSERT INTO alert (tenant_id, endpoint_id, detected_at, received_at, path, sha256,"
		" detection, action, state, quick_due)"
		" SELECT tenant_id, id, now(), now() - interval '7 hours', 'C:\\Temp\\fresh-live.exe',"
		" repeat('3', 64), 'Live/Test', 'allowed', 'new', now() - interval '5 hours'"
		" FROM endpoint WHERE name = 'workstation5'");
	assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
	PQclear(r);
	TT_WAIT(&t, "fresh-live.exe", 5000);
	TT_WAIT(&t, "+1 new", 3000);
	/* the cursor stayed on its alert, though the rows moved under it */
	char *s = tt_capture(&t);
	assert_non_null(strstr(s, sla));
	assert_true(strstr(s, "fresh-live.exe") < strstr(s, "mshta.exe"));
	free(s);
	/* passing over the new alert takes it off the badge */
	tt_keys(&t, "k", "k", NULL);
	TT_WAIT_GONE(&t, "+1 new", 3000);
	/* frozen, a change waits for F */
	tt_keys(&t, "F", NULL);
	TT_WAIT(&t, "FROZEN", 3000);
	r = PQexec(c, "UPDATE alert SET state = 'closed' WHERE path LIKE '%fresh-live.exe'");
	PQclear(r);
	tt_keys(&t, "F", NULL);
	TT_WAIT_GONE(&t, "fresh-live.exe", 5000);
	PQfinish(c);
	tt_quit(&t);
}

/* The database goes away: the screen says since when, and the console
 * reconnects by itself. */
static void test_stale_and_reconnect(void **state)
{
	(void)state;
	struct tt t;
	start(&t, 80, 24, "", "");
	TT_WAIT(&t, "T1218.005.hta", 10000);
	TT_WAIT(&t, "DB ok", 3000);
	PGconn *c = th_connect(conninfo);
	PGresult *r = PQexec(c, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
	                        " WHERE application_name = 'itrace-tui'");
	PQclear(r);
	PQfinish(c);
	TT_WAIT(&t, "stale since", 5000);
	TT_WAIT_GONE(&t, "stale since", 10000);
	TT_WAIT(&t, "DB ok", 3000);
	TT_WAIT(&t, "T1218.005.hta", 3000);
	tt_stop(&t);
}

static void test_unknown_term(void **state)
{
	(void)state;
	struct tt t;
	char *cmd = NULL;
	assert_true(asprintf(&cmd, "env TERM=no-such-terminal-xyz LANG=C.UTF-8 LC_ALL=C.UTF-8 "
	                     "XDG_CONFIG_HOME=%s XDG_STATE_HOME=%s %s --db '%s'",
	                     cfgdir, statedir, th_bin("itrace-tui"), conninfo) > 0);
	assert_int_equal(tt_start(&t, 80, 24, cmd), 0);
	free(cmd);
	TT_WAIT(&t, "unknown terminal type", 10000);
	TT_WAIT(&t, "T1218.005.hta", 10000);
	tt_keys(&t, "q", NULL);
	TT_WAIT(&t, "[exit 0]", 5000);
	tt_stop(&t);
}

/* NO_COLOR: no colour escape sequences reach the terminal. */
static void test_no_color(void **state)
{
	(void)state;
	struct tt t;
	char *cmd = NULL;
	assert_true(asprintf(&cmd, "env NO_COLOR=1 TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 "
	                     "XDG_CONFIG_HOME=%s XDG_STATE_HOME=%s %s --db '%s'",
	                     cfgdir, statedir, th_bin("itrace-tui"), conninfo) > 0);
	assert_int_equal(tt_start(&t, 80, 24, cmd), 0);
	free(cmd);
	TT_WAIT(&t, "T1218.005.hta", 10000);
	char *out = NULL;
	const char *args[] = {"capture-pane", "-p", "-e", NULL};
	tt_tmux(&t, &out, args);
	assert_non_null(out);
	/* tmux writes colours as SGR 3x/4x/38/48; attributes (7 reverse, 1 bold) stay */
	assert_null(strstr(out, "[38;"));
	assert_null(strstr(out, "[48;"));
	assert_null(strstr(out, ";31m"));
	assert_null(strstr(out, "[31m"));
	free(out);
	tt_stop(&t);
}

/* --ascii, a 256-colour theme, the emacs keymap and a tenant filter. */
static void test_flags(void **state)
{
	(void)state;
	struct tt t;
	start(&t, 80, 24, "", "--ascii --theme dark256 --keymap emacs --tenant acme");
	TT_WAIT(&t, "T1218.005.hta", 10000);
	TT_WAIT(&t, " x2 ", 5000);
	char *s = tt_capture(&t);
	assert_null(strstr(s, "\xe2\x9c\x97"));     /* no UTF-8 cross: X */
	assert_non_null(strstr(s, "X-"));
	assert_non_null(strstr(s, " x2 "));
	free(s);
	char sla[64];
	snprintf(sla, sizeof sla, "SLA #%ld ", evil_id);
	TT_WAIT(&t, sla, 3000);
	tt_keys(&t, "C-n", NULL);     /* emacs: next line */
	snprintf(sla, sizeof sla, "SLA #%ld ", mshta_id);
	TT_WAIT(&t, sla, 3000);
	char *out = NULL;
	const char *args[] = {"capture-pane", "-p", "-e", NULL};
	tt_tmux(&t, &out, args);
	assert_non_null(out);
	assert_non_null(strstr(out, "38;5;"));   /* 256-colour foregrounds */
	free(out);
	tt_quit(&t);
	start(&t, 80, 24, "", "--tenant no-such-tenant");
	TT_WAIT(&t, "no open alerts", 10000);
	tt_quit(&t);
}

static void test_token_file_mode(void **state)
{
	(void)state;
	const char *tok = th_write_file("token", "secret-token\n", 13);
	chmod(tok, 0644);
	struct th_out o;
	const char *argv[] = {"itrace-tui", "--db", conninfo, "--token-file", tok, NULL};
	assert_int_equal(th_run(&o, NULL, NULL, argv), 2);
	assert_non_null(strstr(o.err, "readable by group or others"));
	assert_non_null(strstr(o.err, "chmod 600"));
	th_out_free(&o);
}

static void test_check_config(void **state)
{
	(void)state;
	char dir[600], path[700];
	snprintf(dir, sizeof dir, "%s/cc", th_tmpdir());
	mkdir(dir, 0755);
	snprintf(path, sizeof path, "%s/itrace-tui", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof path, "%s/itrace-tui/mine.keys", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("include default\nbind queue J down\nbind queue K fly\n", f);
	fclose(f);
	char env[700];
	snprintf(env, sizeof env, "XDG_CONFIG_HOME=%s", dir);
	char *envv[] = {env, NULL};
	struct th_out o;
	const char *bad[] = {"itrace-tui", "--check-config", "--keymap", "mine", NULL};
	assert_int_equal(th_run(&o, NULL, envv, bad), 1);
	char want[800];
	snprintf(want, sizeof want, "%s:3: unknown action \"fly\"", path);
	if (strstr(o.out, want) == NULL)
		fail_msg("want %s in: %s", want, o.out);
	th_out_free(&o);
	const char *good[] = {"itrace-tui", "--check-config", "--keymap", "vim", "--theme",
	                      "dark256", NULL};
	assert_int_equal(th_run(&o, NULL, envv, good), 0);
	th_out_free(&o);
	/* precedence: the config file, then the environment, then flags */
	snprintf(path, sizeof path, "%s/itrace-tui/config", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("# mine\ntheme = light256\nkeymap = vim\ntenant = acme\n", f);
	fclose(f);
	const char *cfg[] = {"itrace-tui", "--check-config", NULL};
	assert_int_equal(th_run(&o, NULL, envv, cfg), 0);
	assert_non_null(strstr(o.out, "keymap vim, theme light256"));
	th_out_free(&o);
	const char *flg[] = {"itrace-tui", "--check-config", "--theme", "mono", NULL};
	assert_int_equal(th_run(&o, NULL, envv, flg), 0);
	assert_non_null(strstr(o.out, "keymap vim, theme mono"));
	th_out_free(&o);
	f = fopen(path, "a");
	assert_non_null(f);
	fputs("colour = red\n", f);
	fclose(f);
	assert_int_equal(th_run(&o, NULL, envv, cfg), 1);
	snprintf(want, sizeof want, "%s:5: unknown key \"colour\"", path);
	if (strstr(o.err, want) == NULL)
		fail_msg("want %s in: %s", want, o.err);
	th_out_free(&o);
	/* the man page's key table is what the binary prints */
	const char *pk[] = {"itrace-tui", "--print-keys", NULL};
	assert_int_equal(th_run(&o, NULL, NULL, pk), 0);
	assert_non_null(strstr(o.out, "\\fBisolate\\fR"));
	th_out_free(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_queue_and_tree),
		cmocka_unit_test(test_hostile_text),
		cmocka_unit_test(test_resize_and_too_small),
		cmocka_unit_test(test_wallboard_read_only),
		cmocka_unit_test(test_live_update),
		cmocka_unit_test(test_stale_and_reconnect),
		cmocka_unit_test(test_unknown_term),
		cmocka_unit_test(test_no_color),
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_token_file_mode),
		cmocka_unit_test(test_check_config),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
