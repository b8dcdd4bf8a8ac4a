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
 * With rp_alert.facts (the workflow's view: verdicts, reply due, hearing
 * sheet, commands, exception) the renderers add what SPEC R-15..R-20 ask
 * of each verdict (report_sections.c).
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

#define RP_NONE INT64_MIN       /* absent time (same as PT_NONE) */

/* ---- what the workflow knows beyond the logs (SPEC R-15..R-20) ----------
 * Filled by src/db/report_facts.c (stored facts) and the daemon's glue
 * (src/cmdd/evidence_glue.c: the report's kind, the reply due being set,
 * the tenant calendar's zone). No strings: every value is an enum, a flag,
 * an id or a time, so nothing from an endpoint enters this way. */

enum rp_kind { RP_KIND_QUICK, RP_KIND_EXPLAIN };      /* */
enum rp_verdict { RP_V_NONE, RP_V_BLACK, RP_V_GRAY, RP_V_WHITE };
enum rp_isolation {                                    /* endpoint.isolation */
	RP_ISO_UNKNOWN, RP_ISO_NONE, RP_ISO_PENDING, RP_ISO_ISOLATED,
	RP_ISO_RELEASE_PENDING,
};
enum rp_cmd_kind { RP_CMD_ISOLATE, RP_CMD_RELEASE, RP_CMD_DELETE };
enum rp_cmd_state {                                    /* command.state */
	RP_CS_QUEUED, RP_CS_DELIVERED, RP_CS_DONE, RP_CS_FAILED, RP_CS_EXPIRED,
};

#define RP_MAX_CMDS 8

/* An isolate / release / delete command tied to the alert (R-13, R-22,
 * */
struct rp_command {
	int64_t id;
	enum rp_cmd_kind kind;
	enum rp_cmd_state state;
	int automatic;          /* isolate queued by auto_isolate */
	int64_t created_us;     /* RP_NONE absent */
	int64_t finished_us;    /* RP_NONE until done / failed / expired */
};

struct rp_facts {
	enum rp_kind kind;              /* the report being rendered */
	enum rp_verdict quick, explain; /* as stored (R-16: may differ) */
	int needs_explanatory;          /* the quick report asks for one */
	int64_t reply_due_us;           /* gray: the answer's due,
	                                 * RP_NONE unknown */
	int has_tz;                     /* tz_min is the tenant calendar's */
	int tz_min;                     /* local = UTC + tz_min minutes */
	int auto_isolate, auto_exception;       /* hearing sheet */
	enum rp_isolation isolation;    /* the endpoint's, now */
	struct rp_command cmds[RP_MAX_CMDS];    /* oldest first */
	size_t n_cmds;
	/* the exception list entry that covers the file, 0 none. */
	int64_t exception_id;
	int64_t exception_us;           /* when it was added */
	int exception_this_alert;       /* added for this alert */
	int64_t exception_due_us;       /* scheduled for the next business
	                                 * window (exception_pending), RP_NONE */
};

/* The alert as stored (strings borrowed, raw: report_build sanitizes). */
struct rp_alert {
	int64_t id;
	const char *tenant, *host, *path, *sha256, *detection, *action;
	int64_t detected_us, received_us;
	/* NULL: nothing known beyond the logs (a preview): the report is a
	 * quick report with no verdict section. Copied by report_build. */
	const struct rp_facts *facts;
};

enum rp_lang { RP_EN, RP_JA };

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
	int has_facts;          /* facts below came with the alert */
	struct rp_facts facts;
};

/* Build the report of alert a from n events of its endpoint (borrowed;
 * any order) in the window [from_us, to_us]. Returns NULL only on
 * allocation failure. */
struct report *report_build(const struct rp_alert *a, const struct ev *evs,
                            size_t n, int64_t from_us, int64_t to_us);
void report_free(struct report *r);

/* The JSON contract of issue 2 ("Evidence and the quick report"), pretty
 * printed, newline-terminated; notes in lang. Fields added since (never
 * renamed): "kind", "verdict", "response" and "check_with_user" (see
 * report_sections.c and src/cmdd/README.md "Quick and explanatory report
 * bodies"). Malloc'd, NULL on allocation failure. */
char *report_json(const struct report *r, enum rp_lang lang);
/* The Markdown form: the title (速報レポート / 解説レポート by the facts'
 * kind), the alert with the verdict (both when the explanatory one
 * differs, R-16), the verdict's section (R-18 black: isolation and sample
 * deletion; R-19 gray: the logs to check with the user, what to answer and
 * by when; R-20 white: the exception list), then eight numbered sections
 * (SPEC R-10 headings in Japanese for RP_JA). Malloc'd, NULL on allocation
 * failure. */
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

/* "black", "gray", "white"; NULL for RP_V_NONE. */
const char *report_verdict_name(enum rp_verdict v);
/* The verdict the report states: the explanatory one in an explanatory
 * report (the quick one while there is none), else the quick one;
 * RP_V_NONE without facts. */
enum rp_verdict report_verdict(const struct report *r);

#endif
