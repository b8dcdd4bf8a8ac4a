/* monthly.h - the monthly report (SPEC R-25): its model, the rules of when
 * it is due and ready, the managed-service downtime, and its Markdown and
 * HTML forms (ja/en).
 *
 * Pure code: no SQL, no clock (every time is given), no I/O. src/db/
 * monthly.c loads a tenant's month into the model; `itrace-tui report
 * monthly` prints it; itrace-cmdd publishes it (src/cmdd/jobs_monthly.c).
 *
 * THE MONTH is the calendar month in the tenant's zone (struct cal):
 * [local midnight of the 1st, local midnight of the 1st of the next month).
 * An alert belongs to the month in which the service system RECEIVED it.
 *
 * WHAT IS COUNTED (monthly_add_alert):
 *   received      every alert of the month;
 *   duplicates    R-12: no report, no mail: counted, not listed;
 *   onboarding    R-8: received during onboarding, not triaged: counted,
 *                 not listed;
 *   triaged       the rest: one row each in "reports per alert", and the
 *                 verdict counts: the explanatory verdict when there is
 *                 one (R-16: it may differ from the quick one; an answer
 *                 or the R-19 timeout is stored there too), else the quick
 *                 verdict, else pending;
 *   clocks       : a report published at or before its due
 *                 time is "met"; published after it, or still unpublished
 *                 past it at the end of the data, "missed";
 *   per day       received alerts per local day (the trend chart), and
 *                 triaged alerts per day and verdict (table 1).
 *
 * DOWNTIME (monthly_add_run, monthly_finish): the daemon records its own
 * runs (table service_run: started, last beat, stopped). Downtime is the
 * time inside the measured window covered by no run: several daemons
 * running at once count once (union of the runs). The measured window is
 * the month, cut at the end of the data (a month still running ends now)
 * and at the first run ever recorded (before it nothing was measured:
 * the report says so). No run at all: downtime unknown.
 *
 * TEXT FROM ENDPOINTS: every string given to monthly_new / monthly_add_*
 * is raw; the model keeps a san_str() copy (sanitize.h), so renderers only
 * ever see sanitized text, and they escape it for their format: Markdown
 * through report_md_escape() (report.h), HTML through monthly_html_escape().
 * The HTML is one self-contained document: inline CSS and an inline SVG
 * chart, no script, no external resource (a Content-Security-Policy of
 * default-src 'none' says so to the browser).
 *
 * Ownership: the model owns everything in it; monthly_free() frees it.
 * Functions returning char * give a malloc'd string the caller frees, NULL
 * only on allocation failure. Functions returning int give 0, or -1 on
 * allocation failure (the model stays consistent, the row is lost).
 */
#ifndef ITRACE_MONTHLY_H
#define ITRACE_MONTHLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/calendar.h"
#include "core/report.h"        /* enum rp_lang */

#define MR_NONE INT64_MIN       /* absent time */

/* Rows kept for the tables; counts always cover everything. */
#define MR_MAX_ALERT_ROWS    5000
#define MR_MAX_ENDPOINT_ROWS 2000
#define MR_MAX_GAP_ROWS      100

/* A run without a clean stop whose last beat is this close to the end of
 * the data is taken as running until then (it beats every job interval,
 * 60 s by default); an older last beat is where it stopped (a crash). */
#define MR_BEAT_GRACE_US (INT64_C(3) * 60 * 1000000)

enum mr_verdict { MR_PENDING, MR_BLACK, MR_GRAY, MR_WHITE, MR_VERDICTS };

/* An alert as stored (strings raw and borrowed; NULL for absent). */
struct mr_alert_in {
	int64_t id;
	const char *host;               /* endpoint host name */
	const char *path;               /* detected file */
	const char *detection;
	const char *quick_verdict;      /* "black" | "gray" | "white" | NULL */
	const char *explain_verdict;
	int64_t received_us;
	int64_t quick_due_us, quick_published_us;       /* MR_NONE absent */
	int64_t explain_due_us, explain_published_us;
	bool needs_explanatory;         /* an explanatory report is owed */
	bool duplicate;                 /* */
	bool onboarding;                /* */
	bool escalated;                 /* */
	bool gray_timeout;              /* closed white by R-19 */
	bool quick_report, explain_report;  /* such reports were published */
};

struct mr_alert {
	int64_t id;
	char *host, *path, *detection;  /* sanitized, owned ("" absent) */
	int64_t received_us;
	enum mr_verdict verdict;        /* final (see above) */
	enum mr_verdict quick;          /* the quick verdict, pending if none */
	bool quick_report, explain_report, escalated;
};

/* An endpoint of the tenant (strings raw, borrowed, NULL absent). */
struct mr_endpoint_in {
	const char *host;
	const char *client_version;
	const char *isolation;          /* none | pending | isolated |
	                                   release_pending */
	const char *last_error;
	int64_t created_us;
	int64_t last_seen_us;           /* MR_NONE: never */
};

struct mr_endpoint {
	char *host, *client_version, *isolation, *last_error;  /* sanitized */
	int64_t last_seen_us;
	bool isolated;                  /* isolated or about to change */
};

struct mr_span {
	int64_t from_us, to_us;         /* [from, to) */
};

