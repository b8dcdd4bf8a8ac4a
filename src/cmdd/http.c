/* http.c - the HTTP side of itrace-cmdd on libmicrohttpd.
 *
 * One request, in order: route lookup (404/405), body collection with a
 * size cap (413, decided from Content-Length before reading when given),
 * a database connection (503), the bearer token (401), the role and route
 * family (403), the JSON body (400), then for a state-changing route one
 * transaction holding the Idempotency-Key check, the handler's writes and
 * their audit rows, and the stored first answer. One log line per request
 * on stderr: time, method, path, status, milliseconds, actor. Tokens and
 * the Authorization header are never logged.
 *
 * Long polls (POST /v1/agent/heartbeat with "wait": true) are suspended
 * with MHD_suspend_connection, so a waiting endpoint holds no worker
 * thread; longpoll.c resumes them when a command is queued or time is up,
 * and the handler then runs a second time (rq->resumed). */
#include "cmdd/cmdd.h"
#include "cmdd/cache.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

/* ---- routes ---- */

enum {
	RT_WRITE = 1,    /* changes state: transaction + idempotency */
	RT_AGENT = 2,    /* endpoint tokens only (and they only these) */
	RT_BIG = 4,      /* 16 MiB body limit instead of 1 MiB */
	RT_RAW = 8,      /* body is not one JSON object (NDJSON) */
	RT_PUBLIC = 16,  /* no token needed */
	RT_OWN_TX = 32,  /* the handler runs its own transactions */
	RT_OWN_IDEM = 64, /* the handler looks up and stores its answers */
};

struct route {
	const char *method;
	const char *pattern;    /* '#' matches one decimal id segment */
	route_fn fn;
	unsigned flags;
	bool write, agent, big, raw, public_, own_tx, own_idem;   /* from flags */
};

#define R(m, p, f, fl)                                                         \
	{m, p, f, fl, ((fl) & RT_WRITE) != 0, ((fl) & RT_AGENT) != 0,          \
	 ((fl) & RT_BIG) != 0, ((fl) & RT_RAW) != 0, ((fl) & RT_PUBLIC) != 0,  \
	 ((fl) & RT_OWN_TX) != 0, ((fl) & RT_OWN_IDEM) != 0}

static const struct route routes[] = {
	R("GET", "/v1/health", r_health, RT_PUBLIC),
	R("GET", "/v1/alerts/#", r_alert_get, 0),
	R("POST", "/v1/alerts/#/claim", r_alert_claim, RT_WRITE),
	R("POST", "/v1/alerts/#/unclaim", r_alert_unclaim, RT_WRITE),
	R("POST", "/v1/alerts/#/verdict", r_alert_verdict, RT_WRITE),
	R("POST", "/v1/alerts/#/reports", r_alert_reports, RT_WRITE),
	R("POST", "/v1/alerts/#/answer", r_alert_answer, RT_WRITE),
	R("POST", "/v1/alerts/#/escalate", r_alert_escalate, RT_WRITE),
	R("POST", "/v1/alerts/#/close", r_alert_close, RT_WRITE),
	R("POST", "/v1/alerts/#/undup", r_alert_undup, RT_WRITE),
	R("GET", "/v1/endpoints/#", r_endpoint_get, 0),
	R("POST", "/v1/endpoints/#/isolate", r_endpoint_isolate, RT_WRITE),
	R("POST", "/v1/endpoints/#/release", r_endpoint_release, RT_WRITE),
	R("POST", "/v1/endpoints/#/files/delete", r_endpoint_delete, RT_WRITE),
	R("POST", "/v1/endpoints/#/files/fetch", r_endpoint_fetch, RT_WRITE),
	R("POST", "/v1/tenants/#/exceptions", r_tenant_exception, RT_WRITE),
	R("GET", "/v1/commands/#", r_command_get, 0),
	R("GET", "/v1/reports/#", r_report_get, 0),
	/* One statement (routes_agent.c), no transaction around it, often
	 * none at all; the Idempotency-Key is checked in that statement and
	 * an answer kept only when it delivered commands. */
	R("POST", "/v1/agent/heartbeat", r_agent_heartbeat,
	  RT_WRITE | RT_AGENT | RT_OWN_TX | RT_OWN_IDEM),
	R("POST", "/v1/agent/commands/#/result", r_agent_result, RT_WRITE | RT_AGENT),
	/* The shared alert store (src/db/alerts.c) commits each alert itself;
	 * storing the same alert again is a no-op, so a repeat stays safe. */
	R("POST", "/v1/agent/alerts", r_agent_alerts, RT_WRITE | RT_AGENT | RT_OWN_TX),
	R("POST", "/v1/agent/events", r_agent_events,
	  RT_WRITE | RT_AGENT | RT_BIG | RT_RAW | RT_OWN_TX),
};

