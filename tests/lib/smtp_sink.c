/* smtp_sink.c - tests/lib/smtp_sink.py from C; see smtp_sink.h. */
#include "smtp_sink.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "th.h"

#define PY "/usr/bin/python3"
#define SINK "tests/lib/smtp_sink.py"

static pid_t live[16];

static void live_set(pid_t pid, bool add)
{
	for (size_t i = 0; i < sizeof live / sizeof live[0]; i++) {
		if (add ? live[i] == 0 : live[i] == pid) {
			live[i] = add ? pid : 0;
			return;
		}
	}
}

static void reap_all(void)
{
	for (size_t i = 0; i < sizeof live / sizeof live[0]; i++) {
		if (live[i] > 0) {
			kill(live[i], SIGTERM);
			waitpid(live[i], NULL, 0);
			live[i] = 0;
		}
	}
}

bool smtp_sink_usable(void)
{
	if (access(PY, X_OK) != 0 || access(SINK, R_OK) != 0) {
		fprintf(stderr, "smtp sink: needs %s and %s (run from the top directory)\n", PY,
		        SINK);
		return false;
	}
	if (system(PY " -c 'import aiosmtpd' 2>/dev/null") != 0) {
		fprintf(stderr, "smtp sink: needs python3-aiosmtpd\n");
		return false;
	}
	return true;
}

int smtp_sink_start(struct smtp_sink *s, int port, const char *const *extra)
{
	static int n;
	static bool hooked;
	if (!hooked) {
		atexit(reap_all);
		hooked = true;
	}
	memset(s, 0, sizeof *s);
	snprintf(s->dir, sizeof s->dir, "%s/sink%d-%d", th_tmpdir(), (int)getpid(), n++);
	mkdir(s->dir, 0755);
	char portarg[16];
	snprintf(portarg, sizeof portarg, "%d", port);
	const char *argv[16] = {PY, SINK, "--dir", s->dir, "--port", portarg};
	size_t k = 6;
	for (size_t i = 0; extra != NULL && extra[i] != NULL && k < 15; i++)
		argv[k++] = extra[i];
	argv[k] = NULL;
	s->pid = fork();
	if (s->pid < 0)
		return -1;
	if (s->pid == 0) {
		execv(PY, (char *const *)argv);
		_exit(127);
	}
	live_set(s->pid, true);
	char pf[600];
	snprintf(pf, sizeof pf, "%s/port", s->dir);
	for (int i = 0; i < 200; i++) {
		FILE *f = fopen(pf, "r");
		if (f != NULL) {
			int ok = fscanf(f, "%d", &s->port) == 1;
			fclose(f);
			if (ok)
				return 0;
		}
		usleep(50 * 1000);
	}
	smtp_sink_stop(s);
	return -1;
}

void smtp_sink_stop(struct smtp_sink *s)
{
	if (s->pid > 0) {
		kill(s->pid, SIGTERM);
		waitpid(s->pid, NULL, 0);
		live_set(s->pid, false);
		s->pid = 0;
	}
}

const char *smtp_sink_url(const struct smtp_sink *s, char *buf, size_t n)
{
	snprintf(buf, n, "smtp://127.0.0.1:%d", s->port);
	return buf;
}

int smtp_sink_count(const struct smtp_sink *s)
{
	int n = 0;
	char p[600];
	for (int i = 1; i < 1000; i++) {
		snprintf(p, sizeof p, "%s/msg-%04d.json", s->dir, i);
		if (access(p, F_OK) != 0)
			break;
		n++;
	}
	return n;
}

int smtp_sink_wait(const struct smtp_sink *s, int n, int ms)
{
	int got = smtp_sink_count(s);
	for (int i = 0; got < n && i < ms / 50; i++) {
		usleep(50 * 1000);
		got = smtp_sink_count(s);
	}
	return got;
}

json_t *smtp_sink_msg(const struct smtp_sink *s, int i)
{
	char p[600];
	snprintf(p, sizeof p, "%s/msg-%04d.json", s->dir, i);
	json_error_t e;
	json_t *rec = json_load_file(p, 0, &e);
	if (rec == NULL) {
		fprintf(stderr, "smtp sink: %s: %s\n", p, e.text);
		return NULL;
	}
	json_t *m = json_object_get(rec, "parsed");
	m = json_is_object(m) ? json_deep_copy(m) : json_object();
	json_object_set(m, "mail_from", json_object_get(rec, "mail_from"));
	json_object_set(m, "rcpt_tos", json_object_get(rec, "rcpt_tos"));
	json_object_set(m, "raw", json_object_get(rec, "data"));
	json_decref(rec);
	return m;
}
