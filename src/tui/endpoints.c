/* endpoints.c - the management view: per tenant host, client
 * version (and the tenant's target version), last contact and its age,
 * isolation state, last error; the number registered. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tui/tui.h"

const char EP_SELECT[] =
	"SELECT e.id, e.tenant_id, t.name, e.hostname, coalesce(e.client_version,''),"
	" coalesce(t.client_version,''), e.isolation, coalesce(e.last_error,''),"
	" coalesce((extract(epoch from e.last_seen)*1000000)::int8, 0)"
	" FROM endpoint e JOIN tenant t ON t.id = e.tenant_id";

static void ep_one_free(struct endpoint *e)
{
	free(e->tenant);
	free(e->host);
	free(e->version);
	free(e->target_version);
	free(e->isolation);
	free(e->last_error);
}

static void ep_clear(struct ep_pane *p)
{
	for (size_t i = 0; i < p->n; i++)
		ep_one_free(&p->v[i]);
	free(p->v);
	p->v = NULL;
	p->n = 0;
}

void ep_free(struct ep_pane *p)
{
	ep_clear(p);
	memset(p, 0, sizeof *p);
}

static int64_t row_id(void *ctx, size_t i)
{
	struct ep_pane *p = ctx;
	return i < p->n ? p->v[i].id : 0;
}

static void on_eps(struct app *a, PGresult *r, const char *err, int64_t full)
{
	if (err != NULL) {
		app_msg(a, MSG_ERROR, "endpoints: %s", err);
		return;
	}
	ep_apply(a, r, (int)full);
}

static void ep_fill(struct endpoint *e, PGresult *r, int i)
{
	e->id = strtoll(PQgetvalue(r, i, 0), NULL, 10);
	e->tenant_id = strtoll(PQgetvalue(r, i, 1), NULL, 10);
	e->tenant = dr_clean(PQgetvalue(r, i, 2));
	e->host = dr_clean(PQgetvalue(r, i, 3));
	e->version = dr_clean(PQgetvalue(r, i, 4));
	e->target_version = dr_clean(PQgetvalue(r, i, 5));
	e->isolation = dr_clean(PQgetvalue(r, i, 6));
	e->last_error = dr_clean(PQgetvalue(r, i, 7));
	e->last_seen = strtoll(PQgetvalue(r, i, 8), NULL, 10);
}


static int cmp_ep(const void *x, const void *y)
{
	const struct endpoint *a = x, *b = y;
	int c = strcmp(a->tenant, b->tenant);
	if (c == 0)
		c = strcmp(a->host, b->host);
	return c != 0 ? c : (a->id < b->id ? -1 : a->id > b->id);
}

/* full: the rows are every endpoint; else they replace or join those held. */
void ep_apply(struct app *a, PGresult *r, int full)
{
	struct ep_pane *p = &a->ep;
	int n = PQntuples(r);
	if (full) {
		ep_clear(p);
		p->v = calloc((size_t)n + 1, sizeof *p->v);
		if (p->v == NULL)
			return;
		for (int i = 0; i < n; i++)
			ep_fill(&p->v[p->n++], r, i);
		p->loaded = 1;
	} else {
		for (int i = 0; i < n; i++) {
			struct endpoint e;
			ep_fill(&e, r, i);
			struct endpoint *old = ep_get(a, e.id);
			if (old != NULL) {
				ep_one_free(old);
				*old = e;
				continue;
			}
			struct endpoint *nv = realloc(p->v, (p->n + 1) * sizeof *nv);
			if (nv == NULL) {
				ep_one_free(&e);
				continue;
			}
			p->v = nv;
			p->v[p->n++] = e;
		}
		qsort(p->v, p->n, sizeof *p->v, cmp_ep);
	}
	a->last_data_us = app_now_us();
	lw_keep(&p->lw, p->n, row_id, p);
	a->dirty = 1;
}

void ep_fetch(struct app *a, const int64_t *ids, size_t n)
{
	size_t cap = n * 21 + 3;
	char *arr = malloc(cap), *q = arr;
	char *sql = NULL;
	if (arr == NULL)
		return;
	*q++ = '{';
	for (size_t i = 0; i < n; i++)
		q += snprintf(q, cap - (size_t)(q - arr), "%s%lld", i ? "," : "", (long long)ids[i]);
	*q++ = '}';
	*q = '\0';
	char *tn = app_tenant_array(a->o);
	if (asprintf(&sql, "%s WHERE e.id = ANY($1::int8[])"
	             " AND ($2::text[] IS NULL OR t.name = ANY($2::text[]))", EP_SELECT) >= 0) {
		const char *params[2] = {arr, tn};
		pgc_query(a->db, sql, 2, params, on_eps, 0);
		free(sql);
	}
	free(tn);
	free(arr);
}

