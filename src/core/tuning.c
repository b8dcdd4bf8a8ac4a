/* tuning.c - tuning rules over events with PCRE2; see tuning.h. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "core/tuning.h"

#include <pcre2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct tun_rule {
	enum tun_field field;
	pcre2_code *code;
	char *text;          /* "FIELD /pattern/flags" */
	int line;
	int64_t id;          /* tun_add's id; 0 for a rule of a file */
};

struct tun_rules {
	struct tun_rule *v;
	size_t n, cap;
	pcre2_match_data *md;
};

static const char *const field_names[] = {
	[TUN_IMAGE] = "image",
	[TUN_TARGET] = "target",
	[TUN_CMDLINE] = "cmdline",
	[TUN_REGISTRY] = "registry",
};

const char *tun_field_name(enum tun_field f)
{
	return (unsigned)f <= TUN_REGISTRY ? field_names[f] : "?";
}

void tun_free(struct tun_rules *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->n; i++) {
		pcre2_code_free(r->v[i].code);
		free(r->v[i].text);
	}
	free(r->v);
	pcre2_match_data_free(r->md);
	free(r);
}

size_t tun_count(const struct tun_rules *r)
{
	return r != NULL ? r->n : 0;
}

enum tun_field tun_rule_field(const struct tun_rules *r, size_t i)
{
	return r->v[i].field;
}

const char *tun_rule_text(const struct tun_rules *r, size_t i)
{
	return r->v[i].text;
}

int tun_rule_line(const struct tun_rules *r, size_t i)
{
	return r->v[i].line;
}

static char *vfmt(const char *fmt, va_list ap)
{
	char *s = NULL;
	if (vasprintf(&s, fmt, ap) < 0)
		return NULL;
	return s;
}

