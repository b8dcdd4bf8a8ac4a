/* calendar.c - business calendar: dates, Japanese holidays, business time.
 *
 * Design note.  Everything is day-number arithmetic on a fixed UTC offset:
 * an instant becomes a local day number and a time of day by one floor
 * division, so no libc time function (and no TZ environment) is involved
 * and results do not depend on the host.  Holidays are recomputed by rule
 * on each query (a handful of integer operations), so a calendar carries
 * no per-year tables.  A tenant's file only lists what differs from the
 * default; dated `on`/`off` lines are kept sorted for binary search.
 */
#include "core/calendar.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

/* ---- Parsing ---- */

/* A dated line before sorting: seq keeps file order for "later wins". */
struct pdate {
	int64_t day;
	size_t seq;
	bool off;
	char *note;
};

struct parser {
	struct cal c;
	struct pdate *dates;
	size_t n_dates, cap_dates;
	int lineno;
	int seen_tz, seen_hours, seen_weekdays, seen_holidays;
	char *err;
	bool oom;
};

#define MAX_DATES 100000

__attribute__((format(printf, 2, 3)))
static int
perr(struct parser *p, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (p->err == NULL) {
		size_t n = strlen(msg) + 32;

		if ((p->err = malloc(n)) != NULL)
			snprintf(p->err, n, "line %d: %s", p->lineno, msg);
		else
			p->oom = true;
	}
	return -1;
}

/* A word of the file quoted safely for a message (terminal, JSON): at most
 * 40 bytes, control and non-ASCII bytes shown as '?' (valid words are ASCII,
 * and an invalid UTF-8 sequence must not reach the message). */
static const char *
shown(const char *w, char *buf, size_t n)
{
	size_t i;

	for (i = 0; w[i] != '\0' && i + 1 < n && i < 40; i++) {
		unsigned char ch = (unsigned char)w[i];

		buf[i] = (ch < 0x20 || ch >= 0x7f) ? '?' : (char)ch;
	}
	buf[i] = '\0';
	if (w[i] != '\0' && i >= 3)
		memcpy(buf + i - 3, "...", 3);
	return buf;
}

static bool
is_blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\v' ||
	    ch == '\f';
}

/* Next blank-separated word of *s, NUL-terminated in place; NULL at end. */
static char *
next_word(char **s)
{
	char *p = *s, *w;

	while (is_blank(*p))
		p++;
	if (*p == '\0') {
		*s = p;
		return NULL;
	}
	w = p;
	while (*p != '\0' && !is_blank(*p))
		p++;
	if (*p != '\0')
		*p++ = '\0';
	*s = p;
	return w;
}

/* The rest of the line, trimmed; NULL when empty. */
static char *
rest_of_line(char *s)
{
	char *e;

	while (is_blank(*s))
		s++;
	if (*s == '\0')
		return NULL;
	e = s + strlen(s);
	while (e > s && is_blank(e[-1]))
		*--e = '\0';
	return s;
}

/* Parse exactly `digits` decimal digits at *s. */
static bool
take_num(const char **s, int digits, int *out)
{
	int v = 0, i;

	for (i = 0; i < digits; i++) {
		if (!isdigit((unsigned char)(*s)[i]))
			return false;
		v = v * 10 + ((*s)[i] - '0');
	}
	*s += digits;
	*out = v;
	return true;
}

/* "HH:MM" with 00:00..24:00 into minutes; the whole of s up to `end`. */
static bool
parse_hhmm(const char *s, const char *end, int *min)
{
	int h, m;

	if (!take_num(&s, 2, &h) || *s++ != ':' || !take_num(&s, 2, &m) ||
	    s != end)
		return false;
	if (m > 59 || h > 24 || (h == 24 && m != 0))
		return false;
	*min = h * 60 + m;
	return true;
}

