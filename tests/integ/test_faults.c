/* test_faults.c - faults under real processes, no mocks (issue 6, item 3):
 *
 *   1. PostgreSQL restarted (ITRACE_TEST_PGCTL: pg_ctl restart -m fast)
 *      under a running console (tmux), daemon and simulator: the daemon
 *      answers /v1/health 200 again and takes a new action, the simulator
 *      executes a command queued after the restart, the console shows its
 *      stale banner, clears it and shows changes made after the restart.
 *   2. A verdict sent from the console while the daemon is down shows as
 *      failed, not done; `r` once the daemon is back sends it again with
 *      the same Idempotency-Key: the verdict is stored, one audit row.
 *   2b. The same while the daemon runs but cannot reach the database (its
 *      connections refused): 503 db_unavailable is shown as failed, not
 *      refused, and `r` sends it again with the same key once it is back.
 *   3. The daemon killed with SIGKILL around a command: (a) queued, then
 *      killed before the endpoint fetched it; (b) killed while the
 *      heartbeat that delivers it is in the database (its statement then
 *      commits with nobody to answer). After a restart on the same port
 *      the command reaches the endpoint exactly once and ends done; the
 *      isolate POST repeated with its Idempotency-Key answers the same
 *      command and queues none.
 *   4. A rejects file on a full disk (/dev/full): itrace-ingest exits 2
 *      and names the file.
 * Times: the daemons believe it is Wednesday 2026-11-25 10:00 JST
 * (business hours, ITRACE_FAKE_NOW). Every wait is a poll with a timeout.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fault_world.h"
#include "../tui/tt.h"

#define NOW_INSIDE "ITRACE_FAKE_NOW=2026-11-25T01:00:00Z"
#define LONG_MS 30000   /* a loaded two-core machine: generous polls */

static struct {
	char *db;
	char *alice, *bob;
	char *tok[4];                 /* endpoint tokens: flt1, flt3a, flt3b, flt4 */
	long ep[4];
	char alice_file[512];
} W;

static const char *const hosts[4] = {"flt1", "flt3a", "flt3b", "flt4"};


static int setup(void **state)
{
	(void)state;
	W.db = th_db_new_migrated();
	if (W.db == NULL)
		return -1;
	free(cmdd_admin_or_die(W.db, "tenant", "add", "acme", "--allow", "10.0.0.0/8:443", "--service-start",
	           "2025-01-01", (char *)NULL));
	W.alice = cmdd_admin_or_die(W.db, "token", "add", "--analyst", "alice", "--role", "analyst", (char *)NULL);
	W.bob = cmdd_admin_or_die(W.db, "token", "add", "--analyst", "bob", "--role", "analyst", (char *)NULL);
	for (int i = 0; i < 4; i++) {
		W.tok[i] = cmdd_admin_or_die(W.db, "token", "add", "--endpoint", hosts[i], "--tenant", "acme",
		                 (char *)NULL);
		char sql[128];
		snprintf(sql, sizeof sql, "SELECT id FROM endpoint WHERE name = '%s'", hosts[i]);
		W.ep[i] = fw_sql_num(W.db, sql);
		if (W.ep[i] <= 0)
			return -1;
	}
	snprintf(W.alice_file, sizeof W.alice_file, "%s",
	         th_write_file("alice.token", W.alice, strlen(W.alice)));
	chmod(W.alice_file, 0600);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fw_cleanup();
	th_db_drop(W.db);
	free(W.alice);
	free(W.bob);
	for (int i = 0; i < 4; i++)
		free(W.tok[i]);
	return 0;
}

/* A daemon inside business hours; listen "" for any port, else
 * "127.0.0.1:PORT" (a restart on the same address). */
static void daemon_start(struct cmdd *d, const char *listen)
{
	static char env_in[] = NOW_INSIDE;
	char *env[] = {env_in, NULL};
	const char *args[] = {"--job-interval", "1", "--listen", listen, NULL};
	if (listen[0] == '\0')
		args[2] = NULL;
	assert_int_equal(cmdd_start(d, W.db, args, env), 0);
	fw_track_daemon(d);
}

