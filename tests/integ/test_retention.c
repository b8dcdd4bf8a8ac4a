/* test_retention.c - SPEC R-28 with an injected clock (ITRACE_FAKE_NOW):
 * itrace-cmdd drops the `event` partitions older than the log retention
 * (default 30 days; --log-retention-days N; never under 7) and purges the
 * reports past their 13 months, each with an audit row of rule R-28;
 * recent partitions and reports, and their rows, stay. The database
 * function behind the drop refuses what is not an old partition of
 * `event`, and the daemon's role can use it but cannot drop tables
 * itself.
 *
 * The daemon believes it is 2026-10-15 03:00 UTC: with 30 days the
 * cutoff is 2026-09-15 03:00, so the partitions of 1 and 2 August, 10 and
 * 14 September (which ends 15 September 00:00) go; those of 15 September
 * (ends 16 September), 1, 10 and 14 October stay. With 10 days (cutoff
 * 2026-10-05 03:00) 15 September and 1 October go too.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "cmdd_helper.h"
#include "th.h"

#define FAKE_NOW "ITRACE_FAKE_NOW=2026-10-15T03:00:00Z"

static char *db;
static PGconn *pg;

static const char *const OLD[] = {"2026-08-01", "2026-08-02", "2026-09-10", "2026-09-14"};
static const char *const KEPT[] = {"2026-09-15", "2026-10-01", "2026-10-10", "2026-10-14"};

static void sql(const char *q)
{
	PGresult *r = PQexec(pg, q);
	if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
		fail_msg("%s: %s", q, PQerrorMessage(pg));
	PQclear(r);
}

static long num(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static long num(const char *fmt, ...)
{
	char q[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(q, sizeof q, fmt, ap);
	va_end(ap);
	return th_count(pg, q);
}

/* "event_YYYYMMDD" of a date. */
static const char *part(const char *day)
{
	static char buf[4][32];
	static int slot;
	char *b = buf[slot++ % 4];
	snprintf(b, sizeof buf[0], "event_%.4s%.2s%.2s", day, day + 5, day + 8);
	return b;
}

static bool exists(const char *day)
{
	return num("SELECT count(*) FROM pg_class WHERE relname = '%s'", part(day)) == 1;
}

/* One partition per day, with two events in it. */
static void add_day(const char *day)
{
	char q[512];
	snprintf(q, sizeof q,
	         "SELECT itrace_event_partition('%s');"
	         " INSERT INTO event (endpoint_id, ts, kind, dedup) VALUES"
	         " (1, '%s 10:00:00+00', 'process_start', 1), (1, '%s 23:59:59+00', 'file_write', 2)",
	         day, day, day);
	sql(q);
}

static int setup(void **state)
{
	(void)state;
	db = th_db_new_migrated();
	if (db == NULL)
		return -1;
	pg = th_connect(db);
	const char *args[] = {"tenant", "add", "acme", NULL};
	free(cmdd_admin(db, args));
	for (size_t i = 0; i < 4; i++) {
		add_day(OLD[i]);
		add_day(KEPT[i]);
	}
	/* Reports: one published 14 months before the daemon's today, past
	 * its purge_after; one 12 months before, still kept. */
	sql("INSERT INTO report (tenant_id, kind, body, published_at, purge_after)"
	    " SELECT id, 'quick', 'old', '2025-08-01T00:00:00Z', '2026-09-01T00:00:00Z'"
	    "   FROM tenant WHERE name = 'acme';"
	    " INSERT INTO report (tenant_id, kind, body, published_at, purge_after, period)"
	    " SELECT id, 'monthly', 'recent', '2025-11-06T00:00:00Z', '2026-12-06T00:00:00Z',"
	    "        '2025-10-01' FROM tenant WHERE name = 'acme'");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	PQfinish(pg);
	th_db_drop(db);
	return 0;
}

static long wait_partitions(long want, int ms)
{
	long v = -1;
	for (int i = 0; i < ms / 50; i++) {
		v = num("SELECT count(*) FROM pg_inherits WHERE inhparent = 'event'::regclass");
		if (v == want)
			break;
		usleep(50000);
	}
	return v;
}

static void test_default_retention(void **state)
{
	(void)state;
	for (size_t i = 0; i < 4; i++) {
		assert_true(exists(OLD[i]));
		assert_true(exists(KEPT[i]));
	}
	assert_int_equal(num("SELECT count(*) FROM event"), 16);
	assert_int_equal(num("SELECT count(*) FROM report"), 2);
	struct cmdd d;
	static char env0[] = FAKE_NOW;
	char *env[] = {env0, NULL};
	const char *args[] = {"--job-interval", "0.2", NULL};
	assert_int_equal(cmdd_start(&d, db, args, env), 0);
	assert_int_equal(wait_partitions(4, 10000), 4);
	usleep(500000);                 /* a few more passes: nothing else goes */
	assert_int_equal(cmdd_stop(&d), 0);
	for (size_t i = 0; i < 4; i++) {
		if (exists(OLD[i]))
			fail_msg("%s should be gone", part(OLD[i]));
		if (!exists(KEPT[i]))
			fail_msg("%s should be kept", part(KEPT[i]));
	}
	/* The rows of the kept days are all there. */
	assert_int_equal(num("SELECT count(*) FROM event"), 8);
	assert_int_equal(num("SELECT count(*) FROM event WHERE ts >= '2026-09-15'"), 8);
	/* One audit row per dropped partition, with its range and the rule. */
	assert_int_equal(num("SELECT count(*) FROM audit WHERE rule = 'R-28'"
	                     " AND action = 'event.partition_drop'"), 4);
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(num("SELECT count(*) FROM audit WHERE rule = 'R-28'"
		                     " AND object = 'event_partition:%s' AND actor = 'system'"
		                     " AND (before->>'from')::timestamptz = '%s 00:00:00+00'"
		                     " AND (before->>'log_retention_days')::int = 30"
		                     " AND (before->>'cutoff')::timestamptz BETWEEN"
		                     "     '2026-09-15 03:00:00+00' AND '2026-09-15 03:01:00+00'",
		                     part(OLD[i]), OLD[i]), 1);
	/* Reports: the one past its 13 months is purged and audited; the
	 * recent one stays. */
	assert_int_equal(num("SELECT count(*) FROM report WHERE body = 'old'"), 0);
	assert_int_equal(num("SELECT count(*) FROM report WHERE body = 'recent'"), 1);
	assert_int_equal(num("SELECT count(*) FROM audit WHERE rule = 'R-28'"
	                     " AND action = 'report.purge'"
	                     " AND before->>'kind' = 'quick'"), 1);
}