static int
do_tz(struct parser *p, char *arg)
{
	char b[48];
	int h, m, sign;
	const char *s = arg;

	if (strcmp(arg, "UTC") == 0 || strcmp(arg, "Z") == 0) {
		p->c.tz_min = 0;
		return 0;
	}
	if (strcmp(arg, "Asia/Tokyo") == 0 || strcmp(arg, "JST") == 0) {
		p->c.tz_min = 9 * 60;
		return 0;
	}
	if (*s != '+' && *s != '-')
		return perr(p, "time zone '%s' is not supported: give a fixed "
		    "offset such as +09:00 (zones with daylight saving time "
		    "are not supported)", shown(arg, b, sizeof b));
	sign = *s++ == '-' ? -1 : 1;
	if (!take_num(&s, 2, &h) || *s++ != ':' || !take_num(&s, 2, &m) ||
	    *s != '\0' || m > 59 || h * 60 + m > 14 * 60)
		return perr(p, "bad offset '%s': expected +HH:MM between -14:00 "
		    "and +14:00", shown(arg, b, sizeof b));
	p->c.tz_min = sign * (h * 60 + m);
	return 0;
}

static int
do_hours(struct parser *p, char *arg)
{
	char b[48];
	char *dash = strchr(arg, '-');
	int o, c;

	if (dash == NULL || !parse_hhmm(arg, dash, &o) ||
	    !parse_hhmm(dash + 1, dash + strlen(dash), &c))
		return perr(p, "bad hours '%s': expected HH:MM-HH:MM",
		    shown(arg, b, sizeof b));
	if (o >= c)
		return perr(p, "bad hours '%s': the start must be before the end",
		    shown(arg, b, sizeof b));
	p->c.open_min = o;
	p->c.close_min = c;
	return 0;
}

static int
day_index(const char *s, size_t len)
{
	static const char *names[7] = {
		"sun", "mon", "tue", "wed", "thu", "fri", "sat"
	};
	int i;

	if (len != 3)
		return -1;
	for (i = 0; i < 7; i++)
		if (strncasecmp(s, names[i], 3) == 0)
			return i;
	return -1;
}

static int
do_weekdays(struct parser *p, char *arg)
{
	char b[48];
	unsigned mask = 0;
	const char *s = arg;

	for (;;) {
		const char *e = s + strcspn(s, ",");
		const char *dash = memchr(s, '-', (size_t)(e - s));
		int a, z, i;

		if (dash != NULL) {
			a = day_index(s, (size_t)(dash - s));
			z = day_index(dash + 1, (size_t)(e - dash - 1));
		} else
			a = z = day_index(s, (size_t)(e - s));
		if (a < 0 || z < 0)
			return perr(p, "bad weekdays '%s': expected day names "
			    "(sun mon tue wed thu fri sat) or ranges such as "
			    "mon-fri, joined by commas", shown(arg, b, sizeof b));
		for (i = a;; i = (i + 1) % 7) {
			mask |= 1u << i;
			if (i == z)
				break;
		}
		if (*e == '\0')
			break;
		s = e + 1;
	}
	p->c.weekdays = mask;
	return 0;
}

/* "MM-DD" into month*100+day (02-29 allowed). */
static bool
parse_md(const char *s, const char *end, int *md)
{
	int m, d;

	if (!take_num(&s, 2, &m) || *s++ != '-' || !take_num(&s, 2, &d) ||
	    s != end)
		return false;
	if (m < 1 || m > 12 || d < 1 || d > cal_days_in_month(2000, m))
		return false;
	*md = m * 100 + d;
	return true;
}

/* "YYYY-MM-DD" into a day number. */
static bool
parse_ymd(const char *s, const char *end, int64_t *day)
{
	int y, m, d;

	if (!take_num(&s, 4, &y) || *s++ != '-' || !take_num(&s, 2, &m) ||
	    *s++ != '-' || !take_num(&s, 2, &d) || s != end)
		return false;
	if (y < 1970 || !cal_valid_date(y, m, d))
		return false;
	*day = cal_days_from_civil(y, m, d);
	return true;
}

static char *
dup_note(struct parser *p, const char *note)
{
	char *r;

	if (note == NULL)
		return NULL;
	if ((r = strdup(note)) == NULL)
		p->oom = true;
	return r;
}

