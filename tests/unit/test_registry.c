/* test_registry.c - the one action registry: its rows are sound, the
 * shipped default keymap and the man page's key table agree with it, and
 * the dispatcher enforces the read-only wallboard and confirmations. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tui/cfgfile.c"
#include "tui/keymap.c"
#include "tui/registry.c"
#include "tui_stubs.h"

static void test_rows(void **state)
{
	(void)state;
	for (int i = 0; i < ACT_COUNT; i++) {
		const struct reg_action *a = &reg_actions[i];
		assert_int_equal(a->id, i);
		assert_non_null(a->fn);
		assert_true(strlen(a->help) > 5);
		assert_ptr_equal(reg_find(a->name), a);
		for (int j = 0; j < i; j++)
			assert_string_not_equal(a->name, reg_actions[j].name);
	}
	assert_ptr_equal(reg_find("delete-file"), &reg_actions[ACT_delete_file]);
	assert_null(reg_find("nope"));
}

/* A key means one thing: no key in two rows of contexts that are looked
 * up together (global under everything, list under the panes). */
static void test_no_shadowing(void **state)
{
	(void)state;
	struct keymap m;
	km_init(&m);
	km_defaults(&m);
	for (int c = 0; c < CTX_COUNT; c++)
		for (size_t i = 0; i < m.n[c]; i++) {
			int k = m.b[c][i].key;
			for (int c2 = 0; c2 < CTX_COUNT; c2++) {
				if (c2 == c)
					continue;
				int related = c2 == CTX_GLOBAL || c == CTX_GLOBAL || c2 == CTX_LIST ||
				              c == CTX_LIST;
				if (!related)
					continue;
				for (size_t j = 0; j < m.n[c2]; j++)
					if (m.b[c2][j].key == k) {
						char kn[32];
						fail_msg("key %s bound in %s and %s", km_key_name(k, kn, sizeof kn),
						         reg_ctx_name((enum reg_ctx)c), reg_ctx_name((enum reg_ctx)c2));
					}
			}
		}
	/* every registry key parsed */
	size_t total = 0, want = 0;
	for (int c = 0; c < CTX_COUNT; c++)
		total += m.n[c];
	for (int i = 0; i < ACT_COUNT; i++) {
		char *k = strdup(reg_actions[i].keys), *save = NULL;
		for (char *t = strtok_r(k, " ", &save); t; t = strtok_r(NULL, " ", &save))
			want++;
		free(k);
	}
	assert_int_equal(total, want);
	km_free(&m);
}

/* keymaps/default.keys binds exactly the registry's default keys. */
static void test_default_keys_file(void **state)
{
	(void)state;
	struct keymap reg, file;
	struct cf_reader r;
	km_init(&reg);
	km_defaults(&reg);
	km_init(&file);
	cf_init(&r, "keymaps", "keys", km_line, &file);
	assert_int_equal(cf_read_path(&r, "keymaps/default.keys"), 0);
	if (r.errors != NULL)
		fail_msg("%s", r.errors);
	cf_free(&r);
	for (int c = 0; c < CTX_COUNT; c++) {
		assert_int_equal(reg.n[c], file.n[c]);
		for (size_t i = 0; i < reg.n[c]; i++)
			assert_int_equal(km_lookup(&file, (enum reg_ctx)c, 0, reg.b[c][i].key),
			                 reg.b[c][i].act);
	}
	km_free(&reg);
	km_free(&file);
}

/* No shipped keymap takes a default key away from its action: in every
 * context where it is looked up, each registry key still runs its action
 * under default.keys, vim.keys and emacs.keys (the alert workflow's c u v
 * p a e C U among them). Run from the top directory: ./keymaps. */
