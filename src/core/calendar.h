/* calendar.h - the business calendar behind every "business hours" rule.
 *
 * SPEC "Clock rules": business hours and holidays are configuration, never
 * constants.  A struct cal says, for one tenant (or the company default),
 * which local days are business days and which hours of them count.  Used by
 * sla.c (R-15 explanatory due, R-19 gray reply due, R-25 monthly due) and by
 * the daemon's business-hours gate.
 *
 * Pure code: no I/O, no clock, no localtime()/TZ.  Every instant is int64_t
 * microseconds since 1970-01-01T00:00:00Z ("us"); every local date is a day
 * number, days since 1970-01-01 in the calendar's time zone ("day").  The
 * zone is a fixed UTC offset (Asia/Tokyo is +09:00 and has had no daylight
 * saving time since 1951); zones with DST are not supported.
 *
 * THE DEFAULT (cal_default):
 *   Monday-Friday 09:00-17:30, UTC+09:00 (Asia/Tokyo), Japanese public
 *   holidays, and the company's year-end break 12-29..01-03 off.
 *
 * JAPANESE PUBLIC HOLIDAYS (cal_jp_holiday), computed by rule for
 * 2000-2099 (no holidays are known outside that range):
 *   fixed days (01-01, 02-11, 02-23 from 2020, 04-29, 05-03, 05-04 from
 *   2007, 05-05, 08-11 from 2016, 11-03, 11-23, 12-23 until 2018);
 *   Happy Monday days (Coming of Age: 2nd Monday of January; Marine Day:
 *   3rd Monday of July from 2003, 07-20 before; Respect for the Aged: 3rd
 *   Monday of September from 2003, 09-15 before; Sports Day: 2nd Monday of
 *   October); the equinoxes by the usual approximation formula (exact for
 *   the years published so far, an estimate further out: the official
 *   dates are announced each February for the next year);
 *   substitute holidays (振替休日: a holiday on a Sunday moves the day off to
 *   the next day that is not a holiday; before 2007 only to the Monday);
 *   citizen's holidays (国民の休日: a day between two holidays).
 *   One-off days by special laws ARE included: 2019 (enthronement: 05-01,
 *   10-22, and so 04-30 and 05-02 by the sandwich rule) and the Olympic
 *   moves of 2020 (Marine 07-23, Sports 07-24, Mountain 08-10) and 2021
 *   (Marine 07-22, Sports 07-23, Mountain 08-08 with its substitute 08-09).
 *
 * CALENDAR FILE FORMAT (cal_parse; a tenant's `calendar` column):
 *   UTF-8 text, one directive a line, words separated by blanks.  Blank
 *   lines are ignored; `#` at the start of a line or after a blank starts a
 *   comment that runs to the end of the line.  A file states what differs
 *   from the default: the empty file is the default calendar.
 *
 *   tz +09:00               fixed offset from UTC, -14:00..+14:00; also
 *                           `tz UTC` and `tz Asia/Tokyo` (= +09:00)
 *   hours 09:00-17:30       business hours of a business day, start < end,
 *                           end may be 24:00 (one window a day)
 *   weekdays mon-fri        working weekdays: names (sun mon tue wed thu fri
 *                           sat) and ranges joined by commas, e.g.
 *                           `mon-wed,fri` or `sat-mon`; at least one
 *   holidays jp             Japanese public holidays are days off (default)
 *   holidays none           they are not
 *   annual-off 12-29..01-03 [note]
 *                           a day range off every year (MM-DD..MM-DD, may
 *                           wrap the year end, or one MM-DD).  Adds to the
 *                           list, which starts as the default 12-29..01-03
 *   annual-off none         empties that list (later lines may add again)
 *   off 2026-08-13 [note]   one date (or YYYY-MM-DD..YYYY-MM-DD, at most
 *                           366 days) off, whatever the rules above say
 *   on 2026-11-23 [note]    one date (or range) worked, even a weekend or
 *                           holiday: `on` and `off` dates win over every rule;
 *                           for a date given twice the later line wins
 *
 *   tz, hours, weekdays and holidays may each appear once.  Errors name the
 *   first bad line as "line N: message"; the caller adds the file name.
 *
 * Ownership: a struct cal owns its date list (and notes); release it with
 * cal_free().  A cal is read-only once built, so sharing one between
 * threads is safe.
 */
