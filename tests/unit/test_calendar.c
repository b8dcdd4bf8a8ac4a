/* test_calendar.c - business calendar: dates, Japanese holidays, business
 * time, the calendar file format (src/core/calendar.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/calendar.h"

/* Local time of t in c's zone as "YYYY-MM-DD HH:MM" (rotating buffers). */
static const char *
loc(const struct cal *c, int64_t t)
{
	static char bufs[8][48];
	static int next;
	char *b = bufs[next++ % 8];
	struct cal_tm tm;

	if (t == CAL_NEVER)
		return "never";
	cal_local_tm(c, t, &tm);
	snprintf(b, 48, "%04d-%02d-%02d %02d:%02d", tm.year, tm.month, tm.day,
	    tm.hour, tm.min);
	return b;
}

static int64_t
jst(int y, int mo, int d, int h, int mi)
{
	struct cal c;

	cal_default(&c);
	return cal_local_us(&c, y, mo, d, h, mi, 0);
}

/* ---- Dates ---- */

static void
test_civil_roundtrip(void **state)
{
	int64_t d;

	(void)state;
	assert_int_equal(cal_days_from_civil(1970, 1, 1), 0);
	assert_int_equal(cal_days_from_civil(2000, 3, 1), 11017);
	assert_int_equal(cal_days_from_civil(1969, 12, 31), -1);
	assert_int_equal(cal_weekday(0), 4);                    /* Thursday */
	assert_int_equal(cal_weekday(-1), 3);
	assert_int_equal(cal_weekday(cal_days_from_civil(2026, 11, 20)), 5);
	assert_int_equal(cal_weekday(cal_days_from_civil(2027, 1, 1)), 5);
	for (d = -800000; d < 800000; d += 97) {
		int y, m, dd;

		cal_civil_from_days(d, &y, &m, &dd);
		assert_true(cal_valid_date(y, m, dd));
		assert_int_equal(cal_days_from_civil(y, m, dd), d);
	}
	assert_int_equal(cal_days_in_month(2024, 2), 29);
	assert_int_equal(cal_days_in_month(2100, 2), 28);
	assert_int_equal(cal_days_in_month(2000, 2), 29);
	assert_int_equal(cal_days_in_month(2026, 13), 0);
	assert_false(cal_valid_date(2026, 2, 29));
	assert_false(cal_valid_date(2026, 4, 31));
}

static void
test_local_time(void **state)
{
	struct cal c;
	struct cal_tm tm;
	int64_t t;

	(void)state;
	cal_default(&c);
	/* 2026-11-20 07:00Z is 16:00 in Tokyo. */
	t = (cal_days_from_civil(2026, 11, 20) * 86400 + 7 * 3600) *
	    INT64_C(1000000);
	assert_int_equal(jst(2026, 11, 20, 16, 0), t);
	cal_local_tm(&c, t + 123456, &tm);
	assert_int_equal(tm.year, 2026);
	assert_int_equal(tm.month, 11);
	assert_int_equal(tm.day, 20);
	assert_int_equal(tm.hour, 16);
	assert_int_equal(tm.min, 0);
	assert_int_equal(tm.usec, 123456);
	assert_int_equal(tm.wday, 5);
	/* 15:00Z is already the next local day. */
	assert_int_equal(cal_local_day(&c, t + 8 * CAL_US_PER_HOUR),
	    cal_days_from_civil(2026, 11, 21));
	/* Before the epoch: floor, not truncation. */
	c.tz_min = 0;
	assert_int_equal(cal_local_day(&c, -1), -1);
	cal_local_tm(&c, -1, &tm);
	assert_int_equal(tm.year, 1969);
	assert_int_equal(tm.hour, 23);
	assert_int_equal(tm.usec, 999999);
}

/* ---- Japanese holidays ---- */

struct ymd {
	int m, d;
};

