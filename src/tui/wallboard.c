/* wallboard.c - `--wallboard`: a read-only shift monitor. Big counts per
 * state and verdict, the nearest deadlines, breached alerts taking over
 * the screen, isolated endpoints, and the age of the data so a frozen
 * board is visible. Input is limited by the dispatcher (ACT_WALL). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tui/tui.h"

static const char *const big_utf8[10][3] = {
	{"\xe2\x96\x88\xe2\x96\x80\xe2\x96\x88", "\xe2\x96\x88 \xe2\x96\x88", "\xe2\x96\x80\xe2\x96\x80\xe2\x96\x80"},
	{" \xe2\x96\x88 ", " \xe2\x96\x88 ", " \xe2\x96\x80 "},
	{"\xe2\x96\x80\xe2\x96\x80\xe2\x96\x88", "\xe2\x96\x88\xe2\x96\x80\xe2\x96\x80", "\xe2\x96\x80\xe2\x96\x80\xe2\x96\x80"},
	{"\xe2\x96\x80\xe2\x96\x80\xe2\x96\x88", " \xe2\x96\x80\xe2\x96\x88", "\xe2\x96\x80\xe2\x96\x80\xe2\x96\x80"},
	{"\xe2\x96\x88 \xe2\x96\x88", "\xe2\x96\x80\xe2\x96\x80\xe2\x96\x88", "  \xe2\x96\x80"},
	{"\xe2\x96\x88\xe2\x96\x80\xe2\x96\x80", "\xe2\x96\x80\xe2\x96\x80\xe2\x96\x88", "\xe2\x96\x80\xe2\x96\x80\xe2\x96\x80"},
	{"\xe2\x96\x88\xe2\x96\x80\xe2\x96\x80", "\xe2\x96\x88\xe2\x96\x80\xe2\x96\x88", "\xe2\x96\x80\xe2\x96\x80\xe2\x96\x80"},
	{"\xe2\x96\x80\xe2\x96\x80\xe2\x96\x88", "  \xe2\x96\x88", "  \xe2\x96\x80"},
	{"\xe2\x96\x88\xe2\x96\x80\xe2\x96\x88", "\xe2\x96\x88\xe2\x96\x80\xe2\x96\x88", "\xe2\x96\x80\xe2\x96\x80\xe2\x96\x80"},
	{"\xe2\x96\x88\xe2\x96\x80\xe2\x96\x88", "\xe2\x96\x80\xe2\x96\x80\xe2\x96\x88", "\xe2\x96\x80\xe2\x96\x80\xe2\x96\x80"},
};
static const char *const big_ascii[10][3] = {
	{"#\"#", "# #", "\"\"\""}, {" # ", " # ", " \" "}, {"\"\"#", "#\"\"", "\"\"\""},
	{"\"\"#", " \"#", "\"\"\""}, {"# #", "\"\"#", "  \""}, {"#\"\"", "\"\"#", "\"\"\""},
	{"#\"\"", "#\"#", "\"\"\""}, {"\"\"#", "  #", "  \""}, {"#\"#", "#\"#", "\"\"\""},
	{"#\"#", "\"\"#", "\"\"\""},
};

/* A labelled box with a big number: 4 rows. */
static void big_box(struct app *a, int y, int x, int w, const char *label, long n,
                    enum thm_area area)
{
	int attr = dr_attr(a, area);
	dr_text(y, x, w, label, attr | dr_attr(a, THM_header));
	char digits[24];
	snprintf(digits, sizeof digits, "%ld", n);
	int nd = (int)strlen(digits);
	for (int r = 0; r < 3; r++) {
		int cx = x;
		for (int i = 0; i < nd && cx + 3 <= x + w; i++) {
			int d = digits[i] - '0';
			dr_text(y + 1 + r, cx, 3, a->ascii ? big_ascii[d][r] : big_utf8[d][r],
			        attr | dr_attr(a, THM_big));
			cx += 4;
		}
	}
}

static void alert_line(struct app *a, int y, const struct alert *al, int area)
{
	char cell[48], mt[32], mh[32];
	int cls = clk_cell_short(as_deadline(al, NULL), a->now_us, cell, sizeof cell, a->ascii);
	int x = dr_text_right(y, 1, 11, cell, dr_attr(a, (enum thm_area)clk_area(cls)));
	(void)x;
	dr_textf(y, 13, COLS - 14, dr_attr(a, (enum thm_area)area), "#%-6lld %-10s %-14s %s",
	         (long long)al->id, dr_mask(a, al->tenant, mt, sizeof mt),
	         dr_mask(a, al->host, mh, sizeof mh), al->file);
}

