/* rules.h - the alert state machine and the service's decisions (SPEC R-8,
 * R-10..R-22, R-29), without SQL and without a clock.
 *
 * The daemon (src/cmdd) loads what a decision needs, asks here, and writes
 * the answer with its audit row; the console asks the same functions to
 * grey out actions the state does not allow.  Every time is int64_t
 * microseconds since the epoch (UTC); business time comes from the tenant's
 * struct cal (calendar.h).
 *
 * STATES (the strings are the values of alert.state in the database):
 *
 *   onboarding       received during the tenant's onboarding: not
 *                    triaged, no clocks; an analyst closes it
 *   new              waiting for an analyst (quick clock running, R-10)
 *   claimed          an analyst is on it
 *   quick_verdict    quick verdict given (may be given again), not published
 *   quick_published  quick report out, nothing more needed: close it
 *   explain_needed   quick report out, explanatory report owed
 *   explain_verdict  explanatory verdict given, not published
 *   explain_published explanatory report out (black or white): close it
 *   awaiting_reply   gray explanatory report out, waiting for the
 *                    administrator's answer
 *   duplicate        same endpoint and file within 72 h of the first alert
 *                    no report, no mail; a lead can undo it
 *   closed           done (also: closed white by an exception, R-21)
 *
 *   claim            new -> claimed
 *   unclaim          claimed -> new
 *   verdict_quick    claimed | quick_verdict -> quick_verdict
 *   publish_quick    quick_verdict -> explain_needed (needs_explanatory, or
 *                    gray: a gray verdict always needs the explanatory
 *                    report) | quick_published
 *   verdict_explain  explain_needed | explain_verdict -> explain_verdict
 *   publish_explain  explain_verdict -> awaiting_reply (gray) |
 *                    explain_published
 *   answer           awaiting_reply -> closed (white if the file was used on
 *                    purpose, else black; see rules_answer_verdict)
 *   gray_timeout     awaiting_reply -> closed, handled as white;
 *                    role system only (the daemon's timed job)
 *   close            onboarding | quick_published | explain_published ->
 *                    closed
 *   undo_duplicate   duplicate -> new, lead only
 *   escalate         any state but duplicate -> the same state: escalation
 *                    to professional services is the alert's
 *                    `escalated` flag, not a state, because the SOC work
 *                    goes on in parallel
 *
 *   Roles: viewer and endpoint change nothing; analyst does every action
 *   but undo_duplicate and gray_timeout; lead does what an analyst does
 *   plus undo_duplicate; system only does gray_timeout.  Anything else is
 *   refused.
 *
 * Ownership: every returned string is static; pointers inside input
 * structs are borrowed for the call only; nothing here allocates.
 */
#ifndef ITRACE_RULES_H
#define ITRACE_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/calendar.h"

enum rules_state {
	RULES_ONBOARDING,
	RULES_NEW,
	RULES_CLAIMED,
	RULES_QUICK_VERDICT,
	RULES_QUICK_PUBLISHED,
	RULES_EXPLAIN_NEEDED,
	RULES_EXPLAIN_VERDICT,
	RULES_EXPLAIN_PUBLISHED,
	RULES_AWAITING_REPLY,
	RULES_DUPLICATE,
	RULES_CLOSED,
	RULES_STATE_COUNT
};

enum rules_action {
	RULES_CLAIM,
	RULES_UNCLAIM,
	RULES_VERDICT_QUICK,
	RULES_PUBLISH_QUICK,
	RULES_VERDICT_EXPLAIN,
	RULES_PUBLISH_EXPLAIN,
	RULES_ANSWER,
	RULES_GRAY_TIMEOUT,
	RULES_CLOSE,
	RULES_UNDO_DUPLICATE,
	RULES_ESCALATE,
	RULES_ACTION_COUNT
};

enum rules_role {
	RULES_ROLE_VIEWER,
	RULES_ROLE_ANALYST,
	RULES_ROLE_LEAD,
	RULES_ROLE_SYSTEM,      /* the daemon's own jobs */
	RULES_ROLE_ENDPOINT,
	RULES_ROLE_COUNT
};

enum rules_verdict {
	RULES_V_NONE,
	RULES_V_BLACK,
	RULES_V_GRAY,
	RULES_V_WHITE
};

enum rules_phase {
	RULES_PHASE_QUICK,      /* quick verdict */
	RULES_PHASE_EXPLAIN,    /* explanatory verdict */
	RULES_PHASE_REPLY       /* outcome of a gray answer or timeout */
};

