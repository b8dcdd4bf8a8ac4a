/* test_sla.c - due times and countdowns (src/core/sla.c), with an injected
 * clock: every "now" is a constant of the test. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/sla.h"

static struct cal cal;

static const char *
loc(int64_t t)
{
	static char bufs[8][48];
	static int next;
	char *b = bufs[next++ % 8];
	struct cal_tm tm;

	if (t == CAL_NEVER)
		return "never";
	cal_local_tm(&cal, t, &tm);
	snprintf(b, 48, "%04d-%02d-%02d %02d:%02d:%02d", tm.year, tm.month,
	    tm.day, tm.hour, tm.min, tm.sec);
	return b;
}

static int64_t
jst(int y, int mo, int d, int h, int mi)
{
	return cal_local_us(&cal, y, mo, d, h, mi, 0);
}

static int
setup(void **state)
{
	(void)state;
	cal_default(&cal);
	return 0;
}

/* 2 h, any hour of any day. */
static void
test_quick_due(void **state)
{
	(void)state;
	assert_string_equal(loc(sla_quick_due(jst(2026, 11, 22, 3, 0))),
	    "2026-11-22 05:00:00");
	assert_string_equal(loc(sla_quick_due(jst(2026, 12, 31, 23, 30))),
	    "2027-01-01 01:30:00");
	assert_int_equal(sla_quick_due(CAL_NEVER), CAL_NEVER);
}

/* 5 business hours; the example and "before noon". */
static void
test_explain_due(void **state)
{
	(void)state;
	assert_string_equal(loc(sla_explain_due(&cal, jst(2026, 11, 20, 16, 0))),
	    "2026-11-24 12:30:00");
	assert_string_equal(loc(sla_explain_due(&cal, jst(2026, 11, 25, 11, 0))),
	    "2026-11-25 16:00:00");
	assert_string_equal(loc(sla_explain_due(&cal, jst(2026, 11, 25, 12, 0))),
	    "2026-11-25 17:00:00");
	assert_string_equal(loc(sla_explain_due(&cal, jst(2026, 11, 25, 13, 0))),
	    "2026-11-26 09:30:00");
	/* Received at night on the eve of the year-end break. */
	assert_string_equal(loc(sla_explain_due(&cal, jst(2026, 12, 28, 20, 0))),
	    "2027-01-04 14:00:00");
}

/* end of the 3rd business day after publication. */
static void
test_reply_due(void **state)
{
	(void)state;
	/* Thursday: Fri, Mon, Tue. */
	assert_string_equal(loc(sla_reply_due(&cal, jst(2026, 11, 26, 15, 0))),
	    "2026-12-01 17:30:00");
	/* Friday before the holiday Monday: Tue, Wed, Thu. */
	assert_string_equal(loc(sla_reply_due(&cal, jst(2026, 11, 20, 10, 0))),
	    "2026-11-26 17:30:00");
	/* Published on a Saturday: Tue (Mon is a holiday), Wed, Thu. */
	assert_string_equal(loc(sla_reply_due(&cal, jst(2026, 11, 21, 11, 0))),
	    "2026-11-26 17:30:00");
	/* Early morning publication: the day itself does not count. */
	assert_string_equal(loc(sla_reply_due(&cal, jst(2026, 11, 30, 7, 0))),
	    "2026-12-03 17:30:00");
	/* Across the year-end break. */
	assert_string_equal(loc(sla_reply_due(&cal, jst(2026, 12, 25, 12, 0))),
	    "2027-01-05 17:30:00");
	assert_int_equal(sla_reply_due(&cal, CAL_NEVER), CAL_NEVER);
}

/* the 5th business day of the next month. */
static void
test_monthly_due(void **state)
{
	(void)state;
	/* December 2026: January 2027 starts after the break: 4,5,6,7,8. */
	assert_string_equal(loc(sla_monthly_due(&cal, 2026, 12)),
	    "2027-01-08 17:30:00");
	/* April 2026: Golden Week in May: 1,7,8,11,12. */
	assert_string_equal(loc(sla_monthly_due(&cal, 2026, 4)),
	    "2026-05-12 17:30:00");
	/* October 2026: November 2,4,5,6,9 (the 3rd is Culture Day). */
	assert_string_equal(loc(sla_monthly_due(&cal, 2026, 10)),
	    "2026-11-09 17:30:00");
	assert_int_equal(sla_monthly_due(&cal, 2026, 0), CAL_NEVER);
	assert_int_equal(sla_monthly_due(&cal, 2026, 13), CAL_NEVER);
}

