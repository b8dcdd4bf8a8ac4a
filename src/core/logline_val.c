/* logline_val.c - JSON values to event fields, for logline.c and
 * logline_native.c: reasons that name the JSON path, numbers, GUIDs, times,
 * hex digests. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/logline_int.h"

/* ---- errors -------------------------------------------------------------- */

/* Append s to the error as printable ASCII: other bytes as \xNN, at most
 * max input bytes, then "...". */
void ll_put_safe(char *dst, size_t dlen, const char *s, size_t n,
                     size_t max)
{
	size_t o = strlen(dst);
	for (size_t i = 0; i < n && i < max && o + 5 < dlen; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c < 0x7f && c != '\\' && c != '"') {
			dst[o++] = (char)c;
		} else if (c == '\\' || c == '"') {
			dst[o++] = '\\';
			dst[o++] = (char)c;
		} else {
			static const char hx[] = "0123456789abcdef";
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hx[c >> 4];
			dst[o++] = hx[c & 15];
		}
	}
	if (n > max && o + 4 < dlen) {
		memcpy(dst + o, "...", 3);
		o += 3;
	}
	dst[o] = '\0';
}

enum ll_result ll_fail(struct ctx *c, const char *fmt, ...)
{
	if (c->err != NULL && c->errlen > 0) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(c->err, c->errlen, fmt, ap);
		va_end(ap);
	}
	return LL_ERROR;
}

/* "<path>: <what> \"<value>\"" with the value made printable. */
enum ll_result ll_fail_val(struct ctx *c, const char *pfx, const char *key,
			   const char *what, const char *v, size_t n)
{
	ll_fail(c, "%s%s: %s \"", pfx, key, what);
	if (c->err != NULL && c->errlen > 0) {
		ll_put_safe(c->err, c->errlen, v, n, 60);
		size_t o = strlen(c->err);
		if (o + 1 < c->errlen) {
			c->err[o] = '"';
			c->err[o + 1] = '\0';
		}
	}
	return LL_ERROR;
}

enum ll_result ll_fail_oom(struct ctx *c)
{
	return ll_fail(c, "out of memory");
}

bool ll_absent(const char *s, size_t n)
{
	return n == 0 || (n == 1 && s[0] == '-');
}

/* A cooked string field into *slot (replacing any earlier value).  "-" and
 * "" leave it absent.  Non-strings are an error naming the path. */
enum ll_result ll_take_guid(struct ctx *c, const char *key, json_t *v,
			    char **slot)
{
	if (!json_is_string(v))
		return ll_fail(c, "%s%s: not a string", c->pfx, key);
	const char *s = json_string_value(v);
	size_t n = json_string_length(v);
	if (ll_absent(s, n))
		return LL_EVENT;
	char *g = ev_guid_canon(s);
	if (g == NULL)
		return ll_fail_val(c, c->pfx, key, "not a GUID", s, n);
	/* Sysmon's "no process" (EID 22 of "<unknown process>"): no identity */
	if (strcmp(g, "00000000-0000-0000-0000-000000000000") == 0) {
		free(g);
		return LL_EVENT;
	}
	free(*slot);
	*slot = g;
	return LL_EVENT;
}

/* Unsigned number in a string: decimal, or hex with 0x (Security pids). */
static int parse_uint(const char *s, size_t n, uint64_t max, int64_t *out)
{
	int base = 10;
	size_t i = 0;
	if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	}
	if (i >= n || n - i > 20)
		return -1;
	uint64_t v = 0;
	for (; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		unsigned dv;
		if (ch >= '0' && ch <= '9')
			dv = ch - '0';
		else if (base == 16 && ch >= 'a' && ch <= 'f')
			dv = ch - 'a' + 10u;
		else if (base == 16 && ch >= 'A' && ch <= 'F')
			dv = ch - 'A' + 10u;
		else
			return -1;
		if (v > (max - dv) / (unsigned)base)
			return -1;
		v = v * (unsigned)base + dv;
	}
	*out = (int64_t)v;
	return 0;
}

/* A JSON integer, an integral real (lines decoded with INT_AS_REAL), or a
 * numeric string, in 0..max.  1: absent ("-", "", null); 0: *out set;
 * -1: bad. */
int ll_json_uint(json_t *v, uint64_t max, int64_t *out)
{
	if (json_is_null(v))
		return 1;
	if (json_is_integer(v)) {
		json_int_t i = json_integer_value(v);
		if (i < 0 || (uint64_t)i > max)
			return -1;
		*out = (int64_t)i;
		return 0;
	}
	if (json_is_real(v)) {
		/* exact integers only: below 2^53, no fraction */
		double d = json_real_value(v);
		if (!(d >= 0 && d < 9007199254740992.0) || d != (double)(int64_t)d ||
		    (uint64_t)d > max)
			return -1;
		*out = (int64_t)d;
		return 0;
	}
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		size_t n = json_string_length(v);
		if (ll_absent(s, n))
			return 1;
		return parse_uint(s, n, max, out);
	}
	return -1;
}

enum ll_result ll_take_uint(struct ctx *c, const char *pfx, const char *key,
			    json_t *v, uint64_t max, const char *what,
			    int64_t *slot)
{
	int r = ll_json_uint(v, max, slot);
	if (r >= 0)
		return LL_EVENT;
	if (json_is_string(v))
		return ll_fail_val(c, pfx, key, what, json_string_value(v),
				   json_string_length(v));
	return ll_fail(c, "%s%s: %s (not a number)", pfx, key, what);
}

/* "true"/"false" (any case) or a JSON boolean; anything else unknown. */
bool ll_is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') ||
		      (ch >= 'A' && ch <= 'F')))
			return false;
	}
	return true;
}

char *ll_lower_dup(const char *s, size_t n)
{
	char *d = malloc(n + 1);
	if (d == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		d[i] = (char)(ch >= 'A' && ch <= 'Z' ? ch + ('a' - 'A') : ch);
	}
	d[n] = '\0';
	return d;
}

/* Replace *slot by a lower-case copy of s[0..n); "-" leaves it alone. */
/* A time field: must be a string ev_parse_time accepts. */
enum ll_result ll_take_time(struct ctx *c, const char *pfx, const char *key,
			    json_t *v, int64_t *out)
{
	if (!json_is_string(v))
		return ll_fail(c, "%s%s: %s", pfx, key, v ? "not a string" : "missing");
	if (ev_parse_time(json_string_value(v), out) < 0)
		return ll_fail_val(c, pfx, key, "bad time", json_string_value(v),
				   json_string_length(v));
	return LL_EVENT;
}

