/* sanitize.c - terminal- and report-safe text, display width; see sanitize.h.
 *
 * What san_text() turns into visible escapes (everything else is copied):
 *   NUL -> \0   TAB -> \t   LF -> \n   CR -> \r   ESC -> \e
 *   other C0 controls and DEL -> \xNN (two lower-case hex digits)
 *   C1 controls U+0080..U+009F (as UTF-8) -> \u{9B} style
 *   bidi embeddings/overrides/isolates/marks (U+061C, U+200E, U+200F,
 *   U+202A..U+202E, U+2066..U+2069), line/paragraph separators
 *   (U+2028, U+2029) and invisible spacing characters that can hide text
 *   (U+200B, U+2060..U+2064, U+FEFF) -> \u{202E} style
 *   invalid UTF-8 (bad lead byte, truncated sequence, overlong form,
 *   surrogate, beyond U+10FFFF) -> U+FFFD, one per maximal bad subpart;
 *   a raw 0x9B byte (8-bit CSI) is invalid UTF-8 and becomes U+FFFD.
 * Backslashes are not doubled: Windows paths must stay readable, and an
 * escape only ever replaces something that could not be shown.
 *
 * Widths follow wcwidth() conventions without consulting the process locale:
 * East Asian Wide and Fullwidth characters (and emoji presentation blocks)
 * are 2 columns, combining marks and zero-width characters 0, the rest 1.
 */
#include "core/sanitize.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct range {
	uint32_t lo, hi;
};

/* Zero-width: combining marks (general categories Mn, Me) of the scripts
 * likely in endpoint data, Hangul medial/final jamo, variation selectors,
 * zero-width format characters. Sorted, non-overlapping. */
static const struct range zero_width[] = {
	{0x0300, 0x036F}, {0x0483, 0x0489}, {0x0591, 0x05BD}, {0x05BF, 0x05BF},
	{0x05C1, 0x05C2}, {0x05C4, 0x05C5}, {0x05C7, 0x05C7}, {0x0610, 0x061A},
	{0x061C, 0x061C}, {0x064B, 0x065F}, {0x0670, 0x0670}, {0x06D6, 0x06DC},
	{0x06DF, 0x06E4}, {0x06E7, 0x06E8}, {0x06EA, 0x06ED}, {0x0711, 0x0711},
	{0x0730, 0x074A}, {0x07A6, 0x07B0}, {0x07EB, 0x07F3}, {0x0816, 0x082D},
	{0x0859, 0x085B}, {0x08D3, 0x08E1}, {0x08E3, 0x0902}, {0x093A, 0x093A},
	{0x093C, 0x093C}, {0x0941, 0x0948}, {0x094D, 0x094D}, {0x0951, 0x0957},
	{0x0962, 0x0963}, {0x0981, 0x0981}, {0x09BC, 0x09BC}, {0x09C1, 0x09C4},
	{0x09CD, 0x09CD}, {0x09E2, 0x09E3}, {0x0A01, 0x0A02}, {0x0A3C, 0x0A3C},
	{0x0A41, 0x0A51}, {0x0A70, 0x0A71}, {0x0A75, 0x0A75}, {0x0A81, 0x0A82},
	{0x0ABC, 0x0ABC}, {0x0AC1, 0x0AC8}, {0x0ACD, 0x0ACD}, {0x0AE2, 0x0AE3},
	{0x0B01, 0x0B01}, {0x0B3C, 0x0B3C}, {0x0B3F, 0x0B3F}, {0x0B41, 0x0B44},
	{0x0B4D, 0x0B4D}, {0x0B82, 0x0B82}, {0x0BC0, 0x0BC0}, {0x0BCD, 0x0BCD},
	{0x0C3E, 0x0C40}, {0x0C46, 0x0C56}, {0x0CBC, 0x0CBC}, {0x0CCC, 0x0CCD},
	{0x0D41, 0x0D44}, {0x0D4D, 0x0D4D}, {0x0DCA, 0x0DCA}, {0x0DD2, 0x0DD6},
	{0x0E31, 0x0E31}, {0x0E34, 0x0E3A}, {0x0E47, 0x0E4E}, {0x0EB1, 0x0EB1},
	{0x0EB4, 0x0EBC}, {0x0EC8, 0x0ECD}, {0x0F18, 0x0F19}, {0x0F35, 0x0F35},
	{0x0F37, 0x0F37}, {0x0F39, 0x0F39}, {0x0F71, 0x0F7E}, {0x0F80, 0x0F84},
	{0x0F86, 0x0F87}, {0x0F8D, 0x0FBC}, {0x0FC6, 0x0FC6}, {0x102D, 0x1030},
	{0x1032, 0x1037}, {0x1039, 0x103A}, {0x1058, 0x1059}, {0x1160, 0x11FF},
	{0x135D, 0x135F}, {0x1712, 0x1714}, {0x17B4, 0x17B5}, {0x17B7, 0x17BD},
	{0x17C6, 0x17C6}, {0x17C9, 0x17D3}, {0x180B, 0x180F}, {0x1A17, 0x1A18},
	{0x1AB0, 0x1AFF}, {0x1B00, 0x1B03}, {0x1B34, 0x1B34}, {0x1B36, 0x1B3A},
	{0x1DC0, 0x1DFF}, {0x200B, 0x200F}, {0x202A, 0x202E}, {0x2060, 0x2064},
	{0x2066, 0x206F}, {0x20D0, 0x20FF}, {0x2CEF, 0x2CF1}, {0x2DE0, 0x2DFF},
	{0x302A, 0x302D}, {0x3099, 0x309A}, {0xA66F, 0xA672}, {0xA674, 0xA67D},
	{0xA69E, 0xA69F}, {0xA6F0, 0xA6F1}, {0xA8E0, 0xA8F1}, {0xD7B0, 0xD7FF},
	{0xFB1E, 0xFB1E}, {0xFE00, 0xFE0F}, {0xFE20, 0xFE2F}, {0xFEFF, 0xFEFF},
	{0x1D167, 0x1D169}, {0x1D17B, 0x1D182}, {0x1F3FB, 0x1F3FF},
	{0xE0000, 0xE007F}, {0xE0100, 0xE01EF},
};

