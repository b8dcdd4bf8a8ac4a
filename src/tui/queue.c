/* queue.c - the alert queue pane: one row per alert, sorted by the nearest
 * deadline, duplicates folded "×N" under the first alert, filters, PCRE2
 * search, "+N new", freeze. Rows keep ids; the cursor follows its alert. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#include "tui/tui.h"

struct sortkey {
	int64_t due;
	int64_t id;
};

static int64_t row_id(void *ctx, size_t i)
{
	struct q_pane *q = ctx;
	return i < q->n ? q->rows[i].id : 0;
}

int q_is_unfolded(const struct q_pane *q, int64_t id)
{
	for (size_t i = 0; i < q->nunfolded; i++)
		if (q->unfolded[i] == id)
			return 1;
	return 0;
}

static int matches(const struct q_pane *q, const struct alert *al)
{
	if (q->f_tenant != NULL && strcmp(q->f_tenant, al->tenant) != 0)
		return 0;
	if (q->f_state != NULL && strcmp(q->f_state, al->state) != 0)
		return 0;
	if (q->f_verdict != 0 && as_verdict(al) != q->f_verdict &&
	    !(q->f_verdict == '-' && as_verdict(al) == 0))
		return 0;
	return 1;
}

static int re_match(const struct q_pane *q, const struct alert *al)
{
	if (q->re == NULL)
		return 0;
	const char *fields[3] = {al->host, al->path, al->detection};
	pcre2_match_data *md = pcre2_match_data_create(4, NULL);
	int hit = 0;
	for (int i = 0; i < 3 && !hit && md != NULL; i++)
		hit = pcre2_match(q->re, (PCRE2_SPTR)fields[i], PCRE2_ZERO_TERMINATED, 0, 0,
		                  md, NULL) >= 0;
	pcre2_match_data_free(md);
	return hit;
}

static int cmp_key(const void *x, const void *y)
{
	const struct sortkey *a = x, *b = y;
	/* alerts without a running clock go last */
	int64_t da = a->due != 0 ? a->due : INT64_MAX;
	int64_t db = b->due != 0 ? b->due : INT64_MAX;
	if (da != db)
		return da < db ? -1 : 1;
	return a->id < b->id ? -1 : a->id > b->id;
}

static void push_row(struct q_pane *q, int64_t id, int depth)
{
	if (q->n == q->cap) {
		size_t nc = q->cap ? q->cap * 2 : 256;
		struct q_row *nr = realloc(q->rows, nc * sizeof *nr);
		if (nr == NULL)
			return;
		q->rows = nr;
		q->cap = nc;
	}
	q->rows[q->n++] = (struct q_row){id, depth};
}

void q_rebuild(struct app *a)
{
	struct q_pane *q = &a->q;
	struct astore *s = &a->as;
	q->stale = 0;   /* frozen too: thawing rebuilds */
	if (q->frozen && q->n > 0)
		return;
	q->rebuilt_ms = app_mono_ms();
	struct sortkey *keys = malloc((s->n + 1) * sizeof *keys);
	if (keys == NULL)
		return;
	size_t nk = 0;
	int nnew = 0;
	for (size_t i = 0; i < s->n; i++) {
		struct alert *al = s->v[i];
		al->ndups = 0;
	}
	for (size_t i = 0; i < s->n; i++) {
		struct alert *al = s->v[i];
		struct alert *first = al->dup_of != 0 ? as_get(s, al->dup_of) : NULL;
		if (first != NULL && first != al) {
			first->ndups++;
			continue;
		}
		if (!matches(q, al))
			continue;
		if (al->isnew)
			nnew++;
		keys[nk++] = (struct sortkey){as_deadline(al, NULL), al->id};
	}
	qsort(keys, nk, sizeof *keys, cmp_key);
	int64_t *dues = realloc(q->dues, (nk + 1) * sizeof *dues);
	if (dues != NULL) {
		q->dues = dues;
		for (size_t i = 0; i < nk; i++)
			dues[i] = keys[i].due != 0 ? keys[i].due : INT64_MAX;
		q->ndues = nk;
	}
	q->n = 0;
	for (size_t i = 0; i < nk; i++) {
		push_row(q, keys[i].id, 0);
		struct alert *al = as_get(s, keys[i].id);
		if (al != NULL && al->ndups > 0 && q_is_unfolded(q, al->id)) {
			/* duplicates are few; a scan keeps the store simple */
			for (size_t j = 0; j < s->n; j++)
				if (s->v[j]->dup_of == al->id && s->v[j] != al)
					push_row(q, s->v[j]->id, 1);
		}
	}
	free(keys);
	q->nnew = nnew;
	lw_keep(&q->lw, q->n, row_id, q);
}

