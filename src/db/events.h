/* events.h - bulk loading of parsed events into the `event` table.
 *
 * The loader encodes each event as a COPY row (binary format,
 * event_copy.c) as it is added and sends full batches (db_evload_set_batch: 20,000 rows or 32 MiB by default; the
 * first batches are smaller, 2,000 rows doubling, so the server starts
 * working early) from
 * a background thread over its own connection, so parsing the next batch
 * overlaps the server's work on the previous one. Per batch:
 *   1. the daily partitions of the batch are ensured
 *      (SELECT itrace_event_partition(day), once per day per loader);
 *   2. one indexed query fetches the dedup keys already stored for the
 *      batch's endpoints and time ranges; those rows, and repeats within the
 *      batch, are dropped client-side;
 *   3. the rest goes into `event` with one COPY (one transaction), in the
 *      order of the unique key (endpoint, time, dedup);
 *   4. if that COPY still hits the unique key (another loader stored the
 *      same rows meanwhile), the batch is loaded again through a temporary
 *      staging table with INSERT ... ON CONFLICT DO NOTHING.
 * Reloading the same events therefore adds nothing; "loaded" counts the
 * rows that were new.
 *
 * Threads: db_evload_* functions must be called from one thread; the
 * loader's connection is used only by its own worker thread.
 */
#ifndef ITRACE_DB_EVENTS_H
#define ITRACE_DB_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#include "core/event.h"

struct db_evload;

struct db_evload_stats {
	int64_t loaded;      /* rows stored (new) */
	int64_t duplicate;   /* rows already present, not stored again */
	int64_t batches;     /* COPY batches sent */
	int64_t fallbacks;   /* batches loaded through the staging table */
	double busy_s;       /* seconds the loader thread spent loading */
	double wait_s;       /* seconds the caller waited for it (a full
	                      * batch while the previous one still loads) */
};

/* Open a loader with its own connection (conninfo as for db_connect).
 * NULL with *err (malloc'd) on failure. */
struct db_evload *db_evload_new(const char *conninfo, char **err);

/* Batch limits (rows >= 1, bytes >= 64 KiB); call before the first add. */
void db_evload_set_batch(struct db_evload *l, size_t rows, size_t bytes);

/* Turn step 2 (the pre-check for stored rows) off or on (default on).
 * Off, a batch that overlaps stored rows always takes the staging-table
 * path: a testing aid for that path (itrace-ingest sets it from the
 * environment variable ITRACE_INGEST_NO_PRECHECK=1). */
void db_evload_set_precheck(struct db_evload *l, int on);

/* Queue event e (borrowed; copied as an encoded row) of endpoint endpoint_id
 * with dedup key `dedup`. The event must pass db_event_check(). Returns 0,
 * or -1 with *err when loading failed (a database error in this or an
 * earlier batch); after a failure the loader only reports that error. */
int db_evload_add(struct db_evload *l, int64_t endpoint_id, const struct ev *e,
                  int64_t dedup, char **err);

/* The same with the event already encoded by db_event_encode_tail() (so
 * callers can encode in parallel threads): ts_us is the event's time, tail
 * the encoded bytes (borrowed, copied) and mid what encode_tail returned. */
int db_evload_add_tail(struct db_evload *l, int64_t endpoint_id, int64_t ts_us,
                       int64_t dedup, const char *tail, size_t len, size_t mid,
                       char **err);

/* Load everything queued and wait for it. 0, or -1 with *err. */
int db_evload_flush(struct db_evload *l, char **err);

/* Counters so far (rows of batches that finished). */
void db_evload_get_stats(struct db_evload *l, struct db_evload_stats *out);

/* Stop the worker (what was not flushed is dropped) and free everything. */
void db_evload_free(struct db_evload *l);

/* 0 when e can be stored; otherwise -1 and a one-line reason in why
 * (e.g. a time the database cannot represent). */
int db_event_check(const struct ev *e, char *why, size_t whylen);

/* The column list the loader fills, in order (for tests and tools that
 * produce the same COPY rows, e.g. the benchmark's psql \copy):
 * endpoint_id, ts, kind, eid, record_id, dedup, then the rest. */
extern const char db_event_columns[];
/* Encode e as one COPY *text* row (with trailing newline) appended to b:
 * the same values the loader sends, for psql \copy and tests. */
struct db_copybuf;
void db_event_encode(struct db_copybuf *b, int64_t endpoint_id, const struct ev *e,
                     int64_t dedup);

/* The loader's rows, COPY binary format (event_copy.c). */
/* The row without its field count, endpoint_id and dedup: depends on e
 * alone (pure, thread-safe). Returns the offset, from where this call
 * started writing, at which the dedup field belongs. */
size_t db_event_encode_tail(struct db_copybuf *b, const struct ev *e);
/* Append the whole row: field count, endpoint_id, tail[0..mid), dedup,
 * tail[mid..len). */
void db_event_row(struct db_copybuf *b, int64_t endpoint_id, int64_t dedup,
                  const char *tail, size_t len, size_t mid);
/* What a binary COPY stream starts and ends with. */
#define DB_EVENT_COPY_HEADER 19
#define DB_EVENT_COPY_TRAILER 2
extern const char db_event_copy_header[DB_EVENT_COPY_HEADER];
extern const char db_event_copy_trailer[DB_EVENT_COPY_TRAILER];

#endif