static void test_setting(void **state)
{
	(void)state;
	struct cmdd d;
	static char env0[] = FAKE_NOW;
	char *env[] = {env0, NULL};
	const char *args[] = {"--job-interval", "0.2", "--log-retention-days", "10", NULL};
	assert_int_equal(cmdd_start(&d, db, args, env), 0);
	assert_int_equal(wait_partitions(2, 10000), 2);
	usleep(500000);
	assert_int_equal(cmdd_stop(&d), 0);
	assert_false(exists("2026-09-15"));
	assert_false(exists("2026-10-01"));
	assert_true(exists("2026-10-10"));
	assert_true(exists("2026-10-14"));
	assert_int_equal(num("SELECT count(*) FROM audit WHERE rule = 'R-28'"
	                     " AND action = 'event.partition_drop'"
	                     " AND (before->>'log_retention_days')::int = 10"), 2);
	assert_int_equal(num("SELECT count(*) FROM event"), 4);
}

/* Under 7 days is refused at start, on the command line and in the
 * configuration file, with a message that says why. */
static void test_refused(void **state)
{
	(void)state;
	struct th_out o;
	const char *argv[] = {th_bin("itrace-cmdd"), "--db", db, "--listen", "127.0.0.1:0",
	                      "--log-retention-days", "6", NULL};
	th_run(&o, NULL, NULL, argv);
	assert_int_equal(o.status, 2);
	assert_non_null(strstr(o.err, "log retention 6 days refused: it must be at least 7 days"));
	th_out_free(&o);
	const char *conf = th_write_file("cmdd.conf", "log_retention_days = 3\n", 23);
	const char *argv2[] = {th_bin("itrace-cmdd"), "--db", db, "--listen", "127.0.0.1:0",
	                       "--config", conf, NULL};
	th_run(&o, NULL, NULL, argv2);
	assert_int_equal(o.status, 2);
	assert_non_null(strstr(o.err, "log retention 3 days refused"));
	th_out_free(&o);
	const char *argv3[] = {th_bin("itrace-cmdd"), "--db", db, "--listen", "127.0.0.1:0",
	                       "--log-retention-days", "30d", NULL};
	th_run(&o, NULL, NULL, argv3);
	assert_int_equal(o.status, 2);
	assert_non_null(strstr(o.err, "expected a number of days"));
	th_out_free(&o);
}

static void expect_refused(const char *q, const char *msg)
{
	PGresult *r = PQexec(pg, q);
	if (PQresultStatus(r) != PGRES_FATAL_ERROR)
		fail_msg("%s: should fail", q);
	if (strstr(PQresultErrorMessage(r), msg) == NULL)
		fail_msg("%s: %s (want \"%s\")", q, PQresultErrorMessage(r), msg);
	PQclear(r);
}

/* The function the daemon drops through: only old partitions of event;
 * the daemon's role may call it, but may not drop a table itself. */
static void test_drop_function(void **state)
{
	(void)state;
	expect_refused("SELECT * FROM itrace_event_partition_drop('event_20261014', now())",
	               "less than 7 days ago");
	expect_refused("SELECT * FROM itrace_event_partition_drop('event_20261014',"
	               " '2026-10-14 12:00:00+00')", "after the cutoff");
	expect_refused("SELECT * FROM itrace_event_partition_drop('tenant', '2026-10-01')",
	               "is not a partition of event");
	expect_refused("SELECT * FROM itrace_event_partition_drop('event', '2026-10-01')",
	               "is not a partition of event");
	assert_true(exists("2026-10-14"));
	sql("BEGIN; SET LOCAL ROLE itrace_cmdd");
	expect_refused("DROP TABLE event_20261010", "must be owner");
	sql("ROLLBACK; BEGIN; SET LOCAL ROLE itrace_cmdd");
	sql("SELECT * FROM itrace_event_partition_drop('event_20261010', '2026-10-12 00:00:00+00')");
	sql("ROLLBACK");
	assert_true(exists("2026-10-10"));
	sql("BEGIN; SET LOCAL ROLE itrace_console");
	expect_refused("SELECT * FROM itrace_event_partition_drop('event_20261010',"
	               " '2026-10-12 00:00:00+00')", "permission denied");
	sql("ROLLBACK");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_retention),
		cmocka_unit_test(test_setting),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_drop_function),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
