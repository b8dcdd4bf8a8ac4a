/* pgconn.c - the console's one asynchronous database connection.
 *
 * Nothing here blocks: connecting is PQconnectStart/PQconnectPoll driven by
 * poll(), queries are PQsendQueryParams (unnamed statements: custom plans,
 * DESIGN.md "Measured") run one at a time from a FIFO, results and
 * NOTIFY itrace payloads are read with PQconsumeInput when the socket is
 * readable. A lost connection fails the queued queries (their callbacks get
 * an error), tells the app (stale banner) and is retried with backoff
 * (1 s doubling to 15 s). Every (re)connection starts with LISTEN itrace.
 */
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "tui/tui.h"

struct pq_req {
	char *sql;
	int n;
	char **params;
	pgc_cb cb;
	int64_t tag;
	int internal;           /* LISTEN / SET: no callback */
	struct pq_req *next;
};

enum pgc_state { PGC_DOWN, PGC_CONNECTING, PGC_UP };

struct pgc {
	char *conninfo;
	PGconn *conn;
	enum pgc_state st;
	PostgresPollingStatusType poll_st;
	struct pq_req *head, *tail;
	struct pq_req *inflight;
	int64_t retry_at_ms;
	int backoff_ms;
	int want_write;
	char err[256];
	int announced_down;
	int64_t sent_ms;        /* when the query in flight was sent */
};

/* A query that has had no answer for this long means a server or a
 * network that is gone without telling (no RST): drop and reconnect. The
 * server's own statement_timeout (set at connect) is a little shorter. */
#define PGC_WATCHDOG_MS 30000

/* Notices and the server's FATAL on a terminated session must never reach
 * the terminal behind curses' back: drop them (the error text reaches the
 * banner through PQerrorMessage). */
static void quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

static void req_free(struct pq_req *q)
{
	if (q == NULL)
		return;
	free(q->sql);
	for (int i = 0; i < q->n; i++)
		free(q->params[i]);
	free(q->params);
	free(q);
}

struct pgc *pgc_new(const char *conninfo)
{
	struct pgc *c = calloc(1, sizeof *c);
	if (c == NULL)
		return NULL;
	c->conninfo = strdup(conninfo != NULL ? conninfo : "");
	c->backoff_ms = 1000;
	c->retry_at_ms = 0;   /* connect at once */
	return c;
}

static void fail_all(struct pgc *c, struct app *a, const char *why)
{
	struct pq_req *q = c->inflight;
	c->inflight = NULL;
	while (q != NULL || c->head != NULL) {
		if (q == NULL) {
			q = c->head;
			c->head = q->next;
			if (c->head == NULL)
				c->tail = NULL;
		}
		if (!q->internal && q->cb != NULL && a != NULL)
			q->cb(a, NULL, why, q->tag);
		req_free(q);
		q = NULL;
	}
}

void pgc_free(struct pgc *c)
{
	if (c == NULL)
		return;
	fail_all(c, NULL, "closing");
	if (c->conn != NULL)
		PQfinish(c->conn);
	free(c->conninfo);
	free(c);
}

static int push(struct pgc *c, const char *sql, int n, const char *const *params,
                pgc_cb cb, int64_t tag, int internal, int front)
{
	struct pq_req *q = calloc(1, sizeof *q);
	if (q == NULL)
		return -1;
	q->sql = strdup(sql);
	q->n = n;
	q->params = n > 0 ? calloc((size_t)n, sizeof *q->params) : NULL;
	for (int i = 0; i < n; i++)
		q->params[i] = params[i] != NULL ? strdup(params[i]) : NULL;
	q->cb = cb;
	q->tag = tag;
	q->internal = internal;
	if (front) {
		q->next = c->head;
		c->head = q;
		if (c->tail == NULL)
			c->tail = q;
	} else {
		if (c->tail != NULL)
			c->tail->next = q;
		else
			c->head = q;
		c->tail = q;
	}
	return 0;
}

int pgc_query(struct pgc *c, const char *sql, int n, const char *const *params,
              pgc_cb cb, int64_t tag)
{
	if (c->st != PGC_UP)
		return -1;
	return push(c, sql, n, params, cb, tag, 0, 0);
}

static void go_down(struct pgc *c, struct app *a, const char *why)
{
	snprintf(c->err, sizeof c->err, "%s", why != NULL ? why : "connection lost");
	size_t l = strlen(c->err);
	while (l > 0 && (c->err[l - 1] == '\n' || c->err[l - 1] == ' '))
		c->err[--l] = '\0';
	if (c->conn != NULL) {
		PQfinish(c->conn);
		c->conn = NULL;
	}
	c->st = PGC_DOWN;
	fail_all(c, a, c->err);
	c->retry_at_ms = app_mono_ms() + c->backoff_ms;
	c->backoff_ms = c->backoff_ms * 2 > 15000 ? 15000 : c->backoff_ms * 2;
	if (!c->announced_down) {
		c->announced_down = 1;
		app_db_down(a, c->err);
	}
}

static void start_connect(struct pgc *c, struct app *a)
{
	const char *keys[] = {"dbname", "application_name", "connect_timeout", NULL};
	const char *vals[] = {c->conninfo, "itrace-tui", "10", NULL};
	c->conn = PQconnectStartParams(keys, vals, 1);
	if (c->conn == NULL || PQstatus(c->conn) == CONNECTION_BAD) {
		go_down(c, a, c->conn != NULL ? PQerrorMessage(c->conn) : "out of memory");
		return;
	}
	PQsetNoticeProcessor(c->conn, quiet, NULL);
	c->st = PGC_CONNECTING;
	c->poll_st = PGRES_POLLING_WRITING;
}