/* ---- Names (static strings; parse functions return 0 or -1) ---- */

const char *rules_state_name(enum rules_state s);     /* "new", ...; "?" */
int rules_state_parse(const char *name, enum rules_state *out);
const char *rules_action_name(enum rules_action a);   /* "claim", ... */
int rules_action_parse(const char *name, enum rules_action *out);
const char *rules_role_name(enum rules_role r);       /* "analyst", ... */
int rules_role_parse(const char *name, enum rules_role *out);
/* "black", "gray", "white"; NULL for RULES_V_NONE (SQL NULL). */
const char *rules_verdict_name(enum rules_verdict v);
int rules_verdict_parse(const char *name, enum rules_verdict *out);

/* Open states: everything but duplicate and closed (the console's queue). */
bool rules_state_open(enum rules_state s);

/* ---- The state machine ---- */

/* What a transition depends on besides the state.  NULL means none given. */
struct rules_facts {
	/* verdict_quick / verdict_explain: the verdict being given;
	 * publish_quick: the alert's quick verdict;
	 * publish_explain: the explanatory verdict being published. */
	enum rules_verdict verdict;
	/* publish_quick: the alert's needs_explanatory. */
	bool needs_explanatory;
};

enum rules_check {
	RULES_OK = 0,
	RULES_EROLE,    /* the role may not do this at all (HTTP 403) */
	RULES_ESTATE,   /* not from this state (HTTP 409) */
	RULES_EINPUT    /* a verdict is missing from facts (HTTP 400) */
};

/* Check an action: RULES_OK and *next (may be NULL) set to the state after
 * it, or an error and *why (may be NULL) set to a static English sentence
 * for the error body.  Role is checked before state. */
enum rules_check rules_transition(enum rules_state from,
    enum rules_action action, enum rules_role role,
    const struct rules_facts *facts, enum rules_state *next,
    const char **why);

/* The same as a bool, for the brief "may I?" of the console. */
bool rules_transition_ok(enum rules_state from, enum rules_action action,
    enum rules_role role, const struct rules_facts *facts,
    enum rules_state *next);

/* ---- A new alert (R-8, R-10, R-12, R-15, R-21) ---- */

/* Hearing-sheet settings of the tenant that the rules read. */
struct rules_tenant {
	bool auto_isolate;              /* */
	bool auto_exception;            /* */
	/* alerts received in [onboarding_start_us, onboarding_end_us)
	 * are onboarding alerts; start == end means no onboarding.  See
	 * rules_onboarding_window(). */
	int64_t onboarding_start_us;
	int64_t onboarding_end_us;
};

/* An exception-list entry.  Strings borrowed; NULL or ""
 * for "not by this key". */
struct rules_exception {
	int64_t id;
	const char *sha256;
	const char *path;
};

/* The latest alert of the same endpoint and SHA-256 received at or before
 * the new one, as stored. */
struct rules_prev {
	int64_t id;
	int64_t received_us;
	enum rules_state state;
	int64_t duplicate_of;           /* its duplicate_of, 0 when none */
	int64_t first_received_us;      /* if duplicate_of: that alert's
	                                   received time */
};

struct rules_new_in {
	int64_t received_us;
	const struct rules_prev *prev;          /* NULL: none (or no hash) */
	const struct rules_exception *exception;/* a match (see
	                                   rules_exception_match) or NULL */
};

struct rules_new_out {
	enum rules_state state;
	int64_t duplicate_of;           /* the first alert, else 0 */
	int64_t quick_due_us;           /* R-10; 0 = no clock */
	int64_t explain_due_us;         /* R-15; 0 = no clock (applies once
	                                   the quick report asks for it) */
	enum rules_verdict verdict;     /* white if closed by exception */
	int64_t exception_id;           /* the entry, else 0 */
	bool report;                    /* a quick report is owed */
	const char *rule;               /* for the audit row: "R-21", "R-8",
	                                   "R-12" or "R-10" */
	char closed_reason[64];         /* alert.closed_reason, "" if open */
};

/* Decide a new alert's state and clocks.  Order: an exception match closes
 * it white; else during onboarding it is `onboarding` without
 * clocks; else if prev leads to a first alert received at most 72 h
 * earlier it is a `duplicate` of that first alert (R-12: counted from the
 * FIRST alert of a chain, never from the previous duplicate; an onboarding
 * alert opens no window); else `new` with quick and explanatory due times.
 * tenant may be NULL (no onboarding, no automatic actions). */
