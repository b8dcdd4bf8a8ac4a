/* test_sanitize.c - san_text / san_width / san_fit, with a hostile corpus. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/sanitize.h"

/* Sanitize len bytes and compare with the expected output. */
static void expect_san(const char *in, size_t len, const char *want)
{
	char *got = san_text(in, len);
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}
#define SAN(lit, want) expect_san(lit, sizeof(lit) - 1, want)

/* The safety property every output must have: valid UTF-8, no byte below
 * 0x20, no DEL, no C1 code point, no bidi control. */
static void assert_safe(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; p[i] != '\0'; i++) {
		assert_true(p[i] >= 0x20);
		assert_true(p[i] != 0x7F);
		if (p[i] == 0xC2)        /* U+0080..U+009F would be C2 80..9F */
			assert_true(p[i + 1] >= 0xA0);
		if (p[i] == 0xE2 && p[i + 1] == 0x80)  /* U+2000..U+203F */
			assert_false((p[i + 2] >= 0xAA && p[i + 2] <= 0xAE) ||
			             p[i + 2] == 0x8E || p[i + 2] == 0x8F ||
			             p[i + 2] == 0xA8 || p[i + 2] == 0xA9);
		if (p[i] == 0xE2 && p[i + 1] == 0x81)  /* U+2040..U+207F */
			assert_false(p[i + 2] >= 0xA6 && p[i + 2] <= 0xA9);
	}
	/* Re-sanitizing safe text changes nothing (idempotent). */
	char *again = san_str(s);
	assert_non_null(again);
	assert_string_equal(again, s);
	free(again);
}

static void test_plain_kept(void **state)
{
	(void)state;
	SAN("C:\\Windows\\System32\\cmd.exe /c calc.exe",
	    "C:\\Windows\\System32\\cmd.exe /c calc.exe");
	SAN("", "");
	/* CJK, kana, Hangul, accents, emoji are printable and kept. */
	SAN("C:\\Users\\山田\\デスクトップ\\報告書.docx",
	    "C:\\Users\\山田\\デスクトップ\\報告書.docx");
	SAN("한국어 café 😀", "한국어 café 😀");
	char *n = san_text(NULL, 5);
	assert_string_equal(n, "");
	free(n);
	n = san_str(NULL);
	assert_string_equal(n, "");
	free(n);
}

static void test_c0_and_del(void **state)
{
	(void)state;
	SAN("a\tb\nc\rd", "a\\tb\\nc\\rd");
	SAN("\x1b[2J", "\\e[2J");
	SAN("bell\x07", "bell\\x07");
	SAN("\x01\x1f\x7f", "\\x01\\x1f\\x7f");
	SAN("a\0b", "a\\0b");
	SAN("\b\b\bfake", "\\x08\\x08\\x08fake");
}

static void test_c1_and_csi(void **state)
{
	(void)state;
	/* U+009B (CSI) encoded as UTF-8, and U+0085 (NEL). */
	SAN("x\xc2\x9b" "2Jy", "x\\u{9B}2Jy");
	SAN("\xc2\x85", "\\u{85}");
	/* A raw 0x9b byte is an 8-bit CSI for some terminals; invalid UTF-8. */
	SAN("\x9b" "31m", "\xef\xbf\xbd" "31m");
	/* U+00A0 and above are printable. */
	SAN("\xc2\xa0", "\xc2\xa0");
}

static void test_bidi_and_invisible(void **state)
{
	(void)state;
	/* "evil\u202Egpj.exe" shows as "evilexe.jpg" in a bidi terminal. */
	SAN("evil\xe2\x80\xae" "gpj.exe", "evil\\u{202E}gpj.exe");
	SAN("\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad",
	    "\\u{202A}\\u{202B}\\u{202C}\\u{202D}");
	SAN("\xe2\x81\xa6\xe2\x81\xa7\xe2\x81\xa8\xe2\x81\xa9",
	    "\\u{2066}\\u{2067}\\u{2068}\\u{2069}");
	SAN("\xe2\x80\x8e\xe2\x80\x8f\xd8\x9c", "\\u{200E}\\u{200F}\\u{061C}");
	SAN("a\xe2\x80\xa8" "b\xe2\x80\xa9", "a\\u{2028}b\\u{2029}");
	SAN("svch\xe2\x80\x8bost.exe", "svch\\u{200B}ost.exe");
	SAN("\xef\xbb\xbfx", "\\u{FEFF}x");
}

static void test_invalid_utf8(void **state)
{
	(void)state;
	const char *r = "\xef\xbf\xbd";
	char want[64];
	/* Lone continuation, bad leads, truncated sequence at the end. */
	snprintf(want, sizeof want, "a%sb", r);
	SAN("a\x80" "b", want);
	SAN("a\xc0" "b", want);
	SAN("a\xff" "b", want);
	snprintf(want, sizeof want, "a%s", r);
	SAN("a\xe6\x97", want);
	/* Overlong "/" and overlong NUL (C0 80). */
	snprintf(want, sizeof want, "%s%s", r, r);
	SAN("\xc0\xaf", want);
	SAN("\xc0\x80", want);
	/* Surrogate D800 encoded: ED is valid lead, A0 is not allowed after. */
	snprintf(want, sizeof want, "%s%s%s", r, r, r);
	SAN("\xed\xa0\x80", want);
	/* Beyond U+10FFFF. */
	snprintf(want, sizeof want, "%s%s%s%s", r, r, r, r);
	SAN("\xf4\x90\x80\x80", want);
	/* A truncated 3-byte sequence followed by ASCII: one U+FFFD. */
	snprintf(want, sizeof want, "%sx", r);
	SAN("\xe6\x97x", want);
	/* 4-byte valid. */
	SAN("\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80");
}

