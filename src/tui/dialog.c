/* dialog.c - modal dialogs: the verdict form, a choice form (one option
 * by its key, no default, and a note: the administrator's answer to a gray
 * alert), confirmations (yes/no, or a word typed exactly, e.g. the host
 * name before deleting a file) and one-line prompts (`/`, `:`, filters,
 * reasons; a prompt with `need` set refuses a blank input). The dialog
 * owns its text; `done` is called once with ok=1 or 0 after the dialog
 * left the screen (it may open another dialog). */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "tui/tui.h"

struct dlg *dlg_new(enum dlg_kind k, const char *title, dlg_done done)
{
	struct dlg *d = calloc(1, sizeof *d);
	if (d == NULL)
		abort();
	d->kind = k;
	snprintf(d->title, sizeof d->title, "%s", title);
	d->done = done;
	if (k == DLG_VERDICT)
		d->field = 0;
	return d;
}

void dlg_add_line(struct dlg *d, const char *fmt, ...)
{
	char raw[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(raw, sizeof raw, fmt, ap);
	va_end(ap);
	char **nl = realloc(d->lines, (d->nlines + 1) * sizeof *nl);
	if (nl == NULL)
		return;
	d->lines = nl;
	d->lines[d->nlines++] = dr_clean(raw);
}

void dlg_add_choice(struct dlg *d, char key, const char *fmt, ...)
{
	if (d->nopt >= DLG_NOPT)
		return;
	char raw[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(raw, sizeof raw, fmt, ap);
	va_end(ap);
	char *clean = dr_clean(raw);
	d->opt[d->nopt].key = key;
	snprintf(d->opt[d->nopt].label, sizeof d->opt[d->nopt].label, "%s", clean);
	free(clean);
	d->nopt++;
}

static int blank(const struct dlg *d)
{
	for (size_t i = 0; i < d->ilen; i++)
		if (d->input[i] != L' ' && d->input[i] != L'\t')
			return 0;
	return 1;
}

static const char *choice_label(const struct dlg *d)
{
	for (int i = 0; i < d->nopt; i++)
		if (d->opt[i].key == d->choice)
			return d->opt[i].label;
	return NULL;
}

void dlg_free(struct dlg *d)
{
	if (d == NULL)
		return;
	for (size_t i = 0; i < d->nlines; i++)
		free(d->lines[i]);
	free(d->lines);
	free(d);
}

const char *dlg_text(const struct dlg *d)
{
	static char buf[2048];
	size_t o = 0;
	for (size_t i = 0; i < d->ilen && o + 5 < sizeof buf; i++) {
		unsigned u = (unsigned)d->input[i];
		if (u < 0x80)
			buf[o++] = (char)u;
		else if (u < 0x800) {
			buf[o++] = (char)(0xc0 | (u >> 6));
			buf[o++] = (char)(0x80 | (u & 0x3f));
		} else if (u < 0x10000) {
			buf[o++] = (char)(0xe0 | (u >> 12));
			buf[o++] = (char)(0x80 | ((u >> 6) & 0x3f));
			buf[o++] = (char)(0x80 | (u & 0x3f));
		} else {
			buf[o++] = (char)(0xf0 | (u >> 18));
			buf[o++] = (char)(0x80 | ((u >> 12) & 0x3f));
			buf[o++] = (char)(0x80 | ((u >> 6) & 0x3f));
			buf[o++] = (char)(0x80 | (u & 0x3f));
		}
	}
	buf[o] = '\0';
	return buf;
}

static void finish(struct app *a, struct dlg *d, int ok)
{
	if (a->dlg == d)
		a->dlg = NULL;
	a->dirty = 1;
	if (d->done != NULL)
		d->done(a, d, ok);
	dlg_free(d);
}

/* Line editing; 1 when the key was an editing key. */
static int edit(struct dlg *d, int key)
{
	if (key == (KM_FN | KEY_BACKSPACE)) {
		if (d->icur > 0) {
			memmove(&d->input[d->icur - 1], &d->input[d->icur],
			        (d->ilen - d->icur) * sizeof d->input[0]);
			d->icur--;
			d->ilen--;
		}
		return 1;
	}
	if (key == (KM_FN | KEY_DC)) {
		if (d->icur < d->ilen) {
			memmove(&d->input[d->icur], &d->input[d->icur + 1],
			        (d->ilen - d->icur - 1) * sizeof d->input[0]);
			d->ilen--;
		}
		return 1;
	}
	if (key == (KM_FN | KEY_LEFT)) {
		if (d->icur > 0)
			d->icur--;
		return 1;
	}
	if (key == (KM_FN | KEY_RIGHT)) {
		if (d->icur < d->ilen)
			d->icur++;
		return 1;
	}
	if (key == (KM_FN | KEY_HOME) || key == 1) {
		d->icur = 0;
		return 1;
	}
	if (key == (KM_FN | KEY_END) || key == 5) {
		d->icur = d->ilen;
		return 1;
	}
	if (key == 21) {        /* C-u */
		d->ilen = d->icur = 0;
		return 1;
	}
	if (key >= 32 && key != 127 && !(key & (KM_FN | KM_META)) &&
	    d->ilen + 1 < sizeof d->input / sizeof d->input[0]) {
		memmove(&d->input[d->icur + 1], &d->input[d->icur],
		        (d->ilen - d->icur) * sizeof d->input[0]);
		d->input[d->icur++] = (wchar_t)key;
		d->ilen++;
		return 1;
	}
	return 0;
}

int dlg_key(struct app *a, struct dlg *d, int key)
{
	d->err[0] = '\0';
	if (key == KM_ESC || key == 7 /* C-g */) {
		finish(a, d, 0);
		return 1;
	}
	switch (d->kind) {
	case DLG_CONFIRM:
		if (key == 'y' || key == 'Y' || key == KM_ENTER)
			finish(a, d, 1);
		else if (key == 'n' || key == 'N' || key == 'q')
			finish(a, d, 0);
		return 1;
	case DLG_TYPED:
		if (key == KM_ENTER) {
			if (strcmp(dlg_text(d), d->expect) == 0)
				finish(a, d, 1);
			else
				snprintf(d->err, sizeof d->err, "type \"%.80s\" exactly to confirm (Esc cancels)",
				         d->expect);
			return 1;
		}
		edit(d, key);
		return 1;
	case DLG_PROMPT:
		if (key == KM_ENTER) {
			if (d->need[0] != '\0' && blank(d))
				snprintf(d->err, sizeof d->err, "%s (Esc cancels)", d->need);
			else
				finish(a, d, 1);
			return 1;
		}
		edit(d, key);
		return 1;
	case DLG_CHOICE:
		if (key == KM_ENTER) {
			if (d->choice == 0) {
				char keys[2 * DLG_NOPT + 1];
				size_t o = 0;
				for (int i = 0; i < d->nopt; i++) {
					keys[o++] = i ? '/' : ' ';
					keys[o++] = d->opt[i].key;
				}
				keys[o] = '\0';
				snprintf(d->err, sizeof d->err, "choose%s first (Esc cancels)", keys);
				return 1;
			}
			finish(a, d, 1);
			return 1;
		}
		if (key == KM_TAB || key == (KM_FN | KEY_BTAB)) {
			d->field = d->field == 3 ? 0 : 3;
			return 1;
		}
		if (d->field == 3) {
			edit(d, key);
			return 1;
		}
		for (int i = 0; i < d->nopt; i++)
			if (key == d->opt[i].key) {
				d->choice = d->opt[i].key;
				return 1;
			}
		snprintf(d->err, sizeof d->err, "choose with its key; Tab: the note");
		return 1;
	case DLG_VERDICT:
		if (key == KM_ENTER) {
			if (d->verdict == 0) {
				snprintf(d->err, sizeof d->err, "choose b, g or w first");
				return 1;
			}
			finish(a, d, 1);
			return 1;
		}
		if (key == KM_TAB || key == (KM_FN | KEY_BTAB)) {
			d->field = d->field == 3 ? 0 : 3;
			return 1;
		}
		if (d->field == 3) {
			edit(d, key);
			return 1;
		}
		switch (key) {
		case 'b': d->verdict = 'b'; break;
		case 'g': d->verdict = 'g'; break;
		case 'w': d->verdict = 'w'; break;
		case 'q': d->phase_expl = 0; break;
		case 'e': d->phase_expl = 1; break;
		case 'n': d->needs_expl = !d->needs_expl; break;
		case 'c': d->field = 3; break;
		default:
			snprintf(d->err, sizeof d->err, "b g w verdict, q e phase, n needs explanatory, Tab comment");
		}
		return 1;
	}
	return 0;
}

static void frame(struct app *a, int y, int x, int h, int w, const char *title)
{
	int attr = dr_attr(a, THM_dialog);
	for (int r = 0; r < h; r++)
		dr_fill(y + r, x, w, attr);
	attrset(attr | dr_attr(a, THM_border));
	if (a->ascii) {
		mvhline(y, x, '-', w);
		mvhline(y + h - 1, x, '-', w);
		mvvline(y, x, '|', h);
		mvvline(y, x + w - 1, '|', h);
	} else {
		mvhline(y, x, ACS_HLINE, w);
		mvhline(y + h - 1, x, ACS_HLINE, w);
		mvvline(y, x, ACS_VLINE, h);
		mvvline(y, x + w - 1, ACS_VLINE, h);
		mvaddch(y, x, ACS_ULCORNER);
		mvaddch(y, x + w - 1, ACS_URCORNER);
		mvaddch(y + h - 1, x, ACS_LLCORNER);
		mvaddch(y + h - 1, x + w - 1, ACS_LRCORNER);
	}
	dr_textf(y, x + 2, w - 4, attr | dr_attr(a, THM_header), " %s ", title);
}

static void input_line(struct app *a, struct dlg *d, int y, int x, int w, const char *label)
{
	int lw = dr_text(y, x, w, label, dr_attr(a, THM_dialog));
	int iw = w - lw;
	const char *t = dlg_text(d);
	int tw = dr_width(t);
	dr_fill(y, x + lw, iw, dr_attr(a, THM_input));
	/* show the end of a long input */
	const char *s = t;
	while (tw > iw - 1 && *s != '\0') {
		s++;
		while ((*s & 0xc0) == 0x80)
			s++;
		tw = dr_width(s);
	}
	char *clean = dr_clean(s);
	int used = dr_text(y, x + lw, iw, clean, dr_attr(a, THM_input));
	free(clean);
	/* a visible cursor block at the end */
	if (used < iw)
		dr_text(y, x + lw + used, 1, "_", dr_attr(a, THM_input) | A_BLINK);
}

void dlg_draw(struct app *a, struct dlg *d)
{
	int w = COLS - 8 < 76 ? COLS - 8 : 76;
	int extra = d->kind == DLG_VERDICT ? 5 : d->kind == DLG_CONFIRM ? 1
	          : d->kind == DLG_CHOICE ? d->nopt + 3 : 2;
	int h = (int)d->nlines + extra + 3;
	if (h > LINES - 2)
		h = LINES - 2;
	int x = (COLS - w) / 2, y = (LINES - h) / 2;
	frame(a, y, x, h, w, d->title);
	int attr = dr_attr(a, THM_dialog);
	int row = y + 1;
	for (size_t i = 0; i < d->nlines && row < y + h - extra - 1; i++)
		dr_text(row++, x + 2, w - 4, d->lines[i], attr);
	switch (d->kind) {
	case DLG_CONFIRM:
		dr_text(row++, x + 2, w - 4, "y or Enter: do it    n or Esc: cancel",
		        attr | dr_attr(a, THM_badge));
		break;
	case DLG_TYPED:
		input_line(a, d, row++, x + 2, w - 4, d->prompt);
		dr_text(row++, x + 2, w - 4, "Enter confirms, Esc cancels", dr_attr(a, THM_dim));
		break;
	case DLG_PROMPT:
		input_line(a, d, row++, x + 2, w - 4, d->prompt);
		dr_text(row++, x + 2, w - 4, "Enter accepts, Esc cancels", dr_attr(a, THM_dim));
		break;
	case DLG_CHOICE: {
		for (int i = 0; i < d->nopt; i++) {
			int sel = d->opt[i].key == d->choice;
			dr_textf(row++, x + 2, w - 4, sel ? attr | dr_attr(a, THM_badge) : attr,
			         "%s %c  %s", sel ? (a->ascii ? ">" : "\xe2\x96\xb8") : " ",
			         d->opt[i].key, d->opt[i].label);
		}
		const char *cl = choice_label(d);
		dr_textf(row++, x + 2, w - 4, cl != NULL ? attr : dr_attr(a, THM_dim), "chosen:  %s",
		         cl != NULL ? cl : "nothing yet");
		input_line(a, d, row++, x + 2, w - 4, d->field == 3 ? "note> " : "note (Tab) ");
		dr_text(row++, x + 2, w - 4, "Enter submits, Esc cancels", dr_attr(a, THM_dim));
		break;
	}
	case DLG_VERDICT: {
		const char *vn = d->verdict == 'b' ? "BLACK (B)" : d->verdict == 'g' ? "GRAY (G)"
		               : d->verdict == 'w' ? "WHITE (W)" : "not chosen";
		int va = d->verdict == 'b' ? THM_black : d->verdict == 'g' ? THM_gray
		       : d->verdict == 'w' ? THM_white : THM_dim;
		int cx = dr_text(row, x + 2, w - 4, "verdict  b black  g gray  w white:  ", attr);
		dr_text(row++, x + 2 + cx, w - 4 - cx, vn, dr_attr(a, (enum thm_area)va));
		dr_textf(row++, x + 2, w - 4, attr, "phase    q quick  e explanatory:  %s",
		         d->phase_expl ? "explanatory" : "quick");
		dr_textf(row++, x + 2, w - 4, attr, "n        needs an explanatory report:  %s",
		         d->needs_expl ? "yes" : "no");
		input_line(a, d, row++, x + 2, w - 4, d->field == 3 ? "comment> " : "comment (Tab) ");
		dr_text(row++, x + 2, w - 4, "Enter submits, Esc cancels", dr_attr(a, THM_dim));
		break;
	}
	}
	if (d->err[0] != '\0')
		dr_text(y + h - 1, x + 2, w - 4, d->err, dr_attr(a, THM_error));
}