void rules_new_alert(const struct cal *c, const struct rules_tenant *tenant,
    const struct rules_new_in *in, struct rules_new_out *out);

/* the clocks of an alert received at received_us (used again
 * when a lead undoes a duplicate: the clocks still run from reception). */
void rules_due_times(const struct cal *c, int64_t received_us,
    int64_t *quick_due_us, int64_t *explain_due_us);

/* the onboarding window of a tenant whose service starts on the local
 * date year-month-day and whose onboarding lasts `days` calendar days:
 * [local midnight of the start, local midnight `days` days later). */
void rules_onboarding_window(const struct cal *c, int year, int month,
    int day, int days, int64_t *start_us, int64_t *end_us);

/* ---- After a verdict (R-13, R-14, R-19, R-2) ---- */

struct rules_verdict_in {
	enum rules_phase phase;
	enum rules_verdict verdict;
	bool needs_explanatory;         /* quick phase: as asked */
	bool endpoint_isolated;         /* isolation pending or in place */
	int64_t now_us;
};

struct rules_verdict_out {
	/* Quick phase: asked || gray (a gray quick verdict always needs the
	 * explanatory report); other phases: false. */
	bool needs_explanatory;
	/* The alert's verdict is final (no explanatory report to come). */
	bool final;
	/* black and auto_isolate: queue isolation now, any hour
	 * (already at a black quick verdict: isolation does not wait for the
	 * explanatory report). */
	bool isolate_now;
	/* final white and auto_exception: add the file to the
	 * exception list at exception_at_us, the first business instant at or
	 * after now (now itself within business hours; CAL_NEVER if the
	 * calendar has no business time ahead). */
	bool add_exception;
	int64_t exception_at_us;
	/* gray explanatory verdict: when its report is published the
	 * alert waits for the answer, due sla_reply_due(published). */
	bool await_reply;
};

void rules_after_verdict(const struct cal *c, const struct rules_tenant *tenant,
    const struct rules_verdict_in *in, struct rules_verdict_out *out);

/* the verdict an administrator's answer gives: the file was saved or
 * run on purpose -> white, not -> black.  A timeout gives white. */
enum rules_verdict rules_answer_verdict(bool intended);

/* should the timed job turn this alert white now?  True when it is
 * awaiting_reply and now is past reply_due (0 = no due: never). */
bool rules_gray_overdue(enum rules_state s, int64_t reply_due_us,
    int64_t now_us);

/* does publishing this report mail the contacts?  Quick:
 * black; explanatory: black or gray. */
bool rules_report_mails(enum rules_phase phase, enum rules_verdict v);

/* ---- Business-hours gate for manual actions (R-8, R-14, R-22..R-24) ---- */

enum rules_gate {
	RULES_GATE_OPEN,        /* inside business hours */
	RULES_GATE_URGENT,      /* outside, allowed: a lead marked it urgent */
	RULES_GATE_CLOSED       /* outside: 409 with the next window */
};

/* Is a manual isolate/release/delete/fetch/exception allowed now?  Sets
 * *win_start and *win_end (may be NULL) to the next business window (the
 * current one when open; CAL_NEVER when none). */
enum rules_gate rules_business_gate(const struct cal *c, int64_t now_us,
    enum rules_role role, bool urgent, int64_t *win_start_us,
    int64_t *win_end_us);

/* ---- Exception matching (R-21, R-14, R-4) ---- */

/* SHA-256 hex strings equal ignoring case; false if either is NULL/"". */
bool rules_sha256_equal(const char *a, const char *b);

/* Windows path match: ASCII letters compare without case, '/' and '\'
 * are the same separator and runs of them count as one, a leading
 * "\\?\" or "\\.\" is ignored.  In the pattern, '*' matches any run of
 * characters (separators included) and '?' one character other than a
 * separator (Windows file names cannot contain either).  Without
 * wildcards it is an exact match.  false if either is NULL/"". */
bool rules_path_match(const char *pattern, const char *path);

/* The entry matching the alert's hash (first by SHA-256 over the whole
 * list, then by path), or NULL.  Returns a pointer into list. */
const struct rules_exception *rules_exception_match(
    const struct rules_exception *list, size_t n, const char *sha256,
    const char *path);

#endif
