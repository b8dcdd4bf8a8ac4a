/* sla.h - the clock rules of SPEC "Clock rules": due times and countdowns.
 *
 * Pure code with an injected clock: every time is int64_t microseconds since
 * the epoch (UTC); business rules take the tenant's struct cal (calendar.h).
 * Nothing here allocates; no function can fail except by returning
 * CAL_NEVER (no business time within the calendar's horizon, or an input
 * that was CAL_NEVER).
 *
 * Definitions chosen here (the SPEC leaves them open):
 *  - "5 business hours" is business time counted from reception; a
 *    due time that ends a business day is that closing instant (received
 *    12:30 -> due 17:30 the same day), so an alert received before noon is
 *    due the same day.
 *  - "3 business days" for a gray answer is the END of the third
 *    business day after the local date of publication (that date itself
 *    never counts, even when published early in the morning): published
 *    Thursday 15:00 -> due Tuesday 17:30 (Fri, Mon, Tue).  This is the
 *    customer-friendly reading of 「3 営業日以内」: the alert turns white
 *    only when three whole business days have passed.
 *  - "the 5th business day of the next month" is the end of
 *    business hours of that day.
 *  - retention is 13 calendar months in the calendar's zone, the day
 *    of month clamped to the target month's length (01-31 -> 02-28/29), as
 *    PostgreSQL's `+ interval '13 months'` does.
 *  - a due time is met AT the due instant: breached only when strictly
 *    past it.
 */
#ifndef ITRACE_SLA_H
#define ITRACE_SLA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/calendar.h"

#define SLA_QUICK_US        (2 * CAL_US_PER_HOUR)   /* R-10, 24/7 */
#define SLA_EXPLAIN_MINUTES (5 * 60)                /* R-15, business */
#define SLA_REPLY_DAYS      3                       /* R-19, business */
#define SLA_MONTHLY_NTH     5                       /* R-25, business */
#define SLA_DEDUP_US        (72 * CAL_US_PER_HOUR)  /* R-12, 24/7 */
#define SLA_LOOKBACK_US     (7 * CAL_US_PER_DAY)    /* R-11, 24/7 */
#define SLA_RETENTION_MONTHS 13                     /* R-28, calendar */
#define SLA_WARN_US         (30 * CAL_US_PER_MIN)   /* console: warn below */

/* quick report due, 2 h after reception, any hour of any day. */
int64_t sla_quick_due(int64_t received_us);

/* explanatory report due, 5 business hours after reception. */
int64_t sla_explain_due(const struct cal *c, int64_t received_us);

/* the administrator's answer to a gray verdict is due at the end of
 * the 3rd business day after the explanatory report's publication; past
 * it the alert is handled as white. */
int64_t sla_reply_due(const struct cal *c, int64_t published_us);

/* the monthly report for year-month is due at the end of the 5th
 * business day of the following month.  CAL_NEVER for a bad month. */
int64_t sla_monthly_due(const struct cal *c, int year, int month);

/* is `received_us` within the 72 h dedup window opened by the first
 * alert received at `first_received_us`?  The window is closed at its end:
 * [first, first + 72 h]; an alert received earlier than the first is not. */
bool sla_in_dedup_window(int64_t first_received_us, int64_t received_us);

/* the earliest log time investigated for an alert detected at
 * `detected_us` (7 days back). */
int64_t sla_lookback_start(int64_t detected_us);

/* the instant a report published at `published_us` may be purged:
 * 13 calendar months later in c's zone (UTC when c is NULL). */
int64_t sla_retention_until(const struct cal *c, int64_t published_us);

/* Console classification of the time left before a due time. */
enum sla_class {
	SLA_OK,         /* 30 min or more left */
	SLA_WARN,       /* less than 30 min left, not past due */
	SLA_BREACHED,   /* past due */
};

enum sla_class sla_classify(int64_t left_us);
/* "ok", "warn", "breached" (static). */
const char *sla_class_name(enum sla_class k);

/* Countdown text for time left (negative when breached), truncated to the
 * second:  "1:59:58", "0:00:05", "-0:03:12"; from 24 h on "2d 03:00"
 * (days, hours:minutes), "-2d 03:00" when breached that long.  Writes at
 * most n bytes with a NUL into buf (caller's storage); returns the length
 * the full text has, like snprintf (at most 24, so 32 bytes always fit). */
int sla_format_left(int64_t left_us, char *buf, size_t n);

#endif
