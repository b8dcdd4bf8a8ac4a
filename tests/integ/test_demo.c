/* test_demo.c - `ITRACE_DEMO_SMOKE=1 make demo` without make: src/demo/demo.sh
 * with the programs of ITRACE_BIN and XDG_STATE_HOME in a temp dir, TERM
 * unset (as in CI), as root or not.
 *
 *   1. first run: a new cluster, the generated data set loaded, the
 *      analysts' work replayed through itrace-cmdd (every state reached),
 *      the console in tmux shows alerts of acme, globex and initech, quits
 *      on q; then no daemon, console, tmux or PostgreSQL of the demo is
 *      left, and the token files are private;
 *   2. second run: the cluster is reused (started again, nothing loaded),
 *      the console at 80x24;
 *   3. reset: everything stopped and the directory gone.
 * Each run is bounded by timeout(1) so a hang fails instead of blocking. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "th.h"

static char xdg[512], demo[600], env_xdg[600], env_bin[1100];

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Processes whose command line names the demo's directory. */
static int count_leftovers(char *list, size_t len)
{
	int n = 0;
	size_t used = 0;
	list[0] = '\0';
	DIR *d = opendir("/proc");
	if (d == NULL)
		return -1;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		char path[300], buf[4096];
		snprintf(path, sizeof path, "/proc/%s/cmdline", de->d_name);
		FILE *f = fopen(path, "r");
		if (f == NULL)
			continue;
		size_t k = fread(buf, 1, sizeof buf - 1, f);
		fclose(f);
		for (size_t i = 0; i < k; i++)
			if (buf[i] == '\0')
				buf[i] = ' ';
		buf[k] = '\0';
		if (strstr(buf, demo) == NULL)
			continue;
		n++;
		int w = snprintf(list + used, len - used, "%s %.200s\n", de->d_name, buf);
		if (w > 0 && (size_t)w < len - used)
			used += (size_t)w;
	}
	closedir(d);
	return n;
}

static int run_demo(struct th_out *o, const char *what, const char *size)
{
	/* three days of logs instead of eight: the same chains and alerts,
	 * a third of the loading (the sanitizer pass is several times slower) */
	char sz[64];
	snprintf(sz, sizeof sz, "ITRACE_DEMO_SIZE=%s", size);
	char *const env[] = {env_xdg, env_bin, "ITRACE_DEMO_SMOKE=1", sz, "ITRACE_DEMO_DAYS=3", NULL};
	const char *argv[] = {"/usr/bin/timeout", "-k", "10", "400", "src/demo/demo.sh", what, NULL};
	return th_run(o, NULL, env, argv);
}

static void assert_nothing_left(void)
{
	char list[8192];
	int n = count_leftovers(list, sizeof list);
	if (n != 0)
		fail_msg("%d processes of the demo still running:\n%s", n, list);
	char pid[700];
	snprintf(pid, sizeof pid, "%s/pg/data/postmaster.pid", demo);
	assert_int_not_equal(access(pid, F_OK), 0);
}

static void assert_mode(const char *rel, unsigned mode)
{
	char p[800];
	struct stat st;
	snprintf(p, sizeof p, "%s/%s", demo, rel);
	assert_int_equal(stat(p, &st), 0);
	if ((st.st_mode & 0777) != mode)
		fail_msg("%s: mode %o, expected %o", rel, st.st_mode & 0777, mode);
}

static char *slurp_rel(const char *rel)
{
	char p[800];
	snprintf(p, sizeof p, "%s/%s", demo, rel);
	FILE *f = fopen(p, "r");
	if (f == NULL)
		return strdup("");
	char *buf = calloc(1, 1 << 20);
	size_t n = buf != NULL ? fread(buf, 1, (1 << 20) - 1, f) : 0;
	(void)n;
	fclose(f);
	return buf;
}

