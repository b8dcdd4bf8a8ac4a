/* admin_tuning.c - `itrace-cmdd tuning ...`: a tenant's log tuning rules
 * (SPEC R-7) in the tuning_rule table.
 *
 *   tuning add --tenant T --field image|target|cmdline|registry
 *              --pattern RE [--flags FLAGS]       prints the new rule's id
 *   tuning list --tenant T      one rule a line: "ID<TAB>FIELD /RE/FLAGS"
 *   tuning del --tenant T ID
 *
 * A pattern and its flags are checked and compiled by tun_add
 * (core/tuning.c), the code itrace-ingest uses for --tuning files, so a
 * rule accepted here compiles there and in the daemon. Every change is
 * audited (rule R-7). Exit status 0, 2 for a refusal (usage, bad pattern,
 * unknown tenant or rule, duplicate), 1 for a database error. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdd/cmdd.h"
#include "cmdd/wf.h"
#include "core/tuning.h"

#define REFUSED 2

static int refuse(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int refuse(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "itrace-cmdd: tuning ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return REFUSED;
}

static int dberr(PGconn *c, const char *what)
{
	fprintf(stderr, "itrace-cmdd: tuning %s: %s", what, PQerrorMessage(c));
	return 1;
}

static int find_tenant(PGconn *c, const char *verb, const char *name, int64_t *id)
{
	PGresult *r = DBQ(c, "SELECT id FROM tenant WHERE name = $1", name);
	if (!db_ok(r)) {
		PQclear(r);
		return dberr(c, verb);
	}
	if (PQntuples(r) == 0) {
		PQclear(r);
		return refuse("%s: --tenant %s: no such tenant", verb, name);
	}
	*id = db_i64(r, 0, 0);
	PQclear(r);
	return 0;
}

static int finish(PGconn *c, int rc)
{
	PGresult *r = PQexec(c, rc == 0 ? "COMMIT" : "ROLLBACK");
	if (rc == 0 && !db_ok(r))
		rc = dberr(c, "commit");
	PQclear(r);
	return rc;
}

static int add(PGconn *c, const char *actor, int64_t tenant, const char *field,
               const char *pattern, const char *flags)
{
	struct tun_rules *t = tun_new();
	if (t == NULL)
		return refuse("add: out of memory");
	char *msg = NULL;
	int ok = tun_add(t, field, pattern, flags, 0, &msg);
	tun_free(t);
	if (ok != 0) {
		int rc = refuse("add: %s", msg != NULL ? msg : "out of memory");
		free(msg);
		return rc;
	}
	char tid[24];
	i64s(tid, tenant);
	PGresult *r = PQexec(c, "BEGIN");
	bool began = db_ok(r);
	PQclear(r);
	if (!began)
		return dberr(c, "add");
	r = DBQ(c, "INSERT INTO tuning_rule (tenant_id, field, pattern, flags)"
	           " VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING"
	           " RETURNING id, to_jsonb(tuning_rule)::text", tid, field, pattern, flags);
	if (!db_ok(r)) {
		PQclear(r);
		return finish(c, dberr(c, "add"));
	}
	if (PQntuples(r) == 0) {
		PQclear(r);
		r = DBQ(c, "SELECT id FROM tuning_rule WHERE tenant_id = $1 AND field = $2"
		           " AND pattern = $3 AND flags = $4", tid, field, pattern, flags);
		long long dup = db_ok(r) && PQntuples(r) == 1 ? (long long)db_i64(r, 0, 0) : 0;
		PQclear(r);
		return finish(c, refuse("add: the tenant already has this rule (id %lld)", dup));
	}
	int64_t id = db_i64(r, 0, 0);
	char ob[48];
	snprintf(ob, sizeof ob, "tuning_rule:%lld", (long long)id);
	int rc = wf_audit(c, actor, "tuning.add", ob, tenant, NULL, PQgetvalue(r, 0, 1), "R-7")
		!= 0 ? dberr(c, "audit") : 0;
	PQclear(r);
	rc = finish(c, rc);
	if (rc == 0)
		printf("%lld\n", (long long)id);
	return rc;
}

static int list(PGconn *c, int64_t tenant)
{
	char tid[24];
	PGresult *r = DBQ(c, "SELECT id, field, pattern, flags FROM tuning_rule"
	                     " WHERE tenant_id = $1 ORDER BY id", i64s(tid, tenant));
	if (!db_ok(r)) {
		PQclear(r);
		return dberr(c, "list");
	}
	for (int i = 0; i < PQntuples(r); i++)
		printf("%s\t%s /%s/%s\n", PQgetvalue(r, i, 0), PQgetvalue(r, i, 1),
		       PQgetvalue(r, i, 2), PQgetvalue(r, i, 3));
	PQclear(r);
	return 0;
}

static int del(PGconn *c, const char *actor, int64_t tenant, const char *tname, const char *ids)
{
	char *end;
	long long id = strtoll(ids, &end, 10);
	if (end == ids || *end != '\0' || id <= 0)
		return refuse("del: %s: expected a rule id (see `tuning list`)", ids);
	char tid[24], rid[24];
	PGresult *r = PQexec(c, "BEGIN");
	bool began = db_ok(r);
	PQclear(r);
	if (!began)
		return dberr(c, "del");
	r = DBQ(c, "DELETE FROM tuning_rule WHERE tenant_id = $1 AND id = $2"
	           " RETURNING to_jsonb(tuning_rule)::text", i64s(tid, tenant), i64s(rid, id));
	if (!db_ok(r)) {
		PQclear(r);
		return finish(c, dberr(c, "del"));
	}
	if (PQntuples(r) == 0) {
		PQclear(r);
		return finish(c, refuse("del: tenant %s has no tuning rule %lld", tname, id));
	}
	char ob[48];
	snprintf(ob, sizeof ob, "tuning_rule:%lld", id);
	int rc = wf_audit(c, actor, "tuning.del", ob, tenant, PQgetvalue(r, 0, 0), NULL, "R-7")
		!= 0 ? dberr(c, "audit") : 0;
	PQclear(r);
	rc = finish(c, rc);
	if (rc == 0)
		printf("%lld\n", id);
	return rc;
}

int admin_tuning(PGconn *c, const char *actor, int argc, char **argv)
{
	if (argc < 1 || (strcmp(argv[0], "add") != 0 && strcmp(argv[0], "list") != 0 &&
	                 strcmp(argv[0], "del") != 0))
		return refuse(": expected add, list or del");
	const char *verb = argv[0];
	const char *tenant = NULL, *field = NULL, *pattern = NULL, *flags = "", *id = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char **dst = strcmp(a, "--tenant") == 0    ? &tenant
		                 : strcmp(a, "--field") == 0     ? &field
		                 : strcmp(a, "--pattern") == 0   ? &pattern
		                 : strcmp(a, "--flags") == 0     ? &flags
		                 : NULL;
		if (dst != NULL) {
			if (i + 1 >= argc)
				return refuse("%s: %s needs a value", verb, a);
			*dst = argv[++i];
		} else if (a[0] != '-' && id == NULL && strcmp(verb, "del") == 0) {
			id = a;
		} else {
			return refuse("%s: unexpected argument \"%s\"", verb, a);
		}
	}
	bool is_add = strcmp(verb, "add") == 0, is_del = strcmp(verb, "del") == 0;
	if (tenant == NULL)
		return refuse("%s: --tenant T is required", verb);
	if (is_add && (field == NULL || pattern == NULL))
		return refuse("add: --field and --pattern are required");
	if (!is_add && (field != NULL || pattern != NULL || flags[0] != '\0'))
		return refuse("%s: --field, --pattern and --flags belong to add", verb);
	if (is_del && id == NULL)
		return refuse("del: expected the rule's id (see `tuning list`)");
	int64_t tid = 0;
	int rc = find_tenant(c, verb, tenant, &tid);
	if (rc != 0)
		return rc;
	if (is_add)
		return add(c, actor, tid, field, pattern, flags);
	if (is_del)
		return del(c, actor, tid, tenant, id);
	return list(c, tid);
}
