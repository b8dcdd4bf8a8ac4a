/* calendar.c - business calendar: dates, Japanese holidays, business time.
 *
 * Design note.  Everything is day-number arithmetic on a fixed UTC offset:
 * an instant becomes a local day number and a time of day by one floor
 * division, so no libc time function (and no TZ environment) is involved
 * and results do not depend on the host.  Holidays are recomputed by rule
 * on each query (a handful of integer operations), so a calendar carries
 * no per-year tables.  A tenant's file only lists what differs from the
 * default; dated `on`/`off` lines are kept sorted for binary search.
 * The file format's parser is calendar_parse.c.
 */
#include "core/calendar.h"

#include <stdlib.h>
#include <string.h>

/* ---- Dates ---- */

static int64_t
floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	if (a % b != 0 && ((a < 0) != (b < 0)))
		q--;
	return q;
}

/* Howard Hinnant's days_from_civil / civil_from_days. */
int64_t
cal_days_from_civil(int year, int month, int day)
{
	int64_t y = (int64_t)year - (month <= 2);
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t mp = month > 2 ? month - 3 : month + 9;
	int64_t doy = (153 * mp + 2) / 5 + day - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

void
cal_civil_from_days(int64_t z, int *year, int *month, int *mday)
{
	int64_t era, doe, yoe, y, doy, mp, d, m;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	if (m <= 2)
		y++;
	if (year != NULL)
		*year = (int)y;
	if (month != NULL)
		*month = (int)m;
	if (mday != NULL)
		*mday = (int)d;
}

int
cal_weekday(int64_t day)
{
	int64_t r = (day + 4) % 7;     /* 1970-01-01 was a Thursday */

	if (r < 0)
		r += 7;
	return (int)r;
}

static bool
is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int
cal_days_in_month(int year, int month)
{
	static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (month < 1 || month > 12)
		return 0;
	if (month == 2 && is_leap(year))
		return 29;
	return dim[month - 1];
}

bool
cal_valid_date(int year, int month, int day)
{
	return day >= 1 && day <= cal_days_in_month(year, month);
}

/* ---- Japanese public holidays (国民の祝日に関する法律) ---- */

/* Day of month of the n-th Monday of year-month. */
static int
nth_monday(int y, int m, int n)
{
	int w1 = cal_weekday(cal_days_from_civil(y, m, 1));
	int first = 1 + (1 - w1 + 7) % 7;

	return first + 7 * (n - 1);
}

/* Equinox days by the usual approximation, valid 1980-2099: the integer
 * part of base + 0.242194 (y - 1980) - floor((y - 1980) / 4), computed in
 * millionths to keep floating point out. */
static int
equinox(int y, int64_t base_millionths)
{
	int64_t k = y - 1980;

	return (int)((base_millionths + 242194 * k) / 1000000 - k / 4);
}

/* The holiday the law names for the date itself (no substitute or
 * citizen's holidays), or NULL. */
static const char *
base_holiday(int y, int m, int d)
{
	if (y < 2000 || y > 2099)
		return NULL;
	switch (m) {
	case 1:
		if (d == 1)
			return "New Year's Day";
		if (d == nth_monday(y, 1, 2))
			return "Coming of Age Day";
		break;
	case 2:
		if (d == 11)
			return "National Foundation Day";
		if (d == 23 && y >= 2020)
			return "Emperor's Birthday";
		break;
	case 3:
		if (d == equinox(y, 20843100))
			return "Vernal Equinox Day";
		break;
	case 4:
		if (d == 29)
			return y >= 2007 ? "Showa Day" : "Greenery Day";
		break;
	case 5:
		if (d == 1 && y == 2019)
			return "Enthronement Day";
		if (d == 3)
			return "Constitution Memorial Day";
		if (d == 4 && y >= 2007)
			return "Greenery Day";
		if (d == 5)
			return "Children's Day";
		break;
	case 7:
		if (y == 2020)
			return d == 23 ? "Marine Day" : d == 24 ? "Sports Day" : NULL;
		if (y == 2021)
			return d == 22 ? "Marine Day" : d == 23 ? "Sports Day" : NULL;
		if (d == (y >= 2003 ? nth_monday(y, 7, 3) : 20))
			return "Marine Day";
		break;
	case 8:
		if (y >= 2016 && d == (y == 2020 ? 10 : y == 2021 ? 8 : 11))
			return "Mountain Day";
		break;
	case 9:
		if (d == (y >= 2003 ? nth_monday(y, 9, 3) : 15))
			return "Respect for the Aged Day";
		if (d == equinox(y, 23248800))
			return "Autumnal Equinox Day";
		break;
	case 10:
		if (y == 2019 && d == 22)
			return "Enthronement Ceremony Day";
		if (y != 2020 && y != 2021 && d == nth_monday(y, 10, 2))
			return y >= 2020 ? "Sports Day" : "Health and Sports Day";
		break;
	case 11:
		if (d == 3)
			return "Culture Day";
		if (d == 23)
			return "Labour Thanksgiving Day";
		break;
	case 12:
		if (d == 23 && y <= 2018)
			return "Emperor's Birthday";
		break;
	default:
		break;
	}
	return NULL;
}

static const char *
base_holiday_day(int64_t day)
{
	int y, m, d;

	cal_civil_from_days(day, &y, &m, &d);
	return base_holiday(y, m, d);
}

const char *
cal_jp_holiday(int year, int month, int day)
{
	const char *name;
	int64_t dn, k;

	if (!cal_valid_date(year, month, day))
		return NULL;
	if ((name = base_holiday(year, month, day)) != NULL)
		return name;
	if (year < 2000 || year > 2099)
		return NULL;
	dn = cal_days_from_civil(year, month, day);

	/* 振替休日.  From 2007: the first non-holiday after a run of holidays
	 * that contains a Sunday.  Before: only the Monday after a Sunday. */
	if (dn >= cal_days_from_civil(2007, 1, 1)) {
		for (k = 1; base_holiday_day(dn - k) != NULL; k++) {
			if (cal_weekday(dn - k) == 0)
				return "Substitute holiday";
		}
	} else if (cal_weekday(dn) == 1 && base_holiday_day(dn - 1) != NULL)
		return "Substitute holiday";

	/* 国民の休日: a day between two holidays of the law. */
	if (base_holiday_day(dn - 1) != NULL && base_holiday_day(dn + 1) != NULL)
		return "Citizen's holiday";
	return NULL;
}

/* ---- Building ---- */

void
cal_default(struct cal *c)
{
	memset(c, 0, sizeof *c);
	c->tz_min = 9 * 60;
	c->open_min = 9 * 60;
	c->close_min = 17 * 60 + 30;
	c->weekdays = 0x3e;             /* Monday .. Friday */
	c->jp_holidays = true;
	c->annual[0].from_md = 1229;
	c->annual[0].to_md = 103;
	c->annual[0].note = NULL;
	c->n_annual = 1;
	c->dates = NULL;
	c->n_dates = 0;
}

void
cal_free(struct cal *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n_annual && i < CAL_ANNUAL_MAX; i++)
		free(c->annual[i].note);
	for (i = 0; i < c->n_dates; i++)
		free(c->dates[i].note);
	free(c->dates);
	cal_default(c);
}

