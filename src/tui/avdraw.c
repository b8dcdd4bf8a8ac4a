/* avdraw.c - drawing of and movement in the alert view's four panes:
 * tree, timeline (timeline.c draws), report preview, attributes. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#include "core/sanitize.h"
#include "tui/tui.h"

/* Lines wrapped to the pane's width (by display columns; continuation
 * lines indented) into dst, which is rebuilt only when the width (or
 * *key, e.g. the language) changes. */
static struct av_lines *wrapped(const struct av_lines *src, struct av_lines *dst, int *dst_w,
                                int *dst_key, int key, int w)
{
	if (*dst_w == w && *dst_key == key && dst->n > 0)
		return dst;
	av_lines_free(dst);
	*dst_w = w;
	*dst_key = key;
	for (size_t i = 0; i < src->n; i++) {
		const char *s = src->v[i];
		int first = 1;
		do {
			int avail = first ? w : w - 4;
			/* san_fit stops at the pane's width: measuring the whole rest
			 * first made a 100 KB line quadratic (seconds frozen) */
			size_t n = san_fit(s, avail);
			if (n == 0)
				n = strlen(s);   /* a character wider than the pane */
			char *piece = strndup(s, n);
			char *line = NULL;
			if (piece != NULL && asprintf(&line, "%s%s", first ? "" : "    ", piece) >= 0)
				av_lines_add(dst, line);
			free(line);
			free(piece);
			s += n;
			first = 0;
		} while (*s != '\0');
	}
	return dst;
}

static struct av_lines *rep_lines(struct av_pane *p, int w)
{
	int lang = p->lang_en ? 1 : 0;
	return wrapped(&p->rep[lang], &p->rep_wrap, &p->rep_wrap_w, &p->rep_wrap_lang, lang, w);
}

static struct av_lines *attr_lines(struct av_pane *p, int w)
{
	int unused = 0;
	return wrapped(&p->attrs, &p->attr_wrap, &p->attr_wrap_w, &unused, 0, w);
}

static const char *const sub_names[AV_SUBCOUNT] = {"Tree", "Timeline", "Report", "Attributes"};

static void tabs(struct app *a, int y)
{
	struct av_pane *p = &a->av;
	dr_fill(y, 0, COLS, dr_attr(a, THM_header));
	int x = 1;
	for (int i = 0; i < AV_SUBCOUNT; i++) {
		int attr = i == (int)p->sub ? dr_attr(a, THM_cursor) : dr_attr(a, THM_header);
		x += dr_textf(y, x, COLS - x, attr, " %s ", sub_names[i]);
		x++;
	}
	const char *st = p->loading ? "loading evidence..." : p->err != NULL ? p->err : "";
	if (!p->loading && p->err == NULL && p->sub == AV_REPORT)
		st = p->lang_en ? "English (L: 日本語)" : "日本語 (L: English)";
	if (!p->loading && p->err == NULL && p->sub == AV_TIMELINE)
		st = tl_item_name(p->tl_item, 1);
	dr_text(y, x + 1, COLS - x - 2, st,
	        p->err != NULL ? dr_attr(a, THM_error) : dr_attr(a, THM_header));
}

static void tree_row(struct app *a, void *ctx, size_t i, int y, int x, int w, int sel)
{
	struct av_pane *p = ctx;
	struct av_row *r = &p->rows[i];
	int base = sel ? dr_attr(a, THM_cursor) : dr_attr(a, THM_normal);
	dr_fill(y, x, w, base);
	int ind = r->depth * 2;
	if (ind > w / 3)
		ind = w / 3;
	const char *glyph;
	int attr = base;
	switch (r->kind) {
	case AVK_HEAD:
		glyph = "";
		attr = sel ? base : dr_attr(a, THM_header);
		ind = 0;
		break;
	case AVK_EXEC:
		glyph = a->ascii ? "> " : "\xe2\x96\xb6 ";
		attr = sel ? base | dr_attr(a, THM_detected) : dr_attr(a, THM_detected);
		break;
	case AVK_ANC:
		glyph = r->depth == 0 ? "" : (a->ascii ? "`- " : "\xe2\x94\x94\xe2\x94\x80 ");
		attr = sel ? base : dr_attr(a, THM_dim) | dr_attr(a, THM_normal);
		break;
	case AVK_DESC:
		glyph = a->ascii ? "`- " : "\xe2\x94\x94\xe2\x94\x80 ";
		break;
	case AVK_ORIGIN:
		glyph = a->ascii ? "<- " : "\xe2\x86\xb3 ";
		break;
	default:
		glyph = "";
		break;
	}
	int cx = x + 1 + ind;
	if (r->has_kids)
		cx += dr_text(y, cx, 2, r->folded ? (a->ascii ? "+" : "\xe2\x96\xb8")
		                                  : (a->ascii ? "-" : "\xe2\x96\xbe"), attr);
	cx += dr_text(y, cx, x + w - cx, glyph, attr);
	dr_text(y, cx, x + w - cx, r->text, attr);
}

static void line_row(struct app *a, void *ctx, size_t i, int y, int x, int w, int sel)
{
	struct av_lines *l = ctx;
	int base = sel ? dr_attr(a, THM_cursor) : dr_attr(a, THM_normal);
	const char *s = l->v[i];
	if (!sel && s[0] == '#')
		base = dr_attr(a, THM_header);
	else if (!sel && strstr(s, "CONFLICT") != NULL)
		base = dr_attr(a, THM_warn);
	dr_fill(y, x, w, base);
	dr_text(y, x + 1, w - 1, s, base);
}

