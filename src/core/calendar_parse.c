/* calendar_parse.c - the calendar file format (cal_parse): one directive
 * per line (tz, hours, weekdays, holidays, annual, on, off), errors with
 * the line number. Split from calendar.c, which keeps the dates,
 * holidays and business-time arithmetic; the format is documented in
 * calendar.h.
 */
#include "core/calendar.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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
