/* alertview.c - one alert: the process tree (ancestors pinned above the
 * detected execution, folding descendants, the file's origin chain, hash
 * pivots), the report preview (ja/en) and the attributes with their
 * conflicts, all from the shared report model (core/report.h) built from
 * the shared evidence loader (db/evidence.h: the lookback window of R-11)
 * on the worker thread of evworker.c: the preview is what the daemon
 * publishes. The timeline is timeline.c.
 *
 * Requests carry the pane's generation: an answer for an alert the analyst
 * already left is dropped.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/report.h"
#include "core/sla.h"
#include "tui/tui.h"

void av_lines_add(struct av_lines *l, const char *s)
{
	if (l->n == l->cap) {
		size_t nc = l->cap ? l->cap * 2 : 64;
		char **nv = realloc(l->v, nc * sizeof *nv);
		if (nv == NULL)
			return;
		l->v = nv;
		l->cap = nc;
	}
	l->v[l->n++] = strdup(s);
}

void av_lines_free(struct av_lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof *l);
}

static void rows_clear(struct av_pane *p)
{
	for (size_t i = 0; i < p->nrows; i++)
		free(p->rows[i].text);
	p->nrows = 0;
}

static void evidence_clear(struct av_pane *p)
{
	rows_clear(p);
	if (p->report != NULL)
		report_free(p->report);
	p->report = NULL;
	p->nevents = 0;
	av_lines_free(&p->rep[0]);
	av_lines_free(&p->rep[1]);
	av_lines_free(&p->rep_wrap);
	p->rep_wrap_w = 0;
	av_lines_free(&p->attrs);
	av_lines_free(&p->attr_wrap);
	p->attr_wrap_w = 0;
	free(p->sub_keys);
	free(p->sub_pids);
	p->sub_keys = p->sub_pids = NULL;
	p->nsub = 0;
	free(p->pivot);
	p->pivot = NULL;
	free(p->err);
	p->err = NULL;
	free(p->raw_tenant);
	free(p->raw_host);
	free(p->raw_path);
	free(p->raw_sha);
	free(p->raw_det);
	free(p->raw_action);
	p->raw_tenant = p->raw_host = p->raw_path = p->raw_sha = p->raw_det = p->raw_action = NULL;
}

void av_free(struct av_pane *p)
{
	evidence_clear(p);
	free(p->rows);
	free(p->folded);
	tl_free(p);
	free(p->tl_re);
	memset(p, 0, sizeof *p);
}

static void add_row(struct av_pane *p, enum av_kind k, int depth, int64_t key, int64_t pid,
                    const char *text)
{
	if (p->nrows == p->caprows) {
		size_t nc = p->caprows ? p->caprows * 2 : 64;
		struct av_row *nr = realloc(p->rows, nc * sizeof *nr);
		if (nr == NULL)
			return;
		p->rows = nr;
		p->caprows = nc;
	}
	p->rows[p->nrows++] = (struct av_row){k, depth, key, pid, 0, 0, strdup(text)};
}

static int64_t fold_id(int64_t key, int64_t pid)
{
	return key ^ (pid << 40);
}

static int is_folded(const struct av_pane *p, int64_t key, int64_t pid)
{
	int64_t f = fold_id(key, pid);
	for (size_t i = 0; i < p->nfolded; i++)
		if (p->folded[i] == f)
			return 1;
	return 0;
}

static const char *base_name(const char *path)
{
	if (path == NULL)
		return "?";
	const char *s = strrchr(path, '\\');
	const char *f = strrchr(path, '/');
	if (f != NULL && (s == NULL || f > s))
		s = f;
	return s != NULL ? s + 1 : path;
}

static void fmt_time(int64_t us, char *buf, size_t len)
{
	if (us == RP_NONE || us == 0) {
		snprintf(buf, len, "--");
		return;
	}
	time_t t = (time_t)(us / 1000000);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, len, "%m-%d %H:%M:%SZ", &tm);
}

static void proc_text(const struct rp_proc *pr, char *buf, size_t len)
{
	char pid[24] = "";
	if (pr->pid >= 0)
		snprintf(pid, sizeof pid, " [%lld]", (long long)pr->pid);
	snprintf(buf, len, "%s%s%s%s%s", base_name(pr->image), pid,
	         pr->parent_only ? " (named by its child only)" : "",
	         pr->cmdline != NULL ? "  " : "", pr->cmdline != NULL ? pr->cmdline : "");
}

static void sub_add(struct av_pane *p, int64_t key, int64_t pid)
{
	int64_t *nk = realloc(p->sub_keys, (p->nsub + 1) * sizeof *nk);
	if (nk == NULL)
		return;
	p->sub_keys = nk;
	int64_t *np = realloc(p->sub_pids, (p->nsub + 1) * sizeof *np);
	if (np == NULL)
		return;
	p->sub_pids = np;
	p->sub_keys[p->nsub] = key;
	p->sub_pids[p->nsub++] = pid;
}

/* Flatten the report into the tree pane's rows (honouring folds). */
void av_build_rows(struct app *a)
{
	struct av_pane *p = &a->av;
	const struct report *r = p->report;
	int en = p->lang_en;
	char buf[1200], t[40];
	rows_clear(p);
	p->nsub = 0;
	p->rows_lang = en;
	if (r == NULL)
		return;
	if (r->n_exec == 0)
		add_row(p, AVK_HEAD, 0, 0, 0, en ? "the detected file was not seen running"
		                                 : "検知ファイルの実行は記録されていません");
	for (size_t e = 0; e < r->n_exec && e < 8; e++) {
		const struct rp_exec *x = &r->exec[e];
		static const char *const via[] = {"process start", "same SHA-256", "command line",
		                                  "image load"};
		snprintf(buf, sizeof buf, "%s %zu (%s)", en ? "execution" : "実行", e + 1,
		         via[x->via]);
		add_row(p, AVK_HEAD, 0, 0, 0, buf);
		for (size_t i = 0; i < x->n_anc; i++) {
			proc_text(&x->anc[i], buf, sizeof buf);
			add_row(p, AVK_ANC, (int)i, ev_guid_prefix(x->anc[i].guid), x->anc[i].pid, buf);
		}
		int d0 = (int)x->n_anc;
		int64_t ek = ev_guid_prefix(x->proc.guid);
		proc_text(&x->proc, buf, sizeof buf);
		add_row(p, AVK_EXEC, d0, ek, x->proc.pid, buf);
		sub_add(p, ek, x->proc.pid);
		p->rows[p->nrows - 1].has_kids = x->n_desc > 0;
		p->rows[p->nrows - 1].folded = is_folded(p, ek, x->proc.pid);
		int hide_below = p->rows[p->nrows - 1].folded ? d0 : -1;
		for (size_t i = 0; i < x->n_desc; i++) {
			const struct rp_proc *dp = &x->desc[i];
			int64_t k = ev_guid_prefix(dp->guid);
			sub_add(p, k, dp->pid);
			int depth = d0 + dp->depth;
			if (hide_below >= 0 && depth > hide_below)
				continue;
			hide_below = -1;
			proc_text(dp, buf, sizeof buf);
			add_row(p, AVK_DESC, depth, k, dp->pid, buf);
			struct av_row *row = &p->rows[p->nrows - 1];
			row->has_kids = i + 1 < x->n_desc && x->desc[i + 1].depth > dp->depth;
			row->folded = row->has_kids && is_folded(p, k, dp->pid);
			if (row->folded)
				hide_below = depth;
		}
	}
	add_row(p, AVK_HEAD, 0, 0, 0, en ? "origin: how the file was created" : "ファイルの生成経緯");
	if (r->n_origin == 0)
		add_row(p, AVK_TEXT, 1, 0, 0, en ? "no event created or wrote the file in the lookback window"
		                                 : "ルックバック期間内にファイルを作成・書き込みしたイベントはありません");
	for (size_t o = 0; o < r->n_origin && o < 8; o++) {
		const struct rp_origin *g = &r->origin[o];
		fmt_time(g->ts, t, sizeof t);
		char who[600];
		proc_text(&g->proc, who, sizeof who);
		snprintf(buf, sizeof buf, "%s %s by %s%s", t, ev_kind_name(g->kind), who,
		         g->by_hash ? "  (same SHA-256, other path)" : "");
		add_row(p, AVK_ORIGIN, 1, ev_guid_prefix(g->proc.guid), g->proc.pid, buf);
		if (g->by_hash) {
			snprintf(buf, sizeof buf, "path %s", g->path != NULL ? g->path : "?");
			add_row(p, AVK_TEXT, 2, 0, 0, buf);
		}
		if (g->n_anc > 0) {
			size_t off = 0;
			off += (size_t)snprintf(buf, sizeof buf, "%s", en ? "writer's ancestors: " : "書き込み元の祖先: ");
			for (size_t i = g->n_anc; i-- > 0 && off < sizeof buf - 64;)
				off += (size_t)snprintf(buf + off, sizeof buf - off, "%s%s",
				                        i + 1 < g->n_anc ? (a->ascii ? " < " : " \xe2\x86\x90 ") : "",
				                        base_name(g->anc[i].image));
			add_row(p, AVK_TEXT, 2, 0, 0, buf);
		}
		if (g->url != NULL || g->zone != NULL) {
			snprintf(buf, sizeof buf, "Zone.Identifier: ZoneId=%s HostUrl=%s",
			         g->zone != NULL ? g->zone : "-", g->url != NULL ? g->url : "-");
			add_row(p, AVK_TEXT, 2, 0, 0, buf);
		}
	}
	add_row(p, AVK_HEAD, 0, 0, 0, en ? "hash pivots" : "ハッシュピボット");
	snprintf(buf, sizeof buf, "sha256 %s", p->raw_sha != NULL && p->raw_sha[0] ? p->raw_sha : "-");
	char *clean = dr_clean(buf);
	add_row(p, AVK_TEXT, 1, 0, 0, clean);
	free(clean);
	add_row(p, AVK_TEXT, 1, 0, 0, p->pivot != NULL ? p->pivot : "...");
	if (r->n_notes > 0) {
		add_row(p, AVK_HEAD, 0, 0, 0, en ? "notes" : "注記");
		for (size_t i = 0; i < r->n_notes && i < 20; i++)
			add_row(p, AVK_TEXT, 1, 0, 0, en ? r->notes[i].en : r->notes[i].ja);
	}
}

