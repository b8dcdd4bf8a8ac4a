/* tui.h - what the console's files share (struct app and the panes).
 *
 * Ownership, unless said otherwise: strings in these structs are owned by
 * the struct that holds them and freed with it; pointers into the alert
 * store (struct alert *) are borrowed and valid until the next store update
 * (as_apply / as_clear), so panes keep ids, never pointers, across frames.
 */
#ifndef ITRACE_TUI_TUI_H
#define ITRACE_TUI_TUI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <wchar.h>
#include <curses.h>
#include <libpq-fe.h>
#include <jansson.h>

#include "tui/app.h"
#include "tui/keymap.h"
#include "tui/theme.h"

/* ---------------------------------------------------------------- opts.c */
struct opts {
	char *db;               /* libpq conninfo ("" = PG* environment) */
	char *api;              /* command API base URL, NULL none */
	char *token_file;
	char *token;            /* read from token_file */
	char *theme, *keymap;
	char **tenants;
	int ntenants;
	int wallboard, mask, ascii, check_config, print_keys;
	int resync_s;           /* full resync period (wallboard 15) */
};
/* Parse config file, environment, argv (in that order of precedence,
 * later wins). Returns 0, 1 for --help (printed), -1 on error (message on
 * stderr). */
int opt_parse(struct opts *o, int argc, char **argv);
/* Read the token file; refuses group/other-readable files. 0 or -1 with a
 * message in err. */
int opt_load_token(struct opts *o, char *err, size_t errlen);
void opt_free(struct opts *o);
void opt_usage(FILE *f);

/* -------------------------------------------------------------- pgconn.c */
struct pgc;
/* res is borrowed (freed after the call); err non-NULL on failure. */
typedef void (*pgc_cb)(struct app *a, PGresult *res, const char *err,
                       int64_t tag);
struct pgc *pgc_new(const char *conninfo);
void pgc_free(struct pgc *c);
/* Queue a query (parameters copied). Returns 0, -1 when not connected. */
int pgc_query(struct pgc *c, const char *sql, int n, const char *const *params,
              pgc_cb cb, int64_t tag);
/* For poll(): fd and events, -1 when no socket. */
int pgc_pollfd(struct pgc *c, short *events);
/* Socket ready (revents) and/or time passed: drives connect, results,
 * notifications, reconnect. Calls app hooks: as below. */
void pgc_service(struct pgc *c, struct app *a, short revents);
/* ms until pgc wants servicing without I/O (reconnect), -1 none. */
int pgc_timeout(const struct pgc *c);
int pgc_up(const struct pgc *c);
const char *pgc_error(const struct pgc *c);
int pgc_busy(const struct pgc *c);      /* queries queued or in flight */
/* Hooks implemented in app.c */
void app_db_up(struct app *a);
void app_db_down(struct app *a, const char *why);
void app_db_notify(struct app *a, const char *payload);

/* -------------------------------------------------------------- alerts.c */
struct alert {
	int64_t id, tenant_id, endpoint_id, dup_of;
	/* sanitized strings, stored after the struct (one allocation) */
	char *tenant, *host, *path, *sha256, *detection, *state, *claimed_by;
	char *action;           /* blocked / allowed */
	char *isolation;        /* endpoint isolation */
	char *file;             /* base name of the raw path, sanitized */
	char qv, ev;            /* verdict letters b g w, 0 none */
	int needs_expl, version;
	int escalated;          /* handed to professional services */
	int64_t received, detected;              /* us */
	int64_t quick_due, explain_due, reply_due;   /* us, 0 none */
	int64_t quick_pub, explain_pub, answered;    /* us, 0 none */
	/* view state */
	int isnew, marked, ndups;
	unsigned sync_seen;     /* the store's sync_gen when last seen */
};
/* Column list and FROM clause of every alert query. */
extern const char AS_SELECT[];
struct astore {
	struct alert **v;       /* sorted by id */
	size_t n, cap;
	unsigned gen;           /* bumped by every change */
	unsigned sync_gen;      /* the full resync in progress (or last) */
	int loaded;             /* first full sync done */
	int64_t synced_us;      /* last full or partial sync */
};
void as_free(struct astore *s);
struct alert *as_get(const struct astore *s, int64_t id);
/* Merge rows of AS_SELECT (inserted or updated, closed ones removed); each
 * row counts as seen by the current sync. Alerts new after the first full
 * sync get isnew. Returns the number of new alerts. */
int as_apply(struct astore *s, PGresult *r);
/* A full resync is as_sync_begin, as_apply of every open alert (in
 * chunks), as_sync_end, which drops what was not seen. */
