/* theme.h - themes: `style AREA fg=COLOUR bg=COLOUR [bold] [underline] [reverse] [dim]`.
 *
 * COLOUR is #rrggbb, colourN / colorN (0..255), a name of the 16 terminal
 * colours (black red green yellow blue magenta cyan white, bright-black ..
 * bright-white, grey = bright-black) or "default" (the terminal's own).
 * Colours are downgraded to what the terminal has: #rrggbb to the 256-colour
 * cube and gray ramp, 256 to the 16 terminal colours, 16 to 8. The palette
 * itself is never redefined. An AREA not styled takes `normal`.
 */
#ifndef ITRACE_TUI_THEME_H
#define ITRACE_TUI_THEME_H

#include "tui/cfgfile.h"

#define THM_AREAS(X) \
	X(normal) X(title) X(status) X(header) X(cursor) X(marked) X(badge) \
	X(banner) X(stale) X(breach) X(warn) X(ok) X(black) X(gray) X(white) \
	X(dim) X(border) X(dialog) X(input) X(detected) X(match) X(help) \
	X(big) X(error) X(new)

#define THM_ENUM(n) THM_##n,
enum thm_area { THM_AREAS(THM_ENUM) THM_COUNT };
#undef THM_ENUM

enum thm_ckind { THM_C_UNSET, THM_C_DEFAULT, THM_C_INDEX, THM_C_RGB };
struct thm_colour {
	enum thm_ckind kind;
	int v;                 /* index 0..255, or 0xRRGGBB */
};

enum { THM_BOLD = 1, THM_UNDERLINE = 2, THM_REVERSE = 4, THM_DIM = 8 };

struct thm_style {
	struct thm_colour fg, bg;
	unsigned attrs;
	int set;
};

struct theme {
	struct thm_style s[THM_COUNT];
	int ncolours;           /* what thm_apply found: 0 (none/mono) 8 16 256 */
	int attr[THM_COUNT];    /* curses attributes per area after thm_apply */
};

const char *thm_area_name(enum thm_area a);
int thm_area_from_name(const char *s);     /* -1 unknown */
/* 0 ok, -1 not a colour. */
int thm_colour_parse(const char *s, struct thm_colour *out);
/* Terminal colour index for c on a terminal of ncolours (8, 16, 256 or
 * more); -1 for the terminal default. Pure. */
int thm_downgrade(struct thm_colour c, int ncolours);
/* xterm's RGB of a 256-colour index (0xRRGGBB). */
int thm_index_rgb(int idx);

void thm_init(struct theme *t);
/* Load the named theme (file search of cfgfile.h). Errors go to *r (which
 * thm_load initialises; the caller frees with cf_free). Returns the error
 * count; a theme that was not found leaves the built-in attributes. */
int thm_load(struct theme *t, const char *name, struct cf_reader *r);
int thm_load_string(struct theme *t, const char *fname, const char *text,
                    struct cf_reader *r);
/* After initscr: pairs for every area (no colours when use_colour is 0 or
 * the terminal has none). */
void thm_apply(struct theme *t, int use_colour);

#endif
