/* app.c - terminal setup and the one poll() loop.
 *
 * The loop waits on the keyboard, the libpq socket, libcurl's sockets and a
 * timeout that is the earliest of: the next whole second (SLA clocks), a
 * pending frame, a reconnect, a resync, a debounced NOTIFY fetch. A frame
 * is erase() + drawing into stdscr + wnoutrefresh + one doupdate(); ncurses
 * sends only the cells that changed, so a clock tick costs the clock cells.
 * Frames caused by data or ticks are paced to at most 10 a second; a frame
 * after a key is drawn at once. clear() is never used on a tick.
 */
#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <malloc.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api/cmdapi.h"
#include "tui/state.h"
#include "tui/termsetup.h"
#include "tui/tui.h"

#define FRAME_MS 100
#define MIN_W 80
#define MIN_H 24

extern int dr_utf8;

int64_t app_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t app_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int app_is_wallboard(const struct app *a) { return a->wallboard; }
int app_have_api(const struct app *a) { return a->api != NULL; }
void app_dirty(struct app *a) { a->dirty = 1; }

void app_msg(struct app *a, enum msg_level lvl, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char raw[256];
	vsnprintf(raw, sizeof raw, fmt, ap);
	va_end(ap);
	char *clean = dr_clean(raw);
	snprintf(a->msg, sizeof a->msg, "%s", clean);
	free(clean);
	a->msg_level = lvl;
	a->msg_until_ms = app_mono_ms() + (lvl == MSG_ERROR ? 8000 : 4000);
	a->dirty = 1;
}

int app_ctx(const struct app *a)
{
	switch (a->view) {
	case VIEW_ENDPOINTS: return CTX_ENDPOINTS;
	case VIEW_ALERT: return CTX_ALERT;
	default: return CTX_QUEUE;
	}
}

/* ------------------------------------------------------------- database */

char *app_tenant_array(const struct opts *o)
{
	if (o->ntenants == 0)
		return NULL;
	size_t cap = 3;
	for (int i = 0; i < o->ntenants; i++)
		cap += strlen(o->tenants[i]) * 2 + 3;
	char *s = malloc(cap), *p = s;
	if (s == NULL)
		return NULL;
	*p++ = '{';
	for (int i = 0; i < o->ntenants; i++) {
		if (i > 0)
			*p++ = ',';
		*p++ = '"';
		for (const char *t = o->tenants[i]; *t != '\0'; t++) {
			if (*t == '"' || *t == '\\')
				*p++ = '\\';
			*p++ = *t;
		}
		*p++ = '"';
	}
	*p++ = '}';
	*p = '\0';
	return s;
}

/* A full resync: first the alerts with the nearest deadlines (the partial
 * index on open alerts makes this a few milliseconds, so the first screen
 * comes fast), then every open alert in keyset chunks by id, so no result
 * holds 100,000 rows at once. Tags: (sync generation << 4) | step. */
#define SYNC_TOP 500
#define SYNC_CHUNK 10000
enum { TAG_MERGE = 0, TAG_TOP = 1, TAG_CHUNK = 2 };

static void sync_chunk(struct app *a);

static void on_alerts(struct app *a, PGresult *r, const char *err, int64_t tag)
{
	int step = (int)(tag & 15);
	unsigned gen = (unsigned)(tag >> 4);
	if (err != NULL) {
		app_msg(a, MSG_ERROR, "alerts: %s", err);
		return;
	}
	if (step != TAG_MERGE && gen != a->as.sync_gen)
		return;   /* a newer resync started */
	as_apply(&a->as, r);
	a->as.synced_us = a->last_data_us = app_now_us();
	if (step == TAG_CHUNK) {
		int n = PQntuples(r);
		if (n > 0)
			a->sync_last_id = strtoll(PQgetvalue(r, n - 1, 0), NULL, 10);
		if (n == SYNC_CHUNK) {
			sync_chunk(a);
			return;   /* the queue is redrawn when the sync ends */
		}
		as_sync_end(&a->as);
		malloc_trim(0);   /* give the results' memory back */
	}
	if (step == TAG_MERGE)
		q_touch(a);
	else
		q_rebuild(a);
	a->dirty = 1;
}

