/* test_tui_timeline.c - the alert view's event timeline filter is PCRE2
 * (the queue search's dialect), applied by the console to the raw fields
 * of the 7-day window: the real console in tmux (tests/tui/tt.h)
 * against a real PostgreSQL loaded by itrace-ingest.
 *
 * Each pattern is one that PostgreSQL's ~* (POSIX ARE) would reject or read
 * differently, so a filter still sent to the database fails these checks:
 * \b (ARE: backspace; PCRE2: word boundary), a possessive {4}+ (ARE: error),
 * \x{1b} against the raw bytes of a field that is shown escaped, and a
 * lookbehind on the user field. A bad pattern shows PCRE2's message and
 * offset and keeps the filter in force. The detected process's subtree
 * stays highlighted under a filter (SGR of capture-pane -e).
 *
 * And the queue's cursor (issue 4: fewer bytes a move): a reverse-video
 * block with a pointer at the row's start, visible under NO_COLOR, while
 * the row's text keeps the look of the other rows. */
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

#define EV(kind, time, guid, pid, rest)                                                  \
	"{\"type\":\"event\",\"host\":\"tl-host\",\"kind\":\"" kind "\",\"time\":\"2020-10-22T" \
	time "Z\",\"proc_guid\":\"{" guid "}\",\"pid\":" #pid "," rest "}\n"
#define EVIL_GUID "aaaaaaaa-1111-2222-0000-000000000500"
#define EXPLORER ",\"parent_guid\":\"{eeeeeeee-1111-2222-0000-000000000100}\",\"parent_pid\":100," \
	"\"parent_image\":\"C:\\\\Windows\\\\explorer.exe\""
#define BY_EVIL "\"image\":\"C:\\\\Users\\\\bob\\\\evil.exe\""

static const char lines[] =
	/* the detected process, started by explorer */
	EV("process_start", "07:00:00", EVIL_GUID, 500,
	   BY_EVIL ",\"cmdline\":\"evil.exe --go\",\"user\":\"CORP\\\\bob\"" EXPLORER)
	/* its child: in the highlighted subtree */
	EV("process_start", "07:01:00", "bbbbbbbb-1111-2222-0000-000000000600", 600,
	   "\"image\":\"C:\\\\Windows\\\\System32\\\\cmd.exe\",\"cmdline\":\"cmd.exe /c whoami\","
	   "\"user\":\"CORP\\\\bob\",\"parent_guid\":\"{" EVIL_GUID "}\",\"parent_pid\":500,"
	   "\"parent_image\":\"C:\\\\Users\\\\bob\\\\evil.exe\"")
	/* "cmd" inside a word: \bcmd\b must not take it */
	EV("process_start", "07:02:00", "cccccccc-1111-2222-0000-000000000700", 700,
	   "\"image\":\"C:\\\\Tools\\\\cmdhelper.exe\",\"cmdline\":\"cmdhelper.exe --run\""
	   EXPLORER)
	EV("process_start", "07:03:00", "dddddddd-1111-2222-0000-000000000800", 800,
	   "\"image\":\"C:\\\\Windows\\\\System32\\\\calc.exe\",\"cmdline\":\"calc\","
	   "\"user\":\"CORP\\\\alice\"" EXPLORER)
	/* remote addresses: 4, 3 and 5 digits of port */
	EV("net_connect", "07:04:00", EVIL_GUID, 500,
	   BY_EVIL ",\"proto\":\"tcp\",\"remote_ip\":\"10.0.0.5\",\"remote_port\":4444")
	EV("net_connect", "07:05:00", EVIL_GUID, 500,
	   BY_EVIL ",\"proto\":\"tcp\",\"remote_ip\":\"10.0.0.6\",\"remote_port\":443")
	EV("net_connect", "07:06:00", EVIL_GUID, 500,
	   BY_EVIL ",\"proto\":\"tcp\",\"remote_ip\":\"10.0.0.7\",\"remote_port\":44443")
	/* an escape sequence in a command line: matched raw, shown escaped */
	EV("process_start", "07:07:00", "ffffffff-1111-2222-0000-000000000900", 900,
	   "\"image\":\"C:\\\\Windows\\\\System32\\\\notepad.exe\","
	   "\"cmdline\":\"notepad.exe \\u001b[31mred\"" EXPLORER);

