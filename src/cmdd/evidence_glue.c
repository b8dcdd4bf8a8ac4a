/* evidence_glue.c - alert + its endpoint's events -> report Markdown.
 *
 * The alert is read here; the events of the lookback window are
 * meant to come from the shared evidence loader (src/db/evidence.c) once
 * it exists. Until then the report is built from the alert alone, and the
 * model's notes say that no evidence was found. */
#include "cmdd/evidence_glue.h"

#include <stdlib.h>
#include <string.h>

#include "cmdd/cmdd.h"
#include "core/sla.h"

int evidence_render(PGconn *c, int64_t alert_id, enum rp_lang lang, char **md)
{
	char ib[24];
	*md = NULL;
	PGresult *r = DBQ(c,
		"SELECT a.id, t.name, e.hostname, a.path, a.sha256, a.detection, a.action,"
		"       (extract(epoch FROM a.detected_at) * 1000000)::bigint,"
		"       (extract(epoch FROM a.received_at) * 1000000)::bigint"
		"  FROM alert a JOIN endpoint e ON e.id = a.endpoint_id"
		"  JOIN tenant t ON t.id = a.tenant_id WHERE a.id = $1", i64s(ib, alert_id));
	if (!db_ok(r) || PQntuples(r) != 1) {
		PQclear(r);
		return -1;
	}
	struct rp_alert a = {
		.id = db_i64(r, 0, 0),
		.tenant = PQgetvalue(r, 0, 1),
		.host = PQgetvalue(r, 0, 2),
		.path = PQgetvalue(r, 0, 3),
		.sha256 = PQgetisnull(r, 0, 4) ? NULL : PQgetvalue(r, 0, 4),
		.detection = PQgetisnull(r, 0, 5) ? NULL : PQgetvalue(r, 0, 5),
		.action = PQgetisnull(r, 0, 6) ? NULL : PQgetvalue(r, 0, 6),
		.detected_us = db_i64(r, 0, 7),
		.received_us = db_i64(r, 0, 8),
	};
	struct report *rep = report_build(&a, NULL, 0, sla_lookback_start(a.detected_us),
	                                  a.detected_us);
	PQclear(r);
	if (rep == NULL)
		return -1;
	*md = report_markdown(rep, lang);
	report_free(rep);
	return *md != NULL ? 0 : -1;
}
