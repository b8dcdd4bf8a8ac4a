/* test_catalog.c - the schema can be distributed by tenant (DESIGN.md "The
 * database"; issue 5, item 6): over the catalog of a freshly migrated
 * database, every unique key of a per-tenant table includes tenant_id or
 * endpoint_id as a plain column, so that Citus can enforce it shard by
 * shard (a distributed table's PRIMARY KEY, UNIQUE and EXCLUDE constraints
 * must contain the distribution column). It fails when someone adds a
 * unique key without them, a table that has neither column and is not
 * listed below as global, or a new surrogate key (see SURROGATE).
 *
 * Unique keys are read twice: from pg_index (every unique or exclusion
 * index, with or without a constraint: CREATE UNIQUE INDEX makes none)
 * and from pg_constraint (PRIMARY KEY, UNIQUE, EXCLUDE). Partitions are
 * judged as their parent (event_YYYYMMDD as event).
 *
 * GLOBAL tables, not distributed by tenant (Citus reference tables, or
 * local to the coordinator), each for a reason:
 *   tenant          the tenants themselves: the distribution key's own
 *                   table; its name is unique across the service
 *   analyst         SOC staff and endpoint tokens: an analyst serves many
 *                   tenants (tenants NULL = all) and a bearer token is
 *                   looked up by its hash before any tenant is known
 *   idempotency     first answers per caller (analyst_id, key), kept 7
 *                   days; keyed by the caller, who may act on several
 *                   tenants
 *   schema_version  the migrations applied
 *   client_release  client versions offered to every tenant; a
 *                   tenant picks one in tenant.client_version
 *   service_run     the daemon's own uptime records: the managed-service
 *                   downtime of R-25 is the service's, the same for all
 *   calendar_day    the company calendar (tenant_id NULL) and the
 *                   tenants' dated exceptions: a few rows a year that
 *                   every tenant's calendar reads (its key, (coalesce(
 *                   tenant_id, 0), day), could not be a distribution key)
 *
 * SURROGATE keys: per-tenant tables whose primary key is a bigserial `id`
 * alone (the API names alerts, reports, commands... by that id). Such a
 * key is unique by construction, but Citus still wants the distribution
 * column in it: before create_distributed_table these keys, and the
 * foreign keys that point at them, become (tenant_id, id) and lookups by
 * id carry the tenant. The list is explicit so that a new one is a
 * decision, not an accident.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "th.h"

static const char *const GLOBAL[] = {
	"tenant", "analyst", "idempotency", "schema_version", "client_release",
	"service_run", "calendar_day", NULL,
};

static const char *const SURROGATE[] = {
	"alert", "audit", "command", "endpoint", "exception", "exception_pending",
	"outbox", "report", "tuning_rule", NULL,
};

static char *db;
static PGconn *pg;

static bool listed(const char *const *list, const char *name)
{
	for (size_t i = 0; list[i] != NULL; i++)
		if (strcmp(list[i], name) == 0)
			return true;
	return false;
}

/* Violations found, one line each, appended to a growing text. */
struct found {
	char text[8192];
	int n;
};

