/* test_sim_hostile.c - itrace-endpoint-sim facing an attacker.
 *
 * The peer in this file is NOT a stand-in for itrace-cmdd and imitates
 * none of its API. It plays a compromised or impersonated server (a
 * hijacked address, a wrong --api) that answers every request, whatever
 * its path, with something the daemon never sends: not JSON, wrong types,
 * a truncated body, duplicate keys, numbers out of range, terminal escape
 * sequences, invalid UTF-8, a NUL, error statuses, an empty body, 10 MB.
 * It checks no token, records no request and keeps no state but a count.
 *
 * So the test asserts nothing about the command API's behaviour, nor
 * about what the simulator executes: only that the simulator
 *   - logs every bad answer: a line on stderr naming the endpoint (a
 *     well-formed command with bad arguments shows as a failed command
 *     line on stdout instead),
 *   - stays up: a one-shot run ends by itself with status 0 or 1, never a
 *     signal; a long run keeps going through every answer, several times,
 *     until SIGTERM, then stops cleanly;
 *   - never copies raw escape or other control bytes to its output.
 * What the simulator does with real answers is tested against the real
 * daemon: test_sim.c and test_sim_agent.c.
 */
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
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
#include <microhttpd.h>

#include "th.h"

#define LONG_S 60.0

struct answer {
	unsigned status;
	const char *body;
	size_t len;                  /* 0: strlen(body) */
};

static const struct answer answers[] = {
	{200, "not json", 0},
	{200, "[1,2,3]", 0},
	{200, "{\"commands\":\"isolate\"}", 0},
	{200, "{\"commands\":[{\"id\":6,\"kind\":\"iso", 0},
	{200, "{\"commands\":[],\"commands\":[]}", 0},
	{200, "{\"commands\":[{\"id\":99999999999999999999999,\"kind\":\"release\"}]}", 0},
	{200, "{\"commands\":[{\"id\":7,\"kind\":\"fetch_file\",\"args\":{\"path\":\"\xff\xfe\"}}]}", 0},
	{200, "{\"commands\":[{\"id\":-1,\"kind\":\"isolate\"},{\"id\":\"12abc\",\"kind\":\"release\"},"
	      "{\"id\":3,\"kind\":\"\\u001b[31mred\"},{\"id\":4,\"kind\":\"isolate\",\"args\":\"x\"},"
	      "{\"id\":5,\"kind\":\"release\",\"args\":{}},7,null]}", 0},
	{200, "{\"commands\":[{\"id\":8,\"kind\":\"isolate\",\"args\":{\"allow\":"
	      "[{\"net\":\"999.1.1.1\",\"port\":70000},\"x\"]}}]}", 0},
	{200, "{\"commands\":[{\"id\":9,\"kind\":\"delete_file\",\"args\":{\"path\":12}},"
	      "{\"id\":10,\"kind\":\"upgrade\",\"args\":{\"version\":\"1.0\\n\\u001b]0;pwn\\u0007\"}},"
	      "{\"id\":\"11\",\"kind\":\"fetch_file\",\"args\":{\"path\":\"\"}}]}", 0},
	{200, "{\"commands\":[{\"id\":12,\"kind\":\"fetch_file\",\"args\":{\"path\":\"a\\u0000b\"}}]}", 0},
	{200, "{\"commands\":[{\"id\":13,\"kind\":\"fetch_file\",\"args\":{\"path\":\"a\x1b[2Jb\"}}]}", 0},
	{500, "{\"error\":{\"code\":\"internal\",\"message\":\"\\u001b[2Jboom\"}}", 0},
	{502, "\x1b]0;owned\x07 gateway", 0},
	{401, "", 0},
	{200, "", 0},
};
#define NANSWERS (sizeof answers / sizeof answers[0])

/* ------------------------------------------------------------ the peers */

/* One listening peer per answer (fixed), plus one that cycles through them
 * all (fixed NULL). Each answer closes its connection. (That also keeps
 * the runs short: on a reused connection, an answer already there when
 * the simulator has sent its request waits for the simulator's next 1 s
 * loop tick; see the main loop of src/sim/run.c.) */
struct peer {
	struct MHD_Daemon *d;
	int port;
	const struct answer *fixed;
	pthread_mutex_t mu;
	size_t served;
};