static int setup(void **state)
{
	(void)state;
	conninfo = th_db_new_migrated();
	if (conninfo == NULL)
		return -1;
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	char recv[32], recv2[32], alert[1024];
	strftime(recv, sizeof recv, "%Y-%m-%dT%H:%M:%SZ", &tm);
	time_t later = now + 60;   /* due a minute later: the second row */
	gmtime_r(&later, &tm);
	strftime(recv2, sizeof recv2, "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(alert, sizeof alert,
	         "{\"type\":\"alert\",\"host\":\"tl-host\",\"detected_at\":\"2020-10-22T08:00:00Z\","
	         "\"received_at\":\"%s\",\"path\":\"C:\\\\Users\\\\bob\\\\evil.exe\",\"sha256\":"
	         "\"3333333333333333333333333333333333333333333333333333333333333333\","
	         "\"detection\":\"Trojan/TimelineTest\",\"action\":\"allowed\"}\n"
	         "{\"type\":\"alert\",\"host\":\"other-host\",\"detected_at\":\"2020-10-22T09:00:00Z\","
	         "\"received_at\":\"%s\",\"path\":\"C:\\\\Temp\\\\second.exe\",\"sha256\":"
	         "\"4444444444444444444444444444444444444444444444444444444444444444\","
	         "\"detection\":\"Trojan/Second\",\"action\":\"allowed\"}\n",
	         recv, recv2);
	/* bulk-host: 5,000 connections, every 20th to port 8443 (250), the
	 * last three to 10.9.9.9: a filter reads the window in chunks */
	size_t cap = strlen(lines) + strlen(alert) + 5000 * 300 + 1024, len = 0;
	char *all = malloc(cap);
	if (all == NULL)
		return -1;
	len += (size_t)snprintf(all + len, cap - len, "%s%s", lines, alert);
	for (int i = 0; i < 5000; i++)
		len += (size_t)snprintf(all + len, cap - len,
		                      "{\"type\":\"event\",\"host\":\"bulk-host\",\"kind\":\"net_connect\","
		                      "\"time\":\"2020-10-22T%02d:%02d:%02dZ\",\"proc_guid\":"
		                      "\"{99999999-1111-2222-0000-000000000001}\",\"pid\":1,"
		                      "\"image\":\"C:\\\\bulk.exe\",\"proto\":\"tcp\",\"remote_ip\":\"%s\","
		                      "\"remote_port\":%d}\n",
		                      i / 3600, i / 60 % 60, i % 60,
		                      i >= 4997 ? "10.9.9.9" : i % 20 == 0 ? "10.2.0.2" : "10.1.0.1",
		                      i % 20 == 0 ? 8443 : 80);
	later = now + 120;
	gmtime_r(&later, &tm);
	strftime(recv2, sizeof recv2, "%Y-%m-%dT%H:%M:%SZ", &tm);
	len += (size_t)snprintf(all + len, cap - len,
	                      "{\"type\":\"alert\",\"host\":\"bulk-host\",\"detected_at\":"
	                      "\"2020-10-22T08:00:00Z\",\"received_at\":\"%s\",\"path\":"
	                      "\"C:\\\\bulk.exe\",\"sha256\":"
	                      "\"5555555555555555555555555555555555555555555555555555555555555555\","
	                      "\"detection\":\"Trojan/Bulk\",\"action\":\"allowed\"}\n", recv2);
	const char *file = th_write_file("tl-lines.json", all, len);
	free(all);
	struct th_out o;
	const char *argv[] = {"itrace-ingest", "--db", conninfo, "--tenant", "acme", file, NULL};
	int rc = th_run(&o, NULL, NULL, argv);
	if (rc != 0)
		fprintf(stderr, "test_tui_timeline: ingest failed: %s\n", o.err);
	th_out_free(&o);
	if (rc != 0)
		return -1;
	PGconn *c = th_connect(conninfo);
	long nev = th_count(c, "SELECT count(*) FROM event");
	PQfinish(c);
	if (nev != 5008) {
		fprintf(stderr, "test_tui_timeline: %ld events loaded, 5008 expected\n", nev);
		return -1;
	}
	snprintf(cfgdir, sizeof cfgdir, "%s/cfg", th_tmpdir());
	snprintf(statedir, sizeof statedir, "%s/state", th_tmpdir());
	mkdir(cfgdir, 0755);
	mkdir(statedir, 0755);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	th_db_drop(conninfo);
	return 0;
}

