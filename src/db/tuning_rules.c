/* tuning_rules.c - reading tuning_rule; see tuning_rules.h. */
#include "db/tuning_rules.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/conn.h"

int db_tuning_load(PGconn *c, int64_t tenant_id, const char *tenant_name,
                   struct tun_rules *r, int64_t fp[2], char **warn, char **err)
{
	char tid[24];
	snprintf(tid, sizeof tid, "%" PRId64, tenant_id);
	const char *p[2] = {tid, tenant_name != NULL ? tenant_name : ""};
	PGresult *res = db_exec(c, "read tuning rules",
		"SELECT r.id, r.field, r.pattern, r.flags FROM tuning_rule r"
		" WHERE r.tenant_id = CASE WHEN $1::bigint > 0 THEN $1::bigint"
		"   ELSE (SELECT t.id FROM tenant t WHERE t.name = $2) END"
		" ORDER BY r.id", 2, p, NULL, err);
	if (res == NULL)
		return -1;
	if (warn != NULL)
		*warn = NULL;
	fp[0] = PQntuples(res);
	fp[1] = 0;
	for (int i = 0; i < PQntuples(res); i++) {
		int64_t id = 0;
		(void)db_parse_i64(PQgetvalue(res, i, 0), &id);
		if (id > fp[1])
			fp[1] = id;
		char *msg = NULL;
		if (tun_add(r, PQgetvalue(res, i, 1), PQgetvalue(res, i, 2), PQgetvalue(res, i, 3),
		            id, &msg) == 0)
			continue;
		if (warn != NULL) {
			char *w = db_strf("%s%stuning_rule %" PRId64 ": %s", *warn != NULL ? *warn : "",
			                  *warn != NULL ? "; " : "", id, msg != NULL ? msg : "?");
			free(*warn);
			*warn = w;
		}
		free(msg);
	}
	PQclear(res);
	return 0;
}

int db_tuning_fingerprint(PGconn *c, int64_t tenant_id, int64_t fp[2], char **err)
{
	char tid[24];
	snprintf(tid, sizeof tid, "%" PRId64, tenant_id);
	const char *p[1] = {tid};
	PGresult *res = db_exec(c, "tuning rules fingerprint",
		"SELECT count(*), coalesce(max(id), 0) FROM tuning_rule WHERE tenant_id = $1",
		1, p, NULL, err);
	if (res == NULL)
		return -1;
	fp[0] = fp[1] = 0;
	(void)db_parse_i64(PQgetvalue(res, 0, 0), &fp[0]);
	(void)db_parse_i64(PQgetvalue(res, 0, 1), &fp[1]);
	PQclear(res);
	return 0;
}
