/* evworker.c - the alert view's evidence, off the screen's thread.
 *
 * The shared loader (db/evidence.c: a handful of indexed, blocking
 * queries) and the shared model (core/report.c) are what itrace-cmdd
 * publishes with, so the preview is the report that will go out. They
 * block, so one worker thread runs them on its own connection: the UI
 * thread posts the latest request (a newer one replaces a waiting one),
 * the worker answers through a pipe that the poll() loop watches. The
 * worker touches no curses and no app state.
 *
 * Ownership: a result is owned by whoever took it (evw_take) and freed
 * with evw_result_free.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db/conn.h"
#include "db/evidence.h"
#include "tui/tui.h"

static struct {
	pthread_t th;
	int started;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	char *conninfo;
	int64_t req_id;          /* 0 none waiting */
	unsigned req_gen;
	int stop;
	struct evw_result *done; /* the latest answer, not yet taken */
	int pipe[2];
} W = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER,
       .pipe = {-1, -1}};

void evw_result_free(struct evw_result *r)
{
	if (r == NULL)
		return;
	if (r->report != NULL)
		report_free(r->report);
	free(r->md_ja);
	free(r->md_en);
	free(r->err);
	free(r->tenant);
	free(r->host);
	free(r->path);
	free(r->sha256);
	free(r->detection);
	free(r->action);
	free(r);
}

static char *dup0(const char *s)
{
	return strdup(s != NULL ? s : "");
}

static struct evw_result *load(PGconn **c, int64_t id, unsigned gen)
{
	struct evw_result *r = calloc(1, sizeof *r);
	if (r == NULL)
		return NULL;
	r->alert_id = id;
	r->gen = gen;
	char *err = NULL;
	if (*c == NULL || PQstatus(*c) != CONNECTION_OK) {
		if (*c != NULL)
			PQfinish(*c);
		*c = db_connect(W.conninfo, "itrace-tui evidence", &err);
		if (*c == NULL) {
			r->err = err != NULL ? err : strdup("cannot connect");
			return r;
		}
	}
	struct evidence ev;
	int rc = evidence_load(*c, id, 0, &ev, &err);
	if (rc != 0) {
		r->err = rc > 0 ? strdup("the alert is gone") : err != NULL ? err : strdup("?");
		if (rc > 0)
			free(err);
		return r;
	}
	r->tenant = dup0(ev.alert.tenant);
	r->host = dup0(ev.alert.host);
	r->path = dup0(ev.alert.path);
	r->sha256 = dup0(ev.alert.sha256);
	r->detection = dup0(ev.alert.detection);
	r->action = dup0(ev.alert.action);
	r->endpoint_id = ev.endpoint_id;
	r->detected = ev.alert.detected_us;
	r->received = ev.alert.received_us;
	r->from_us = ev.from_us;
	r->to_us = ev.to_us;
	r->nevents = ev.n;
	r->query_ms = ev.query_ms;
	r->report = report_build(&ev.alert, ev.evs, ev.n, ev.from_us, ev.to_us);
	evidence_free(&ev);
	if (r->report == NULL) {
		r->err = strdup("out of memory building the report");
		return r;
	}
	r->md_ja = report_markdown(r->report, RP_JA);
	r->md_en = report_markdown(r->report, RP_EN);
	return r;
}

static void *worker(void *arg)
{
	(void)arg;
	PGconn *c = NULL;
	pthread_mutex_lock(&W.mu);
	for (;;) {
		while (W.req_id == 0 && !W.stop)
			pthread_cond_wait(&W.cv, &W.mu);
		if (W.stop)
			break;
		int64_t id = W.req_id;
		unsigned gen = W.req_gen;
		W.req_id = 0;
		pthread_mutex_unlock(&W.mu);
		struct evw_result *r = load(&c, id, gen);
		pthread_mutex_lock(&W.mu);
		evw_result_free(W.done);
		W.done = r;
		char b = 1;
		if (write(W.pipe[1], &b, 1) < 0 && errno != EAGAIN)
			break;
	}
	pthread_mutex_unlock(&W.mu);
	if (c != NULL)
		PQfinish(c);
	return NULL;
}

int evw_start(const char *conninfo)
{
	if (W.started)
		return 0;
	if (pipe2(W.pipe, O_CLOEXEC | O_NONBLOCK) != 0)
		return -1;
	W.conninfo = strdup(conninfo != NULL ? conninfo : "");
	if (pthread_create(&W.th, NULL, worker, NULL) != 0) {
		close(W.pipe[0]);
		close(W.pipe[1]);
		W.pipe[0] = W.pipe[1] = -1;
		return -1;
	}
	W.started = 1;
	return 0;
}

int evw_fd(void)
{
	return W.pipe[0];
}

void evw_request(int64_t alert_id, unsigned gen)
{
	pthread_mutex_lock(&W.mu);
	W.req_id = alert_id;
	W.req_gen = gen;
	pthread_cond_signal(&W.cv);
	pthread_mutex_unlock(&W.mu);
}

struct evw_result *evw_take(void)
{
	char buf[64];
	while (read(W.pipe[0], buf, sizeof buf) > 0)
		;
	pthread_mutex_lock(&W.mu);
	struct evw_result *r = W.done;
	W.done = NULL;
	pthread_mutex_unlock(&W.mu);
	return r;
}

void evw_stop(void)
{
	if (!W.started)
		return;
	pthread_mutex_lock(&W.mu);
	W.stop = 1;
	pthread_cond_signal(&W.cv);
	pthread_mutex_unlock(&W.mu);
	/* a load in progress finishes its queries first */
	pthread_join(W.th, NULL);
	evw_result_free(W.done);
	W.done = NULL;
	close(W.pipe[0]);
	close(W.pipe[1]);
	free(W.conninfo);
	W.started = 0;
}