/* Match path against pattern; the '#' segment's value into *id. */
static bool match(const char *pat, const char *path, int64_t *id)
{
	while (*pat != '\0') {
		if (*pat == '#') {
			int64_t v = 0;
			int digits = 0;
			while (*path >= '0' && *path <= '9') {
				if (digits++ >= 15)
					return false;
				v = v * 10 + (*path++ - '0');
			}
			if (digits == 0 || v == 0)
				return false;
			*id = v;
			pat++;
			continue;
		}
		if (*pat++ != *path++)
			return false;
	}
	return *path == '\0' || (path[0] == '/' && path[1] == '\0');
}

static const struct route *route_lookup(const char *method, const char *path,
                                        int64_t *id, int *status)
{
	bool path_known = false;
	for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
		int64_t v = 0;
		if (!match(routes[i].pattern, path, &v))
			continue;
		path_known = true;
		if (strcmp(routes[i].method, method) == 0) {
			*id = v;
			return &routes[i];
		}
	}
	*status = path_known ? 405 : 404;
	return NULL;
}

route_fn route_find(const char *method, const char *path, int64_t *id,
                    bool *write, bool *agent, bool *big_body, int *status)
{
	const struct route *r = route_lookup(method, path, id, status);
	if (r == NULL)
		return NULL;
	*write = r->write;
	*agent = r->agent;
	*big_body = r->big;
	return r->fn;
}

/* ---- per-connection state ---- */

struct conn_state {
	struct req rq;
	char method[8];
	char *path;
	const struct route *route;
	int route_status;
	char *buf;
	size_t len, cap, limit;
	bool too_big;
	size_t dropped;         /* bytes read and dropped after too_big */
	bool answered;
	int64_t t0_us;
	struct lp_waiter *waiter;
	char *idem_key;
	char fp[65];
	bool authed;
	struct lp_sync sync;    /* waiting for a barrier (cache.h) */
	bool sync_wait;
	int sync_result;        /* for the next run: 1 barrier passed, -1 not */
};

static struct MHD_Daemon *daemon_;

static int64_t mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* The path as it may appear in a log: visible ASCII only, capped. */
static void log_path(const char *p, char *out, size_t len)
{
	size_t o = 0;
	for (; *p != '\0' && o + 4 < len; p++)
		out[o++] = (*p > 0x20 && *p < 0x7f) ? *p : '?';
	if (*p != '\0' && o + 4 <= len) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

static void log_request(struct conn_state *cs, int status)
{
	char ts[40], path[160];
	clk_fmt(clk_now_us(), ts, sizeof ts);
	log_path(cs->path != NULL ? cs->path : "", path, sizeof path);
	double ms = (double)(mono_us() - cs->t0_us) / 1000.0;
	fprintf(stderr, "%s %s %s %d %.1fms %s\n", ts, cs->method, path, status, ms,
	        cs->authed ? cs->rq.actor.name : "-");
}

static enum MHD_Result send_resp(struct MHD_Connection *c, struct conn_state *cs,
                                 struct resp *rs)
{
	if (rs->body == NULL)
		rs_err(rs, 500, "internal", "no answer");
	struct MHD_Response *r = MHD_create_response_from_buffer(
		rs->len, rs->body, MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		rs_free(rs);
		return MHD_NO;
	}
	rs->body = NULL;   /* MHD frees it now */
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
	                        rs->ctype != NULL ? rs->ctype : "application/json");
	if (rs->ctype != NULL) {
		/* A stored report document: never sniffed, never allowed to
		 * load or run anything (the HTML says the same itself). */
		MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
		MHD_add_response_header(r, "Content-Security-Policy",
		                        "default-src 'none'; style-src 'unsafe-inline'");
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (rs->status == 401)
		MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
		                        "Bearer realm=\"itrace\"");
	if (rs->status == 413 || rs->status == 503)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
	enum MHD_Result ret = MHD_queue_response(c, (unsigned)rs->status, r);
	MHD_destroy_response(r);
	cs->answered = true;
	log_request(cs, rs->status);
	return ret;
}

static bool exec_simple(PGconn *db, const char *sql)
{
	PGresult *r = PQexec(db, sql);
	bool ok = db_ok(r);
	PQclear(r);
	return ok;
}

/* Store a first answer outside a transaction (an error answer after the
 * rollback, or any answer of an own-transaction route). */
