/* fuzz_config.c - the configuration parsers: the calendar file
 * (cal_parse, src/core/calendar.h), the tuning file (tun_parse,
 * src/core/tuning.h), and the console's keymap and theme files
 * (km_load_string / thm_load_string, src/tui/keymap.h and theme.h, which
 * need no terminal; their .c files are compiled in here as the unit tests
 * do, with tests/unit/tui_stubs.h for the rest of the console).
 *
 * The first byte chooses the parser (0 calendar, 1 tuning, 2 keymap,
 * 3 theme, by value mod 4); the rest is the file's text.
 *
 * Invariants:
 *   - calendar: success or -1 with "line N: ..." (or "out of memory") and
 *     the default calendar left; a parsed calendar answers every question
 *     within its horizon: the next window is a real window (start < end,
 *     inside business hours at start and just before end), adding business
 *     time never goes backwards, business time between two instants is
 *     antisymmetric, a month's n-th business day is a business day;
 *   - tuning: a rule set with sane fields, texts and line numbers (or an
 *     error naming a line), and matching an event picks a rule in range;
 *   - keymap: key names round-trip (km_key_name of a parsed key parses
 *     back to it), lookups answer an action in range or -1, errors are
 *     "file:line: ..." lines;
 *   - theme: parsed colours downgrade into the terminal's range.
 * Includes (`include NAME`) are resolved in an empty XDG_CONFIG_HOME. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/calendar.h"
#include "core/event.h"
#include "core/tuning.h"
#include "tui/cfgfile.c"
#include "tui/keymap.c"
#include "tui/registry.c"
#include "tui/theme.c"
#include "../unit/tui_stubs.h"
#include "fuzz.h"

static void fzc_setup(void)
{
	static int done;
	if (done)
		return;
	done = 1;
	/* Nothing of the user's: includes resolve in an empty directory. */
	setenv("XDG_CONFIG_HOME", "/nonexistent/itrace-fuzz", 1);
	setenv("HOME", "/nonexistent/itrace-fuzz", 1);
}

/* ---- calendar ---- */

static void fzc_calendar(const char *text, const uint8_t *data, size_t size)
{
	struct cal c;
	char *err = NULL;
	if (cal_parse(&c, text, &err) != 0) {
		FZ_CHECK(err == NULL || strncmp(err, "line ", 5) == 0 ||
		         strcmp(err, "out of memory") == 0, "calendar error \"%s\"", err);
		FZ_CHECK(c.n_dates == 0 && c.dates == NULL, "a failed parse kept dates");
		free(err);
		cal_free(&c);
		return;
	}
	FZ_CHECK(err == NULL, "error set on success");
	FZ_CHECK(c.tz_min >= -14 * 60 && c.tz_min <= 14 * 60, "tz %d", c.tz_min);
	FZ_CHECK(c.open_min >= 0 && c.open_min < c.close_min && c.close_min <= 24 * 60,
	         "hours %d-%d", c.open_min, c.close_min);
	FZ_CHECK((c.weekdays & 0x7Fu) != 0 && (c.weekdays & ~0x7Fu) == 0, "weekdays %#x",
	         c.weekdays);
	FZ_CHECK(c.n_annual <= CAL_ANNUAL_MAX, "annual %zu", c.n_annual);
	for (size_t i = 1; i < c.n_dates; i++)
		FZ_CHECK(c.dates[i - 1].day < c.dates[i].day, "dates not sorted and unique");

	/* Questions at instants between 1990 and 2100 taken from the input. */
	struct fz_in in = {data, size};
	for (int q = 0; q < 3; q++) {
		int64_t day = cal_days_from_civil(1990 + (int)(fz_u8(&in) % 110),
		                                  1 + (int)(fz_u8(&in) % 12), 1) + fz_u8(&in) % 31;
		int64_t t = day * CAL_US_PER_DAY + (int64_t)fz_u16(&in) * 1318 * CAL_US_PER_SEC / 1000;
		int64_t s, e;
		if (cal_next_window(&c, t, &s, &e) == 0) {
			FZ_CHECK(s < e, "window %lld..%lld", (long long)s, (long long)e);
			FZ_CHECK(e > t, "window ends before now");
			FZ_CHECK(cal_in_hours(&c, s) && cal_in_hours(&c, e - 1),
			         "window not inside business hours");
			FZ_CHECK(cal_next_business_instant(&c, t) == (s > t ? s : t),
			         "next business instant disagrees with the window");
		} else {
			FZ_CHECK(s == CAL_NEVER && e == CAL_NEVER, "no window but not never");
		}
		int64_t add = (int64_t)fz_u16(&in) * CAL_US_PER_MIN;
		int64_t r = cal_add_business_us(&c, t, add);
		FZ_CHECK(r == CAL_NEVER || r >= t, "adding business time went backwards");
		if (r != CAL_NEVER && add > 0 && add < 400 * CAL_US_PER_HOUR)
			FZ_CHECK(cal_business_us_between(&c, t, r) == add,
			         "business time of [t, t + %lld us) is %lld", (long long)add,
			         (long long)cal_business_us_between(&c, t, r));
		int64_t u = t + (int64_t)fz_u16(&in) * CAL_US_PER_HOUR / 16;
		FZ_CHECK(cal_business_us_between(&c, t, u) == -cal_business_us_between(&c, u, t),
		         "business time is not antisymmetric");
		int nth = 1 + (int)(fz_u8(&in) % 8);
		int64_t bd = cal_nth_business_day_after(&c, day, nth);
		FZ_CHECK(bd == -1 || (bd > day && cal_is_business_daynum(&c, bd)),
		         "n-th business day after is not one");
		int y, m;
		cal_civil_from_days(day, &y, &m, NULL);
		int64_t md = cal_nth_business_day_of_month(&c, y, m, nth);
		FZ_CHECK(md == -1 || cal_is_business_daynum(&c, md), "n-th of month");
		(void)cal_day_off_reason(&c, day);
		FZ_CHECK(cal_add_business_days(&c, t, nth) == CAL_NEVER ||
		         cal_add_business_days(&c, t, nth) > t, "add business days");
	}
	cal_free(&c);
}