static void test_first_run(void **state)
{
	(void)state;
	struct th_out o;
	double t0 = now_s();
	int rc = run_demo(&o, "run", "120x40");
	double took = now_s() - t0;
	if (rc != 0) {
		fprintf(stderr, "stdout:\n%s\nstderr:\n%s\n", o.out, o.err);
		th_out_free(&o);
		fail_msg("demo.sh run: status %d", rc);
	}
	print_message("first run (create, load, replay, console, quit): %.1f s\n", took);
	/* the queue, as the console showed it */
	assert_non_null(strstr(o.out, "acme"));
	assert_non_null(strstr(o.out, "globex"));
	assert_non_null(strstr(o.out, "initech"));
	assert_non_null(strstr(o.out, "×"));           /* duplicates folded */
	assert_non_null(strstr(o.out, "見積書.xlsm"));  /* CJK file names */
	assert_non_null(strstr(o.err, "the queue shows acme, globex and initech"));
	assert_non_null(strstr(o.err, "nothing of the demo is left running"));
	assert_non_null(strstr(o.err, "loaded 29 alerts"));
	/* every state beyond new was reached through the API */
	char *drive = slurp_rel("log/drive.out");
	static const char *const states[] = {
		"-> claimed", "-> quick_verdict", "-> quick_published", "-> explain_needed",
		"-> explain_verdict", "-> explain_published", "-> awaiting_reply", "-> closed",
	};
	for (size_t i = 0; i < sizeof states / sizeof states[0]; i++)
		if (strstr(drive, states[i]) == NULL)
			fail_msg("no alert reached %s:\n%s", states[i] + 3, drive);
	free(drive);
	assert_nothing_left();
	assert_mode("secrets", 0700);
	assert_mode("secrets/sato.token", 0600);
	assert_mode("secrets/tanaka.token", 0600);
	assert_mode("secrets/endpoints.tokens", 0600);
	char ready[700];
	snprintf(ready, sizeof ready, "%s/ready", demo);
	assert_int_equal(access(ready, F_OK), 0);
	th_out_free(&o);
}

static void test_second_run_reuses(void **state)
{
	(void)state;
	struct th_out o;
	double t0 = now_s();
	int rc = run_demo(&o, "run", "80x24");
	double took = now_s() - t0;
	if (rc != 0) {
		fprintf(stderr, "stdout:\n%s\nstderr:\n%s\n", o.out, o.err);
		th_out_free(&o);
		fail_msg("demo.sh run (again, 80x24): status %d", rc);
	}
	print_message("second run (reuse, console at 80x24, quit): %.1f s\n", took);
	assert_non_null(strstr(o.err, "reusing"));
	assert_null(strstr(o.err, "loaded"));
	assert_non_null(strstr(o.out, "acme"));
	assert_non_null(strstr(o.out, "globex"));
	assert_non_null(strstr(o.out, "inite"));    /* "inite…" in 80 columns */
	assert_nothing_left();
	th_out_free(&o);
}

static void test_reset(void **state)
{
	(void)state;
	struct th_out o;
	int rc = run_demo(&o, "reset", "120x40");
	if (rc != 0) {
		fprintf(stderr, "%s\n", o.err);
		th_out_free(&o);
		fail_msg("demo.sh reset: status %d", rc);
	}
	struct stat st;
	assert_int_not_equal(stat(demo, &st), 0);
	assert_nothing_left();
	th_out_free(&o);
}

int main(void)
{
	/* as in CI: no terminal type; the smoke run sets its own in tmux */
	unsetenv("TERM");
	const char *bin = getenv("ITRACE_BIN");
	char cwd[512];
	if (getcwd(cwd, sizeof cwd) == NULL)
		return 1;
	if (bin == NULL || bin[0] == '\0')
		snprintf(env_bin, sizeof env_bin, "ITRACE_BIN=%s/build/bin", cwd);
	else
		snprintf(env_bin, sizeof env_bin, "ITRACE_BIN=%s", bin);
	snprintf(xdg, sizeof xdg, "%s/state", th_tmpdir());
	snprintf(demo, sizeof demo, "%s/itrace-tui/demo", xdg);
	snprintf(env_xdg, sizeof env_xdg, "XDG_STATE_HOME=%s", xdg);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_run),
		cmocka_unit_test(test_second_run_reuses),
		cmocka_unit_test(test_reset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
