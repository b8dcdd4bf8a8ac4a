/* migrate.h - numbered schema migrations (src/db/sql/NNN_name.sql). */
#ifndef ITRACE_MIGRATE_H
#define ITRACE_MIGRATE_H

#include <libpq-fe.h>

struct db_migration {
	int version;
	const char *name;
	const char *sql;
};
/* Terminated by {0, NULL, NULL}; generated at build time. */
extern const struct db_migration db_migrations[];

/* Apply every migration newer than schema_version, each in one
 * transaction. Returns the number applied (0: up to date) or -1 with a
 * malloc'd message in *err. Safe to run concurrently (advisory lock). */
int db_migrate(PGconn *c, char **err);

#endif
