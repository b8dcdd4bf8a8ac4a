/* theme.c - theme files and colour downgrade; see theme.h. */
#include "tui/theme.h"

#include <curses.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define THM_NAME(n) #n,
static const char *const area_names[THM_COUNT] = { THM_AREAS(THM_NAME) };
#undef THM_NAME

const char *thm_area_name(enum thm_area a)
{
	return a < THM_COUNT ? area_names[a] : "?";
}

int thm_area_from_name(const char *s)
{
	for (int i = 0; i < THM_COUNT; i++)
		if (strcmp(s, area_names[i]) == 0)
			return i;
	return -1;
}

static const char *const colour_names[16] = {
	"black", "red", "green", "yellow", "blue", "magenta", "cyan", "white",
	"bright-black", "bright-red", "bright-green", "bright-yellow",
	"bright-blue", "bright-magenta", "bright-cyan", "bright-white",
};

/* xterm's default palette for the 16 terminal colours. */
static const int base16[16] = {
	0x000000, 0xcd0000, 0x00cd00, 0xcdcd00, 0x0000ee, 0xcd00cd, 0x00cdcd, 0xe5e5e5,
	0x7f7f7f, 0xff0000, 0x00ff00, 0xffff00, 0x5c5cff, 0xff00ff, 0x00ffff, 0xffffff,
};

int thm_index_rgb(int idx)
{
	if (idx < 0)
		return 0;
	if (idx < 16)
		return base16[idx];
	if (idx < 232) {
		static const int lv[6] = {0, 95, 135, 175, 215, 255};
		int i = idx - 16;
		return lv[i / 36] << 16 | lv[(i / 6) % 6] << 8 | lv[i % 6];
	}
	if (idx < 256) {
		int g = 8 + (idx - 232) * 10;
		return g << 16 | g << 8 | g;
	}
	return 0;
}

int thm_colour_parse(const char *s, struct thm_colour *out)
{
	if (strcmp(s, "default") == 0) {
		*out = (struct thm_colour){THM_C_DEFAULT, -1};
		return 0;
	}
	if (s[0] == '#') {
		if (strlen(s) != 7)
			return -1;
		for (int i = 1; i < 7; i++)
			if (!strchr("0123456789abcdefABCDEF", s[i]))
				return -1;
		*out = (struct thm_colour){THM_C_RGB, (int)strtol(s + 1, NULL, 16)};
		return 0;
	}
	const char *num = NULL;
	if (strncmp(s, "colour", 6) == 0)
		num = s + 6;
	else if (strncmp(s, "color", 5) == 0)
		num = s + 5;
	if (num != NULL) {
		if (*num == '\0' || strlen(num) > 3 || strspn(num, "0123456789") != strlen(num))
			return -1;
		int n = atoi(num);
		if (n > 255)
			return -1;
		*out = (struct thm_colour){THM_C_INDEX, n};
		return 0;
	}
	if (strcmp(s, "grey") == 0 || strcmp(s, "gray") == 0) {
		*out = (struct thm_colour){THM_C_INDEX, 8};
		return 0;
	}
	for (int i = 0; i < 16; i++) {
		/* "brightred" accepted for "bright-red" */
		const char *n = colour_names[i];
		if (strcmp(s, n) == 0 ||
		    (i >= 8 && strncmp(s, "bright", 6) == 0 && strcmp(s + 6, n + 7) == 0)) {
			*out = (struct thm_colour){THM_C_INDEX, i};
			return 0;
		}
	}
	return -1;
}

static int dist(int a, int b)
{
	int dr = ((a >> 16) & 255) - ((b >> 16) & 255);
	int dg = ((a >> 8) & 255) - ((b >> 8) & 255);
	int db = (a & 255) - (b & 255);
	/* weighted for the eye: green counts most */
	return 3 * dr * dr + 4 * dg * dg + 2 * db * db;
}

static int nearest(int rgb, int from, int to)
{
	int best = from, bd = -1;
	for (int i = from; i < to; i++) {
		int d = dist(rgb, thm_index_rgb(i));
		if (bd < 0 || d < bd) {
			bd = d;
			best = i;
		}
	}
	return best;
}

int thm_downgrade(struct thm_colour c, int ncolours)
{
	if (c.kind == THM_C_UNSET || c.kind == THM_C_DEFAULT || ncolours < 8)
		return -1;
	if (c.kind == THM_C_RGB) {
		if (ncolours >= 256)
			return nearest(c.v, 16, 256);
		c = (struct thm_colour){THM_C_INDEX, nearest(c.v, 0, 16)};
	}
	int idx = c.v;
	if (idx >= ncolours || (ncolours < 256 && idx >= 16)) {
		if (idx >= 16)
			idx = nearest(thm_index_rgb(idx), 0, ncolours >= 16 ? 16 : 8);
		if (idx >= ncolours)
			idx &= 7;
	}
	return idx;
}