static void split_lines(struct av_lines *l, const char *text)
{
	const char *s = text;
	while (s != NULL && *s != '\0') {
		const char *e = strchr(s, '\n');
		size_t n = e != NULL ? (size_t)(e - s) : strlen(s);
		char *line = strndup(s, n);
		if (line != NULL) {
			av_lines_add(l, line);
			free(line);
		}
		s = e != NULL ? e + 1 : NULL;
	}
}

static void build_attrs(struct app *a)
{
	struct av_pane *p = &a->av;
	const struct report *r = p->report;
	struct alert *al = as_get(&a->as, p->alert_id);
	char buf[1200];
	av_lines_free(&p->attrs);
	av_lines_free(&p->attr_wrap);
	p->attr_wrap_w = 0;
	if (al != NULL) {
		snprintf(buf, sizeof buf, "alert #%lld  tenant %s  host %s", (long long)al->id,
		         al->tenant, al->host);
		av_lines_add(&p->attrs, buf);
		snprintf(buf, sizeof buf, "path        %s", al->path);
		av_lines_add(&p->attrs, buf);
		snprintf(buf, sizeof buf, "detection   %s  action %s", al->detection, al->action);
		av_lines_add(&p->attrs, buf);
		char d1[40], d2[40];
		fmt_time(al->detected, d1, sizeof d1);
		fmt_time(al->received, d2, sizeof d2);
		snprintf(buf, sizeof buf, "detected    %s  received %s", d1, d2);
		av_lines_add(&p->attrs, buf);
		snprintf(buf, sizeof buf, "state       %s  claimed by %s  endpoint isolation %s",
		         al->state, al->claimed_by[0] ? al->claimed_by : "-", al->isolation);
		av_lines_add(&p->attrs, buf);
		av_lines_add(&p->attrs, "");
	}
	if (r == NULL)
		return;
	av_lines_add(&p->attrs, "file attributes (from the logs and the alert):");
	int conflicts = 0;
	for (int f = 0; f < RP_ATTR_COUNT; f++) {
		const struct rp_attr *at = &r->attr[f];
		snprintf(buf, sizeof buf, "  %-18s %s", report_attr_name((enum rp_attr_field)f),
		         at->value != NULL ? at->value : "-");
		av_lines_add(&p->attrs, buf);
		if (at->n_vals > 1) {
			conflicts++;
			for (size_t i = 0; i < at->n_vals; i++) {
				snprintf(buf, sizeof buf, "    %s CONFLICT %s  (%s)", a->ascii ? "!" : "\xe2\x9c\x97",
				         at->vals[i].value, at->vals[i].source);
				av_lines_add(&p->attrs, buf);
			}
		}
	}
	snprintf(buf, sizeof buf, "%d conflicting attribute%s; %zu events in the lookback window",
	         conflicts, conflicts == 1 ? "" : "s", p->nevents);
	av_lines_add(&p->attrs, "");
	av_lines_add(&p->attrs, buf);
}

