/* conn.c - connect, run parameterized statements, format times; see conn.h. */
#include "db/conn.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *db_strf(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	va_start(ap, fmt);
	int n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0) {
		fputs("itrace: out of memory\n", stderr);
		abort();
	}
	return s;
}

/* Copy of msg without trailing newlines and with the remaining newlines
 * (libpq puts DETAIL/HINT on their own lines) turned into "; ". */
static char *one_line(const char *what, const char *msg)
{
	if (msg == NULL || msg[0] == '\0')
		msg = "unknown error";
	size_t n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r' || msg[n - 1] == ' '))
		n--;
	char *body = malloc(2 * n + 1);
	if (body == NULL) {
		fputs("itrace: out of memory\n", stderr);
		abort();
	}
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (msg[i] == '\n') {
			body[o++] = ';';
			body[o++] = ' ';
			while (i + 1 < n && msg[i + 1] == ' ')
				i++;
		} else if (msg[i] != '\r') {
			body[o++] = msg[i];
		}
	}
	body[o] = '\0';
	char *s = what != NULL ? db_strf("%s: %s", what, body) : db_strf("%s", body);
	free(body);
	return s;
}

char *db_errmsg(PGconn *c, const char *what)
{
	return one_line(what, c != NULL ? PQerrorMessage(c) : "no connection");
}

static void set_err(char **err, char *msg)
{
	if (err != NULL)
		*err = msg;
	else
		free(msg);
}

/* Drop NOTICE/INFO/DEBUG chatter ("relation exists, skipping"); keep
 * warnings and worse visible. */
static void notice_receiver(void *arg, const PGresult *r)
{
	(void)arg;
	const char *sev = PQresultErrorField(r, PG_DIAG_SEVERITY_NONLOCALIZED);
	if (sev != NULL && (strcmp(sev, "NOTICE") == 0 || strcmp(sev, "INFO") == 0 ||
	                    strcmp(sev, "DEBUG") == 0 || strcmp(sev, "LOG") == 0))
		return;
	char *m = one_line(NULL, PQresultErrorMessage(r));
	fprintf(stderr, "itrace: database: %s\n", m);
	free(m);
}

PGconn *db_connect(const char *conninfo, const char *app_name, char **err)
{
	/* expand_dbname: the "dbname" entry may be a whole conninfo string or
	 * URI; the entries after it override what it says. An empty or NULL
	 * value falls back to the PG* environment variables. */
	const char *keys[] = {"dbname", "fallback_application_name",
	                      "client_encoding", NULL};
	const char *vals[] = {conninfo != NULL && conninfo[0] != '\0' ? conninfo : NULL,
	                      app_name != NULL ? app_name : "itrace", "UTF8", NULL};
	PGconn *c = PQconnectdbParams(keys, vals, 1);
	if (c == NULL) {
		set_err(err, db_strf("cannot connect to the database: out of memory"));
		return NULL;
	}
	if (PQstatus(c) != CONNECTION_OK) {
		set_err(err, db_errmsg(c, "cannot connect to the database"));
		PQfinish(c);
		return NULL;
	}
	PQsetNoticeReceiver(c, notice_receiver, NULL);
	/* The server reports its TimeZone at startup: a cluster whose default
	 * is UTC, or a startup packet that asked for it (PGTZ=UTC, see
	 * report_cmd.c), needs no SET and its round trip. */
	const char *tz = PQparameterStatus(c, "TimeZone");
	if (tz != NULL && strcmp(tz, "UTC") == 0)
		return c;
	PGresult *r = PQexec(c, "SET TimeZone = 'UTC'");
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	PQclear(r);
	if (!ok) {
		set_err(err, db_errmsg(c, "cannot set up the database session"));
		PQfinish(c);
		return NULL;
	}
	return c;
}

PGresult *db_exec(PGconn *c, const char *what, const char *sql, int n,
                  const char *const *params, char sqlstate[6], char **err)
{
	if (sqlstate != NULL)
		sqlstate[0] = '\0';
	PGresult *r = PQexecParams(c, sql, n, NULL, params, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(r);
	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
		return r;
	const char *code = r != NULL ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	if (sqlstate != NULL && code != NULL) {
		strncpy(sqlstate, code, 5);
		sqlstate[5] = '\0';
	}
	const char *msg = r != NULL ? PQresultErrorMessage(r) : "";
	set_err(err, one_line(what, msg[0] != '\0' ? msg : PQerrorMessage(c)));
	PQclear(r);
	return NULL;
}

int db_exec_cmd(PGconn *c, const char *what, const char *sql, int n,
                const char *const *params, char **err)
{
	PGresult *r = db_exec(c, what, sql, n, params, NULL, err);
	if (r == NULL)
		return -1;
	PQclear(r);
	return 0;
}

/* Days since 1970-01-01 -> civil date (H. Hinnant's algorithm). */
static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

#define US_PER_DAY INT64_C(86400000000)
/* 0001-01-01T00:00:00Z and 10000-01-01T00:00:00Z in microseconds. */
#define TS_MIN (INT64_C(-62135596800) * 1000000)
#define TS_END (INT64_C(253402300800) * 1000000)

int db_ts_valid(int64_t us)
{
	return us >= TS_MIN && us < TS_END;
}

static char *put2(char *p, int v)
{
	p[0] = (char)('0' + v / 10);
	p[1] = (char)('0' + v % 10);
	return p + 2;
}

char *db_format_ts(int64_t us, char *buf)
{
	if (us < TS_MIN)
		us = TS_MIN;
	if (us >= TS_END)
		us = TS_END - 1;
	int64_t days = us / US_PER_DAY, rem = us % US_PER_DAY;
	if (rem < 0) {
		rem += US_PER_DAY;
		days--;
	}
	int64_t y;
	int m, d;
	civil_from_days(days, &y, &m, &d);
	int secs = (int)(rem / 1000000), frac = (int)(rem % 1000000);
	/* By hand: this runs for every event loaded (snprintf was visible in
	 * profiles). "YYYY-MM-DD HH:MM:SS.ffffff+00". */
	char *p = buf;
	p = put2(p, (int)(y / 100));
	p = put2(p, (int)(y % 100));
	*p++ = '-';
	p = put2(p, m);
	*p++ = '-';
	p = put2(p, d);
	*p++ = ' ';
	p = put2(p, secs / 3600);
	*p++ = ':';
	p = put2(p, secs / 60 % 60);
	*p++ = ':';
	p = put2(p, secs % 60);
	*p++ = '.';
	p = put2(p, frac / 10000);
	p = put2(p, frac / 100 % 100);
	p = put2(p, frac % 100);
	memcpy(p, "+00", 4);
	return buf;
}

int db_parse_i64(const char *s, int64_t *out)
{
	if (s == NULL || s[0] == '\0')
		return -1;
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	*out = (int64_t)v;
	return 0;
}