static void store_answer(struct conn_state *cs, struct resp *rs)
{
	struct req *rq = &cs->rq;
	if (cs->idem_key == NULL || rs->status >= 500 || rs->status == 422 ||
	    db_lost(rq->db))
		return;
	if (idem_store(rq->db, rq->actor.id, cs->idem_key, cs->fp, rs) != 0)
		fprintf(stderr, "itrace-cmdd: cannot store idempotent answer: %s",
		        PQerrorMessage(rq->db));
}

/* Run a state-changing handler in one transaction. Returns with *rs set,
 * or with rq->want_wait set (long poll: nothing to answer yet). */
static void run_write(struct conn_state *cs, struct resp *rs)
{
	struct req *rq = &cs->rq;
	rq->nwake = 0;
	rq->want_wait = false;
	if (cs->route->own_idem) {
		rq->idem_key = cs->idem_key;
		int st = cs->route->fn(rq, rs);
		if (st != 0)
			rq->want_wait = rq->want_sync = false;
		return;
	}
	if (cs->route->own_tx) {
		int got = cs->idem_key == NULL ? 0
			: idem_lookup(rq->db, rq->actor.id, cs->idem_key, cs->fp, rs);
		if (got < 0)
			rs_db(rq, rs, NULL);
		if (got != 0)
			return;
		int st = cs->route->fn(rq, rs);
		if (rq->want_wait && st == 0)
			return;
		rq->want_wait = false;
		if (rq->db != NULL && rs->status < 500)
			store_answer(cs, rs);
		return;
	}
	if (!exec_simple(rq->db, "BEGIN")) {
		rs_db(rq, rs, NULL);
		return;
	}
	if (cs->idem_key != NULL) {
		int got = idem_lookup(rq->db, rq->actor.id, cs->idem_key, cs->fp, rs);
		if (got < 0) {
			rs_db(rq, rs, NULL);
			if (rq->db != NULL)
				exec_simple(rq->db, "ROLLBACK");
			return;
		}
		if (got > 0) {
			exec_simple(rq->db, "ROLLBACK");
			return;
		}
	}
	int st = cs->route->fn(rq, rs);
	if (rq->want_wait && st == 0) {
		/* The handler's writes so far (last contact) are committed;
		 * the answer comes after the wait. */
		if (!exec_simple(rq->db, "COMMIT")) {
			rq->want_wait = false;
			rs_db(rq, rs, NULL);
		}
		return;
	}
	rq->want_wait = false;
	if (rq->db == NULL)  /* connection lost inside the handler */
		return;
	if (rs->status >= 200 && rs->status < 300) {
		if (cs->idem_key != NULL &&
		    idem_store(rq->db, rq->actor.id, cs->idem_key, cs->fp, rs) != 0) {
			rs_db(rq, rs, NULL);
			if (rq->db != NULL)
				exec_simple(rq->db, "ROLLBACK");
			return;
		}
		if (!exec_simple(rq->db, "COMMIT")) {
			rs_db(rq, rs, NULL);
			return;
		}
		for (size_t i = 0; i < rq->nwake; i++)
			lp_wake(rq->wake[i]);
	} else {
		exec_simple(rq->db, "ROLLBACK");
		store_answer(cs, rs);
	}
}

static int parse_body(struct conn_state *cs, struct resp *rs)
{
	struct req *rq = &cs->rq;
	rq->body = cs->buf != NULL ? cs->buf : "";
	rq->len = cs->len;
	if (strcmp(cs->method, "POST") != 0 || cs->route->raw)
		return 0;
	size_t i = 0;
	while (i < cs->len && (cs->buf[i] == ' ' || cs->buf[i] == '\n' ||
	                       cs->buf[i] == '\r' || cs->buf[i] == '\t'))
		i++;
	if (i == cs->len) {          /* an empty body is {} */
		rq->json = json_object();
		return 0;
	}
	json_error_t err;
	rq->json = json_loadb(cs->buf, cs->len, JSON_REJECT_DUPLICATES, &err);
	if (rq->json == NULL) {
		rs_err(rs, 400, "bad_json", "body is not valid JSON: line %d column %d: %s",
		       err.line, err.column, err.text);
		return -1;
	}
	if (!json_is_object(rq->json)) {
		rs_err(rs, 400, "bad_json", "body must be a JSON object");
		return -1;
	}
	return 0;
}

/* Everything after the body is in. Returns with *rs set, or
 * rq->want_wait. */