void q_touch(struct app *a)
{
	if (app_mono_ms() - a->q.rebuilt_ms >= 100)
		q_rebuild(a);
	else
		a->q.stale = 1;
}

struct alert *q_current(struct app *a)
{
	struct q_pane *q = &a->q;
	if (q->n == 0 || q->lw.cur >= q->n)
		return NULL;
	return as_get(&a->as, q->rows[q->lw.cur].id);
}

int64_t q_next_after(struct app *a, int64_t id)
{
	struct q_pane *q = &a->q;
	for (size_t i = 0; i < q->n; i++)
		if (q->rows[i].id == id) {
			for (size_t j = i + 1; j < q->n; j++)
				if (q->rows[j].depth == 0)
					return q->rows[j].id;
			break;
		}
	for (size_t j = 0; j < q->n; j++)
		if (q->rows[j].depth == 0 && q->rows[j].id != id)
			return q->rows[j].id;
	return 0;
}

void q_toggle_fold(struct app *a)
{
	struct q_pane *q = &a->q;
	struct alert *al = q_current(a);
	if (al == NULL)
		return;
	int64_t id = al->dup_of != 0 && as_get(&a->as, al->dup_of) ? al->dup_of : al->id;
	for (size_t i = 0; i < q->nunfolded; i++)
		if (q->unfolded[i] == id) {
			q->unfolded[i] = q->unfolded[--q->nunfolded];
			q->lw.cur_id = id;
			q_rebuild(a);
			return;
		}
	int64_t *nu = realloc(q->unfolded, (q->nunfolded + 1) * sizeof *nu);
	if (nu == NULL)
		return;
	q->unfolded = nu;
	q->unfolded[q->nunfolded++] = id;
	q_rebuild(a);
}

void *q_re_compile(const char *pat, char *err, size_t errlen)
{
	int ec;
	PCRE2_SIZE off;
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED,
	                               PCRE2_CASELESS | PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &ec,
	                               &off, NULL);
	if (re == NULL) {
		PCRE2_UCHAR msg[160];
		if (pcre2_get_error_message(ec, msg, sizeof msg) < 0)
			snprintf((char *)msg, sizeof msg, "error %d", ec);
		snprintf(err, errlen, "%s at offset %zu", (char *)msg, (size_t)off);
		return NULL;
	}
	/* as core/tuning.c: valgrind cannot follow JIT code (make check's
	 * valgrind pass sets ITRACE_PCRE2_JIT=0); the interpreter answers the
	 * same when JIT is off or unavailable */
	const char *jit = getenv("ITRACE_PCRE2_JIT");
	if (jit == NULL || strcmp(jit, "0") != 0)
		(void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
	return re;
}

int q_set_search(struct app *a, const char *pat, char *err, size_t errlen)
{
	struct q_pane *q = &a->q;
	if (q->re != NULL)
		pcre2_code_free(q->re);
	q->re = NULL;
	free(q->search);
	q->search = NULL;
	if (pat == NULL || pat[0] == '\0')
		return 0;
	char why[200];
	q->re = q_re_compile(pat, why, sizeof why);
	if (q->re == NULL) {
		snprintf(err, errlen, "search: %s", why);
		return -1;
	}
	q->search = strdup(pat);
	/* jump to the first match at or after the cursor */
	for (size_t k = 0; k < q->n; k++) {
		size_t i = (q->lw.cur + k) % q->n;
		struct alert *al = as_get(&a->as, q->rows[i].id);
		if (al != NULL && re_match(q, al)) {
			lw_move(&q->lw, (long)i - (long)q->lw.cur, q->n, row_id, q);
			return 0;
		}
	}
	snprintf(err, errlen, "search: no alert matches /%s/", pat);
	return 1;
}

void q_search_next(struct app *a)
{
	struct q_pane *q = &a->q;
	if (q->re == NULL || q->n == 0) {
		app_msg(a, MSG_INFO, "no search (press / first)");
		return;
	}
	for (size_t k = 1; k <= q->n; k++) {
		size_t i = (q->lw.cur + k) % q->n;
		struct alert *al = as_get(&a->as, q->rows[i].id);
		if (al != NULL && re_match(q, al)) {
			lw_move(&q->lw, (long)i - (long)q->lw.cur, q->n, row_id, q);
			return;
		}
	}
	app_msg(a, MSG_INFO, "no more matches for /%s/", q->search);
}

