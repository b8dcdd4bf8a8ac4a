/* clocks.c - SLA countdown cells (sla_format_left, sla_classify) and the
 * SLA pane line. Colour never carries the meaning alone: a warn clock
 * (< 30 min) gets "!" and a breached one "✗" ("X" with --ascii). */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "core/sla.h"
#include "tui/tui.h"

static int cell(int64_t due, int64_t now, char *buf, size_t len, int ascii, int compact)
{
	if (due == 0) {
		snprintf(buf, len, "-");
		return -1;
	}
	char t[32];
	int64_t left = due - now;
	sla_format_left(left, t, sizeof t);
	if (compact && strlen(t) > 9) {
		/* long ago or far ahead: the days are enough ("-2225d") */
		char *d = strchr(t, 'd');
		if (d != NULL)
			d[1] = '\0';
	}
	enum sla_class k = sla_classify(left);
	const char *g = k == SLA_BREACHED ? (ascii ? "X" : "\xe2\x9c\x97")
	              : k == SLA_WARN ? "!" : " ";
	snprintf(buf, len, "%s%s", g, t);
	return (int)k;
}

int clk_cell(int64_t due, int64_t now, char *buf, size_t len, int ascii)
{
	return cell(due, now, buf, len, ascii, 0);
}

int clk_cell_short(int64_t due, int64_t now, char *buf, size_t len, int ascii)
{
	return cell(due, now, buf, len, ascii, 1);
}

int clk_area(int cls)
{
	switch (cls) {
	case SLA_WARN: return THM_warn;
	case SLA_BREACHED: return THM_breach;
	case SLA_OK: return THM_ok;
	default: return THM_dim;
	}
}

/* One clock: label, then the countdown while it runs, else why not. */
static int one(struct app *a, int y, int x, int w, const char *label,
               int64_t due, const char *stopped)
{
	char c[48];
	int used = dr_text(y, x, w, label, dr_attr(a, THM_dim));
	if (stopped != NULL || due == 0) {
		used += dr_text(y, x + used, w - used, stopped != NULL ? stopped : "-",
		                dr_attr(a, THM_dim));
		return used;
	}
	int cls = clk_cell(due, a->now_us, c, sizeof c, a->ascii);
	used += dr_text(y, x + used, w - used, c, dr_attr(a, (enum thm_area)clk_area(cls)));
	return used;
}

void clk_draw_line(struct app *a, int y, const struct alert *al)
{
	int w = COLS;
	dr_fill(y, 0, w, dr_attr(a, THM_normal));
	if (al == NULL) {
		dr_text(y, 1, w - 1, "SLA: no alert selected", dr_attr(a, THM_dim));
		return;
	}
	int closed = strcmp(al->state, "duplicate") == 0 || as_closed_state(al->state) ||
	             strcmp(al->state, "onboarding") == 0;
	int x = dr_textf(y, 0, w, dr_attr(a, THM_header), "SLA #%lld ", (long long)al->id);
	if (closed) {
		dr_textf(y, x, w - x, dr_attr(a, THM_dim), " no clocks (%s)", al->state);
		return;
	}
	x += one(a, y, x, w - x, " quick ", al->quick_due, al->quick_pub ? "published" : NULL);
	x += one(a, y, x, w - x, "  explanatory ", al->explain_due,
	         al->explain_pub ? "published" : !al->needs_expl ? "not needed" : NULL);
	one(a, y, x, w - x, "  gray reply ", al->reply_due,
	    al->answered ? "answered" : al->reply_due == 0 ? "-" : NULL);
}

int clk_breached(struct app *a)
{
	/* The queue's top-level rows are sorted by deadline (those without a
	 * clock last, as INT64_MAX), and q_rebuild keeps their deadlines in
	 * q.dues: the breached ones are the first k, found by bisection. Once
	 * per frame, so it must not walk 100k rows when all are breached. */
	const int64_t *d = a->q.dues;
	size_t lo = 0, hi = a->q.ndues;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (d[mid] < a->now_us)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo > INT_MAX ? INT_MAX : (int)lo;
}
