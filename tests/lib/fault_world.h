/* fault_world.h - real processes for the fault and concurrency tests
 * (tests/integ/test_faults.c, test_concurrency.c).
 *
 * Header-only (static functions, each test program its own copy), to be
 * included after <cmocka.h>: itrace-endpoint-sim started with its stdout
 * (one "HOST command ID KIND -> STATE" line per command executed) and its
 * stderr in separate files, the simulator's command lines counted per id,
 * API calls that parse the answer, database polls with a timeout, the
 * console in tmux (../tui/tt.h), and an exit hook that stops whatever a
 * failed assertion left running (daemons, simulators, tmux servers).
 */
#ifndef ITRACE_FAULT_WORLD_H
#define ITRACE_FAULT_WORLD_H

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <jansson.h>
#include <libpq-fe.h>

#include "cmdd_helper.h"
#include "th.h"

/* ------------------------------------------------------------ processes */

/* Children still running (by pid: a failed assertion leaves the stack of
 * the test, and the struct cmdd on it, behind). */
#define FW_MAXPROC 16
static pid_t fw_pids[FW_MAXPROC];

static void fw_cleanup(void)
{
	for (int i = 0; i < FW_MAXPROC; i++) {
		if (fw_pids[i] > 0) {
			kill(fw_pids[i], SIGKILL);
			waitpid(fw_pids[i], NULL, 0);
			fw_pids[i] = 0;
		}
	}
}

static void fw_register(void)
{
	static int done;
	if (!done) {
		atexit(fw_cleanup);
		done = 1;
	}
}

static void fw_track_pid(pid_t pid, int add)
{
	fw_register();
	for (int i = 0; i < FW_MAXPROC; i++) {
		if (add && fw_pids[i] == 0) {
			fw_pids[i] = pid;
			return;
		}
		if (!add && fw_pids[i] == pid) {
			fw_pids[i] = 0;
			return;
		}
	}
}

/* A daemon just started by cmdd_start: killed at exit (or by
 * fw_cleanup) unless fw_daemon_stop or fw_daemon_kill ends it first. */
__attribute__((unused)) static void fw_track_daemon(const struct cmdd *d)
{
	if (d->pid > 0)
		fw_track_pid(d->pid, 1);
}

/* cmdd_stop (SIGTERM, exit status) and forget it. */
__attribute__((unused)) static int fw_daemon_stop(struct cmdd *d)
{
	pid_t pid = d->pid;
	int st = cmdd_stop(d);
	if (pid > 0)
		fw_track_pid(pid, 0);
	return st;
}

/* SIGKILL, as a crash does. */
__attribute__((unused)) static void fw_daemon_kill(struct cmdd *d)
{
	if (d->pid <= 0)
		return;
	kill(d->pid, SIGKILL);
	waitpid(d->pid, NULL, 0);
	fw_track_pid(d->pid, 0);
	d->pid = 0;
}

static long fw_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

struct fw_sim {
	pid_t pid;
	char out[512], err[512];
};

/* itrace-endpoint-sim --api URL --tokens FILE --wait [extra...]; stdout
 * and stderr to files named after tag. 0 or -1. */
__attribute__((unused)) static int fw_sim_start(struct fw_sim *s, const char *url,
                                                const char *tokens, const char *tag,
                                                const char *const *extra)
{
	memset(s, 0, sizeof *s);
	snprintf(s->out, sizeof s->out, "%s/%s.out", th_tmpdir(), tag);
	snprintf(s->err, sizeof s->err, "%s/%s.err", th_tmpdir(), tag);
	const char *argv[32];
	int k = 0;
	argv[k++] = th_bin("itrace-endpoint-sim");
	argv[k++] = "--api";
	argv[k++] = url;
	argv[k++] = "--tokens";
	argv[k++] = tokens;
	argv[k++] = "--wait";
	for (int i = 0; extra != NULL && extra[i] != NULL && k < 31; i++)
		argv[k++] = extra[i];
	argv[k] = NULL;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM);   /* a test killed by a timeout */
		int o = open(s->out, O_WRONLY | O_CREAT | O_APPEND, 0644);
		int e = open(s->err, O_WRONLY | O_CREAT | O_APPEND, 0644);
		int in = open("/dev/null", O_RDONLY);
		if (o < 0 || e < 0 || in < 0)
			_exit(126);
		dup2(in, 0);
		dup2(o, 1);
		dup2(e, 2);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	s->pid = pid;
	fw_track_pid(pid, 1);
	return 0;
}

/* SIGTERM, wait up to 15 s, SIGKILL after. Exit status or 128+signal. */
__attribute__((unused)) static int fw_sim_stop(struct fw_sim *s)
{
	if (s->pid <= 0)
		return -1;
	kill(s->pid, SIGTERM);
	int st = 0;
	long end = fw_ms() + 15000;
	pid_t r;
	while ((r = waitpid(s->pid, &st, WNOHANG)) == 0 && fw_ms() < end)
		usleep(20000);
	if (r == 0) {
		kill(s->pid, SIGKILL);
		waitpid(s->pid, &st, 0);
	}
	fw_track_pid(s->pid, 0);
	s->pid = 0;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static char *fw_slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return strdup("");
	size_t cap = 65536, n = 0;
	char *b = malloc(cap + 1);
	size_t got;
	while (b != NULL && (got = fread(b + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			char *nb = realloc(b, cap * 2 + 1);
			if (nb == NULL)
				break;
			b = nb;
			cap *= 2;
		}
	}
	fclose(f);
	if (b == NULL)
		return strdup("");
	b[n] = '\0';
	return b;
}

/* The simulator's command lines: how many for command id (any host and
 * result); with done_out, how many of them ended "-> done". */
__attribute__((unused)) static int fw_sim_lines(const struct fw_sim *s, long id, int *done_out)
{
	char *text = fw_slurp(s->out);
	int n = 0, done = 0;
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		char host[256], kind[64], st[32];
		long got;
		if (sscanf(line, "%255s command %ld %63s -> %31s", host, &got, kind, st) == 4 &&
		    got == id) {
			n++;
			done += strcmp(st, "done") == 0;
		}
	}
	free(text);
	if (done_out != NULL)
		*done_out = done;
	return n;
}