static void sync_query(struct app *a, const char *where_order, int n, const char **params,
                       int step)
{
	char *tn = app_tenant_array(a->o);
	char *sql = NULL;
	const char *p[3] = {tn, n > 0 ? params[0] : NULL, NULL};
	if (asprintf(&sql, "%s WHERE ($1::text[] IS NULL OR t.name = ANY($1::text[])) AND %s",
	             AS_SELECT, where_order) >= 0) {
		pgc_query(a->db, sql, 1 + n, p, on_alerts,
		          ((int64_t)a->as.sync_gen << 4) | step);
		free(sql);
	}
	free(tn);
}

static void sync_chunk(struct app *a)
{
	char last[24];
	snprintf(last, sizeof last, "%lld", (long long)a->sync_last_id);
	const char *p[1] = {last};
	char wo[160];
	snprintf(wo, sizeof wo, "a.state <> 'closed' AND a.id > $2::int8 ORDER BY a.id LIMIT %d",
	         SYNC_CHUNK);
	sync_query(a, wo, 1, p, TAG_CHUNK);
}

void app_fetch_alerts(struct app *a, const int64_t *ids, size_t n)
{
	if (n == 0 || !pgc_up(a->db))
		return;
	size_t cap = n * 21 + 3;
	char *arr = malloc(cap), *p = arr;
	if (arr == NULL)
		return;
	*p++ = '{';
	for (size_t i = 0; i < n; i++)
		p += snprintf(p, cap - (size_t)(p - arr), "%s%lld", i ? "," : "", (long long)ids[i]);
	*p++ = '}';
	*p = '\0';
	char *sql = NULL;
	if (asprintf(&sql, "%s WHERE a.id = ANY($1::int8[])", AS_SELECT) >= 0) {
		const char *params[1] = {arr};
		pgc_query(a->db, sql, 1, params, on_alerts, TAG_MERGE);
		free(sql);
	}
	free(arr);
}

void app_resync(struct app *a)
{
	if (!pgc_up(a->db))
		return;
	as_sync_begin(&a->as);
	a->sync_last_id = 0;
	char wo[160];
	snprintf(wo, sizeof wo, "a.state NOT IN ('closed','duplicate') ORDER BY a.quick_due LIMIT %d",
	         SYNC_TOP);
	sync_query(a, wo, 0, NULL, TAG_TOP);
	sync_chunk(a);
	ep_load(a);
	a->next_resync_ms = app_mono_ms() + a->o->resync_s * 1000;
}

void app_db_up(struct app *a)
{
	a->db_stale_since = 0;
	/* said only on a reconnection: the first one would hide a start-up
	 * warning (unknown TERM, keymap errors) */
	if (a->db_connected_once)
		app_msg(a, MSG_OK, "database reconnected");
	a->db_connected_once = 1;
	app_resync(a);
	if (a->view == VIEW_ALERT && a->av.alert_id != 0)
		av_open(a, a->av.alert_id);
}

void app_db_down(struct app *a, const char *why)
{
	if (a->db_stale_since == 0)
		a->db_stale_since = a->last_data_us != 0 ? a->last_data_us : app_now_us();
	app_msg(a, MSG_ERROR, "database: %s", why);
}

static void id_add(int64_t **v, size_t *n, size_t *cap, int64_t id)
{
	for (size_t i = 0; i < *n; i++)
		if ((*v)[i] == id)
			return;
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 64;
		int64_t *nv = realloc(*v, nc * sizeof *nv);
		if (nv == NULL)
			return;
		*v = nv;
		*cap = nc;
	}
	(*v)[(*n)++] = id;
}

void app_db_notify(struct app *a, const char *payload)
{
	const char *colon = strchr(payload, ':');
	if (colon == NULL)
		return;
	int64_t id = strtoll(colon + 1, NULL, 10);
	size_t tl = (size_t)(colon - payload);
	a->last_data_us = app_now_us();
	if (tl == 5 && strncmp(payload, "alert", 5) == 0)
		id_add(&a->pending_ids, &a->npending, &a->cappending, id);
	else if (tl == 8 && strncmp(payload, "endpoint", 8) == 0)
		id_add(&a->pending_eps, &a->npending_eps, &a->cappending_eps, id);
	else if (tl == 7 && strncmp(payload, "command", 7) == 0)
		jobs_command_notify(a, id);
}

