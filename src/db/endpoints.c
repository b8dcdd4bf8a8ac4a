/* endpoints.c - tenant and endpoint lookup/creation with a cache; see
 * endpoints.h. */
#include "db/endpoints.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/event.h"
#include "db/conn.h"

struct host_ent {
	char *key;          /* ev_host_key(), owned; NULL: free slot */
	char *hostname;     /* the fullest name stored, owned */
	int64_t id;
	int64_t seen_us;    /* latest time seen in this run, INT64_MIN none */
};

struct db_hosts {
	PGconn *c;          /* borrowed */
	int64_t tenant_id;
	struct host_ent *tab;
	size_t cap, n;      /* cap is a power of two */
};

static uint64_t str_hash(const char *s)
{
	uint64_t h = UINT64_C(1469598103934665603);
	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= UINT64_C(1099511628211);
	}
	return h;
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s);
	if (d == NULL) {
		fputs("itrace: out of memory\n", stderr);
		abort();
	}
	return d;
}

static struct host_ent *slot_of(struct host_ent *tab, size_t cap, const char *key)
{
	size_t i = (size_t)str_hash(key) & (cap - 1);
	while (tab[i].key != NULL && strcmp(tab[i].key, key) != 0)
		i = (i + 1) & (cap - 1);
	return &tab[i];
}

static void grow(struct db_hosts *h)
{
	size_t cap = h->cap * 2;
	struct host_ent *tab = calloc(cap, sizeof *tab);
	if (tab == NULL) {
		fputs("itrace: out of memory\n", stderr);
		abort();
	}
	for (size_t i = 0; i < h->cap; i++)
		if (h->tab[i].key != NULL)
			*slot_of(tab, cap, h->tab[i].key) = h->tab[i];
	free(h->tab);
	h->tab = tab;
	h->cap = cap;
}

struct db_hosts *db_hosts_new(PGconn *c, const char *tenant, char **err)
{
	if (tenant == NULL || tenant[0] == '\0') {
		*err = db_strf("tenant name is empty");
		return NULL;
	}
	const char *p[] = {tenant};
	/* ON CONFLICT DO NOTHING returns no row when the tenant exists; then
	 * read it. Two statements, no race: the row exists after the first. */
	PGresult *r = db_exec(c, "create tenant",
	                      "INSERT INTO tenant (name) VALUES ($1) "
	                      "ON CONFLICT (name) DO NOTHING RETURNING id",
	                      1, p, NULL, err);
	if (r == NULL)
		return NULL;
	if (PQntuples(r) == 0) {
		PQclear(r);
		r = db_exec(c, "find tenant", "SELECT id FROM tenant WHERE name = $1",
		            1, p, NULL, err);
		if (r == NULL)
			return NULL;
	}
	int64_t id;
	if (PQntuples(r) != 1 || db_parse_i64(PQgetvalue(r, 0, 0), &id) < 0) {
		PQclear(r);
		*err = db_strf("find tenant: tenant \"%s\" not found", tenant);
		return NULL;
	}
	PQclear(r);

	struct db_hosts *h = calloc(1, sizeof *h);
	if (h == NULL || (h->tab = calloc(16, sizeof *h->tab)) == NULL) {
		fputs("itrace: out of memory\n", stderr);
		abort();
	}
	h->c = c;
	h->tenant_id = id;
	h->cap = 16;
	return h;
}

void db_hosts_free(struct db_hosts *h)
{
	if (h == NULL)
		return;
	for (size_t i = 0; i < h->cap; i++) {
		free(h->tab[i].key);
		free(h->tab[i].hostname);
	}
	free(h->tab);
	free(h);
}

int64_t db_hosts_tenant(const struct db_hosts *h)
{
	return h->tenant_id;
}

static int fuller(const char *cand, const char *have)
{
	return strchr(cand, '.') != NULL && strchr(have, '.') == NULL;
}

/* Find or create the endpoint row; *stored receives the hostname the row
 * has afterwards (malloc'd). */