/* A new alert from endpoint i; returns its id. */
static long new_alert(const struct cmdd *d, int i, const char *file)
{
	static int n;
	char body[1024];
	snprintf(body, sizeof body,
	         "{\"detected_at\":\"2026-11-25T00:%02d:00Z\",\"path\":\"C:\\\\Users\\\\u\\\\Downloads"
	         "\\\\%s\",\"sha256\":\"%064x\",\"detection\":\"Trojan:Win32/Fault\","
	         "\"action\":\"blocked\"}", n % 60, file, 0xf0000 + n);
	n++;
	long st = 0;
	json_t *j = NULL;
	/* 503 while the daemon reconnects: the upload is idempotent, send again */
	for (long end = fw_ms() + LONG_MS;;) {
		json_decref(j);
		j = fw_api(d, "POST", "/v1/agent/alerts", W.tok[i], NULL, body, &st);
		if (st != 503 || fw_ms() > end)
			break;
		usleep(100 * 1000);
	}
	if (st != 201)
		fail_msg("alert %s: %ld", file, st);
	long id = fw_int(j, "id");
	json_decref(j);
	return id;
}

/* POST with an Idempotency-Key, sent again (same key) while the answer is
 * 503 db_unavailable; *n503 counts those. Returns the answer. */
static json_t *post_retry(const struct cmdd *d, const char *path, const char *token,
                          const char *key, const char *body, long *status, int *n503)
{
	json_t *j = NULL;
	for (long end = fw_ms() + LONG_MS;;) {
		json_decref(j);
		j = fw_api(d, "POST", path, token, key, body, status);
		if (*status != 503 || fw_ms() > end)
			return j;
		(*n503)++;
		usleep(100 * 1000);
	}
}

static void console_start(struct tt *t, const struct cmdd *d, const char *tag)
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
	                     cfg, st, th_bin("itrace-tui"), W.db, d->url, W.alice_file) > 0);
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

/* Wait until command id is done in the database and return how many
 * command lines the simulator printed for it (and how many said done). */
static int command_reached(const struct fw_sim *s, long id, int *done)
{
	FW_WAIT_SQL(W.db, "done", LONG_MS, "SELECT state FROM command WHERE id = %ld", id);
	/* the simulator prints before it posts the result: the line is there */
	return fw_sim_lines(s, id, done);
}

/* ------------------------------------------------------------ 1. restart */

