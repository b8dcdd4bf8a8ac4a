/* test_catalog.c - the schema can be distributed by tenant (DESIGN.md "The
 * database"; issue 5, item 6): over the catalog of a freshly migrated
 * database, every unique key of a per-tenant table includes tenant_id or
 * endpoint_id as a plain column, so that Citus can enforce it shard by
 * shard (a distributed table's PRIMARY KEY, UNIQUE and EXCLUDE constraints
 * must contain the distribution column). It fails when someone adds a
 * unique key without them, a table that has neither column and is not
 * listed below as global, a surrogate key of `id` alone, or a foreign key
 * that Citus could not keep.
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
 * Surrogate keys: a per-tenant table's bigserial `id` names its rows in
 * the API, but a primary key of `id` alone lacks the distribution column;
 * those keys are (tenant_id, id) since migration 012, with a plain index
 * on id. A new `id`-only primary key is reported as such.
 *
 * src/db/citus.sql, the distribution plan README.md gives deployers, is
 * checked against the same catalog (test_citus_plan): every table once,
 * the right kind, each distributed table's unique keys holding its own
 * distribution column (stricter than "tenant_id or endpoint_id").
 *
 * Foreign keys are read from pg_constraint too. Citus keeps a foreign key
 * between two distributed tables only when it joins them on the
 * distribution column, and none from a reference table into a distributed
 * one. So a foreign key from a per-tenant table to another must pair
 * tenant_id with tenant_id (or endpoint_id with endpoint_id), and a global
 * table must not point into a per-tenant one. Foreign keys to global
 * tables (tenant, analyst) are fine: reference tables are on every node.
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

/* Foreign keys (not the copies on partitions): the referencing and the
 * referenced table, the column pairs, and whether a pair joins tenant_id
 * to tenant_id or endpoint_id to endpoint_id. */
static const char FOREIGN_KEYS[] =
	"SELECT t.relname, k.conname, d.relname,"
	"       (SELECT string_agg(sa.attname || ' -> ' || da.attname, ', ' ORDER BY u.o)"
	"          FROM unnest(k.conkey, k.confkey) WITH ORDINALITY u(s, r, o)"
	"          JOIN pg_attribute sa ON sa.attrelid = k.conrelid AND sa.attnum = u.s"
	"          JOIN pg_attribute da ON da.attrelid = k.confrelid AND da.attnum = u.r),"
	"       EXISTS (SELECT 1 FROM unnest(k.conkey, k.confkey) u(s, r)"
	"          JOIN pg_attribute sa ON sa.attrelid = k.conrelid AND sa.attnum = u.s"
	"          JOIN pg_attribute da ON da.attrelid = k.confrelid AND da.attnum = u.r"
	"         WHERE sa.attname = da.attname"
	"           AND sa.attname IN ('tenant_id', 'endpoint_id'))"
	"  FROM pg_constraint k"
	"  JOIN pg_class t ON t.oid = k.conrelid"
	"  JOIN pg_class d ON d.oid = k.confrelid"
	" WHERE t.relnamespace = 'public'::regnamespace AND k.contype = 'f'"
	"   AND k.conparentid = 0"
	" ORDER BY 1, 2";

static bool in_set(const char *const *set, size_t n, const char *name)
{
	for (size_t k = 0; k < n; k++)
		if (strcmp(set[k], name) == 0)
			return true;
	return false;
}

/* Judge the unique keys of one result (INDEXES or CONSTRAINTS shape). */
static void judge_keys(struct found *f, const char *what, const char *q,
                       const char *const *per_tenant, size_t n_per_tenant)
{
	PGresult *r = query(q);
	for (int i = 0; i < PQntuples(r); i++) {
		const char *table = PQgetvalue(r, i, 0), *name = PQgetvalue(r, i, 1);
		const char *cols = PQgetvalue(r, i, 2);
		bool has = PQgetvalue(r, i, 3)[0] == 't';
		bool surrogate = PQgetvalue(r, i, 4)[0] == 't';
		if (!in_set(per_tenant, n_per_tenant, table) || has)
			continue;
		if (surrogate)
			add(f, "%s %s (%s) of %s: a surrogate primary key of id alone:"
			    " make it (tenant_id, id) with an index on id", what, name, cols, table);
		else
			add(f, "%s %s (%s) of %s: a unique key without tenant_id or endpoint_id",
			    what, name, cols, table);
	}
	PQclear(r);
}

