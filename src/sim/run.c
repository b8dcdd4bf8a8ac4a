/* run.c - the simulator's event loop: every endpoint in one thread over one
 * libcurl multi handle; see sim.h.
 *
 * Per endpoint at most one heartbeat, one alert upload and one events upload
 * are in flight, plus the result posts of its commands. Commands are
 * remembered in a small ring by id: a command the server lists again (its
 * result not yet recorded) is never executed twice; its result is posted
 * again with the same Idempotency-Key instead. A heartbeat that got no
 * answer (no response, or 5xx) goes again as it was, same body and same
 * Idempotency-Key: the server may have delivered commands in it, and it
 * keeps that answer under the key until asked again.
 */
#include "sim/sim.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "api/agent.h"

#define RING 64                  /* commands remembered per endpoint */
#define MAX_ERRORS 8             /* errors kept for the next heartbeat */
#define EVENT_BATCH_BYTES (2u << 20)
#define EVENT_BATCH_LINES 5000
#define HB_TIMEOUT_MS 10000L
#define WAIT_TIMEOUT_MS 40000L   /* server long-polls up to 25 s */
#define POST_TIMEOUT_MS 30000L
#define RESULT_MAX_TRIES 8
#define ONCE_HB_TRIES 3
#define LOG_BURST 20             /* error lines per second before muting */

enum res_state { RES_EMPTY, RES_WAIT, RES_INFLIGHT, RES_ACKED };

struct done_cmd {
	int64_t id;
	char kind[AGENT_KIND_MAX + 1];
	char *result;                /* request body, kept for retries */
	enum res_state st;
	int tries;
	double next_try;
};

struct ep {
	const char *host, *token;    /* borrowed from the tokens array */
	struct sim_state st;
	/* heartbeat */
	bool hb_busy, hb_synced;
	int hb_tries;
	char *hb_body;               /* unanswered heartbeat, sent again as is */
	char hb_key[64];
	size_t hb_nerr;
	double hb_next, hb_backoff;
	/* commands */
	struct done_cmd ring[RING];
	size_t ring_pos;
	size_t res_busy;             /* ring entries in RES_WAIT or RES_INFLIGHT */
	char *errors[MAX_ERRORS];
	size_t nerr;
	/* uploads */
	size_t *alerts, nalerts, alert_next;
	bool alert_busy;
	int alert_tries;
	double alert_at;
	size_t ev_next;
	bool ev_busy;
	int ev_tries;
	double ev_at;
};

enum rq_kind { RQ_HEARTBEAT, RQ_RESULT, RQ_ALERT, RQ_EVENTS };

struct rq {
	struct agent_call call;
	enum rq_kind kind;
	struct ep *ep;
	size_t slot;                 /* ring slot (result) or line count (events) */
	double t0;
	struct rq *prev, *next;      /* the loop's in-flight list */
};

