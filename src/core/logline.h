/* logline.h - one input line, any supported layout, to an event or alert.
 *
 * Shared by itrace-ingest and itrace-cmdd (POST /v1/agent/events). Pure: no
 * I/O. Layouts detected per line:
 *   - Sysmon "flat" export (Log Analytics style): EventID + Channel at top
 *     level, Sysmon field names unchanged;
 *   - nxlog -> Logstash: flat plus nxlog fields (EventTime, SourceModuleType,
 *     RecordNumber, EventTypeOrignal ...), values HTML-escaped;
 *   - winlogbeat: event_id, log_name, computer_name, fields under event_data;
 *   - Security 4688 in the flat and winlogbeat layouts;
 *   - native NDJSON: {"type":"event",...} and {"type":"alert",...}
 *     (README.md, "Input formats").
 *
 * Mapping (details and the field tables in logline.c):
 *   - Sysmon EIDs 1 2 3 5 7 8 11 12 13 14 15 17 18 22 23 26 29 and Security
 *     4688 are events; other EIDs and channels are LL_SKIP.
 *   - Event time is Sysmon UtcTime.  4688 has none: winlogbeat @timestamp,
 *     else TimeCreated (shifted by hours in flat exports, accepted), else
 *     nxlog EventTime corrected to UTC (see sec_time() in logline.c).
 *   - Host: Hostname (flat, nxlog) or computer_name (winlogbeat), never the
 *     collector's host/host.name.  Record id: RecordNumber, record_number or
 *     EventRecordID, else -1.
 *   - Sysmon values: "%%" collapsed; "-" and "" mean absent (also in extra);
 *     the all-zero GUID and the image "<unknown process>" mean absent.
 *     nxlog values are HTML-unescaped.  4688 values are taken as logged.
 *   - extra: the event's unmapped fields as strings (numbers and booleans
 *     as text), exporter noise left out; GUID-named ones canonicalised.
 *   - 4688: pid = NewProcessId, parent_pid = ProcessId (hex), user = the
 *     Target account if named else the Subject (service logons as
 *     "NT AUTHORITY\..."), integrity from MandatoryLabel.
 *   - native lines are strict: an unknown field is an error; null means
 *     absent; pids and ports may be numbers or decimal strings; hashes
 *     must be hex of the right length (stored lower-case).
 */
#ifndef ITRACE_LOGLINE_H
#define ITRACE_LOGLINE_H

#include <stddef.h>
#include "core/event.h"

/* A host name longer than this is rejected (DNS names are at most 255
 * bytes; the endpoint key must fit a btree index entry). */
#define LL_HOST_MAX 255

enum ll_result {
	LL_EVENT,   /* *ev filled */
	LL_ALERT,   /* *al filled */
	LL_SKIP,    /* valid JSON of a known layout but not a monitored event
	             * (other channels, Sysmon ids not mapped): not an error */
	LL_ERROR    /* err holds "reason" naming the JSON path, e.g.
	             * "$.event_data.UtcTime: bad time \"2019-13-01\"" */
};

/* Parse one line (len bytes, no trailing newline needed; not NUL-terminated
 * necessarily). ev and al must be initialised (ev_init / zeroed); on
 * LL_EVENT/LL_ALERT the caller owns their contents. err/errlen receive a
 * one-line reason on LL_ERROR (always NUL-terminated). err may be NULL.
 * ll_parse starts by re-initialising *ev and *al without freeing them (clear
 * them before reusing), and leaves them empty unless it returns LL_EVENT or
 * LL_ALERT respectively.  The reason is printable ASCII: values quoted in it
 * are cut and escaped (\xNN).  Thread-safe: no static state. */
enum ll_result ll_parse(const char *line, size_t len, struct ev *ev,
                        struct ev_alert *al, char *err, size_t errlen);

/* 64-bit FNV-1a of the line with trailing CR/LF/space stripped: the dedup
 * key stored with every event, so a reloaded line is recognised. */
int64_t ll_dedup_key(const char *line, size_t len);

#endif