static void judge_foreign_keys(struct found *f, const char *const *per_tenant,
                               size_t n_per_tenant)
{
	PGresult *r = query(FOREIGN_KEYS);
	for (int i = 0; i < PQntuples(r); i++) {
		const char *from = PQgetvalue(r, i, 0), *name = PQgetvalue(r, i, 1);
		const char *to = PQgetvalue(r, i, 2), *pairs = PQgetvalue(r, i, 3);
		bool joined = PQgetvalue(r, i, 4)[0] == 't';
		bool from_tenant = in_set(per_tenant, n_per_tenant, from);
		bool to_tenant = in_set(per_tenant, n_per_tenant, to);
		if (!from_tenant && to_tenant)
			add(f, "foreign key %s (%s) of global table %s points into per-tenant"
			    " table %s", name, pairs, from, to);
		else if (from_tenant && to_tenant && !joined)
			add(f, "foreign key %s (%s) of %s -> %s does not join on tenant_id",
			    name, pairs, from, to);
	}
	PQclear(r);
}

/* Check the whole catalog; violations into *f. */
static void check(struct found *f)
{
	memset(f, 0, sizeof *f);
	const char *per_tenant[128];
	size_t n = 0;
	bool global_seen[16] = {false};
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
	judge_keys(f, "index", INDEXES, per_tenant, n);
	judge_keys(f, "constraint", CONSTRAINTS, per_tenant, n);
	judge_foreign_keys(f, per_tenant, n);
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
		fail_msg("%d key(s) would stop distribution by tenant:\n%s", f.n, f.text);
	/* What migration 012 made of the surrogate keys: (tenant_id, id) and
	 * a plain index on id for the API's lookups, composite foreign keys. */
	assert_int_equal(th_count(pg, "SELECT count(*) FROM pg_constraint k"
	                              " WHERE k.contype = 'p' AND k.conrelid IN ('alert'::regclass,"
	                              "  'audit'::regclass, 'command'::regclass, 'endpoint'::regclass,"
	                              "  'exception'::regclass, 'exception_pending'::regclass,"
	                              "  'outbox'::regclass, 'report'::regclass, 'tuning_rule'::regclass)"
	                              " AND pg_get_constraintdef(k.oid) = 'PRIMARY KEY (tenant_id, id)'"),
	                 9);
	assert_int_equal(th_count(pg, "SELECT count(*) FROM pg_indexes WHERE indexname LIKE '%_by_id'"
	                              " AND indexdef LIKE '%USING btree (id)'"), 9);
	assert_int_equal(th_count(pg, "SELECT count(*) FROM pg_constraint WHERE contype = 'f'"
	                              " AND conrelid = 'command'::regclass AND"
	                              " pg_get_constraintdef(oid) = 'FOREIGN KEY (tenant_id, alert_id)"
	                              " REFERENCES alert(tenant_id, id)'"), 1);
}

/* The composite keys hold across tenants: a command cannot name another
 * tenant's alert, an alert cannot be a duplicate of another tenant's, and
 * an audit row of the service itself has tenant 0 (migration 012). */
