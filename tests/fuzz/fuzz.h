/* fuzz.h - helpers shared by the libFuzzer targets in tests/fuzz.
 *
 * Every target defines LLVMFuzzerTestOneInput() and nothing else with
 * external linkage, so that one file builds three ways:
 *   - with clang -fsanitize=fuzzer,address,undefined (tests/fuzz/run.sh,
 *     `make fuzz`);
 *   - with any compiler and tests/fuzz/replay.c, a plain main() that feeds
 *     files and directories to the target (reproducing a crash without
 *     clang);
 *   - #included by tests/unit/test_fuzz_regress.c with the entry point
 *     renamed, which replays tests/fuzz/regress/<target>/ in `make check`.
 * For the last one every static name in a target carries the target's
 * prefix (ll_, cf_ ... are taken by the code under test: fzl_, fzc_, fza_,
 * fzs_, fzp_), and this header is guarded.
 *
 * A broken invariant is a crash: FZ_CHECK prints what failed and aborts,
 * which libFuzzer records as a crashing input like any sanitizer report.
 */
#ifndef ITRACE_FUZZ_H
#define ITRACE_FUZZ_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__attribute__((noreturn, format(printf, 3, 4), unused))
static void fz_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s:%d: invariant broken: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

#define FZ_CHECK(cond, ...)                                        \
	do {                                                       \
		if (!(cond))                                       \
			fz_fail(__FILE__, __LINE__, __VA_ARGS__);  \
	} while (0)

/* An exact-size copy (no terminator): reading past size is an ASan error.
 * Never NULL (aborts on allocation failure: not what is being tested). */
__attribute__((unused)) static char *fz_copy(const uint8_t *d, size_t n)
{
	char *p = malloc(n > 0 ? n : 1);
	FZ_CHECK(p != NULL, "out of memory");
	if (n > 0)
		memcpy(p, d, n);
	return p;
}

/* A NUL-terminated copy (text stops at an embedded NUL for C APIs). */
__attribute__((unused)) static char *fz_cstr(const uint8_t *d, size_t n)
{
	char *p = malloc(n + 1);
	FZ_CHECK(p != NULL, "out of memory");
	if (n > 0)
		memcpy(p, d, n);
	p[n] = '\0';
	return p;
}

/* Strict UTF-8 decoding of s[0..n): the number of bytes of the code point
 * at s (1..4) with *cp, or 0 when s does not start a valid sequence
 * (overlong forms, surrogates and values past U+10FFFF are invalid). */
__attribute__((unused)) static size_t fz_utf8_cp(const unsigned char *s, size_t n,
                                                 uint32_t *cp)
{
	if (n == 0)
		return 0;
	unsigned char b = s[0];
	size_t len;
	uint32_t c;
	if (b < 0x80) {
		*cp = b;
		return 1;
	} else if (b >= 0xC2 && b <= 0xDF) {
		len = 2;
		c = b & 0x1Fu;
	} else if (b >= 0xE0 && b <= 0xEF) {
		len = 3;
		c = b & 0x0Fu;
	} else if (b >= 0xF0 && b <= 0xF4) {
		len = 4;
		c = b & 0x07u;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3Fu);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) || c > 0x10FFFF ||
	    (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return len;
}

/* Code points that must never reach a terminal or report raw: C0, DEL,
 * C1, bidi embeddings/overrides/isolates/marks, line and paragraph
 * separators, invisible spacing (sanitize.c's list). */
__attribute__((unused)) static int fz_cp_hostile(uint32_t c)
{
	if (c < 0x20 || (c >= 0x7F && c <= 0x9F))
		return 1;
	if ((c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069) ||
	    (c >= 0x2060 && c <= 0x2064))
		return 1;
	return c == 0x061C || c == 0x200B || c == 0x200E || c == 0x200F ||
	       c == 0x2028 || c == 0x2029 || c == 0xFEFF;
}

/* Is s[0..n) valid UTF-8 free of hostile code points (newline allowed
 * when nl_ok, tab when tab_ok)? Returns the offset of the first problem,
 * or n when there is none. */
__attribute__((unused)) static size_t fz_text_bad_at(const char *s, size_t n, int nl_ok,
                                                    int tab_ok)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < n) {
		uint32_t c;
		size_t k = fz_utf8_cp(p + i, n - i, &c);
		if (k == 0)
			return i;
		if (fz_cp_hostile(c) && !(nl_ok && c == '\n') && !(tab_ok && c == '\t'))
			return i;
		i += k;
	}
	return n;
}

/* A little reader over the fuzz input for the structured targets: takes
 * bytes from the front; past the end everything reads as 0. */
struct fz_in {
	const uint8_t *p;
	size_t n;
};

__attribute__((unused)) static unsigned fz_u8(struct fz_in *in)
{
	if (in->n == 0)
		return 0;
	in->n--;
	return *in->p++;
}

__attribute__((unused)) static unsigned fz_u16(struct fz_in *in)
{
	unsigned a = fz_u8(in);
	return a | (fz_u8(in) << 8);
}

/* Up to max bytes as a new NUL-terminated string (its length comes from
 * the input first). */
__attribute__((unused)) static char *fz_take_str(struct fz_in *in, size_t max)
{
	size_t want = fz_u8(in) % (max + 1);
	if (want > in->n)
		want = in->n;
	char *s = fz_cstr(in->p, want);
	in->p += want;
	in->n -= want;
	return s;
}

#endif