/* ---- the SGR attributes in effect at a cell of capture-pane -e ------------------ */

struct sgr {
	int bold, dim, italic, under, rev;
	int fg, bg;     /* -1 default; 0..255; 256 + rgb */
};

static void sgr_apply(struct sgr *s, const char *p, size_t n)
{
	int v[32], nv = 0, cur = 0, have = 0;
	for (size_t i = 0; i < n && nv < 32; i++) {
		if (p[i] >= '0' && p[i] <= '9') {
			cur = cur * 10 + (p[i] - '0');
			have = 1;
		} else if (p[i] == ';' || p[i] == ':') {
			v[nv++] = cur;
			cur = have = 0;
		}
	}
	if (nv < 32)
		v[nv++] = have ? cur : 0;
	for (int i = 0; i < nv; i++) {
		int c = v[i];
		if (c == 0)
			*s = (struct sgr){0, 0, 0, 0, 0, -1, -1};
		else if (c == 1)
			s->bold = 1;
		else if (c == 2)
			s->dim = 1;
		else if (c == 3)
			s->italic = 1;
		else if (c == 4)
			s->under = 1;
		else if (c == 7)
			s->rev = 1;
		else if (c == 22)
			s->bold = s->dim = 0;
		else if (c == 23)
			s->italic = 0;
		else if (c == 24)
			s->under = 0;
		else if (c == 27)
			s->rev = 0;
		else if ((c >= 30 && c <= 37) || (c >= 90 && c <= 97))
			s->fg = c;
		else if (c == 39)
			s->fg = -1;
		else if ((c >= 40 && c <= 47) || (c >= 100 && c <= 107))
			s->bg = c;
		else if (c == 49)
			s->bg = -1;
		else if ((c == 38 || c == 48) && i + 2 < nv && v[i + 1] == 5) {
			*(c == 38 ? &s->fg : &s->bg) = v[i + 2];
			i += 2;
		} else if ((c == 38 || c == 48) && i + 4 < nv && v[i + 1] == 2) {
			*(c == 38 ? &s->fg : &s->bg) = 256 + (v[i + 2] << 16) + (v[i + 3] << 8) + v[i + 4];
			i += 4;
		}
	}
}

/* The attributes in effect where needle first shows in the -e capture s
 * (attributes carry over lines there). 0, or -1 when needle is absent. */
static int sgr_at(const char *s, const char *needle, struct sgr *out)
{
	const char *at = strstr(s, needle);
	if (at == NULL)
		return -1;
	struct sgr st = {0, 0, 0, 0, 0, -1, -1};
	for (const char *p = s; p < at; p++) {
		if (p[0] != '\x1b' || p[1] != '[')
			continue;
		const char *q = p + 2;
		while (q < at && ((*q >= '0' && *q <= '9') || *q == ';' || *q == ':'))
			q++;
		if (q < at && *q == 'm')
			sgr_apply(&st, p + 2, (size_t)(q - (p + 2)));
		p = q;
	}
	*out = st;
	return 0;
}

static char *capture_e(struct tt *t)
{
	char *out = NULL;
	const char *args[] = {"capture-pane", "-p", "-e", NULL};
	tt_tmux(t, &out, args);
	return out != NULL ? out : strdup("");
}

static int sgr_eq(const struct sgr *a, const struct sgr *b)
{
	return memcmp(a, b, sizeof *a) == 0;
}

/* ---- driving the console --------------------------------------------------------- */

/* Leave as a user does and require exit status 0: under SANITIZE=1 a
 * sanitizer report or a leak (the worker's pages, patterns) fails here. */
