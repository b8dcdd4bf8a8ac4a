/* wf.h - workflow helpers shared by the routes and the jobs of itrace-cmdd.
 *
 * Everything here runs on a connection the caller owns, inside the
 * caller's transaction: a helper never commits. Functions returning int
 * give 0 on success and -1 on a database error (the caller answers with
 * rs_db() or logs); the SQL is always parameterised.
 */
#ifndef ITRACE_CMDD_WF_H
#define ITRACE_CMDD_WF_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>
#include <libpq-fe.h>

#include "core/calendar.h"
#include "core/rules.h"

/* A tenant's hearing-sheet settings and business calendar. */
struct wf_tenant {
	int64_t id;
	char name[128];
	bool auto_isolate, auto_exception;
	json_t *allowlist;          /* owned: [{"net","port"}] */
	json_t *contacts;           /* owned: ["mail", ...] */
	char mode[16];
	struct cal cal;             /* owned: release with wf_tenant_free */
	struct rules_tenant rt;     /* onboarding window etc. */
};
/* Load tenant id (its calendar: company file, tenant text, calendar_day
 * rows). 1 when there is no such tenant. */
int wf_tenant_load(PGconn *c, int64_t id, struct wf_tenant *t);
void wf_tenant_free(struct wf_tenant *t);
/* The calendar of a tenant from its pieces (company default file, the
 * tenant's own text, calendar_day rows as extra off/on lines). -1 with a
 * malloc'd *err when a calendar does not parse, -2 on a database error. */
int wf_calendar(PGconn *c, int64_t tenant_id, const char *tenant_text,
                struct cal *out, char **err);

/* The columns of an alert the rules read, loaded FOR UPDATE. */
struct wf_alert {
	int64_t id, tenant_id, endpoint_id, version, duplicate_of;
	enum rules_state state;
	enum rules_verdict quick, explain;
	bool needs_explanatory, escalated;
	int64_t received_us;
	char claimed_by[128];
	char sha256[65];
	char *path;                 /* owned */
	char *before;               /* owned: to_jsonb(row) for the audit */
};
/* 1 when not found. */
int wf_alert_lock(PGconn *c, int64_t id, struct wf_alert *a);
void wf_alert_free(struct wf_alert *a);
/* The API view of an alert (GET /v1/alerts/{id}); NULL if not found or on
 * error (*dberr set true on error). New reference. */
json_t *wf_alert_json(PGconn *c, int64_t id, bool *dberr);
/* to_jsonb of the row as text for an audit "after"; malloc'd or NULL. */
char *wf_row_json(PGconn *c, const char *table, int64_t id);

/* One audit row. before/after are JSON text or NULL. tenant_id 0 (or less)
 * marks an action of the service itself, of no tenant (migration 012). */
int wf_audit(PGconn *c, const char *actor, const char *action,
             const char *object, int64_t tenant_id, const char *before,
             const char *after, const char *rule);

/* Queue a command for an endpoint; *id receives its id. args is borrowed. */
int wf_command_queue(PGconn *c, int64_t tenant_id, int64_t endpoint_id,
                     const char *kind, json_t *args, const char *by,
                     int64_t alert_id, int64_t *id);
/* the protection mode the tenant's endpoints must run at now_us:
 * "nonblock" inside its onboarding window (R-8, rt.onboarding_*), else
 * the tenant's mode. *why (may be NULL) receives "onboarding" or
 * "tenant mode", for the audit. */
const char *wf_mode_effective(const struct wf_tenant *t, int64_t now_us,
                              const char **why);
/* converge endpoints on `mode`: every endpoint of the tenant (only
 * endpoint_id when > 0) whose mode_sent (migration 016; NULL = never told
 * = the client's default, nonblock) differs from mode and that has no
 * set_mode still queued gets one set_mode command (created_at now_us),
 * mode_sent = mode, and an audit row "endpoint.set_mode" (actor, rule
 * R-5, why). One statement; cheap when nothing differs. *queued (may be
 * NULL) receives the number of commands queued. */
int wf_mode_sync(PGconn *c, int64_t tenant_id, int64_t endpoint_id,
                 const char *mode, const char *why, const char *actor,
                 int64_t now_us, long *queued);
/* wf_tenant_load + wf_mode_effective + wf_mode_sync for one tenant (or
 * one endpoint of it) at now_us; 1 when there is no such tenant. */
int wf_mode_converge(PGconn *c, int64_t tenant_id, int64_t endpoint_id,
                     const char *actor, int64_t now_us, long *queued);

/* The API view of a command; NULL when missing (dberr as above). */
json_t *wf_command_json(PGconn *c, int64_t id, bool *dberr);

/* Queue isolation of the alert's endpoint unless it is isolated or
 * pending already (R-13: automatic, any hour). *cmd_id is 0 when nothing
 * was queued. Audited with `rule`. */
int wf_isolate(PGconn *c, const struct wf_tenant *t, int64_t endpoint_id,
               int64_t alert_id, const char *reason, bool urgent,
               const char *actor, const char *rule, int64_t *cmd_id);

/* Add an exception now (an exception row plus an "except" command to each
 * endpoint of the tenant) or, when at_us is later than now, schedule it
 * (exception_pending, R-14). sha256/path may be NULL (not both). */
int wf_exception_add(PGconn *c, const struct wf_tenant *t, const char *sha256,
                     const char *path, const char *reason, int64_t alert_id,
                     const char *actor, const char *rule, int64_t *exc_id,
                     json_t *cmd_ids);
int wf_exception_schedule(PGconn *c, int64_t tenant_id, const char *sha256,
                          const char *path, const char *reason,
                          int64_t alert_id, int64_t at_us);

/* The consequences of a verdict (R-13 isolation, R-14 exception) for an
 * alert; endpoints to wake are appended to wake[] (capacity 8). */
int wf_after_verdict(PGconn *c, const struct wf_tenant *t,
                     const struct wf_alert *a, enum rules_phase phase,
                     enum rules_verdict v, int64_t now_us, const char *actor,
                     int64_t *wake, size_t *nwake);

/* Map an actor's role to the rules' role. */
enum rules_role wf_role(int role);

/* Timestamps as query parameters: PostgreSQL timestamptz text. */
const char *wf_ts(int64_t us, char *buf);   /* buf >= 40 */

#endif