static void test_cross_tenant_refused(void **state)
{
	(void)state;
	sql("BEGIN");
	sql("INSERT INTO tenant (id, name) VALUES (9001, 'cat-a'), (9002, 'cat-b')");
	sql("INSERT INTO endpoint (id, tenant_id, name, hostname) VALUES"
	    " (9001, 9001, 'pc-a', 'PC-A'), (9002, 9002, 'pc-b', 'PC-B')");
	sql("INSERT INTO alert (id, tenant_id, endpoint_id, detected_at, received_at, path)"
	    " VALUES (9001, 9001, 9001, now(), now(), 'C:\\a.exe')");
	sql("SAVEPOINT s");
	/* An alert of tenant b on tenant a's endpoint. */
	PGresult *r = PQexec(pg, "INSERT INTO alert (id, tenant_id, endpoint_id, detected_at,"
	                         " received_at, path) VALUES (9002, 9002, 9001, now(), now(), 'x')");
	assert_int_equal(PQresultStatus(r), PGRES_FATAL_ERROR);
	assert_string_equal(PQresultErrorField(r, PG_DIAG_CONSTRAINT_NAME), "alert_endpoint_fkey");
	PQclear(r);
	sql("ROLLBACK TO SAVEPOINT s");
	/* A command of tenant b for tenant a's alert. */
	r = PQexec(pg, "INSERT INTO command (tenant_id, endpoint_id, kind, alert_id)"
	               " VALUES (9002, 9002, 'isolate', 9001)");
	assert_int_equal(PQresultStatus(r), PGRES_FATAL_ERROR);
	assert_string_equal(PQresultErrorField(r, PG_DIAG_CONSTRAINT_NAME), "command_alert_fkey");
	PQclear(r);
	sql("ROLLBACK TO SAVEPOINT s");
	/* The same command within tenant a is fine, and so is the audit row
	 * of no tenant. */
	sql("INSERT INTO command (tenant_id, endpoint_id, kind, alert_id)"
	    " VALUES (9001, 9001, 'isolate', 9001)");
	sql("INSERT INTO audit (actor, action, object) VALUES ('t', 'x', 'y')");
	assert_int_equal(th_count(pg, "SELECT count(*) FROM audit WHERE actor = 't'"
	                              " AND tenant_id = 0"), 1);
	/* Lookups by id alone still find the row, through the index on id. */
	assert_int_equal(th_count(pg, "SELECT count(*) FROM alert WHERE id = 9001"), 1);
	sql("ROLLBACK");
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
	/* Foreign keys Citus could not keep: by id alone between per-tenant
	 * tables (made possible here by a unique index on endpoint.id, itself
	 * a violation), and from a global table into a per-tenant one. */
	sql("CREATE UNIQUE INDEX bad_endpoint_id ON endpoint (id)");
	sql("ALTER TABLE command ADD CONSTRAINT bad_command_endpoint FOREIGN KEY (endpoint_id)"
	    " REFERENCES endpoint (id)");
	sql("ALTER TABLE analyst ADD CONSTRAINT bad_analyst_endpoint FOREIGN KEY (endpoint_id)"
	    " REFERENCES endpoint (id)");
	/* Fine: per-tenant to global (tenant is a reference table). */
	sql("ALTER TABLE exception ADD CONSTRAINT ok_exception_tenant FOREIGN KEY (tenant_id)"
	    " REFERENCES tenant (id)");
	struct found f;
	check(&f);
	sql("ROLLBACK");
	const char *want[] = {
		"index bad_alert_path (path) of alert: a unique key without",
		"index bad_exception_sha (sha256) of exception: a unique key without",
		"constraint bad_exception_sha (sha256) of exception: a unique key without",
		"index bad_tuning_expr (COALESCE(tenant_id, (0)::bigint), pattern) of tuning_rule",
		"index newthing_pkey (id) of newthing: a surrogate primary key of id alone",
		"constraint newthing_pkey (id) of newthing: a surrogate primary key of id alone",
		"table orphan: neither tenant_id nor endpoint_id",
		"index bad_endpoint_id (id) of endpoint: a unique key without",
		"foreign key bad_command_endpoint (endpoint_id -> id) of command -> endpoint"
		" does not join on tenant_id",
		"foreign key bad_analyst_endpoint (endpoint_id -> id) of global table analyst"
		" points into per-tenant table endpoint",
	};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
		if (strstr(f.text, want[i]) == NULL)
			fail_msg("not caught: %s\nfound:\n%s", want[i], f.text);
	assert_int_equal(f.n, 10);
	assert_null(strstr(f.text, "ok_exception_path"));
	assert_null(strstr(f.text, "ok_exception_tenant"));
	assert_null(strstr(f.text, "constraint bad_alert_path"));
	/* After the rollback the schema is clean again. */
	check(&f);
	assert_int_equal(f.n, 0);
}

/* ---- src/db/citus.sql ---------------------------------------------------- */

/* One table of the Citus plan: reference, or distributed by a column. */
struct plan_row {
	char table[64], column[64];
	bool reference;
	int line;
};

/* Read src/db/citus.sql (tests run from the top of the repository). */
static size_t read_plan(struct plan_row *rows, size_t max)
{
	FILE *fp = fopen("src/db/citus.sql", "r");
	if (fp == NULL)
		fail_msg("src/db/citus.sql: cannot open (run from the top of the repository)");
	char line[512];
	size_t n = 0;
	int lineno = 0;
	while (fgets(line, sizeof line, fp) != NULL) {
		lineno++;
		struct plan_row r = {.line = lineno};
		if (sscanf(line, "SELECT create_reference_table('%63[a-z_]');", r.table) == 1)
			r.reference = true;
		else if (sscanf(line, "SELECT create_distributed_table('%63[a-z_]', '%63[a-z_]'",
		                r.table, r.column) != 2)
			continue;
		if (n == max)
			fail_msg("src/db/citus.sql:%d: more than %zu tables", lineno, max);
		rows[n++] = r;
	}
	fclose(fp);
	return n;
}

static const struct plan_row *plan_find(const struct plan_row *rows, size_t n, const char *t)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(rows[i].table, t) == 0)
			return &rows[i];
	return NULL;
}

/* The distribution plan that README.md tells deployers to run names every
 * table once, global tables as reference tables, per-tenant tables by a
 * column every unique key of theirs contains, and every foreign key
 * between distributed tables joins their distribution columns, with the
 * referenced table distributed first. */
