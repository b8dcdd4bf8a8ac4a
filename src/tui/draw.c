/* draw.c - width-aware drawing of text that is already sanitized.
 *
 * Every string from an endpoint is made safe by dr_clean() (san_str) when it
 * enters the console's data; drawing then cuts by display columns
 * (san_width / san_fit, wcwidth rules: CJK counts 2), never by bytes. In a
 * non-UTF-8 locale non-ASCII characters are drawn as '?'.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sanitize.h"
#include "tui/tui.h"

int dr_utf8 = 1;   /* set by app.c from the locale */

char *dr_clean(const char *raw)
{
	char *s = san_str(raw != NULL ? raw : "");
	if (s == NULL)
		s = strdup("");
	if (s == NULL)
		abort();
	return s;
}

int dr_width(const char *s)
{
	return san_width(s);
}

static int put(int y, int x, const char *s, size_t len, int attr)
{
	attrset(attr);
	if (dr_utf8) {
		mvaddnstr(y, x, s, (int)len);
		return 0;
	}
	move(y, x);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x80)
			addch(c);
		else if ((c & 0xc0) != 0x80)
			addch('?');
	}
	return 0;
}

int dr_text(int y, int x, int w, const char *s, int attr)
{
	if (w <= 0 || s == NULL)
		return 0;
	int full = san_width(s);
	if (full <= w) {
		put(y, x, s, strlen(s), attr);
		return full;
	}
	size_t n = san_fit(s, w - 1);
	put(y, x, s, n, attr);
	char *pre = strndup(s, n);
	int used = pre != NULL ? san_width(pre) : w - 1;
	free(pre);
	mvaddstr(y, x + used, dr_utf8 ? "\xe2\x80\xa6" : "~");
	return used + 1;
}

int dr_textf(int y, int x, int w, int attr, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	return dr_text(y, x, w, buf, attr);
}

void dr_fill(int y, int x, int w, int attr)
{
	if (w <= 0)
		return;
	attrset(attr);
	mvhline(y, x, ' ', w);
}

int dr_text_pad(int y, int x, int w, const char *s, int attr)
{
	dr_fill(y, x, w, attr);
	return dr_text(y, x, w, s, attr);
}

int dr_text_right(int y, int x, int w, const char *s, int attr)
{
	int sw = san_width(s);
	if (sw >= w)
		return dr_text(y, x, w, s, attr);
	dr_fill(y, x, w - sw, attr);
	return dr_text(y, x + w - sw, sw, s, attr);
}

int dr_attr(struct app *a, enum thm_area area)
{
	return a->th.attr[area];
}

/* --mask: keep the first character, replace the rest with a stable hash
 * tag so the board still tells rows apart without naming them. */
const char *dr_mask(struct app *a, const char *s, char *buf, size_t len)
{
	if (!a->mask || s == NULL)
		return s != NULL ? s : "";
	unsigned h = 2166136261u;
	for (const char *p = s; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	snprintf(buf, len, "#%04x", h & 0xffff);
	return buf;
}
