/* ingest.h - pieces of the itrace-ingest program (src/ingest only).
 *
 *   main.c     options, the per-line loop, summary and exit status
 *   pool.c     parser threads: lines are parsed (and events encoded as
 *              COPY rows) in chunks by several threads; main.c consumes
 *              the chunks in input order, so messages, line numbers,
 *              dedup keys and alerts come out exactly as if sequential
 *   arena.c    jansson's allocator: a bump arena per chunk while parsing
 *   occ.c      dedup keys that keep repeated identical lines apart
 *   rejects.c  the rejects file (created on the first reject)
 */
#ifndef ITRACE_INGEST_H
#define ITRACE_INGEST_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/event.h"
#include "core/logline.h"
#include "db/copy.h"

/* ---- occ.c ----
 * Real exports contain byte-identical lines that are distinct events (two
 * registry writes of the same key in the same millisecond, no record
 * number in the flat layout). The dedup key of a line is ll_dedup_key();
 * the k-th repeat of the same line within the previous ING_OCC_WINDOW lines
 * gets a key derived from (key, k). The same file therefore always yields
 * the same keys (reloading adds nothing), and repeats are all stored. */
#define ING_OCC_WINDOW 4096

struct ing_occ;
struct ing_occ *ing_occ_new(void);         /* aborts on allocation failure */
void ing_occ_free(struct ing_occ *o);
void ing_occ_reset(struct ing_occ *o);     /* at the start of each file */
int64_t ing_occ_key(struct ing_occ *o, int64_t line_key);

/* ---- rejects.c ----
 * A rejects file is opened (truncated) when the first line is written to
 * it, and every line is flushed at once, so a write failure (full disk) is
 * noticed at that line. */
struct ing_rejects {
	char *path;     /* owned */
	FILE *f;        /* NULL until the first reject */
};

void ing_rejects_init(struct ing_rejects *r, const char *path);
/* Write line[0..len) and a newline. 0, or -1 with *err (malloc'd,
 * "PATH: cannot write: reason"). */
int ing_rejects_put(struct ing_rejects *r, const char *line, size_t len, char **err);
/* Close (if opened) and free; 0, or -1 with *err when the final flush or
 * close failed. */
int ing_rejects_close(struct ing_rejects *r, char **err);

/* ---- arena.c ----
 * ing_json_alloc_init() must run before anything allocates a jansson
 * value (first thing in main). Strings that jansson returns for the caller
 * to free (json_dumps) must then not be used: use json_dumpb. */
struct ing_arena {
	struct ablock *first, *cur;
};
void ing_json_alloc_init(void);
/* Make a (or NULL: malloc) the source of this thread's jansson values. */
void ing_arena_use(struct ing_arena *a);
void *ing_arena_alloc(struct ing_arena *a, size_t n);  /* aborts on OOM */
void ing_arena_reset(struct ing_arena *a);   /* keeps the blocks */
void ing_arena_free(struct ing_arena *a);

/* ---- pool.c ----
 * A chunk holds up to ING_CHUNK_LINES input lines and, once parsed, one
 * item per line. Chunks are filled and consumed by the main thread only;
 * between ing_pool_submit() and ing_pool_wait() a parser thread owns it.
 * Each chunk always goes to the same parser thread (chunk.owner), which
 * frees the previous results before parsing the next lines: memory is
 * freed by the thread that allocated it, which keeps malloc's per-thread
 * caches effective (freeing in the main thread cost 20% of the CPU). */
#define ING_CHUNK_LINES 1024
#define ING_CHUNK_BYTES (1u << 20)

struct ing_item {
	size_t line_off, line_len;   /* in chunk.lines, without the newline */
	int blank;                   /* only blanks: not parsed */
	enum ll_result res;
	int64_t key;                 /* ll_dedup_key() of the line */
	struct ev ev;                /* LL_EVENT: once encoded, only kind, ts_us,
	                                eid, the numbers and the strings host,
	                                image, cmdline and target are kept
	                                (what main.c and tun_match() read) */
	struct ev_alert al;          /* LL_ALERT */
	char *err;                   /* LL_ERROR reason, malloc'd */
	size_t tail_off, tail_len;   /* LL_EVENT: db_event_encode_tail() in
	                                chunk.tails */
	size_t tail_mid;             /* and what it returned */
};

struct ing_chunk {
	char *lines;                 /* owned */
	size_t lines_len, lines_cap;
	struct ing_item *items;      /* owned */
	size_t n, cap;
	struct db_copybuf tails;
	struct ing_arena arena;      /* jansson values of the results */
	size_t nres;                 /* items[0..nres) hold results to free */
	long long first_lineno;      /* line number of items[0] */
	int owner;                   /* parser thread index */
	int done;                    /* parsed (guarded by the pool's lock) */
};

void ing_chunk_init(struct ing_chunk *c);
/* Append one line (without its newline); returns 1 when the chunk is now
 * full. Aborts on allocation failure. */
int ing_chunk_add(struct ing_chunk *c, const char *line, size_t len);
/* Empty the chunk for new lines (the old results are freed by the parser
 * thread when it parses the chunk next, or by ing_chunk_free). */
void ing_chunk_reset(struct ing_chunk *c);
void ing_chunk_free(struct ing_chunk *c);

struct ing_pool;
/* nthreads parser threads (>= 1). NULL when threads cannot be started. */
struct ing_pool *ing_pool_new(int nthreads);
int ing_pool_threads(const struct ing_pool *p);
void ing_pool_submit(struct ing_pool *p, struct ing_chunk *c);
void ing_pool_wait(struct ing_pool *p, struct ing_chunk *c);
void ing_pool_free(struct ing_pool *p);        /* joins the threads */

#endif
