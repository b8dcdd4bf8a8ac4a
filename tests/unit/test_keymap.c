/* test_keymap.c - key names, keymap files (bind/unbind/include, errors as
 * file:line), lookup order, and the shipped keymaps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "tui/cfgfile.c"
#include "tui/keymap.c"
#include "tui/registry.c"
#include "tui_stubs.h"

static void test_key_names(void **state)
{
	(void)state;
	const char *names[] = {"j", "?", "/", ":", "Enter", "Tab", "BTab", "Esc", "Space",
	                       "Up", "Down", "PgUp", "PgDn", "Home", "End", "F1", "F12",
	                       "C-a", "C-l", "M-v", "M-<", "Backspace", "Delete", "ü", "検"};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		int k = km_key_parse(names[i]);
		if (k < 0)
			fail_msg("%s did not parse", names[i]);
		char buf[32];
		assert_string_equal(km_key_name(k, buf, sizeof buf), names[i]);
	}
	assert_int_equal(km_key_parse("C-l"), 12);
	assert_int_equal(km_key_parse("Enter"), KM_ENTER);
	assert_int_equal(km_key_parse("Space"), ' ');
	assert_int_equal(km_key_parse("M-x"), 'x' | KM_META);
	const char *bad[] = {"", "jj", "F13", "F0", "C-", "C-1", "M-", "M-M-x", "Ctrl-x", "\x01",
	                     "\xff"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (km_key_parse(bad[i]) >= 0)
			fail_msg("\"%s\" should not parse", bad[i]);
	/* curses codes normalise: CR, LF and KEY_ENTER are one Enter */
	assert_int_equal(km_from_curses(0, '\r'), KM_ENTER);
	assert_int_equal(km_from_curses(0, '\n'), KM_ENTER);
	assert_int_equal(km_from_curses(1, KEY_ENTER), KM_ENTER);
	assert_int_equal(km_from_curses(0, 127), KM_FN | KEY_BACKSPACE);
}

static void test_defaults_and_lookup(void **state)
{
	(void)state;
	struct keymap m;
	km_init(&m);
	km_defaults(&m);
	assert_int_equal(km_lookup(&m, CTX_QUEUE, 1, 'j'), ACT_down);
	assert_int_equal(km_lookup(&m, CTX_QUEUE, 1, KM_FN | KEY_DOWN), ACT_down);
	assert_int_equal(km_lookup(&m, CTX_ALERT, 1, 'q'), ACT_back);
	assert_int_equal(km_lookup(&m, CTX_QUEUE, 1, 'F'), ACT_freeze);
	assert_int_equal(km_lookup(&m, CTX_ALERT, 1, 'F'), -1);   /* queue only */
	assert_int_equal(km_lookup(&m, CTX_ALERT, 1, 'L'), ACT_lang);
	assert_int_equal(km_lookup(&m, CTX_QUEUE, 0, 'j'), -1);   /* not a list */
	assert_int_equal(km_lookup(&m, CTX_QUEUE, 1, 'I'), ACT_isolate);
	char buf[64];
	assert_string_equal(km_keys_of(&m, ACT_down, buf, sizeof buf), "j Down");
	km_free(&m);
}

static void test_file_ok(void **state)
{
	(void)state;
	struct keymap m;
	struct cf_reader r;
	km_init(&m);
	km_defaults(&m);
	const char *text = "# comment\n\n  # indented comment\n"
	                   "bind queue J down\n"
	                   "bind list C-n down\n"
	                   "unbind list j\n"
	                   "bind global q help\n";
	assert_int_equal(km_load_string(&m, "t.keys", text, &r), 0);
	assert_null(r.errors);
	assert_int_equal(km_lookup(&m, CTX_QUEUE, 1, 'J'), ACT_down);
	assert_int_equal(km_lookup(&m, CTX_ENDPOINTS, 1, 14), ACT_down);
	assert_int_equal(km_lookup(&m, CTX_QUEUE, 1, 'j'), -1);
	assert_int_equal(km_lookup(&m, CTX_QUEUE, 1, 'q'), ACT_help);
	cf_free(&r);
	km_free(&m);
}