void av_draw(struct app *a, int y, int h)
{
	struct av_pane *p = &a->av;
	struct alert *al = as_get(&a->as, p->alert_id);
	int hd = dr_attr(a, THM_header);
	dr_fill(y, 0, COLS, hd);
	if (al != NULL) {
		char v = as_verdict(al);
		/* state, verdict and escalation before the path: a long path
		 * is cut at the right edge, they are not */
		dr_textf(y, 0, COLS, hd, " #%lld %s  [%s%s]%s%s  %s", (long long)al->id, al->host,
		         al->state, al->escalated ? ", ^escalated" : "", v ? " verdict " : "",
		         v == 'b' ? "B black" : v == 'g' ? "G gray" : v == 'w' ? "W white" : "",
		         al->path);
	} else {
		dr_textf(y, 0, COLS, hd, " #%lld (no longer open)", (long long)p->alert_id);
	}
	clk_draw_line(a, y + 1, al);
	tabs(a, y + 2);
	int cy = y + 3, ch = h - 3;
	if (p->report != NULL && p->rows_lang != p->lang_en)
		av_build_rows(a);
	switch (p->sub) {
	case AV_TREE:
		if (p->nrows == 0)
			dr_text(cy + 1, 2, COLS - 2, p->loading ? "loading the process tree..." : "no evidence",
			        dr_attr(a, THM_dim));
		else
			lw_draw(a, &p->tree_lw, cy, 0, ch, COLS, p->nrows, tree_row, p);
		break;
	case AV_TIMELINE:
		tl_draw(a, cy, ch);
		break;
	case AV_REPORT: {
		struct av_lines *l = rep_lines(p, COLS - 2);
		if (l->n == 0)
			dr_text(cy + 1, 2, COLS - 2, p->loading ? "building the report..." : "no report",
			        dr_attr(a, THM_dim));
		else
			lw_draw(a, &p->rep_lw, cy, 0, ch, COLS, l->n, line_row, l);
		break;
	}
	case AV_ATTRS:
	default:
		if (p->attrs.n == 0) {
			dr_text(cy + 1, 2, COLS - 2, "loading...", dr_attr(a, THM_dim));
		} else {
			struct av_lines *l = attr_lines(p, COLS - 2);
			lw_draw(a, &p->attr_lw, cy, 0, ch, COLS, l->n, line_row, l);
		}
		break;
	}
}

void av_move(struct app *a, int delta)
{
	struct av_pane *p = &a->av;
	switch (p->sub) {
	case AV_TREE:
		lw_move(&p->tree_lw, delta, p->nrows, NULL, NULL);
		break;
	case AV_TIMELINE:
		tl_move(a, delta);
		break;
	case AV_REPORT:
		lw_move(&p->rep_lw, delta, rep_lines(p, COLS - 2)->n, NULL, NULL);
		break;
	default:
		lw_move(&p->attr_lw, delta, attr_lines(p, COLS - 2)->n, NULL, NULL);
		break;
	}
}

void av_enter(struct app *a)
{
	struct av_pane *p = &a->av;
	if (p->sub != AV_TREE || p->tree_lw.cur >= p->nrows)
		return;
	struct av_row *r = &p->rows[p->tree_lw.cur];
	if (r->key == 0 && r->pid <= 0) {
		app_msg(a, MSG_INFO, "not a process: Enter on a process shows its events");
		return;
	}
	/* all the events of that one process: other filters are cleared */
	p->tl_key = r->key;
	p->tl_pid = r->pid;
	p->tl_item = 0;
	free(p->tl_re);
	p->tl_re = NULL;
	p->sub = AV_TIMELINE;
	tl_reload(a);
}

void av_fold(struct app *a)
{
	struct av_pane *p = &a->av;
	if (p->sub != AV_TREE || p->tree_lw.cur >= p->nrows)
		return;
	struct av_row *r = &p->rows[p->tree_lw.cur];
	if (!r->has_kids)
		return;
	int64_t f = r->key ^ (r->pid << 40);
	for (size_t i = 0; i < p->nfolded; i++)
		if (p->folded[i] == f) {
			p->folded[i] = p->folded[--p->nfolded];
			av_build_rows(a);
			return;
		}
	int64_t *nf = realloc(p->folded, (p->nfolded + 1) * sizeof *nf);
	if (nf == NULL)
		return;
	p->folded = nf;
	p->folded[p->nfolded++] = f;
	av_build_rows(a);
}

void av_next_item(struct app *a)
{
	struct av_pane *p = &a->av;
	p->tl_item = (p->tl_item + 1) % 9;
	if (p->tl_item == 0)
		p->tl_key = p->tl_pid = 0;   /* back to all: the whole endpoint */
	p->sub = AV_TIMELINE;
	tl_reload(a);
}

void av_set_regex(struct app *a, const char *re)
{
	struct av_pane *p = &a->av;
	if (re != NULL && re[0] != '\0') {
		/* compiled here only to refuse a bad pattern at once, with PCRE2's
		 * message and offset; the filter in force stays. The worker
		 * compiles its own copy (evworker.c). */
		char err[200];
		pcre2_code *code = q_re_compile(re, err, sizeof err);
		if (code == NULL) {
			app_msg(a, MSG_ERROR, "timeline filter: %s", err);
			return;
		}
		pcre2_code_free(code);
	}
	free(p->tl_re);
	p->tl_re = re != NULL && re[0] != '\0' ? strdup(re) : NULL;
	p->sub = AV_TIMELINE;
	tl_reload(a);
}
