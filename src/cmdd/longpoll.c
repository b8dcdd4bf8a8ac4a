/* longpoll.c - heartbeats waiting for a command.
 *
 * A waiter is a suspended MHD connection with the endpoint it waits for
 * and a deadline. lp_wake(ep) (called after a transaction that queued a
 * command commits) resumes that endpoint's waiters; a timer thread
 * resumes the ones whose deadline passed. The woken/suspended flags,
 * changed only under the mutex, make sure a connection is resumed exactly
 * once and only after it was suspended, even when the wake comes between
 * lp_add and lp_suspend.
 *
 * Commands queued by another process (a second itrace-cmdd on the same
 * database) are seen through LISTEN: with the 009 triggers the channel
 * itrace_cmdd says "cmd:ENDPOINT:queued" and the listener thread wakes
 * that endpoint's waiters; on an older schema the command table's
 * "command:ID" on channel itrace is looked up instead.
 *
 * The same listener keeps the daemon's memory (cache.c) honest: every
 * itrace_cmdd notification (and 001's "endpoint:ID") goes to
 * cache_notify(), and memory is on only while the listener is connected
 * to a database with the triggers. A request trusts memory only after
 * a barrier (lp_sync_suspend): an empty query on the listener's connection
 * sent after the request arrived; the request's connection is suspended
 * meanwhile and holds no thread. PostgreSQL signals listening backends when
 * a transaction commits, before the committer hears COMMIT back, and a
 * backend delivers the notifications it has been signalled about before
 * it answers a query; so once the barrier is answered and what came
 * before it applied, every change committed before the request arrived
 * is in memory. One barrier serves every request that arrived before it
 * was sent. */
#include "cmdd/cmdd.h"

#include <microhttpd.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "cmdd/cache.h"

struct lp_waiter {
	struct lp_waiter *next, *prev;
	int64_t ep;
	struct MHD_Connection *conn;
	int64_t deadline_ms;
	bool woken;        /* a wake or the deadline came */
	bool suspended;    /* MHD_suspend_connection done */
	bool resumed;      /* MHD_resume_connection done */
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static struct lp_waiter *head;
static int count;
static bool stopping, thread_up, shutting;
static pthread_t timer, listener;
static bool listener_up;

/* Under mu. */
static void wake_one(struct lp_waiter *w)
{
	w->woken = true;
	if (w->suspended && !w->resumed) {
		w->resumed = true;
		MHD_resume_connection(w->conn);
	}
}

static void *timer_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&mu);
	while (!stopping) {
		int64_t now = clk_mono_ms();
		int64_t next = now + 1000;
		for (struct lp_waiter *w = head; w != NULL; w = w->next) {
			if (w->woken)
				continue;
			if (w->deadline_ms <= now)
				wake_one(w);
			else if (w->deadline_ms < next)
				next = w->deadline_ms;
		}
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		int64_t wait_ms = next - now;
		ts.tv_sec += wait_ms / 1000;
		ts.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&cv, &mu, &ts);
	}
	pthread_mutex_unlock(&mu);
	return NULL;
}

static bool is_stopping(void)
{
	pthread_mutex_lock(&mu);
	bool s = stopping;
	pthread_mutex_unlock(&mu);
	return s;
}

/* Barriers. Under bmu: memory on, sequence numbers of the last barrier
 * sent and of the last one answered and applied, the highest one a
 * request waits for, and the suspended requests (lp_sync_suspend).
 * wake_fd wakes the listener's poll. */
static pthread_mutex_t bmu = PTHREAD_MUTEX_INITIALIZER;
static bool b_on, b_asked, b_shut;
static uint64_t b_sent, b_done, b_want;
static struct lp_sync *b_waiters;
static int wake_fd = -1;

/* Under bmu: resume the waiters served (all of them when result < 0). */
static void resume_synced(int result)
{
	struct lp_sync **pp = &b_waiters;
	while (*pp != NULL) {
		struct lp_sync *w = *pp;
		if (result > 0 && w->need > b_done) {
			pp = &w->next;
			continue;
		}
		*pp = w->next;
		w->listed = false;
		w->result = result;
		if (w->suspended) {
			w->suspended = false;
			MHD_resume_connection(w->conn);
		}
	}
}

bool lp_sync_suspend(struct lp_sync *w, struct MHD_Connection *c)
{
	pthread_mutex_lock(&bmu);
	if (!b_on || b_shut || wake_fd < 0) {
		w->result = -1;
		pthread_mutex_unlock(&bmu);
		return false;
	}
	/* A barrier already sent may have left before this request came. */
	w->need = b_sent + 1;
	if (b_want < w->need)
		b_want = w->need;
	if (!b_asked) {
		b_asked = true;
		uint64_t one = 1;
		if (write(wake_fd, &one, sizeof one) < 0) {
			/* the counter is full: the listener is awake anyway */
		}
	}
	w->conn = c;
	w->result = 0;
	w->next = b_waiters;
	b_waiters = w;
	w->listed = true;
	MHD_suspend_connection(c);
	w->suspended = true;
	pthread_mutex_unlock(&bmu);
	return true;
}