static void
check_year(int year, const struct ymd *want, size_t n)
{
	char got[1024] = "", exp[1024] = "";
	int64_t d, first = cal_days_from_civil(year, 1, 1);
	int64_t last = cal_days_from_civil(year, 12, 31);
	size_t i;

	for (d = first; d <= last; d++) {
		int y, m, dd;
		size_t len = strlen(got);

		cal_civil_from_days(d, &y, &m, &dd);
		if (cal_jp_holiday(y, m, dd) != NULL)
			snprintf(got + len, sizeof got - len, "%02d-%02d ", m, dd);
	}
	for (i = 0; i < n; i++) {
		size_t len = strlen(exp);

		snprintf(exp + len, sizeof exp - len, "%02d-%02d ", want[i].m,
		    want[i].d);
	}
	assert_string_equal(got, exp);
}

static void
test_holidays_2026(void **state)
{
	static const struct ymd want[] = {
		{1, 1}, {1, 12}, {2, 11}, {2, 23}, {3, 20}, {4, 29}, {5, 3},
		{5, 4}, {5, 5}, {5, 6}, {7, 20}, {8, 11}, {9, 21}, {9, 22},
		{9, 23}, {10, 12}, {11, 3}, {11, 23},
	};

	(void)state;
	check_year(2026, want, sizeof want / sizeof want[0]);
	assert_string_equal(cal_jp_holiday(2026, 5, 6), "Substitute holiday");
	assert_string_equal(cal_jp_holiday(2026, 9, 22), "Citizen's holiday");
	assert_string_equal(cal_jp_holiday(2026, 11, 23),
	    "Labour Thanksgiving Day");
	assert_string_equal(cal_jp_holiday(2026, 3, 20), "Vernal Equinox Day");
	assert_string_equal(cal_jp_holiday(2026, 9, 23), "Autumnal Equinox Day");
}

static void
test_holidays_2025(void **state)
{
	static const struct ymd want[] = {
		{1, 1}, {1, 13}, {2, 11}, {2, 23}, {2, 24}, {3, 20}, {4, 29},
		{5, 3}, {5, 4}, {5, 5}, {5, 6}, {7, 21}, {8, 11}, {9, 15},
		{9, 23}, {10, 13}, {11, 3}, {11, 23}, {11, 24},
	};

	(void)state;
	check_year(2025, want, sizeof want / sizeof want[0]);
	assert_string_equal(cal_jp_holiday(2025, 11, 24), "Substitute holiday");
	assert_string_equal(cal_jp_holiday(2025, 2, 24), "Substitute holiday");
}

/* The years of special laws: the enthronement (2019) and the Olympics. */
static void
test_holidays_special_years(void **state)
{
	static const struct ymd y2019[] = {
		{1, 1}, {1, 14}, {2, 11}, {3, 21}, {4, 29}, {4, 30}, {5, 1},
		{5, 2}, {5, 3}, {5, 4}, {5, 5}, {5, 6}, {7, 15}, {8, 11},
		{8, 12}, {9, 16}, {9, 23}, {10, 14}, {10, 22}, {11, 3}, {11, 4},
		{11, 23},
	};
	static const struct ymd y2020[] = {
		{1, 1}, {1, 13}, {2, 11}, {2, 23}, {2, 24}, {3, 20}, {4, 29},
		{5, 3}, {5, 4}, {5, 5}, {5, 6}, {7, 23}, {7, 24}, {8, 10},
		{9, 21}, {9, 22}, {11, 3}, {11, 23},
	};
	static const struct ymd y2021[] = {
		{1, 1}, {1, 11}, {2, 11}, {2, 23}, {3, 20}, {4, 29}, {5, 3},
		{5, 4}, {5, 5}, {7, 22}, {7, 23}, {8, 8}, {8, 9}, {9, 20},
		{9, 23}, {11, 3}, {11, 23},
	};
	/* Before the 2003 Happy Monday law and with Dec 23. */
	static const struct ymd y2001[] = {
		{1, 1}, {1, 8}, {2, 11}, {2, 12}, {3, 20}, {4, 29}, {4, 30},
		{5, 3}, {5, 4}, {5, 5}, {7, 20}, {9, 15}, {9, 23}, {9, 24},
		{10, 8}, {11, 3}, {11, 23}, {12, 23}, {12, 24},
	};

	(void)state;
	check_year(2019, y2019, sizeof y2019 / sizeof y2019[0]);
	check_year(2020, y2020, sizeof y2020 / sizeof y2020[0]);
	check_year(2021, y2021, sizeof y2021 / sizeof y2021[0]);
	check_year(2001, y2001, sizeof y2001 / sizeof y2001[0]);
	assert_null(cal_jp_holiday(1999, 1, 1));
	assert_null(cal_jp_holiday(2100, 1, 1));
	assert_null(cal_jp_holiday(2026, 2, 30));
}