static struct peer peers[NANSWERS + 2];
#define HUGE_PEER (&peers[NANSWERS])
#define CYCLE_PEER (&peers[NANSWERS + 1])
static struct answer huge;

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *data, size_t *data_size, void **con_cls)
{
	(void)url;
	(void)method;
	(void)version;
	(void)data;
	struct peer *p = cls;
	if (*con_cls == NULL) {      /* headers: nothing to look at */
		*con_cls = p;
		return MHD_YES;
	}
	if (*data_size > 0) {        /* the body: thrown away */
		*data_size = 0;
		return MHD_YES;
	}
	pthread_mutex_lock(&p->mu);
	const struct answer *a = p->fixed != NULL ? p->fixed : &answers[p->served % NANSWERS];
	p->served++;
	pthread_mutex_unlock(&p->mu);
	struct MHD_Response *r = MHD_create_response_from_buffer(
		a->len != 0 ? a->len : strlen(a->body), (void *)a->body, MHD_RESPMEM_PERSISTENT);
	MHD_add_response_header(r, "Content-Type", "application/json");
	MHD_add_response_header(r, "Connection", "close");
	enum MHD_Result ok = MHD_queue_response(c, a->status, r);
	MHD_destroy_response(r);
	return ok;
}

static size_t served(struct peer *p)
{
	pthread_mutex_lock(&p->mu);
	size_t n = p->served;
	pthread_mutex_unlock(&p->mu);
	return n;
}

static int peer_start(struct peer *p, const struct answer *fixed)
{
	p->fixed = fixed;
	pthread_mutex_init(&p->mu, NULL);
	p->d = MHD_start_daemon(MHD_USE_AUTO | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG,
	                        0, NULL, NULL, on_request, p,
	                        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30, MHD_OPTION_END);
	if (p->d == NULL)
		return -1;
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(p->d, MHD_DAEMON_INFO_BIND_PORT);
	p->port = info != NULL ? info->port : 0;
	return p->port > 0 ? 0 : -1;
}

static int setup(void **state)
{
	(void)state;
	static const char head[] = "{\"commands\":[],\"pad\":\"";
	size_t pad = 10u << 20;
	char *b = malloc(sizeof head + pad + 2);
	if (b == NULL)
		return -1;
	memcpy(b, head, sizeof head - 1);
	memset(b + sizeof head - 1, 'A', pad);
	memcpy(b + sizeof head - 1 + pad, "\"}", 3);
	huge = (struct answer){200, b, strlen(b)};
	for (size_t i = 0; i < NANSWERS; i++)
		if (peer_start(&peers[i], &answers[i]) != 0)
			return -1;
	if (peer_start(HUGE_PEER, &huge) != 0 || peer_start(CYCLE_PEER, NULL) != 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof peers / sizeof peers[0]; i++)
		if (peers[i].d != NULL)
			MHD_stop_daemon(peers[i].d);
	free((char *)huge.body);
	return 0;
}

/* ------------------------------------------------------- the simulator */

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A whole file; its length in *len (it may hold NULs). */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 4096, n = 0, got;
	char *b = malloc(cap);
	while (f != NULL && (got = fread(b + n, 1, cap - n - 1, f)) > 0) {
		n += got;
		if (cap - n < 2) {
			cap *= 2;
			b = realloc(b, cap);
		}
	}
	if (f != NULL)
		fclose(f);
	b[n] = '\0';
	*len = n;
	return b;
}

struct sim {
	pid_t pid;
	char out[512], err[512];
};

/* Simulators a failed assertion left running: killed at exit. */
static struct sim sims[NANSWERS + 2];

static void kill_sims(void)
{
	for (size_t i = 0; i < sizeof sims / sizeof sims[0]; i++) {
		if (sims[i].pid > 0) {
			kill(sims[i].pid, SIGKILL);
			waitpid(sims[i].pid, NULL, 0);
			sims[i].pid = 0;
		}
	}
}

static const char *tokens(void)
{
	static char path[512];
	if (path[0] == '\0') {
		static const char t[] = "h1 not-a-token-of-any-daemon-0123456789\n";
		snprintf(path, sizeof path, "%s", th_write_file("hostile.tokens", t, sizeof t - 1));
		chmod(path, 0600);
	}
	return path;
}

/* The simulator against one peer, heartbeats 50 ms apart (and so its
 * retries, which it caps at the interval). */