void lp_sync_cancel(struct lp_sync *w)
{
	pthread_mutex_lock(&bmu);
	if (w->listed) {
		struct lp_sync **pp = &b_waiters;
		while (*pp != NULL && *pp != w)
			pp = &(*pp)->next;
		if (*pp != NULL)
			*pp = w->next;
		w->listed = false;
	}
	pthread_mutex_unlock(&bmu);
}

static void barrier_state(bool on)
{
	pthread_mutex_lock(&bmu);
	b_on = on;
	if (!on)
		resume_synced(-1);
	pthread_mutex_unlock(&bmu);
}

/* A notification that a command was queued: "command:ID" (channel
 * itrace, schema without 009) or "cmd:EP:queued" (itrace_cmdd). Wake the
 * endpoint if a command still waits for delivery: by the time the
 * notification arrives the command has often gone out already (woken
 * in-process), and a needless wake would end the endpoint's next poll. */
static void on_queued(PGconn *c, const char *payload)
{
	PGresult *r;
	if (strncmp(payload, "command:", 8) == 0) {
		r = DBQ(c, "SELECT endpoint_id FROM command WHERE id = $1::bigint"
		           " AND state = 'queued'", payload + 8);
	} else {
		char *end;
		long long ep = strtoll(payload + 4, &end, 10);
		if (ep <= 0 || strcmp(end, ":queued") != 0)
			return;
		char eb[24];
		r = DBQ(c, "SELECT endpoint_id FROM command WHERE endpoint_id = $1"
		           " AND state = 'queued' LIMIT 1", i64s(eb, ep));
	}
	if (db_ok(r) && PQntuples(r) == 1)
		lp_wake(db_i64(r, 0, 0));
	PQclear(r);
}

/* 1 when the database has the 009 triggers, 0 not, -1 error. */
static int has_triggers(PGconn *c)
{
	PGresult *r = PQexec(c, "SELECT to_regprocedure('itrace_cmdd_command()') IS NOT NULL");
	int rc = db_ok(r) && PQntuples(r) == 1 ? strcmp(PQgetvalue(r, 0, 0), "t") == 0 : -1;
	PQclear(r);
	return rc;
}

static void forget_connection(PGconn **c, bool *memory)
{
	barrier_state(false);
	cache_disable();
	*memory = false;
	PQfinish(*c);
	*c = NULL;
}

/* Apply every notification libpq holds: the memory forgets first, then
 * the queued commands are looked up (which may read more notifications,
 * so go round until none is left). */
static void apply_notifications(PGconn *c, bool memory)
{
	for (;;) {
		char *queued[64];
		int n = 0;
		PGnotify *nt;
		/* Collect first: a lookup query would consume input itself.
		 * At most 64 a round; the rest stay queued in libpq. */
		while (n < 64 && (nt = PQnotifies(c)) != NULL) {
			bool ours = strcmp(nt->relname, "itrace_cmdd") == 0;
			/* "endpoint:ID" of channel itrace (001) tells of
			 * every change of an endpoint row, heartbeats' too. */
			if (ours || strncmp(nt->extra, "endpoint:", 9) == 0)
				cache_notify(nt->extra, nt->be_pid);
			size_t len = strlen(nt->extra);
			bool is_queued = ours ? strncmp(nt->extra, "cmd:", 4) == 0 && len > 7 &&
			                        strcmp(nt->extra + len - 7, ":queued") == 0
			                      : !memory && strncmp(nt->extra, "command:", 8) == 0;
			if (is_queued)
				queued[n++] = strdup(nt->extra);
			PQfreemem(nt);
		}
		if (n == 0)
			return;
		for (int i = 0; i < n; i++) {
			if (queued[i] != NULL)
				on_queued(c, queued[i]);
			free(queued[i]);
		}
	}
}

/* The barrier: an empty query, then what arrived before its answer is
 * applied. -1 when the connection failed. */
static int barrier(PGconn *c, bool memory)
{
	pthread_mutex_lock(&bmu);
	bool wanted = b_want > b_done;
	/* Requests registered from now on wait for the next one. */
	uint64_t seq = wanted ? ++b_sent : 0;
	b_asked = false;
	pthread_mutex_unlock(&bmu);
	if (!wanted)
		return 0;
	PGresult *r = PQexec(c, "");
	bool ok = PQresultStatus(r) == PGRES_EMPTY_QUERY;
	PQclear(r);
	if (!ok)
		return -1;
	apply_notifications(c, memory);
	cache_count_barrier();
	pthread_mutex_lock(&bmu);
	b_done = seq;
	resume_synced(1);
	pthread_mutex_unlock(&bmu);
	return 0;
}

