/* tt.h - drive the real console in tmux on a private socket.
 *
 * Header-only (static functions) so that tests/integ/test_tui*.c can
 * include it as "../tui/tt.h" without a Makefile change. A session runs one
 * shell command at a given size; tests send keys and poll capture-pane for
 * a marker with a timeout (never fixed sleeps); resize-window sends the
 * program SIGWINCH. The server is killed with the test.
 */
#ifndef ITRACE_TEST_TT_H
#define ITRACE_TEST_TT_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "th.h"

struct tt {
	char sock[256];
	int up;
};

__attribute__((unused)) static void tt_stop(struct tt *t);

/* Servers still running when the test program exits (a failed assertion
 * jumps past tt_stop) are killed at exit. */
static char tt_live[16][256];

static void tt_kill_all(void)
{
	for (int i = 0; i < 16; i++)
		if (tt_live[i][0] != '\0') {
			char cmd[640];
			snprintf(cmd, sizeof cmd, "/usr/bin/tmux -S '%.255s' kill-server 2>/dev/null", tt_live[i]);
			if (system(cmd) != 0)
				fprintf(stderr, "tt: kill-server %s failed\n", tt_live[i]);
			tt_live[i][0] = '\0';
		}
}

static void tt_track(const char *sock, int add)
{
	static int registered;
	if (!registered) {
		atexit(tt_kill_all);
		registered = 1;
	}
	for (int i = 0; i < 16; i++) {
		if (add && tt_live[i][0] == '\0') {
			snprintf(tt_live[i], sizeof tt_live[i], "%s", sock);
			return;
		}
		if (!add && strcmp(tt_live[i], sock) == 0) {
			tt_live[i][0] = '\0';
			return;
		}
	}
}

