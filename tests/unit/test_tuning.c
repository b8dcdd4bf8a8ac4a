/* test_tuning.c - tuning rules (SPEC R-7, src/core/tuning.c): file syntax, errors,
 * fields, flags, first-match order. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/event.h"
#include "core/tuning.h"

static struct tun_rules *parse_ok(const char *text)
{
	char *err = NULL;
	int line = -1;
	struct tun_rules *r = tun_parse(text, strlen(text), &err, &line);
	if (r == NULL)
		fail_msg("unexpected error: %s", err);
	assert_null(err);
	return r;
}

/* Parse text expecting an error on line `line` whose message contains
 * `needle`. */
static void parse_err(const char *text, int line, const char *needle)
{
	char *err = NULL;
	int got = -1;
	struct tun_rules *r = tun_parse(text, strlen(text), &err, &got);
	assert_null(r);
	assert_non_null(err);
	char prefix[32];
	snprintf(prefix, sizeof prefix, "line %d: ", line);
	if (strncmp(err, prefix, strlen(prefix)) != 0 || strstr(err, needle) == NULL)
		fail_msg("for %s: want \"%s...%s\", got \"%s\"", text, prefix, needle, err);
	assert_int_equal(got, line);
	free(err);
}

static void mkev(struct ev *e, enum ev_kind k, const char *image, const char *target,
                 const char *cmdline)
{
	ev_init(e);
	e->kind = k;
	e->image = image != NULL ? strdup(image) : NULL;
	e->target = target != NULL ? strdup(target) : NULL;
	e->cmdline = cmdline != NULL ? strdup(cmdline) : NULL;
}

static void test_empty_and_comments(void **state)
{
	(void)state;
	struct tun_rules *r = parse_ok("");
	assert_int_equal(tun_count(r), 0);
	struct ev e;
	mkev(&e, EV_PROCESS_START, "C:\\x.exe", NULL, NULL);
	assert_int_equal(tun_match(r, &e), -1);
	tun_free(r);

	r = parse_ok("# only comments\n\n   \t\n  # indented comment\r\n");
	assert_int_equal(tun_count(r), 0);
	tun_free(r);
	assert_int_equal(tun_match(NULL, &e), -1);
	ev_clear(&e);
}

static void test_fields(void **state)
{
	(void)state;
	struct tun_rules *r = parse_ok(
		"# dev tools\n"
		"exclude image /\\\\devenv\\.exe$/i\n"
		"exclude target /\\.pdb$/\n"
		"\n"
		"exclude cmdline /--self-test/\n"
		"exclude registry /\\\\Software\\\\MyApp\\\\/i\n");
	assert_int_equal(tun_count(r), 4);
	assert_int_equal(tun_rule_field(r, 0), TUN_IMAGE);
	assert_int_equal(tun_rule_field(r, 3), TUN_REGISTRY);
	assert_string_equal(tun_rule_text(r, 0), "image /\\\\devenv\\.exe$/i");
	assert_string_equal(tun_rule_text(r, 1), "target /\\.pdb$/");
	assert_int_equal(tun_rule_line(r, 0), 2);
	assert_int_equal(tun_rule_line(r, 2), 5);

	struct ev e;
	mkev(&e, EV_PROCESS_START, "C:\\VS\\DEVENV.EXE", NULL, "devenv /build");
	assert_int_equal(tun_match(r, &e), 0);          /* caseless image */
	ev_clear(&e);

	mkev(&e, EV_FILE_CREATE, "C:\\cl.exe", "C:\\src\\a.PDB", NULL);
	assert_int_equal(tun_match(r, &e), -1);         /* target is case-sensitive */
	ev_clear(&e);
	mkev(&e, EV_FILE_CREATE, "C:\\cl.exe", "C:\\src\\a.pdb", NULL);
	assert_int_equal(tun_match(r, &e), 1);
	ev_clear(&e);

	mkev(&e, EV_PROCESS_START, "C:\\app.exe", NULL, "app.exe --self-test");
	assert_int_equal(tun_match(r, &e), 2);
	ev_clear(&e);

	/* registry: only registry events' targets */
	mkev(&e, EV_REGISTRY_SET, "C:\\app.exe", "HKU\\S-1\\SOFTWARE\\MyApp\\x", NULL);
	assert_int_equal(tun_match(r, &e), 3);
	ev_clear(&e);
	mkev(&e, EV_FILE_CREATE, "C:\\app.exe", "C:\\Software\\MyApp\\x", NULL);
	assert_int_equal(tun_match(r, &e), -1);
	ev_clear(&e);
	mkev(&e, EV_REGISTRY_DELETE, NULL, "HKLM\\Software\\MyApp\\", NULL);
	assert_int_equal(tun_match(r, &e), 3);
	ev_clear(&e);

	/* absent fields never match */
	mkev(&e, EV_NET_CONNECT, NULL, NULL, NULL);
	assert_int_equal(tun_match(r, &e), -1);
	ev_clear(&e);
	tun_free(r);
}

static void test_first_match_wins(void **state)
{
	(void)state;
	struct tun_rules *r = parse_ok(
		"exclude image /notepad/\n"
		"exclude image /note/\n"
		"exclude target /x/\n");
	struct ev e;
	mkev(&e, EV_FILE_CREATE, "C:\\notepad.exe", "x", NULL);
	assert_int_equal(tun_match(r, &e), 0);
	ev_clear(&e);
	mkev(&e, EV_FILE_CREATE, "C:\\notes.exe", "x", NULL);
	assert_int_equal(tun_match(r, &e), 1);
	ev_clear(&e);
	mkev(&e, EV_FILE_CREATE, "C:\\other.exe", "x", NULL);
	assert_int_equal(tun_match(r, &e), 2);
	ev_clear(&e);
	tun_free(r);
}