static void test_pg_restart(void **state)
{
	(void)state;
	const char *ctl = getenv("ITRACE_TEST_PGCTL");
	if (ctl == NULL || ctl[0] == '\0') {
		print_message("ITRACE_TEST_PGCTL not set: PostgreSQL restart not tested\n");
		skip();
	}
	struct cmdd d;
	daemon_start(&d, "");
	long before = new_alert(&d, 0, "pgr-before.exe");
	const char *toks = fw_tokens_file("flt1.tokens", &hosts[0], &W.tok[0], 1);
	struct fw_sim sim;
	assert_int_equal(fw_sim_start(&sim, d.url, toks, "sim-restart", NULL), 0);
	FW_WAIT_SQL(W.db, "t", LONG_MS, "SELECT last_seen IS NOT NULL FROM endpoint WHERE id = %ld",
	            W.ep[0]);
	struct tt t;
	console_start(&t, &d, "restart");
	TT_WAIT(&t, "pgr-before.exe", LONG_MS);
	TT_WAIT(&t, "API ok", LONG_MS);
	TT_WAIT(&t, "DB ok", LONG_MS);

	/* the restart runs in a child while the screen is watched: the banner
	 * may come and go within a few seconds */
	long t0 = fw_ms();
	pid_t r = fork();
	assert_true(r >= 0);
	if (r == 0) {
		int fd = open("/dev/null", O_WRONLY);
		dup2(fd, 1);
		execl("/bin/sh", "sh", "-c", ctl, (char *)NULL);
		_exit(127);
	}
	fw_track_pid(r, 1);
	TT_WAIT(&t, "stale since", LONG_MS);
	long t_banner = fw_ms() - t0;
	int st = 0;
	waitpid(r, &st, 0);
	fw_track_pid(r, 0);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	long t_pg = fw_ms() - t0;
	PGconn *c = fw_connect_wait(W.db, LONG_MS);
	assert_non_null(c);
	PQfinish(c);
	/* the daemon by itself */
	assert_true(fw_health_wait(&d, LONG_MS));
	long t_health = fw_ms() - t0;
	/* the console by itself: the banner goes */
	TT_WAIT_GONE(&t, "stale since", LONG_MS);
	long t_console = fw_ms() - t0;

	/* a new action through the daemon (503 while a worker reconnects is
	 * retried with the same key, as any client does) */
	int n503 = 0;
	long status;
	char path[96];
	snprintf(path, sizeof path, "/v1/alerts/%ld/claim", before);
	json_t *j = post_retry(&d, path, W.bob, "pgr-claim-1", "{}", &status, &n503);
	if (status != 200)
		fail_msg("claim after restart: %ld %s", status, json_dumps(j, 0));
	assert_string_equal(fw_str(j, "claimed_by"), "bob");
	json_decref(j);
	long after = new_alert(&d, 0, "pgr-after.exe");
	assert_true(after > before);
	/* the console shows both changes, made after the restart */
	TT_WAIT(&t, "pgr-after.exe", LONG_MS);
	TT_WAIT(&t, "bob", LONG_MS);
	TT_WAIT(&t, "DB ok", LONG_MS);

	/* the simulator kept heartbeating: a command queued now is executed */
	snprintf(path, sizeof path, "/v1/endpoints/%ld/isolate", W.ep[0]);
	j = post_retry(&d, path, W.alice, "pgr-isolate-1", "{\"reason\":\"after restart\"}",
	               &status, &n503);
	if (status != 202)
		fail_msg("isolate after restart: %ld %s", status, json_dumps(j, 0));
	long cmd = fw_int(j, "id");
	json_decref(j);
	long t_cmd0 = fw_ms();
	int done = 0;
	assert_int_equal(command_reached(&sim, cmd, &done), 1);
	assert_int_equal(done, 1);
	long t_cmd = fw_ms() - t_cmd0;
	FW_WAIT_SQL(W.db, "isolated", LONG_MS, "SELECT isolation FROM endpoint WHERE id = %ld",
	            W.ep[0]);
	print_message("restart: banner after %ld ms, pg back %ld ms, health 200 %ld ms, console "
	              "clear %ld ms; %d x 503 before the claim; command %ld reached the endpoint "
	              "in %ld ms, once\n", t_banner, t_pg, t_health, t_console, n503, cmd, t_cmd);
	tt_quit(&t);
	assert_int_equal(fw_sim_stop(&sim), 0);
	assert_int_equal(fw_daemon_stop(&d), 0);
}

/* ----------------------------------------------- 2. verdict, daemon down */

