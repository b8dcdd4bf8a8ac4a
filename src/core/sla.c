/* sla.c - due times and countdowns (SPEC "Clock rules"); see sla.h for the
 * definitions chosen where the SPEC leaves room. */
#include "core/sla.h"

#include <stdio.h>

/* */
int64_t
sla_quick_due(int64_t received_us)
{
	if (received_us > CAL_NEVER - SLA_QUICK_US)
		return CAL_NEVER;
	return received_us + SLA_QUICK_US;
}

/* */
int64_t
sla_explain_due(const struct cal *c, int64_t received_us)
{
	return cal_add_business_minutes(c, received_us, SLA_EXPLAIN_MINUTES);
}

/* */
int64_t
sla_reply_due(const struct cal *c, int64_t published_us)
{
	int64_t day;

	if (published_us == CAL_NEVER)
		return CAL_NEVER;
	day = cal_nth_business_day_after(c, cal_local_day(c, published_us),
	    SLA_REPLY_DAYS);
	if (day < 0)
		return CAL_NEVER;
	return cal_close_us(c, day);
}

/* */
int64_t
sla_monthly_due(const struct cal *c, int year, int month)
{
	int64_t day;

	if (month < 1 || month > 12)
		return CAL_NEVER;
	if (month == 12) {
		year++;
		month = 1;
	} else
		month++;
	day = cal_nth_business_day_of_month(c, year, month, SLA_MONTHLY_NTH);
	if (day < 0)
		return CAL_NEVER;
	return cal_close_us(c, day);
}

/* */
bool
sla_in_dedup_window(int64_t first_received_us, int64_t received_us)
{
	if (received_us < first_received_us)
		return false;
	return received_us - first_received_us <= SLA_DEDUP_US;
}

/* */
int64_t
sla_lookback_start(int64_t detected_us)
{
	if (detected_us < INT64_MIN + SLA_LOOKBACK_US)
		return INT64_MIN;
	return detected_us - SLA_LOOKBACK_US;
}

/* */
int64_t
sla_retention_until(const struct cal *c, int64_t published_us)
{
	int64_t tz_us, local, day, tod;
	int y, m, d, dim;

	if (published_us == CAL_NEVER)
		return CAL_NEVER;
	tz_us = c != NULL ? (int64_t)c->tz_min * CAL_US_PER_MIN : 0;
	local = published_us + tz_us;
	day = local / CAL_US_PER_DAY;
	if (local % CAL_US_PER_DAY < 0)
		day--;
	tod = local - day * CAL_US_PER_DAY;
	cal_civil_from_days(day, &y, &m, &d);
	m += SLA_RETENTION_MONTHS;
	y += (m - 1) / 12;
	m = (m - 1) % 12 + 1;
	dim = cal_days_in_month(y, m);
	if (d > dim)
		d = dim;
	return cal_days_from_civil(y, m, d) * CAL_US_PER_DAY + tod - tz_us;
}

enum sla_class
sla_classify(int64_t left_us)
{
	if (left_us < 0)
		return SLA_BREACHED;
	if (left_us < SLA_WARN_US)
		return SLA_WARN;
	return SLA_OK;
}

const char *
sla_class_name(enum sla_class k)
{
	switch (k) {
	case SLA_OK:
		return "ok";
	case SLA_WARN:
		return "warn";
	case SLA_BREACHED:
		return "breached";
	}
	return "?";
}

int
sla_format_left(int64_t left_us, char *buf, size_t n)
{
	const char *sign = left_us < 0 ? "-" : "";
	/* Magnitude in whole seconds, without negating INT64_MIN. */
	int64_t s = left_us < 0 ? -(left_us / CAL_US_PER_SEC) :
	    left_us / CAL_US_PER_SEC;
	char tmp[32];
	int len;

	if (s >= 24 * 3600)
		len = snprintf(tmp, sizeof tmp, "%s%lldd %02lld:%02lld", sign,
		    (long long)(s / 86400), (long long)(s / 3600 % 24),
		    (long long)(s / 60 % 60));
	else
		len = snprintf(tmp, sizeof tmp, "%s%lld:%02lld:%02lld", sign,
		    (long long)(s / 3600), (long long)(s / 60 % 60),
		    (long long)(s % 60));
	if (buf != NULL && n > 0)
		snprintf(buf, n, "%s", tmp);
	return len;
}