void as_sync_begin(struct astore *s);
void as_sync_end(struct astore *s);
/* Nearest open deadline of an alert (us, 0 none) and which clock
 * ('q' quick, 'e' explanatory, 'r' reply). */
int64_t as_deadline(const struct alert *al, char *which);
char as_verdict(const struct alert *al);         /* latest verdict letter */
/* State name in at most 9 columns for the queue ("q-verdict"). Static. */
const char *as_state_short(const char *state);
int as_closed_state(const char *state);

/* -------------------------------------------------------------- clocks.c */
/* Countdown text for a due time at now (sla_format_left) with the glyph of
 * its class; returns the sla class (0 ok 1 warn 2 breached, -1 none). */
int clk_cell(int64_t due, int64_t now, char *buf, size_t len, int ascii);
/* The same, at most 11 columns: beyond 9 days only the days. */
int clk_cell_short(int64_t due, int64_t now, char *buf, size_t len, int ascii);
int clk_area(int cls);      /* theme area of a class */
/* The SLA pane: three clocks of one alert, one line at y. */
void clk_draw_line(struct app *a, int y, const struct alert *al);
/* Breached alerts among those in view (queue rows); count. */
int clk_breached(struct app *a);

/* ---------------------------------------------------------------- draw.c */
/* Draw sanitized UTF-8 s at y,x in at most w columns (truncated by display
 * width, "…" when cut and ell set); returns columns used. */
