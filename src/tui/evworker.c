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
 * It also reads the alert view's event timeline (timeline.c asks): pages
 * of the 7-day window by keyset, filtered by the PCRE2 pattern here, on
 * the raw field bytes (the console's one regex dialect, as the queue's
 * search; PostgreSQL's ~* is another). A filter that matches little reads
 * the window in chunks until a page is full or the window ends; a newer
 * request (or evidence, or stop) ends the scan between chunks. Shown text
 * is sanitized here (san_str), matching never sees it.
 *
 * Ownership: a result is owned by whoever took it (evw_take) and freed
 * with evw_result_free.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <errno.h>
#include <fcntl.h>
#include <pcre2.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db/conn.h"
#include "core/sanitize.h"
#include "db/evidence.h"
#include "db/report_facts.h"
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
	struct tl_req *tl;       /* a timeline request waiting, owned */
	struct evw_result *tl_done;
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
	if (r->tl != NULL) {
		for (size_t i = 0; i < r->tl->n; i++)
			free(r->tl->rows[i].text);
		free(r->tl->rows);
		free(r->tl);
	}
	free(r);
}

static void req_free(struct tl_req *q)
{
	if (q == NULL)
		return;
	free((char *)q->kinds);
	free((char *)q->re);
	free(q);
}

static char *dup0(const char *s)
{
	return strdup(s != NULL ? s : "");
}

static int connected(PGconn **c, char **err)
{
	if (*c != NULL && PQstatus(*c) == CONNECTION_OK)
		return 1;
	if (*c != NULL)
		PQfinish(*c);
	*c = db_connect(W.conninfo, "itrace-tui evidence", err);
	return *c != NULL;
}