void ep_load(struct app *a)
{
	const struct opts *o = a->o;
	char *sql = NULL;
	/* the tenant filter: same rule as the queue */
	if (asprintf(&sql, "%s WHERE ($1::text[] IS NULL OR t.name = ANY($1::text[]))"
	             " ORDER BY t.name, e.name", EP_SELECT) < 0)
		return;
	char *arr = app_tenant_array(o);
	const char *params[1] = {arr};
	pgc_query(a->db, sql, 1, params, on_eps, 1);
	free(arr);
	free(sql);
}

struct endpoint *ep_current(struct app *a)
{
	struct ep_pane *p = &a->ep;
	return p->n > 0 && p->lw.cur < p->n ? &p->v[p->lw.cur] : NULL;
}

struct endpoint *ep_get(struct app *a, int64_t id)
{
	for (size_t i = 0; i < a->ep.n; i++)
		if (a->ep.v[i].id == id)
			return &a->ep.v[i];
	return NULL;
}

static void age(int64_t then, int64_t now, char *buf, size_t len)
{
	if (then == 0) {
		snprintf(buf, len, "never");
		return;
	}
	int64_t s = (now - then) / 1000000;
	if (s < 0)
		s = 0;
	if (s < 120)
		snprintf(buf, len, "%llds", (long long)s);
	else if (s < 7200)
		snprintf(buf, len, "%lldm", (long long)(s / 60));
	else if (s < 172800)
		snprintf(buf, len, "%lldh", (long long)(s / 3600));
	else
		snprintf(buf, len, "%lldd", (long long)(s / 86400));
}

static void draw_row(struct app *a, void *ctx, size_t i, int y, int x, int w, int sel)
{
	struct ep_pane *p = ctx;
	struct endpoint *e = &p->v[i];
	int base = sel ? dr_attr(a, THM_cursor) : dr_attr(a, THM_normal);
	dr_fill(y, x, w, base);
	char mb[32], when[32], ag[16];
	int cx = x + 1;
	dr_text(y, cx, 10, dr_mask(a, e->tenant, mb, sizeof mb), base);
	cx += 11;
	dr_text(y, cx, 16, dr_mask(a, e->host, mb, sizeof mb), base);
	cx += 17;
	char ver[64];
	if (e->target_version[0] != '\0' && strcmp(e->version, e->target_version) != 0)
		snprintf(ver, sizeof ver, "%s>%s", e->version[0] ? e->version : "?",
		         e->target_version);
	else
		snprintf(ver, sizeof ver, "%s", e->version[0] ? e->version : "-");
	dr_text(y, cx, 12, ver, base);
	cx += 13;
	if (e->last_seen != 0) {
		time_t t = (time_t)(e->last_seen / 1000000);
		struct tm tm;
		localtime_r(&t, &tm);
		strftime(when, sizeof when, "%m-%d %H:%M", &tm);
	} else {
		snprintf(when, sizeof when, "-");
	}
	age(e->last_seen, a->now_us, ag, sizeof ag);
	dr_textf(y, cx, 17, base, "%s %s", when, ag);
	cx += 18;
	int iso = strcmp(e->isolation, "none") != 0;
	dr_text(y, cx, 9, e->isolation, iso && !sel ? dr_attr(a, THM_warn) : base);
	cx += 10;
	if (cx < x + w)
		dr_text(y, cx, x + w - cx, e->last_error, e->last_error[0] && !sel ? dr_attr(a, THM_error) : base);
}

void ep_draw(struct app *a, int y, int h)
{
	struct ep_pane *p = &a->ep;
	int hd = dr_attr(a, THM_header);
	dr_fill(y, 0, COLS, hd);
	size_t iso = 0;
	for (size_t i = 0; i < p->n; i++)
		iso += strcmp(p->v[i].isolation, "none") != 0;
	dr_text(y, 1, COLS - 1,
	        "TENANT     HOST             VERSION      LAST CONTACT AGE  ISOLATION LAST ERROR", hd);
	dr_fill(y + h - 1, 0, COLS, dr_attr(a, THM_normal));
	dr_textf(y + h - 1, 1, COLS - 1, dr_attr(a, THM_dim),
	         "%zu endpoints registered, %zu isolated or pending", p->n, iso);
	if (p->n == 0) {
		dr_text(y + 2, 2, COLS - 2, p->loaded ? "no endpoints" : "loading endpoints...",
		        dr_attr(a, THM_dim));
		return;
	}
	lw_draw(a, &p->lw, y + 1, 0, h - 2, COLS, p->n, draw_row, p);
}

void ep_move(struct app *a, long delta)
{
	lw_move(&a->ep.lw, delta, a->ep.n, row_id, &a->ep);
}

void ep_home(struct app *a, int end)
{
	lw_home(&a->ep.lw, a->ep.n, row_id, &a->ep, end);
}
