/* conn.h - connecting to the shared database and running statements.
 *
 * Every statement that carries a value goes through db_exec() /
 * db_exec_cmd(): parameterized SQL (PQexecParams, unnamed statement, so the
 * planner sees the values: DESIGN.md "Measured", the generic-plan trap).
 * SQL text is never built from values.
 *
 * Errors: functions that can fail return NULL or -1 and store a malloc'd
 * one-line message in *err (the caller frees it with free()); err may be
 * NULL when the caller does not want the message.
 */
#ifndef ITRACE_DB_CONN_H
#define ITRACE_DB_CONN_H

#include <stddef.h>
#include <stdint.h>
#include <libpq-fe.h>

/* Connect with a libpq connection string or URI ("host=/tmp dbname=x",
 * "postgresql://u@h/db", or a bare database name). NULL or "" uses the PG*
 * environment variables (PGHOST, PGDATABASE, ...) and libpq defaults.
 * The session uses client_encoding UTF8 and TimeZone UTC (a SET after
 * connecting, unless the server already reports UTC: its default, or PGTZ=UTC
 * in the startup packet, as `itrace-tui report quick` sends it); NOTICE
 * messages are dropped, WARNINGs go to stderr. Returns an open connection (the
 * caller PQfinish()es it) or NULL with *err set. */
PGconn *db_connect(const char *conninfo, const char *app_name, char **err);

/* Run sql with n text parameters (NULL entries are SQL NULL). Returns the
 * result (caller PQclear()s) when its status is PGRES_COMMAND_OK or
 * PGRES_TUPLES_OK; otherwise NULL with *err = "what: server message". `what`
 * names the operation for the message (e.g. "create endpoint"). If sqlstate
 * is not NULL it receives the 5-character SQLSTATE of a failure ("" when
 * the failure was not reported by the server, e.g. a lost connection). */
PGresult *db_exec(PGconn *c, const char *what, const char *sql, int n,
                  const char *const *params, char sqlstate[6], char **err);
/* db_exec() for statements whose result is not needed: 0 or -1. */
int db_exec_cmd(PGconn *c, const char *what, const char *sql, int n,
                const char *const *params, char **err);

/* "what: message" from the connection's last error, malloc'd, trailing
 * newlines removed. Never NULL (aborts on allocation failure). */
char *db_errmsg(PGconn *c, const char *what);
/* printf into a new malloc'd string; aborts on allocation failure. */
char *db_strf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Microseconds since the epoch (UTC) as PostgreSQL timestamptz text,
 * "2020-10-22 07:52:05.767000+00". buf must hold DB_TS_LEN bytes. Years
 * outside 1..9999 are clamped to the range's ends (callers check first with
 * db_ts_valid()). Returns buf. */
#define DB_TS_LEN 48
char *db_format_ts(int64_t us, char *buf);
/* 1 when us lies in 0001-01-01 .. 9999-12-31 (UTC), else 0. */
int db_ts_valid(int64_t us);
/* Parse an int8 result cell; 0 on success, -1 when malformed. */
int db_parse_i64(const char *s, int64_t *out);

#endif