int
cal_set_date(struct cal *c, int64_t day, bool off, const char *note)
{
	struct cal_date_rule *r, *nd;
	char *copy = NULL;
	size_t lo = 0, hi = c->n_dates;

	if (note != NULL && (copy = strdup(note)) == NULL)
		return -1;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (c->dates[mid].day < day)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < c->n_dates && c->dates[lo].day == day) {
		r = &c->dates[lo];
		free(r->note);
	} else {
		nd = realloc(c->dates, (c->n_dates + 1) * sizeof *nd);
		if (nd == NULL) {
			free(copy);
			return -1;
		}
		c->dates = nd;
		memmove(&nd[lo + 1], &nd[lo], (c->n_dates - lo) * sizeof *nd);
		c->n_dates++;
		r = &nd[lo];
		r->day = day;
	}
	r->off = off;
	r->note = copy;
	return 0;
}

/* ---- Instants ---- */

static int64_t
local_midnight_us(const struct cal *c, int64_t day)
{
	return day * CAL_US_PER_DAY - (int64_t)c->tz_min * CAL_US_PER_MIN;
}

int64_t
cal_local_day(const struct cal *c, int64_t t_us)
{
	return floor_div(t_us + (int64_t)c->tz_min * CAL_US_PER_MIN,
	    CAL_US_PER_DAY);
}