#ifndef ITRACE_CALENDAR_H
#define ITRACE_CALENDAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CAL_US_PER_SEC   INT64_C(1000000)
#define CAL_US_PER_MIN   (60 * CAL_US_PER_SEC)
#define CAL_US_PER_HOUR  (60 * CAL_US_PER_MIN)
#define CAL_US_PER_DAY   (24 * CAL_US_PER_HOUR)

/* "No such instant": returned when no business time exists within the
 * search horizon (CAL_HORIZON_DAYS), or when an input is CAL_NEVER. */
#define CAL_NEVER        INT64_MAX
#define CAL_HORIZON_DAYS 3700     /* about ten years */

#define CAL_ANNUAL_MAX   32

/* An annual range off: month*100+day, from..to inclusive (wraps if from>to). */
struct cal_annual {
	int from_md;
	int to_md;
	char *note;         /* owned; NULL when none */
};

/* A dated exception to the rules: an `on` or `off` line. */
struct cal_date_rule {
	int64_t day;        /* local day number */
	bool off;           /* true: off; false: worked */
	char *note;         /* owned; NULL when none */
};

struct cal {
	int tz_min;                     /* local = UTC + tz_min minutes */
	int open_min;                   /* business hours [open, close), */
	int close_min;                  /* minutes after local midnight */
	unsigned weekdays;              /* bit 0 Sunday .. bit 6 Saturday */
	bool jp_holidays;
	struct cal_annual annual[CAL_ANNUAL_MAX];
	size_t n_annual;
	struct cal_date_rule *dates;    /* owned, sorted by day, unique */
	size_t n_dates;
};

/* A broken-down local time (the calendar's zone). */
struct cal_tm {
	int year, month, day;           /* 1-12, 1-31 */
	int hour, min, sec;
	int usec;
	int wday;                       /* 0 Sunday .. 6 Saturday */
};

/* ---- Dates (proleptic Gregorian, no zone) ---- */

/* Day number of a civil date (1970-01-01 is 0).  No range check. */
int64_t cal_days_from_civil(int year, int month, int day);
/* Civil date of a day number; any pointer may be NULL. */
void cal_civil_from_days(int64_t day, int *year, int *month, int *mday);
/* Weekday of a day number, 0 Sunday .. 6 Saturday. */
int cal_weekday(int64_t day);
/* Days in a month (1-12) of a year; 0 for a bad month. */
int cal_days_in_month(int year, int month);
/* true if year-month-day names a real date. */
bool cal_valid_date(int year, int month, int day);

/* SPEC "Clock rules" (holidays by default).
 * Name of the Japanese public holiday on that date, or NULL.  The string is
 * static (English, e.g. "Labour Thanksgiving Day", "Substitute holiday",
 * "Citizen's holiday").  Rules as described above; NULL outside 2000-2099. */
const char *cal_jp_holiday(int year, int month, int day);

/* ---- Building a calendar ---- */

/* The company default (see above).  Allocates nothing; cal_free() is still
 * fine to call.  Never fails. */
void cal_default(struct cal *c);

/* Build *c from a calendar file's text (see the format above), starting
 * from the default.  *c need not be initialised.  Returns 0 on success.
 * On error returns -1, leaves *c as the default calendar (owning nothing),
 * and sets *err (if err is not NULL) to a malloc'd "line N: message" that
 * the caller frees; on allocation failure *err is "out of memory" (still
 * malloc'd when possible, else NULL).  text NULL is the empty file. */
int cal_parse(struct cal *c, const char *text, char **err);

/* Set one dated rule, as an `on`/`off` line would (for rows of the
 * calendar_day table): replaces a rule for the same day.  note may be NULL
 * and is copied.  Returns 0, or -1 on allocation failure (*c unchanged). */