/* A file of "HOST TOKEN" lines, mode 600, for the simulator. */
__attribute__((unused)) static const char *fw_tokens_file(const char *name, const char *const *hosts,
                                                          char *const *tokens, int n)
{
	size_t cap = 256;
	for (int i = 0; i < n; i++)
		cap += strlen(hosts[i]) + strlen(tokens[i]) + 2;
	char *buf = malloc(cap);
	size_t len = 0;
	for (int i = 0; i < n && buf != NULL; i++)
		len += (size_t)snprintf(buf + len, cap - len, "%s %s\n", hosts[i], tokens[i]);
	const char *p = th_write_file(name, buf != NULL ? buf : "", len);
	chmod(p, 0600);
	free(buf);
	return p;
}

/* ------------------------------------------------------------------ API */

/* One request; the answer parsed (JSON null when it is not JSON), the
 * status in *status (0: no answer). */
__attribute__((unused)) static json_t *fw_api(const struct cmdd *d, const char *method,
                                              const char *path, const char *token,
                                              const char *key, const char *body, long *status)
{
	struct cmdd_resp r;
	cmdd_http(d, method, path, token, key, body, body != NULL ? strlen(body) : 0, &r);
	*status = r.status;
	json_t *j = r.body != NULL && r.len > 0 ? json_loads(r.body, 0, NULL) : NULL;
	cmdd_resp_free(&r);
	return j != NULL ? j : json_null();
}

__attribute__((unused)) static long fw_int(json_t *j, const char *key)
{
	return (long)json_integer_value(json_object_get(j, key));
}

__attribute__((unused)) static const char *fw_str(json_t *j, const char *key)
{
	const char *s = json_string_value(json_object_get(j, key));
	return s != NULL ? s : "";
}

__attribute__((unused)) static const char *fw_errcode(json_t *j)
{
	return fw_str(json_object_get(j, "error"), "code");
}

/* GET /v1/health until 200, at most ms. 1 when it answered 200. */
__attribute__((unused)) static int fw_health_wait(const struct cmdd *d, int ms)
{
	long end = fw_ms() + ms;
	for (;;) {
		long st;
		json_decref(fw_api(d, "GET", "/v1/health", NULL, NULL, NULL, &st));
		if (st == 200)
			return 1;
		if (fw_ms() > end)
			return 0;
		usleep(100 * 1000);   /* poll interval */
	}
}

/* ------------------------------------------------------------- database */

/* Connect, retrying for up to ms (the server may be restarting). */
__attribute__((unused)) static PGconn *fw_connect_wait(const char *conninfo, int ms)
{
	long end = fw_ms() + ms;
	for (;;) {
		PGconn *c = PQconnectdb(conninfo);
		if (PQstatus(c) == CONNECTION_OK) {
			PQsetNoticeProcessor(c, NULL, NULL);
			return c;
		}
		PQfinish(c);
		if (fw_ms() > end)
			return NULL;
		usleep(100 * 1000);
	}
}

/* The first cell of a query (malloc'd, "" for NULL or no row), on a
 * connection of its own, NULL on error. */
__attribute__((unused)) static char *fw_sql(const char *conninfo, const char *sql)
{
	PGconn *c = PQconnectdb(conninfo);
	char *v = NULL;
	if (PQstatus(c) == CONNECTION_OK) {
		PQsetNoticeProcessor(c, NULL, NULL);
		PGresult *r = PQexec(c, sql);
		if (PQresultStatus(r) == PGRES_TUPLES_OK)
			v = strdup(PQntuples(r) > 0 && !PQgetisnull(r, 0, 0) ? PQgetvalue(r, 0, 0) : "");
		PQclear(r);
	}
	PQfinish(c);
	return v;
}

__attribute__((unused)) static long fw_sql_num(const char *conninfo, const char *sql)
{
	char *v = fw_sql(conninfo, sql);
	long n = v != NULL && v[0] != '\0' ? strtol(v, NULL, 10) : -1;
	free(v);
	return n;
}

/* Poll a query until its value is want, at most ms; fails the test with
 * the last value otherwise. */
#define FW_WAIT_SQL(ci, want, ms, ...) do { \
	char q_[1024]; \
	snprintf(q_, sizeof q_, __VA_ARGS__); \
	long end_ = fw_ms() + (ms); \
	char *v_ = NULL; \
	for (;;) { \
		free(v_); \
		v_ = fw_sql((ci), q_); \
		if (v_ != NULL && strcmp(v_, (want)) == 0) \
			break; \
		if (fw_ms() > end_) { \
			char got_[256]; \
			snprintf(got_, sizeof got_, "%s", v_ != NULL ? v_ : "(error)"); \
			free(v_); \
			fail_msg("%s: want \"%s\", got \"%s\" after %d ms", q_, (want), got_, (ms)); \
		} \
		usleep(50 * 1000); /* poll interval */ \
	} \
	free(v_); \
} while (0)

#endif