void
cal_local_tm(const struct cal *c, int64_t t_us, struct cal_tm *tm)
{
	int64_t day = cal_local_day(c, t_us);
	int64_t tod = t_us - local_midnight_us(c, day);

	cal_civil_from_days(day, &tm->year, &tm->month, &tm->day);
	tm->hour = (int)(tod / CAL_US_PER_HOUR);
	tm->min = (int)(tod / CAL_US_PER_MIN % 60);
	tm->sec = (int)(tod / CAL_US_PER_SEC % 60);
	tm->usec = (int)(tod % CAL_US_PER_SEC);
	tm->wday = cal_weekday(day);
}

int64_t
cal_local_us(const struct cal *c, int year, int month, int day, int hour,
    int min, int sec)
{
	return local_midnight_us(c, cal_days_from_civil(year, month, day)) +
	    (int64_t)hour * CAL_US_PER_HOUR + (int64_t)min * CAL_US_PER_MIN +
	    (int64_t)sec * CAL_US_PER_SEC;
}

int64_t
cal_open_us(const struct cal *c, int64_t day)
{
	return local_midnight_us(c, day) + (int64_t)c->open_min * CAL_US_PER_MIN;
}

int64_t
cal_close_us(const struct cal *c, int64_t day)
{
	return local_midnight_us(c, day) + (int64_t)c->close_min * CAL_US_PER_MIN;
}

/* ---- Business days ---- */