struct monthly {
	char *tenant;                   /* sanitized */
	int year, month;
	int tz_min;                     /* the tenant zone, minutes east */
	int64_t from_us, to_us;         /* the month [from, to) */
	int64_t now_us;                 /* when the report was made */
	int64_t data_to_us;             /* min(to, now): end of the data */
	int days;                       /* days in the month */

	/* hearing sheet, onboarding window */
	bool auto_isolate, auto_exception;
	char *mode;                     /* "block" | "nonblock" (sanitized) */
	int64_t onboarding_from_us, onboarding_to_us;  /* equal: none */

	/* alerts (monthly_add_alert) */
	long received, duplicates, onboarding, triaged, escalated, gray_timeouts;
	long verdicts[MR_VERDICTS];
	long quick_met, quick_missed, explain_met, explain_missed;
	long daily[31];                 /* received per local day */
	long daily_v[31][MR_VERDICTS];  /* triaged per day and verdict */
	long prev_received;             /* the month before; -1 unknown */

	/* reports published and actions requested in the month (loader) */
	long reports_quick, reports_explain;
	long cmd_isolate, cmd_release, cmd_delete, cmd_fetch, exceptions;

	struct mr_alert *alerts;        /* triaged alerts, by reception */
	size_t n_alerts, cap_alerts, alerts_dropped;

	/* endpoints (monthly_add_endpoint): registered at the end of the
	 * data; contacted = last contact inside the month or later */
	long ep_registered, ep_contacted, ep_never, ep_isolated, ep_errors;
	struct mr_endpoint *endpoints;
	size_t n_endpoints, cap_endpoints, endpoints_dropped;

	/* downtime (monthly_add_run, monthly_finish) */
	struct mr_span *runs;
	size_t n_runs, cap_runs;
	int64_t first_run_us;           /* earliest run start ever, MR_NONE */
	int64_t measured_from_us, measured_to_us;
	bool measured;                  /* false: no uptime record at all */
	int64_t down_us;
	struct mr_span *gaps;           /* downtime periods, in order */
	size_t n_gaps;
};

/* ---- The month ---------------------------------------------------------- */

/* "YYYY-MM" (year 2000..2099): 0, or -1 when malformed. */
int monthly_parse_month(const char *s, int *year, int *month);

/* [*from, *to) of the month in c's zone. -1 for a bad month. */
int monthly_bounds(const struct cal *c, int year, int month, int64_t *from_us,
                   int64_t *to_us);

/* The month before the one containing now (c's zone). */
void monthly_prev_month(const struct cal *c, int64_t now_us, int *year,
                        int *month);

/* WHEN THE DAEMON PUBLISHES (R-25: due by the end of the 5th business day
 * of the next month, sla_monthly_due): not before the month is over; then
 * as soon as no alert of the month is still open (open_alerts == 0: every
 * verdict is final, the counts will not change), and at the latest when
 * the 5th business day opens, whatever is still open (the report says
 * so), which leaves its business hours to publish and mail. */
bool monthly_ready(const struct cal *c, int year, int month, int64_t now_us,
                   long open_alerts);

/* ---- The model ---------------------------------------------------------- */

/* A new, empty model of tenant's month (tenant raw); now_us is when the
 * report is made (cuts a month still running). NULL for a bad month or
 * on allocation failure. */
struct monthly *monthly_new(const char *tenant, const struct cal *c, int year,
                            int month, int64_t now_us);
void monthly_free(struct monthly *m);

/* Settings of the hearing sheet; mode raw. -1 on allocation failure. */
int monthly_set_tenant(struct monthly *m, bool auto_isolate,
                       bool auto_exception, const char *mode,
                       int64_t onboarding_from_us, int64_t onboarding_to_us);

/* Count an alert and keep its row (see "What is counted"); an alert
 * received outside the month is ignored. */
int monthly_add_alert(struct monthly *m, const struct mr_alert_in *a);

/* Count an endpoint and keep its row; one created after the end of the
 * data is ignored. */
int monthly_add_endpoint(struct monthly *m, const struct mr_endpoint_in *e);

/* One daemon run: started at start_us, last beat at beat_us, cleanly
 * stopped at stop_us (MR_NONE: no clean stop; see MR_BEAT_GRACE_US).
 * Runs may overlap and come in any order; give every run that may touch
 * the month, and through first_run_us the earliest start ever. */
int monthly_add_run(struct monthly *m, int64_t start_us, int64_t beat_us,
                    int64_t stop_us);

/* Compute the downtime from the runs given. -1 on allocation failure. */
int monthly_finish(struct monthly *m);

/* ---- Renderers ---------------------------------------------------------- */

/* Section names of the service description (5-1) for RP_JA:
 * 1 ヶ月のエグゼクティブ・サマリー, 1 ヶ月のサービス稼働状況, 別紙と用語,
 * with their numbered items; English equivalents for RP_EN. */
char *monthly_markdown(const struct monthly *m, enum rp_lang lang);
char *monthly_html(const struct monthly *m, enum rp_lang lang);

/* HTML-escaped copy of s (& < > " ' as entities); s NULL is "". */
char *monthly_html_escape(const char *s);

/* Static names. */
const char *monthly_verdict_name(enum mr_verdict v, enum rp_lang lang);

#endif