static void process(struct MHD_Connection *c, struct conn_state *cs,
                    struct resp *rs)
{
	struct req *rq = &cs->rq;
	rq->now_us = clk_now_us();
	rq->want_sync = false;
	cache_request_start(cs->sync_result);
	cs->sync_result = 0;
	if (cs->route == NULL) {
		if (cs->route_status == 405)
			rs_err(rs, 405, "method_not_allowed", "%s is not allowed here", cs->method);
		else
			rs_err(rs, 404, "not_found", "no such route");
		return;
	}
	if (cs->too_big) {
		rs_err(rs, 413, "payload_too_large", "body larger than %zu bytes", cs->limit);
		return;
	}
	rq->db = pool_get();
	if (rq->db == NULL) {
		rs_err(rs, 503, "db_unavailable", "the database is unavailable; retry later");
		return;
	}
	if (!cs->route->public_ && !cs->authed) {
		const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
		                                            MHD_HTTP_HEADER_AUTHORIZATION);
		int a = auth_lookup(rq->db, h, &rq->actor);
		if (a < 0) {
			rs_db(rq, rs, NULL);
			return;
		}
		if (a == 2) {
			rq->want_sync = true;
			return;
		}
		if (a > 0) {
			rs_err(rs, 401, "unauthorized", "a valid bearer token is required");
			return;
		}
		cs->authed = true;
		bool ep = rq->actor.role == ROLE_ENDPOINT;
		if (cs->route->agent != ep) {
			rs_err(rs, 403, "forbidden", ep ? "endpoint tokens may only call agent routes"
			                                 : "agent routes need an endpoint token");
			return;
		}
		if (cs->route->write && !ep && !auth_can_write(&rq->actor)) {
			rs_err(rs, 403, "forbidden", "role %s may not change anything",
			       role_name(rq->actor.role));
			return;
		}
	}
	if (rq->json == NULL && parse_body(cs, rs) != 0)
		return;
	if (!cs->route->write) {
		cs->route->fn(rq, rs);
		return;
	}
	if (cs->idem_key == NULL) {
		const char *k = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
		                                            "Idempotency-Key");
		if (k != NULL) {
			if (!idem_key_ok(k)) {
				rs_err(rs, 400, "bad_header",
				       "Idempotency-Key: 1 to 255 visible ASCII characters");
				return;
			}
			cs->idem_key = strdup(k);
			if (!cs->route->own_idem)
				idem_fingerprint(cs->method, cs->path, rq->body, rq->len, cs->fp);
		}
	}
	run_write(cs, rs);
}