static void send_next(struct pgc *c, struct app *a)
{
	if (c->inflight != NULL || c->head == NULL || c->st != PGC_UP)
		return;
	struct pq_req *q = c->head;
	c->head = q->next;
	if (c->head == NULL)
		c->tail = NULL;
	q->next = NULL;
	if (!PQsendQueryParams(c->conn, q->sql, q->n, NULL,
	                       (const char *const *)q->params, NULL, NULL, 0)) {
		char why[256];
		snprintf(why, sizeof why, "%s", PQerrorMessage(c->conn));
		if (q->cb != NULL && !q->internal)
			q->cb(a, NULL, why, q->tag);
		req_free(q);
		if (PQstatus(c->conn) == CONNECTION_BAD)
			go_down(c, a, why);
		return;
	}
	c->inflight = q;
	c->sent_ms = app_mono_ms();
	c->want_write = PQflush(c->conn) == 1;
}

static void read_results(struct pgc *c, struct app *a)
{
	while (c->inflight != NULL && !PQisBusy(c->conn)) {
		PGresult *r = PQgetResult(c->conn);
		if (r == NULL) {
			req_free(c->inflight);
			c->inflight = NULL;
			send_next(c, a);
			continue;
		}
		struct pq_req *q = c->inflight;
		ExecStatusType st = PQresultStatus(r);
		if (!q->internal && q->cb != NULL) {
			if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
				q->cb(a, r, NULL, q->tag);
			else
				q->cb(a, NULL, PQresultErrorMessage(r), q->tag);
			q->cb = NULL;   /* one call per query */
		}
		PQclear(r);
	}
	PGnotify *n;
	while ((n = PQnotifies(c->conn)) != NULL) {
		app_db_notify(a, n->extra);
		PQfreemem(n);
	}
}

void pgc_service(struct pgc *c, struct app *a, short revents)
{
	if (c->st == PGC_DOWN) {
		if (app_mono_ms() >= c->retry_at_ms)
			start_connect(c, a);
		if (c->st == PGC_DOWN)
			return;
		revents = POLLOUT;
	}
	if (c->st == PGC_CONNECTING) {
		if (revents == 0)
			return;
		c->poll_st = PQconnectPoll(c->conn);
		if (c->poll_st == PGRES_POLLING_FAILED) {
			go_down(c, a, PQerrorMessage(c->conn));
			return;
		}
		if (c->poll_st != PGRES_POLLING_OK)
			return;
		PQsetnonblocking(c->conn, 1);
		PQsetNoticeProcessor(c->conn, quiet, NULL);
		c->st = PGC_UP;
		c->backoff_ms = 1000;
		c->announced_down = 0;
		push(c, "SET TimeZone = 'UTC'", 0, NULL, NULL, 0, 1, 1);
		push(c, "SET statement_timeout = '25s'", 0, NULL, NULL, 0, 1, 0);
		push(c, "LISTEN itrace", 0, NULL, NULL, 0, 1, 0);
		app_db_up(a);
		send_next(c, a);
		return;
	}
	/* PGC_UP */
	if (c->inflight != NULL && app_mono_ms() - c->sent_ms > PGC_WATCHDOG_MS) {
		go_down(c, a, "no answer from the database for 30 s");
		return;
	}
	if (revents & (POLLERR | POLLHUP | POLLNVAL)) {
		if (!PQconsumeInput(c->conn) || PQstatus(c->conn) == CONNECTION_BAD) {
			go_down(c, a, PQerrorMessage(c->conn));
			return;
		}
	}
	if (revents & POLLOUT)
		c->want_write = PQflush(c->conn) == 1;
	if (revents & POLLIN) {
		if (!PQconsumeInput(c->conn)) {
			go_down(c, a, PQerrorMessage(c->conn));
			return;
		}
	}
	read_results(c, a);
	if (PQstatus(c->conn) == CONNECTION_BAD) {
		go_down(c, a, PQerrorMessage(c->conn));
		return;
	}
	send_next(c, a);
}

int pgc_pollfd(struct pgc *c, short *events)
{
	if (c->conn == NULL || c->st == PGC_DOWN)
		return -1;
	if (c->st == PGC_CONNECTING)
		*events = c->poll_st == PGRES_POLLING_READING ? POLLIN : POLLOUT;
	else
		*events = (short)(POLLIN | (c->want_write ? POLLOUT : 0));
	return PQsocket(c->conn);
}

int pgc_timeout(const struct pgc *c)
{
	if (c->st == PGC_UP && c->inflight != NULL) {
		int64_t d = c->sent_ms + PGC_WATCHDOG_MS + 1 - app_mono_ms();
		return d < 0 ? 0 : (int)d;
	}
	if (c->st != PGC_DOWN)
		return c->head != NULL && c->inflight == NULL ? 0 : -1;
	int64_t d = c->retry_at_ms - app_mono_ms();
	return d < 0 ? 0 : (int)d;
}

int pgc_up(const struct pgc *c) { return c->st == PGC_UP; }
const char *pgc_error(const struct pgc *c) { return c->err; }
int pgc_busy(const struct pgc *c) { return c->inflight != NULL || c->head != NULL; }