/* ---- tuning ---- */

static void fzc_tuning(const char *text, size_t len)
{
	char *err = NULL;
	int line = -1;
	struct tun_rules *r = tun_parse(text, len, &err, &line);
	if (r == NULL) {
		FZ_CHECK(err != NULL, "tuning: no rules and no error");
		FZ_CHECK(strcmp(err, "out of memory") == 0 ||
		         (strncmp(err, "line ", 5) == 0 && line >= 1),
		         "tuning error \"%s\" (line %d)", err, line);
		free(err);
		return;
	}
	size_t n = tun_count(r);
	for (size_t i = 0; i < n; i++) {
		enum tun_field f = tun_rule_field(r, i);
		FZ_CHECK(f == TUN_IMAGE || f == TUN_TARGET || f == TUN_CMDLINE || f == TUN_REGISTRY,
		         "field %d", (int)f);
		FZ_CHECK(tun_field_name(f) != NULL, "field name");
		const char *t = tun_rule_text(r, i);
		FZ_CHECK(t != NULL && strncmp(t, tun_field_name(f), strlen(tun_field_name(f))) == 0,
		         "rule text \"%s\"", t != NULL ? t : "(null)");
		FZ_CHECK(tun_rule_line(r, i) >= 1, "rule line %d", tun_rule_line(r, i));
	}
	/* Match events whose fields are pieces of the file itself. */
	struct ev e;
	ev_init(&e);
	size_t third = len / 3;
	e.image = strndup(text, third);
	e.target = strndup(text + third, third);
	e.cmdline = strndup(text + 2 * third, len - 2 * third);
	for (int k = 0; k < 3; k++) {
		e.kind = k == 0 ? EV_PROCESS_START : k == 1 ? EV_REGISTRY_SET : EV_FILE_CREATE;
		int m = tun_match(r, &e);
		FZ_CHECK(m >= -1 && m < (int)n, "tun_match %d of %zu", m, n);
	}
	ev_clear(&e);
	tun_free(r);
}

/* ---- keymap and theme ---- */