static void test_verdict_daemon_down(void **state)
{
	(void)state;
	struct cmdd d;
	daemon_start(&d, "");
	long id = new_alert(&d, 3, "vd-down.exe");
	char path[96], listen[40], sql[256];
	snprintf(path, sizeof path, "/v1/alerts/%ld/claim", id);
	long status;
	json_decref(fw_api(&d, "POST", path, W.alice, NULL, "{}", &status));
	assert_int_equal(status, 200);
	struct tt t;
	console_start(&t, &d, "vdown");
	TT_WAIT(&t, "vd-down.exe", LONG_MS);
	TT_WAIT(&t, "API ok", LONG_MS);
	select_alert(&t, "vd-down");

	/* the daemon goes; the verdict is given */
	snprintf(listen, sizeof listen, "127.0.0.1:%d", d.port);
	assert_int_equal(fw_daemon_stop(&d), 0);
	tt_keys(&t, "v", NULL);
	TT_WAIT(&t, "Verdict for #", 5000);
	tt_keys(&t, "b", "Tab", NULL);
	tt_type(&t, "sent while the daemon is down");
	tt_keys(&t, "Enter", NULL);
	TT_WAIT(&t, "r retries with the same key", LONG_MS);
	char *scr = tt_capture(&t);
	char want[64];
	snprintf(want, sizeof want, "verdict #%ld", id);
	if (strstr(scr, want) == NULL || strstr(scr, ": failed") == NULL ||
	    strstr(scr, "done") != NULL)
		fail_msg("the verdict should show as failed, not done:\n%s", scr);
	free(scr);
	snprintf(sql, sizeof sql,
	         "SELECT coalesce(quick_verdict, '-') || ' ' || (SELECT count(*) FROM audit WHERE"
	         " object = 'alert:%ld' AND action = 'alert.verdict_quick') FROM alert WHERE id = %ld",
	         id, id);
	char *v = fw_sql(W.db, sql);
	assert_non_null(v);
	assert_string_equal(v, "- 0");
	free(v);

	/* back on the same port; r sends it again with the same key */
	daemon_start(&d, listen);
	assert_true(fw_health_wait(&d, LONG_MS));
	tt_keys(&t, "r", NULL);
	TT_WAIT(&t, "failed \xe2\x86\x92 retry \xe2\x86\x92 done", LONG_MS);
	FW_WAIT_SQL(W.db, "black 1", LONG_MS, "%s", sql);
	/* nothing left to send; still one verdict */
	tt_keys(&t, "r", NULL);
	TT_WAIT(&t, "nothing to retry", 5000);
	v = fw_sql(W.db, sql);
	assert_string_equal(v, "black 1");
	free(v);
	tt_quit(&t);
	assert_int_equal(fw_daemon_stop(&d), 0);
}

/* The test database refuses connections (or takes them again), and the
 * sessions it has are ended: the daemon's workers get db_unavailable. */
static void db_allow(int allow)
{
	const char *host = getenv("ITRACE_TEST_PGHOST"), *user = getenv("ITRACE_TEST_PGUSER");
	char ci[600], sql[300];
	snprintf(ci, sizeof ci, "host=%s user=%s dbname=postgres",
	         host != NULL ? host : "/var/run/postgresql", user != NULL ? user : "postgres");
	const char *name = strstr(W.db, "dbname=") + 7;
	PGconn *c = th_connect(ci);
	snprintf(sql, sizeof sql, "ALTER DATABASE %s ALLOW_CONNECTIONS %s", name,
	         allow ? "true" : "false");
	PGresult *r = PQexec(c, sql);
	assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
	PQclear(r);
	if (!allow) {
		snprintf(sql, sizeof sql, "SELECT count(pg_terminate_backend(pid)) FROM"
		         " pg_stat_activity WHERE datname = '%s'", name);
		r = PQexec(c, sql);
		assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
		PQclear(r);
	}
	PQfinish(c);
}

static void test_verdict_db_unreachable(void **state)
{
	(void)state;
	struct cmdd d;
	daemon_start(&d, "");
	long id = new_alert(&d, 3, "vd-nodb.exe");
	char path[96], sql[256];
	snprintf(path, sizeof path, "/v1/alerts/%ld/claim", id);
	long status;
	json_decref(fw_api(&d, "POST", path, W.alice, NULL, "{}", &status));
	assert_int_equal(status, 200);
	struct tt t;
	console_start(&t, &d, "vnodb");
	TT_WAIT(&t, "vd-nodb.exe", LONG_MS);
	TT_WAIT(&t, "API ok", LONG_MS);
	select_alert(&t, "vd-nodb");

	db_allow(0);
	long end = fw_ms() + LONG_MS;
	for (;;) {   /* the daemon sees it */
		json_decref(fw_api(&d, "GET", "/v1/health", NULL, NULL, NULL, &status));
		if (status == 503)
			break;
		if (fw_ms() > end) {
			db_allow(1);
			fail_msg("health %ld with the database refusing connections", status);
		}
		usleep(100 * 1000);
	}
	tt_keys(&t, "v", NULL);
	TT_WAIT(&t, "Verdict for #", 5000);
	tt_keys(&t, "b", "Tab", NULL);
	tt_type(&t, "sent while the database is unreachable");
	tt_keys(&t, "Enter", NULL);
	char *scr = NULL;
	int ok = tt_wait_ex(&t, "r retries with the same key", 0, LONG_MS, &scr);
	db_allow(1);
	if (!ok || strstr(scr, "db_unavailable") == NULL || strstr(scr, "refused") != NULL)
		fail_msg("a 503 should show as failed (db_unavailable), to retry:\n%s", scr);
	free(scr);
	assert_true(fw_health_wait(&d, LONG_MS));
	snprintf(sql, sizeof sql,
	         "SELECT coalesce(quick_verdict, '-') || ' ' || (SELECT count(*) FROM audit WHERE"
	         " object = 'alert:%ld' AND action = 'alert.verdict_quick') FROM alert WHERE id = %ld",
	         id, id);
	char *v = fw_sql(W.db, sql);
	assert_non_null(v);
	assert_string_equal(v, "- 0");
	free(v);
	tt_keys(&t, "r", NULL);
	TT_WAIT(&t, "failed \xe2\x86\x92 retry \xe2\x86\x92 done", LONG_MS);
	FW_WAIT_SQL(W.db, "black 1", LONG_MS, "%s", sql);
	tt_quit(&t);
	assert_int_equal(fw_daemon_stop(&d), 0);
}

