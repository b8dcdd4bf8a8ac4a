/* sanitize.h - make attacker-controlled text safe for a terminal or report.
 *
 * Everything that came from an endpoint (paths, command lines, registry
 * values, host names) passes through san_text() before it is drawn or
 * written into a report. Output is valid UTF-8 with no C0/C1 controls, no
 * DEL, no escape sequences and no bidi override/isolate characters: each is
 * shown visibly instead (ESC -> "\e" style escapes described in sanitize.c),
 * invalid UTF-8 bytes become U+FFFD. Printable text, including CJK, is kept.
 */
#ifndef ITRACE_SANITIZE_H
#define ITRACE_SANITIZE_H

#include <stddef.h>

/* Newly malloc'd sanitized copy of s[0..len); NULL only on allocation
 * failure. s may be NULL (returns ""). */
char *san_text(const char *s, size_t len);
/* Same for a NUL-terminated string. */
char *san_str(const char *s);
/* Display width in terminal columns of valid UTF-8 text (wcwidth rules,
 * CJK wide = 2); -1 never: unprintables count as 1. */
int san_width(const char *s);
/* Byte length of the longest prefix of s that fits in cols columns. */
size_t san_fit(const char *s, int cols);

#endif