static void test_shipped_keymaps(void **state)
{
	(void)state;
	static const char *const maps[] = {"default", "vim", "emacs"};
	for (size_t mi = 0; mi < sizeof maps / sizeof maps[0]; mi++) {
		struct keymap m;
		struct cf_reader r;
		km_init(&m);
		if (km_load(&m, maps[mi], &r) != 0)
			fail_msg("keymap %s: %s", maps[mi], r.errors);
		cf_free(&r);
		for (int i = 0; i < ACT_COUNT; i++) {
			const struct reg_action *a = &reg_actions[i];
			char *keys = strdup(a->keys), *save = NULL;
			for (char *t = strtok_r(keys, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
				int k = km_key_parse(t);
				for (int c = 0; c < CTX_COUNT; c++) {
					int looked = c == (int)a->ctx || a->ctx == CTX_GLOBAL ||
					             (a->ctx == CTX_LIST && c != CTX_GLOBAL);
					if (looked && km_lookup(&m, (enum reg_ctx)c, 1, k) != (int)a->id)
						fail_msg("%s.keys: %s in %s no longer runs %s", maps[mi], t,
						         reg_ctx_name((enum reg_ctx)c), a->name);
				}
			}
			free(keys);
		}
		km_free(&m);
	}
}

static char *slurp_file(const char *path)
{
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	int ch;
	while ((ch = fgetc(f)) != EOF)
		fputc(ch, m);
	fclose(f);
	fclose(m);
	return buf;
}

/* The man page's key table is exactly `itrace-tui --print-keys`. */
static void test_man_page_keys(void **state)
{
	(void)state;
	char *man = slurp_file("itrace-tui.1");
	assert_non_null(man);
	const char *b = strstr(man, ".\\\" BEGIN KEYS\n");
	const char *e = strstr(man, ".\\\" END KEYS\n");
	assert_non_null(b);
	assert_non_null(e);
	b += strlen(".\\\" BEGIN KEYS\n");
	char *gen = NULL;
	size_t glen = 0;
	FILE *m = open_memstream(&gen, &glen);
	reg_print_keys(m);
	fclose(m);
	size_t mlen = (size_t)(e - b);
	if (mlen != glen || memcmp(b, gen, glen) != 0)
		fail_msg("itrace-tui.1 key table differs from --print-keys; regenerate it:\n"
		         "  itrace-tui --print-keys  (between BEGIN KEYS and END KEYS)");
	/* every action name appears in the page */
	for (int i = 0; i < ACT_COUNT; i++) {
		char want[64];
		snprintf(want, sizeof want, "\\fB%s\\fR", reg_actions[i].name);
		if (strstr(man, want) == NULL)
			fail_msg("action %s missing from itrace-tui.1", reg_actions[i].name);
	}
	free(gen);
	free(man);
}

static void test_dispatcher(void **state)
{
	(void)state;
	struct stub_app sa = {0};
	struct app *a = (struct app *)(void *)&sa;
	/* the wallboard refuses everything but ACT_WALL actions */
	sa.wallboard = 1;
	sa.have_api = 1;
	for (int i = 0; i < ACT_COUNT; i++) {
		memset(stub_calls, 0, sizeof stub_calls);
		sa.msg[0] = '\0';
		int rc = reg_run(a, (enum reg_id)i, 1);
		if (reg_actions[i].flags & ACT_WALL) {
			assert_int_equal(stub_calls[i], 1);
		} else {
			assert_int_equal(rc, -1);
			assert_int_equal(stub_calls[i], 0);
			assert_non_null(strstr(sa.msg, "read-only"));
		}
	}
	/* state changes need an API */
	sa.wallboard = 0;
	sa.have_api = 0;
	memset(stub_calls, 0, sizeof stub_calls);
	assert_int_equal(reg_run(a, ACT_isolate, 0), -1);
	assert_int_equal(stub_calls[ACT_isolate], 0);
	assert_non_null(strstr(sa.msg, "no command API"));
	assert_int_equal(reg_run(a, ACT_down, 0), 0);
	assert_int_equal(stub_calls[ACT_down], 1);
	/* confirmation: unconfirmed first call for ACT_CONFIRM actions */
	sa.have_api = 1;
	reg_run(a, ACT_delete_file, 0);
	assert_int_equal(stub_confirmed[ACT_delete_file], 0);
	reg_run(a, ACT_delete_file, 1);
	assert_int_equal(stub_confirmed[ACT_delete_file], 1);
	reg_run(a, ACT_claim, 0);
	assert_int_equal(stub_confirmed[ACT_claim], 1);
	/* every action that changes state through the API asks or is a
	 * claim/unclaim (undone by the other) or retry */
	for (int i = 0; i < ACT_COUNT; i++)
		if ((reg_actions[i].flags & ACT_STATE) && !(reg_actions[i].flags & ACT_CONFIRM))
			assert_true(i == ACT_claim || i == ACT_unclaim || i == ACT_retry);
	assert_non_null(reg_refusal(ACT_isolate, 1, 1));
	assert_null(reg_refusal(ACT_back, 1, 0));
	assert_null(reg_refusal(ACT_help, 1, 0));
}

int main(void)
{
	setenv("XDG_CONFIG_HOME", "/nonexistent", 1);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_no_shadowing),
		cmocka_unit_test(test_default_keys_file),
		cmocka_unit_test(test_shipped_keymaps),
		cmocka_unit_test(test_man_page_keys),
		cmocka_unit_test(test_dispatcher),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
