/* cmdd.h - the inside of itrace-cmdd, shared by its files.
 *
 * Map of the daemon (each file has one job):
 *   main.c             options, config file, signals, start/stop
 *   admin.c            `tenant add|set`, `token add`, `release add`
 *   admin_tuning.c     `tuning add|list|del` (R-7 rules in tuning_rule)
 *   tuning_cache.c     compiled R-7 rules per tenant for agent events
 *   http.c             libmicrohttpd: bodies, limits, logging, dispatch,
 *                      transactions, idempotency, long-poll suspend/resume
 *   pool.c             one libpq connection per worker thread, reconnects
 *   auth.c             bearer token -> struct actor; tenant/role checks
 *   idem.c             Idempotency-Key storage
 *   jv.c               JSON body validation and JSON/error responses
 *   wf.c               workflow helpers shared by routes and jobs: audit,
 *                      alert/endpoint/tenant loading, commands, rules glue
 *   routes_alerts.c    /v1/alerts/...
 *   routes_endpoints.c /v1/endpoints/..., /v1/tenants/..., /v1/commands/...
 *   routes_reports.c   /v1/alerts/{id}/reports, /v1/reports/...
 *   routes_agent.c     /v1/agent/...
 *   longpoll.c         heartbeat waiters, woken when a command is queued
 *   cache.c            tokens and heartbeat state in memory (cache.h)
 *   jobs.c             the timed jobs thread (R-19, R-14, expiry, mail)
 *   jobs_monthly.c     jobs: monthly report, log retention
 *   clock.c            the clock (ITRACE_FAKE_NOW test hook)
 *   mail.h             hook into mail.c (outbox sender, another module)
 *
 * Threads: MHD's worker pool calls http.c; each worker uses its own
 * PGconn (pool.c). The jobs thread and the long-poll timer thread run
 * beside them. Shared mutable state is only longpoll.c's waiter list and
 * the configuration (read-only after start).
 */
#ifndef ITRACE_CMDD_H
#define ITRACE_CMDD_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include <libpq-fe.h>

/* ---- configuration (main.c), read-only once the server runs ---- */
struct cmdd_cfg {
	char *db;               /* libpq conninfo */
	char *listen_host;      /* "127.0.0.1" */
	int listen_port;        /* 0: any free port */
	int threads;            /* MHD worker threads (2..8), default 4 */
	int job_interval_ms;    /* timed jobs period, default 60 s */
	int longpoll_max_s;     /* heartbeat long-poll cap, default 25 */
	size_t body_limit;      /* 1 MiB */
	size_t events_limit;    /* 16 MiB, POST /v1/agent/events */
	char *smtp_url;         /* NULL: mail stays queued */
	char *mail_from;        /* From: of outgoing mail */
	char *calendar_file;    /* company default calendar; NULL built-in */
	char *calendar_text;    /* its contents */
};
extern struct cmdd_cfg cmdd_cfg;

/* ---- clock.c ---- */
/* Reads ITRACE_FAKE_NOW (RFC 3339): a TEST HOOK. When set, the daemon's
 * clock starts at that instant and advances with real (monotonic) time.
 * Returns -1 with a message on stderr if the variable is malformed. */
int clk_init(void);
int64_t clk_now_us(void);           /* wall clock, UTC microseconds */
int64_t clk_mono_ms(void);          /* monotonic milliseconds */
/* RFC 3339 "2026-11-20T07:00:00.000Z" into buf (>= 32 bytes). */
const char *clk_fmt(int64_t us, char *buf, size_t len);

/* ---- pool.c ---- */
void pool_init(const char *conninfo);
/* The calling thread's connection, connected (or reconnected) when needed;
 * NULL when the database cannot be reached (answer 503). Borrowed. */
PGconn *pool_get(void);
/* Forget the calling thread's connection (after a connection failure). */
void pool_drop(void);
/* Close every connection made by pool_get (at shutdown). */
void pool_close_all(void);
/* A standalone connection for admin commands and jobs; NULL + stderr. */
PGconn *pool_connect(const char *conninfo);

/* Parameterised query, text in and out. n parameters in p (NULL = SQL
 * NULL). Always returns a result (PQclear it). */
PGresult *dbx(PGconn *c, const char *sql, int n, const char *const *p);
/* The same through a statement prepared once per connection under name
 * (a fixed string; at most 16 names): the hot paths skip parsing and
 * planning. */
PGresult *dbp(PGconn *c, const char *name, const char *sql, int n,
              const char *const *p);
#define DBQ(c, sql, ...)                                                    \
	dbx((c), (sql),                                                     \
	    (int)(sizeof((const char *[]){NULL, __VA_ARGS__}) /             \
	          sizeof(const char *)) - 1,                                \
	    ((const char *[]){NULL, __VA_ARGS__}) + 1)
#define DBP(c, name, sql, ...)                                              \
	dbp((c), (name), (sql),                                             \
	    (int)(sizeof((const char *[]){NULL, __VA_ARGS__}) /             \
	          sizeof(const char *)) - 1,                                \
	    ((const char *[]){NULL, __VA_ARGS__}) + 1)
