/* timeline.c - the event timeline of the alert's endpoint over the 7-day
 * lookback, paged by keyset (ts, id), 200 rows a page, never the
 * whole window at once (DESIGN.md "Measured"). Filters: the report item
 * (event kinds), a regex (PostgreSQL ~*, case-insensitive, over image,
 * target, details, address and command line) and one process (Enter on a
 * tree node). Events of the detected process and its descendants are
 * highlighted. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/sla.h"
#include "tui/tui.h"

#define TL_PAGE 200

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
	memset(&p->tl_lw, 0, sizeof p->tl_lw);
}

static int in_subtree(const struct av_pane *p, int64_t key, int64_t pid)
{
	for (size_t i = 0; i < p->nsub; i++)
		if (p->sub_keys[i] == key && p->sub_pids[i] == pid)
			return 1;
	return 0;
}

static void on_page(struct app *a, PGresult *r, const char *err, int64_t gen)
{
	struct av_pane *p = &a->av;
	if ((unsigned)gen != p->tl_gen)
		return;
	p->tl_loading = 0;
	a->dirty = 1;
	if (err != NULL) {
		app_msg(a, MSG_ERROR, "timeline: %s", err);
		return;
	}
	int n = PQntuples(r);
	if (p->ntl + (size_t)n > p->captl) {
		size_t nc = (p->ntl + (size_t)n) * 2;
		struct tl_row *nv = realloc(p->tl, nc * sizeof *nv);
		if (nv == NULL)
			return;
		p->tl = nv;
		p->captl = nc;
	}
	for (int i = 0; i < n; i++) {
		struct tl_row *t = &p->tl[p->ntl++];
		t->id = strtoll(PQgetvalue(r, i, 0), NULL, 10);
		t->ts = strtoll(PQgetvalue(r, i, 1), NULL, 10);
		snprintf(t->kind, sizeof t->kind, "%s", PQgetvalue(r, i, 2));
		t->key = strtoll(PQgetvalue(r, i, 3), NULL, 10);
		t->pid = strtoll(PQgetvalue(r, i, 4), NULL, 10);
		t->text = dr_clean(PQgetvalue(r, i, 5));
		t->hl = in_subtree(p, t->key, t->pid);
		p->tl_last_ts = t->ts;
		p->tl_last_id = t->id;
	}
	p->tl_more = n == TL_PAGE;
}

static void fetch(struct app *a)
{
	struct av_pane *p = &a->av;
	if (p->endpoint_id == 0 || p->tl_loading)
		return;
	char ep[24], from[24], to[24], lts[24], lid[24], key[24], pid[24];
	snprintf(ep, sizeof ep, "%lld", (long long)p->endpoint_id);
	snprintf(from, sizeof from, "%lld", (long long)sla_lookback_start(p->detected));
	snprintf(to, sizeof to, "%lld", (long long)(p->detected + CAL_US_PER_DAY));
	snprintf(lts, sizeof lts, "%lld", (long long)(p->ntl ? p->tl_last_ts : sla_lookback_start(p->detected) - 1));
	snprintf(lid, sizeof lid, "%lld", (long long)(p->ntl ? p->tl_last_id : -1));
	snprintf(key, sizeof key, "%lld", (long long)p->tl_key);
	snprintf(pid, sizeof pid, "%lld", (long long)p->tl_pid);
	const char *params[9] = {ep, from, to, lts, lid, items[p->tl_item].kinds, p->tl_re,
	                         p->tl_key != 0 || p->tl_pid != 0 ? key : NULL,
	                         p->tl_key != 0 || p->tl_pid != 0 ? pid : NULL};
	static const char sql[] =
		"SELECT id, (extract(epoch from ts)*1000000)::int8, kind::text,"
		" coalesce(proc_key,0), coalesce(pid,-1), txt FROM ("
		" SELECT id, ts, kind, proc_key, pid, concat_ws(' ', image,"
		"  '[' || pid || ']', target, details,"
		"  remote_ip || ':' || remote_port, cmdline) AS txt"
		" FROM event WHERE endpoint_id = $1"
		" AND ts >= timestamptz 'epoch' + $2::int8 * interval '1 microsecond'"
		" AND ts <= timestamptz 'epoch' + $3::int8 * interval '1 microsecond'"
		" AND (ts, id) > (timestamptz 'epoch' + $4::int8 * interval '1 microsecond', $5::int8)"
		" AND ($6::text[] IS NULL OR kind::text = ANY($6::text[]))"
		" AND ($8::int8 IS NULL OR (proc_key = $8::int8 AND pid = $9::int8))"
		" ORDER BY ts, id) e"
		" WHERE ($7::text IS NULL OR txt ~* $7::text)"
		" ORDER BY ts, id LIMIT 200";
	if (pgc_query(a->db, sql, 9, params, on_page, p->tl_gen) == 0)
		p->tl_loading = 1;
}

void tl_reload(struct app *a)
{
	struct av_pane *p = &a->av;
	tl_free(p);
	p->tl_gen++;
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
	dr_textf(y, 1, COLS - 2, hd, "%s%s%s%s%s  %zu%s events (UTC; highlighted: the detected process and its descendants)",
	         tl_item_name(p->tl_item, p->lang_en), p->tl_re ? "  /" : "", p->tl_re ? p->tl_re : "",
	         p->tl_re ? "/" : "", p->tl_key || p->tl_pid ? "  one process" : "", p->ntl,
	         p->tl_more ? "+" : "");
	if (p->ntl == 0) {
		dr_text(y + 2, 2, COLS - 2, p->tl_loading ? "loading events..." : "no events match",
		        dr_attr(a, THM_dim));
		return;
	}
	lw_draw(a, &p->tl_lw, y + 1, 0, h - 1, COLS, p->ntl, tl_row_draw, p);
}