int q_set_filter(struct app *a, const char *spec, char *err, size_t errlen)
{
	struct q_pane *q = &a->q;
	char *tenant = NULL, *state = NULL;
	char verdict = 0;
	char *dup = strdup(spec != NULL ? spec : "");
	char *save = NULL;
	int rc = 0;
	for (char *t = strtok_r(dup, " \t", &save); t != NULL; t = strtok_r(NULL, " \t", &save)) {
		if (strncmp(t, "tenant=", 7) == 0 && t[7] != '\0') {
			free(tenant);
			tenant = strdup(t + 7);
		} else if (strncmp(t, "state=", 6) == 0 && t[6] != '\0') {
			free(state);
			state = strdup(t + 6);
		} else if (strncmp(t, "verdict=", 8) == 0) {
			const char *v = t + 8;
			verdict = (strcmp(v, "b") == 0 || strcmp(v, "black") == 0) ? 'b'
			        : (strcmp(v, "g") == 0 || strcmp(v, "gray") == 0) ? 'g'
			        : (strcmp(v, "w") == 0 || strcmp(v, "white") == 0) ? 'w'
			        : (strcmp(v, "-") == 0 || strcmp(v, "none") == 0) ? '-' : 0;
			if (verdict == 0) {
				snprintf(err, errlen, "filter: verdict is b, g, w or none");
				rc = -1;
			}
		} else {
			snprintf(err, errlen, "filter: \"%s\"? use tenant=NAME state=STATE verdict=b|g|w|none", t);
			rc = -1;
		}
	}
	free(dup);
	if (rc != 0) {
		free(tenant);
		free(state);
		return rc;
	}
	free(q->f_tenant);
	free(q->f_state);
	q->f_tenant = tenant;
	q->f_state = state;
	q->f_verdict = verdict;
	int frozen = q->frozen;
	q->frozen = 0;
	q_rebuild(a);
	q->frozen = frozen;
	return 0;
}

void q_free(struct q_pane *q)
{
	free(q->rows);
	free(q->f_tenant);
	free(q->f_state);
	free(q->search);
	if (q->re != NULL)
		pcre2_code_free(q->re);
	free(q->unfolded);
	free(q->dues);
	memset(q, 0, sizeof *q);
}

/* Column widths for a screen width. mark: the cursor's cell, then the
 * marked/new flag and the fold glyph. */
struct cols {
	int mark, due, tenant, host, file, det, state, v, claim;
};

static struct cols layout(int w)
{
	struct cols c = {3, 11, 6, 10, 16, 9, 9, 2, 6};
	int extra = w - 80;
	if (extra > 0) {
		c.file += extra / 2;
		c.host += extra / 6;
		c.det += extra / 6;
		c.tenant += extra - extra / 2 - 2 * (extra / 6);
	} else if (extra < 0) {
		c.file += extra;
		if (c.file < 4)
			c.file = 4;
	}
	return c;
}

static int vcell(struct app *a, int y, int x, char v)
{
	int area = v == 'b' ? THM_black : v == 'g' ? THM_gray : v == 'w' ? THM_white : THM_dim;
	const char *s = v == 'b' ? "B" : v == 'g' ? "G" : v == 'w' ? "W" : "-";
	return dr_text(y, x, 1, s, dr_attr(a, (enum thm_area)area));
}

/* The cursor is the row's first three cells in the cursor style (reverse
 * video by default and under NO_COLOR) with a pointer glyph; the rest of
 * the row keeps its own look. Only those cells of the two rows change on a
 * move, where a whole-row bar rewrote both rows, colour changes and all:
 * about 290 bytes a move at 80x24 (issue 4 asks for 200 at most). */