static void quit0(struct tt *t)
{
	tt_keys(t, "Escape", NULL);
	usleep(150 * 1000);   /* apart from q by more than ESCDELAY: not M-q */
	for (int i = 0; i < 5 && !tt_wait_ex(t, "[exit ", 0, 1000, NULL); i++)
		tt_keys(t, "q", NULL);
	TT_WAIT(t, "[exit 0]", 10000);
	tt_stop(t);
}

static void start(struct tt *t)
{
	char *cmd = NULL;
	assert_true(asprintf(&cmd, "env -u NO_COLOR TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 "
	                     "XDG_CONFIG_HOME=%s XDG_STATE_HOME=%s %s --db '%s'",
	                     cfgdir, statedir, th_bin("itrace-tui"), conninfo) > 0);
	assert_int_equal(tt_start(t, 120, 40, cmd), 0);
	free(cmd);
	TT_WAIT(t, "second.exe", 10000);
	tt_keys(t, "Enter", NULL);                 /* the first alert: its tree */
	TT_WAIT(t, "cmd.exe [600]", 10000);
	tt_keys(t, "Tab", NULL);                   /* the timeline, every event */
	TT_WAIT(t, "8 events", 5000);
}

/* Type a filter at the timeline prompt (the last one is offered: cleared). */
static void filter(struct tt *t, const char *pat)
{
	tt_keys(t, "/", NULL);
	TT_WAIT(t, "Timeline filter", 3000);
	tt_keys(t, "C-u", NULL);
	tt_type(t, pat);
	tt_keys(t, "Enter", NULL);
	TT_WAIT_GONE(t, "Timeline filter", 3000);
}

/* The screen once the header shows n events for the filter pat. */
static char *filtered(struct tt *t, const char *pat, int n)
{
	filter(t, pat);
	char want[300];
	snprintf(want, sizeof want, "/%s/  %d events", pat, n);
	TT_WAIT(t, want, 5000);
	return tt_capture(t);
}

static void test_pcre2_filter(void **state)
{
	(void)state;
	struct tt t;
	start(&t);
	char *s = tt_capture(&t);
	assert_non_null(strstr(s, "cmdhelper.exe [700]"));
	assert_non_null(strstr(s, "10.0.0.5:4444"));
	free(s);

	/* \b: a word boundary (ARE reads a backspace), caseless as the queue */
	s = filtered(&t, "\\bCMD\\b", 1);
	assert_non_null(strstr(s, "cmd.exe [600]"));
	assert_null(strstr(s, "cmdhelper"));
	assert_null(strstr(s, "calc.exe"));
	free(s);

	/* a possessive quantifier (ARE: "quantifier operand invalid") on the
	 * remote address: a 4-digit port, not 3 or 5 */
	s = filtered(&t, ":\\d{4}+$", 1);
	assert_non_null(strstr(s, "10.0.0.5:4444"));
	assert_null(strstr(s, "10.0.0.6:443"));
	assert_null(strstr(s, "10.0.0.7:44443"));
	free(s);

	/* a lookbehind on the user field, shown at the end of the row */
	s = filtered(&t, "(?<=\\\\)alice$", 1);
	assert_non_null(strstr(s, "calc.exe [800]"));
	assert_non_null(strstr(s, "(CORP\\alice)"));
	assert_null(strstr(s, "cmd.exe"));
	free(s);

	/* the raw bytes are matched (ESC), the row is shown escaped */
	s = filtered(&t, "\\x{1b}\\[31m", 1);
	assert_non_null(strstr(s, "notepad.exe \\e[31mred"));
	assert_null(strstr(s, "\x1b"));
	free(s);

	/* a bad pattern: PCRE2's message and offset; the filter in force stays */
	filter(&t, "(");
	TT_WAIT(&t, "timeline filter: missing closing parenthesis at offset 1", 3000);
	s = tt_capture(&t);
	assert_non_null(strstr(s, "/\\x{1b}\\[31m/  1 events"));
	assert_non_null(strstr(s, "notepad.exe"));
	assert_null(strstr(s, "calc.exe"));
	free(s);
	/* the prompt offers the filter in force, not the bad one */
	tt_keys(&t, "/", NULL);
	TT_WAIT(&t, "/\\x{1b}\\[31m", 3000);
	tt_keys(&t, "Escape", NULL);
	TT_WAIT_GONE(&t, "Timeline filter", 3000);

	/* an empty filter: every event again */
	filter(&t, "");
	TT_WAIT(&t, "  8 events (UTC", 5000);
	s = tt_capture(&t);
	assert_null(strstr(s, "31m/"));
	assert_non_null(strstr(s, "cmdhelper.exe [700]"));
	free(s);
	quit0(&t);
}

