/* report.h - the quick report (SPEC R-10): the eight-item model built from
 * an alert and the events of its endpoint, and its JSON and Markdown forms.
 *
 * report_build() is pure (no I/O): give it the alert and the events of the
 * lookback window (src/db/evidence.c loads them). It reconstructs:
 *   1. origin: events that created / wrote / streamed the detected file,
 *      matched by path (ASCII case-insensitive, an NTFS stream suffix such
 *      as ":Zone.Identifier" stripped) or by SHA-256 (the hash pivot: the
 *      same content under another path), each with the writing process and
 *      its ancestors; HostUrl= / ZoneId= of a Zone.Identifier stream;
 *   2. executions: process starts whose image is the file (path or
 *      SHA-256), processes that loaded it (image_load: DLLs), and for a
 *      file that is not a PE image (script, HTA, document) process starts
 *      whose command line names it; each with its ancestors, oldest first;
 *   3. the descendants of each execution, with depth;
 *   4-7. files written, registry changes, files read / images loaded,
 *      network connections and DNS queries of the executions and their
 *      descendants, joined by process identity (GUID prefix + pid), never
 *      by a time window. Item 7 also carries the network events of the
 *      origin writers (where the file came from: from 1 h before their
 *      first write of the file to 10 min after the last), item 5 the
 *      registry changes of any process whose key or value names the file
 *      (a service or autorun entry), and notes say so;
 *   8. attributes of the file from its process starts, image loads, file
 *      events and the alert, with every disagreement under conflicts.
 * Notes explain gaps (no origin event, ancestors known only from a child's
 * parent fields, writer not the parent of the runner, capped lists ...).
 *
 * Every string taken from the logs or the alert is passed through
 * san_str() when it enters the model, so both renderers only ever see
 * sanitized text; the Markdown renderer additionally neutralises
 * Markdown/HTML syntax (report_md_escape()).
 *
 * Ownership: the model owns all its strings; report_free() frees it.
 */
#ifndef ITRACE_REPORT_H
#define ITRACE_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "core/event.h"

/* The alert as stored (strings borrowed, raw: report_build sanitizes). */
struct rp_alert {
	int64_t id;
	const char *tenant, *host, *path, *sha256, *detection, *action;
	int64_t detected_us, received_us;
};

enum rp_lang { RP_EN, RP_JA };

#define RP_NONE INT64_MIN       /* absent time (same as PT_NONE) */

struct rp_proc {
	char *guid;             /* canonical GUID, NULL absent */
	int64_t pid;            /* -1 absent */
	char *image, *cmdline, *user, *integrity;
	int64_t start_us, end_us;
	int parent_only;        /* known only from a child's parent fields */
	int seen_only;          /* no start logged, known from its own events */
	int depth;              /* descendants: 1 = child of the execution */
};

struct rp_origin {
	int64_t ts;
	enum ev_kind kind;
	char *path;             /* the target as logged (may name a stream) */
	int by_hash;            /* matched by SHA-256 under another path */
	struct rp_proc proc;
	struct rp_proc *anc;    /* oldest first */
	size_t n_anc;
	char *url, *zone;       /* from a Zone.Identifier stream, NULL absent */
};

enum rp_via { RP_VIA_START, RP_VIA_HASH, RP_VIA_CMDLINE, RP_VIA_LOAD };

struct rp_exec {
	struct rp_proc proc;
	enum rp_via via;
	struct rp_proc *anc;    /* oldest first */
	size_t n_anc;
	struct rp_proc *desc;   /* depth-first, children by start time */
	size_t n_desc;
};

/* One row of items 4-7; unused fields NULL / -1. */
struct rp_row {
	int64_t ts;
	enum ev_kind kind;
	char *path;             /* 4, 6: file; 5: registry key; 7: DNS name */
	char *value;            /* 5: value data / new name */
	char *proto, *remote_ip;/* 7 */
	int64_t remote_port;
	int signed_;            /* 6: -1 unknown */
	char *signature;        /* 6 */
	char *guid, *image;     /* acting process */
	int64_t pid;
	int origin_writer;      /* 7: event of an origin writer, not of an
	                         * execution or descendant */
	int names_file;         /* 5: another process's change whose key or
	                         * value names the file (service, autorun) */
};

struct rp_rows {
	struct rp_row *v;
	size_t n, cap;
	size_t dropped;         /* rows beyond the cap, not kept */
};

struct rp_source {
	char *value;
	char *source;           /* "process_start 2020-10-22T07:52:05.767Z" */
};

enum rp_attr_field {
	RP_SHA256, RP_SHA1, RP_MD5, RP_IMPHASH, RP_SIGNED, RP_SIGNATURE,
	RP_OFN, RP_COMPANY, RP_DESCRIPTION, RP_ATTR_COUNT
};

struct rp_attr {
	char *value;            /* chosen value, NULL when never logged;
	                         * RP_SIGNED: "true" / "false" */
	struct rp_source *vals; /* every distinct value with its first source */
	size_t n_vals;
};

struct rp_note {
	char *en, *ja;
};

struct report {
	struct {
		int64_t id;
		char *tenant, *host, *path, *sha256, *detection, *action;
		int64_t detected_us, received_us;
	} alert;
	int64_t from_us, to_us;
	struct rp_origin *origin;
	size_t n_origin;
	struct rp_exec *exec;
	size_t n_exec;
	struct rp_rows files_written, registry, files_read, network;
	struct rp_attr attr[RP_ATTR_COUNT];
	struct rp_note *notes;
	size_t n_notes;
};

/* Build the report of alert a from n events of its endpoint (borrowed;
 * any order) in the window [from_us, to_us]. Returns NULL only on
 * allocation failure. */
struct report *report_build(const struct rp_alert *a, const struct ev *evs,
                            size_t n, int64_t from_us, int64_t to_us);
void report_free(struct report *r);

/* The JSON contract of issue 2 ("Evidence and the quick report"), pretty
 * printed, newline-terminated; notes in lang. Malloc'd, NULL on
 * allocation failure. */
char *report_json(const struct report *r, enum rp_lang lang);
/* The Markdown form: eight numbered sections (SPEC R-10 headings in
 * Japanese for RP_JA). Malloc'd, NULL on allocation failure. */
char *report_markdown(const struct report *r, enum rp_lang lang);

/* Markdown-safe copy of already sanitized text s: backslash-escapes the
 * characters that could start HTML, links, images, code or emphasis
 * (< > [ ] ` * _ & ~ and | when in_table), doubles a backslash that would
 * otherwise escape the next character, and defangs URL schemes
 * ("http://" -> "hxxp://", "www." -> "www[.]") so that no autolink forms.
 * Malloc'd; NULL on allocation failure. */
char *report_md_escape(const char *s, int in_table);

/* Attribute field name as in the JSON ("sha256", "original_file_name"...). */
const char *report_attr_name(enum rp_attr_field f);

#endif
