/* ingest.h - pieces of the itrace-ingest program (src/ingest only).
 *
 *   main.c     options, the per-line loop, summary and exit status
 *   occ.c      dedup keys that keep repeated identical lines apart
 *   rejects.c  the rejects file (created on the first reject)
 */
#ifndef ITRACE_INGEST_H
#define ITRACE_INGEST_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

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

#endif
