/* keymap.c - key names, bindings, keymap files; see keymap.h. */
#include "tui/keymap.h"

#include <curses.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *name;
	int key;
} named[] = {
	{"Enter", KM_ENTER},
	{"Tab", KM_TAB},
	{"BTab", KM_FN | KEY_BTAB},
	{"Esc", KM_ESC},
	{"Space", ' '},
	{"Backspace", KM_FN | KEY_BACKSPACE},
	{"Delete", KM_FN | KEY_DC},
	{"Insert", KM_FN | KEY_IC},
	{"Up", KM_FN | KEY_UP},
	{"Down", KM_FN | KEY_DOWN},
	{"Left", KM_FN | KEY_LEFT},
	{"Right", KM_FN | KEY_RIGHT},
	{"PgUp", KM_FN | KEY_PPAGE},
	{"PgDn", KM_FN | KEY_NPAGE},
	{"Home", KM_FN | KEY_HOME},
	{"End", KM_FN | KEY_END},
};

/* One UTF-8 character -> code point; -1 unless s is exactly one. */
static int one_char(const char *s)
{
	/* decoded by hand: keymap files are UTF-8 whatever the locale */
	size_t n = strlen(s);
	const unsigned char *u = (const unsigned char *)s;
	int cp, len;
	if (n == 0)
		return -1;
	if (u[0] < 0x80) {
		cp = u[0];
		len = 1;
	} else if ((u[0] & 0xe0) == 0xc0) {
		cp = u[0] & 0x1f;
		len = 2;
	} else if ((u[0] & 0xf0) == 0xe0) {
		cp = u[0] & 0x0f;
		len = 3;
	} else if ((u[0] & 0xf8) == 0xf0) {
		cp = u[0] & 0x07;
		len = 4;
	} else {
		return -1;
	}
	if ((size_t)len != n)
		return -1;
	for (int i = 1; i < len; i++) {
		if ((u[i] & 0xc0) != 0x80)
			return -1;
		cp = (cp << 6) | (u[i] & 0x3f);
	}
	if (cp < 0x20 || cp == 0x7f || cp > 0x10ffff)
		return -1;
	return cp;
}

int km_key_parse(const char *name)
{
	if (name == NULL || name[0] == '\0')
		return -1;
	for (size_t i = 0; i < sizeof named / sizeof named[0]; i++)
		if (strcmp(name, named[i].name) == 0)
			return named[i].key;
	if (name[0] == 'F' && name[1] >= '1' && name[1] <= '9') {
		char *end;
		long n = strtol(name + 1, &end, 10);
		if (*end == '\0' && n >= 1 && n <= 12)
			return KM_FN | (KEY_F0 + (int)n);
	}
	if (strncmp(name, "M-", 2) == 0 && name[2] != '\0') {
		int k = km_key_parse(name + 2);
		return k < 0 || (k & KM_META) ? -1 : k | KM_META;
	}
	if (strncmp(name, "C-", 2) == 0 && name[2] != '\0' && name[3] == '\0') {
		char c = name[2];
		if (c >= 'a' && c <= 'z')
			return c - 'a' + 1;
		if (c >= 'A' && c <= 'Z')
			return c - 'A' + 1;
		return -1;
	}
	return one_char(name);
}

static void put_utf8(int cp, char *b)
{
	unsigned u = (unsigned)cp;
	if (u < 0x80) {
		b[0] = (char)u;
		b[1] = 0;
	} else if (u < 0x800) {
		b[0] = (char)(0xc0 | (u >> 6));
		b[1] = (char)(0x80 | (u & 0x3f));
		b[2] = 0;
	} else if (u < 0x10000) {
		b[0] = (char)(0xe0 | (u >> 12));
		b[1] = (char)(0x80 | ((u >> 6) & 0x3f));
		b[2] = (char)(0x80 | (u & 0x3f));
		b[3] = 0;
	} else {
		b[0] = (char)(0xf0 | (u >> 18));
		b[1] = (char)(0x80 | ((u >> 12) & 0x3f));
		b[2] = (char)(0x80 | ((u >> 6) & 0x3f));
		b[3] = (char)(0x80 | (u & 0x3f));
		b[4] = 0;
	}
}

const char *km_key_name(int key, char *buf, size_t len)
{
	char tmp[16];
	const char *pre = (key & KM_META) ? "M-" : "";
	int k = key & ~KM_META;
	tmp[0] = '\0';
	for (size_t i = 0; i < sizeof named / sizeof named[0]; i++)
		if (named[i].key == k) {
			snprintf(tmp, sizeof tmp, "%s", named[i].name);
			break;
		}
	if (tmp[0] == '\0') {
		if ((k & KM_FN) && (k & ~KM_FN) > KEY_F0 && (k & ~KM_FN) <= KEY_F0 + 12)
			snprintf(tmp, sizeof tmp, "F%d", (k & ~KM_FN) - KEY_F0);
		else if (k & KM_FN)
			snprintf(tmp, sizeof tmp, "key%o", k & ~KM_FN);
		else if (k >= 1 && k <= 26)
			snprintf(tmp, sizeof tmp, "C-%c", 'a' + k - 1);
		else if (k < 32 || k == 127)
			snprintf(tmp, sizeof tmp, "^%c", k ^ 0x40);
		else
			put_utf8(k, tmp);
	}
	snprintf(buf, len, "%s%s", pre, tmp);
	return buf;
}

