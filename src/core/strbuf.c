/* strbuf.c - a growing string; see strbuf.h. */
#include "core/strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void strbuf_add(struct strbuf *b, const char *s, size_t len)
{
	if (b->oom)
		return;
	if (b->n + len + 1 > b->cap) {
		size_t nc = b->cap != 0 ? b->cap : 4096;
		while (nc < b->n + len + 1)
			nc *= 2;
		char *ns = realloc(b->s, nc);
		if (ns == NULL) {
			b->oom = 1;
			return;
		}
		b->s = ns;
		b->cap = nc;
	}
	memcpy(b->s + b->n, s, len);
	b->n += len;
	b->s[b->n] = '\0';
}

void strbuf_puts(struct strbuf *b, const char *s)
{
	strbuf_add(b, s, strlen(s));
}

void strbuf_printf(struct strbuf *b, const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;
	va_start(ap, fmt);
	int l = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (l < 0) {
		b->oom = 1;
		return;
	}
	strbuf_add(b, s, (size_t)l);
	free(s);
}

char *strbuf_take(struct strbuf *b)
{
	char *s = b->s;
	if (b->oom) {
		free(s);
		s = NULL;
	} else if (s == NULL) {
		s = strdup("");
	}
	memset(b, 0, sizeof *b);
	return s;
}
