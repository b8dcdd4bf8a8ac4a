/* logline_int.h - internals of ll_parse, shared by logline.c (layout
 * detection, the Windows exporters' layouts), logline_native.c (our NDJSON
 * format) and logline_val.c (value helpers).  Not a public interface:
 * include only from those files. */
#ifndef ITRACE_LOGLINE_INT_H
#define ITRACE_LOGLINE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "core/logline.h"

/* Where the line came from. */
enum layout { LAY_FLAT, LAY_NXLOG, LAY_WLB };

/* The state of one ll_parse call. */
struct ctx {
	enum layout lay;
	bool sysmon;            /* collapse %% */
	bool nxlog_evtype_ours; /* nxlog: EventType is the Sysmon field */
	const char *pfx;        /* JSON path of the fields: "$." or
	                         * "$.event_data." */
	char *err;
	size_t errlen;
	char *buf;              /* scratch for cooked values */
	size_t cap;
	struct ev *ev;
	json_t *extra;
	const char *evtype;     /* registry operation (borrowed, raw) */
	/* Security 4688: names for the user (borrowed from the JSON). */
	json_t *subj_user, *subj_dom, *subj_sid, *subj_logon;
	json_t *tgt_user, *tgt_dom, *tgt_sid, *tgt_logon;
};

/* logline_val.c.  Errors: write the reason into c->err and return LL_ERROR.  fail_val
 * appends the offending value, quoted, cut and escaped to printable ASCII. */
enum ll_result ll_fail(struct ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
enum ll_result ll_fail_val(struct ctx *c, const char *pfx, const char *key,
                           const char *what, const char *v, size_t n);
enum ll_result ll_fail_oom(struct ctx *c);
/* Append s[0..n) (at most max bytes, then "...") to the NUL-terminated
 * dst as printable ASCII: other bytes as \xNN, \ and " escaped. */
void ll_put_safe(char *dst, size_t dlen, const char *s, size_t n, size_t max);

/* Field takers: LL_EVENT when stored or absent, else LL_ERROR with the path
 * c->pfx (or pfx) + key.  take_guid canonicalises (all-zero: absent);
 * take_uint accepts a JSON integer, an integral real, or a decimal/0x-hex
 * string in 0..max ("-", "", null: absent); take_time wants a string that
 * ev_parse_time accepts (v NULL: "missing"). */
enum ll_result ll_take_guid(struct ctx *c, const char *key, json_t *v,
                            char **slot);
enum ll_result ll_take_uint(struct ctx *c, const char *pfx, const char *key,
                            json_t *v, uint64_t max, const char *what,
                            int64_t *slot);
enum ll_result ll_take_time(struct ctx *c, const char *pfx, const char *key,
                            json_t *v, int64_t *out);
/* 0: *out set; 1: absent; -1: bad (see ll_take_uint). */
int ll_json_uint(json_t *v, uint64_t max, int64_t *out);
/* "-" and "": Sysmon's "not available". */
bool ll_absent(const char *s, size_t n);
bool ll_is_hex(const char *s, size_t n);
char *ll_lower_dup(const char *s, size_t n);   /* malloc'd; NULL: no memory */

/* logline_native.c: {"type":"event"} and {"type":"alert"} lines. */
enum ll_result ll_native_event(struct ctx *c, json_t *root);
enum ll_result ll_native_alert(struct ctx *c, json_t *root, struct ev_alert *a);

#endif
