/* alerts.h - storing a new alert (native alert lines, SPEC R-8/R-10/R-12/
 *
 *
 * One transaction per alert: the facts the rules need are read (tenant
 * settings and calendar, the previous alert of the same endpoint and
 * SHA-256, matching exceptions), src/core/rules.c decides the initial state
 * and due times, and the row is inserted with
 * INSERT ... ON CONFLICT (endpoint_id, detected_at, md5(path),
 * coalesce(sha256, '')) DO NOTHING (migration 010),
 * together with an audit row naming the rule applied. Storing the same
 * alert again is a no-op.
 */
#ifndef ITRACE_DB_ALERTS_H
#define ITRACE_DB_ALERTS_H

#include <stdint.h>
#include <libpq-fe.h>

#include "core/event.h"

struct db_alert_info {
	int64_t id;             /* alert.id */
	char state[24];         /* alert.state as stored, e.g. "new" */
	int64_t quick_due_us;   /* 0 when no clock runs */
};

/* Store alert a (borrowed) of endpoint endpoint_id in tenant tenant_id on
 * connection c, which must not be inside a transaction. Returns 1 when the
 * alert was new (*out filled), 0 when it was already stored (*out zeroed),
 * -2 with *err (malloc'd) when the alert's values were refused (no path, a
 * time out of range, an action other than blocked/allowed: reject the
 * input line), -1 with *err on a database failure. */
int db_alert_store(PGconn *c, int64_t tenant_id, int64_t endpoint_id,
                   const struct ev_alert *a, struct db_alert_info *out, char **err);

#endif