bool db_ok(const PGresult *r);     /* COMMAND_OK or TUPLES_OK */
bool db_lost(PGconn *c);           /* connection gone (503 material) */
/* Integer <-> text for parameters: buf >= 24 bytes. */
const char *i64s(char *buf, int64_t v);
int64_t db_i64(const PGresult *r, int row, int col);  /* 0 when NULL */
/* The cell as a malloc'd string, NULL for SQL NULL. */
char *db_strdup(const PGresult *r, int row, int col);

/* ---- auth.c ---- */
enum role { ROLE_VIEWER, ROLE_ANALYST, ROLE_LEAD, ROLE_ENDPOINT };
struct actor {
	int64_t id;                 /* analyst.id */
	char name[128];             /* analyst name, or "endpoint:HOST" */
	enum role role;
	bool all_tenants;           /* analyst.tenants IS NULL */
	int64_t tenants[64];        /* else these (first 64) */
	size_t ntenants;
	int64_t endpoint_id;        /* role endpoint: its endpoint */
	int64_t endpoint_tenant;
};
const char *role_name(enum role r);
/* Look the bearer token up. 0 found; 1 missing/bad/revoked; -1 db error;
 * 2 remembered, ask again after the request's barrier (cache.h). */
int auth_lookup(PGconn *c, const char *authorization, struct actor *a);
bool auth_tenant_ok(const struct actor *a, int64_t tenant_id);
bool auth_can_write(const struct actor *a);   /* analyst or lead */

/* ---- requests and responses (http.c, jv.c) ---- */
struct resp {
	int status;
	char *body;                 /* owned JSON text (or ctype's) */
	size_t len;
	const char *ctype;          /* NULL: application/json; else a static
	                             * text type (GET /v1/reports/{id}?format) */
};

struct req {
	const char *method;         /* "GET", "POST" */
	const char *path;           /* decoded URL path, no query */
	const char *format;         /* query argument `format`, NULL absent */
	const char *body;           /* raw body (NUL-terminated), may be "" */
	size_t len;
	json_t *json;               /* parsed object body of a POST, or NULL */
	struct actor actor;
	PGconn *db;
	int64_t id;                 /* the {id} of the path */
	int64_t now_us;             /* request time (clk_now_us) */
	/* After the transaction commits: endpoints whose long-polls to wake. */
	int64_t wake[8];
	size_t nwake;
	/* Long-poll (routes_agent.c): set by a handler that wants to wait. */
	bool want_wait;
	int64_t wait_endpoint;
	bool resumed;               /* second call after a wait */
	void *route_state;          /* handler's own state across the wait */
	/* Idempotency-Key (NULL without one), for a route that keeps its
	 * answers itself (the heartbeat: it fingerprints the request with
	 * idem_fingerprint only when it asks the database). */
	const char *idem_key;
	/* Set by a handler (or auth) that memory would answer once the
	 * request's barrier has passed (cache.h): http.c suspends it until
	 * then and runs it again. */
	bool want_sync;
};

/* Set a JSON response: takes ownership of j (steals the reference). */
int rs_json(struct resp *rs, int status, json_t *j);
/* {"error":{"code","message"}} plus the members of extra (stolen, may be
 * NULL) inside "error". Returns status. */