/* ---------------------------------------------------- 3. SIGKILL, command */

static json_t *isolate(const struct cmdd *d, int i, const char *key, long *status)
{
	char path[96];
	snprintf(path, sizeof path, "/v1/endpoints/%ld/isolate", W.ep[i]);
	return fw_api(d, "POST", path, W.alice, key, "{\"reason\":\"contain\"}", status);
}

static void test_sigkill_before_fetch(void **state)
{
	(void)state;
	struct cmdd d;
	daemon_start(&d, "");
	char listen[40], sql[160];
	snprintf(listen, sizeof listen, "127.0.0.1:%d", d.port);
	long st;
	json_t *j = isolate(&d, 1, "kill-before-1", &st);
	assert_int_equal(st, 202);
	long cmd = fw_int(j, "id");
	json_decref(j);
	assert_true(cmd > 0);
	fw_daemon_kill(&d);
	/* the endpoint comes while the daemon is dead, and keeps trying */
	const char *toks = fw_tokens_file("flt3a.tokens", &hosts[1], &W.tok[1], 1);
	struct fw_sim sim;
	assert_int_equal(fw_sim_start(&sim, d.url, toks, "sim-kill-a", NULL), 0);
	daemon_start(&d, listen);
	int done = 0;
	assert_int_equal(command_reached(&sim, cmd, &done), 1);
	assert_int_equal(done, 1);
	/* the POST again, same key: the same command, none queued */
	j = isolate(&d, 1, "kill-before-1", &st);
	assert_int_equal(st, 202);
	assert_int_equal(fw_int(j, "id"), cmd);
	json_decref(j);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM command WHERE endpoint_id = %ld", W.ep[1]);
	assert_int_equal(fw_sql_num(W.db, sql), 1);
	assert_int_equal(fw_sim_stop(&sim), 0);
	assert_int_equal(fw_sim_lines(&sim, cmd, NULL), 1);
	assert_int_equal(fw_sql_num(W.db, sql), 1);
	print_message("killed before the fetch: command %ld reached the endpoint once (done); "
	              "the repeated POST answered the same id\n", cmd);
	assert_int_equal(fw_daemon_stop(&d), 0);
}

/* The delivering heartbeat is held in the database by a lock on the
 * idempotency table (it stores its answer there), the daemon is killed,
 * the lock goes: the statement commits the delivery with nobody left to
 * answer. Only a heartbeat sent again with the same Idempotency-Key can
 * hand the endpoint its command. */