static enum MHD_Result finish(struct MHD_Connection *c, struct conn_state *cs)
{
	struct resp rs = {0};
	process(c, cs, &rs);
	for (;;) {
		if (cs->rq.want_sync) {
			/* Memory would answer once a barrier sent after now has
			 * passed: wait for it without holding the thread. */
			cs->rq.want_sync = false;
			cs->sync_wait = true;
			if (lp_sync_suspend(&cs->sync, c))
				return MHD_YES;   /* resumed later: see on_request */
			cs->sync_wait = false;
			cs->sync_result = -1;
			rs_free(&rs);
			process(c, cs, &rs);
			continue;
		}
		if (!cs->rq.want_wait)
			break;
		int64_t deadline = clk_mono_ms() + (int64_t)cmdd_cfg.longpoll_max_s * 1000;
		cs->waiter = lp_add(cs->rq.wait_endpoint, c, deadline);
		/* A command queued between the handler's look and lp_add would
		 * wake nobody: look once more now that the waiter is listed. */
		if (cs->waiter != NULL && cs->rq.db != NULL &&
		    (cache_hb_clear(cs->rq.wait_endpoint) ||
		     !agent_has_pending(cs->rq.db, cs->rq.wait_endpoint)) &&
		    lp_suspend(cs->waiter))
			return MHD_YES;           /* resumed later: see on_request */
		if (cs->waiter != NULL) {
			lp_remove(cs->waiter);
			cs->waiter = NULL;
		}
		cs->rq.resumed = true;
		rs_free(&rs);
		process(c, cs, &rs);
	}
	return send_resp(c, cs, &rs);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
                                  const char *url, const char *method,
                                  const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
	(void)cls;
	(void)version;
	struct conn_state *cs = *con_cls;
	if (cs == NULL) {
		cs = calloc(1, sizeof *cs);
		if (cs == NULL)
			return MHD_NO;
		*con_cls = cs;
		cs->t0_us = mono_us();
		snprintf(cs->method, sizeof cs->method, "%s", method);
		cs->path = strdup(url);
		cs->rq.method = cs->method;
		cs->rq.path = cs->path;
		cs->rq.format = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "format");
		cs->route = route_lookup(method, url, &cs->rq.id, &cs->route_status);
		cs->limit = cs->route != NULL && cs->route->big ? cmdd_cfg.events_limit
		                                                : cmdd_cfg.body_limit;
		const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
		                                             MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl != NULL && strtoull(cl, NULL, 10) > cs->limit) {
			/* Refuse before reading (and before 100 Continue). */
			cs->too_big = true;
			struct resp rs = {0};
			rs_err(&rs, 413, "payload_too_large", "body larger than %zu bytes",
			       cs->limit);
			return send_resp(c, cs, &rs);
		}
		return MHD_YES;
	}
	if (cs->answered) {            /* 413 already sent: drain */
		*upload_size = 0;
		return MHD_YES;
	}
	if (*upload_size > 0) {
		size_t n = *upload_size;
		*upload_size = 0;
		if (cs->too_big) {
			cs->dropped += n;
			return cs->dropped > 64 * 1024 * 1024 ? MHD_NO : MHD_YES;
		}
		if (cs->len + n > cs->limit) {
			/* A chunked body (no Content-Length) grew too big. MHD
			 * cannot answer in mid-upload, so the rest is read and
			 * dropped and the 413 follows; past 64 MiB more the
			 * connection is simply closed. */
			cs->too_big = true;
			free(cs->buf);
			cs->buf = NULL;
			cs->len = cs->cap = 0;
			return MHD_YES;
		}
		if (cs->len + n + 1 > cs->cap) {
			size_t cap = cs->cap == 0 ? 4096 : cs->cap;
			while (cap < cs->len + n + 1)
				cap *= 2;
			char *nb = realloc(cs->buf, cap);
			if (nb == NULL)
				return MHD_NO;
			cs->buf = nb;
			cs->cap = cap;
		}
		memcpy(cs->buf + cs->len, upload, n);
		cs->len += n;
		cs->buf[cs->len] = '\0';
		return MHD_YES;
	}
	if (cs->waiter != NULL) {      /* back from a long poll */
		lp_remove(cs->waiter);
		cs->waiter = NULL;
		cs->rq.resumed = true;
	}
	if (cs->sync_wait) {           /* back from a barrier */
		lp_sync_cancel(&cs->sync);
		cs->sync_wait = false;
		cs->sync_result = cs->sync.result > 0 ? 1 : -1;
	}
	return finish(c, cs);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)c;
	(void)toe;
	struct conn_state *cs = *con_cls;
	if (cs == NULL)
		return;
	if (cs->waiter != NULL)
		lp_remove(cs->waiter);
	if (cs->sync_wait)
		lp_sync_cancel(&cs->sync);
	json_decref(cs->rq.json);
	free(cs->rq.route_state);
	free(cs->buf);
	free(cs->path);
	free(cs->idem_key);
	free(cs);
	*con_cls = NULL;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	char msg[512];
	vsnprintf(msg, sizeof msg, fmt, ap);
	size_t n = strlen(msg);
	while (n > 0 && msg[n - 1] == '\n')
		msg[--n] = '\0';
	fprintf(stderr, "itrace-cmdd: http: %s\n", msg);
}

int http_start(const char *host, int port, int *bound_port)
{
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
		fprintf(stderr, "itrace-cmdd: --listen: not an IPv4 address: %s\n", host);
		return -1;
	}
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
	                 MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
	daemon_ = MHD_start_daemon(
		flags, 0, NULL, NULL, on_request, NULL,
		MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
		MHD_OPTION_THREAD_POOL_SIZE, (unsigned)cmdd_cfg.threads,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)4096,
		/* Per connection: request line, headers and read buffer (bodies
		 * are copied out as they come). MHD clears the whole area for
		 * every request of a kept-alive connection: 8 KiB instead of
		 * the default 32 KiB costs a quarter (and the 1,000s of
		 * connections of endpoints a quarter of the memory). */
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)8192,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
		MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)1024,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
		MHD_OPTION_END);
	if (daemon_ == NULL) {
		fprintf(stderr, "itrace-cmdd: cannot listen on %s:%d: %s\n", host, port,
		        strerror(errno));
		return -1;
	}
	const union MHD_DaemonInfo *info =
		MHD_get_daemon_info(daemon_, MHD_DAEMON_INFO_BIND_PORT);
	*bound_port = info != NULL ? info->port : port;
	return 0;
}

void http_stop(void)
{
	if (daemon_ == NULL)
		return;
	MHD_quiesce_daemon(daemon_);
	lp_shutdown();
	MHD_stop_daemon(daemon_);
	daemon_ = NULL;
}