static void fzc_check_errors(const struct cf_reader *r)
{
	if (r->errors == NULL)
		return;
	/* Every line "fuzz...:N: message". */
	const char *p = r->errors;
	while (*p != '\0') {
		const char *nl = strchr(p, '\n');
		size_t n = nl != NULL ? (size_t)(nl - p) : strlen(p);
		const char *colon = memchr(p, ':', n);
		FZ_CHECK(colon != NULL, "error line without file:line: \"%.*s\"", (int)n, p);
		p += n;
		if (*p == '\n')
			p++;
	}
}

static void fzc_words(const char *text, int theme)
{
	/* Every blank-separated word through the key and colour parsers. */
	char *copy = strdup(text);
	FZ_CHECK(copy != NULL, "out of memory");
	int words = 0;
	for (char *save = NULL, *w = strtok_r(copy, " \t\r\n", &save); w != NULL && words < 64;
	     w = strtok_r(NULL, " \t\r\n", &save), words++) {
		int k = km_key_parse(w);
		if (k >= 0) {
			char buf[32];
			const char *name = km_key_name(k, buf, sizeof buf);
			FZ_CHECK(name != NULL && km_key_parse(name) == k,
			         "key \"%s\" = %#x is named \"%s\", which parses to %#x", w, k,
			         name != NULL ? name : "(null)", name != NULL ? km_key_parse(name) : -1);
		}
		if (theme) {
			struct thm_colour c;
			if (thm_colour_parse(w, &c) == 0) {
				const int nc[] = {8, 16, 256};
				for (size_t i = 0; i < 3; i++) {
					int d = thm_downgrade(c, nc[i]);
					FZ_CHECK(d >= -1 && d < nc[i], "colour \"%s\" on %d: %d", w,
					         nc[i], d);
				}
			}
			(void)thm_area_from_name(w);
		}
	}
	free(copy);
}

static void fzc_keymap(const char *text)
{
	struct keymap m;
	struct cf_reader r;
	km_init(&m);
	km_defaults(&m);
	km_load_string(&m, "fuzz.keys", text, &r);
	fzc_check_errors(&r);
	const int keys[] = {'j', 'k', 'q', '?', KM_ENTER, KM_ESC, KM_TAB, 'x' | KM_META, 12};
	for (int c = 0; c < CTX_COUNT; c++)
		for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
			int a = km_lookup(&m, (enum reg_ctx)c, 1, keys[i]);
			FZ_CHECK(a >= -1 && a < ACT_COUNT, "lookup gave %d", a);
		}
	char buf[128];
	for (int a = 0; a < ACT_COUNT; a++)
		FZ_CHECK(strlen(km_keys_of(&m, (enum reg_id)a, buf, sizeof buf)) < sizeof buf,
		         "km_keys_of overflow");
	cf_free(&r);
	km_free(&m);
	fzc_words(text, 0);
}

static void fzc_theme(const char *text)
{
	struct theme t;
	struct cf_reader r;
	thm_init(&t);
	thm_load_string(&t, "fuzz.theme", text, &r);
	fzc_check_errors(&r);
	for (int a = 0; a < THM_COUNT; a++) {
		const struct thm_style *s = &t.s[a];
		FZ_CHECK(s->fg.kind != THM_C_INDEX || (s->fg.v >= 0 && s->fg.v <= 255), "fg index");
		FZ_CHECK(s->bg.kind != THM_C_INDEX || (s->bg.v >= 0 && s->bg.v <= 255), "bg index");
		FZ_CHECK(s->fg.kind != THM_C_RGB || (s->fg.v >= 0 && s->fg.v <= 0xFFFFFF), "fg rgb");
		FZ_CHECK(s->bg.kind != THM_C_RGB || (s->bg.v >= 0 && s->bg.v <= 0xFFFFFF), "bg rgb");
		FZ_CHECK(thm_area_from_name(thm_area_name((enum thm_area)a)) == a, "area name");
	}
	cf_free(&r);
	fzc_words(text, 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fzc_setup();
	if (size == 0)
		return 0;
	char *text = fz_cstr(data + 1, size - 1);
	switch (data[0] % 4) {
	case 0:
		fzc_calendar(text, data + 1, size - 1);
		break;
	case 1:
		fzc_tuning(text, size - 1);
		break;
	case 2:
		fzc_keymap(text);
		break;
	default:
		fzc_theme(text);
		break;
	}
	free(text);
	return 0;
}