static struct evw_result *load(PGconn **c, int64_t id, unsigned gen)
{
	struct evw_result *r = calloc(1, sizeof *r);
	if (r == NULL)
		return NULL;
	r->alert_id = id;
	r->gen = gen;
	char *err = NULL;
	if (!connected(c, &err)) {
		r->err = err != NULL ? err : strdup("cannot connect");
		return r;
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
	/* The preview shows what the published report would say beyond the
	 * logs (SPEC R-15..R-20): the explanatory report once its verdict is
	 * given, else the quick one. Without the facts (a database error),
	 * the logs-only preview. */
	struct rp_facts facts;
	char *ferr = NULL;
	if (report_facts_load(*c, id, RP_KIND_QUICK, &facts, &ferr) == 0) {
		if (facts.explain != RP_V_NONE)
			facts.kind = RP_KIND_EXPLAIN;
		ev.alert.facts = &facts;
	}
	free(ferr);
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

/* Something newer than the scan in progress is waiting. */
static int superseded(void)
{
	pthread_mutex_lock(&W.mu);
	int s = W.tl != NULL || W.req_id != 0 || W.stop;
	pthread_mutex_unlock(&W.mu);
	return s;
}

#define TL_PAGE 200
#define TL_CHUNK 2000   /* rows read per query while a filter scans */

/* The fields a filter looks at, in the order shown (SELECT columns 5..). */
enum { F_IMAGE = 5, F_PID, F_TARGET, F_DETAILS, F_REMOTE, F_CMDLINE, F_USER, F_END };

static int row_matches(PGresult *r, int i, const pcre2_code *re, pcre2_match_data *md)
{
	static const int fields[] = {F_IMAGE, F_CMDLINE, F_USER, F_TARGET, F_DETAILS, F_REMOTE};
	for (size_t k = 0; k < sizeof fields / sizeof fields[0]; k++) {
		int f = fields[k];
		if (PQgetisnull(r, i, f))
			continue;
		if (pcre2_match(re, (PCRE2_SPTR)PQgetvalue(r, i, f), (PCRE2_SIZE)PQgetlength(r, i, f), 0,
		                0, md, NULL) >= 0)
			return 1;
	}
	return 0;
}

/* What the timeline shows of an event: image [pid] target details
 * address command line (user), sanitized. */
static char *row_text(PGresult *r, int i)
{
	size_t len = 16;
	for (int f = F_IMAGE; f < F_END; f++)
		len += (size_t)PQgetlength(r, i, f) + 8;
	char *raw = malloc(len);
	if (raw == NULL)
		return NULL;
	size_t o = 0;
	for (int f = F_IMAGE; f < F_END; f++) {
		if (PQgetisnull(r, i, f))
			continue;
		const char *v = PQgetvalue(r, i, f);
		int n = snprintf(raw + o, len - o, f == F_PID ? "%s[%s]" : f == F_USER ? "%s(%s)" : "%s%s",
		                 o > 0 ? " " : "", v);
		if (n > 0)
			o += (size_t)n < len - o ? (size_t)n : len - o - 1;
	}
	raw[o] = '\0';
	char *s = san_str(raw);
	free(raw);
	return s;
}

/* pg->rows holds TL_PAGE rows. */
static int page_add(struct tl_page *pg, PGresult *r, int i)
{
	struct tl_row *t = &pg->rows[pg->n];
	memset(t, 0, sizeof *t);
	t->id = strtoll(PQgetvalue(r, i, 0), NULL, 10);
	t->ts = strtoll(PQgetvalue(r, i, 1), NULL, 10);
	snprintf(t->kind, sizeof t->kind, "%s", PQgetvalue(r, i, 2));
	t->key = strtoll(PQgetvalue(r, i, 3), NULL, 10);
	t->pid = strtoll(PQgetvalue(r, i, 4), NULL, 10);
	t->text = row_text(r, i);
	if (t->text == NULL)
		return -1;
	pg->n++;
	return 0;
}

/* One page of q; NULL when superseded (the answer would be dropped). */
static struct evw_result *timeline(PGconn **c, const struct tl_req *q)
{
	struct evw_result *res = calloc(1, sizeof *res);
	struct tl_page *pg = calloc(1, sizeof *pg);
	struct tl_row *rows = calloc(TL_PAGE, sizeof *rows);
	if (res == NULL || pg == NULL || rows == NULL) {
		free(res);
		free(pg);
		free(rows);
		return NULL;
	}
	pg->rows = rows;
	res->tl = pg;
	pg->gen = q->gen;
	pg->last_ts = q->after_ts;
	pg->last_id = q->after_id;
	char *err = NULL;
	if (!connected(c, &err)) {
		res->err = err != NULL ? err : strdup("cannot connect");
		return res;
	}
	pcre2_code *re = NULL;
	pcre2_match_data *md = NULL;
	if (q->re != NULL) {
		char why[200];
		re = q_re_compile(q->re, why, sizeof why);
		md = re != NULL ? pcre2_match_data_create_from_pattern(re, NULL) : NULL;
		if (md == NULL) {
			res->err = strdup(re == NULL ? why : "out of memory");
			pcre2_code_free(re);
			return res;
		}
	}
	static const char sql[] =
		"SELECT id, (extract(epoch from ts)*1000000)::int8, kind::text,"
		" coalesce(proc_key,0), coalesce(pid,-1),"
		" image, pid::text, target, details, remote_ip || ':' || remote_port, cmdline, user_name"
		" FROM event WHERE endpoint_id = $1"
		" AND ts >= timestamptz 'epoch' + $2::int8 * interval '1 microsecond'"
		" AND ts <= timestamptz 'epoch' + $3::int8 * interval '1 microsecond'"
		" AND (ts, id) > (timestamptz 'epoch' + $4::int8 * interval '1 microsecond', $5::int8)"
		" AND ($6::text[] IS NULL OR kind::text = ANY($6::text[]))"
		" AND ($8::int8 IS NULL OR (proc_key = $8::int8 AND pid = $9::int8))"
		" ORDER BY ts, id LIMIT $7::int8";
	char ep[24], from[24], to[24], lts[24], lid[24], lim[24], key[24], pid[24];
	snprintf(ep, sizeof ep, "%lld", (long long)q->endpoint_id);
	snprintf(from, sizeof from, "%lld", (long long)q->from_us);
	snprintf(to, sizeof to, "%lld", (long long)q->to_us);
	snprintf(lim, sizeof lim, "%d", re != NULL ? TL_CHUNK : TL_PAGE);
	snprintf(key, sizeof key, "%lld", (long long)q->key);
	snprintf(pid, sizeof pid, "%lld", (long long)q->pid);
	for (;;) {
		snprintf(lts, sizeof lts, "%lld", (long long)pg->last_ts);
		snprintf(lid, sizeof lid, "%lld", (long long)pg->last_id);
		const char *params[9] = {ep, from, to, lts, lid, q->kinds, lim,
		                         q->one_proc ? key : NULL, q->one_proc ? pid : NULL};
		PGresult *r = PQexecParams(*c, sql, 9, NULL, params, NULL, NULL, 0);
		if (PQresultStatus(r) != PGRES_TUPLES_OK) {
			res->err = strdup(PQresultErrorMessage(r));
			PQclear(r);
			break;
		}
		int n = PQntuples(r), i;
		for (i = 0; i < n && pg->n < TL_PAGE; i++) {
			pg->scanned++;
			pg->last_ts = strtoll(PQgetvalue(r, i, 1), NULL, 10);
			pg->last_id = strtoll(PQgetvalue(r, i, 0), NULL, 10);
			if ((re == NULL || row_matches(r, i, re, md)) && page_add(pg, r, i) != 0) {
				res->err = strdup("out of memory");
				break;
			}
		}
		/* more: the page filled before the rows ran out, or a full chunk */
		pg->more = i < n || n == atoi(lim);
		PQclear(r);
		if (res->err != NULL || pg->n >= TL_PAGE || !pg->more)
			break;
		if (superseded()) {
			evw_result_free(res);
			res = NULL;
			break;
		}
	}
	pcre2_match_data_free(md);
	pcre2_code_free(re);
	return res;
}

static void *worker(void *arg)
{
	(void)arg;
	PGconn *c = NULL;
	pthread_mutex_lock(&W.mu);
	for (;;) {
		while (W.req_id == 0 && W.tl == NULL && !W.stop)
			pthread_cond_wait(&W.cv, &W.mu);
		if (W.stop)
			break;
		struct evw_result *r;
		if (W.req_id != 0) {
			int64_t id = W.req_id;
			unsigned gen = W.req_gen;
			W.req_id = 0;
			pthread_mutex_unlock(&W.mu);
			r = load(&c, id, gen);
			pthread_mutex_lock(&W.mu);
			evw_result_free(W.done);
			W.done = r;
		} else {
			struct tl_req *q = W.tl;
			W.tl = NULL;
			pthread_mutex_unlock(&W.mu);
			r = timeline(&c, q);
			req_free(q);
			pthread_mutex_lock(&W.mu);
			if (r == NULL)
				continue;
			evw_result_free(W.tl_done);
			W.tl_done = r;
		}
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

void evw_timeline(const struct tl_req *rq)
{
	struct tl_req *q = malloc(sizeof *q);
	if (q == NULL)
		return;
	*q = *rq;
	q->kinds = rq->kinds != NULL ? strdup(rq->kinds) : NULL;
	q->re = rq->re != NULL ? strdup(rq->re) : NULL;
	pthread_mutex_lock(&W.mu);
	req_free(W.tl);
	W.tl = q;
	pthread_cond_signal(&W.cv);
	pthread_mutex_unlock(&W.mu);
}

/* One answer a call: evidence first; when a timeline page waits as well
 * the pipe is written again so that poll() comes back for it. */
struct evw_result *evw_take(void)
{
	char buf[64];
	while (read(W.pipe[0], buf, sizeof buf) > 0)
		;
	pthread_mutex_lock(&W.mu);
	struct evw_result *r = W.done;
	if (r != NULL) {
		W.done = NULL;
	} else {
		r = W.tl_done;
		W.tl_done = NULL;
	}
	if (W.done != NULL || W.tl_done != NULL) {
		char b = 1;
		if (write(W.pipe[1], &b, 1) < 0) {
			/* full: poll() sees it readable anyway */
		}
	}
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
	evw_result_free(W.tl_done);
	W.tl_done = NULL;
	req_free(W.tl);
	W.tl = NULL;
	close(W.pipe[0]);
	close(W.pipe[1]);
	free(W.conninfo);
	W.started = 0;
}