static int
do_annual(struct parser *p, char *arg, char *note)
{
	char b[48];
	char *dots = strstr(arg, "..");
	struct cal_annual *a;
	int from, to;

	if (strcmp(arg, "none") == 0) {
		size_t i;

		if (note != NULL)
			return perr(p, "unexpected text after 'annual-off none'");
		for (i = 0; i < p->c.n_annual; i++) {
			free(p->c.annual[i].note);
			p->c.annual[i].note = NULL;
		}
		p->c.n_annual = 0;
		return 0;
	}
	if (dots != NULL) {
		if (!parse_md(arg, dots, &from) ||
		    !parse_md(dots + 2, dots + strlen(dots), &to))
			goto bad;
	} else if (!parse_md(arg, arg + strlen(arg), &from))
		goto bad;
	else
		to = from;
	if (p->c.n_annual >= CAL_ANNUAL_MAX)
		return perr(p, "too many annual-off lines (at most %d)",
		    CAL_ANNUAL_MAX);
	a = &p->c.annual[p->c.n_annual];
	a->from_md = from;
	a->to_md = to;
	a->note = dup_note(p, note);
	p->c.n_annual++;
	return p->oom ? -1 : 0;
bad:
	return perr(p, "bad date range '%s': expected MM-DD or MM-DD..MM-DD",
	    shown(arg, b, sizeof b));
}

static int
do_dated(struct parser *p, char *arg, char *note, bool off)
{
	char b[48];
	char *dots = strstr(arg, "..");
	int64_t from, to, d;

	if (dots != NULL) {
		if (!parse_ymd(arg, dots, &from) ||
		    !parse_ymd(dots + 2, dots + strlen(dots), &to))
			goto bad;
	} else if (!parse_ymd(arg, arg + strlen(arg), &from))
		goto bad;
	else
		to = from;
	if (to < from)
		return perr(p, "bad date range '%s': the end is before the start",
		    shown(arg, b, sizeof b));
	if (to - from >= 366)
		return perr(p, "date range '%s' is longer than 366 days",
		    shown(arg, b, sizeof b));
	if (p->n_dates + (size_t)(to - from + 1) > MAX_DATES)
		return perr(p, "too many dates (at most %d)", MAX_DATES);
	for (d = from; d <= to; d++) {
		struct pdate *pd;

		if (p->n_dates == p->cap_dates) {
			size_t nc = p->cap_dates ? p->cap_dates * 2 : 16;
			struct pdate *nd = realloc(p->dates, nc * sizeof *nd);

			if (nd == NULL) {
				p->oom = true;
				return -1;
			}
			p->dates = nd;
			p->cap_dates = nc;
		}
		pd = &p->dates[p->n_dates];
		pd->day = d;
		pd->seq = p->n_dates;
		pd->off = off;
		pd->note = dup_note(p, note);
		p->n_dates++;
		if (p->oom)
			return -1;
	}
	return 0;
bad:
	return perr(p, "bad date '%s': expected YYYY-MM-DD or "
	    "YYYY-MM-DD..YYYY-MM-DD (a real date, 1970 or later)",
	    shown(arg, b, sizeof b));
}

/* A setting that may appear once: remember where it was. */
static int
once(struct parser *p, int *seen, const char *what)
{
	if (*seen != 0)
		return perr(p, "'%s' given twice (first on line %d)", what,
		    *seen);
	*seen = p->lineno;
	return 0;
}