static const struct cal_date_rule *
find_date(const struct cal *c, int64_t day)
{
	size_t lo = 0, hi = c->n_dates;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (c->dates[mid].day == day)
			return &c->dates[mid];
		if (c->dates[mid].day < day)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static const struct cal_annual *
find_annual(const struct cal *c, int month, int mday)
{
	int md = month * 100 + mday;
	size_t i;

	for (i = 0; i < c->n_annual; i++) {
		const struct cal_annual *a = &c->annual[i];
		bool in = a->from_md <= a->to_md ?
		    (md >= a->from_md && md <= a->to_md) :
		    (md >= a->from_md || md <= a->to_md);

		if (in)
			return a;
	}
	return NULL;
}

const char *
cal_day_off_reason(const struct cal *c, int64_t day)
{
	static const char *wdnames[7] = {
		"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday",
		"Friday", "Saturday"
	};
	const struct cal_date_rule *r = find_date(c, day);
	const struct cal_annual *a;
	const char *h;
	int y, m, d, wd;

	if (r != NULL) {
		if (!r->off)
			return NULL;
		return r->note != NULL ? r->note : "day off";
	}
	wd = cal_weekday(day);
	if ((c->weekdays & (1u << wd)) == 0)
		return wdnames[wd];
	cal_civil_from_days(day, &y, &m, &d);
	if (c->jp_holidays && (h = cal_jp_holiday(y, m, d)) != NULL)
		return h;
	if ((a = find_annual(c, m, d)) != NULL)
		return a->note != NULL ? a->note : "annual day off";
	return NULL;
}

bool
cal_is_business_daynum(const struct cal *c, int64_t day)
{
	return cal_day_off_reason(c, day) == NULL;
}

bool
cal_is_business_day(const struct cal *c, int year, int month, int day)
{
	if (!cal_valid_date(year, month, day))
		return false;
	return cal_is_business_daynum(c, cal_days_from_civil(year, month, day));
}

/* ---- Business time ---- */

bool
cal_in_hours(const struct cal *c, int64_t t_us)
{
	int64_t day;

	if (t_us == CAL_NEVER)
		return false;
	day = cal_local_day(c, t_us);
	return cal_is_business_daynum(c, day) && t_us >= cal_open_us(c, day) &&
	    t_us < cal_close_us(c, day);
}

int
cal_next_window(const struct cal *c, int64_t now_us, int64_t *start,
    int64_t *end)
{
	int64_t day, i;

	if (now_us != CAL_NEVER) {
		day = cal_local_day(c, now_us);
		for (i = 0; i < CAL_HORIZON_DAYS; i++) {
			if (!cal_is_business_daynum(c, day + i) ||
			    now_us >= cal_close_us(c, day + i))
				continue;
			if (start != NULL)
				*start = cal_open_us(c, day + i);
			if (end != NULL)
				*end = cal_close_us(c, day + i);
			return 0;
		}
	}
	if (start != NULL)
		*start = CAL_NEVER;
	if (end != NULL)
		*end = CAL_NEVER;
	return -1;
}

int64_t
cal_next_business_instant(const struct cal *c, int64_t t_us)
{
	int64_t start;

	if (cal_next_window(c, t_us, &start, NULL) != 0)
		return CAL_NEVER;
	return start > t_us ? start : t_us;
}

int64_t
cal_add_business_us(const struct cal *c, int64_t start_us, int64_t us)
{
	int64_t day, i, rem = us;

	if (us <= 0 || start_us == CAL_NEVER)
		return start_us;
	day = cal_local_day(c, start_us);
	for (i = 0; i < CAL_HORIZON_DAYS; i++) {
		int64_t o, cl, s;

		if (!cal_is_business_daynum(c, day + i))
			continue;
		o = cal_open_us(c, day + i);
		cl = cal_close_us(c, day + i);
		s = start_us > o ? start_us : o;
		if (s >= cl)
			continue;
		if (rem <= cl - s)
			return s + rem;
		rem -= cl - s;
	}
	return CAL_NEVER;
}

int64_t
cal_add_business_minutes(const struct cal *c, int64_t start_us,
    int64_t minutes)
{
	if (minutes > INT64_MAX / CAL_US_PER_MIN)
		return CAL_NEVER;
	return cal_add_business_us(c, start_us, minutes * CAL_US_PER_MIN);
}

int64_t
cal_business_us_between(const struct cal *c, int64_t a_us, int64_t b_us)
{
	int64_t day, last, sum = 0;

	if (b_us < a_us)
		return -cal_business_us_between(c, b_us, a_us);
	last = cal_local_day(c, b_us);
	for (day = cal_local_day(c, a_us); day <= last; day++) {
		int64_t o, cl;

		if (!cal_is_business_daynum(c, day))
			continue;
		o = cal_open_us(c, day);
		cl = cal_close_us(c, day);
		if (a_us > o)
			o = a_us;
		if (b_us < cl)
			cl = b_us;
		if (cl > o)
			sum += cl - o;
	}
	return sum;
}

int64_t
cal_nth_business_day_after(const struct cal *c, int64_t day, int n)
{
	int64_t i;
	int found = 0;

	if (n <= 0)
		return day;
	for (i = 1; i <= CAL_HORIZON_DAYS; i++) {
		if (cal_is_business_daynum(c, day + i) && ++found == n)
			return day + i;
	}
	return -1;
}

int64_t
cal_add_business_days(const struct cal *c, int64_t t_us, int n)
{
	int64_t day, tod, target;

	if (n <= 0 || t_us == CAL_NEVER)
		return t_us;
	day = cal_local_day(c, t_us);
	tod = t_us - local_midnight_us(c, day);
	target = cal_nth_business_day_after(c, day, n);
	if (target < 0)
		return CAL_NEVER;
	return local_midnight_us(c, target) + tod;
}

int64_t
cal_nth_business_day_of_month(const struct cal *c, int year, int month,
    int n)
{
	int dim = cal_days_in_month(year, month);
	int64_t first;
	int d, found = 0;

	if (dim == 0 || n < 1)
		return -1;
	first = cal_days_from_civil(year, month, 1);
	for (d = 0; d < dim; d++) {
		if (cal_is_business_daynum(c, first + d) && ++found == n)
			return first + d;
	}
	return -1;
}
