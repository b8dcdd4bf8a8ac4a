/* report_int.h - what the report renderers share (report_render.c: the
 * header and the eight items; report_sections.c: the verdict's section of
 * SPEC R-18..R-20). Not part of the report API.
 */
#ifndef ITRACE_REPORT_INT_H
#define ITRACE_REPORT_INT_H

#include <jansson.h>
#include <stdlib.h>

#include "core/report.h"
#include "core/strbuf.h"

/* A Markdown output in one language. */
struct sb {
	struct strbuf buf;
	enum rp_lang lang;
};

static inline void sb_puts(struct sb *b, const char *s)
{
	strbuf_puts(&b->buf, s);
}

#define sb_printf(b, ...) strbuf_printf(&(b)->buf, __VA_ARGS__)

static inline const char *L(const struct sb *b, const char *en, const char *ja)
{
	return b->lang == RP_JA ? ja : en;
}

/* Text from the logs, escaped for Markdown; "-" when absent. */
static inline void sb_md(struct sb *b, const char *s, int in_table)
{
	if (s == NULL || s[0] == '\0') {
		sb_puts(b, "-");
		return;
	}
	char *e = report_md_escape(s, in_table);
	if (e == NULL) {
		b->buf.oom = 1;
		return;
	}
	sb_puts(b, e);
	free(e);
}

/* RFC 3339 UTC with milliseconds; "-" when absent. */
static inline void sb_time(struct sb *b, int64_t us)
{
	char buf[48];
	if (us == RP_NONE) {
		sb_puts(b, "-");
		return;
	}
	ev_format_time(us, buf, sizeof buf);
	sb_puts(b, buf);
}

/* The verdict as the service names it: "ブラック（明らかな脅威）",
 * "Gray (needs investigation)" ... */
const char *rp_verdict_label(enum rp_verdict v, enum rp_lang lang);

/* The verdict's section in Markdown (nothing without facts or verdict). */
void rp_md_sections(struct sb *b, const struct report *r);

/* Adds "kind", "verdict", "response" and "check_with_user" to the report
 * JSON root; sets *oom on an allocation failure. */
void rp_json_sections(json_t *root, const struct report *r, enum rp_lang lang, int *oom);

#endif