static int
parse_line(struct parser *p, char *line)
{
	char b[48];
	char *s = line, *kw, *arg, *more, *hash;

	/* Comments: '#' at the start or after a blank. */
	for (hash = line; (hash = strchr(hash, '#')) != NULL; hash++) {
		if (hash == line || is_blank(hash[-1])) {
			*hash = '\0';
			break;
		}
	}
	if ((kw = next_word(&s)) == NULL)
		return 0;
	arg = next_word(&s);

	if (strcmp(kw, "off") == 0 || strcmp(kw, "on") == 0 ||
	    strcmp(kw, "annual-off") == 0) {
		if (arg == NULL)
			return perr(p, "'%s' needs a date", kw);
		if (strcmp(kw, "annual-off") == 0)
			return do_annual(p, arg, rest_of_line(s));
		return do_dated(p, arg, rest_of_line(s), strcmp(kw, "off") == 0);
	}

	if (strcmp(kw, "tz") != 0 && strcmp(kw, "hours") != 0 &&
	    strcmp(kw, "weekdays") != 0 && strcmp(kw, "holidays") != 0)
		return perr(p, "unknown directive '%s' (expected tz, hours, "
		    "weekdays, holidays, annual-off, off or on)",
		    shown(kw, b, sizeof b));
	if (arg == NULL)
		return perr(p, "'%s' needs a value", kw);
	if ((more = next_word(&s)) != NULL) {
		char b2[48];

		return perr(p, "unexpected '%s' after '%s %s'",
		    shown(more, b, sizeof b), kw, shown(arg, b2, sizeof b2));
	}

	if (strcmp(kw, "tz") == 0)
		return once(p, &p->seen_tz, kw) ? -1 : do_tz(p, arg);
	if (strcmp(kw, "hours") == 0)
		return once(p, &p->seen_hours, kw) ? -1 : do_hours(p, arg);
	if (strcmp(kw, "weekdays") == 0)
		return once(p, &p->seen_weekdays, kw) ? -1 : do_weekdays(p, arg);
	if (once(p, &p->seen_holidays, kw) != 0)
		return -1;
	if (strcmp(arg, "jp") == 0)
		p->c.jp_holidays = true;
	else if (strcmp(arg, "none") == 0)
		p->c.jp_holidays = false;
	else
		return perr(p, "bad holidays '%s': expected jp or none",
		    shown(arg, b, sizeof b));
	return 0;
}

static int
pdate_cmp(const void *a, const void *b)
{
	const struct pdate *x = a, *y = b;

	if (x->day != y->day)
		return x->day < y->day ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Sort the dated lines and keep the last line for each day. */
static int
finish_dates(struct parser *p)
{
	size_t i, n = 0;

	if (p->n_dates == 0)
		return 0;
	qsort(p->dates, p->n_dates, sizeof *p->dates, pdate_cmp);
	p->c.dates = calloc(p->n_dates, sizeof *p->c.dates);
	if (p->c.dates == NULL) {
		p->oom = true;
		return -1;
	}
	for (i = 0; i < p->n_dates; i++) {
		struct pdate *pd = &p->dates[i];

		if (i + 1 < p->n_dates && p->dates[i + 1].day == pd->day) {
			free(pd->note);
			pd->note = NULL;
			continue;
		}
		p->c.dates[n].day = pd->day;
		p->c.dates[n].off = pd->off;
		p->c.dates[n].note = pd->note;
		pd->note = NULL;
		n++;
	}
	p->c.n_dates = n;
	return 0;
}

static void
parser_free(struct parser *p)
{
	size_t i;

	for (i = 0; i < p->n_dates; i++)
		free(p->dates[i].note);
	free(p->dates);
	p->dates = NULL;
	p->n_dates = 0;
}

int
cal_parse(struct cal *c, const char *text, char **err)
{
	struct parser p;
	const char *s = text != NULL ? text : "";
	int rc = 0;

	memset(&p, 0, sizeof p);
	cal_default(&p.c);
	if (err != NULL)
		*err = NULL;

	while (*s != '\0' && rc == 0) {
		size_t len = strcspn(s, "\n");
		char *line = malloc(len + 1);

		p.lineno++;
		if (line == NULL) {
			p.oom = true;
			rc = -1;
			break;
		}
		memcpy(line, s, len);
		line[len] = '\0';
		rc = parse_line(&p, line);
		free(line);
		s += len;
		if (*s == '\n')
			s++;
	}
	if (rc == 0)
		rc = finish_dates(&p);
	parser_free(&p);

	if (rc != 0 || p.oom) {
		cal_free(&p.c);
		cal_default(c);
		if (p.oom && p.err == NULL)
			p.err = strdup("out of memory");
		if (err != NULL)
			*err = p.err;
		else
			free(p.err);
		return -1;
	}
	*c = p.c;
	return 0;
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