/* A filter that matches little reads the whole window in chunks (3 of
 * 5,000 events, the last three); one that matches much fills a page of 200
 * ("200+") and the next comes when the cursor nears the end. */
static void test_scan_pages(void **state)
{
	(void)state;
	struct tt t;
	char *cmd = NULL;
	assert_true(asprintf(&cmd, "env -u NO_COLOR TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 "
	                     "XDG_CONFIG_HOME=%s XDG_STATE_HOME=%s %s --db '%s'",
	                     cfgdir, statedir, th_bin("itrace-tui"), conninfo) > 0);
	assert_int_equal(tt_start(&t, 120, 40, cmd), 0);
	free(cmd);
	TT_WAIT(&t, "bulk.exe", 10000);
	tt_keys(&t, "/", NULL);
	TT_WAIT(&t, "Search", 3000);
	tt_keys(&t, "C-u", NULL);
	tt_type(&t, "bulk-host");
	tt_keys(&t, "Enter", NULL);
	TT_WAIT_GONE(&t, "Search", 3000);
	tt_keys(&t, "Enter", NULL);
	TT_WAIT(&t, "bulk-host  [new]  C:\\bulk.exe", 10000);
	tt_keys(&t, "Tab", NULL);
	TT_WAIT(&t, "  200+ events", 10000);           /* unfiltered: a page */

	char *s = filtered(&t, "10\\.9\\.9\\.9", 3);    /* no "+": the window ended */
	assert_int_equal(th_count_str(s, "10.9.9.9:80"), 3);
	assert_non_null(strstr(s, "01:23:19"));         /* the last event, i = 4999 */
	assert_null(strstr(s, "10.1.0.1"));
	free(s);

	filter(&t, ":8443$");
	TT_WAIT(&t, "/:8443$/  200+ events", 10000);
	tt_keys(&t, "End", NULL);                       /* near the end: the next page */
	TT_WAIT(&t, "/:8443$/  250 events", 10000);
	tt_keys(&t, "End", NULL);                       /* the last of them */
	TT_WAIT(&t, "01:23:00 net_connect", 3000);      /* i = 4980, the last match */
	s = tt_capture(&t);
	assert_null(strstr(s, "10.1.0.1"));
	assert_null(strstr(s, "10.9.9.9"));
	free(s);
	quit0(&t);
}

/* Under a filter the detected process and its descendants are still
 * highlighted: the child's and the process's rows share one look, the
 * unrelated rows another. */
static void test_subtree_highlight(void **state)
{
	(void)state;
	struct tt t;
	start(&t);
	/* cmd.exe (subtree, the cursor's row first), cmdhelper and calc (not),
	 * the 4444 connection of evil.exe (subtree) */
	char *s = filtered(&t, "\\bcmd\\b|cmdhelper|calc|:4444$", 4);
	free(s);
	tt_keys(&t, "End", NULL);  /* the cursor to the last row, off cmd.exe */
	s = capture_e(&t);
	struct sgr child, helper, calc, conn;
	if (sgr_at(s, "cmd.exe [600]", &child) != 0 || sgr_at(s, "cmdhelper.exe [700]", &helper) != 0 ||
	    sgr_at(s, "calc.exe [800]", &calc) != 0)
		fail_msg("rows missing:\n%s", s);
	assert_true(sgr_eq(&helper, &calc));       /* two plain rows */
	assert_false(sgr_eq(&child, &helper));     /* the subtree stands out */
	free(s);
	tt_keys(&t, "Home", NULL); /* the cursor back to the first row */
	TT_WAIT(&t, "10.0.0.5:4444", 3000);
	s = capture_e(&t);
	assert_int_equal(sgr_at(s, "10.0.0.5:4444", &conn), 0);
	assert_int_equal(sgr_at(s, "cmdhelper.exe [700]", &helper), 0);
	assert_true(sgr_eq(&conn, &child));         /* evil.exe's own event */
	assert_false(sgr_eq(&conn, &helper));
	free(s);
	quit0(&t);
}

