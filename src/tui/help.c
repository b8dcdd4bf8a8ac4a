/* help.c - the `?` overlay: every action of the registry with the keys the
 * loaded keymap binds to it, by context. Read from the same table as the
 * man page, so they cannot drift. With an alert in hand, the workflow
 * actions its state does not allow are dimmed and marked [not now]. */
#include "tui/tui.h"

static int nlines(void)
{
	return ACT_COUNT + CTX_COUNT;
}

void help_draw(struct app *a)
{
	int w = COLS, h = LINES - 2, x = 0, y = 1;
	int attr = dr_attr(a, THM_help);
	for (int r = 0; r < h; r++)
		dr_fill(y + r, x, w, attr);
	dr_textf(y, x + 1, w - 2, attr | dr_attr(a, THM_header),
	         "Keys%s (j/k scroll, q or Esc closes)",
	         a->wallboard ? " - read-only wallboard: [off] = not on the wallboard" : "");
	enum reg_id avail[ACT_COUNT];
	size_t navail = a->wallboard ? 0 : apiact_available(a, avail, ACT_COUNT);
	int line = 0, row = y + 2;
	for (int c = 0; c < CTX_COUNT; c++) {
		if (line >= a->help_top && row < y + h) {
			dr_textf(row++, x + 1, w - 2, attr | dr_attr(a, THM_header), "%s",
			         reg_ctx_name((enum reg_ctx)c));
		}
		line++;
		for (int i = 0; i < ACT_COUNT; i++) {
			const struct reg_action *ra = &reg_actions[i];
			if (ra->ctx != (enum reg_ctx)c)
				continue;
			if (line++ < a->help_top || row >= y + h)
				continue;
			char keys[64];
			km_keys_of(&a->km, ra->id, keys, sizeof keys);
			int off = a->wallboard && !(ra->flags & ACT_WALL);
			int notnow = 0;
			if (navail > 0 && apiact_is_workflow(ra->id)) {
				notnow = 1;
				for (size_t k = 0; k < navail; k++)
					notnow &= avail[k] != ra->id;
			}
			int la = off || notnow ? dr_attr(a, THM_dim) : attr;
			dr_text(row, x + 2, 12, keys[0] ? keys : "-", la | dr_attr(a, THM_badge));
			dr_textf(row, x + 15, w - 15, la, "%-11s %s%s", ra->name,
			         off ? "[off] " : notnow ? "[not now] " : "", ra->help);
			row++;
		}
	}
}

void help_key(struct app *a, int key)
{
	int act = km_lookup(&a->km, CTX_LIST, 1, key);
	if (key == 'q' || key == KM_ESC || key == '?' || act == ACT_back || act == ACT_help) {
		a->help = 0;
		return;
	}
	if (act == ACT_down || key == 'j')
		a->help_top++;
	else if (act == ACT_up || key == 'k')
		a->help_top--;
	else if (act == ACT_page_down)
		a->help_top += LINES / 2;
	else if (act == ACT_page_up)
		a->help_top -= LINES / 2;
	if (a->help_top > nlines() - 5)
		a->help_top = nlines() - 5;
	if (a->help_top < 0)
		a->help_top = 0;
}