int rs_err(struct resp *rs, int status, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
int rs_errx(struct resp *rs, int status, const char *code, json_t *extra,
            const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* A failed query: 503 db_unavailable when the connection is gone (and
 * drop it), else 500 internal (the PostgreSQL message goes to stderr, not
 * to the client). Clears r. */
int rs_db(struct req *rq, struct resp *rs, PGresult *r);
void rs_free(struct resp *rs);

/* ---- jv.c: body validation; each writes a 400 and returns -1 ---- */
/* Every member of obj must be in allowed (NULL-terminated). */
int jv_only(const json_t *obj, const char *const *allowed, struct resp *rs);
/* String member: required or optional (then *out = NULL when absent or
 * null); length 1..maxlen bytes (0 allowed when allow_empty). Borrowed. */
int jv_str(const json_t *obj, const char *name, bool required, size_t maxlen,
           const char **out, struct resp *rs);
/* One of the NULL-terminated choices; *out borrowed. */
int jv_enum(const json_t *obj, const char *name, bool required,
            const char *const *choices, const char **out, struct resp *rs);
/* Boolean: *out = dflt when absent. */
int jv_bool(const json_t *obj, const char *name, bool dflt, bool *out,
            struct resp *rs);
/* Integer in [min, max]; *present tells whether it was given. */
int jv_int(const json_t *obj, const char *name, bool required, int64_t min,
           int64_t max, int64_t *out, bool *present, struct resp *rs);
/* Lower-case 64-hex SHA-256 string (upper case accepted, lowered into
 * buf[65]). */
int jv_sha256(const json_t *obj, const char *name, bool required, char *buf,
              bool *present, struct resp *rs);
/* RFC 3339 time string. */
int jv_time(const json_t *obj, const char *name, bool required, int64_t *out,
            struct resp *rs);

/* ---- idem.c ---- */
void idem_fingerprint(const char *method, const char *path, const char *body,
                      size_t len, char out[65]);
bool idem_key_ok(const char *key);   /* 1..255 visible ASCII */
/* Inside the transaction: 0 not seen (go on); 1 seen, *rs is the first
 * answer; 2 key reused for another request, *rs is a 422; -1 db error. */
int idem_lookup(PGconn *c, int64_t actor, const char *key, const char *fp,
                struct resp *rs);
int idem_store(PGconn *c, int64_t actor, const char *key, const char *fp,
               const struct resp *rs);

/* ---- routes (routes_*.c) ---- */
typedef int (*route_fn)(struct req *rq, struct resp *rs);
/* Find the handler for method+path; sets rq->id. NULL: 404 or 405 as
 * *status says. *write: the route changes state (runs in a transaction,
 * idempotent). *agent: an agent route (endpoint tokens only). */
route_fn route_find(const char *method, const char *path, int64_t *id,
                    bool *write, bool *agent, bool *big_body, int *status);

int r_health(struct req *rq, struct resp *rs);
int r_alert_get(struct req *rq, struct resp *rs);
int r_alert_claim(struct req *rq, struct resp *rs);
int r_alert_unclaim(struct req *rq, struct resp *rs);
int r_alert_verdict(struct req *rq, struct resp *rs);
int r_alert_reports(struct req *rq, struct resp *rs);
int r_alert_answer(struct req *rq, struct resp *rs);
int r_alert_escalate(struct req *rq, struct resp *rs);
int r_alert_undup(struct req *rq, struct resp *rs);
int r_alert_close(struct req *rq, struct resp *rs);
int r_endpoint_get(struct req *rq, struct resp *rs);
int r_endpoint_isolate(struct req *rq, struct resp *rs);
int r_endpoint_release(struct req *rq, struct resp *rs);
int r_endpoint_delete(struct req *rq, struct resp *rs);
int r_endpoint_fetch(struct req *rq, struct resp *rs);
int r_tenant_exception(struct req *rq, struct resp *rs);
int r_command_get(struct req *rq, struct resp *rs);
int r_report_get(struct req *rq, struct resp *rs);
int r_agent_heartbeat(struct req *rq, struct resp *rs);
int r_agent_result(struct req *rq, struct resp *rs);
int r_agent_alerts(struct req *rq, struct resp *rs);
int r_agent_events(struct req *rq, struct resp *rs);
/* A queued command waits for endpoint ep (long-poll re-check). */
bool agent_has_pending(PGconn *c, int64_t ep);

/* ---- admin.c: `tenant`, `token`, `release` subcommands; exit status ---- */
int admin_main(const char *conninfo, int argc, char **argv);
/* admin_tuning.c: `tuning add|list|del`; argv[0] is the verb. */
int admin_tuning(PGconn *c, const char *actor, int argc, char **argv);

/* ---- tuning_cache.c: a tenant's compiled R-7 rules, shared by threads ---- */
struct tc_set;
struct tun_rules;
/* The tenant's current rules (*rules; match them with tun_match_md), or
 * NULL on a database failure (logged). Release with tcache_put. */
struct tc_set *tcache_get(PGconn *c, int64_t tenant, const struct tun_rules **rules);
void tcache_put(struct tc_set *s);

/* ---- http.c ---- */
/* Listen on host:port (0: any free port); the port actually bound goes to
 * *bound_port. -1 with a message on stderr. */
int http_start(const char *host, int port, int *bound_port);
void http_stop(void);

/* ---- longpoll.c ---- */
struct MHD_Connection;
struct lp_waiter;
int lp_start(void);
/* Resume every waiter and refuse new waits (before MHD_stop_daemon). */
void lp_shutdown(void);
void lp_stop(void);
/* Wait for endpoint ep until deadline (monotonic ms). Returns the waiter,
 * or NULL when shutting down. */
struct lp_waiter *lp_add(int64_t ep, struct MHD_Connection *c,
                         int64_t deadline_ms);
/* Suspend the connection unless already woken: true = suspended. */
bool lp_suspend(struct lp_waiter *w);
void lp_remove(struct lp_waiter *w);
void lp_wake(int64_t ep);
int lp_count(void);

/* ---- jobs.c ---- */
int jobs_start(void);
void jobs_stop(void);
/* One pass of every job (also used by tests through the API? no: jobs
 * run on their own timer). Returns -1 when the database is unreachable. */
int jobs_run_once(PGconn *c, int64_t now_us);

/* ---- jobs_monthly.c ---- */
#define JOBS_LOG_RETENTION_DEFAULT 30   /* days of `event` kept */
#define JOBS_LOG_RETENTION_MIN     7    /* the quick report's lookback */
/* --log-retention-days / config log_retention_days: 0, or -1 with a
 * message on stderr (not a number, or under the minimum). */
int jobs_log_retention_set(const char *days);
/* One pass of the R-28 log retention and the R-25 monthly reports (from
 * jobs_run_once, under its lock). -1 when something failed. */
int jobs_monthly_run(PGconn *c, int64_t now_us);

#endif