static void test_flags(void **state)
{
	(void)state;
	struct tun_rules *r = parse_ok(
		"exclude cmdline /a b  c # spaces and comment ignored/x\n"
		"exclude cmdline /^line2$/m\n"
		"exclude cmdline /start.end/s\n"
		"exclude image /^\\x{30C6}\\x{30B9}\\x{30C8}/u\n"
		"exclude image /^.\\.exe$/u\n"
		"exclude image /CAFÉ/iu\n");
	assert_int_equal(tun_count(r), 6);
	struct ev e;
	mkev(&e, EV_PROCESS_START, "C:\\z.exe", NULL, "xxabcxx");
	assert_int_equal(tun_match(r, &e), 0);          /* x: extended */
	ev_clear(&e);
	mkev(&e, EV_PROCESS_START, "C:\\z.exe", NULL, "line1\nline2\nline3");
	assert_int_equal(tun_match(r, &e), 1);          /* m: multiline */
	ev_clear(&e);
	mkev(&e, EV_PROCESS_START, "C:\\z.exe", NULL, "start\nend");
	assert_int_equal(tun_match(r, &e), 2);          /* s: dot matches newline */
	ev_clear(&e);
	mkev(&e, EV_PROCESS_START, "テスト.exe", NULL, "x");
	assert_int_equal(tun_match(r, &e), 3);          /* u: code points */
	ev_clear(&e);
	mkev(&e, EV_PROCESS_START, "テ.exe", NULL, "x");
	assert_int_equal(tun_match(r, &e), 4);          /* u: '.' is one character */
	ev_clear(&e);
	mkev(&e, EV_PROCESS_START, "c:\\café", NULL, "x");
	assert_int_equal(tun_match(r, &e), 5);          /* iu: caseless beyond ASCII */
	ev_clear(&e);
	/* Invalid UTF-8 in a value must not crash or match a u rule wrongly. */
	mkev(&e, EV_PROCESS_START, "\xff\xfe.exe", NULL, "x");
	assert_int_equal(tun_match(r, &e), -1);
	ev_clear(&e);
	tun_free(r);
}

static void test_slash_in_pattern(void **state)
{
	(void)state;
	/* The pattern runs to the last '/', so it may contain '/'. */
	struct tun_rules *r = parse_ok("exclude target /^\\/usr\\/lib/|/tmp/ /i   \n");
	assert_int_equal(tun_count(r), 1);
	assert_string_equal(tun_rule_text(r, 0), "target /^\\/usr\\/lib/|/tmp/ /i");
	struct ev e;
	mkev(&e, EV_FILE_CREATE, NULL, "/USR/lib/x", NULL);
	assert_int_equal(tun_match(r, &e), 0);
	ev_clear(&e);
	mkev(&e, EV_FILE_CREATE, NULL, "a/tmp/ b", NULL);
	assert_int_equal(tun_match(r, &e), 0);
	ev_clear(&e);
	tun_free(r);
}

static void test_errors(void **state)
{
	(void)state;
	parse_err("include image /x/\n", 1, "expected \"exclude FIELD /PATTERN/FLAGS\"");
	parse_err("excludeimage /x/\n", 1, "expected");
	parse_err("# c\n\nexclude path /x/\n", 3, "unknown field \"path\"");
	parse_err("exclude image x\n", 1, "expected /PATTERN/");
	parse_err("exclude image\n", 1, "expected /PATTERN/");
	parse_err("exclude image /abc\n", 1, "no closing '/'");
	parse_err("exclude image //\n", 1, "empty pattern");
	parse_err("exclude image /x/q\n", 1, "unknown flag 'q'");
	parse_err("exclude image /x/ii\n", 1, "flag 'i' given twice");
	parse_err("exclude image /x/ i\n", 1, "unknown flag ' '");
	/* PCRE2's own message with the offset */
	parse_err("exclude image /ok/\nexclude image /a(b/\n", 2,
	          "bad pattern at offset 3: missing closing parenthesis");
	parse_err("exclude cmdline /[z-a]/\n", 1, "range out of order");
	/* error message with a NULL err pointer must not crash */
	assert_null(tun_parse("bad\n", 4, NULL, NULL));
}

static void test_no_trailing_newline_and_crlf(void **state)
{
	(void)state;
	struct tun_rules *r = parse_ok("exclude image /a/\r\nexclude image /b/i");
	assert_int_equal(tun_count(r), 2);
	assert_string_equal(tun_rule_text(r, 0), "image /a/");
	assert_string_equal(tun_rule_text(r, 1), "image /b/i");
	assert_string_equal(tun_field_name(TUN_CMDLINE), "cmdline");
	tun_free(r);
	/* not NUL-terminated: only len bytes count */
	const char buf[] = "exclude image /a/XXXX";
	r = tun_parse(buf, 17, NULL, NULL);
	assert_non_null(r);
	assert_int_equal(tun_count(r), 1);
	tun_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_and_comments),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_first_match_wins),
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_slash_in_pattern),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_no_trailing_newline_and_crlf),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