void thm_init(struct theme *t)
{
	memset(t, 0, sizeof *t);
	/* built-in: attributes only, so colour never carries meaning alone */
	t->s[THM_title].attrs = THM_REVERSE | THM_BOLD;
	t->s[THM_status].attrs = THM_REVERSE;
	t->s[THM_header].attrs = THM_UNDERLINE | THM_BOLD;
	t->s[THM_cursor].attrs = THM_REVERSE;
	t->s[THM_marked].attrs = THM_BOLD;
	t->s[THM_badge].attrs = THM_BOLD;
	t->s[THM_banner].attrs = THM_REVERSE | THM_BOLD;
	t->s[THM_stale].attrs = THM_REVERSE | THM_BOLD;
	t->s[THM_breach].attrs = THM_BOLD | THM_REVERSE;
	t->s[THM_warn].attrs = THM_BOLD;
	t->s[THM_black].attrs = THM_BOLD;
	t->s[THM_dim].attrs = THM_DIM;
	t->s[THM_dialog].attrs = 0;
	t->s[THM_input].attrs = THM_UNDERLINE;
	t->s[THM_detected].attrs = THM_BOLD;
	t->s[THM_match].attrs = THM_UNDERLINE;
	t->s[THM_big].attrs = THM_BOLD;
	t->s[THM_error].attrs = THM_BOLD;
	t->s[THM_new].attrs = THM_BOLD;
}

static void thm_line(struct cf_reader *r, int n, char **w, void *udata)
{
	struct theme *t = udata;
	if (strcmp(w[0], "style") != 0) {
		cf_error(r, "unknown directive \"%s\" (style, include)", w[0]);
		return;
	}
	if (n < 2) {
		cf_error(r, "usage: style AREA [fg=C] [bg=C] [bold] [underline] [reverse] [dim]");
		return;
	}
	int a = thm_area_from_name(w[1]);
	if (a < 0) {
		cf_error(r, "unknown area \"%s\"", w[1]);
		return;
	}
	struct thm_style st = {.set = 1};
	for (int i = 2; i < n; i++) {
		if (strncmp(w[i], "fg=", 3) == 0 || strncmp(w[i], "bg=", 3) == 0) {
			struct thm_colour c;
			if (thm_colour_parse(w[i] + 3, &c) != 0) {
				cf_error(r, "bad colour \"%s\" (#rrggbb, colourN, a colour name, default)",
				         w[i] + 3);
				return;
			}
			if (w[i][0] == 'f')
				st.fg = c;
			else
				st.bg = c;
		} else if (strcmp(w[i], "bold") == 0) {
			st.attrs |= THM_BOLD;
		} else if (strcmp(w[i], "underline") == 0) {
			st.attrs |= THM_UNDERLINE;
		} else if (strcmp(w[i], "reverse") == 0) {
			st.attrs |= THM_REVERSE;
		} else if (strcmp(w[i], "dim") == 0) {
			st.attrs |= THM_DIM;
		} else if (strcmp(w[i], "none") == 0) {
			st.attrs = 0;
		} else {
			cf_error(r, "unknown attribute \"%s\"", w[i]);
			return;
		}
	}
	t->s[a] = st;
}

int thm_load(struct theme *t, const char *name, struct cf_reader *r)
{
	cf_init(r, "themes", "theme", thm_line, t);
	cf_read_name(r, name);
	return r->nerrors;
}

int thm_load_string(struct theme *t, const char *fname, const char *text,
                    struct cf_reader *r)
{
	cf_init(r, "themes", "theme", thm_line, t);
	cf_read_string(r, fname, text);
	return r->nerrors;
}

static int to_attr(unsigned a)
{
	int r = 0;
	if (a & THM_BOLD)
		r |= (int)A_BOLD;
	if (a & THM_UNDERLINE)
		r |= (int)A_UNDERLINE;
	if (a & THM_REVERSE)
		r |= (int)A_REVERSE;
	if (a & THM_DIM)
		r |= (int)A_DIM;
	return r;
}

void thm_apply(struct theme *t, int use_colour)
{
	t->ncolours = 0;
	if (use_colour && has_colors() && start_color() == OK) {
		use_default_colors();
		t->ncolours = COLORS >= 256 ? 256 : COLORS >= 16 ? 16 : COLORS >= 8 ? 8 : 0;
	}
	const struct thm_style *base = &t->s[THM_normal];
	for (int i = 0; i < THM_COUNT; i++) {
		const struct thm_style *s = &t->s[i];
		struct thm_colour fg = s->fg.kind != THM_C_UNSET ? s->fg : base->fg;
		struct thm_colour bg = s->bg.kind != THM_C_UNSET ? s->bg : base->bg;
		int attr = to_attr(s->attrs);
		if (t->ncolours > 0 && i + 1 < COLOR_PAIRS) {
			int f = thm_downgrade(fg, t->ncolours);
			int b = thm_downgrade(bg, t->ncolours);
			/* 8-colour terminals: bright foregrounds become bold */
			if (t->ncolours == 8 && fg.kind == THM_C_INDEX && fg.v >= 8 && fg.v < 16)
				attr |= (int)A_BOLD;
			if (f != -1 || b != -1) {
				init_pair((short)(i + 1), (short)f, (short)b);
				attr |= (int)COLOR_PAIR(i + 1);
			}
		}
		t->attr[i] = attr;
	}
}