/* Sanity over the supported range: equinoxes land on their usual days and
 * every year has between 15 and 22 holidays. */
static void
test_holidays_all_years(void **state)
{
	int y;

	(void)state;
	for (y = 2000; y <= 2099; y++) {
		int n = 0, d, m, v = 0, a = 0;

		for (d = 19; d <= 22; d++)
			if (cal_jp_holiday(y, 3, d) != NULL &&
			    strcmp(cal_jp_holiday(y, 3, d), "Vernal Equinox Day") == 0)
				v = d;
		for (d = 21; d <= 24; d++)
			if (cal_jp_holiday(y, 9, d) != NULL &&
			    strcmp(cal_jp_holiday(y, 9, d), "Autumnal Equinox Day") == 0)
				a = d;
		assert_true(v >= 19 && v <= 21);
		assert_true(a >= 22 && a <= 23);
		for (m = 1; m <= 12; m++)
			for (d = 1; d <= cal_days_in_month(y, m); d++)
				n += cal_jp_holiday(y, m, d) != NULL;
		assert_true(n >= 15 && n <= 22);
	}
}

/* ---- Business days and hours ---- */

static void
test_default_business_days(void **state)
{
	struct cal c;
	int d;

	(void)state;
	cal_default(&c);
	assert_true(cal_is_business_day(&c, 2026, 11, 20));     /* Fri */
	assert_false(cal_is_business_day(&c, 2026, 11, 21));    /* Sat */
	assert_false(cal_is_business_day(&c, 2026, 11, 22));    /* Sun */
	assert_false(cal_is_business_day(&c, 2026, 11, 23));    /* holiday */
	assert_true(cal_is_business_day(&c, 2026, 11, 24));
	assert_false(cal_is_business_day(&c, 2026, 5, 6));      /* substitute */
	assert_false(cal_is_business_day(&c, 2025, 11, 24));    /* substitute */
	assert_false(cal_is_business_day(&c, 2026, 9, 22));     /* citizen's */
	assert_false(cal_is_business_day(&c, 2026, 2, 30));     /* no date */
	/* Year-end break 12-29..01-03. */
	assert_true(cal_is_business_day(&c, 2026, 12, 28));
	for (d = 29; d <= 31; d++)
		assert_false(cal_is_business_day(&c, 2026, 12, d));
	for (d = 1; d <= 3; d++)
		assert_false(cal_is_business_day(&c, 2027, 1, d));
	assert_true(cal_is_business_day(&c, 2027, 1, 4));
	assert_string_equal(cal_day_off_reason(&c,
	    cal_days_from_civil(2026, 12, 30)), "annual day off");
	assert_string_equal(cal_day_off_reason(&c,
	    cal_days_from_civil(2026, 11, 21)), "Saturday");
	assert_string_equal(cal_day_off_reason(&c,
	    cal_days_from_civil(2026, 11, 23)), "Labour Thanksgiving Day");
	assert_null(cal_day_off_reason(&c, cal_days_from_civil(2026, 11, 24)));
}

static void
test_in_hours(void **state)
{
	struct cal c;
	int64_t open = jst(2026, 11, 24, 9, 0), close = jst(2026, 11, 24, 17, 30);

	(void)state;
	cal_default(&c);
	assert_true(cal_in_hours(&c, open));
	assert_false(cal_in_hours(&c, open - 1));
	assert_true(cal_in_hours(&c, close - 1));
	assert_false(cal_in_hours(&c, close));
	assert_false(cal_in_hours(&c, jst(2026, 11, 23, 10, 0)));  /* holiday */
	assert_false(cal_in_hours(&c, jst(2026, 11, 21, 10, 0)));  /* Sat */
	assert_false(cal_in_hours(&c, CAL_NEVER));
}