/* 72 h, closed at the end. */
static void
test_dedup_window(void **state)
{
	int64_t first = jst(2026, 11, 20, 16, 0);

	(void)state;
	assert_true(sla_in_dedup_window(first, first));
	assert_true(sla_in_dedup_window(first,
	    first + 71 * CAL_US_PER_HOUR + 59 * CAL_US_PER_MIN));
	assert_true(sla_in_dedup_window(first, first + SLA_DEDUP_US));
	assert_false(sla_in_dedup_window(first, first + SLA_DEDUP_US + 1));
	assert_false(sla_in_dedup_window(first,
	    first + 72 * CAL_US_PER_HOUR + CAL_US_PER_MIN));
	assert_false(sla_in_dedup_window(first, first - 1));
}

/* */
static void
test_lookback_retention(void **state)
{
	(void)state;
	assert_string_equal(loc(sla_lookback_start(jst(2026, 11, 20, 16, 0))),
	    "2026-11-13 16:00:00");
	assert_string_equal(loc(sla_retention_until(&cal,
	    jst(2026, 3, 15, 10, 0))), "2027-04-15 10:00:00");
	/* Day clamped to the month's length. */
	assert_string_equal(loc(sla_retention_until(&cal,
	    jst(2026, 1, 31, 10, 0))), "2027-02-28 10:00:00");
	assert_string_equal(loc(sla_retention_until(&cal,
	    jst(2027, 1, 31, 23, 59))), "2028-02-29 23:59:00");
	/* The local date counts: 2026-03-31 02:00 JST is still March 30 in
	 * UTC, so without a calendar it is April 30 17:00Z (May 1 in Tokyo). */
	assert_string_equal(loc(sla_retention_until(&cal,
	    jst(2026, 3, 31, 2, 0))), "2027-04-30 02:00:00");
	assert_string_equal(loc(sla_retention_until(NULL,
	    jst(2026, 3, 31, 2, 0))), "2027-05-01 02:00:00");
	assert_string_equal(loc(sla_retention_until(NULL,
	    jst(2026, 1, 1, 8, 0))), "2027-02-01 08:00:00");
	assert_string_equal(loc(sla_retention_until(&cal,
	    jst(2026, 1, 1, 8, 0))), "2027-02-01 08:00:00");
	assert_int_equal(sla_retention_until(&cal, CAL_NEVER), CAL_NEVER);
}

static void
test_classify(void **state)
{
	(void)state;
	assert_int_equal(sla_classify(2 * CAL_US_PER_HOUR), SLA_OK);
	assert_int_equal(sla_classify(SLA_WARN_US), SLA_OK);
	assert_int_equal(sla_classify(SLA_WARN_US - 1), SLA_WARN);
	assert_int_equal(sla_classify(0), SLA_WARN);
	assert_int_equal(sla_classify(-1), SLA_BREACHED);
	assert_string_equal(sla_class_name(SLA_OK), "ok");
	assert_string_equal(sla_class_name(SLA_WARN), "warn");
	assert_string_equal(sla_class_name(SLA_BREACHED), "breached");
}

static const char *
fmt(int64_t left)
{
	static char buf[32];

	sla_format_left(left, buf, sizeof buf);
	return buf;
}

static void
test_format_left(void **state)
{
	char small[5];
	int n;

	(void)state;
	assert_string_equal(fmt(7198 * CAL_US_PER_SEC + 999999), "1:59:58");
	assert_string_equal(fmt(0), "0:00:00");
	assert_string_equal(fmt(5 * CAL_US_PER_SEC), "0:00:05");
	assert_string_equal(fmt(-192 * CAL_US_PER_SEC), "-0:03:12");
	assert_string_equal(fmt(-192 * CAL_US_PER_SEC - 500000), "-0:03:12");
	assert_string_equal(fmt(-1), "-0:00:00");
	assert_string_equal(fmt(24 * CAL_US_PER_HOUR - 1), "23:59:59");
	assert_string_equal(fmt(24 * CAL_US_PER_HOUR), "1d 00:00");
	assert_string_equal(fmt(51 * CAL_US_PER_HOUR), "2d 03:00");
	assert_string_equal(fmt(-(36 * CAL_US_PER_HOUR + 59 * CAL_US_PER_SEC)),
	    "-1d 12:00");
	/* Extremes do not overflow. */
	n = sla_format_left(INT64_MIN, NULL, 0);
	assert_true(n > 0 && n <= 24);
	n = sla_format_left(INT64_MAX, NULL, 0);
	assert_true(n > 0 && n <= 24);
	/* Truncated like snprintf. */
	n = sla_format_left(7198 * CAL_US_PER_SEC, small, sizeof small);
	assert_int_equal(n, 7);
	assert_string_equal(small, "1:59");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_quick_due, setup),
		cmocka_unit_test_setup(test_explain_due, setup),
		cmocka_unit_test_setup(test_reply_due, setup),
		cmocka_unit_test_setup(test_monthly_due, setup),
		cmocka_unit_test_setup(test_dedup_window, setup),
		cmocka_unit_test_setup(test_lookback_retention, setup),
		cmocka_unit_test_setup(test_classify, setup),
		cmocka_unit_test_setup(test_format_left, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