__attribute__((unused)) static long tt_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Run tmux with the session's socket and the arguments; returns the exit
 * status, stdout in *out when out is not NULL (malloc'd). */
__attribute__((unused)) static int tt_tmux(struct tt *t, char **out, const char *const *args)
{
	const char *argv[32];
	int n = 0;
	argv[n++] = "/usr/bin/tmux";
	argv[n++] = "-u";      /* UTF-8 whatever the test's locale */
	argv[n++] = "-S";
	argv[n++] = t->sock;
	for (int i = 0; args[i] != NULL && n < 31; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	struct th_out o;
	th_run(&o, NULL, NULL, argv);
	int st = o.status;
	if (out != NULL) {
		*out = o.out;
		o.out = NULL;
	}
	th_out_free(&o);
	return st;
}

/* Start `command` (run by sh) in a w x h window. 0 or -1. */
__attribute__((unused)) static int tt_start(struct tt *t, int w, int h, const char *command)
{
	static int n;
	snprintf(t->sock, sizeof t->sock, "%s/tmux%d.sock", th_tmpdir(), n++);
	char ws[16], hs[16];
	snprintf(ws, sizeof ws, "%d", w);
	snprintf(hs, sizeof hs, "%d", h);
	char cwd[512];
	if (getcwd(cwd, sizeof cwd) == NULL)
		return -1;
	/* the pane stays after the program ends, showing its exit status */
	char *wrapped = NULL;
	/* timeout: a safety net should the test die without stopping it */
	if (asprintf(&wrapped, "timeout --foreground -s HUP 600 %s; echo \"[exit $?]\"; sleep 60", command) < 0)
		return -1;
	const char *args[] = {"-f", "/dev/null", "new-session", "-d", "-x", ws, "-y", hs,
	                      "-c", cwd, wrapped, NULL};
	int rc = tt_tmux(t, NULL, args);
	free(wrapped);
	t->up = rc == 0;
	if (rc == 0) {
		tt_track(t->sock, 1);
		const char *opt[] = {"set-option", "-g", "window-size", "manual", NULL};
		tt_tmux(t, NULL, opt);
	}
	return rc == 0 ? 0 : -1;
}

__attribute__((unused)) static char *tt_capture(struct tt *t)
{
	char *out = NULL;
	const char *args[] = {"capture-pane", "-p", NULL};
	tt_tmux(t, &out, args);
	return out != NULL ? out : strdup("");
}

/* Poll the screen until it contains marker (or, with gone, until it does
 * not). Returns 1 on success, 0 after timeout_ms; the last screen goes to
 * *screen when not NULL (caller frees). */
__attribute__((unused)) static int tt_wait_ex(struct tt *t, const char *marker, int gone, int timeout_ms,
                      char **screen)
{
	long end = tt_ms() + timeout_ms;
	char *s = NULL;
	int ok = 0;
	for (;;) {
		free(s);
		s = tt_capture(t);
		int has = strstr(s, marker) != NULL;
		if (has != gone) {
			ok = 1;
			break;
		}
		if (tt_ms() > end)
			break;
		usleep(30 * 1000);   /* poll interval, not a wait for an effect */
	}
	if (screen != NULL)
		*screen = s;
	else
		free(s);
	return ok;
}

/* Wait for marker or fail the test, showing the screen. */
static char tt_last_screen[16384];
#define TT_WAIT_(t, marker, gone, ms, what) do { \
	char *scr_ = NULL; \
	int ok_ = tt_wait_ex((t), (marker), (gone), (ms), &scr_); \
	snprintf(tt_last_screen, sizeof tt_last_screen, "%s", scr_ != NULL ? scr_ : ""); \
	free(scr_); /* before fail_msg, which does not return */ \
	if (!ok_) \
		fail_msg(what " \"%s\"; screen:\n%s", (marker), tt_last_screen); \
} while (0)
#define TT_WAIT(t, marker, ms) TT_WAIT_(t, marker, 0, ms, "timeout waiting for")
#define TT_WAIT_GONE(t, marker, ms) TT_WAIT_(t, marker, 1, ms, "did not go away:")

/* send-keys with tmux key names ("j", "Enter", "Escape", "C-l"). */
__attribute__((unused)) static void tt_keys(struct tt *t, ...)
{
	const char *args[24];
	int n = 0;
	args[n++] = "send-keys";
	va_list ap;
	va_start(ap, t);
	const char *k;
	while ((k = va_arg(ap, const char *)) != NULL && n < 23)
		args[n++] = k;
	va_end(ap);
	args[n] = NULL;
	tt_tmux(t, NULL, args);
}

/* Literal text (UTF-8), as typed. */
__attribute__((unused)) static void tt_type(struct tt *t, const char *text)
{
	const char *args[] = {"send-keys", "-l", text, NULL};
	tt_tmux(t, NULL, args);
}

__attribute__((unused)) static void tt_resize(struct tt *t, int w, int h)
{
	char ws[16], hs[16];
	snprintf(ws, sizeof ws, "%d", w);
	snprintf(hs, sizeof hs, "%d", h);
	const char *args[] = {"resize-window", "-x", ws, "-y", hs, NULL};
	tt_tmux(t, NULL, args);
}

/* #{pane_title}: what an OSC 0/2 sequence would have set. */
__attribute__((unused)) static char *tt_pane_title(struct tt *t)
{
	char *out = NULL;
	const char *args[] = {"display-message", "-p", "#{pane_title}", NULL};
	tt_tmux(t, &out, args);
	return out != NULL ? out : strdup("");
}

/* Leave the program the way a user does (Esc, then q until it exits), so
 * that it saves its state before the next test starts, then stop. */
__attribute__((unused)) static void tt_quit(struct tt *t)
{
	const char *esc[] = {"send-keys", "Escape", NULL};
	tt_tmux(t, NULL, esc);
	/* apart from what follows by more than the console's ESCDELAY (25 ms),
	 * or Esc and q read as one key, M-q */
	usleep(150 * 1000);
	for (int i = 0; i < 5; i++) {
		const char *q[] = {"send-keys", "q", NULL};
		tt_tmux(t, NULL, q);
		if (tt_wait_ex(t, "[exit ", 0, 1000, NULL))
			break;
	}
	tt_stop(t);
}

__attribute__((unused)) static void tt_stop(struct tt *t)
{
	if (!t->up)
		return;
	const char *args[] = {"kill-server", NULL};
	tt_tmux(t, NULL, args);
	tt_track(t->sock, 0);
	unlink(t->sock);
	t->up = 0;
}

#endif