/* SPEC R-15 example: Friday 16:00 + 5 business hours with Monday a
 * holiday is Tuesday 12:30. */
static void
test_add_minutes_issue_example(void **state)
{
	struct cal c;
	int64_t t;

	(void)state;
	cal_default(&c);
	t = cal_add_business_minutes(&c, jst(2026, 11, 20, 16, 0), 300);
	assert_string_equal(loc(&c, t), "2026-11-24 12:30");
	assert_int_equal(t, jst(2026, 11, 24, 12, 30));
	assert_int_equal(cal_business_us_between(&c, jst(2026, 11, 20, 16, 0),
	    t), 5 * CAL_US_PER_HOUR);
	assert_int_equal(cal_business_us_between(&c, t,
	    jst(2026, 11, 20, 16, 0)), -5 * CAL_US_PER_HOUR);
}

static void
test_add_minutes_same_day(void **state)
{
	struct cal c;

	(void)state;
	cal_default(&c);
	/* "an alert before noon is reported the same day" */
	assert_string_equal(loc(&c, cal_add_business_minutes(&c,
	    jst(2026, 11, 25, 11, 59), 300)), "2026-11-25 16:59");
	assert_string_equal(loc(&c, cal_add_business_minutes(&c,
	    jst(2026, 11, 25, 12, 0), 300)), "2026-11-25 17:00");
	/* The closing instant itself ends the count. */
	assert_string_equal(loc(&c, cal_add_business_minutes(&c,
	    jst(2026, 11, 25, 12, 30), 300)), "2026-11-25 17:30");
	assert_string_equal(loc(&c, cal_add_business_minutes(&c,
	    jst(2026, 11, 25, 12, 31), 300)), "2026-11-26 09:01");
	/* Before opening: the count starts at 09:00. */
	assert_string_equal(loc(&c, cal_add_business_minutes(&c,
	    jst(2026, 11, 25, 3, 0), 300)), "2026-11-25 14:00");
	/* After closing: the next business day. */
	assert_string_equal(loc(&c, cal_add_business_minutes(&c,
	    jst(2026, 11, 25, 22, 0), 300)), "2026-11-26 14:00");
	/* Zero or less: unchanged, even outside hours. */
	assert_int_equal(cal_add_business_minutes(&c, jst(2026, 11, 21, 3, 0), 0),
	    jst(2026, 11, 21, 3, 0));
	assert_int_equal(cal_add_business_us(&c, CAL_NEVER, 5), CAL_NEVER);
}

static void
test_add_minutes_breaks(void **state)
{
	struct cal c;

	(void)state;
	cal_default(&c);
	/* Weekend. */
	assert_string_equal(loc(&c, cal_add_business_minutes(&c,
	    jst(2026, 11, 28, 3, 0), 300)), "2026-11-30 14:00");
	/* Golden Week 2026: May 2-6 off (6 is the substitute holiday). */
	assert_string_equal(loc(&c, cal_add_business_minutes(&c,
	    jst(2026, 5, 1, 16, 0), 300)), "2026-05-07 12:30");
	/* Silver week: Sep 19-23 off (22 is the citizen's holiday). */
	assert_string_equal(loc(&c, cal_add_business_minutes(&c,
	    jst(2026, 9, 18, 17, 0), 60)), "2026-09-24 09:30");
	/* Year-end: Dec 28 is worked, then nothing until Jan 4. */
	assert_string_equal(loc(&c, cal_add_business_minutes(&c,
	    jst(2026, 12, 25, 16, 0), 300)), "2026-12-28 12:30");
	assert_string_equal(loc(&c, cal_add_business_minutes(&c,
	    jst(2026, 12, 28, 16, 0), 300)), "2027-01-04 12:30");
	/* Many days: 10 full days of 8.5 h from a Monday morning. */
	assert_string_equal(loc(&c, cal_add_business_minutes(&c,
	    jst(2026, 11, 30, 9, 0), 10 * 510)), "2026-12-11 17:30");
}

