/* migrate.c - apply src/db/sql/NNN_*.sql in order; see migrate.h.
 *
 * A session-level advisory lock serialises concurrent migrators (two
 * `itrace-ingest --migrate` at once, or a daemon starting while an ingest
 * migrates): the second waits, then finds nothing left to do. Each migration
 * runs in its own transaction together with its schema_version row, so a
 * failing migration leaves the schema at the previous version.
 */
#include "db/migrate.h"

#include <stdio.h>
#include <stdlib.h>

#include "db/conn.h"

/* Arbitrary, fixed: "itrace" + "mig" in ASCII. */
#define MIGRATE_LOCK "7596376069703309"

static int simple(PGconn *c, const char *sql, const char *what, char **err)
{
	return db_exec_cmd(c, what, sql, 0, NULL, err);
}

/* Run one migration and record it, in one transaction. */
static int apply_one(PGconn *c, const struct db_migration *m, char **err)
{
	if (simple(c, "BEGIN", "begin migration", err) < 0)
		return -1;
	/* The file holds several statements: simple query protocol, no
	 * parameters (the text is ours, embedded at build time). */
	PGresult *r = PQexec(c, m->sql);
	ExecStatusType st = PQresultStatus(r);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		char *what = db_strf("migration %s", m->name);
		*err = db_errmsg(c, what);
		free(what);
		PQclear(r);
		PQclear(PQexec(c, "ROLLBACK"));
		return -1;
	}
	PQclear(r);
	char ver[16];
	snprintf(ver, sizeof ver, "%d", m->version);
	const char *p[] = {ver, m->name};
	if (db_exec_cmd(c, "record migration",
	                "INSERT INTO schema_version (version, name) VALUES ($1::int, $2)",
	                2, p, err) < 0) {
		PQclear(PQexec(c, "ROLLBACK"));
		return -1;
	}
	if (simple(c, "COMMIT", "commit migration", err) < 0) {
		PQclear(PQexec(c, "ROLLBACK"));
		return -1;
	}
	return 0;
}

static int check_order(char **err)
{
	int prev = 0;
	for (const struct db_migration *m = db_migrations; m->sql != NULL; m++) {
		if (m->version <= prev) {
			*err = db_strf("migration %s: version %d is not above the previous (%d)",
			               m->name, m->version, prev);
			return -1;
		}
		prev = m->version;
	}
	return 0;
}

int db_migrate(PGconn *c, char **err)
{
	char *dummy = NULL;
	if (err == NULL)
		err = &dummy;
	*err = NULL;
	if (check_order(err) < 0)
		return -1;
	if (simple(c, "SELECT pg_advisory_lock(" MIGRATE_LOCK ")", "lock schema", err) < 0)
		return -1;

	int applied = 0;
	int rc = simple(c,
	                "CREATE TABLE IF NOT EXISTS schema_version ("
	                " version integer PRIMARY KEY,"
	                " name text NOT NULL,"
	                " applied_at timestamptz NOT NULL DEFAULT now())",
	                "create schema_version", err);
	int64_t cur = 0;
	if (rc == 0) {
		PGresult *r = db_exec(c, "read schema_version",
		                      "SELECT coalesce(max(version), 0) FROM schema_version",
		                      0, NULL, NULL, err);
		if (r == NULL || db_parse_i64(PQgetvalue(r, 0, 0), &cur) < 0) {
			if (r != NULL)
				*err = db_strf("read schema_version: unexpected value");
			rc = -1;
		}
		PQclear(r);
	}
	for (const struct db_migration *m = db_migrations; rc == 0 && m->sql != NULL; m++) {
		if (m->version <= cur)
			continue;
		if (apply_one(c, m, err) < 0)
			rc = -1;
		else
			applied++;
	}

	char *uerr = NULL;
	if (simple(c, "SELECT pg_advisory_unlock(" MIGRATE_LOCK ")", "unlock schema", &uerr) < 0) {
		if (rc == 0) {
			*err = uerr;
			rc = -1;
		} else {
			free(uerr);
		}
	}
	free(dummy);
	return rc < 0 ? -1 : applied;
}