static void flush_pending(struct app *a)
{
	if (a->npending > 0 && pgc_up(a->db)) {
		app_fetch_alerts(a, a->pending_ids, a->npending);
		a->npending = 0;
	}
	if (a->npending_eps > 0 && pgc_up(a->db)) {
		ep_fetch(a, a->pending_eps, a->npending_eps);
		a->npending_eps = 0;
	}
}

/* --------------------------------------------------------------- frames */

static void draw_title(struct app *a)
{
	int attr = dr_attr(a, THM_title);
	dr_fill(0, 0, COLS, attr);
	const char *view = a->view == VIEW_QUEUE ? "queue" : a->view == VIEW_ENDPOINTS ? "endpoints"
	                                                                            : "alert";
	int x = dr_textf(0, 0, COLS, attr, " itrace-tui %s %s ", a->ascii ? "|" : "\xe2\x94\x82", view);
	if (a->view == VIEW_QUEUE || a->view == VIEW_ALERT)
		x += dr_textf(0, x, COLS - x, attr, " %zu open ", a->as.n);
	else
		x += dr_textf(0, x, COLS - x, attr, " %zu registered ", a->ep.n);
	if (a->q.nnew > 0)
		x += dr_textf(0, x, COLS - x, dr_attr(a, THM_badge), " +%d new ", a->q.nnew);
	if (a->q.frozen)
		x += dr_text(0, x, COLS - x, " FROZEN ", dr_attr(a, THM_badge));
	if (a->q.f_tenant || a->q.f_state || a->q.f_verdict)
		x += dr_textf(0, x, COLS - x, attr, " filter:%s%s%s%s%s%c",
		              a->q.f_tenant ? " t=" : "", a->q.f_tenant ? a->q.f_tenant : "",
		              a->q.f_state ? " s=" : "", a->q.f_state ? a->q.f_state : "",
		              a->q.f_verdict ? " v=" : "", a->q.f_verdict ? a->q.f_verdict : ' ');
	char right[64];
	time_t now = (time_t)(a->now_us / 1000000);
	struct tm tm;
	localtime_r(&now, &tm);
	snprintf(right, sizeof right, "DB %s  API %s  %02d:%02d:%02d ",
	         pgc_up(a->db) ? "ok" : "--",
	         a->api == NULL ? "off" : a->api_stale_since ? "--" : "ok",
	         tm.tm_hour, tm.tm_min, tm.tm_sec);
	int rw = dr_width(right);
	if (x + rw < COLS)
		dr_text(0, COLS - rw, rw, right, attr);
}

static void fmt_hhmm(int64_t us, char *buf, size_t len)
{
	time_t t = (time_t)(us / 1000000);
	struct tm tm;
	localtime_r(&t, &tm);
	snprintf(buf, len, "%02d:%02d", tm.tm_hour, tm.tm_min);
}

/* Banner line (stale data, breached deadlines); returns rows used. */
static int draw_banner(struct app *a, int y)
{
	char hm[16];
	if (a->db_stale_since != 0) {
		fmt_hhmm(a->db_stale_since, hm, sizeof hm);
		dr_fill(y, 0, COLS, dr_attr(a, THM_stale));
		dr_textf(y, 0, COLS, dr_attr(a, THM_stale),
		         " stale since %s: database unreachable, reconnecting (%s)", hm,
		         pgc_error(a->db));
		return 1;
	}
	if (a->api != NULL && a->api_stale_since != 0) {
		fmt_hhmm(a->api_stale_since, hm, sizeof hm);
		dr_fill(y, 0, COLS, dr_attr(a, THM_stale));
		dr_textf(y, 0, COLS, dr_attr(a, THM_stale),
		         " stale since %s: command API unreachable; actions will fail until it is back",
		         hm);
		return 1;
	}
	int nb = clk_breached(a);
	if (nb > 0) {
		dr_fill(y, 0, COLS, dr_attr(a, THM_breach));
		dr_textf(y, 0, COLS, dr_attr(a, THM_breach), " %s %d alert%s in view breached %s deadline",
		         a->ascii ? "X" : "\xe2\x9c\x97", nb, nb == 1 ? "" : "s", nb == 1 ? "its" : "their");
		return 1;
	}
	return 0;
}