int km_from_curses(int is_fn, unsigned code)
{
	if (is_fn) {
		switch (code) {
		case KEY_ENTER: return KM_ENTER;
		case KEY_BACKSPACE: return KM_FN | KEY_BACKSPACE;
		/* where Home and End are called Find and Select (vt220, rxvt:
		 * \e[1~ \e[4~, what tmux sends) or are the keypad's 7 and 1 */
		case KEY_FIND:
		case KEY_A1: return KM_FN | KEY_HOME;
		case KEY_SELECT:
		case KEY_C1: return KM_FN | KEY_END;
		default: return KM_FN | (int)code;
		}
	}
	switch (code) {
	case '\r':
	case '\n': return KM_ENTER;
	case 8:
	case 127: return KM_FN | KEY_BACKSPACE;
	default: return (int)code;
	}
}

void km_init(struct keymap *m)
{
	memset(m, 0, sizeof *m);
}

void km_free(struct keymap *m)
{
	for (int c = 0; c < CTX_COUNT; c++)
		free(m->b[c]);
	km_init(m);
}

void km_bind(struct keymap *m, enum reg_ctx c, int key, enum reg_id act)
{
	for (size_t i = 0; i < m->n[c]; i++)
		if (m->b[c][i].key == key) {
			m->b[c][i].act = act;
			return;
		}
	if (m->n[c] == m->cap[c]) {
		size_t nc = m->cap[c] ? m->cap[c] * 2 : 16;
		struct km_bind *nb = realloc(m->b[c], nc * sizeof *nb);
		if (nb == NULL)
			return;
		m->b[c] = nb;
		m->cap[c] = nc;
	}
	m->b[c][m->n[c]++] = (struct km_bind){key, act};
}

void km_unbind(struct keymap *m, enum reg_ctx c, int key)
{
	for (size_t i = 0; i < m->n[c]; i++)
		if (m->b[c][i].key == key) {
			memmove(&m->b[c][i], &m->b[c][i + 1],
			        (m->n[c] - i - 1) * sizeof m->b[c][0]);
			m->n[c]--;
			return;
		}
}

static int find(const struct keymap *m, enum reg_ctx c, int key)
{
	for (size_t i = 0; i < m->n[c]; i++)
		if (m->b[c][i].key == key)
			return (int)m->b[c][i].act;
	return -1;
}

int km_lookup(const struct keymap *m, enum reg_ctx c, int list, int key)
{
	int a = find(m, c, key);
	if (a < 0 && list && c != CTX_LIST)
		a = find(m, CTX_LIST, key);
	if (a < 0 && c != CTX_GLOBAL)
		a = find(m, CTX_GLOBAL, key);
	return a;
}

const char *km_keys_of(const struct keymap *m, enum reg_id act, char *buf,
                       size_t len)
{
	size_t used = 0;
	buf[0] = '\0';
	for (int c = 0; c < CTX_COUNT; c++)
		for (size_t i = 0; i < m->n[c]; i++) {
			if (m->b[c][i].act != act)
				continue;
			char kn[24];
			km_key_name(m->b[c][i].key, kn, sizeof kn);
			int w = snprintf(buf + used, len - used, "%s%s",
			                 used ? " " : "", kn);
			if (w < 0 || (size_t)w >= len - used)
				return buf;
			used += (size_t)w;
		}
	return buf;
}

void km_defaults(struct keymap *m)
{
	for (int i = 0; i < ACT_COUNT; i++) {
		const struct reg_action *a = &reg_actions[i];
		char *keys = strdup(a->keys);
		if (keys == NULL)
			return;
		char *save = NULL;
		for (char *t = strtok_r(keys, " ", &save); t != NULL;
		     t = strtok_r(NULL, " ", &save)) {
			int k = km_key_parse(t);
			if (k >= 0)
				km_bind(m, a->ctx, k, a->id);
		}
		free(keys);
	}
}

static void km_line(struct cf_reader *r, int n, char **w, void *udata)
{
	struct keymap *m = udata;
	int unbind = strcmp(w[0], "unbind") == 0;
	if (!unbind && strcmp(w[0], "bind") != 0) {
		cf_error(r, "unknown directive \"%s\" (bind, unbind, include)", w[0]);
		return;
	}
	if ((unbind && n != 3) || (!unbind && n != 4)) {
		cf_error(r, unbind ? "usage: unbind CONTEXT KEY"
		                   : "usage: bind CONTEXT KEY ACTION");
		return;
	}
	int c = reg_ctx_from_name(w[1]);
	if (c < 0) {
		cf_error(r, "unknown context \"%s\" (global, list, queue, alert, endpoints)",
		         w[1]);
		return;
	}
	int k = km_key_parse(w[2]);
	if (k < 0) {
		cf_error(r, "unknown key \"%s\"", w[2]);
		return;
	}
	if (unbind) {
		km_unbind(m, (enum reg_ctx)c, k);
		return;
	}
	const struct reg_action *a = reg_find(w[3]);
	if (a == NULL) {
		cf_error(r, "unknown action \"%s\"", w[3]);
		return;
	}
	km_bind(m, (enum reg_ctx)c, k, a->id);
}

int km_load(struct keymap *m, const char *name, struct cf_reader *r)
{
	km_defaults(m);
	cf_init(r, "keymaps", "keys", km_line, m);
	if (name == NULL || strcmp(name, "default") == 0) {
		char *p = cf_find("keymaps", "keys", "default");
		if (p != NULL) {
			cf_read_path(r, p);
			free(p);
		}
	} else {
		cf_read_name(r, name);
	}
	return r->nerrors;
}

int km_load_string(struct keymap *m, const char *fname, const char *text,
                   struct cf_reader *r)
{
	cf_init(r, "keymaps", "keys", km_line, m);
	cf_read_string(r, fname, text);
	return r->nerrors;
}