/* The row of the line holding needle in the -e capture s: its text
 * without escapes (caller frees), NULL when absent. */
static char *plain_line(const char *s, const char *needle)
{
	const char *at = strstr(s, needle);
	if (at == NULL)
		return NULL;
	const char *b = at;
	while (b > s && b[-1] != '\n')
		b--;
	const char *e = strchr(at, '\n');
	size_t n = e != NULL ? (size_t)(e - b) : strlen(b);
	char *out = calloc(1, n + 1);
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (b[i] == '\x1b' && i + 1 < n && b[i + 1] == '[') {
			i += 2;
			while (i < n && !(b[i] >= '@' && b[i] <= '~'))
				i++;
			continue;
		}
		out[o++] = b[i];
	}
	return out;
}

/* The queue's cursor: a reverse-video pointer at the row's start under
 * NO_COLOR (no colour carries it), the row's text as the other rows'. */
static void test_queue_cursor(void **state)
{
	(void)state;
	struct tt t;
	char *cmd = NULL;
	assert_true(asprintf(&cmd, "env NO_COLOR=1 TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 "
	                     "XDG_CONFIG_HOME=%s XDG_STATE_HOME=%s %s --db '%s'",
	                     cfgdir, statedir, th_bin("itrace-tui"), conninfo) > 0);
	assert_int_equal(tt_start(&t, 80, 24, cmd), 0);
	free(cmd);
	TT_WAIT(&t, "second.exe", 10000);
	for (int move = 0; move < 2; move++) {
		const char *on = move == 0 ? "evil.exe" : "second.exe";
		const char *off = move == 0 ? "second.exe" : "evil.exe";
		char *s = capture_e(&t);
		char *lon = plain_line(s, on), *loff = plain_line(s, off);
		assert_non_null(lon);
		assert_non_null(loff);
		/* the pointer on the cursor's row, in reverse video; not on the other */
		if (strncmp(lon, "\xe2\x96\xb6", 3) != 0 || loff[0] != ' ')
			fail_msg("cursor on \"%s\"? rows:\n%s\n%s", on, lon, loff);
		struct sgr ptr, ton, toff;
		assert_int_equal(sgr_at(s, "\xe2\x96\xb6", &ptr), 0);   /* the only pointer */
		assert_true(ptr.rev);
		/* the file names of both rows look alike: not reversed */
		assert_int_equal(sgr_at(s, on, &ton), 0);
		assert_int_equal(sgr_at(s, off, &toff), 0);
		assert_false(ton.rev);
		assert_true(sgr_eq(&ton, &toff));
		free(lon);
		free(loff);
		free(s);
		if (move == 0) {
			tt_keys(&t, "j", NULL);
			/* the pointer moved: the second row holds it */
			char *w = NULL;
			long end = tt_ms() + 3000;
			for (;;) {
				free(w);
				w = tt_capture(&t);
				const char *p = strstr(w, "second.exe");
				const char *b = p;
				while (b != NULL && b > w && b[-1] != '\n')
					b--;
				if (b != NULL && strncmp(b, "\xe2\x96\xb6", 3) == 0)
					break;
				if (tt_ms() > end)
					fail_msg("the cursor did not move to the second row:\n%s", w);
				usleep(30 * 1000);
			}
			free(w);
		}
	}
	quit0(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pcre2_filter),
		cmocka_unit_test(test_subtree_highlight),
		cmocka_unit_test(test_scan_pages),
		cmocka_unit_test(test_queue_cursor),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