static void draw_status(struct app *a)
{
	int y = LINES - 1;
	int attr = dr_attr(a, THM_status);
	dr_fill(y, 0, COLS, attr);
	if (a->msg[0] != '\0' && app_mono_ms() < a->msg_until_ms) {
		int ma = a->msg_level == MSG_ERROR ? dr_attr(a, THM_error) | attr : attr;
		dr_text(y, 1, COLS - 1, a->msg, ma);
		return;
	}
	const struct job *j = jobs_latest(a);
	if (j != NULL && a->now_us - j->t_us < 60 * 1000000LL) {
		int ja = strcmp(j->state, "failed") == 0 || strcmp(j->state, "refused") == 0
		       ? dr_attr(a, THM_error) | attr : attr;
		dr_textf(y, 1, COLS - 1, ja, "%s %s: %s%s%s", j->what, j->target,
		         j->trail[0] ? j->trail : j->state, j->detail[0] ? " - " : "", j->detail);
		return;
	}
	/* hints from the registry and the keymap; of the alert workflow only
	 * what the state of the alert in hand allows (apiact_available) */
	static const enum reg_id qh[] = {ACT_open, ACT_COUNT, ACT_search, ACT_next_pane,
	                                 ACT_help, ACT_back};
	static const enum reg_id ah[] = {ACT_next_pane, ACT_COUNT, ACT_isolate, ACT_lang,
	                                 ACT_help, ACT_back};
	static const enum reg_id eh[] = {ACT_isolate, ACT_release, ACT_next_pane, ACT_help,
	                                 ACT_back};
	static const enum reg_id wh[] = {ACT_help, ACT_back};
	const enum reg_id *base = qh;
	size_t nb = sizeof qh / sizeof qh[0];
	if (a->wallboard) {
		base = wh;
		nb = 2;
	} else if (a->view == VIEW_ALERT) {
		base = ah;
		nb = sizeof ah / sizeof ah[0];
	} else if (a->view == VIEW_ENDPOINTS) {
		base = eh;
		nb = sizeof eh / sizeof eh[0];
	}
	enum reg_id h[24];
	size_t n = 0;
	for (size_t i = 0; i < nb; i++) {
		if (base[i] != ACT_COUNT)   /* ACT_COUNT: the workflow actions go here */
			h[n++] = base[i];
		else
			n += apiact_available(a, h + n, 3);
	}
	int x = 1;
	for (size_t i = 0; i < n && x < COLS - 4; i++) {
		char keys[64];
		km_keys_of(&a->km, h[i], keys, sizeof keys);
		char *sp = strchr(keys, ' ');
		if (sp != NULL)
			*sp = '\0';
		if (keys[0] == '\0')
			continue;
		x += dr_text(y, x, COLS - x, keys, attr | dr_attr(a, THM_badge));
		x += dr_textf(y, x, COLS - x, attr, " %s  ", reg_actions[h[i]].name);
	}
}

static void render(struct app *a)
{
	a->now_us = app_now_us();
	erase();
	if (COLS < MIN_W || LINES < MIN_H) {
		a->too_small = 1;
		attrset(A_NORMAL);
		dr_textf(0, 0, COLS, A_BOLD, "terminal too small: need %dx%d", MIN_W, MIN_H);
		dr_textf(1, 0, COLS, A_NORMAL, "(now %dx%d)", COLS, LINES);
	} else if (a->wallboard) {
		a->too_small = 0;
		wb_draw(a);
	} else {
		a->too_small = 0;
		draw_title(a);
		int y = 1;
		y += draw_banner(a, y);
		int h = LINES - 1 - y;
		if (a->view == VIEW_QUEUE) {
			q_draw(a, y, h - 1);
			clk_draw_line(a, LINES - 2, q_current(a));
		} else if (a->view == VIEW_ENDPOINTS) {
			ep_draw(a, y, h);
		} else {
			av_draw(a, y, h);
		}
		draw_status(a);
		if (a->help)
			help_draw(a);
		if (a->dlg != NULL)
			dlg_draw(a, a->dlg);
	}
	wnoutrefresh(stdscr);
	doupdate();
	a->dirty = 0;
}