static void *listener_main(void *arg)
{
	(void)arg;
	PGconn *c = NULL;
	bool memory = false;
	int64_t checked_ms = 0;
	while (!is_stopping()) {
		if (c == NULL) {
			c = pool_connect(cmdd_cfg.db);
			PGresult *r = c != NULL ? PQexec(c, "LISTEN itrace; LISTEN itrace_cmdd") : NULL;
			if (r == NULL || !db_ok(r)) {
				PQclear(r);
				PQfinish(c);
				c = NULL;
				sleep(1);
				continue;
			}
			PQclear(r);
			checked_ms = clk_mono_ms() - 60000;
		}
		/* Memory on once the triggers are there (looked for again every
		 * 10 s: the migration may come later). Everything committed
		 * from now on is notified to this connection. */
		if (!memory && clk_mono_ms() - checked_ms >= 10000) {
			checked_ms = clk_mono_ms();
			int t = has_triggers(c);
			if (t < 0) {
				forget_connection(&c, &memory);
				continue;
			}
			if (t > 0) {
				memory = true;
				cache_enable();
				barrier_state(true);
			}
			apply_notifications(c, memory);
		}
		struct pollfd p[2] = {{.fd = PQsocket(c), .events = POLLIN},
		                      {.fd = wake_fd, .events = POLLIN}};
		int ready = poll(p, wake_fd >= 0 ? 2 : 1, 500);
		if (ready > 0 && (p[1].revents & POLLIN)) {
			uint64_t v;
			if (read(wake_fd, &v, sizeof v) < 0) {
				/* nothing to read after all */
			}
		}
		if (ready > 0 && (p[0].revents & (POLLIN | POLLERR | POLLHUP)) &&
		    !PQconsumeInput(c)) {
			/* The server went away: memory off, listen again. */
			forget_connection(&c, &memory);
			continue;
		}
		apply_notifications(c, memory);
		if (barrier(c, memory) != 0)
			forget_connection(&c, &memory);
	}
	barrier_state(false);
	cache_disable();
	PQfinish(c);
	return NULL;
}

int lp_start(void)
{
	stopping = false;
	shutting = false;
	b_shut = false;
	if (pthread_create(&timer, NULL, timer_main, NULL) != 0)
		return -1;
	thread_up = true;
	if (wake_fd < 0)
		wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (cmdd_cfg.db != NULL &&
	    pthread_create(&listener, NULL, listener_main, NULL) == 0)
		listener_up = true;
	return 0;
}

void lp_shutdown(void)
{
	pthread_mutex_lock(&bmu);
	b_shut = true;
	resume_synced(-1);
	pthread_mutex_unlock(&bmu);
	pthread_mutex_lock(&mu);
	shutting = true;
	for (struct lp_waiter *w = head; w != NULL; w = w->next)
		wake_one(w);
	pthread_mutex_unlock(&mu);
}

void lp_stop(void)
{
	if (!thread_up)
		return;
	pthread_mutex_lock(&mu);
	stopping = true;
	pthread_cond_signal(&cv);
	pthread_mutex_unlock(&mu);
	pthread_join(timer, NULL);
	thread_up = false;
	if (listener_up) {
		pthread_join(listener, NULL);
		listener_up = false;
	}
}

struct lp_waiter *lp_add(int64_t ep, struct MHD_Connection *c, int64_t deadline_ms)
{
	struct lp_waiter *w = calloc(1, sizeof *w);
	if (w == NULL)
		return NULL;
	w->ep = ep;
	w->conn = c;
	w->deadline_ms = deadline_ms;
	pthread_mutex_lock(&mu);
	if (shutting) {
		pthread_mutex_unlock(&mu);
		free(w);
		return NULL;
	}
	w->next = head;
	if (head != NULL)
		head->prev = w;
	head = w;
	count++;
	pthread_cond_signal(&cv);   /* the timer recomputes its deadline */
	pthread_mutex_unlock(&mu);
	return w;
}

bool lp_suspend(struct lp_waiter *w)
{
	pthread_mutex_lock(&mu);
	bool ok = !w->woken;
	if (ok) {
		MHD_suspend_connection(w->conn);
		w->suspended = true;
	}
	pthread_mutex_unlock(&mu);
	return ok;
}

void lp_remove(struct lp_waiter *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&mu);
	if (w->prev != NULL)
		w->prev->next = w->next;
	else
		head = w->next;
	if (w->next != NULL)
		w->next->prev = w->prev;
	count--;
	pthread_mutex_unlock(&mu);
	free(w);
}

void lp_wake(int64_t ep)
{
	/* A command waits for ep: its heartbeat must ask the database. */
	cache_hb_forget(ep);
	pthread_mutex_lock(&mu);
	for (struct lp_waiter *w = head; w != NULL; w = w->next)
		if (w->ep == ep)
			wake_one(w);
	pthread_mutex_unlock(&mu);
}

int lp_count(void)
{
	pthread_mutex_lock(&mu);
	int n = count;
	pthread_mutex_unlock(&mu);
	return n;
}
