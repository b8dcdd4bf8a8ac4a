/* copy.c - COPY text-format row building and sending; see copy.h. */
#include "db/copy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/conn.h"

void db_copy_init(struct db_copybuf *b)
{
	b->data = NULL;
	b->len = b->cap = 0;
}

void db_copy_free(struct db_copybuf *b)
{
	free(b->data);
	db_copy_init(b);
}

void db_copy_reset(struct db_copybuf *b)
{
	b->len = 0;
}

static void grow(struct db_copybuf *b, size_t need)
{
	if (b->cap - b->len >= need)
		return;
	size_t cap = b->cap != 0 ? b->cap : 65536;
	while (cap - b->len < need)
		cap *= 2;
	char *d = realloc(b->data, cap);
	if (d == NULL) {
		fputs("itrace: out of memory (COPY buffer)\n", stderr);
		abort();
	}
	b->data = d;
	b->cap = cap;
}

void db_copy_raw(struct db_copybuf *b, const char *s, size_t n)
{
	grow(b, n);
	memcpy(b->data + b->len, s, n);
	b->len += n;
}

void db_copy_sep(struct db_copybuf *b)
{
	grow(b, 1);
	b->data[b->len++] = '\t';
}

void db_copy_eol(struct db_copybuf *b)
{
	grow(b, 1);
	b->data[b->len++] = '\n';
}

void db_copy_null(struct db_copybuf *b)
{
	db_copy_raw(b, "\\N", 2);
}

/* Bytes the text format must escape. */
static const unsigned char needs_esc[256] = {
	['\\'] = '\\', ['\n'] = 'n', ['\r'] = 'r', ['\t'] = 't',
};

void db_copy_textn(struct db_copybuf *b, const char *s, size_t n)
{
	grow(b, 2 * n);  /* worst case: every byte escaped */
	char *o = b->data + b->len;
	size_t run = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char e = needs_esc[(unsigned char)s[i]];
		if (e == 0)
			continue;
		memcpy(o, s + run, i - run);
		o += i - run;
		*o++ = '\\';
		*o++ = (char)e;
		run = i + 1;
	}
	memcpy(o, s + run, n - run);
	o += n - run;
	b->len = (size_t)(o - b->data);
}

void db_copy_text(struct db_copybuf *b, const char *s)
{
	if (s == NULL)
		db_copy_null(b);
	else
		db_copy_textn(b, s, strlen(s));
}

void db_copy_i64(struct db_copybuf *b, int64_t v)
{
	/* By hand: snprintf showed up in profiles of large loads. */
	char tmp[24];
	char *p = tmp + sizeof tmp;
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		*--p = '-';
	db_copy_raw(b, p, (size_t)(tmp + sizeof tmp - p));
}

void db_copy_i64_opt(struct db_copybuf *b, int64_t v)
{
	if (v == -1)
		db_copy_null(b);
	else
		db_copy_i64(b, v);
}

void db_copy_bool(struct db_copybuf *b, int v)
{
	if (v < 0)
		db_copy_null(b);
	else
		db_copy_raw(b, v ? "t" : "f", 1);
}

/* Collect the result of a finished COPY; -1 on error. */
static int64_t copy_result(PGconn *c, char sqlstate[6], char **err)
{
	int64_t rows = 0;
	int failed = 0;
	PGresult *r;
	while ((r = PQgetResult(c)) != NULL) {
		if (PQresultStatus(r) == PGRES_COMMAND_OK) {
			if (db_parse_i64(PQcmdTuples(r), &rows) < 0)
				rows = 0;
		} else if (!failed) {
			failed = 1;
			const char *code = PQresultErrorField(r, PG_DIAG_SQLSTATE);
			if (sqlstate != NULL && code != NULL) {
				strncpy(sqlstate, code, 5);
				sqlstate[5] = '\0';
			}
			*err = db_errmsg(c, "COPY");
		}
		PQclear(r);
	}
	return failed ? -1 : rows;
}

int64_t db_copy_send_ranges(PGconn *c, const char *sql, const char *data,
                            const struct db_copy_range *ranges, size_t nranges,
                            char sqlstate[6], char **err)
{
	char *dummy = NULL;
	if (err == NULL)
		err = &dummy;
	*err = NULL;
	if (sqlstate != NULL)
		sqlstate[0] = '\0';
	PGresult *r = PQexec(c, sql);
	if (PQresultStatus(r) != PGRES_COPY_IN) {
		const char *code = PQresultErrorField(r, PG_DIAG_SQLSTATE);
		if (sqlstate != NULL && code != NULL) {
			strncpy(sqlstate, code, 5);
			sqlstate[5] = '\0';
		}
		*err = db_errmsg(c, "COPY");
		PQclear(r);
		while ((r = PQgetResult(c)) != NULL)
			PQclear(r);
		free(dummy);
		return -1;
	}
	PQclear(r);

	/* Pieces of at most CHUNK bytes: large enough to keep system calls
	 * few, small enough not to make libpq double its buffer again. */
	enum { CHUNK = 256 * 1024 };
	int ok = 1;
	for (size_t i = 0; ok && i < nranges; i++) {
		size_t off = ranges[i].off, len = ranges[i].len;
		while (ok && len > 0) {
			size_t n = len < CHUNK ? len : CHUNK;
			if (PQputCopyData(c, data + off, (int)n) != 1)
				ok = 0;
			off += n;
			len -= n;
		}
	}
	if (!ok) {
		/* The server stays in COPY mode until we end it. */
		*err = db_errmsg(c, "COPY: sending rows");
		PQputCopyEnd(c, "client could not send data");
		while ((r = PQgetResult(c)) != NULL)
			PQclear(r);
		free(dummy);
		return -1;
	}
	if (PQputCopyEnd(c, NULL) != 1) {
		*err = db_errmsg(c, "COPY: ending");
		while ((r = PQgetResult(c)) != NULL)
			PQclear(r);
		free(dummy);
		return -1;
	}
	int64_t rows = copy_result(c, sqlstate, err);
	free(dummy);
	return rows;
}

int64_t db_copy_send(PGconn *c, const char *sql, const char *data, size_t n,
                     char sqlstate[6], char **err)
{
	struct db_copy_range one = {0, n};
	return db_copy_send_ranges(c, sql, data, &one, n > 0 ? 1 : 0, sqlstate, err);
}