struct loop {
	const struct sim_opts *o;
	struct ep *eps;
	size_t neps;
	struct sim_alert *alerts;
	char **lines;
	size_t nlines;
	CURLM *multi;
	int epfd;                    /* the sockets libcurl wants watched */
	double timer_at;             /* libcurl's timeout, INFINITY: none */
	size_t inflight;
	struct rq *live;             /* requests in flight */
	struct sim_counts *cnt;
	double t_start, next_scan;
	/* log rate limit */
	double log_sec;
	int log_n;
	unsigned long log_muted;
	/* heartbeat latencies for --stats */
	double *lat;
	size_t nlat, caplat;
};

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double wall(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double jitter(double x)
{
	/* +-20 %, so endpoints that failed together do not retry together. */
	return x * (0.8 + 0.4 * ((double)(rand() % 1000) / 1000.0));
}

__attribute__((format(printf, 2, 3)))
static void logerr(struct loop *L, const char *fmt, ...)
{
	double now = mono();
	if (now - L->log_sec >= 1.0) {
		if (L->log_muted > 0)
			fprintf(stderr, "itrace-endpoint-sim: (%lu more messages muted)\n", L->log_muted);
		L->log_sec = now;
		L->log_n = 0;
		L->log_muted = 0;
	}
	if (++L->log_n > LOG_BURST) {
		L->log_muted++;
		return;
	}
	va_list ap;
	va_start(ap, fmt);
	fputs("itrace-endpoint-sim: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static void add_error(struct ep *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void add_error(struct ep *e, const char *fmt, ...)
{
	if (e->nerr == MAX_ERRORS) {
		free(e->errors[0]);
		memmove(e->errors, e->errors + 1, (MAX_ERRORS - 1) * sizeof e->errors[0]);
		e->nerr--;
	}
	va_list ap;
	va_start(ap, fmt);
	char *s = NULL;
	if (vasprintf(&s, fmt, ap) >= 0)
		e->errors[e->nerr++] = s;
	va_end(ap);
}

static bool res_busy(enum res_state st)
{
	return st == RES_WAIT || st == RES_INFLIGHT;
}

/* Change a ring entry's state, keeping the endpoint's count right. */
static void res_set(struct ep *e, struct done_cmd *d, enum res_state st)
{
	e->res_busy -= res_busy(d->st);
	e->res_busy += res_busy(st);
	d->st = st;
}

static void note_scan(struct loop *L, double t)
{
	if (t < L->next_scan)
		L->next_scan = t;
}

/* Start one POST; frees body on failure. */
static int start(struct loop *L, struct ep *e, enum rq_kind kind, size_t slot,
                 const char *path, const char *idem, char *body, size_t len,
                 const char *ctype, long timeout_ms)
{
	struct rq *r = calloc(1, sizeof *r);
	if (r == NULL) {
		free(body);
		return -1;
	}
	if (agent_call_init(&r->call, L->o->api, path, e->token, idem, body, len,
	                    ctype, timeout_ms) != 0) {
		free(r);
		logerr(L, "%s: cannot set up a request", e->host);
		return -1;
	}
	r->kind = kind;
	r->ep = e;
	r->slot = slot;
	r->t0 = mono();
	curl_easy_setopt(r->call.easy, CURLOPT_PRIVATE, r);
	if (curl_multi_add_handle(L->multi, r->call.easy) != CURLM_OK) {
		agent_call_free(&r->call);
		free(r);
		return -1;
	}
	L->inflight++;
	r->next = L->live;
	if (L->live != NULL)
		L->live->prev = r;
	L->live = r;
	return 0;
}

static void unlink_rq(struct loop *L, struct rq *r)
{
	if (r->prev != NULL)
		r->prev->next = r->next;
	else
		L->live = r->next;
	if (r->next != NULL)
		r->next->prev = r->prev;
	r->prev = r->next = NULL;
}

static void start_heartbeat(struct loop *L, struct ep *e)
{
	if (e->hb_body == NULL) {
		agent_idem_random(e->hb_key, sizeof e->hb_key);
		e->hb_body = agent_heartbeat_json(e->st.version, (const char *const *)e->errors,
		                                  e->nerr, L->o->wait);
		e->hb_nerr = e->nerr;
		if (e->hb_body == NULL)
			return;
	}
	char *body = strdup(e->hb_body);
	if (body == NULL)
		return;
	if (start(L, e, RQ_HEARTBEAT, e->hb_nerr, "/v1/agent/heartbeat", e->hb_key, body,
	          strlen(body), NULL, L->o->wait ? WAIT_TIMEOUT_MS : HB_TIMEOUT_MS) == 0)
		e->hb_busy = true;
}

static void start_result(struct loop *L, struct ep *e, size_t slot)
{
	struct done_cmd *d = &e->ring[slot];
	char path[96], idem[64];
	snprintf(path, sizeof path, "/v1/agent/commands/%lld/result", (long long)d->id);
	snprintf(idem, sizeof idem, "result-%lld", (long long)d->id);
	char *body = strdup(d->result);
	if (body != NULL && start(L, e, RQ_RESULT, slot, path, idem, body, strlen(body),
	                          NULL, POST_TIMEOUT_MS) == 0) {
		res_set(e, d, RES_INFLIGHT);
		d->tries++;
	} else {
		res_set(e, d, RES_WAIT);
		d->next_try = mono() + 1.0;
		note_scan(L, d->next_try);
	}
}

static void now_iso(char *buf, size_t len)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct tm tm;
	gmtime_r(&ts.tv_sec, &tm);
	char date[32];
	strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%03dZ", date, (int)(ts.tv_nsec / 1000000L) % 1000);
}

static void start_alert(struct loop *L, struct ep *e)
{
	struct sim_alert *a = &L->alerts[e->alerts[e->alert_next]];
	json_t *body = json_deep_copy(a->body);
	if (body == NULL)
		return;
	if (json_object_get(body, "detected_at") == NULL) {
		char t[40];
		now_iso(t, sizeof t);
		json_object_set_new(body, "detected_at", json_string(t));
	}
	char *s = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(body);
	if (s == NULL)
		return;
	char idem[64];
	agent_idem_hash(idem, sizeof idem, "alert", e->host, strlen(e->host), s, strlen(s));
	if (start(L, e, RQ_ALERT, e->alert_next, "/v1/agent/alerts", idem, s, strlen(s),
	          NULL, POST_TIMEOUT_MS) == 0)
		e->alert_busy = true;
}

static void start_events(struct loop *L, struct ep *e)
{
	size_t cap = 65536, len = 0, n = 0;
	char *buf = malloc(cap);
	if (buf == NULL)
		return;
	while (e->ev_next + n < L->nlines && n < EVENT_BATCH_LINES) {
		size_t l;
		char *line = sim_line_for_host(L->lines[e->ev_next + n], e->host, &l);
		if (line == NULL)
			break;
		if (n > 0 && len + l + 1 > EVENT_BATCH_BYTES) {
			free(line);
			break;
		}
		if (len + l + 1 > cap) {
			while (len + l + 1 > cap)
				cap *= 2;
			char *nb = realloc(buf, cap);
			if (nb == NULL) {
				free(line);
				break;
			}
			buf = nb;
		}
		memcpy(buf + len, line, l);
		buf[len + l] = '\n';
		len += l + 1;
		n++;
		free(line);
	}
	if (n == 0) {
		free(buf);
		return;
	}
	char idem[64];
	agent_idem_hash(idem, sizeof idem, "events", e->host, strlen(e->host), buf, len);
	if (start(L, e, RQ_EVENTS, n, "/v1/agent/events", idem, buf, len,
	          "application/x-ndjson", POST_TIMEOUT_MS * 4) == 0)
		e->ev_busy = true;
}

static struct done_cmd *ring_find(struct ep *e, int64_t id, size_t *slot)
{
	for (size_t i = 0; i < RING; i++) {
		if (e->ring[i].st != RES_EMPTY && e->ring[i].id == id) {
			*slot = i;
			return &e->ring[i];
		}
	}
	return NULL;
}

/* A free ring slot; the oldest finished one is reused. Never one whose
 * result is still on its way, unless every slot is. */
static size_t ring_take(struct ep *e)
{
	for (size_t k = 0; k < RING; k++) {
		size_t i = (e->ring_pos + k) % RING;
		if (e->ring[i].st == RES_EMPTY || e->ring[i].st == RES_ACKED) {
			e->ring_pos = (i + 1) % RING;
			return i;
		}
	}
	size_t i = e->ring_pos;
	e->ring_pos = (i + 1) % RING;
	return i;
}

static void exec_cmd(struct loop *L, struct ep *e, const struct agent_cmd *c, double recv_wall)
{
	size_t slot;
	struct done_cmd *d = ring_find(e, c->id, &slot);
	if (d != NULL) {
		/* Listed again: its result has not reached the server yet. */
		L->cnt->cmd_repeat++;
		if (d->st == RES_WAIT || d->st == RES_ACKED) {
			d->tries = 0;
			start_result(L, e, slot);
		}
		return;
	}
	json_t *detail = NULL;
	bool ok = sim_exec(&e->st, c, &detail);
	if (ok)
		L->cnt->cmd_done++;
	else
		L->cnt->cmd_failed++;
	const char *why = json_string_value(json_object_get(detail, "error"));
	if (!ok)
		add_error(e, "command %lld %s failed: %s", (long long)c->id, c->kind,
		          why != NULL ? why : "out of memory");
	if (L->o->timestamps)
		printf("%.6f ", recv_wall);
	printf("%s command %lld %s -> %s\n", e->host, (long long)c->id, c->kind,
	       ok ? "done" : "failed");
	fflush(stdout);

	slot = ring_take(e);
	d = &e->ring[slot];
	free(d->result);
	res_set(e, d, RES_EMPTY);
	memset(d, 0, sizeof *d);
	d->id = c->id;
	snprintf(d->kind, sizeof d->kind, "%s", c->kind);
	d->result = agent_result_json(ok, detail);
	json_decref(detail);
	if (d->result == NULL) {
		res_set(e, d, RES_ACKED);
		return;
	}
	start_result(L, e, slot);
}

static void sched_heartbeat(struct loop *L, struct ep *e, bool ok, bool only_repeats)
{
	double now = mono();
	if (ok) {
		e->hb_backoff = 0;
		double next = L->o->wait ? 0 : L->o->interval;
		/* A long-poll that answered only with commands already handled
		 * would spin until their results land: pause a little. */
		if (L->o->wait && only_repeats)
			next = 0.2;
		e->hb_next = now + next;
	} else {
		e->hb_backoff = e->hb_backoff == 0 ? 0.5 : fmin(e->hb_backoff * 2, 30.0);
		double next = L->o->wait || L->o->interval == 0 ? e->hb_backoff
		                                                : fmin(e->hb_backoff, L->o->interval);
		e->hb_next = now + jitter(next);
	}
	note_scan(L, e->hb_next);
}

static void lat_add(struct loop *L, double v)
{
	if (L->nlat == L->caplat) {
		size_t cap = L->caplat != 0 ? L->caplat * 2 : 4096;
		double *n = realloc(L->lat, cap * sizeof *n);
		if (n == NULL)
			return;
		L->lat = n;
		L->caplat = cap;
	}
	L->lat[L->nlat++] = v;
}

static void done_heartbeat(struct loop *L, struct rq *r, CURLcode cc, long status)
{
	struct ep *e = r->ep;
	e->hb_busy = false;
	e->hb_tries++;
	struct agent_call *c = &r->call;
	if ((cc == CURLE_OK && status < 500) || c->resp.overflow) {
		/* answered (a stored answer too large would only come again):
		 * the next heartbeat is a new request */
		free(e->hb_body);
		e->hb_body = NULL;
	}
	if (cc == CURLE_OPERATION_TIMEDOUT && L->o->wait && !L->o->once) {
		/* A server that holds long-polls longer than we wait: ask again. */
		e->hb_next = mono();
		note_scan(L, e->hb_next);
		return;
	}
	if (cc != CURLE_OK || status != 200) {
		L->cnt->hb_fail++;
		char why[256];
		if (cc != CURLE_OK)
			snprintf(why, sizeof why, "%s", c->resp.overflow ? "answer too large"
			                          : c->errbuf[0] != '\0' ? c->errbuf : curl_easy_strerror(cc));
		else
			agent_error_text(status, c->resp.data, c->resp.len, why, sizeof why);
		logerr(L, "%s: heartbeat failed: %s", e->host, why);
		if (status == 200 || c->resp.overflow)
			L->cnt->bad_answers++;
		sched_heartbeat(L, e, false, false);
		return;
	}
	if (!L->o->wait)
		lat_add(L, mono() - r->t0);
	double recv = wall();
	struct agent_cmds cmds;
	size_t bad = 0;
	char err[200];
	int n = agent_parse_commands(c->resp.data, c->resp.len, &cmds, &bad, err, sizeof err);
	if (n < 0 || bad > 0) {
		L->cnt->bad_answers++;
		logerr(L, "%s: bad heartbeat answer: %s", e->host, err);
	}
	if (n < 0) {
		L->cnt->hb_fail++;
		agent_cmds_free(&cmds);
		sched_heartbeat(L, e, false, false);
		return;
	}
	L->cnt->hb_ok++;
	e->hb_synced = true;
	/* The errors sent with this heartbeat were delivered. */
	size_t sent = r->slot < e->nerr ? r->slot : e->nerr;
	for (size_t i = 0; i < sent; i++)
		free(e->errors[i]);
	memmove(e->errors, e->errors + sent, (e->nerr - sent) * sizeof e->errors[0]);
	e->nerr -= sent;
	unsigned long repeats = L->cnt->cmd_repeat;
	for (size_t i = 0; i < cmds.n; i++)
		exec_cmd(L, e, &cmds.v[i], recv);
	bool only_repeats = cmds.n > 0 && L->cnt->cmd_repeat - repeats == cmds.n;
	agent_cmds_free(&cmds);
	sched_heartbeat(L, e, true, only_repeats);
}

static void done_result(struct loop *L, struct rq *r, CURLcode cc, long status)
{
	struct ep *e = r->ep;
	struct done_cmd *d = &e->ring[r->slot];
	if (d->st != RES_INFLIGHT)
		return;
	if (cc == CURLE_OK && status >= 200 && status < 300) {
		L->cnt->results_ok++;
		res_set(e, d, RES_ACKED);
		return;
	}
	char why[256];
	if (cc != CURLE_OK)
		snprintf(why, sizeof why, "%s", r->call.errbuf[0] != '\0' ? r->call.errbuf : curl_easy_strerror(cc));
	else
		agent_error_text(status, r->call.resp.data, r->call.resp.len, why, sizeof why);
	bool retry = (cc != CURLE_OK || status >= 500 || status == 429) && d->tries < RESULT_MAX_TRIES;
	logerr(L, "%s: result of command %lld not recorded: %s%s", e->host, (long long)d->id,
	       why, retry ? " (will retry)" : "");
	if (retry) {
		res_set(e, d, RES_WAIT);
		d->next_try = mono() + jitter(fmin(0.5 * pow(2, d->tries - 1), 30.0));
		note_scan(L, d->next_try);
	} else {
		/* 4xx: the server will not take it (already finished, unknown
		 * command); a repeat listing of the command posts it again. */
		L->cnt->results_fail++;
		res_set(e, d, RES_ACKED);
	}
}

static void upload_retry(struct loop *L, int *tries, double *at)
{
	(*tries)++;
	*at = mono() + jitter(fmin(0.5 * pow(2, *tries - 1), 30.0));
	note_scan(L, *at);
}

static void done_alert(struct loop *L, struct rq *r, CURLcode cc, long status)
{
	struct ep *e = r->ep;
	e->alert_busy = false;
	if (cc == CURLE_OK && (status == 200 || status == 201)) {
		int64_t id = 0;
		char state[AGENT_STATE_MAX + 1], err[200];
		if (agent_parse_alert_answer(r->call.resp.data, r->call.resp.len, &id, state,
		                             err, sizeof err) != 0) {
			L->cnt->bad_answers++;
			logerr(L, "%s: alert uploaded, odd answer: %s", e->host, err);
		} else if (L->o->verbose) {
			fprintf(stderr, "%s alert %lld -> %s\n", e->host, (long long)id, state);
		}
		L->cnt->alerts_ok++;
		e->alert_next++;
		e->alert_tries = 0;
		e->alert_at = 0;
		note_scan(L, mono());
		return;
	}
	char why[256];
	if (cc != CURLE_OK)
		snprintf(why, sizeof why, "%s", r->call.errbuf[0] != '\0' ? r->call.errbuf : curl_easy_strerror(cc));
	else
		agent_error_text(status, r->call.resp.data, r->call.resp.len, why, sizeof why);
	bool retry = (cc != CURLE_OK || status >= 500 || status == 429) && e->alert_tries < 5;
	logerr(L, "%s: alert upload failed: %s%s", e->host, why, retry ? " (will retry)" : "");
	if (retry) {
		upload_retry(L, &e->alert_tries, &e->alert_at);
	} else {
		L->cnt->alerts_fail++;
		e->alert_next++;
		e->alert_tries = 0;
		note_scan(L, mono());
	}
}

static void done_events(struct loop *L, struct rq *r, CURLcode cc, long status)
{
	struct ep *e = r->ep;
	e->ev_busy = false;
	if (cc == CURLE_OK && status >= 200 && status < 300) {
		L->cnt->events_ok += r->slot;
		if (L->o->verbose)
			fprintf(stderr, "%s events %zu lines -> HTTP %ld\n", e->host, r->slot, status);
		e->ev_next += r->slot;
		e->ev_tries = 0;
		note_scan(L, mono());
		return;
	}
	char why[256];
	if (cc != CURLE_OK)
		snprintf(why, sizeof why, "%s", r->call.errbuf[0] != '\0' ? r->call.errbuf : curl_easy_strerror(cc));
	else
		agent_error_text(status, r->call.resp.data, r->call.resp.len, why, sizeof why);
	bool retry = (cc != CURLE_OK || status >= 500 || status == 429) && e->ev_tries < 5;
	logerr(L, "%s: events upload (%zu lines) failed: %s%s", e->host, r->slot, why,
	       retry ? " (will retry)" : "");
	if (retry) {
		upload_retry(L, &e->ev_tries, &e->ev_at);
	} else {
		L->cnt->events_fail += r->slot;
		e->ev_next += r->slot;
		e->ev_tries = 0;
		note_scan(L, mono());
	}
}

static void reap(struct loop *L)
{
	CURLMsg *m;
	int left;
	while ((m = curl_multi_info_read(L->multi, &left)) != NULL) {
		if (m->msg != CURLMSG_DONE)
			continue;
		CURL *easy = m->easy_handle;
		CURLcode cc = m->data.result;
		struct rq *r = NULL;
		curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&r);
		curl_multi_remove_handle(L->multi, easy);
		L->inflight--;
		if (r == NULL)
			continue;
		unlink_rq(L, r);
		long status = agent_call_status(&r->call);
		switch (r->kind) {
		case RQ_HEARTBEAT: done_heartbeat(L, r, cc, status); break;
		case RQ_RESULT: done_result(L, r, cc, status); break;
		case RQ_ALERT: done_alert(L, r, cc, status); break;
		case RQ_EVENTS: done_events(L, r, cc, status); break;
		}
		agent_call_free(&r->call);
		free(r);
	}
}

/* Is this endpoint finished for --once? */
static bool ep_settled(const struct loop *L, const struct ep *e)
{
	if (e->hb_busy || e->alert_busy || e->ev_busy)
		return false;
	if (!e->hb_synced && e->hb_tries < ONCE_HB_TRIES)
		return false;
	return e->alert_next >= e->nalerts && e->ev_next >= L->nlines && e->res_busy == 0;
}

/* Start what is due; returns true when --once has nothing left to do. */
static bool scan(struct loop *L, double now)
{
	bool all_settled = true;
	L->next_scan = now + 1.0;
	for (size_t i = 0; i < L->neps; i++) {
		struct ep *e = &L->eps[i];
		bool hb_wanted = !L->o->once || (!e->hb_synced && e->hb_tries < ONCE_HB_TRIES);
		if (!e->hb_busy && hb_wanted) {
			if (now >= e->hb_next)
				start_heartbeat(L, e);
			else
				note_scan(L, e->hb_next);
		}
		if (!e->alert_busy && e->alert_next < e->nalerts) {
			if (now >= e->alert_at)
				start_alert(L, e);
			else
				note_scan(L, e->alert_at);
		}
		if (!e->ev_busy && e->ev_next < L->nlines) {
			if (now >= e->ev_at)
				start_events(L, e);
			else
				note_scan(L, e->ev_at);
		}
		for (size_t k = 0; e->res_busy > 0 && k < RING; k++) {
			struct done_cmd *d = &e->ring[k];
			if (d->st != RES_WAIT)
				continue;
			if (now >= d->next_try)
				start_result(L, e, k);
			else
				note_scan(L, d->next_try);
		}
		if (L->o->once && !ep_settled(L, e))
			all_settled = false;
	}
	return L->o->once && all_settled;
}

/* Where the API is, for the "service system stays reachable" rule. */
static void service_addr(const char *api, uint32_t *addr, int *port)
{
	*addr = 0;
	*port = 0;
	CURLU *u = curl_url();
	char *host = NULL, *p = NULL;
	if (u != NULL && curl_url_set(u, CURLUPART_URL, api, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
		if (strcasecmp(host, "localhost") == 0)
			sim_parse_ipv4("127.0.0.1", addr);
		else
			sim_parse_ipv4(host, addr);
		if (curl_url_get(u, CURLUPART_PORT, &p, CURLU_DEFAULT_PORT) == CURLUE_OK)
			*port = atoi(p);
	}
	curl_free(host);
	curl_free(p);
	curl_url_cleanup(u);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void print_stats(struct loop *L, double elapsed)
{
	if (L->nlat == 0) {
		fprintf(stderr, "itrace-endpoint-sim: stats: no timed heartbeats\n");
		return;
	}
	qsort(L->lat, L->nlat, sizeof L->lat[0], cmp_double);
	size_t n = L->nlat;
	double sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += L->lat[i];
	fprintf(stderr,
	        "itrace-endpoint-sim: stats: %zu heartbeats in %.2f s = %.0f req/s; "
	        "latency ms: mean %.2f p50 %.2f p90 %.2f p99 %.2f max %.2f\n",
	        n, elapsed, (double)n / elapsed, 1e3 * sum / (double)n,
	        1e3 * L->lat[n / 2], 1e3 * L->lat[(size_t)((double)n * 0.9)],
	        1e3 * L->lat[(size_t)((double)n * 0.99)], 1e3 * L->lat[n - 1]);
}

static void free_eps(struct loop *L)
{
	for (size_t i = 0; i < L->neps; i++) {
		struct ep *e = &L->eps[i];
		sim_state_free(&e->st);
		for (size_t k = 0; k < RING; k++)
			free(e->ring[k].result);
		for (size_t k = 0; k < e->nerr; k++)
			free(e->errors[k]);
		free(e->hb_body);
		free(e->alerts);
	}
	free(L->eps);
}

/* Give each alert to its endpoint (by host, else round robin) and put the
 * detected file into that endpoint's file set. */
static int assign_alerts(struct loop *L, size_t nal)
{
	size_t rr = 0;
	for (size_t i = 0; i < nal; i++) {
		struct sim_alert *a = &L->alerts[i];
		struct ep *e = NULL;
		if (a->host != NULL) {
			for (size_t k = 0; k < L->neps && e == NULL; k++)
				if (strcasecmp(L->eps[k].host, a->host) == 0)
					e = &L->eps[k];
			if (e == NULL) {
				fprintf(stderr, "itrace-endpoint-sim: alert %zu names host %s, "
				        "which is not played; skipped\n", i + 1, a->host);
				continue;
			}
		} else {
			e = &L->eps[rr++ % L->neps];
		}
		size_t *na = realloc(e->alerts, (e->nalerts + 1) * sizeof *na);
		if (na == NULL)
			return -1;
		e->alerts = na;
		e->alerts[e->nalerts++] = i;
		if (a->sha256 != NULL)
			sim_file_put(&e->st, a->path, a->sha256, a->size);
	}
	return 0;
}

/* libcurl's socket callback: keep the epoll set in step. epoll, not
 * curl_multi_poll: a poll() over a thousand sockets at every wake-up made
 * the load generator compete with the daemon it measures. */
static int on_socket(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
	(void)easy;
	struct loop *L = userp;
	if (what == CURL_POLL_REMOVE) {
		epoll_ctl(L->epfd, EPOLL_CTL_DEL, s, NULL);
		curl_multi_assign(L->multi, s, NULL);
		return 0;
	}
	struct epoll_event ev;
	memset(&ev, 0, sizeof ev);
	ev.data.fd = s;
	ev.events = ((what & CURL_POLL_IN) ? EPOLLIN : 0u) | ((what & CURL_POLL_OUT) ? EPOLLOUT : 0u);
	int op = socketp == NULL ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;
	if (epoll_ctl(L->epfd, op, s, &ev) != 0) {
		/* A reused descriptor number: try the other operation. */
		op = op == EPOLL_CTL_ADD ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
		if (epoll_ctl(L->epfd, op, s, &ev) != 0)
			return -1;
	}
	curl_multi_assign(L->multi, s, &L->epfd);
	return 0;
}

static int on_timer(CURLM *multi, long timeout_ms, void *userp)
{
	(void)multi;
	struct loop *L = userp;
	L->timer_at = timeout_ms < 0 ? INFINITY : mono() + (double)timeout_ms / 1000.0;
	return 0;
}

int sim_run(const struct sim_opts *o, struct sim_token *tokens, size_t ntok,
            struct sim_alert *alerts, size_t nal, char **lines, size_t nlines,
            volatile sig_atomic_t *stop, int wake_fd, struct sim_counts *cnt)
{
	struct loop L;
	memset(&L, 0, sizeof L);
	L.o = o;
	L.cnt = cnt;
	L.alerts = alerts;
	L.lines = lines;
	L.nlines = nlines;
	L.neps = o->endpoints != 0 && o->endpoints < ntok ? o->endpoints : ntok;
	L.eps = calloc(L.neps, sizeof *L.eps);
	if (L.eps == NULL)
		return 1;
	uint32_t saddr;
	int sport;
	service_addr(o->api, &saddr, &sport);
	double now = mono();
	srand((unsigned)(now * 1e6));
	L.t_start = now;
	for (size_t i = 0; i < L.neps; i++) {
		struct ep *e = &L.eps[i];
		e->host = tokens[i].host;
		e->token = tokens[i].token;
		if (sim_state_init(&e->st, o->version, saddr, sport) != 0) {
			L.neps = i;
			free_eps(&L);
			return 1;
		}
		/* Periodic heartbeats are spread over one interval. */
		if (!o->once && !o->wait && L.neps > 1)
			e->hb_next = now + o->interval * (double)i / (double)L.neps;
	}
	if (assign_alerts(&L, nal) != 0) {
		free_eps(&L);
		return 1;
	}
	L.multi = curl_multi_init();
	L.epfd = epoll_create1(EPOLL_CLOEXEC);
	L.timer_at = INFINITY;
	if (L.multi == NULL || L.epfd < 0) {
		if (L.multi != NULL)
			curl_multi_cleanup(L.multi);
		if (L.epfd >= 0)
			close(L.epfd);
		free_eps(&L);
		return 1;
	}
	curl_multi_setopt(L.multi, CURLMOPT_SOCKETFUNCTION, on_socket);
	curl_multi_setopt(L.multi, CURLMOPT_SOCKETDATA, &L);
	curl_multi_setopt(L.multi, CURLMOPT_TIMERFUNCTION, on_timer);
	curl_multi_setopt(L.multi, CURLMOPT_TIMERDATA, &L);
	if (wake_fd >= 0) {
		struct epoll_event ev;
		memset(&ev, 0, sizeof ev);
		ev.events = EPOLLIN;
		ev.data.fd = wake_fd;
		epoll_ctl(L.epfd, EPOLL_CTL_ADD, wake_fd, &ev);
	}
	/* Keep one connection per endpoint and request kind alive. */
	curl_multi_setopt(L.multi, CURLMOPT_MAXCONNECTS, (long)(L.neps * 3 + 16));

	double deadline = o->duration > 0 ? now + o->duration : INFINITY;
	bool finished = false;
	struct epoll_event evs[256];
	int running = 0;
	while (!*stop) {
		now = mono();
		if (now >= deadline)
			break;
		if (now >= L.next_scan && scan(&L, now)) {
			finished = true;
			break;
		}
		if (mono() >= L.timer_at) {
			L.timer_at = INFINITY;
			curl_multi_socket_action(L.multi, CURL_SOCKET_TIMEOUT, 0, &running);
			/* A transfer can finish inside the timeout action (a reused
			 * connection whose answer was already there): reap it now,
			 * not after the next epoll_wait, which may sleep 1 s. */
			reap(&L);
		}
		double wait_s = fmin(fmin(L.next_scan, L.timer_at), deadline) - mono();
		int ms = wait_s <= 0 ? 0 : (int)ceil(fmin(wait_s, 1.0) * 1000.0);
		int n = epoll_wait(L.epfd, evs, (int)(sizeof evs / sizeof evs[0]), ms);
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			if (fd == wake_fd)
				continue;
			int flags = 0;
			if (evs[i].events & EPOLLIN)
				flags |= CURL_CSELECT_IN;
			if (evs[i].events & EPOLLOUT)
				flags |= CURL_CSELECT_OUT;
			if (evs[i].events & (EPOLLERR | EPOLLHUP))
				flags |= CURL_CSELECT_ERR;
			curl_multi_socket_action(L.multi, fd, flags, &running);
		}
		size_t before = L.inflight;
		reap(&L);
		/* Something finished: with --once everything may be done now. */
		if (L.inflight != before && L.o->once && scan(&L, mono())) {
			finished = true;
			break;
		}
	}
	double elapsed = mono() - L.t_start;
	int rc = 0;
	if (o->once) {
		for (size_t i = 0; i < L.neps; i++)
			if (!L.eps[i].hb_synced)
				rc = 1;
		if (!finished || cnt->alerts_fail > 0 || cnt->events_fail > 0 || cnt->results_fail > 0)
			rc = 1;
	}
	/* Abandon what is still in flight. */
	while (L.live != NULL) {
		struct rq *r = L.live;
		unlink_rq(&L, r);
		curl_multi_remove_handle(L.multi, r->call.easy);
		agent_call_free(&r->call);
		free(r);
	}
	curl_multi_cleanup(L.multi);
	close(L.epfd);
	if (L.log_muted > 0)
		fprintf(stderr, "itrace-endpoint-sim: (%lu more messages muted)\n", L.log_muted);
	if (o->stats)
		print_stats(&L, elapsed);
	free(L.lat);
	free_eps(&L);
	return rc;
}