/* East Asian Wide (W) and Fullwidth (F), with the emoji presentation
 * blocks. Sorted, non-overlapping. */
static const struct range wide[] = {
	{0x1100, 0x115F}, {0x231A, 0x231B}, {0x2329, 0x232A}, {0x23E9, 0x23EC},
	{0x23F0, 0x23F0}, {0x23F3, 0x23F3}, {0x25FD, 0x25FE}, {0x2614, 0x2615},
	{0x2648, 0x2653}, {0x267F, 0x267F}, {0x2693, 0x2693}, {0x26A1, 0x26A1},
	{0x26AA, 0x26AB}, {0x26BD, 0x26BE}, {0x26C4, 0x26C5}, {0x26CE, 0x26CE},
	{0x26D4, 0x26D4}, {0x26EA, 0x26EA}, {0x26F2, 0x26F3}, {0x26F5, 0x26F5},
	{0x26FA, 0x26FA}, {0x26FD, 0x26FD}, {0x2705, 0x2705}, {0x270A, 0x270B},
	{0x2728, 0x2728}, {0x274C, 0x274C}, {0x274E, 0x274E}, {0x2753, 0x2755},
	{0x2757, 0x2757}, {0x2795, 0x2797}, {0x27B0, 0x27B0}, {0x27BF, 0x27BF},
	{0x2B1B, 0x2B1C}, {0x2B50, 0x2B50}, {0x2B55, 0x2B55}, {0x2E80, 0x3029},
	{0x302E, 0x303E}, {0x3041, 0x3098}, {0x309B, 0x33FF}, {0x3400, 0x4DBF},
	{0x4E00, 0x9FFF}, {0xA000, 0xA4CF}, {0xA960, 0xA97F}, {0xAC00, 0xD7A3},
	{0xF900, 0xFAFF}, {0xFE10, 0xFE19}, {0xFE30, 0xFE6F}, {0xFF00, 0xFF60},
	{0xFFE0, 0xFFE6}, {0x16FE0, 0x16FE4}, {0x17000, 0x18CFF},
	{0x1B000, 0x1B2FF}, {0x1F004, 0x1F004}, {0x1F0CF, 0x1F0CF},
	{0x1F18E, 0x1F18E}, {0x1F191, 0x1F19A}, {0x1F200, 0x1F202},
	{0x1F210, 0x1F23B}, {0x1F240, 0x1F248}, {0x1F250, 0x1F251},
	{0x1F260, 0x1F265}, {0x1F300, 0x1F3FA}, {0x1F400, 0x1F64F},
	{0x1F680, 0x1F6FF}, {0x1F7E0, 0x1F7EB}, {0x1F90C, 0x1F9FF},
	{0x1FA70, 0x1FAFF}, {0x20000, 0x2FFFD}, {0x30000, 0x3FFFD},
};

static int in_table(uint32_t c, const struct range *t, size_t n)
{
	size_t lo = 0, hi = n;
	if (c < t[0].lo || c > t[n - 1].hi)
		return 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (c > t[mid].hi)
			lo = mid + 1;
		else if (c < t[mid].lo)
			hi = mid;
		else
			return 1;
	}
	return 0;
}

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Decode one code point from s[0..n) (n >= 1). Returns the number of bytes
 * consumed; *cp is the code point, or UINT32_MAX for an invalid maximal
 * subpart (which then spans the returned number of bytes, at least 1). */