/* ---------------------------------------------------------------- input */

void app_dialog(struct app *a, struct dlg *d)
{
	if (a->dlg != NULL)
		dlg_free(a->dlg);
	a->dlg = d;
	a->dirty = 1;
}

void app_dialog_close(struct app *a)
{
	if (a->dlg != NULL)
		dlg_free(a->dlg);
	a->dlg = NULL;
	a->dirty = 1;
}

static void handle_key(struct app *a, int key)
{
	a->dirty = 1;
	if (key == (KM_FN | KEY_RESIZE))
		return;
	if (a->too_small && key != 'q')
		return;
	if (a->dlg != NULL) {
		dlg_key(a, a->dlg, key);
		return;
	}
	if (a->help) {
		help_key(a, key);
		return;
	}
	int act = km_lookup(&a->km, (enum reg_ctx)app_ctx(a), 1, key);
	if (act < 0) {
		char kn[32];
		app_msg(a, MSG_INFO, "%s is not bound here (? shows every key)",
		        km_key_name(key, kn, sizeof kn));
		return;
	}
	reg_run(a, (enum reg_id)act, 0);
}

static int64_t mono_us(void);
static int64_t key_t0;   /* when the first key of the batch was read */

static int read_keys(struct app *a)
{
	int n = 0;
	key_t0 = 0;
	for (;;) {
		wint_t wc;
		int rc = get_wch(&wc);
		if (rc == ERR)
			break;
		int key = km_from_curses(rc == KEY_CODE_YES, (unsigned)wc);
		if (key == KM_ESC) {
			/* Esc then a key within escdelay: Meta */
			wint_t w2;
			int r2 = get_wch(&w2);
			if (r2 != ERR)
				key = km_from_curses(r2 == KEY_CODE_YES, (unsigned)w2) | KM_META;
		}
		if (key_t0 == 0)
			key_t0 = mono_us();
		handle_key(a, key);
		n++;
		if (!a->running)
			break;
	}
	return n;
}

/* ------------------------------------------------------------- the API */

static void api_cb(void *ud, int64_t tag, long status, json_t *body, const char *err);

static void api_cb(void *ud, int64_t tag, long status, json_t *body, const char *err)
{
	struct app *a = ud;
	if (tag == 0) {   /* health check */
		if (status >= 200 && status < 500) {
			a->api_stale_since = 0;
		} else if (a->api_stale_since == 0) {
			a->api_stale_since = app_now_us();
		}
		a->dirty = 1;
		return;
	}
	if (status == 0 && a->api_stale_since == 0)
		a->api_stale_since = app_now_us();
	else if (status != 0)
		a->api_stale_since = 0;
	actions_api_done(a, tag, status, body, err);
	a->dirty = 1;
}

/* ---------------------------------------------------------------- stats */

/* ITRACE_TUI_STATS=FILE: measurements written at exit, one `key value`
 * a line (tests/tui/bench.sh reads them): first paint, keypress to
 * doupdate latency, frames, peak RSS. (Bytes on the wire are counted
 * outside, by tmux pipe-pane.) Measured in-process; costs nothing when unset. */
#define STATS_MAX 20000
static struct {
	int on;
	int64_t t0_us, first_paint_us;
	int64_t key_us[STATS_MAX];
	size_t nkeys;
	uint64_t frames;
} stats;

static int64_t mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int cmp_i64(const void *x, const void *y)
{
	int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
	return a < b ? -1 : a > b;
}

