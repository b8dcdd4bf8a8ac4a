/* event.h - one security-log event, the unit every part of itrace shares.
 *
 * An event is what a log line becomes after parsing (src/core/logline.c), what
 * a row of the `event` table holds (src/db), and what the process tree and the
 * quick report are built from (src/core/ptree.c, report.c).
 *
 * Ownership: every char* in struct ev is owned by the struct (malloc'd) and
 * freed by ev_clear(); `extra` is an owned jansson reference.  NULL means
 * "absent" for strings; -1 means absent for pid/parent_pid/remote_port/
 * record_id; signed_ is -1 unknown, 0 no, 1 yes.
 */
#ifndef ITRACE_EVENT_H
#define ITRACE_EVENT_H

#include <stdint.h>
#include <jansson.h>

/* Event kinds of DESIGN.md ("Event kinds"), plus the three Sysmon kinds the
 * design table leaves out (8, 17, 18) and registry rename (14). The order is
 * part of no contract; the names are (database enum, native format). */
enum ev_kind {
	EV_PROCESS_START,  /* Sysmon 1, Security 4688 */
	EV_PROCESS_END,    /* Sysmon 5 */
	EV_FILE_CREATE,    /* Sysmon 11, 29 (executable detected) */
	EV_FILE_WRITE,     /* Sysmon 2 (file time changed) */
	EV_FILE_READ,      /* native only: Sysmon does not log reads */
	EV_FILE_DELETE,    /* Sysmon 23, 26 */
	EV_FILE_STREAM,    /* Sysmon 15 (alternate stream, Zone.Identifier) */
	EV_IMAGE_LOAD,     /* Sysmon 7 */
	EV_REGISTRY_SET,   /* Sysmon 13 */
	EV_REGISTRY_CREATE,/* Sysmon 12 CreateKey */
	EV_REGISTRY_DELETE,/* Sysmon 12 DeleteKey */
	EV_REGISTRY_RENAME,/* Sysmon 14 */
	EV_NET_CONNECT,    /* Sysmon 3 */
	EV_DNS_QUERY,      /* Sysmon 22 */
	EV_REMOTE_THREAD,  /* Sysmon 8 */
	EV_PIPE_CREATE,    /* Sysmon 17 */
	EV_PIPE_CONNECT,   /* Sysmon 18 */
	EV_KIND_COUNT
};

struct ev {
	enum ev_kind kind;
	int eid;               /* source event id: Sysmon EID, 4688; 0 native */
	int64_t ts_us;         /* event time, UTC microseconds since the epoch */
	int64_t record_id;     /* source record number, -1 absent */
	char *host;            /* endpoint name as logged (short or FQDN) */

	/* The acting process (for process_start: the new process). GUIDs are
	 * canonical: lower case, no braces (see ev_guid_canon()). */
	char *proc_guid;
	int64_t pid;
	char *image;
	char *cmdline;
	char *user;
	char *integrity;
	/* Parent, for process_start.  (A remote_thread's source process is the
	 * acting process above; its target is `target` = TargetImage, with
	 * TargetProcessGuid/TargetProcessId in extra.) */
	char *parent_guid;
	int64_t parent_pid;
	char *parent_image;
	char *parent_cmdline;

	/* The object acted on: file path, registry key, image loaded, pipe name,
	 * DNS query name, target image of a remote thread. */
	char *target;
	/* Registry value data, new key name, DNS results, stream contents. */
	char *details;

	/* Network (net_connect). */
	char *proto;
	char *remote_ip;
	int64_t remote_port;
	char *local_ip;
	int64_t local_port;
	int initiated;         /* -1 unknown */

	/* File attributes (of the image for process_start/image_load, of the
	 * target for file events). Lower-case hex. */
	char *sha256, *sha1, *md5, *imphash;
	int signed_;           /* -1 unknown, 0 unsigned, 1 signed */
	char *signature;
	char *original_file_name, *company, *description, *product;

	json_t *extra;         /* fields not mapped above; NULL when none */
};

/* An alert line (native format) before it is stored. Strings owned. */
struct ev_alert {
	char *host;
	int64_t detected_us, received_us; /* received_us = detected when absent */
	char *path, *sha256, *detection, *action;
};

const char *ev_kind_name(enum ev_kind k);          /* "process_start" ... */
int ev_kind_from_name(const char *name);           /* -1 when unknown */

void ev_init(struct ev *e);                        /* all absent */
void ev_clear(struct ev *e);                       /* frees, then ev_init */
void ev_alert_clear(struct ev_alert *a);

/* GUID "{AA6B4A20-BC60-5CA4-0000-0010B9F5C401}" -> newly malloc'd
 * "aa6b4a20-bc60-5ca4-0000-0010b9f5c401". NULL when s is not a GUID. */
char *ev_guid_canon(const char *s);
/* The first three groups of a canonical GUID as a 64-bit key (the part that
 * stays the same when Sysmon changes the last two groups for one process);
 * 0 when g is NULL or malformed. */
int64_t ev_guid_prefix(const char *g);

/* "2019-04-03 17:36:47.343" (Sysmon UtcTime), RFC 3339 with Z or offset,
 * "YYYY-MM-DDTHH:MM:SS[.frac]" (taken as UTC) -> microseconds. 0 on
 * success, -1 when malformed (*out_us untouched).  The separator may be
 * 'T', 't' or ' ' and any form may carry a zone; fractions beyond 6 digits
 * are truncated; dates and times are range-checked (leap years; no leap
 * second).  Pure arithmetic: no timegm, no locale. */
int ev_parse_time(const char *s, int64_t *out_us);
/* RFC 3339 UTC with milliseconds: "2020-10-22T07:52:05.767Z". buf >= 32. */
void ev_format_time(int64_t us, char *buf, size_t len);

/* Short endpoint key of a host name: lower-case (ASCII), up to the first
 * dot; a dotted IPv4 address is kept whole.  Newly malloc'd; NULL for an
 * empty name (or one starting with a dot). */
char *ev_host_key(const char *host);

#endif