void wb_draw(struct app *a)
{
	int64_t now = a->now_us;
	/* title with the data age */
	int tattr = dr_attr(a, THM_title);
	dr_fill(0, 0, COLS, tattr);
	int64_t age = a->last_data_us != 0 ? (now - a->last_data_us) / 1000000 : -1;
	time_t t = (time_t)(now / 1000000);
	struct tm tm;
	localtime_r(&t, &tm);
	dr_textf(0, 1, COLS - 1, tattr, "itrace-tui WALLBOARD  %02d:%02d:%02d  %zu open alerts",
	         tm.tm_hour, tm.tm_min, tm.tm_sec, a->as.n);
	char ag[64];
	if (age < 0)
		snprintf(ag, sizeof ag, " no data yet ");
	else
		snprintf(ag, sizeof ag, " data age %llds%s ", (long long)age,
		         a->db_stale_since ? " STALE" : "");
	dr_text_right(0, COLS - 30, 29, ag,
	              age > 30 || a->db_stale_since ? dr_attr(a, THM_stale) : tattr);

	/* counts over the store; deadlines from the queue's rows, which are
	 * kept sorted by deadline (no sort per frame) */
	size_t breached = 0;
	long c_new = 0, c_claimed = 0, c_work = 0, c_dup = 0;
	long c_b = 0, c_g = 0, c_w = 0, c_none = 0;
	for (size_t i = 0; i < a->as.n; i++) {
		struct alert *al = a->as.v[i];
		if (strcmp(al->state, "new") == 0)
			c_new++;
		else if (strcmp(al->state, "claimed") == 0)
			c_claimed++;
		else if (strcmp(al->state, "duplicate") == 0)
			c_dup++;
		else
			c_work++;
		char vv = as_verdict(al);
		c_b += vv == 'b';
		c_g += vv == 'g';
		c_w += vv == 'w';
		c_none += vv == 0;
	}
	struct alert *v[64];
	size_t n = 0;
	for (size_t i = 0; i < a->q.n && n < 64; i++) {
		struct alert *al = as_get(&a->as, a->q.rows[i].id);
		int64_t d = al != NULL ? as_deadline(al, NULL) : 0;
		if (d == 0)
			continue;
		v[n++] = al;
	}
	breached = (size_t)clk_breached(a);
	if (breached > 0) {
		/* breached alerts take over the screen */
		int ba = dr_attr(a, THM_breach);
		for (int r = 1; r < LINES - 1; r++)
			dr_fill(r, 0, COLS, ba);
		big_box(a, 2, 2, 30, a->ascii ? "X BREACHED" : "\xe2\x9c\x97 BREACHED", (long)breached,
		        THM_breach);
		dr_text(7, 2, COLS - 4, "deadline passed for:", ba);
		int row = 8;
		for (size_t i = 0; i < n && row < LINES - 2; i++)
			if (as_deadline(v[i], NULL) < now)
				alert_line(a, row++, v[i], THM_breach);
	} else {
		int bw = COLS / 4;
		big_box(a, 2, 1, bw - 1, "NEW", c_new, THM_normal);
		big_box(a, 2, 1 + bw, bw - 1, "CLAIMED", c_claimed, THM_normal);
		big_box(a, 2, 1 + 2 * bw, bw - 1, "IN WORK", c_work, THM_normal);
		big_box(a, 2, 1 + 3 * bw, bw - 1, "DUPLICATE", c_dup, THM_dim);
		big_box(a, 7, 1, bw - 1, "B black", c_b, THM_black);
		big_box(a, 7, 1 + bw, bw - 1, "G gray", c_g, THM_gray);
		big_box(a, 7, 1 + 2 * bw, bw - 1, "W white", c_w, THM_white);
		big_box(a, 7, 1 + 3 * bw, bw - 1, "- no verdict", c_none, THM_dim);
		dr_text(12, 1, COLS - 2, "NEAREST DEADLINES", dr_attr(a, THM_header));
		int row = 13;
		for (size_t i = 0; i < n && row < 19; i++)
			alert_line(a, row++, v[i], THM_normal);
		if (n == 0)
			dr_text(row, 2, COLS - 4, "no clock running", dr_attr(a, THM_dim));
	}
	/* isolated endpoints */
	int y = LINES - 4;
	size_t niso = 0;
	for (size_t i = 0; i < a->ep.n; i++)
		niso += strcmp(a->ep.v[i].isolation, "none") != 0;
	dr_fill(y, 0, COLS, dr_attr(a, THM_normal));
	dr_textf(y, 1, COLS - 2, dr_attr(a, THM_header), "ISOLATED ENDPOINTS: %zu", niso);
	int x = 1, row = y + 1;
	for (size_t i = 0; i < a->ep.n && row < LINES - 1; i++) {
		struct endpoint *e = &a->ep.v[i];
		if (strcmp(e->isolation, "none") == 0)
			continue;
		char mh[32], cell[128];
		snprintf(cell, sizeof cell, "%s (%s)  ", dr_mask(a, e->host, mh, sizeof mh),
		         e->isolation);
		int w = dr_width(cell);
		if (x + w > COLS - 1) {
			x = 1;
			row++;
			if (row >= LINES - 1)
				break;
		}
		dr_fill(row, x, w, dr_attr(a, THM_normal));
		dr_text(row, x, w, cell, dr_attr(a, THM_warn));
		x += w;
	}
	int sattr = dr_attr(a, THM_status);
	dr_fill(LINES - 1, 0, COLS, sattr);
	if (a->msg[0] != '\0' && app_mono_ms() < a->msg_until_ms)
		dr_text(LINES - 1, 1, COLS - 2, a->msg, sattr | (a->msg_level == MSG_ERROR ? dr_attr(a, THM_error) : 0));
	else
		dr_textf(LINES - 1, 1, COLS - 2, sattr,
		         "read-only wallboard%s; resync every %ds; q quits, ? keys",
		         a->mask ? ", names masked" : "", a->o->resync_s);
	if (a->help)
		help_draw(a);
}