static void
test_next_window(void **state)
{
	struct cal c;
	int64_t s, e, now;

	(void)state;
	cal_default(&c);
	/* Saturday before the holiday Monday: Tuesday. */
	assert_int_equal(cal_next_window(&c, jst(2026, 11, 21, 10, 0), &s, &e), 0);
	assert_string_equal(loc(&c, s), "2026-11-24 09:00");
	assert_string_equal(loc(&c, e), "2026-11-24 17:30");
	/* Inside hours: the current window. */
	now = jst(2026, 11, 24, 13, 0);
	assert_int_equal(cal_next_window(&c, now, &s, &e), 0);
	assert_true(s <= now && now < e);
	assert_string_equal(loc(&c, s), "2026-11-24 09:00");
	assert_int_equal(cal_next_business_instant(&c, now), now);
	/* At the closing instant: the next day. */
	assert_int_equal(cal_next_window(&c, jst(2026, 11, 24, 17, 30), &s, &e), 0);
	assert_string_equal(loc(&c, s), "2026-11-25 09:00");
	/* Early morning: the same day. */
	assert_string_equal(loc(&c, cal_next_business_instant(&c,
	    jst(2026, 11, 25, 6, 15))), "2026-11-25 09:00");
	/* New Year's Eve: January 4. */
	assert_string_equal(loc(&c, cal_next_business_instant(&c,
	    jst(2026, 12, 31, 23, 0))), "2027-01-04 09:00");
	assert_int_equal(cal_next_window(&c, CAL_NEVER, &s, &e), -1);
	assert_int_equal(s, CAL_NEVER);
}

static void
test_business_days(void **state)
{
	struct cal c;
	int64_t d;

	(void)state;
	cal_default(&c);
	/* Thursday + 3 business days across a weekend: Tuesday. */
	d = cal_nth_business_day_after(&c, cal_days_from_civil(2026, 11, 26), 3);
	assert_int_equal(d, cal_days_from_civil(2026, 12, 1));
	assert_string_equal(loc(&c, cal_add_business_days(&c,
	    jst(2026, 11, 26, 15, 0), 3)), "2026-12-01 15:00");
	/* Friday before a holiday Monday. */
	assert_string_equal(loc(&c, cal_add_business_days(&c,
	    jst(2026, 11, 20, 10, 0), 1)), "2026-11-24 10:00");
	assert_int_equal(cal_add_business_days(&c, jst(2026, 11, 20, 10, 0), 0),
	    jst(2026, 11, 20, 10, 0));
	/* 5th business day of January 2027, after the New Year break. */
	d = cal_nth_business_day_of_month(&c, 2027, 1, 5);
	assert_int_equal(d, cal_days_from_civil(2027, 1, 8));
	assert_int_equal(cal_nth_business_day_of_month(&c, 2027, 1, 1),
	    cal_days_from_civil(2027, 1, 4));
	/* May 2026: 1, 7, 8, 11, 12. */
	assert_int_equal(cal_nth_business_day_of_month(&c, 2026, 5, 5),
	    cal_days_from_civil(2026, 5, 12));
	assert_int_equal(cal_nth_business_day_of_month(&c, 2026, 2, 25), -1);
	assert_int_equal(cal_nth_business_day_of_month(&c, 2026, 13, 1), -1);
	assert_int_equal(cal_nth_business_day_of_month(&c, 2026, 2, 0), -1);
}

/* ---- Calendar files ---- */

