/* report_facts.h - what an alert's report says beyond its logs (SPEC
 * R-15..R-20): the stored verdicts and reply due, the tenant's hearing
 * sheet (auto_isolate, auto_exception), the endpoint's isolation, the
 * isolate / release / delete commands tied to the alert, and the exception
 * list entry covering the file (or the one scheduled for it).
 *
 * Two parameterized statements on the caller's connection (inside its
 * transaction when it has one): the alert with its tenant, endpoint,
 * exception and pending exception (indexes alert_by_id, exception_tenant_sha
 * / exception_tenant_path); then its commands, newest RP_MAX_CMDS (the
 * tenant's part of the command primary key: there is no index on
 * command.alert_id).
 */
#ifndef ITRACE_DB_REPORT_FACTS_H
#define ITRACE_DB_REPORT_FACTS_H

#include <stdint.h>
#include <libpq-fe.h>

#include "core/report.h"

/* The rule an isolate command queued by auto_isolate carries in its args
 * (wf_isolate: R-13; on request R-22). */
#define REPORT_FACTS_AUTO_ISOLATE_RULE "R-13"

/* Fill *out for alert alert_id's report of the given kind. reply_due and
 * the zone are as stored / unknown (has_tz 0): the daemon sets them when it
 * publishes. Returns 0, 1 when there is no such alert, -1 with *err
 * (malloc'd) on a database error. */
int report_facts_load(PGconn *c, int64_t alert_id, enum rp_kind kind,
                      struct rp_facts *out, char **err);

#endif