static void sim_start(struct sim *s, const char *name, const struct peer *p,
                      const char *const *extra)
{
	snprintf(s->out, sizeof s->out, "%s/%s.out", th_tmpdir(), name);
	snprintf(s->err, sizeof s->err, "%s/%s.err", th_tmpdir(), name);
	char api[64];
	snprintf(api, sizeof api, "http://127.0.0.1:%d", p->port);
	const char *argv[16] = {th_bin("itrace-endpoint-sim"), "--api", api, "--tokens", tokens(),
	                        "--interval", "0.05"};
	size_t n = 7;
	for (size_t i = 0; extra[i] != NULL && n < 15; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	s->pid = fork();
	assert_true(s->pid >= 0);
	if (s->pid == 0) {
		int o = open(s->out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int e = open(s->err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int in = open("/dev/null", O_RDONLY);
		if (o < 0 || e < 0 || in < 0)
			_exit(126);
		dup2(in, 0);
		dup2(o, 1);
		dup2(e, 2);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
}

/* Exit status, or 128+signal; fails when still running after LONG_S. */
static int sim_wait(struct sim *s)
{
	double end = mono() + LONG_S;
	int st = 0;
	pid_t r;
	while ((r = waitpid(s->pid, &st, WNOHANG)) == 0 && mono() < end)
		usleep(20 * 1000);
	if (r == 0) {
		kill(s->pid, SIGKILL);
		waitpid(s->pid, &st, 0);
	}
	s->pid = 0;
	if (r == 0)
		fail_msg("%s: the simulator still ran after %.0f s", s->err, LONG_S);
	/* A sanitizer report exits with status 1 too: not a clean exit. */
	size_t len;
	char *e = slurp(s->err, &len);
	if (strstr(e, "Sanitizer") != NULL || strstr(e, "runtime error:") != NULL)
		fail_msg("%s: sanitizer report:\n%s", s->err, e);
	free(e);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* No byte below 0x20 but newline and tab, no DEL. */
static void assert_no_controls(const char *path)
{
	size_t len;
	char *s = slurp(path, &len);
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];
		if ((ch < 0x20 && ch != '\n' && ch != '\t') || ch == 0x7f)
			fail_msg("%s: raw control byte 0x%02x at offset %zu:\n%s", path, ch, i, s);
	}
	free(s);
}

static bool has(const char *path, const char *needle)
{
	size_t len;
	char *s = slurp(path, &len);
	bool yes = strstr(s, needle) != NULL;
	free(s);
	return yes;
}

/* ----------------------------------------------------------------- cases */

/* One sync against each answer, all at once: each run ends by itself,
 * has logged the answer, and wrote no control byte. */
static void test_each_answer_once(void **state)
{
	(void)state;
	for (size_t i = 0; i < NANSWERS; i++) {
		char name[32];
		snprintf(name, sizeof name, "once-%zu", i);
		sim_start(&sims[i], name, &peers[i], (const char *[]){"--once", NULL});
	}
	for (size_t i = 0; i < NANSWERS; i++) {
		struct sim *s = &sims[i];
		char err[512], out[512];
		snprintf(err, sizeof err, "%s", s->err);
		snprintf(out, sizeof out, "%s", s->out);
		int rc = sim_wait(s);
		if (rc != 0 && rc != 1)
			fail_msg("answer %zu: exit status %d", i, rc);
		if (!has(err, "itrace-endpoint-sim: h1: ") && !has(out, " -> failed\n")) {
			size_t len;
			fail_msg("answer %zu left no trace; stderr:\n%s", i, slurp(err, &len));
		}
		assert_no_controls(out);
		assert_no_controls(err);
	}
}

/* 10 MB: refused by size, logged. */
static void test_huge_answer(void **state)
{
	(void)state;
	struct sim *s = &sims[0];
	sim_start(s, "huge", HUGE_PEER, (const char *[]){"--once", NULL});
	assert_int_equal(sim_wait(s), 1);
	assert_true(has(s->err, "answer too large"));
	assert_no_controls(s->out);
	assert_no_controls(s->err);
}

/* A long run through every answer, three times over: still running, then
 * a clean stop on SIGTERM. */
static void test_stays_up(void **state)
{
	(void)state;
	struct sim *s = &sims[0];
	sim_start(s, "long", CYCLE_PEER, (const char *[]){"--duration", "300", NULL});
	double end = mono() + LONG_S;
	while (served(CYCLE_PEER) < 3 * NANSWERS && mono() < end)
		usleep(20 * 1000);
	size_t n = served(CYCLE_PEER);
	int st;
	if (n < 3 * NANSWERS || waitpid(s->pid, &st, WNOHANG) != 0) {
		kill_sims();
		fail_msg("%zu answers served; the simulator %s", n,
		         n < 3 * NANSWERS ? "stalled" : "is gone");
	}
	kill(s->pid, SIGTERM);
	assert_int_equal(sim_wait(s), 0);
	assert_true(has(s->err, "itrace-endpoint-sim: h1: heartbeat failed"));
	assert_true(has(s->err, "itrace-endpoint-sim: h1: bad heartbeat answer"));
	assert_true(has(s->err, "(stopped by signal)"));
	assert_no_controls(s->out);
	assert_no_controls(s->err);
	print_message("%zu hostile answers served, simulator up until SIGTERM\n", n);
}

int main(void)
{
	atexit(kill_sims);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_answer_once),
		cmocka_unit_test(test_huge_answer),
		cmocka_unit_test(test_stays_up),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