static void test_citus_plan(void **state)
{
	(void)state;
	struct plan_row rows[64];
	size_t n = read_plan(rows, 64);
	struct found f;
	memset(&f, 0, sizeof f);
	PGresult *r = query(TABLES);
	size_t ntables = (size_t)PQntuples(r);
	for (int i = 0; i < PQntuples(r); i++) {
		const char *t = PQgetvalue(r, i, 0);
		const struct plan_row *p = plan_find(rows, n, t);
		int times = 0;
		for (size_t k = 0; k < n; k++)
			times += strcmp(rows[k].table, t) == 0;
		if (p == NULL || times != 1) {
			add(&f, "table %s: named %d times in citus.sql", t, times);
			continue;
		}
		if (listed(GLOBAL, t) != p->reference)
			add(&f, "citus.sql:%d: %s is %s but made a %s table", p->line, t,
			    listed(GLOBAL, t) ? "global" : "per-tenant",
			    p->reference ? "reference" : "distributed");
		if (p->reference)
			continue;
		/* Every unique key (partitions too) holds the column. */
		const char *params[2] = {t, p->column};
		PGresult *u = PQexecParams(pg,
			"SELECT i.relname FROM pg_index x"
			"  JOIN pg_class i ON i.oid = x.indexrelid"
			"  JOIN pg_class c ON c.oid = x.indrelid"
			"  LEFT JOIN pg_inherits h ON h.inhrelid = c.oid"
			" WHERE coalesce(h.inhparent, c.oid) = $1::regclass"
			"   AND (x.indisunique OR x.indisexclusion)"
			"   AND NOT EXISTS (SELECT 1 FROM generate_series(1, x.indnkeyatts) k"
			"                    WHERE pg_get_indexdef(x.indexrelid, k, false) = $2)",
			2, NULL, params, NULL, NULL, 0);
		if (PQresultStatus(u) != PGRES_TUPLES_OK)
			fail_msg("%s", PQerrorMessage(pg));
		for (int k = 0; k < PQntuples(u); k++)
			add(&f, "citus.sql:%d: %s by %s, but its unique key %s lacks %s", p->line, t,
			    p->column, PQgetvalue(u, k, 0), p->column);
		PQclear(u);
	}
	PQclear(r);
	if (n != ntables)
		add(&f, "citus.sql names %zu tables, the schema has %zu", n, ntables);
	/* Foreign keys: order, and the distribution columns joined. */
	r = query("SELECT t.relname, k.conname, d.relname,"
	          "       array_to_string(ARRAY(SELECT sa.attname || '=' || da.attname"
	          "          FROM unnest(k.conkey, k.confkey) u(s, q)"
	          "          JOIN pg_attribute sa ON sa.attrelid = k.conrelid AND sa.attnum = u.s"
	          "          JOIN pg_attribute da ON da.attrelid = k.confrelid AND da.attnum = u.q),"
	          "          ',')"
	          "  FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid"
	          "  JOIN pg_class d ON d.oid = k.confrelid"
	          " WHERE k.contype = 'f' AND k.conparentid = 0"
	          "   AND t.relnamespace = 'public'::regnamespace");
	int fks = 0;
	for (int i = 0; i < PQntuples(r); i++) {
		const struct plan_row *from = plan_find(rows, n, PQgetvalue(r, i, 0));
		const struct plan_row *to = plan_find(rows, n, PQgetvalue(r, i, 2));
		const char *name = PQgetvalue(r, i, 1), *pairs = PQgetvalue(r, i, 3);
		if (from == NULL || to == NULL)
			continue;   /* reported above */
		fks++;
		if (to->line > from->line)
			add(&f, "citus.sql:%d: %s before %s, which its foreign key %s references",
			    from->line, from->table, to->table, name);
		if (from->reference || to->reference)
			continue;
		char want[140];
		snprintf(want, sizeof want, "%s=%s", from->column, to->column);
		if (strstr(pairs, want) == NULL)
			add(&f, "foreign key %s (%s) does not join %s", name, pairs, want);
	}
	PQclear(r);
	assert_true(fks >= 10);
	if (f.n != 0)
		fail_msg("src/db/citus.sql does not fit the schema:\n%s", f.text);
	/* The plan is what the README promises: event by endpoint, the
	 * workflow by tenant. */
	assert_string_equal(plan_find(rows, n, "event")->column, "endpoint_id");
	assert_string_equal(plan_find(rows, n, "alert")->column, "tenant_id");
	assert_true(plan_find(rows, n, "analyst")->reference);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_schema),
		cmocka_unit_test(test_catches),
		cmocka_unit_test(test_cross_tenant_refused),
		cmocka_unit_test(test_citus_plan),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