static void stats_write(void)
{
	const char *path = getenv("ITRACE_TUI_STATS");
	if (!stats.on || path == NULL)
		return;
	FILE *f = fopen(path, "w");
	if (f == NULL)
		return;
	qsort(stats.key_us, stats.nkeys, sizeof stats.key_us[0], cmp_i64);
	double secs = (double)(mono_us() - stats.t0_us) / 1e6;
	fprintf(f, "first_paint_ms %.1f\n", (double)stats.first_paint_us / 1000.0);
	fprintf(f, "keys %zu\n", stats.nkeys);
	if (stats.nkeys > 0) {
		fprintf(f, "key_p50_ms %.3f\n", (double)stats.key_us[stats.nkeys / 2] / 1000.0);
		fprintf(f, "key_p99_ms %.3f\n", (double)stats.key_us[stats.nkeys * 99 / 100] / 1000.0);
		fprintf(f, "key_max_ms %.3f\n", (double)stats.key_us[stats.nkeys - 1] / 1000.0);
	}
	fprintf(f, "frames %llu\n", (unsigned long long)stats.frames);
	fprintf(f, "seconds %.1f\n", secs);
	FILE *ps = fopen("/proc/self/status", "r");
	char line[256];
	while (ps != NULL && fgets(line, sizeof line, ps) != NULL)
		if (strncmp(line, "VmHWM:", 6) == 0)
			fprintf(f, "peak_rss_kb %lld\n", strtoll(line + 6, NULL, 10));
		else if (strncmp(line, "VmRSS:", 6) == 0)
			fprintf(f, "rss_kb %lld\n", strtoll(line + 6, NULL, 10));
	if (ps != NULL)
		fclose(ps);
	fclose(f);
}

/* ----------------------------------------------------------------- loop */

static void load_look(struct app *a, const struct opts *o)
{
	struct cf_reader r;
	km_init(&a->km);
	km_load(&a->km, o->keymap, &r);
	if (r.nerrors > 0) {
		char *nl = strchr(r.errors, '\n');
		if (nl != NULL)
			*nl = '\0';
		app_msg(a, MSG_ERROR, "%s (itrace-tui --check-config lists all)", r.errors);
	}
	cf_free(&r);
	thm_init(&a->th);
	const char *nc = getenv("NO_COLOR");
	int colour = !(nc != NULL && nc[0] != '\0');
	const char *tname = colour ? (o->theme != NULL ? o->theme : "default") : "mono";
	thm_load(&a->th, tname, &r);
	if (r.nerrors > 0 && a->msg[0] == '\0') {
		char *nl = strchr(r.errors, '\n');
		if (nl != NULL)
			*nl = '\0';
		app_msg(a, MSG_ERROR, "%s", r.errors);
	}
	cf_free(&r);
	thm_apply(&a->th, colour);
}

