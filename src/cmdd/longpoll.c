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
 * database) are seen through LISTEN itrace: the command table's trigger
 * sends "command:ID"; a listener thread looks up its endpoint and wakes
 * the waiters here. */
#include "cmdd/cmdd.h"

#include <microhttpd.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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

/* One "command:ID" notification: wake that command's endpoint if the
 * command still waits for delivery. */
static void on_notify(PGconn *c, const char *payload)
{
	if (strncmp(payload, "command:", 8) != 0)
		return;
	PGresult *r = DBQ(c, "SELECT endpoint_id FROM command WHERE id = $1::bigint"
	                     " AND state = 'queued'", payload + 8);
	if (db_ok(r) && PQntuples(r) == 1)
		lp_wake(db_i64(r, 0, 0));
	PQclear(r);
}

static void *listener_main(void *arg)
{
	(void)arg;
	PGconn *c = NULL;
	while (!is_stopping()) {
		if (c == NULL) {
			c = pool_connect(cmdd_cfg.db);
			PGresult *r = c != NULL ? PQexec(c, "LISTEN itrace") : NULL;
			if (r == NULL || !db_ok(r)) {
				PQclear(r);
				PQfinish(c);
				c = NULL;
				sleep(1);
				continue;
			}
			PQclear(r);
		}
		struct pollfd p = {.fd = PQsocket(c), .events = POLLIN};
		if (poll(&p, 1, 500) > 0 && !PQconsumeInput(c)) {
			PQfinish(c);   /* the server went away: listen again */
			c = NULL;
			continue;
		}
		/* Collect first: a lookup query would consume input itself. */
		char *ids[64];
		int n = 0;
		PGnotify *nt;
		while ((nt = PQnotifies(c)) != NULL) {
			if (n < 64 && strncmp(nt->extra, "command:", 8) == 0)
				ids[n++] = strdup(nt->extra);
			PQfreemem(nt);
		}
		for (int i = 0; i < n; i++) {
			if (ids[i] != NULL)
				on_notify(c, ids[i]);
			free(ids[i]);
		}
	}
	PQfinish(c);
	return NULL;
}

int lp_start(void)
{
	stopping = false;
	shutting = false;
	if (pthread_create(&timer, NULL, timer_main, NULL) != 0)
		return -1;
	thread_up = true;
	if (cmdd_cfg.db != NULL &&
	    pthread_create(&listener, NULL, listener_main, NULL) == 0)
		listener_up = true;
	return 0;
}

void lp_shutdown(void)
{
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
