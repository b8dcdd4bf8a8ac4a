/* th.h - helpers for integration tests (tests/integ, tests/bench).
 *
 * Every test gets its own database in the throwaway cluster that
 * tests/run-checks.sh started (ITRACE_TEST_PGHOST / ITRACE_TEST_PGUSER), and
 * runs the real programs from ITRACE_BIN (default build/bin). Failures abort
 * the test through cmocka's fail_msg where a cmocka test is running; the
 * helpers themselves only return values.
 */
#ifndef ITRACE_TH_H
#define ITRACE_TH_H

#include <stddef.h>
#include <libpq-fe.h>

struct th_out {
	int status;     /* exit status, or 128+signal */
	char *out;      /* captured stdout, NUL-terminated, owned */
	size_t out_len;
	char *err;      /* captured stderr, owned */
	size_t err_len;
};

/* Create an empty database with a unique name; returns a malloc'd libpq
 * conninfo for it, or NULL (message on stderr). */
char *th_db_new(void);
/* th_db_new() + `itrace-ingest --db C --migrate`. */
char *th_db_new_migrated(void);
/* Drop a database made by th_db_new (conninfo as returned); frees it. */
void th_db_drop(char *conninfo);

/* Run argv (argv[0] is a program name under ITRACE_BIN when it has no '/')
 * with stdin from in_file (NULL: /dev/null) and optional extra environment
 * (NULL-terminated "K=V" list, may be NULL). Captures output. Returns
 * out->status. */
int th_run(struct th_out *out, const char *in_file, char *const env[],
           const char *const argv[]);
void th_out_free(struct th_out *out);

/* Full path of a program under ITRACE_BIN; static buffer per call slot. */
const char *th_bin(const char *name);
/* Path under ITRACE_SHARED (the read-only ../shared); NULL when the shared
 * folder is missing. Static buffer. */
const char *th_shared(const char *rel);

PGconn *th_connect(const char *conninfo);     /* exits the test on failure */
/* First cell of the first row of a query, malloc'd ("" for NULL; NULL on
 * error, with the error on stderr). Parameters optional. */
char *th_scalar(PGconn *c, const char *sql);
long th_count(PGconn *c, const char *sql);    /* th_scalar as a number, -1 on error */
/* th_count of a printf-formatted query (ids and other numbers the test
 * made; never input); exits 99 when it does not fit 2 KiB. */
long th_countf(PGconn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A growing NUL-terminated text (zero-initialise; free p). Out of memory
 * ends the test program (exit 99). */
struct th_buf {
	char *p;
	size_t n, cap;
};
void th_buf_printf(struct th_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void th_buf_add(struct th_buf *b, const char *s, size_t n);

/* A temp directory created once per process, removed at exit. */
const char *th_tmpdir(void);
/* Write len bytes to a new file under th_tmpdir(); returns its path (static). */
const char *th_write_file(const char *name, const char *data, size_t len);
/* Count non-overlapping occurrences of needle in hay. */
int th_count_str(const char *hay, const char *needle);

#endif