int dr_text(int y, int x, int w, const char *s, int attr);
int dr_textf(int y, int x, int w, int attr, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* Right-aligned / padded variants. */
int dr_text_pad(int y, int x, int w, const char *s, int attr);
int dr_text_right(int y, int x, int w, const char *s, int attr);
void dr_fill(int y, int x, int w, int attr);
/* Sanitize into an owned string (never NULL). */
char *dr_clean(const char *raw);
int dr_width(const char *s);
/* Theme attribute of an area. */
int dr_attr(struct app *a, enum thm_area area);
/* Masked display of a tenant/host on a wallboard with --mask. */
const char *dr_mask(struct app *a, const char *s, char *buf, size_t len);

/* ---------------------------------------------------------------- list.c */
struct lw {
	size_t cur, top;
	int64_t cur_id;         /* the row id the cursor is on */
	int h;                  /* rows shown at the last draw */
};
typedef int64_t (*lw_id_fn)(void *ctx, size_t i);
typedef void (*lw_row_fn)(struct app *a, void *ctx, size_t i, int y, int x,
                          int w, int selected);
void lw_move(struct lw *l, long delta, size_t count, lw_id_fn id, void *ctx);
void lw_home(struct lw *l, size_t count, lw_id_fn id, void *ctx, int end);
/* After rows changed: put the cursor back on cur_id (or the same index). */
void lw_keep(struct lw *l, size_t count, lw_id_fn id, void *ctx);
void lw_draw(struct app *a, struct lw *l, int y, int x, int h, int w,
             size_t count, lw_row_fn row, void *ctx);

/* --------------------------------------------------------------- queue.c */
struct q_row {
	int64_t id;
	int depth;              /* 1: a folded duplicate shown under its first */
};
struct q_pane {
	struct lw lw;
	struct q_row *rows;
	size_t n, cap;
	char *f_tenant, *f_state;
	char f_verdict;
	char *search;           /* PCRE2 pattern, NULL none */
	void *re;               /* pcre2_code */
	int frozen;
	int64_t *unfolded;      /* alert ids whose duplicates are shown */
	size_t nunfolded;
	int nnew;               /* "+N new" */
	int stale;              /* the store changed since the last rebuild */
	int64_t rebuilt_ms;     /* mono ms of the last rebuild */
	int64_t *dues;          /* deadlines of the top-level rows, ascending,
	                           INT64_MAX for none (clk_breached) */
	size_t ndues;
};
/* The store changed: rebuild now, or within 100 ms when the last rebuild
 * was less than 100 ms ago (a burst of NOTIFYs over 100k alerts must not
 * sort on every one; app.c runs the deferred rebuild). */
void q_touch(struct app *a);
void q_rebuild(struct app *a);
void q_draw(struct app *a, int y, int h);
struct alert *q_current(struct app *a);
int q_set_search(struct app *a, const char *pat, char *err, size_t errlen);
/* The console's one regex dialect (queue search, timeline filter): PCRE2,
 * caseless, UTF (invalid UTF-8 in subjects tolerated), JIT unless
 * ITRACE_PCRE2_JIT=0. Returns a pcre2_code (free with pcre2_code_free), or
 * NULL with "MESSAGE at offset N" in err. */
void *q_re_compile(const char *pat, char *err, size_t errlen);
int q_set_filter(struct app *a, const char *spec, char *err, size_t errlen);
void q_toggle_fold(struct app *a);
void q_search_next(struct app *a);
int q_is_unfolded(const struct q_pane *q, int64_t id);
void q_free(struct q_pane *q);
/* The next alert in deadline order after id (sequential triage), 0 none. */
int64_t q_next_after(struct app *a, int64_t id);
void q_move(struct app *a, long delta);
void q_home(struct app *a, int end);

/* ----------------------------------------------------------- endpoints.c */
struct endpoint {
	int64_t id, tenant_id;
	char *tenant, *host, *version, *target_version, *isolation, *last_error;
	int64_t last_seen;      /* us, 0 never */
};
struct ep_pane {
	struct lw lw;
	struct endpoint *v;
	size_t n;
	int loaded;
};
void ep_load(struct app *a);
void ep_apply(struct app *a, PGresult *r, int full);
/* Fetch these endpoints again (after NOTIFY endpoint:<id>). */
void ep_fetch(struct app *a, const int64_t *ids, size_t n);
void ep_draw(struct app *a, int y, int h);
struct endpoint *ep_current(struct app *a);
struct endpoint *ep_get(struct app *a, int64_t id);
void ep_free(struct ep_pane *p);
void ep_move(struct app *a, long delta);
void ep_home(struct app *a, int end);
extern const char EP_SELECT[];

/* ----------------------------------------------------------- alertview.c */
enum av_sub { AV_TREE, AV_TIMELINE, AV_REPORT, AV_ATTRS, AV_SUBCOUNT };
/* One line of the tree pane: a process (ancestor, the detected execution,
 * a descendant, an origin writer) or a text line (headings, origin facts,
 * hash pivots). */
enum av_kind { AVK_HEAD, AVK_ANC, AVK_EXEC, AVK_DESC, AVK_ORIGIN, AVK_TEXT };
struct av_row {
	enum av_kind kind;
	int depth;
	int64_t key, pid;       /* process identity (GUID prefix, pid); 0 none */
	int has_kids, folded;
	char *text;             /* sanitized, owned */
};
struct tl_row {
	int64_t id, ts, key, pid;
	char kind[20];
	char *text;             /* sanitized, owned */
	int hl;                 /* an event of the detected process or its subtree */
};
struct av_lines {
	char **v;
	size_t n, cap;
};
struct av_pane {
	int64_t alert_id;
	enum av_sub sub;
	unsigned gen;           /* request generation: stale answers dropped */
	int loading;
	char *err;
	/* the alert, raw (for report_build) */
	char *raw_tenant, *raw_host, *raw_path, *raw_sha, *raw_det, *raw_action;
	int64_t endpoint_id, detected, received;
	void *report;           /* struct report * (core/report.h), owned */
	size_t nevents;
	/* tree pane */
	struct av_row *rows;
	size_t nrows, caprows;
	struct lw tree_lw;
	int rows_lang;          /* lang_en the rows were built with */
	int64_t *folded;        /* (key ^ pid << 40) of folded processes */
	size_t nfolded;
	char *pivot;            /* hash pivot summary line, owned */
	/* subtree identities, for the timeline highlight */
	int64_t *sub_keys, *sub_pids;
	size_t nsub;
	/* report preview (markdown lines) and attributes */
	int lang_en;
	struct av_lines rep[2]; /* [0] ja, [1] en */
	struct av_lines rep_wrap;   /* rep[lang] wrapped to rep_wrap_w columns */
	int rep_wrap_w, rep_wrap_lang;
	struct lw rep_lw;
	struct av_lines attrs;
	struct av_lines attr_wrap;  /* attrs wrapped to attr_wrap_w columns */
	int attr_wrap_w;
	struct lw attr_lw;
	/* timeline */
	struct tl_row *tl;
	size_t ntl, captl;
	struct lw tl_lw;
	int tl_item;            /* 0 all, 1..8 report items */
	char *tl_re;            /* PCRE2 pattern (caseless, UTF) applied by the
	                           worker to the fetched window, NULL none */
	int64_t tl_key, tl_pid; /* jump filter: one process, 0 none */
	int tl_more, tl_loading;
	unsigned tl_gen;
	int64_t tl_last_ts, tl_last_id;
};
void av_open(struct app *a, int64_t alert_id);
void av_close(struct app *a);
void av_draw(struct app *a, int y, int h);
void av_free(struct av_pane *p);
void av_move(struct app *a, int delta);
void av_enter(struct app *a);
void av_fold(struct app *a);
void av_next_item(struct app *a);
void av_set_regex(struct app *a, const char *re);
void av_lines_add(struct av_lines *l, const char *s);
void av_build_rows(struct app *a);
void av_lines_free(struct av_lines *l);
/* evworker.c: evidence_load + report_build on a worker thread */
struct report;
struct evw_result {
	int64_t alert_id;
	unsigned gen;
	char *err;              /* NULL on success */
	char *tenant, *host, *path, *sha256, *detection, *action;   /* raw */
	int64_t endpoint_id, detected, received, from_us, to_us;
	size_t nevents;
	double query_ms;
	struct report *report;  /* owned */
	char *md_ja, *md_en;    /* the report as it will be published */
	struct tl_page *tl;     /* not NULL: a timeline page, not evidence */
};
/* A timeline page asked of the worker: the events of one endpoint in
 * [from_us, to_us] after (after_ts, after_id), of the kinds (a text[]
 * literal, NULL all) and the process (one_proc: key, pid), filtered by the
 * PCRE2 pattern re (NULL none). */
struct tl_req {
	unsigned gen;
	int64_t endpoint_id, from_us, to_us, after_ts, after_id, key, pid;
	int one_proc;
	const char *kinds, *re;     /* copied by evw_timeline */
};
struct tl_page {
	unsigned gen;
	struct tl_row *rows;        /* up to 200 matching events, owned */
	size_t n;
	int more;                   /* the window holds more after last_* */
	int64_t last_ts, last_id;   /* where the scan stopped (keyset) */
	size_t scanned;             /* events read to find these */
};
int evw_start(const char *conninfo);     /* 0, -1 */
int evw_fd(void);                        /* readable when a result waits */
void evw_request(int64_t alert_id, unsigned gen);
/* Ask for a timeline page (replaces one waiting; a scan in progress stops
 * for it); the answer comes through evw_take as a result with tl set. */
void evw_timeline(const struct tl_req *rq);
struct evw_result *evw_take(void);       /* NULL none; caller frees */
void evw_result_free(struct evw_result *r);
void evw_stop(void);
/* alertview.c: a result arrived (takes ownership) */
void av_evidence(struct app *a, struct evw_result *r);
/* timeline.c */
void tl_reload(struct app *a);
void tl_more(struct app *a);
void tl_draw(struct app *a, int y, int h);
void tl_move(struct app *a, int delta);
void tl_free(struct av_pane *p);
const char *tl_item_name(int item, int en);
/* A page from the worker (takes ownership of r). */
void tl_page(struct app *a, struct evw_result *r);

/* ----------------------------------------------------------- wallboard.c */
void wb_draw(struct app *a);

/* -------------------------------------------------------------- dialog.c */
enum dlg_kind { DLG_VERDICT, DLG_CONFIRM, DLG_TYPED, DLG_PROMPT, DLG_CHOICE };
#define DLG_NOPT 4
struct dlg;
typedef void (*dlg_done)(struct app *a, struct dlg *d, int ok);
struct dlg {
	enum dlg_kind kind;
	char title[96];
	char **lines;           /* information shown above the input */
	size_t nlines;
	char prompt[64];
	wchar_t input[512];
	size_t ilen, icur;
	char expect[256];       /* DLG_TYPED: what must be typed */
	/* verdict */
	char verdict;           /* b g w */
	int phase_expl;         /* 0 quick 1 explanatory */
	int needs_expl;
	int field;              /* verdict: 0 verdict 1 phase 2 needs 3 comment;
	                           choice: 0 options 3 note */
	/* DLG_CHOICE: one option picked by its key (no default), then a note */
	struct { char key; char label[120]; } opt[DLG_NOPT];
	int nopt;
	char choice;            /* the key chosen, 0 none */
	char need[96];          /* DLG_PROMPT: Enter refuses a blank input with
	                           this message ("" = the input may be empty) */
	dlg_done done;
	int64_t tag;
	enum reg_id act;        /* the action to run confirmed */
	char err[128];
};
struct dlg *dlg_new(enum dlg_kind k, const char *title, dlg_done done);
void dlg_add_line(struct dlg *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void dlg_free(struct dlg *d);
/* A one-line prompt, input preset to init (may be NULL). */
struct dlg *dlg_prompt(const char *title, const char *label, const char *init,
                       dlg_done done);
/* Add an option to a DLG_CHOICE (at most DLG_NOPT; label sanitized). */
void dlg_add_choice(struct dlg *d, char key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The input as UTF-8 (static buffer until the next call). */
const char *dlg_text(const struct dlg *d);
void dlg_draw(struct app *a, struct dlg *d);
/* 1 when the key was consumed; the dialog may have closed itself. */
int dlg_key(struct app *a, struct dlg *d, int key);
void app_dialog(struct app *a, struct dlg *d);    /* show (replaces) */
void app_dialog_close(struct app *a);

/* ------------------------------------------------------------- apiact.c */
/* The workflow actions the state of the alert in hand allows (claim,
 * unclaim, verdict, publish, answer, close, undup, escalate), in that
 * order, for the status-line hints and the `?` overlay; at most max into
 * out, returns how many. No alert in hand: 0. */
size_t apiact_available(struct app *a, enum reg_id *out, size_t max);
/* Whether id is an action apiact_available judges by the alert's state. */
int apiact_is_workflow(enum reg_id id);

/* ---------------------------------------------------------------- help.c */
void help_draw(struct app *a);
void help_key(struct app *a, int key);

/* ------------------------------------------------------------- actions.c */
struct job {
	uint64_t seq;
	char what[32];          /* "isolate", "verdict" ... */
	char target[64];        /* host or alert #id, sanitized */
	char path[96];          /* API path */
	char *body;             /* JSON text, for a retry with the same key */
	char key[40];           /* Idempotency-Key */
	int64_t cmd_id;         /* command row, 0 none */
	int64_t alert_id;
	char state[16];         /* sending queued delivered done failed refused */
	char trail[96];         /* the states seen: "queued > delivered > done" */
	char detail[200];
	int64_t t_us;
	int after;              /* follow-up: 1 publish after verdict ... */
};
#define JOB_MAX 16
void jobs_command_notify(struct app *a, int64_t cmd_id);
void jobs_apply_command(struct app *a, PGresult *r);
const struct job *jobs_latest(const struct app *a);
void jobs_free(struct app *a);
/* A new job (the oldest is dropped when JOB_MAX are kept); borrowed. */
struct job *job_new(struct app *a, const char *what, const char *target);
/* POST body (stolen) to path for job j. 0, or -1 (job failed). */
int job_send(struct app *a, struct job *j, const char *path, json_t *body);
/* Called by app.c for every API answer (tag = job seq). */
void actions_api_done(struct app *a, int64_t tag, long status, json_t *body,
                      const char *err);

/* ----------------------------------------------------------------- app.c */
struct app {
	const struct opts *o;
	struct keymap km;
	struct theme th;
	int wallboard, mask, ascii;
	int running, exit_status;
	enum app_view view;
	int help, help_top;
	struct dlg *dlg;
	struct pgc *db;
	struct cmdapi *api;
	int64_t db_stale_since;     /* us; 0 when up */
	int db_connected_once;
	int64_t api_stale_since;
	int64_t api_next_health_ms;
	int64_t last_data_us;       /* last answer from the database */
	int64_t next_resync_ms;
	int64_t sync_last_id;       /* keyset of the chunked full resync */
	int64_t *pending_ids;       /* alert ids notified, to fetch */
	size_t npending, cappending;
	int64_t *pending_eps;       /* endpoint ids notified, to fetch */
	size_t npending_eps, cappending_eps;
	struct astore as;
	struct q_pane q;
	struct ep_pane ep;
	struct av_pane av;
	struct job jobs[JOB_MAX];
	size_t njobs;
	uint64_t job_seq;
	char msg[256];
	enum msg_level msg_level;
	int64_t msg_until_ms;
	int dirty;
	int too_small;
	int64_t now_us;             /* frame time */
	int64_t triage_next;        /* open this alert after the publish lands */
	/* what a dialog collected, for the confirmed call of its action */
	struct {
		int64_t alert_id, endpoint_id, tenant_id;
		char verdict;
		int expl, needs, version;
		char text[2048];        /* comment, reason, note: all of dlg_text */
		char by[256];           /* answer: who answered; "" unknown */
		char last_by[256];      /* offered by the next answer dialog */
		char path[1024], sha256[80], host[256];   /* raw, for the API */
		char *alerts;           /* JSON array text of aggregated alerts */
	} pend;
};
void app_resync(struct app *a);
/* {"a","b"} array literal of the --tenant names (malloc'd), NULL for all. */
char *app_tenant_array(const struct opts *o);
void app_fetch_alerts(struct app *a, const int64_t *ids, size_t n);
int app_ctx(const struct app *a);
/* Run a `:` command line. */
void app_command(struct app *a, const char *line);

#endif
