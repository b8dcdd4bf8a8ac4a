/* test_theme.c - theme files (errors as file:line), colour parsing, and
 * the downgrade of truecolour to 256 and 16 (and 256 to 16, 16 to 8). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tui/cfgfile.c"
#include "tui/theme.c"

static void test_colour_parse(void **state)
{
	(void)state;
	struct thm_colour c;
	assert_int_equal(thm_colour_parse("#ff8000", &c), 0);
	assert_int_equal(c.kind, THM_C_RGB);
	assert_int_equal(c.v, 0xff8000);
	assert_int_equal(thm_colour_parse("colour196", &c), 0);
	assert_int_equal(c.kind, THM_C_INDEX);
	assert_int_equal(c.v, 196);
	assert_int_equal(thm_colour_parse("color7", &c), 0);
	assert_int_equal(c.v, 7);
	assert_int_equal(thm_colour_parse("red", &c), 0);
	assert_int_equal(c.v, 1);
	assert_int_equal(thm_colour_parse("bright-white", &c), 0);
	assert_int_equal(c.v, 15);
	assert_int_equal(thm_colour_parse("brightred", &c), 0);
	assert_int_equal(c.v, 9);
	assert_int_equal(thm_colour_parse("grey", &c), 0);
	assert_int_equal(c.v, 8);
	assert_int_equal(thm_colour_parse("default", &c), 0);
	assert_int_equal(c.kind, THM_C_DEFAULT);
	const char *bad[] = {"#fff", "#gg0000", "#ff00001", "colour256", "colour", "colourx",
	                     "colour-1", "purple", "", "bright-purple"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (thm_colour_parse(bad[i], &c) == 0)
			fail_msg("\"%s\" should not parse", bad[i]);
}

static int down(const char *spec, int n)
{
	struct thm_colour c;
	if (thm_colour_parse(spec, &c) != 0)
		fail_msg("bad spec %s", spec);
	return thm_downgrade(c, n);
}

static void test_downgrade(void **state)
{
	(void)state;
	/* truecolour -> the 256 cube / gray ramp */
	assert_int_equal(down("#ff0000", 256), 196);
	assert_int_equal(down("#000000", 256), 16);
	assert_int_equal(down("#ffffff", 256), 231);
	assert_int_equal(down("#808080", 256), 244);
	assert_int_equal(down("#5fafd7", 256), 74);
	/* truecolour -> 16 */
	assert_int_equal(down("#ff0000", 16), 9);
	assert_int_equal(down("#cd0000", 16), 1);
	assert_int_equal(down("#000000", 16), 0);
	assert_int_equal(down("#ffffff", 16), 15);
	assert_int_equal(down("#0000ee", 16), 4);
	/* 256 -> 16 -> 8 */
	assert_int_equal(down("colour196", 16), 9);
	assert_int_equal(down("colour231", 16), 15);
	assert_int_equal(down("colour16", 16), 0);
	assert_int_equal(down("colour196", 8), 1);
	assert_int_equal(down("bright-red", 8), 1);
	assert_int_equal(down("red", 8), 1);
	/* the 16 terminal colours stay what they are */
	for (int i = 0; i < 16; i++) {
		char s[32];
		snprintf(s, sizeof s, "colour%d", i);
		assert_int_equal(down(s, 16), i);
		assert_int_equal(down(s, 256), i);
	}
	/* no colours, or the terminal default */
	assert_int_equal(down("#ff0000", 0), -1);
	assert_int_equal(down("default", 256), -1);
	/* the xterm palette itself */
	assert_int_equal(thm_index_rgb(196), 0xff0000);
	assert_int_equal(thm_index_rgb(232), 0x080808);
	assert_int_equal(thm_index_rgb(255), 0xeeeeee);
}

static void test_file(void **state)
{
	(void)state;
	struct theme t;
	struct cf_reader r;
	thm_init(&t);
	const char *text = "# c\nstyle cursor fg=#ffffff bg=colour24 bold underline\n"
	                   "style breach fg=bright-white bg=red bold reverse\n";
	assert_int_equal(thm_load_string(&t, "x.theme", text, &r), 0);
	assert_int_equal(t.s[THM_cursor].fg.kind, THM_C_RGB);
	assert_int_equal(t.s[THM_cursor].bg.v, 24);
	assert_int_equal(t.s[THM_cursor].attrs, THM_BOLD | THM_UNDERLINE);
	assert_int_equal(t.s[THM_breach].attrs, THM_BOLD | THM_REVERSE);
	cf_free(&r);
}

static void test_file_errors(void **state)
{
	(void)state;
	struct theme t;
	struct cf_reader r;
	thm_init(&t);
	const char *text = "style normal fg=default\n"   /* 1 ok */
	                   "style nowhere fg=red\n"       /* 2 */
	                   "style cursor fg=#12345\n"     /* 3 */
	                   "style cursor blink\n"         /* 4 */
	                   "colour cursor red\n"          /* 5 */
	                   "style\n";                     /* 6 */
	assert_int_equal(thm_load_string(&t, "bad.theme", text, &r), 5);
	const char *want[] = {"bad.theme:2: unknown area \"nowhere\"",
	                      "bad.theme:3: bad colour \"#12345\"",
	                      "bad.theme:4: unknown attribute \"blink\"",
	                      "bad.theme:5: unknown directive \"colour\"",
	                      "bad.theme:6: usage: style AREA"};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
		if (strstr(r.errors, want[i]) == NULL)
			fail_msg("missing \"%s\" in:\n%s", want[i], r.errors);
	cf_free(&r);
}

static void test_shipped_themes(void **state)
{
	(void)state;
	const char *names[] = {"default", "dark256", "light256", "mono", "high-contrast"};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		struct theme t;
		struct cf_reader r;
		thm_init(&t);
		if (thm_load(&t, names[i], &r) != 0)
			fail_msg("%s: %s", names[i], r.errors != NULL ? r.errors : "?");
		/* every area is styled by every shipped theme (high-contrast via mono) */
		for (int a = 0; a < THM_COUNT; a++)
			if (!t.s[a].set)
				fail_msg("%s: area %s not styled", names[i], thm_area_name((enum thm_area)a));
		cf_free(&r);
	}
	/* mono has no colour at all */
	struct theme t;
	struct cf_reader r;
	thm_init(&t);
	thm_load(&t, "mono", &r);
	cf_free(&r);
	for (int a = 0; a < THM_COUNT; a++) {
		assert_true(t.s[a].fg.kind == THM_C_UNSET || t.s[a].fg.kind == THM_C_DEFAULT);
		assert_true(t.s[a].bg.kind == THM_C_UNSET || t.s[a].bg.kind == THM_C_DEFAULT);
	}
	/* not found: an error naming where it looked */
	thm_init(&t);
	assert_int_equal(thm_load(&t, "no-such-theme", &r), 1);
	assert_non_null(strstr(r.errors, "no themes named \"no-such-theme\""));
	cf_free(&r);
}

int main(void)
{
	setenv("XDG_CONFIG_HOME", "/nonexistent", 1);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_colour_parse),
		cmocka_unit_test(test_downgrade),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_file_errors),
		cmocka_unit_test(test_shipped_themes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
