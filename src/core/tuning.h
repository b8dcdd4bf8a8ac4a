/* tuning.h - log tuning rules (SPEC R-7): events that match a rule are
 * excluded from monitoring (counted, not stored).
 *
 * FILE FORMAT (UTF-8 text, one rule a line):
 *
 *   # comment                       (# as the first non-blank character)
 *   exclude FIELD /PCRE2/flags
 *
 * FIELD is one of
 *   image     the acting process's image path (every event kind)
 *   target    the object acted on: file path, loaded image, registry key,
 *             pipe name, DNS query name (every event kind that has one)
 *   cmdline   the acting process's command line
 *   registry  the key of registry_* events only
 * The pattern runs from the first '/' to the LAST '/' of the line, so it
 * may contain '/' itself; it is a PCRE2 pattern matched anywhere in the
 * value (anchor it with ^ and $ for a whole-value match). Flags, any of:
 *   i  caseless    x  extended (whitespace and # comments in the pattern)
 *   s  dotall      m  multiline    u  UTF (pattern and values as UTF-8)
 * Blank lines are ignored. An event with no value for the rule's field does
 * not match it. The first matching rule is the one reported.
 *
 * Pure: no I/O. Patterns are JIT-compiled when PCRE2 supports it, unless
 * the environment has ITRACE_PCRE2_JIT=0 (valgrind cannot follow JIT code).
 * Not thread-safe: tun_match() uses match data stored in the rule set (use
 * one set per thread).
 */
#ifndef ITRACE_TUNING_H
#define ITRACE_TUNING_H

#include <stddef.h>
#include <stdint.h>

#include "core/event.h"

enum tun_field {
	TUN_IMAGE,
	TUN_TARGET,
	TUN_CMDLINE,
	TUN_REGISTRY
};

struct tun_rules;

/* Parse the text of a tuning file (len bytes, need not be NUL-terminated).
 * Returns a rule set (possibly empty; free with tun_free), or NULL with
 * *err = malloc'd "line N: message" (PCRE2's message and the pattern
 * offset for a bad pattern) and *err_line = N (may be NULL). On allocation
 * failure *err is "out of memory" and *err_line 0. */
struct tun_rules *tun_parse(const char *text, size_t len, char **err, int *err_line);
void tun_free(struct tun_rules *r);

size_t tun_count(const struct tun_rules *r);
/* Rule i's field, and its text as "FIELD /pattern/flags" (borrowed, valid
 * until tun_free). i < tun_count(). */
enum tun_field tun_rule_field(const struct tun_rules *r, size_t i);
const char *tun_rule_text(const struct tun_rules *r, size_t i);
/* Source line of rule i (1-based). */
int tun_rule_line(const struct tun_rules *r, size_t i);

/* Index of the first rule that excludes e, or -1 when none does (also when
 * r is NULL). */
int tun_match(struct tun_rules *r, const struct ev *e);

const char *tun_field_name(enum tun_field f);   /* "image", ... */

/* ---- rules one at a time (the tuning_rule table of a tenant) ---- */

/* An empty rule set (NULL when out of memory). */
struct tun_rules *tun_new(void);
/* Append one rule: field by name ("image", ...), a PCRE2 pattern (without
 * the slashes) and flags as in a file. Checked and compiled exactly as a
 * file's line is. id is kept for tun_rule_id (tun_rule_line is 0).
 * 0, or -1 with *err malloc'd, e.g. "bad pattern at offset 3: missing
 * closing parenthesis" or "unknown flag 'q' (i, x, s, m, u)". */
int tun_add(struct tun_rules *r, const char *field, const char *pattern, const char *flags,
            int64_t id, char **err);
/* The id given to tun_add for rule i; 0 for a rule read from a file. */
int64_t tun_rule_id(const struct tun_rules *r, size_t i);

/* Matching from several threads over one rule set: each thread brings its
 * own match data (the compiled patterns are only read). */
struct tun_md;
struct tun_md *tun_md_new(void);
void tun_md_free(struct tun_md *m);
/* As tun_match, thread-safe given one m per thread. */
int tun_match_md(const struct tun_rules *r, const struct ev *e, struct tun_md *m);

#endif
