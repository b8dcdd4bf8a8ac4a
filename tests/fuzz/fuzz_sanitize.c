/* fuzz_sanitize.c - san_text(), san_width(), san_fit() (src/core/sanitize.h).
 *
 * Invariants:
 *   - the output is valid UTF-8 with no byte below 0x20, no DEL, no C1
 *     code point, no bidi control (U+202A..202E, U+2066..2069, U+061C,
 *     U+200E/F), no line/paragraph separator, no invisible spacing
 *     character; at most 4 bytes per input byte;
 *   - sanitizing is idempotent (escapes are themselves printable), and
 *     text that is already clean comes back unchanged;
 *   - san_fit(s, c) ends on a code point boundary, its prefix is at most
 *     c columns wide, it is the longest such prefix (for c > 0; nothing
 *     fits in 0 columns), it grows with c, and san_fit(s, san_width(s)) is
 *     all of s (when that width is not 0).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/sanitize.h"
#include "fuzz.h"

static int fzs_width_of(const char *s, size_t n)
{
	char *p = fz_cstr((const uint8_t *)s, n);
	int w = san_width(p);
	free(p);
	return w;
}

static void fzs_check_fit(const char *out, size_t len, int cols)
{
	size_t f = san_fit(out, cols);
	FZ_CHECK(f <= len, "fit %zu beyond length %zu", f, len);
	FZ_CHECK(f == len || ((unsigned char)out[f] & 0xC0) != 0x80,
	         "fit %zu for %d columns cuts a UTF-8 sequence", f, cols);
	int w = fzs_width_of(out, f);
	/* Nothing fits in 0 columns, not even a zero-width mark (it would
	 * combine with whatever the caller drew before). */
	FZ_CHECK(cols <= 0 ? f == 0 : w <= cols, "prefix of %zu bytes is %d columns, limit %d",
	         f, w, cols);
	if (f < len && cols > 0) {
		uint32_t cp;
		size_t k = fz_utf8_cp((const unsigned char *)out + f, len - f, &cp);
		FZ_CHECK(k > 0, "invalid UTF-8 after the fit");
		int w2 = fzs_width_of(out, f + k);
		FZ_CHECK(w2 > cols, "fit %zu for %d columns is not the longest (next code point "
		         "U+%04X still fits)", f, cols, (unsigned)cp);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = fz_copy(data, size);
	char *out = san_text(in, size);
	FZ_CHECK(out != NULL, "san_text returned NULL");
	size_t len = strlen(out);
	FZ_CHECK(len <= 4 * size, "output %zu bytes for %zu input bytes", len, size);
	size_t bad = fz_text_bad_at(out, len, 0, 0);
	FZ_CHECK(bad == len, "output byte %zu (0x%02x) is invalid UTF-8 or a hostile code point",
	         bad, bad < len ? (unsigned char)out[bad] : 0);

	/* Idempotent. */
	char *again = san_str(out);
	FZ_CHECK(again != NULL && strcmp(again, out) == 0, "sanitizing twice changes the text");
	free(again);

	/* Clean input is kept as is. */
	if (fz_text_bad_at(in, size, 0, 0) == size)
		FZ_CHECK(len == size && memcmp(out, in, size) == 0, "clean text was changed");

	/* Widths and fitting. */
	int w = san_width(out);
	FZ_CHECK(w >= 0, "negative width %d", w);
	FZ_CHECK(w == 0 || san_fit(out, w) == len, "the whole text does not fit its own width %d",
	         w);
	size_t prev = 0;
	const int cols[] = {-1, 0, 1, 2, 3, w / 3, w / 2, w - 1, w, w + 1};
	for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++)
		fzs_check_fit(out, len, cols[i]);
	int step = w / 16 > 1 ? w / 16 : 1;      /* about 17 widths, any length */
	for (int c = 0; c <= w; c += step) {
		size_t f = san_fit(out, c);
		FZ_CHECK(f >= prev, "fit shrinks from %zu to %zu at %d columns", prev, f, c);
		prev = f;
	}

	/* The raw input through the width functions (they must cope with
	 * invalid UTF-8 and controls too). */
	char *raw = fz_cstr(data, size);
	int rw = san_width(raw);
	FZ_CHECK(rw >= 0, "negative width of raw input");
	FZ_CHECK(rw == 0 || san_fit(raw, rw) == strlen(raw), "raw input does not fit its width");
	free(raw);

	char *empty = san_text(NULL, 0);
	FZ_CHECK(empty != NULL && empty[0] == '\0', "san_text(NULL) is not \"\"");
	free(empty);
	free(out);
	free(in);
	return 0;
}