/* The hostile corpus: every entry must come out safe. */
static void test_hostile_corpus(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		size_t len;
		const char *must_contain;
	} corpus[] = {
#define C(lit, frag) {lit, sizeof(lit) - 1, frag}
		C("powershell \x1b[2J\x1b[H clear", "\\e[2J\\e[H"),
		/* OSC 52: write the clipboard. */
		C("\x1b]52;c;ZWNobyBwd25lZA==\x07", "\\e]52;c;ZWNobyBwd25lZA==\\x07"),
		/* OSC 8 hyperlink with ST terminator. */
		C("\x1b]8;;http://evil.example/\x1b\\click\x1b]8;;\x1b\\",
		  "\\e]8;;http://evil.example/\\e\\click"),
		/* Title set, DCS, 8-bit CSI as UTF-8 C1 and as raw byte. */
		C("\x1b]0;owned\x07", "\\e]0;owned\\x07"),
		C("\x1bP1$r\x1b\\", "\\eP1$r\\e\\"),
		C("\xc2\x9b" "6n", "\\u{9B}6n"),
		C("\x9b" "6n", "\xef\xbf\xbd" "6n"),
		C("nul\0inside", "nul\\0inside"),
		C("C:\\Users\\x\\\xe2\x80\xae" "fdp.exe", "\\u{202E}fdp.exe"),
		C("\xfe\xfe\xff\xff", "\xef\xbf\xbd"),
		C("\x1b[?1049h\x1b[?25l", "\\e[?1049h\\e[?25l"),
#undef C
	};
	for (size_t i = 0; i < sizeof corpus / sizeof corpus[0]; i++) {
		char *o = san_text(corpus[i].s, corpus[i].len);
		assert_non_null(o);
		assert_safe(o);
		assert_non_null(strstr(o, corpus[i].must_contain));
		assert_null(strchr(o, 0x1b));
		free(o);
	}
}

static void test_big_string(void **state)
{
	(void)state;
	/* 100 KB of mixed hostile content. */
	size_t len = 100 * 1024;
	unsigned char *buf = malloc(len);
	assert_non_null(buf);
	uint32_t x = 12345;
	for (size_t i = 0; i < len; i++) {
		x = x * 1103515245u + 12345u;
		buf[i] = (unsigned char)(x >> 16);
	}
	memcpy(buf + 100, "\x1b[2J", 4);
	memcpy(buf + 5000, "\xe2\x80\xae", 3);
	char *o = san_text((const char *)buf, len);
	assert_non_null(o);
	assert_safe(o);
	assert_true(strlen(o) >= len / 2);
	free(o);

	/* 100 KB of ESC: worst-case growth is exact. */
	memset(buf, 0x1b, len);
	o = san_text((const char *)buf, len);
	assert_non_null(o);
	assert_int_equal(strlen(o), 2 * len);
	free(o);
	memset(buf, 0x01, len);
	o = san_text((const char *)buf, len);
	assert_non_null(o);
	assert_int_equal(strlen(o), 4 * len);
	free(o);
	free(buf);
}

static void test_width(void **state)
{
	(void)state;
	assert_int_equal(san_width(""), 0);
	assert_int_equal(san_width(NULL), 0);
	assert_int_equal(san_width("abc"), 3);
	assert_int_equal(san_width("日本語"), 6);
	assert_int_equal(san_width("ｶﾀｶﾅ"), 4);          /* halfwidth kana */
	assert_int_equal(san_width("ＡＢ"), 4);           /* fullwidth */
	assert_int_equal(san_width("가나"), 4);
	assert_int_equal(san_width("e\xcc\x81"), 1);      /* e + combining acute */
	assert_int_equal(san_width("か\xe3\x82\x99"), 2);  /* ka + combining dakuten */
	assert_int_equal(san_width("😀"), 2);
	assert_int_equal(san_width("\xf0\xa0\x80\x8b"), 2); /* CJK ext B */
	assert_int_equal(san_width("a\x01" "b"), 3);      /* unprintable = 1 */
	assert_int_equal(san_width("\xff"), 1);
	assert_int_equal(san_width("C:\\Users\\山田\\報告.txt"), 22);
}

static void test_fit(void **state)
{
	(void)state;
	assert_int_equal(san_fit("abcdef", 3), 3);
	assert_int_equal(san_fit("abc", 10), 3);
	assert_int_equal(san_fit("abc", 0), 0);
	assert_int_equal(san_fit(NULL, 4), 0);
	/* Never split a wide character or a code point. */
	assert_int_equal(san_fit("日本語", 3), 3);
	assert_int_equal(san_fit("日本語", 4), 6);
	assert_int_equal(san_fit("a日", 2), 1);
	/* Combining marks stay with their base. */
	assert_int_equal(san_fit("e\xcc\x81x", 1), 3);
	assert_int_equal(san_fit("😀x", 1), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_kept),
		cmocka_unit_test(test_c0_and_del),
		cmocka_unit_test(test_c1_and_csi),
		cmocka_unit_test(test_bidi_and_invisible),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_hostile_corpus),
		cmocka_unit_test(test_big_string),
		cmocka_unit_test(test_width),
		cmocka_unit_test(test_fit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