int cal_set_date(struct cal *c, int64_t day, bool off, const char *note);

/* Free what *c owns and reset it to the default.  NULL is fine. */
void cal_free(struct cal *c);

/* ---- Instants and local time ---- */

/* Local day number of an instant. */
int64_t cal_local_day(const struct cal *c, int64_t t_us);
/* Break an instant down in the calendar's zone. */
void cal_local_tm(const struct cal *c, int64_t t_us, struct cal_tm *tm);
/* The instant of a local wall-clock time (hour may be 24 = next midnight).
 * No validation of the fields beyond what day-number arithmetic allows. */
int64_t cal_local_us(const struct cal *c, int year, int month, int day,
    int hour, int min, int sec);
/* Start and end of business hours on local day `day` (whether or not it is
 * a business day). */
int64_t cal_open_us(const struct cal *c, int64_t day);
int64_t cal_close_us(const struct cal *c, int64_t day);

/* ---- Business days and hours ---- */

/* Is the local date a business day?  Order of precedence: an `on`/`off`
 * date, then the working weekdays, Japanese holidays (if enabled) and the
 * annual ranges (any of them makes the day off). */
bool cal_is_business_day(const struct cal *c, int year, int month, int day);
bool cal_is_business_daynum(const struct cal *c, int64_t day);

/* Why a local date is not a business day: a borrowed string (the note of
 * an `off` line, a holiday name, "Saturday", "annual day off", ...), or NULL
 * when it is a business day.  Valid while *c lives. */
const char *cal_day_off_reason(const struct cal *c, int64_t day);

/* Is the instant inside business hours of a business day?  (R-8, R-14,
 * R-22..R-24: the business-hours actions.) */
bool cal_in_hours(const struct cal *c, int64_t t_us);

/* the "next business window" of a 409 answer.
 * The business-hours window at or after now: if now is inside hours, the
 * current window (then *start <= now < *end); otherwise the next one.
 * Returns 0, or -1 with *start = *end = CAL_NEVER if no business day lies
 * within CAL_HORIZON_DAYS.  start/end may be NULL. */
int cal_next_window(const struct cal *c, int64_t now_us, int64_t *start,
    int64_t *end);

/* The first instant at or after t that is inside business hours (t itself
 * when in hours); CAL_NEVER if none within the horizon. */
int64_t cal_next_business_instant(const struct cal *c, int64_t t_us);

/* R-15 (5 business hours).  Add business time: the earliest instant r >= start such that exactly
 * `us` microseconds of business hours lie in [start, r).  A result that
 * ends a window is the closing instant itself (12:30 + 5 h = 17:30 the
 * same day with the default hours).  us <= 0 returns start.  CAL_NEVER if
 * the horizon is exhausted. */
int64_t cal_add_business_us(const struct cal *c, int64_t start_us, int64_t us);
int64_t cal_add_business_minutes(const struct cal *c, int64_t start_us,
    int64_t minutes);

/* Business time (us) inside [a, b); negative when b < a (minus that of
 * [b, a)).  Walks day by day: keep spans reasonable (years, not ages). */
int64_t cal_business_us_between(const struct cal *c, int64_t a_us,
    int64_t b_us);

/* R-19 (3 business days).  The n-th business day strictly after local day `day` (n >= 1); `day`
 * itself for n <= 0.  -1 (never a valid answer for dates after 1970) if
 * none within the horizon. */
int64_t cal_nth_business_day_after(const struct cal *c, int64_t day, int n);

/* The same local time of day on the n-th business day after the local
 * date of t (n >= 1; t for n <= 0).  CAL_NEVER if none within horizon. */
int64_t cal_add_business_days(const struct cal *c, int64_t t_us, int n);

/* R-25 (5th business day).  Day number of the n-th (1-based) business day
 * of a month, or -1 if the
 * month has fewer (or year/month/n are bad). */
int64_t cal_nth_business_day_of_month(const struct cal *c, int year,
    int month, int n);

#endif