static void test_file_errors(void **state)
{
	(void)state;
	struct keymap m;
	struct cf_reader r;
	km_init(&m);
	const char *text = "bind queue j down\n"       /* 1 ok */
	                   "bind queue\n"              /* 2 usage */
	                   "bind nowhere j down\n"     /* 3 context */
	                   "bind queue jj down\n"      /* 4 key */
	                   "bind queue j fly\n"        /* 5 action */
	                   "frobnicate\n"              /* 6 directive */
	                   "include no-such-keymap\n"  /* 7 include */
	                   "unbind queue\n";           /* 8 usage */
	assert_int_equal(km_load_string(&m, "my.keys", text, &r), 7);
	const char *want[] = {"my.keys:2: usage: bind CONTEXT KEY ACTION",
	                      "my.keys:3: unknown context \"nowhere\"",
	                      "my.keys:4: unknown key \"jj\"",
	                      "my.keys:5: unknown action \"fly\"",
	                      "my.keys:6: unknown directive \"frobnicate\"",
	                      "my.keys:7: include: no-such-keymap not found",
	                      "my.keys:8: usage: unbind CONTEXT KEY"};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
		if (strstr(r.errors, want[i]) == NULL)
			fail_msg("missing \"%s\" in:\n%s", want[i], r.errors);
	/* the good line still took effect */
	assert_int_equal(km_lookup(&m, CTX_QUEUE, 0, 'j'), ACT_down);
	cf_free(&r);
	km_free(&m);
}

/* Files are read from the checkout (tests run from the top directory). */
static void test_shipped_keymaps(void **state)
{
	(void)state;
	const char *names[] = {"default", "vim", "emacs"};
	for (size_t i = 0; i < 3; i++) {
		struct keymap m;
		struct cf_reader r;
		km_init(&m);
		int n = km_load(&m, names[i], &r);
		if (n != 0)
			fail_msg("%s: %s", names[i], r.errors);
		cf_free(&r);
		assert_int_equal(km_lookup(&m, CTX_QUEUE, 1, 'j'), ACT_down);
		if (i == 1)
			assert_int_equal(km_lookup(&m, CTX_QUEUE, 1, 'g'), ACT_top);
		if (i == 2) {
			assert_int_equal(km_lookup(&m, CTX_QUEUE, 1, 14), ACT_down);
			assert_int_equal(km_lookup(&m, CTX_QUEUE, 1, 'v' | KM_META), ACT_page_up);
		}
		km_free(&m);
	}
}

/* An include loop is reported, not followed forever. */
static void test_include_loop(void **state)
{
	(void)state;
	char dir[] = "/tmp/itrace-km.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[128];
	snprintf(path, sizeof path, "%s/loop.keys", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("bind queue J down\ninclude loop\n", f);
	fclose(f);
	struct keymap m;
	struct cf_reader r;
	km_init(&m);
	cf_init(&r, "keymaps", "keys", km_line, &m);
	cf_read_path(&r, path);
	assert_non_null(r.errors);
	assert_non_null(strstr(r.errors, "nested too deeply"));
	assert_int_equal(km_lookup(&m, CTX_QUEUE, 0, 'J'), ACT_down);
	cf_free(&r);
	km_free(&m);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	/* only the checkout's files, never the user's */
	setenv("XDG_CONFIG_HOME", "/nonexistent", 1);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_names),
		cmocka_unit_test(test_defaults_and_lookup),
		cmocka_unit_test(test_file_ok),
		cmocka_unit_test(test_file_errors),
		cmocka_unit_test(test_shipped_keymaps),
		cmocka_unit_test(test_include_loop),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
