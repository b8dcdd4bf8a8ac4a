/* pool.c - one libpq connection per worker thread, reconnected on demand.
 *
 * libmicrohttpd runs a fixed pool of worker threads; each keeps its own
 * PGconn in thread-local storage, so requests never wait for a connection.
 * A connection found broken (the server restarted) is replaced at the next
 * request; while the server is down pool_get() returns NULL quickly
 * (connect_timeout, and at most one attempt per 250 ms per thread) and the
 * request is answered 503. */
#include "cmdd/cmdd.h"
#include "cmdd/cache.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *pool_conninfo;
static pthread_mutex_t reg_mu = PTHREAD_MUTEX_INITIALIZER;
static PGconn *registry[64];          /* every thread's connection */
static int reg_pid[64];               /* and its backend's process id */
static _Thread_local PGconn *tl_conn;
static _Thread_local int64_t tl_last_try_ms = -100000;
/* The statements prepared on this thread's current connection (dbp). */
static _Thread_local PGconn *prep_conn;
static _Thread_local const char *prep_names[16];
static _Thread_local size_t prep_n;

static void quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

PGconn *pool_connect(const char *conninfo)
{
	/* connect_timeout keeps a dead server from stalling a worker. */
	const char *keys[] = {"dbname", "connect_timeout", "options",
	                      "application_name", NULL};
	const char *vals[] = {conninfo, "3", "-c TimeZone=UTC",
	                      "itrace-cmdd", NULL};
	PGconn *c = PQconnectdbParams(keys, vals, 1);
	if (c == NULL || PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "itrace-cmdd: database: %s",
		        c != NULL ? PQerrorMessage(c) : "out of memory\n");
		PQfinish(c);
		return NULL;
	}
	PQsetNoticeProcessor(c, quiet, NULL);
	return c;
}

void pool_init(const char *conninfo)
{
	free(pool_conninfo);
	pool_conninfo = strdup(conninfo);
}

static void reg_set(PGconn *old, PGconn *c)
{
	int pid = c != NULL ? PQbackendPID(c) : 0;
	pthread_mutex_lock(&reg_mu);
	for (size_t i = 0; i < sizeof registry / sizeof registry[0]; i++) {
		if (registry[i] == old) {
			registry[i] = c;
			reg_pid[i] = pid;
			break;
		}
	}
	pthread_mutex_unlock(&reg_mu);
}

bool pool_own_backend(int pid)
{
	bool own = false;
	pthread_mutex_lock(&reg_mu);
	for (size_t i = 0; i < sizeof registry / sizeof registry[0] && !own; i++)
		own = registry[i] != NULL && reg_pid[i] == pid && pid != 0;
	pthread_mutex_unlock(&reg_mu);
	return own;
}

PGconn *pool_get(void)
{
	if (tl_conn != NULL) {
		/* An idle connection whose server went away shows it here:
		 * consuming input reads the EOF without blocking. */
		if (PQstatus(tl_conn) == CONNECTION_OK && PQconsumeInput(tl_conn) &&
		    PQstatus(tl_conn) == CONNECTION_OK &&
		    PQtransactionStatus(tl_conn) == PQTRANS_IDLE)
			return tl_conn;
		pool_drop();
	}
	int64_t now = clk_mono_ms();
	if (now - tl_last_try_ms < 250)
		return NULL;
	tl_last_try_ms = now;
	PGconn *c = pool_connect(pool_conninfo);
	if (c == NULL)
		return NULL;
	reg_set(NULL, c);
	tl_conn = c;
	tl_last_try_ms = -100000;
	return c;
}

void pool_drop(void)
{
	prep_conn = NULL;
	if (tl_conn == NULL)
		return;
	reg_set(tl_conn, NULL);
	PQfinish(tl_conn);
	tl_conn = NULL;
}

void pool_close_all(void)
{
	pthread_mutex_lock(&reg_mu);
	for (size_t i = 0; i < sizeof registry / sizeof registry[0]; i++) {
		PQfinish(registry[i]);
		registry[i] = NULL;
	}
	pthread_mutex_unlock(&reg_mu);
}

PGresult *dbx(PGconn *c, const char *sql, int n, const char *const *p)
{
	return PQexecParams(c, sql, n, NULL, p, NULL, NULL, 0);
}

PGresult *dbp(PGconn *c, const char *name, const char *sql, int n,
              const char *const *p)
{
	if (c != prep_conn) {
		/* Another connection (or a new one at a reused address, after
		 * a reconnect: nothing is known prepared on it). */
		prep_conn = c;
		prep_n = 0;
	}
	size_t i = 0;
	while (i < prep_n && prep_names[i] != name)
		i++;
	if (i == prep_n) {
		if (prep_n == sizeof prep_names / sizeof prep_names[0])
			return dbx(c, sql, n, p);
		PGresult *r = PQprepare(c, name, sql, n, NULL);
		if (!db_ok(r))
			return r;
		PQclear(r);
		prep_names[prep_n++] = name;
	}
	return PQexecPrepared(c, name, n, p, NULL, NULL, 0);
}

bool db_ok(const PGresult *r)
{
	ExecStatusType s = PQresultStatus(r);
	return s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
}

bool db_lost(PGconn *c)
{
	return c == NULL || PQstatus(c) != CONNECTION_OK;
}

const char *i64s(char *buf, int64_t v)
{
	snprintf(buf, 24, "%" PRId64, v);
	return buf;
}

int64_t db_i64(const PGresult *r, int row, int col)
{
	if (PQgetisnull(r, row, col))
		return 0;
	return strtoll(PQgetvalue(r, row, col), NULL, 10);
}

char *db_strdup(const PGresult *r, int row, int col)
{
	if (PQgetisnull(r, row, col))
		return NULL;
	return strdup(PQgetvalue(r, row, col));
}