static void
test_parse_file(void **state)
{
	static const char text[] =
	    "# Example tenant: Saturday shop in UTC-5\n"
	    "\n"
	    "tz -05:00\n"
	    "hours 08:30-18:00   # long day\n"
	    "weekdays mon-wed,fri-sat\n"
	    "holidays none\n"
	    "annual-off none\n"
	    "annual-off 08-13..08-15 Obon #3\n"
	    "off 2026-12-24..2026-12-26 Christmas\n"
	    "on 2026-12-25 on call\n"
	    "off 2026-11-20\r\n";
	struct cal c;
	char *err = (char *)1;
	int64_t t;

	(void)state;
	assert_int_equal(cal_parse(&c, text, &err), 0);
	assert_null(err);
	assert_int_equal(c.tz_min, -300);
	assert_int_equal(c.open_min, 8 * 60 + 30);
	assert_int_equal(c.close_min, 18 * 60);
	assert_false(cal_is_business_day(&c, 2026, 11, 26));    /* Thu */
	assert_true(cal_is_business_day(&c, 2026, 11, 28));     /* Sat */
	assert_true(cal_is_business_day(&c, 2026, 11, 23));     /* no holidays */
	assert_true(cal_is_business_day(&c, 2026, 12, 29));     /* no break */
	assert_false(cal_is_business_day(&c, 2026, 8, 14));
	assert_string_equal(cal_day_off_reason(&c,
	    cal_days_from_civil(2026, 8, 14)), "Obon");
	assert_false(cal_is_business_day(&c, 2026, 12, 24));
	assert_string_equal(cal_day_off_reason(&c,
	    cal_days_from_civil(2026, 12, 24)), "Christmas");
	assert_true(cal_is_business_day(&c, 2026, 12, 25));     /* later wins */
	assert_false(cal_is_business_day(&c, 2026, 12, 26));
	assert_false(cal_is_business_day(&c, 2026, 11, 20));
	assert_string_equal(cal_day_off_reason(&c,
	    cal_days_from_civil(2026, 11, 20)), "day off");
	/* Times are in the file's zone: 17:00 local Monday + 2 h. */
	t = cal_add_business_minutes(&c, cal_local_us(&c, 2026, 11, 23, 17, 0, 0),
	    120);
	assert_string_equal(loc(&c, t), "2026-11-24 09:30");
	cal_free(&c);
	cal_free(&c);
	cal_free(NULL);
}

static void
test_parse_overrides(void **state)
{
	struct cal c;
	char *err = NULL;

	(void)state;
	assert_int_equal(cal_parse(&c, "on 2026-11-23 Kinro work day\n"
	    "off 2026-11-24 company event\n", &err), 0);
	assert_true(cal_is_business_day(&c, 2026, 11, 23));
	assert_false(cal_is_business_day(&c, 2026, 11, 24));
	/* The R-15 example moves with the calendar. */
	assert_string_equal(loc(&c, cal_add_business_minutes(&c,
	    jst(2026, 11, 20, 16, 0), 300)), "2026-11-23 12:30");
	cal_free(&c);

	/* Empty text and NULL are the default; sat-mon wraps; a weekend on. */
	assert_int_equal(cal_parse(&c, "", NULL), 0);
	assert_false(cal_is_business_day(&c, 2026, 11, 23));
	cal_free(&c);
	assert_int_equal(cal_parse(&c, NULL, NULL), 0);
	cal_free(&c);
	assert_int_equal(cal_parse(&c, "weekdays sat-mon\nholidays none\n"
	    "tz Asia/Tokyo\non 2026-11-25\n", NULL), 0);
	assert_true(cal_is_business_day(&c, 2026, 11, 21));
	assert_true(cal_is_business_day(&c, 2026, 11, 22));
	assert_true(cal_is_business_day(&c, 2026, 11, 23));
	assert_false(cal_is_business_day(&c, 2026, 11, 24));
	assert_true(cal_is_business_day(&c, 2026, 11, 25));
	cal_free(&c);

	/* Round the clock: business time is wall time. */
	assert_int_equal(cal_parse(&c, "weekdays sun-sat\nhours 00:00-24:00\n"
	    "holidays none\nannual-off none\ntz UTC\n", NULL), 0);
	assert_int_equal(cal_add_business_minutes(&c, 12345, 3 * 24 * 60 + 7),
	    12345 + (3 * 24 * 60 + 7) * CAL_US_PER_MIN);
	assert_true(cal_in_hours(&c, 0));
	cal_free(&c);

	/* No business day at all: CAL_NEVER, not an endless loop. */
	assert_int_equal(cal_parse(&c, "annual-off 01-01..12-31\n", NULL), 0);
	assert_int_equal(cal_add_business_minutes(&c, jst(2026, 1, 5, 9, 0), 1),
	    CAL_NEVER);
	assert_int_equal(cal_next_business_instant(&c, jst(2026, 1, 5, 9, 0)),
	    CAL_NEVER);
	assert_int_equal(cal_add_business_days(&c, jst(2026, 1, 5, 9, 0), 1),
	    CAL_NEVER);
	cal_free(&c);
}

