/* monthly.h - load a tenant's month for the monthly report (SPEC R-25)
 * into the model of src/core/monthly.h.
 *
 * A handful of parameterized statements, each over one tenant and the
 * month's time range (alert_tenant, report_tenant, exception_tenant
 * indexes), plus the service-wide uptime records (service_run). No
 * statement here opens or ends a transaction: the console wraps the load
 * in a read-only REPEATABLE READ transaction for one consistent picture;
 * itrace-cmdd loads inside the transaction that stores the report.
 *
 * Errors: -1 with a malloc'd one-line *err (err may be NULL), as conn.h.
 */
#ifndef ITRACE_DB_MONTHLY_H
#define ITRACE_DB_MONTHLY_H

#include <stdint.h>
#include <libpq-fe.h>

#include "core/calendar.h"
#include "core/monthly.h"

/* The tenant named `name` (exact), or with that id when name is all
 * digits and no tenant has that name. 0 found, 1 no such tenant, -1. */
int monthly_db_tenant(PGconn *c, const char *name, int64_t *id, char **err);

/* A tenant's calendar: its own calendar text, else company_text (may be
 * NULL: the built-in default), with the calendar_day rows (the company's,
 * then the tenant's) as dated off/on lines. On 0 *out is built (free it
 * with cal_free); -1 on a database error or a calendar that does not
 * parse (*out is then the default). */
int monthly_db_calendar(PGconn *c, int64_t tenant_id, const char *company_text,
                        struct cal *out, char **err);

/* Load the tenant's year-month as seen at now_us into a new model
 * (*out, free with monthly_free), finished (downtime computed). cal is
 * the tenant's calendar (monthly_db_calendar, or the daemon's). Returns
 * 0, 1 when there is no such tenant, -1. */
int monthly_db_load(PGconn *c, int64_t tenant_id, const struct cal *cal, int year,
                    int month, int64_t now_us, struct monthly **out, char **err);

/* R-25 readiness: alerts received in [from_us, to_us) that are still
 * open (no final verdict yet, or a gray verdict awaiting the answer).
 * The count, or -1. */
long monthly_db_open_alerts(PGconn *c, int64_t tenant_id, int64_t from_us,
                            int64_t to_us, char **err);

#endif