/* Set *err to "line N: ..." and *err_line; returns NULL for the caller. */
static void *fail(char **err, int *err_line, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void *fail(char **err, int *err_line, int line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = vfmt(fmt, ap);
	va_end(ap);
	char *s = NULL;
	if (msg == NULL || asprintf(&s, "line %d: %s", line, msg) < 0) {
		s = strdup("out of memory");
		line = 0;
	}
	free(msg);
	if (err != NULL)
		*err = s;
	else
		free(s);
	if (err_line != NULL)
		*err_line = line;
	return NULL;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Parse one non-comment line [p, end) into *rule. Returns 0 or -1 with
 * *msg (malloc'd, without the line prefix). */
static int parse_line(const char *p, const char *end, struct tun_rule *rule, char **msg)
{
	while (end > p && is_blank(end[-1]))
		end--;
	static const char kw[] = "exclude";
	size_t kwlen = sizeof kw - 1;
	if ((size_t)(end - p) < kwlen || memcmp(p, kw, kwlen) != 0 ||
	    (p + kwlen < end && !is_blank(p[kwlen]))) {
		*msg = strdup("expected \"exclude FIELD /PATTERN/FLAGS\"");
		return -1;
	}
	p += kwlen;
	while (p < end && is_blank(*p))
		p++;
	const char *f = p;
	while (p < end && !is_blank(*p) && *p != '/')
		p++;
	size_t flen = (size_t)(p - f);
	int field = -1;
	for (int i = 0; i <= TUN_REGISTRY; i++)
		if (strlen(field_names[i]) == flen && memcmp(f, field_names[i], flen) == 0)
			field = i;
	if (field < 0) {
		if (asprintf(msg, "unknown field \"%.*s\" (image, target, cmdline or registry)",
		             (int)flen, f) < 0)
			*msg = NULL;
		return -1;
	}
	while (p < end && is_blank(*p))
		p++;
	if (p >= end || *p != '/') {
		*msg = strdup("expected /PATTERN/ after the field");
		return -1;
	}
	const char *pat = p + 1;
	const char *close = end;
	while (close > pat && close[-1] != '/')
		close--;
	if (close == pat) {
		*msg = strdup("pattern has no closing '/'");
		return -1;
	}
	close--;                      /* at the closing '/' */
	size_t patlen = (size_t)(close - pat);
	if (patlen == 0) {
		*msg = strdup("empty pattern");
		return -1;
	}
	uint32_t opts = 0;
	char flags[8];
	size_t nflags = 0;
	for (const char *q = close + 1; q < end; q++) {
		uint32_t o;
		switch (*q) {
		case 'i': o = PCRE2_CASELESS; break;
		case 'x': o = PCRE2_EXTENDED; break;
		case 's': o = PCRE2_DOTALL; break;
		case 'm': o = PCRE2_MULTILINE; break;
		case 'u':
			o = PCRE2_UTF;
#ifdef PCRE2_MATCH_INVALID_UTF
			o |= PCRE2_MATCH_INVALID_UTF;
#endif
			break;
		default:
			if (asprintf(msg, "unknown flag '%c' (i, x, s, m, u)", *q) < 0)
				*msg = NULL;
			return -1;
		}
		if ((opts & o) == o) {
			if (asprintf(msg, "flag '%c' given twice", *q) < 0)
				*msg = NULL;
			return -1;
		}
		opts |= o;
		flags[nflags++] = *q;
	}
	flags[nflags] = '\0';

	int ecode;
	PCRE2_SIZE eoff;
	pcre2_code *code = pcre2_compile((PCRE2_SPTR)pat, patlen, opts, &ecode, &eoff, NULL);
	if (code == NULL) {
		PCRE2_UCHAR buf[256];
		if (pcre2_get_error_message(ecode, buf, sizeof buf) < 0)
			snprintf((char *)buf, sizeof buf, "error %d", ecode);
		if (asprintf(msg, "bad pattern at offset %zu: %s", (size_t)eoff, (char *)buf) < 0)
			*msg = NULL;
		return -1;
	}
	/* JIT when available; without it (or on failure) the interpreter
	 * gives the same answers. ITRACE_PCRE2_JIT=0 turns it off: valgrind
	 * cannot follow JIT code (its vector loads read past the subject and
	 * show as false errors), so the valgrind pass of make check sets it. */
	const char *jit = getenv("ITRACE_PCRE2_JIT");
	if (jit == NULL || strcmp(jit, "0") != 0)
		(void)pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
	char *text = NULL;
	if (asprintf(&text, "%s /%.*s/%s", field_names[field], (int)patlen, pat, flags) < 0) {
		pcre2_code_free(code);
		*msg = NULL;
		return -1;
	}
	rule->field = (enum tun_field)field;
	rule->code = code;
	rule->text = text;
	return 0;
}

struct tun_rules *tun_parse(const char *text, size_t len, char **err, int *err_line)
{
	struct tun_rules *r = calloc(1, sizeof *r);
	if (r == NULL)
		return fail(err, err_line, 0, "out of memory");
	const char *p = text, *end = text + len;
	int line = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl != NULL ? nl : end;
		line++;
		const char *q = p;
		while (q < le && is_blank(*q))
			q++;
		if (q < le && *q != '#') {
			if (memchr(q, '\0', (size_t)(le - q)) != NULL) {
				tun_free(r);
				return fail(err, err_line, line, "NUL byte in line");
			}
			if (r->n == r->cap) {
				size_t cap = r->cap != 0 ? r->cap * 2 : 8;
				struct tun_rule *v = realloc(r->v, cap * sizeof *v);
				if (v == NULL) {
					tun_free(r);
					return fail(err, err_line, 0, "out of memory");
				}
				r->v = v;
				r->cap = cap;
			}
			char *msg = NULL;
			if (parse_line(q, le, &r->v[r->n], &msg) < 0) {
				tun_free(r);
				void *ret = fail(err, err_line, line, "%s",
				                 msg != NULL ? msg : "out of memory");
				free(msg);
				return ret;
			}
			r->v[r->n].line = line;
			r->v[r->n].id = 0;
			r->n++;
		}
		p = nl != NULL ? nl + 1 : end;
	}
	/* Only whether a rule matches counts: one ovector pair is enough. */
	r->md = pcre2_match_data_create(1, NULL);
	if (r->md == NULL) {
		tun_free(r);
		return fail(err, err_line, 0, "out of memory");
	}
	return r;
}

static int is_registry(enum ev_kind k)
{
	return k == EV_REGISTRY_SET || k == EV_REGISTRY_CREATE || k == EV_REGISTRY_DELETE ||
	       k == EV_REGISTRY_RENAME;
}

static const char *value_of(enum tun_field f, const struct ev *e)
{
	switch (f) {
	case TUN_IMAGE: return e->image;
	case TUN_TARGET: return e->target;
	case TUN_CMDLINE: return e->cmdline;
	case TUN_REGISTRY: return is_registry(e->kind) ? e->target : NULL;
	}
	return NULL;
}

/* The first rule of r that matches e, with match data md; -1 none. */
static int first_match(const struct tun_rules *r, const struct ev *e, pcre2_match_data *md)
{
	if (r == NULL)
		return -1;
	for (size_t i = 0; i < r->n; i++) {
		const char *v = value_of(r->v[i].field, e);
		if (v == NULL)
			continue;
		/* A negative result (no match, or an error such as invalid UTF-8
		 * under a non-tolerant pattern) does not exclude. */
		int rc = pcre2_match(r->v[i].code, (PCRE2_SPTR)v, strlen(v), 0, 0, md, NULL);
		if (rc >= 0)
			return (int)i;
	}
	return -1;
}

int tun_match(struct tun_rules *r, const struct ev *e)
{
	return r != NULL ? first_match(r, e, r->md) : -1;
}

/* ---- rules one at a time (the tuning_rule table), shared matching ---- */

struct tun_rules *tun_new(void)
{
	struct tun_rules *r = calloc(1, sizeof *r);
	if (r == NULL)
		return NULL;
	r->md = pcre2_match_data_create(1, NULL);
	if (r->md == NULL) {
		free(r);
		return NULL;
	}
	return r;
}

int tun_add(struct tun_rules *r, const char *field, const char *pattern, const char *flags,
            int64_t id, char **err)
{
	*err = NULL;
	int known = 0;
	for (int i = 0; i <= TUN_REGISTRY; i++)
		if (strcmp(field, field_names[i]) == 0)
			known = 1;
	if (!known) {
		if (asprintf(err, "unknown field \"%s\" (image, target, cmdline or registry)",
		             field) < 0)
			*err = NULL;
		return -1;
	}
	if (pattern[0] == '\0') {
		*err = strdup("empty pattern");
		return -1;
	}
	if (strpbrk(pattern, "\r\n") != NULL) {
		*err = strdup("pattern contains a line break");
		return -1;
	}
	if (r->n == r->cap) {
		size_t cap = r->cap != 0 ? r->cap * 2 : 8;
		struct tun_rule *v = realloc(r->v, cap * sizeof *v);
		if (v == NULL) {
			*err = strdup("out of memory");
			return -1;
		}
		r->v = v;
		r->cap = cap;
	}
	/* The same parser as a file's line: one syntax, one set of checks.
	 * The '/' added after the pattern is the last one, so a '/' inside
	 * the pattern stays part of it; flags are checked by parse_line. */
	char *line = NULL;
	if (asprintf(&line, "exclude %s /%s/%s", field, pattern, flags) < 0) {
		*err = strdup("out of memory");
		return -1;
	}
	char *msg = NULL;
	int rc = parse_line(line, line + strlen(line), &r->v[r->n], &msg);
	free(line);
	if (rc < 0) {
		*err = msg != NULL ? msg : strdup("out of memory");
		return -1;
	}
	r->v[r->n].line = 0;
	r->v[r->n].id = id;
	r->n++;
	return 0;
}

int64_t tun_rule_id(const struct tun_rules *r, size_t i)
{
	return r->v[i].id;
}

struct tun_md {
	pcre2_match_data *md;
};

struct tun_md *tun_md_new(void)
{
	struct tun_md *m = malloc(sizeof *m);
	if (m == NULL)
		return NULL;
	m->md = pcre2_match_data_create(1, NULL);
	if (m->md == NULL) {
		free(m);
		return NULL;
	}
	return m;
}

void tun_md_free(struct tun_md *m)
{
	if (m == NULL)
		return;
	pcre2_match_data_free(m->md);
	free(m);
}

int tun_match_md(const struct tun_rules *r, const struct ev *e, struct tun_md *m)
{
	return first_match(r, e, m->md);
}
