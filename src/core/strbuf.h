/* strbuf.h - a growing NUL-terminated string for the report renderers.
 *
 * Ownership: s is malloc'd and owned by the strbuf until the caller takes
 * it (returns b.s) or frees it. An allocation failure sets oom and turns
 * every later call into a no-op, so renderers check once at the end.
 */
#ifndef ITRACE_STRBUF_H
#define ITRACE_STRBUF_H

#include <stddef.h>

struct strbuf {
	char *s;       /* NULL until something is added */
	size_t n, cap;
	int oom;
};

void strbuf_add(struct strbuf *b, const char *s, size_t len);
void strbuf_puts(struct strbuf *b, const char *s);
void strbuf_printf(struct strbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Takes the string (NULL after an allocation failure, or "" when empty);
 * the strbuf is left empty. */
char *strbuf_take(struct strbuf *b);

#endif