static int resolve(struct db_hosts *h, const char *key, const char *host,
                   int64_t *id, char **stored, char **err)
{
	char tid[24];
	snprintf(tid, sizeof tid, "%lld", (long long)h->tenant_id);
	const char *p[] = {tid, key, host};
	PGresult *r = db_exec(h->c, "create endpoint",
	                      "INSERT INTO endpoint (tenant_id, name, hostname) "
	                      "VALUES ($1::bigint, $2, $3) "
	                      "ON CONFLICT (tenant_id, name) DO NOTHING RETURNING id",
	                      3, p, NULL, err);
	if (r == NULL)
		return -1;
	if (PQntuples(r) == 1 && db_parse_i64(PQgetvalue(r, 0, 0), id) == 0) {
		PQclear(r);
		*stored = xstrdup(host);
		return 0;
	}
	PQclear(r);
	r = db_exec(h->c, "find endpoint",
	            "SELECT id, hostname FROM endpoint WHERE tenant_id = $1::bigint AND name = $2",
	            2, p, NULL, err);
	if (r == NULL)
		return -1;
	if (PQntuples(r) != 1 || db_parse_i64(PQgetvalue(r, 0, 0), id) < 0) {
		PQclear(r);
		*err = db_strf("find endpoint: \"%s\" vanished", key);
		return -1;
	}
	*stored = xstrdup(PQgetvalue(r, 0, 1));
	PQclear(r);
	return 0;
}

static int set_hostname(struct db_hosts *h, int64_t id, const char *host, char **err)
{
	char sid[24];
	snprintf(sid, sizeof sid, "%lld", (long long)id);
	const char *p[] = {sid, host};
	/* Only a short name is replaced, so two loaders cannot flap it. */
	return db_exec_cmd(h->c, "update endpoint host name",
	                   "UPDATE endpoint SET hostname = $2 "
	                   "WHERE id = $1::bigint AND strpos(hostname, '.') = 0",
	                   2, p, err);
}

int db_hosts_get(struct db_hosts *h, const char *host, int64_t ts_us,
                 int64_t *id, char **err)
{
	char *key = host != NULL ? ev_host_key(host) : NULL;
	if (key == NULL || key[0] == '\0') {
		free(key);
		*err = db_strf("host name \"%s\" has no short name", host != NULL ? host : "");
		return -1;
	}
	struct host_ent *e = slot_of(h->tab, h->cap, key);
	if (e->key == NULL) {
		char *stored = NULL;
		int64_t eid;
		if (resolve(h, key, host, &eid, &stored, err) < 0) {
			free(key);
			return -1;
		}
		if ((h->n + 1) * 2 > h->cap) {
			grow(h);
			e = slot_of(h->tab, h->cap, key);
		}
		e->key = key;
		e->hostname = stored;
		e->id = eid;
		e->seen_us = INT64_MIN;
		h->n++;
	} else {
		free(key);
	}
	if (fuller(host, e->hostname)) {
		if (set_hostname(h, e->id, host, err) < 0)
			return -1;
		free(e->hostname);
		e->hostname = xstrdup(host);
	}
	if (ts_us > e->seen_us)
		e->seen_us = ts_us;
	*id = e->id;
	return 0;
}

int db_hosts_touch(struct db_hosts *h, char **err)
{
	for (size_t i = 0; i < h->cap; i++) {
		struct host_ent *e = &h->tab[i];
		if (e->key == NULL || e->seen_us == INT64_MIN || !db_ts_valid(e->seen_us))
			continue;
		char sid[24], ts[DB_TS_LEN];
		snprintf(sid, sizeof sid, "%lld", (long long)e->id);
		db_format_ts(e->seen_us, ts);
		const char *p[] = {sid, ts};
		if (db_exec_cmd(h->c, "update endpoint last_seen",
		                "UPDATE endpoint SET last_seen = $2::timestamptz "
		                "WHERE id = $1::bigint AND (last_seen IS NULL OR last_seen < $2::timestamptz)",
		                2, p, err) < 0)
			return -1;
		e->seen_us = INT64_MIN;
	}
	return 0;
}