static void draw_row(struct app *a, void *ctx, size_t i, int y, int x, int w, int sel)
{
	struct q_pane *q = ctx;
	struct alert *al = as_get(&a->as, q->rows[i].id);
	struct cols c = layout(w);
	int base = dr_attr(a, THM_normal);
	int cur = dr_attr(a, THM_cursor);
	dr_fill(y, x, w, base);
	if (sel)
		dr_fill(y, x, c.mark, cur);
	dr_text(y, x, 1, sel ? (a->ascii ? ">" : "\xe2\x96\xb6") : " ", sel ? cur : base);
	if (al == NULL) {
		dr_textf(y, x + c.mark, w - c.mark, dr_attr(a, THM_dim), "#%lld (gone)",
		         (long long)q->rows[i].id);
		return;
	}
	char mk[8];
	const char *fold = al->ndups > 0 ? (q_is_unfolded(q, al->id) ? (a->ascii ? "-" : "\xe2\x96\xbe")
	                                                            : (a->ascii ? "+" : "\xe2\x96\xb8"))
	                 : q->rows[i].depth > 0 ? (a->ascii ? "`" : "\xe2\x94\x94") : " ";
	snprintf(mk, sizeof mk, "%s%s", al->marked ? "*" : al->isnew ? (a->ascii ? "N" : "\xe2\x80\xa2") : " ",
	         fold);
	int cx = x + 1;
	dr_text(y, cx, c.mark - 1, mk, al->isnew ? dr_attr(a, THM_new) | (sel ? cur : 0) : sel ? cur : base);
	cx += c.mark - 1;
	char cell[48];
	char which = 0;
	int64_t due = as_deadline(al, &which);
	int cls = clk_cell_short(due, a->now_us, cell, sizeof cell, a->ascii);
	if (due != 0) {
		/* the clock letter: q quick, e explanatory, r gray reply */
		size_t l = strlen(cell);
		if (l + 2 < sizeof cell) {
			cell[l] = which;
			cell[l + 1] = '\0';
		}
	}
	dr_text_right(y, cx, c.due, cell, dr_attr(a, (enum thm_area)clk_area(cls)));
	cx += c.due + 1;
	char mb[32];
	dr_text(y, cx, c.tenant, dr_mask(a, al->tenant, mb, sizeof mb), base);
	cx += c.tenant + 1;
	dr_text(y, cx, c.host, dr_mask(a, al->host, mb, sizeof mb), base);
	cx += c.host + 1;
	int fattr = base;
	if (q->re != NULL && re_match(q, al))
		fattr |= dr_attr(a, THM_match);
	int fw = c.file;
	if (al->ndups > 0) {
		/* "×N" stays visible: the name gives way */
		char nb[24];
		snprintf(nb, sizeof nb, " %s%d", a->ascii ? "x" : "\xc3\x97", al->ndups + 1);
		int nw = dr_width(nb);
		dr_text(y, cx + c.file - nw, nw, nb, base | dr_attr(a, THM_badge));
		fw -= nw;
	}
	dr_text(y, cx, fw, al->file, fattr);
	cx += c.file + 1;
	dr_text(y, cx, c.det, al->detection, base);
	cx += c.det + 1;
	dr_text(y, cx, c.state, as_state_short(al->state), base);
	cx += c.state + 1;
	vcell(a, y, cx, as_verdict(al));
	/* escalated to professional services: a glyph, not a colour */
	if (al->escalated)
		dr_text(y, cx + 1, 1, "^", dr_attr(a, THM_badge));
	cx += c.v + 1;
	dr_text(y, cx, x + w - cx, al->claimed_by, base);
}

void q_draw(struct app *a, int y, int h)
{
	struct q_pane *q = &a->q;
	struct cols c = layout(COLS);
	int hd = dr_attr(a, THM_header);
	dr_fill(y, 0, COLS, hd);
	int x = c.mark;
	dr_text_right(y, x, c.due, "DUE", hd);
	x += c.due + 1;
	dr_text(y, x, c.tenant, "TENANT", hd);
	x += c.tenant + 1;
	dr_text(y, x, c.host, "HOST", hd);
	x += c.host + 1;
	dr_text(y, x, c.file, "FILE", hd);
	x += c.file + 1;
	dr_text(y, x, c.det, "DETECTION", hd);
	x += c.det + 1;
	dr_text(y, x, c.state, "STATE", hd);
	x += c.state + 1;
	dr_text(y, x, 1, "V", hd);
	x += c.v + 1;
	dr_text(y, x, COLS - x, "CLAIMED", hd);
	if (q->n == 0) {
		const char *why = !a->as.loaded ? "loading alerts..." :
		                  a->as.n == 0 ? "no open alerts" : "no alert matches the filter";
		dr_text(y + 2, 2, COLS - 2, why, dr_attr(a, THM_dim));
		return;
	}
	lw_draw(a, &q->lw, y + 1, 0, h - 1, COLS, q->n, draw_row, q);
}

/* The alert under the cursor has been seen: off the "+N new" badge. */
static void seen(struct app *a)
{
	struct alert *al = q_current(a);
	if (al != NULL && al->isnew) {
		al->isnew = 0;
		if (a->q.nnew > 0)
			a->q.nnew--;
	}
}

void q_move(struct app *a, long delta)
{
	lw_move(&a->q.lw, delta, a->q.n, row_id, &a->q);
	seen(a);
}

void q_home(struct app *a, int end)
{
	lw_home(&a->q.lw, a->q.n, row_id, &a->q, end);
	seen(a);
}