static void add(struct found *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(struct found *f, const char *fmt, ...)
{
	size_t len = strlen(f->text);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(f->text + len, sizeof f->text - len, fmt, ap);
	va_end(ap);
	len = strlen(f->text);
	if (len + 1 < sizeof f->text)
		strcat(f->text, "\n");
	f->n++;
}

static PGresult *query(const char *q)
{
	PGresult *r = PQexec(pg, q);
	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		fail_msg("%s: %s", q, PQerrorMessage(pg));
	return r;
}

/* Tables of the public schema (partitions as their parent) and whether
 * they have a tenant_id or endpoint_id column. */
static const char TABLES[] =
	"SELECT c.relname,"
	"       EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid"
	"                  AND a.attname IN ('tenant_id', 'endpoint_id') AND NOT a.attisdropped)"
	"  FROM pg_class c"
	" WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')"
	"   AND NOT c.relispartition ORDER BY 1";

/* SQL: the table (oid expression) has a column `id` filled from a sequence. */
#define SERIAL_ID(rel)                                                              \
	"EXISTS (SELECT 1 FROM pg_attrdef d JOIN pg_attribute a"                    \
	"          ON a.attrelid = d.adrelid AND a.attnum = d.adnum"                \
	"         WHERE d.adrelid = " rel " AND a.attname = 'id'"                   \
	"           AND pg_get_expr(d.adbin, d.adrelid) LIKE 'nextval(%')"

/* Every unique or exclusion index: its table (a partition's parent),
 * whether a key column is tenant_id or endpoint_id, and whether it is a
 * surrogate primary key (one column `id` filled from its sequence). */
static const char INDEXES[] =
	"SELECT coalesce(p.relname, t.relname), i.relname,"
	"       (SELECT string_agg(pg_get_indexdef(x.indexrelid, k, false), ', ' ORDER BY k)"
	"          FROM generate_series(1, x.indnkeyatts) k),"
	"       coalesce((SELECT bool_or(pg_get_indexdef(x.indexrelid, k, false)"
	"                                IN ('tenant_id', 'endpoint_id'))"
	"                   FROM generate_series(1, x.indnkeyatts) k), false),"
	"       x.indisprimary AND x.indnkeyatts = 1"
	"         AND pg_get_indexdef(x.indexrelid, 1, false) = 'id' AND " SERIAL_ID("t.oid")
	"  FROM pg_index x"
	"  JOIN pg_class i ON i.oid = x.indexrelid"
	"  JOIN pg_class t ON t.oid = x.indrelid"
	"  LEFT JOIN pg_inherits h ON h.inhrelid = t.oid"
	"  LEFT JOIN pg_class p ON p.oid = h.inhparent"
	" WHERE t.relnamespace = 'public'::regnamespace AND t.relkind IN ('r', 'p')"
	"   AND (x.indisunique OR x.indisexclusion)"
	" ORDER BY 1, 2";

/* The same from pg_constraint: PRIMARY KEY, UNIQUE and EXCLUDE. */
static const char CONSTRAINTS[] =
	"SELECT coalesce(p.relname, t.relname), k.conname,"
	"       (SELECT string_agg(a.attname, ', ' ORDER BY u.o) FROM unnest(k.conkey)"
	"          WITH ORDINALITY u(n, o) JOIN pg_attribute a"
	"            ON a.attrelid = k.conrelid AND a.attnum = u.n),"
	"       EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = k.conrelid"
	"                  AND a.attnum = ANY (k.conkey)"
	"                  AND a.attname IN ('tenant_id', 'endpoint_id')),"
	"       k.contype = 'p' AND cardinality(k.conkey) = 1"
	"         AND (SELECT attname FROM pg_attribute WHERE attrelid = k.conrelid"
	"                AND attnum = k.conkey[1]) = 'id' AND " SERIAL_ID("t.oid")
	"  FROM pg_constraint k"
	"  JOIN pg_class t ON t.oid = k.conrelid"
	"  LEFT JOIN pg_inherits h ON h.inhrelid = t.oid"
	"  LEFT JOIN pg_class p ON p.oid = h.inhparent"
	" WHERE t.relnamespace = 'public'::regnamespace AND k.contype IN ('p', 'u', 'x')"
	" ORDER BY 1, 2";

/* Judge the unique keys of one result (INDEXES or CONSTRAINTS shape). */
static void judge_keys(struct found *f, const char *what, const char *q,
                       const char *const *per_tenant, size_t n_per_tenant,
                       bool *surrogate_seen)
{
	PGresult *r = query(q);
	for (int i = 0; i < PQntuples(r); i++) {
		const char *table = PQgetvalue(r, i, 0), *name = PQgetvalue(r, i, 1);
		const char *cols = PQgetvalue(r, i, 2);
		bool has = PQgetvalue(r, i, 3)[0] == 't';
		bool surrogate = PQgetvalue(r, i, 4)[0] == 't';
		bool tenant_table = false;
		for (size_t k = 0; k < n_per_tenant; k++)
			tenant_table = tenant_table || strcmp(per_tenant[k], table) == 0;
		if (!tenant_table || has)
			continue;
		if (surrogate && listed(SURROGATE, table)) {
			for (size_t k = 0; SURROGATE[k] != NULL; k++)
				if (strcmp(SURROGATE[k], table) == 0)
					surrogate_seen[k] = true;
			continue;
		}
		if (surrogate)
			add(f, "%s %s (%s) of %s: a new surrogate primary key: list it in SURROGATE"
			    " knowing what Citus needs", what, name, cols, table);
		else
			add(f, "%s %s (%s) of %s: a unique key without tenant_id or endpoint_id",
			    what, name, cols, table);
	}
	PQclear(r);
}

/* Check the whole catalog; violations into *f. */
static void check(struct found *f)
{
	memset(f, 0, sizeof *f);
	const char *per_tenant[128];
	size_t n = 0;
	bool global_seen[16] = {false}, surrogate_seen[16] = {false};
	PGresult *r = query(TABLES);
	for (int i = 0; i < PQntuples(r); i++) {
		const char *t = PQgetvalue(r, i, 0);
		bool has = PQgetvalue(r, i, 1)[0] == 't';
		if (listed(GLOBAL, t)) {
			for (size_t k = 0; GLOBAL[k] != NULL; k++)
				if (strcmp(GLOBAL[k], t) == 0)
					global_seen[k] = true;
			continue;
		}
		if (!has)
			add(f, "table %s: neither tenant_id nor endpoint_id, and not listed as global",
			    t);
		else if (n < 128)
			per_tenant[n++] = strdup(t);
	}
	PQclear(r);
	for (size_t k = 0; GLOBAL[k] != NULL; k++)
		if (!global_seen[k])
			add(f, "global table %s is listed but does not exist", GLOBAL[k]);
	judge_keys(f, "index", INDEXES, per_tenant, n, surrogate_seen);
	bool seen_by_index[16];
	memcpy(seen_by_index, surrogate_seen, sizeof seen_by_index);
	memset(surrogate_seen, 0, sizeof surrogate_seen);
	judge_keys(f, "constraint", CONSTRAINTS, per_tenant, n, surrogate_seen);
	for (size_t k = 0; SURROGATE[k] != NULL; k++)
		if (!seen_by_index[k] || !surrogate_seen[k])
			add(f, "surrogate key of %s is listed but not found", SURROGATE[k]);
	for (size_t i = 0; i < n; i++)
		free((void *)per_tenant[i]);
}

static void sql(const char *q)
{
	PGresult *r = PQexec(pg, q);
	if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
		fail_msg("%s: %s", q, PQerrorMessage(pg));
	PQclear(r);
}

static int setup(void **state)
{
	(void)state;
	db = th_db_new_migrated();
	if (db == NULL)
		return -1;
	pg = th_connect(db);
	/* A partition of event, so that partition indexes are judged too. */
	sql("SELECT itrace_event_partition('2026-10-01')");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	PQfinish(pg);
	th_db_drop(db);
	return 0;
}

static void test_schema(void **state)
{
	(void)state;
	/* The migrated schema is the one this test knows. */
	assert_int_equal(th_count(pg, "SELECT max(version) FROM schema_version") >= 4, 1);
	assert_int_equal(th_count(pg, "SELECT count(*) FROM pg_index x JOIN pg_class t"
	                              " ON t.oid = x.indrelid WHERE t.relname = 'event_20261001'"
	                              " AND x.indisunique"), 1);
	struct found f;
	check(&f);
	if (f.n != 0)
		fail_msg("%d unique key(s) would stop distribution by tenant:\n%s", f.n, f.text);
}

/* The check can fail: each kind of mistake, made in a transaction that is
 * rolled back, is caught. */
static void test_catches(void **state)
{
	(void)state;
	sql("BEGIN");
	/* A unique index alone (no constraint): only pg_index sees it. */
	sql("CREATE UNIQUE INDEX bad_alert_path ON alert (path)");
	/* A unique constraint: both see it. */
	sql("ALTER TABLE exception ADD CONSTRAINT bad_exception_sha UNIQUE (sha256)");
	/* The tenant inside an expression is not a distribution column. */
	sql("CREATE UNIQUE INDEX bad_tuning_expr ON tuning_rule (coalesce(tenant_id, 0), pattern)");
	/* Fine: the tenant is a key column (also of a partial index). */
	sql("CREATE UNIQUE INDEX ok_exception_path ON exception (path, tenant_id)"
	    " WHERE path IS NOT NULL");
	/* A new per-tenant table with a surrogate key nobody listed. */
	sql("CREATE TABLE newthing (id bigserial PRIMARY KEY, tenant_id bigint NOT NULL)");
	/* A table with neither column, not global. */
	sql("CREATE TABLE orphan (name text PRIMARY KEY)");
	struct found f;
	check(&f);
	sql("ROLLBACK");
	const char *want[] = {
		"index bad_alert_path (path) of alert: a unique key without",
		"index bad_exception_sha (sha256) of exception: a unique key without",
		"constraint bad_exception_sha (sha256) of exception: a unique key without",
		"index bad_tuning_expr (COALESCE(tenant_id, (0)::bigint), pattern) of tuning_rule",
		"index newthing_pkey (id) of newthing: a new surrogate primary key",
		"constraint newthing_pkey (id) of newthing: a new surrogate primary key",
		"table orphan: neither tenant_id nor endpoint_id",
	};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
		if (strstr(f.text, want[i]) == NULL)
			fail_msg("not caught: %s\nfound:\n%s", want[i], f.text);
	assert_int_equal(f.n, 7);
	assert_null(strstr(f.text, "ok_exception_path"));
	assert_null(strstr(f.text, "constraint bad_alert_path"));
	/* After the rollback the schema is clean again. */
	check(&f);
	assert_int_equal(f.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_schema),
		cmocka_unit_test(test_catches),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