static void test_sigkill_during_delivery(void **state)
{
	(void)state;
	struct cmdd d;
	daemon_start(&d, "");
	char listen[40], sql[256];
	snprintf(listen, sizeof listen, "127.0.0.1:%d", d.port);
	const char *toks = fw_tokens_file("flt3b.tokens", &hosts[2], &W.tok[2], 1);
	struct fw_sim sim;
	assert_int_equal(fw_sim_start(&sim, d.url, toks, "sim-kill-b", NULL), 0);
	FW_WAIT_SQL(W.db, "t", LONG_MS, "SELECT last_seen IS NOT NULL FROM endpoint WHERE id = %ld",
	            W.ep[2]);
	PGconn *lk = th_connect(W.db);
	PQclear(PQexec(lk, "BEGIN"));
	PGresult *r = PQexec(lk, "LOCK TABLE idempotency IN SHARE MODE");
	assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
	PQclear(r);
	long st;
	json_t *j = isolate(&d, 2, NULL, &st);   /* no key: nothing to store */
	if (st != 202)
		fail_msg("isolate: %ld", st);
	long cmd = fw_int(j, "id");
	json_decref(j);
	/* the simulator's heartbeat now waits for the lock, in the database */
	FW_WAIT_SQL(W.db, "1", LONG_MS,
	            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
	            " AND wait_event_type = 'Lock' AND query LIKE 'WITH idem AS%%'");
	fw_daemon_kill(&d);
	PQclear(PQexec(lk, "COMMIT"));
	PQfinish(lk);
	/* the orphaned statement delivered it: nobody got the answer */
	FW_WAIT_SQL(W.db, "delivered", LONG_MS, "SELECT state FROM command WHERE id = %ld", cmd);
	assert_int_equal(fw_sim_lines(&sim, cmd, NULL), 0);
	daemon_start(&d, listen);
	int done = 0;
	assert_int_equal(command_reached(&sim, cmd, &done), 1);
	assert_int_equal(done, 1);
	FW_WAIT_SQL(W.db, "isolated", LONG_MS, "SELECT isolation FROM endpoint WHERE id = %ld",
	            W.ep[2]);
	assert_int_equal(fw_sim_stop(&sim), 0);
	assert_int_equal(fw_sim_lines(&sim, cmd, NULL), 1);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM command WHERE endpoint_id = %ld", W.ep[2]);
	assert_int_equal(fw_sql_num(W.db, sql), 1);
	print_message("killed during the delivery: command %ld reached the endpoint once (done)\n",
	              cmd);
	assert_int_equal(fw_daemon_stop(&d), 0);
}

/* ------------------------------------------------------ 4. rejects, full */

static void test_rejects_full_disk(void **state)
{
	(void)state;
	const char lines[] =
		"{\"type\":\"event\",\"host\":\"flt4\",\"time\":\"2026-11-25T00:00:00Z\","
		"\"kind\":\"process_start\",\"proc_guid\":\"{11111111-2222-3333-0000-00100000f001}\","
		"\"pid\":4242,\"image\":\"C:\\\\Windows\\\\notepad.exe\",\"cmdline\":\"notepad\","
		"\"parent_guid\":\"{11111111-2222-4444-0000-00100000f001}\",\"parent_pid\":100,"
		"\"parent_image\":\"C:\\\\Windows\\\\explorer.exe\"}\n"
		"this line is not JSON\n";
	const char *f = th_write_file("full.ndjson", lines, sizeof lines - 1);
	struct th_out o;
	const char *argv[] = {"itrace-ingest", "--db", W.db, "--tenant", "acme", "--rejects",
	                      "/dev/full", f, NULL};
	int rc = th_run(&o, NULL, NULL, argv);
	if (rc != 2 || strstr(o.err, "/dev/full") == NULL || strstr(o.err, "rejects") == NULL)
		fail_msg("itrace-ingest --rejects /dev/full: exit %d, stderr:\n%s", rc, o.err);
	print_message("rejects on /dev/full: exit 2, \"%.*s\"\n",
	              (int)strcspn(strstr(o.err, "/dev/full"), "\n"), strstr(o.err, "/dev/full"));
	th_out_free(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pg_restart),
		cmocka_unit_test(test_verdict_daemon_down),
		cmocka_unit_test(test_verdict_db_unreachable),
		cmocka_unit_test(test_sigkill_before_fetch),
		cmocka_unit_test(test_sigkill_during_delivery),
		cmocka_unit_test(test_rejects_full_disk),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