static void
expect_error(const char *text, const char *want_prefix, const char *want_part)
{
	struct cal c;
	char *err = NULL;

	assert_int_equal(cal_parse(&c, text, &err), -1);
	assert_non_null(err);
	if (strncmp(err, want_prefix, strlen(want_prefix)) != 0 ||
	    strstr(err, want_part) == NULL)
		fail_msg("for %s got \"%s\", want \"%s...%s...\"", text, err,
		    want_prefix, want_part);
	/* On error the calendar is the default and owns nothing. */
	assert_int_equal(c.n_dates, 0);
	assert_int_equal(c.tz_min, 540);
	free(err);
	cal_free(&c);
}

static void
test_parse_errors(void **state)
{
	(void)state;
	expect_error("hours 9-5\n", "line 1: ", "bad hours '9-5'");
	expect_error("# c\n\nhours 17:30-09:00\n", "line 3: ",
	    "start must be before the end");
	expect_error("hours 09:00-17:30\nhours 10:00-18:00\n", "line 2: ",
	    "'hours' given twice (first on line 1)");
	expect_error("tz America/New_York\n", "line 1: ",
	    "time zone 'America/New_York' is not supported");
	expect_error("tz +15:00\n", "line 1: ", "bad offset");
	expect_error("weekdays mon-fry\n", "line 1: ", "bad weekdays 'mon-fry'");
	expect_error("holidays us\n", "line 1: ", "expected jp or none");
	expect_error("\n\n\nlunch 12:00-13:00\n", "line 4: ",
	    "unknown directive 'lunch'");
	expect_error("off 2026-02-30\n", "line 1: ", "bad date '2026-02-30'");
	expect_error("off 2026-12-31..2026-12-01\n", "line 1: ",
	    "end is before the start");
	expect_error("on 2026-01-01..2027-06-01\n", "line 1: ",
	    "longer than 366 days");
	expect_error("off\n", "line 1: ", "'off' needs a date");
	expect_error("hours\n", "line 1: ", "'hours' needs a value");
	expect_error("tz +09:00 extra\n", "line 1: ", "unexpected 'extra'");
	expect_error("annual-off 13-01\n", "line 1: ", "bad date range '13-01'");
	expect_error("annual-off none please\n", "line 1: ", "unexpected text");
	/* Control bytes are not echoed raw. */
	expect_error("\x1b[2Jwipe 1\n", "line 1: ", "unknown directive '?[2Jwipe'");
	/* Errors after good lines free what was built. */
	expect_error("off 2026-01-05 a\non 2026-01-06 b\nbogus\n", "line 3: ",
	    "unknown directive");
	/* A NULL err pointer is allowed. */
	{
		struct cal c;

		assert_int_equal(cal_parse(&c, "bogus\n", NULL), -1);
		cal_free(&c);
	}
}

/* Dated rules from the database, as calendar_day rows would give them. */
static void
test_set_date(void **state)
{
	struct cal c;

	(void)state;
	cal_default(&c);
	assert_int_equal(cal_set_date(&c, cal_days_from_civil(2026, 11, 25),
	    true, "inventory"), 0);
	assert_int_equal(cal_set_date(&c, cal_days_from_civil(2026, 11, 23),
	    false, NULL), 0);
	assert_int_equal(cal_set_date(&c, cal_days_from_civil(2026, 11, 24),
	    true, "x"), 0);
	assert_int_equal(cal_set_date(&c, cal_days_from_civil(2026, 11, 24),
	    true, "move"), 0);
	assert_int_equal(c.n_dates, 3);
	assert_true(c.dates[0].day < c.dates[1].day &&
	    c.dates[1].day < c.dates[2].day);
	assert_true(cal_is_business_day(&c, 2026, 11, 23));
	assert_string_equal(cal_day_off_reason(&c,
	    cal_days_from_civil(2026, 11, 24)), "move");
	assert_string_equal(cal_day_off_reason(&c,
	    cal_days_from_civil(2026, 11, 25)), "inventory");
	/* Friday 16:00 + 5 h: 1.5 h Friday, 3.5 h Monday 23rd. */
	assert_string_equal(loc(&c, cal_add_business_minutes(&c,
	    jst(2026, 11, 20, 16, 0), 300)), "2026-11-23 12:30");
	cal_free(&c);
}