static size_t utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned char b = s[0];
	size_t need;
	uint32_t c;
	unsigned char lo = 0x80, hi = 0xBF;

	if (b < 0x80) {
		*cp = b;
		return 1;
	}
	if (b >= 0xC2 && b <= 0xDF) {
		need = 1;
		c = b & 0x1Fu;
	} else if (b >= 0xE0 && b <= 0xEF) {
		need = 2;
		c = b & 0x0Fu;
		if (b == 0xE0)
			lo = 0xA0;          /* overlong */
		else if (b == 0xED)
			hi = 0x9F;          /* surrogates */
	} else if (b >= 0xF0 && b <= 0xF4) {
		need = 3;
		c = b & 0x07u;
		if (b == 0xF0)
			lo = 0x90;          /* overlong */
		else if (b == 0xF4)
			hi = 0x8F;          /* beyond U+10FFFF */
	} else {
		*cp = UINT32_MAX;       /* 0x80..0xC1, 0xF5..0xFF */
		return 1;
	}
	size_t i = 1;
	for (; i <= need; i++) {
		if (i >= n || s[i] < lo || s[i] > hi) {
			*cp = UINT32_MAX;
			return i;
		}
		c = (c << 6) | (s[i] & 0x3Fu);
		lo = 0x80;
		hi = 0xBF;
	}
	*cp = c;
	return i;
}

/* Code points shown as \u{...}: C1, bidi controls, separators, invisible. */
static int hidden_cp(uint32_t c)
{
	if (c >= 0x80 && c <= 0x9F)
		return 1;
	switch (c) {
	case 0x061C: case 0x200B: case 0x200E: case 0x200F:
	case 0x2028: case 0x2029: case 0xFEFF:
		return 1;
	default:
		break;
	}
	return (c >= 0x202A && c <= 0x202E) || (c >= 0x2060 && c <= 0x2064) ||
	       (c >= 0x2066 && c <= 0x2069);
}

static char *put_hex(char *o, uint32_t v, int digits, int upper)
{
	const char *hex = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	for (int i = digits - 1; i >= 0; i--)
		*o++ = hex[(v >> (4 * i)) & 0xFu];
	return o;
}

char *san_text(const char *s, size_t len)
{
	if (s == NULL)
		len = 0;
	/* Worst case per input byte: 4 output bytes ("\x07"); a 2-byte C1
	 * becomes 6 ("\u{9B}"), a 3-byte bidi control 8 ("\u{202E}"). */
	if (len > (SIZE_MAX - 1) / 4)
		return NULL;
	char *out = malloc(4 * len + 1);
	if (out == NULL)
		return NULL;
	const unsigned char *p = (const unsigned char *)s;
	char *o = out;
	size_t i = 0;
	while (i < len) {
		uint32_t c;
		size_t n = utf8_next(p + i, len - i, &c);
		if (c == UINT32_MAX) {
			*o++ = (char)0xEF;
			*o++ = (char)0xBF;
			*o++ = (char)0xBD;
		} else if (c < 0x20 || c == 0x7F) {
			*o++ = '\\';
			switch (c) {
			case 0x00: *o++ = '0'; break;
			case 0x09: *o++ = 't'; break;
			case 0x0A: *o++ = 'n'; break;
			case 0x0D: *o++ = 'r'; break;
			case 0x1B: *o++ = 'e'; break;
			default:
				*o++ = 'x';
				o = put_hex(o, c, 2, 0);
				break;
			}
		} else if (hidden_cp(c)) {
			*o++ = '\\';
			*o++ = 'u';
			*o++ = '{';
			o = put_hex(o, c, c > 0xFF ? 4 : 2, 1);
			*o++ = '}';
		} else {
			memcpy(o, p + i, n);
			o += n;
		}
		i += n;
	}
	*o = '\0';
	char *shrunk = realloc(out, (size_t)(o - out) + 1);
	return shrunk != NULL ? shrunk : out;
}

char *san_str(const char *s)
{
	return san_text(s, s != NULL ? strlen(s) : 0);
}

static int cp_width(uint32_t c)
{
	if (c == UINT32_MAX || c < 0x20 || (c >= 0x7F && c <= 0x9F))
		return 1;               /* unprintable: shown as one cell */
	if (c < 0x300)
		return 1;
	if (in_table(c, zero_width, NELEM(zero_width)))
		return 0;
	if (in_table(c, wide, NELEM(wide)))
		return 2;
	return 1;
}

int san_width(const char *s)
{
	if (s == NULL)
		return 0;
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), i = 0;
	long w = 0;
	while (i < len) {
		uint32_t c;
		i += utf8_next(p + i, len - i, &c);
		w += cp_width(c);
		if (w > 0x3FFFFFFF)
			return 0x3FFFFFFF;
	}
	return (int)w;
}

size_t san_fit(const char *s, int cols)
{
	if (s == NULL || cols <= 0)
		return 0;
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), i = 0, fit = 0;
	long w = 0;
	while (i < len) {
		uint32_t c;
		size_t n = utf8_next(p + i, len - i, &c);
		int cw = cp_width(c);
		if (w + cw > cols)
			break;
		w += cw;
		i += n;
		fit = i;
	}
	return fit;
}