static void on_pivot(struct app *a, PGresult *res, const char *err, int64_t gen)
{
	struct av_pane *p = &a->av;
	if ((unsigned)gen != p->gen || err != NULL || PQntuples(res) == 0)
		return;
	char buf[256];
	snprintf(buf, sizeof buf, "same SHA-256: %s alerts on %s endpoints; %s events on %s endpoints",
	         PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2),
	         PQgetvalue(res, 0, 3));
	free(p->pivot);
	p->pivot = strdup(buf);
	if (p->report != NULL)
		av_build_rows(a);
	a->dirty = 1;
}

void av_evidence(struct app *a, struct evw_result *r)
{
	struct av_pane *p = &a->av;
	if (r == NULL)
		return;
	if (r->tl != NULL) {   /* a timeline page (timeline.c) */
		tl_page(a, r);
		return;
	}
	if (r->gen != p->gen || r->alert_id != p->alert_id || a->view != VIEW_ALERT) {
		evw_result_free(r);
		return;
	}
	p->loading = 0;
	a->dirty = 1;
	if (r->err != NULL) {
		p->err = dr_clean(r->err);
		evw_result_free(r);
		return;
	}
	p->raw_tenant = r->tenant;
	p->raw_host = r->host;
	p->raw_path = r->path;
	p->raw_sha = r->sha256;
	p->raw_det = r->detection;
	p->raw_action = r->action;
	r->tenant = r->host = r->path = r->sha256 = r->detection = r->action = NULL;
	p->endpoint_id = r->endpoint_id;
	p->detected = r->detected;
	p->received = r->received;
	p->nevents = r->nevents;
	p->report = r->report;
	r->report = NULL;
	split_lines(&p->rep[0], r->md_ja);
	split_lines(&p->rep[1], r->md_en);
	evw_result_free(r);
	av_build_rows(a);
	build_attrs(a);
	/* the cursor starts on the detected execution */
	for (size_t i = 0; i < p->nrows; i++)
		if (p->rows[i].kind == AVK_EXEC) {
			p->tree_lw.cur = i;
			p->tree_lw.cur_id = (int64_t)i;
			break;
		}
	tl_reload(a);
	if (p->raw_sha[0] != '\0') {
		const char *pp[1] = {p->raw_sha};
		pgc_query(a->db, "SELECT (SELECT count(*) FROM alert WHERE sha256 = $1),"
		          " (SELECT count(DISTINCT endpoint_id) FROM alert WHERE sha256 = $1),"
		          " (SELECT count(*) FROM event WHERE sha256 = $1),"
		          " (SELECT count(DISTINCT endpoint_id) FROM event WHERE sha256 = $1)",
		          1, pp, on_pivot, p->gen);
	}
}

void av_open(struct app *a, int64_t alert_id)
{
	struct av_pane *p = &a->av;
	evidence_clear(p);
	tl_free(p);
	p->alert_id = alert_id;
	p->gen++;
	p->loading = 1;
	p->sub = AV_TREE;
	p->tl_key = p->tl_pid = 0;
	p->tl_item = 0;
	memset(&p->tree_lw, 0, sizeof p->tree_lw);
	memset(&p->rep_lw, 0, sizeof p->rep_lw);
	memset(&p->attr_lw, 0, sizeof p->attr_lw);
	a->view = VIEW_ALERT;
	struct alert *al = as_get(&a->as, alert_id);
	if (al != NULL)
		al->isnew = 0;
	evw_request(alert_id, p->gen);
	a->dirty = 1;
}

void av_close(struct app *a)
{
	struct av_pane *p = &a->av;
	p->gen++;   /* answers still in flight are dropped */
	/* keep the queue cursor on the alert we leave */
	a->q.lw.cur_id = p->alert_id;
	q_rebuild(a);
}