int app_run(const struct opts *o)
{
	char term_warning[160] = "";
	stats.on = getenv("ITRACE_TUI_STATS") != NULL;
	stats.t0_us = mono_us();
	static struct app app;
	struct app *a = &app;
	memset(a, 0, sizeof *a);
	a->o = o;
	a->wallboard = o->wallboard;
	a->mask = o->mask;
	const char *cs = nl_langinfo(CODESET);
	dr_utf8 = cs != NULL && strcmp(cs, "UTF-8") == 0;
	a->ascii = o->ascii || !dr_utf8;
	if (term_setup(term_warning, sizeof term_warning) != 0) {
		fprintf(stderr, "itrace-tui: cannot initialise the terminal\n");
		return 1;
	}
	/* nothing may write to the terminal behind curses' back: stderr goes
	 * to /dev/null while the screen is ours, and comes back at the end */
	fflush(stderr);
	int saved_err = dup(STDERR_FILENO);
	int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (saved_err >= 0 && devnull >= 0)
		dup2(devnull, STDERR_FILENO);
	if (devnull >= 0)
		close(devnull);
	load_look(a, o);
	if (term_warning[0] != '\0')
		app_msg(a, MSG_ERROR, "%s", term_warning);
	st_load(a);
	a->db = pgc_new(o->db);
	if (!a->wallboard && evw_start(o->db) != 0)
		app_msg(a, MSG_ERROR, "cannot start the evidence thread");
	if (o->api != NULL) {
		a->api = cmdapi_new(o->api, o->token, api_cb, a);
		a->api_next_health_ms = 0;
	}
	a->running = 1;
	a->now_us = app_now_us();
	int64_t last_frame = 0, last_sec = a->now_us / 1000000;
	struct pollfd fds[40];
	while (a->running) {
		int64_t now = app_mono_ms();
		int nf = 0;
		fds[nf++] = (struct pollfd){.fd = STDIN_FILENO, .events = POLLIN};
		short pev = 0;
		int pfd = pgc_pollfd(a->db, &pev);
		int pg_index = -1;
		if (pfd >= 0) {
			pg_index = nf;
			fds[nf++] = (struct pollfd){.fd = pfd, .events = pev};
		}
		int ev_index = -1;
		if (evw_fd() >= 0) {
			ev_index = nf;
			fds[nf++] = (struct pollfd){.fd = evw_fd(), .events = POLLIN};
		}
		int api_first = nf, napi = 0;
		if (a->api != NULL) {
			napi = cmdapi_pollfds(a->api, fds + nf, (int)(sizeof fds / sizeof fds[0]) - nf);
			nf += napi;
		}
		/* the earliest timer */
		int64_t wall = app_now_us();
		long timeout = (long)(1000 - (wall / 1000) % 1000);
		int t;
		if ((t = pgc_timeout(a->db)) >= 0 && t < timeout)
			timeout = t;
		if (a->api != NULL) {
			long at = cmdapi_timeout(a->api);
			if (at >= 0 && at < timeout)
				timeout = at;
			if (a->api_next_health_ms - now < timeout)
				timeout = (long)(a->api_next_health_ms - now);
		}
		if (a->npending > 0 || a->npending_eps > 0)
			timeout = timeout > 30 ? 30 : timeout;
		if (a->q.stale) {
			long qw = (long)(a->q.rebuilt_ms + 100 - now);
			if (qw < timeout)
				timeout = qw;
		}
		if (a->dirty) {
			long fw = (long)(last_frame + FRAME_MS - now);
			if (fw < timeout)
				timeout = fw;
		}
		if (timeout < 0)
			timeout = 0;
		int pr = poll(fds, (nfds_t)nf, (int)timeout);
		int input_frame = 0;
		if (pr < 0 && errno != EINTR)
			break;
		if (pr < 0 || (fds[0].revents & (POLLIN | POLLHUP | POLLERR)))
			input_frame = read_keys(a) > 0 || pr < 0;
		if (fds[0].revents & (POLLHUP | POLLERR | POLLNVAL))
			a->running = 0;
		pgc_service(a->db, a, pg_index >= 0 && pr > 0 ? fds[pg_index].revents : 0);
		if (ev_index >= 0 && pr > 0 && (fds[ev_index].revents & POLLIN))
			av_evidence(a, evw_take());
		if (a->api != NULL) {
			cmdapi_service(a->api, fds + api_first, pr > 0 ? napi : 0);
			now = app_mono_ms();
			if (now >= a->api_next_health_ms) {
				cmdapi_call(a->api, "GET", "/v1/health", NULL, NULL, 0, NULL);
				a->api_next_health_ms = now + 10000;
			}
		}
		now = app_mono_ms();
		flush_pending(a);
		if (a->q.stale && now - a->q.rebuilt_ms >= 100) {
			q_rebuild(a);
			a->dirty = 1;
		}
		if (a->next_resync_ms != 0 && now >= a->next_resync_ms)
			app_resync(a);
		int64_t sec = app_now_us() / 1000000;
		if (sec != last_sec) {
			last_sec = sec;
			a->dirty = 1;   /* the clocks tick */
		}
		if (a->dirty && (input_frame || now - last_frame >= FRAME_MS)) {
			render(a);
			last_frame = app_mono_ms();
			if (stats.on) {
				stats.frames++;
				if (stats.first_paint_us == 0 && (a->q.n > 0 || a->as.loaded))
					stats.first_paint_us = mono_us() - stats.t0_us;
				if (input_frame && key_t0 != 0 && stats.nkeys < STATS_MAX)
					stats.key_us[stats.nkeys++] = mono_us() - key_t0;
			}
		}
	}
	st_save(a);
	stats_write();
	endwin();
	if (saved_err >= 0) {
		dup2(saved_err, STDERR_FILENO);
		close(saved_err);
	}
	evw_stop();
	pgc_free(a->db);
	cmdapi_free(a->api);
	if (a->dlg != NULL)
		dlg_free(a->dlg);
	av_free(&a->av);
	q_free(&a->q);
	ep_free(&a->ep);
	as_free(&a->as);
	jobs_free(a);
	free(a->pending_ids);
	free(a->pending_eps);
	km_free(&a->km);
	return a->exit_status;
}
