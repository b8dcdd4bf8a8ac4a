/* keymap.h - key names and keymaps (`bind CONTEXT KEY ACTION`).
 *
 * A key is an int: a Unicode code point for text keys (control keys are
 * 1..31), KM_FN|curses-key-code for function keys, and KM_META added for
 * Alt/Meta (Esc followed by a key). Names: a single character ("j", "?",
 * "ü"), Enter, Tab, BTab, Esc, Space, Backspace, Delete, Insert, Up, Down,
 * Left, Right, PgUp, PgDn, Home, End, F1..F12, C-a..C-z, M-<key>.
 *
 * A keymap file holds lines
 *     bind CONTEXT KEY ACTION       (CONTEXT: global list queue alert endpoints)
 *     unbind CONTEXT KEY
 * plus comments and `include NAME`. The built-in defaults (the registry's
 * keys) are always loaded first; a file adds to or overrides them.
 */
#ifndef ITRACE_TUI_KEYMAP_H
#define ITRACE_TUI_KEYMAP_H

#include <stddef.h>
#include "tui/cfgfile.h"
#include "tui/registry.h"

#define KM_FN   0x01000000
#define KM_META 0x02000000
#define KM_ENTER (KM_FN | 0x157)   /* KEY_ENTER */
#define KM_ESC   27
#define KM_TAB   9

struct km_bind {
	int key;
	enum reg_id act;
};

struct keymap {
	struct km_bind *b[CTX_COUNT];
	size_t n[CTX_COUNT];
	size_t cap[CTX_COUNT];
};

/* Parse a key name; -1 when unknown. */
int km_key_parse(const char *name);
/* Name of a key into buf (>= 16 bytes); returns buf. */
const char *km_key_name(int key, char *buf, size_t len);
/* Normalise a key read by wget_wch (is_fn: it returned KEY_CODE_YES): Enter,
 * Backspace and Tab variants to one code. */
int km_from_curses(int is_fn, unsigned code);

void km_init(struct keymap *m);            /* empty */
void km_free(struct keymap *m);
void km_defaults(struct keymap *m);        /* the registry's keys */
/* Bind (replacing an existing binding of the key in that context). */
void km_bind(struct keymap *m, enum reg_ctx c, int key, enum reg_id act);
void km_unbind(struct keymap *m, enum reg_ctx c, int key);
/* Action for key in context c, falling back to list (when list is set)
 * then global; -1 when unbound. */
int km_lookup(const struct keymap *m, enum reg_ctx c, int list, int key);
/* Keys bound to act in any context, as "j Down" into buf. */
const char *km_keys_of(const struct keymap *m, enum reg_id act, char *buf,
                       size_t len);

/* Load defaults then the named keymap (NULL or "default": defaults plus
 * default.keys when found). Errors collected in *r as file:line. Returns
 * the number of errors. */
int km_load(struct keymap *m, const char *name, struct cf_reader *r);
/* Read keymap lines from a string (tests). */
int km_load_string(struct keymap *m, const char *fname, const char *text,
                   struct cf_reader *r);

#endif
