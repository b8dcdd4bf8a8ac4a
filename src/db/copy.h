/* copy.h - building rows for COPY ... FROM STDIN (text format) and sending
 * them.
 *
 * A struct db_copybuf is a growable byte buffer. Fields are appended one at
 * a time; db_copy_sep() goes between fields and db_copy_eol() ends a row.
 * Text values are escaped for the text format: backslash, newline, carriage
 * return and tab become \\ \n \r \t; absent values are written as \N.
 * Allocation failure aborts the program (a loader without memory cannot do
 * anything useful, and every caller would have to do the same).
 */
#ifndef ITRACE_DB_COPY_H
#define ITRACE_DB_COPY_H

#include <stddef.h>
#include <stdint.h>
#include <libpq-fe.h>

struct db_copybuf {
	char *data;     /* owned */
	size_t len, cap;
};

void db_copy_init(struct db_copybuf *b);
void db_copy_free(struct db_copybuf *b);
void db_copy_reset(struct db_copybuf *b);   /* len = 0, keeps memory */

void db_copy_sep(struct db_copybuf *b);                 /* field separator */
void db_copy_eol(struct db_copybuf *b);                 /* end of row */
void db_copy_null(struct db_copybuf *b);                /* \N */
void db_copy_text(struct db_copybuf *b, const char *s); /* escaped; NULL -> \N */
void db_copy_textn(struct db_copybuf *b, const char *s, size_t n);
void db_copy_i64(struct db_copybuf *b, int64_t v);
/* -1 (the struct ev convention for absent) -> \N, else the number. */
void db_copy_i64_opt(struct db_copybuf *b, int64_t v);
/* -1 unknown -> \N, 0 -> f, otherwise t. */
void db_copy_bool(struct db_copybuf *b, int v);
/* Raw bytes the caller knows need no escaping (numbers, ISO times). */
void db_copy_raw(struct db_copybuf *b, const char *s, size_t n);

/* Send `sql` (a "COPY ... FROM STDIN" statement) and then n bytes of rows.
 * Returns the number of rows the server stored, or -1 with *err set; the
 * SQLSTATE of a server error goes to sqlstate (may be NULL), e.g. "23505"
 * for a unique violation. The connection is ready for the next command
 * either way. */
int64_t db_copy_send(PGconn *c, const char *sql, const char *data, size_t n,
                     char sqlstate[6], char **err);

/* The same, with the rows given as `nranges` (offset, length) pieces of
 * `data`, sent in order: lets a caller skip rows without copying. */
struct db_copy_range {
	size_t off, len;
};
int64_t db_copy_send_ranges(PGconn *c, const char *sql, const char *data,
                            const struct db_copy_range *ranges, size_t nranges,
                            char sqlstate[6], char **err);

#endif