/* Random files, line by line from the format's words with random damage,
 * never crash the parser or leak, and every error names its line (run
 * under ASan/valgrind).  Deterministic: a fixed LCG seed. */
static uint32_t
rnd(uint32_t *seed, uint32_t n)
{
	*seed = *seed * 1103515245u + 12345u;
	return (*seed >> 16) % n;
}

static void
test_parse_garbage(void **state)
{
	static const char *const keys[] = {
		"tz", "hours", "weekdays", "holidays", "annual-off", "off", "on",
		"#", "bogus",
	};
	static const char *const vals[] = {
		"+09:00", "-14:00", "+14:01", "UTC", "09:00-17:30", "00:00-24:00",
		"17:30-09:00", "24:00-24:00", "mon-fri", "sat-mon", "sun", "mon,",
		"jp", "none", "12-29..01-03", "02-29", "13-01", "2026-11-23",
		"2026-02-29", "2026-01-01..2026-12-31", "2027-01-01..2026-01-01",
		"1969-12-31", "9999-12-31", "..", "-", ":", "", "\x80\xff",
	};
	static const char *const tails[] = {
		"", "", "", " note", " # c", " extra words", " 日本語メモ", "\r",
	};
	uint32_t seed = 12345;
	int i, j, ok = 0;

	(void)state;
	for (i = 0; i < 4000; i++) {
		char text[1024] = "";
		struct cal c;
		char *err = NULL;
		int n = (int)rnd(&seed, 8), bad_line = 0;

		for (j = 0; j < n; j++) {
			size_t len = strlen(text);

			snprintf(text + len, sizeof text - len, "%s %s%s\n",
			    keys[rnd(&seed, sizeof keys / sizeof keys[0])],
			    vals[rnd(&seed, sizeof vals / sizeof vals[0])],
			    tails[rnd(&seed, sizeof tails / sizeof tails[0])]);
		}
		if (rnd(&seed, 4) == 0 && strlen(text) > 0)      /* damage */
			text[rnd(&seed, (uint32_t)strlen(text))] =
			    (char)(rnd(&seed, 255) + 1);
		if (cal_parse(&c, text, &err) == 0) {
			assert_null(err);
			ok++;
			(void)cal_add_business_minutes(&c, jst(2026, 11, 20, 16, 0),
			    300);
			(void)cal_nth_business_day_of_month(&c, 2027, 1, 5);
		} else {
			size_t k;

			assert_non_null(err);
			assert_int_equal(sscanf(err, "line %d: ", &bad_line), 1);
			assert_true(bad_line >= 1 && bad_line <= n + 1);
			for (k = 0; err[k] != '\0'; k++)
				assert_true((unsigned char)err[k] >= 0x20 &&
				    (unsigned char)err[k] < 0x7f);
			free(err);
		}
		cal_free(&c);
	}
	/* Both outcomes were exercised. */
	assert_true(ok > 200 && ok < 3800);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_civil_roundtrip),
		cmocka_unit_test(test_local_time),
		cmocka_unit_test(test_holidays_2026),
		cmocka_unit_test(test_holidays_2025),
		cmocka_unit_test(test_holidays_special_years),
		cmocka_unit_test(test_holidays_all_years),
		cmocka_unit_test(test_default_business_days),
		cmocka_unit_test(test_in_hours),
		cmocka_unit_test(test_add_minutes_issue_example),
		cmocka_unit_test(test_add_minutes_same_day),
		cmocka_unit_test(test_add_minutes_breaks),
		cmocka_unit_test(test_next_window),
		cmocka_unit_test(test_business_days),
		cmocka_unit_test(test_parse_file),
		cmocka_unit_test(test_parse_overrides),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_set_date),
		cmocka_unit_test(test_parse_garbage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
