/* registry.h - the one action registry of the console.
 *
 * Every user action exists once, as a row of REG_ACTIONS: its name (what
 * keymaps and the `:` prompt use), its function, its flags, the context its
 * default keys live in, the default keys and a help line. Key parsing
 * (keymap.c), the `?` overlay (help.c), the status-line hints, the key table
 * of itrace-tui.1 (`itrace-tui --print-keys`) and the wallboard's read-only
 * rule (reg_run) all read this one table; tests/unit/test_registry.c checks
 * that the man page and keymaps/default.keys agree with it.
 *
 * Contexts: a key is looked up in the context of the focused pane, then
 * "list" (every list pane), then "global".
 */
#ifndef ITRACE_TUI_REGISTRY_H
#define ITRACE_TUI_REGISTRY_H

#include <stdio.h>

struct app;

enum reg_ctx { CTX_GLOBAL, CTX_LIST, CTX_QUEUE, CTX_ALERT, CTX_ENDPOINTS,
               CTX_COUNT };

enum reg_flag {
	ACT_STATE = 1,     /* changes state (through the command API) */
	ACT_CONFIRM = 2,   /* asks before it acts (fn called again with confirmed=1) */
	ACT_WALL = 4,      /* allowed on the read-only wallboard */
};

/* X(id, context, default keys, flags, help). The function is act_<id>. */
#define REG_ACTIONS(X) \
	X(back,        CTX_GLOBAL, "q",         ACT_WALL, "close the view or overlay; quit from the queue") \
	X(help,        CTX_GLOBAL, "?",         ACT_WALL, "show every key (this overlay)") \
	X(redraw,      CTX_GLOBAL, "C-l",       ACT_WALL, "redraw the whole screen") \
	X(next_pane,   CTX_GLOBAL, "Tab",       0, "next pane (queue, endpoints; tree, timeline, report, attributes)") \
	X(prev_pane,   CTX_GLOBAL, "BTab",      0, "previous pane") \
	X(command,     CTX_GLOBAL, ":",         0, "command prompt: any action by name, filter, theme, quit") \
	X(claim,       CTX_GLOBAL, "c",         ACT_STATE, "claim the alert for yourself") \
	X(unclaim,     CTX_GLOBAL, "u",         ACT_STATE, "give a claimed alert without a verdict back to the queue") \
	X(verdict,     CTX_GLOBAL, "v",         ACT_STATE | ACT_CONFIRM, "give a verdict: b black, g gray, w white, with comment") \
	X(publish,     CTX_GLOBAL, "p",         ACT_STATE | ACT_CONFIRM, "publish the quick or explanatory report (marked alerts aggregate)") \
	X(answer,      CTX_GLOBAL, "a",         ACT_STATE | ACT_CONFIRM, "record the administrator's answer to a gray alert: on purpose y/n, note (R-19)") \
	X(escalate,    CTX_GLOBAL, "e",         ACT_STATE | ACT_CONFIRM, "mark the alert escalated to professional services, with a reason (R-29)") \
	X(close,       CTX_GLOBAL, "C",         ACT_STATE | ACT_CONFIRM, "close an alert whose report is out (or an onboarding alert), with a reason") \
	X(undup,       CTX_GLOBAL, "U",         ACT_STATE | ACT_CONFIRM, "undo a duplicate: it becomes new, its clocks run (R-12; a lead's)") \
	X(isolate,     CTX_GLOBAL, "I",         ACT_STATE | ACT_CONFIRM, "isolate the endpoint (shows the allowlist first)") \
	X(release,     CTX_GLOBAL, "R",         ACT_STATE | ACT_CONFIRM, "release the endpoint from isolation") \
	X(delete_file, CTX_GLOBAL, "D",         ACT_STATE | ACT_CONFIRM, "delete the detected file (type the host name)") \
	X(fetch_file,  CTX_GLOBAL, "G",         ACT_STATE | ACT_CONFIRM, "fetch the detected file from the endpoint") \
	X(exception,   CTX_GLOBAL, "E",         ACT_STATE | ACT_CONFIRM, "add the file to the tenant's exception list") \
	X(retry,       CTX_GLOBAL, "r",         ACT_STATE, "retry the last failed action with the same idempotency key") \
	X(down,        CTX_LIST,   "j Down",    ACT_WALL, "move down") \
	X(up,          CTX_LIST,   "k Up",      ACT_WALL, "move up") \
	X(page_down,   CTX_LIST,   "PgDn",      ACT_WALL, "one page down") \
	X(page_up,     CTX_LIST,   "PgUp",      ACT_WALL, "one page up") \
	X(top,         CTX_LIST,   "Home",      ACT_WALL, "first row") \
	X(bottom,      CTX_LIST,   "End",       ACT_WALL, "last row") \
	X(open,        CTX_LIST,   "Enter",     0, "open the alert; in the tree, show the process's events") \
	X(search,      CTX_LIST,   "/",         0, "search (PCRE2) host, path, detection; in the alert view the timeline") \
	X(search_next, CTX_LIST,   "n",         0, "next search match") \
	X(fold,        CTX_LIST,   "Space",     0, "fold or unfold (duplicates, descendants)") \
	X(freeze,      CTX_QUEUE,  "F",         0, "freeze or thaw updates of the queue") \
	X(filter,      CTX_QUEUE,  "f",         0, "filter: tenant=NAME state=STATE verdict=b|g|w") \
	X(mark,        CTX_QUEUE,  "x",         0, "mark alerts to aggregate in one explanatory report") \
	X(lang,        CTX_ALERT,  "L",         0, "report preview in Japanese or English") \
	X(item_filter, CTX_ALERT,  "i",         0, "timeline: cycle the report item shown (1..8, then all events of the endpoint)")

#define REG_ENUM(id, ctx, keys, flags, help) ACT_##id,
enum reg_id { REG_ACTIONS(REG_ENUM) ACT_COUNT };
#undef REG_ENUM

typedef int (*reg_fn)(struct app *a, int confirmed);

struct reg_action {
	enum reg_id id;
	const char *name;
	reg_fn fn;
	enum reg_ctx ctx;
	const char *keys;      /* default keys, space separated key names */
	unsigned flags;
	const char *help;
};

#define REG_DECL(id, ctx, keys, flags, help) int act_##id(struct app *a, int confirmed);
REG_ACTIONS(REG_DECL)
#undef REG_DECL

extern const struct reg_action reg_actions[ACT_COUNT];

const char *reg_ctx_name(enum reg_ctx c);
int reg_ctx_from_name(const char *s);                 /* -1 unknown */
const struct reg_action *reg_find(const char *name);  /* NULL unknown */

/* The one dispatcher: refuses anything not ACT_WALL on the wallboard and
 * ACT_STATE actions without an API; calls fn(a, confirmed). Returns the
 * action's result, or -1 when refused (message shown on the status line). */
int reg_run(struct app *a, enum reg_id id, int confirmed);
/* Test hook for reg_run without an app: the refusal rule alone. Returns
 * NULL when allowed or the refusal text. */
const char *reg_refusal(enum reg_id id, int wallboard, int have_api);

/* The key table of the man page (groff), from the registry and the built-in
 * default bindings. */
void reg_print_keys(FILE *f);

#endif
