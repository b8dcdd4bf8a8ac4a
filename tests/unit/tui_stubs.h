/* tui_stubs.h - for unit tests of the console's pure parts (keymap,
 * theme, registry), which live in src/tui and are not in libitrace.a:
 * the test includes their .c files and this header supplies what they
 * call in the rest of the console. */
#ifndef ITRACE_TEST_TUI_STUBS_H
#define ITRACE_TEST_TUI_STUBS_H

#include <stdarg.h>
#include <stdio.h>

#include "tui/app.h"
#include "tui/registry.h"

/* Actions record their calls. */
static int stub_calls[ACT_COUNT];
static int stub_confirmed[ACT_COUNT];
#define STUB_ACT(id, ctx, keys, flags, help)                  \
	int act_##id(struct app *a, int confirmed)            \
	{                                                     \
		(void)a;                                      \
		stub_calls[ACT_##id]++;                       \
		stub_confirmed[ACT_##id] = confirmed;         \
		return 0;                                     \
	}
REG_ACTIONS(STUB_ACT)
#undef STUB_ACT

/* struct app is opaque here: tests pass a pointer to this. */
struct stub_app {
	int wallboard, have_api;
	char msg[256];
};

int app_is_wallboard(const struct app *a) { return ((const struct stub_app *)(const void *)a)->wallboard; }
int app_have_api(const struct app *a) { return ((const struct stub_app *)(const void *)a)->have_api; }
void app_msg(struct app *a, enum msg_level lvl, const char *fmt, ...)
{
	(void)lvl;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(((struct stub_app *)(void *)a)->msg, 256, fmt, ap);
	va_end(ap);
}

#endif
