/* evidence.h - load what the quick report of one alert needs (SPEC R-10,
 * the alert with its tenant and host, and the events of its
 * endpoint from detected_at - 7 days up to the time of the report.
 *
 * A handful of indexed, parameterized queries (unnamed statements through
 * db_exec, so recursive queries get custom plans; JIT off for the session),
 * never a scan of the window:
 *   1. the alert (+ tenant, host, server time);
 *   2. seeds: events whose target is the file (hash index on lower(target):
 *      writers, streams, image loads), process starts whose image is the
 *      file (hash index on lower(image)), events with its SHA-256 (hash
 *      index on sha256): first probed without the endpoint (a detected
 *      file is rare), again with it when the probe is full (a common
 *      program); for a file that is not a PE image also the endpoint's
 *      process starts whose command line names it;
 *   3. one statement: descendants of the executions (recursive, index
 *      event_parent), ancestors of executions and writers (recursive,
 *      event_proc_start), then the events of those processes (event_proc,
 *      proc_key = ANY): all of them for executions and descendants, the
 *      start of each ancestor and writer (not their exits: an ancestor's
 *      "end" stays null), network and DNS for writers;
 *   4. registry changes that name the file within 2 minutes of its writes
 *      and executions (a service or autorun entry), by (endpoint, ts).
 * Indexes: those of 001_init.sql, and event_proc_start (006_evidence.sql,
 * process starts by (endpoint, GUID prefix, pid)) for the ancestor walk.
 */
#ifndef ITRACE_DB_EVIDENCE_H
#define ITRACE_DB_EVIDENCE_H

#include <stddef.h>
#include <stdint.h>
#include <libpq-fe.h>

#include "core/event.h"
#include "core/report.h"

#define EVIDENCE_LOOKBACK_US (7LL * 24 * 3600 * 1000000)   /* */

struct evidence {
	struct rp_alert alert;  /* points into the owned strings below */
	int64_t endpoint_id;
	int64_t from_us, to_us; /* the window loaded */
	struct ev *evs;         /* owned; ev_clear()ed by evidence_free() */
	size_t n;
	/* Measurements of the last load. */
	int n_queries;
	double query_ms;        /* wall time spent in queries */
	struct {
		const char *what;   /* static */
		double ms;
		int rows;
	} q[8];                 /* the first 8 queries, in order */
	/* owned strings behind `alert` */
	char *tenant, *host, *path, *sha256, *detection, *action;
	/* internal */
	size_t cap;
};

/* Load alert alert_id and its evidence on c. to_us is the end of the
 * window (0: the server's now()). Returns 0 (out filled; free it with
 * evidence_free), 1 when there is no such alert, -1 with *err (malloc'd)
 * on a database error. */
int evidence_load(PGconn *c, int64_t alert_id, int64_t to_us,
                  struct evidence *out, char **err);
void evidence_free(struct evidence *ev);

#endif
