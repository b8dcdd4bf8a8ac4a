/* timeline.c - the event timeline of the alert's endpoint over the 7-day
 * lookback, paged by keyset (ts, id), 200 rows a page, never the
 * whole window at once (DESIGN.md "Measured"). Filters: the report item
 * (event kinds) and one process (Enter on a tree node) in the query, and a
 * PCRE2 pattern (the queue search's dialect: caseless, UTF) that the
 * evidence worker applies to the raw image, command line, user, target,
 * details and remote address of the window's events (evworker.c), so
 * typing never waits for a scan. Events of the detected process and its
 * descendants are highlighted. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/sla.h"
#include "tui/tui.h"

static const struct {
	const char *en, *ja, *kinds;
} items[9] = {
	{"all events", "全イベント", NULL},
	{"1 origin: file created/streamed", "1 ファイルの生成経緯", "{file_create,file_stream}"},
	{"2 process chain", "2 実行までのプロセス", "{process_start}"},
	{"3 processes started", "3 実行したプロセス", "{process_start,process_end}"},
	{"4 files written", "4 書き込まれたファイル", "{file_create,file_write,file_delete}"},
	{"5 registry", "5 編集されたレジストリ",
	 "{registry_set,registry_create,registry_delete,registry_rename}"},
	{"6 files read, images loaded", "6 読み込まれたファイル", "{file_read,image_load}"},
	{"7 network", "7 通信", "{net_connect,dns_query}"},
	{"8 file attributes (hashed)", "8 ファイル属性", "{process_start,image_load,file_create}"},
};

const char *tl_item_name(int item, int en)
{
	if (item < 0 || item > 8)
		item = 0;
	return en ? items[item].en : items[item].ja;
}

void tl_free(struct av_pane *p)
{
	for (size_t i = 0; i < p->ntl; i++)
		free(p->tl[i].text);
	free(p->tl);
	p->tl = NULL;
	p->ntl = p->captl = 0;
	p->tl_more = 0;
	p->tl_loading = 0;
	p->tl_last_ts = p->tl_last_id = 0;
	p->tl_gen++;   /* pages still coming are dropped */
	memset(&p->tl_lw, 0, sizeof p->tl_lw);
}

static int in_subtree(const struct av_pane *p, int64_t key, int64_t pid)
{
	for (size_t i = 0; i < p->nsub; i++)
		if (p->sub_keys[i] == key && p->sub_pids[i] == pid)
			return 1;
	return 0;
}

void tl_page(struct app *a, struct evw_result *r)
{
	struct av_pane *p = &a->av;
	struct tl_page *pg = r->tl;
	if (pg->gen != p->tl_gen || a->view != VIEW_ALERT) {
		evw_result_free(r);
		return;
	}
	p->tl_loading = 0;
	a->dirty = 1;
	if (r->err != NULL) {
		char *e = dr_clean(r->err);
		app_msg(a, MSG_ERROR, "timeline: %s", e);
		free(e);
		evw_result_free(r);
		return;
	}
	if (p->ntl + pg->n > p->captl) {
		size_t nc = (p->ntl + pg->n) * 2;
		struct tl_row *nv = realloc(p->tl, nc * sizeof *nv);
		if (nv == NULL) {
			evw_result_free(r);
			return;
		}
		p->tl = nv;
		p->captl = nc;
	}
	for (size_t i = 0; i < pg->n; i++) {
		struct tl_row *t = &p->tl[p->ntl++];
		*t = pg->rows[i];
		pg->rows[i].text = NULL;   /* moved */
		t->hl = in_subtree(p, t->key, t->pid);
	}
	p->tl_last_ts = pg->last_ts;
	p->tl_last_id = pg->last_id;
	p->tl_more = pg->more;
	evw_result_free(r);
}

static void fetch(struct app *a)
{
	struct av_pane *p = &a->av;
	if (p->endpoint_id == 0 || p->tl_loading)
		return;
	int64_t from = sla_lookback_start(p->detected);
	struct tl_req rq = {
		.gen = p->tl_gen,
		.endpoint_id = p->endpoint_id,
		.from_us = from,
		.to_us = p->detected + CAL_US_PER_DAY,
		.after_ts = p->tl_last_ts != 0 || p->tl_last_id != 0 ? p->tl_last_ts : from - 1,
		.after_id = p->tl_last_ts != 0 || p->tl_last_id != 0 ? p->tl_last_id : -1,
		.key = p->tl_key,
		.pid = p->tl_pid,
		.one_proc = p->tl_key != 0 || p->tl_pid != 0,
		.kinds = items[p->tl_item].kinds,
		.re = p->tl_re,
	};
	evw_timeline(&rq);
	p->tl_loading = 1;
}

void tl_reload(struct app *a)
{
	struct av_pane *p = &a->av;
	tl_free(p);
	fetch(a);
	a->dirty = 1;
}

void tl_more(struct app *a)
{
	if (a->av.tl_more)
		fetch(a);
}

void tl_move(struct app *a, int delta)
{
	struct av_pane *p = &a->av;
	lw_move(&p->tl_lw, delta, p->ntl, NULL, NULL);
	/* near the end of what is loaded: the next page */
	if (p->tl_more && p->tl_lw.cur + 50 >= p->ntl)
		tl_more(a);
}

static void tl_row_draw(struct app *a, void *ctx, size_t i, int y, int x, int w, int sel)
{
	struct av_pane *p = ctx;
	struct tl_row *t = &p->tl[i];
	int base = sel ? dr_attr(a, THM_cursor) : t->hl ? dr_attr(a, THM_match) | dr_attr(a, THM_detected)
	                                                  : dr_attr(a, THM_normal);
	dr_fill(y, x, w, base);
	time_t tt = (time_t)(t->ts / 1000000);
	struct tm tm;
	gmtime_r(&tt, &tm);
	char ts[32];
	strftime(ts, sizeof ts, "%m-%d %H:%M:%S", &tm);
	int cx = x + 1;
	cx += dr_text(y, cx, 15, ts, base) + 1;
	dr_text(y, cx, 14, t->kind, base);
	cx += 15;
	dr_text(y, cx, x + w - cx, t->text, base);
}

void tl_draw(struct app *a, int y, int h)
{
	struct av_pane *p = &a->av;
	int hd = dr_attr(a, THM_dim);
	dr_fill(y, 0, COLS, dr_attr(a, THM_normal));
	/* the pattern as typed, made safe for the terminal like any text */
	char *re = p->tl_re != NULL ? dr_clean(p->tl_re) : NULL;
	dr_textf(y, 1, COLS - 2, hd, "%s%s%s%s%s  %zu%s events (UTC; highlighted: the detected process and its descendants)",
	         tl_item_name(p->tl_item, p->lang_en), re ? "  /" : "", re ? re : "",
	         re ? "/" : "", p->tl_key || p->tl_pid ? "  one process" : "", p->ntl,
	         p->tl_more ? "+" : "");
	free(re);
	if (p->ntl == 0) {
		dr_text(y + 2, 2, COLS - 2,
		        !p->tl_loading ? "no events match" : p->tl_re != NULL ? "filtering events..."
		                                                          : "loading events...",
		        dr_attr(a, THM_dim));
		return;
	}
	lw_draw(a, &p->tl_lw, y + 1, 0, h - 1, COLS, p->ntl, tl_row_draw, p);
}
