/* auth.c - bearer tokens to actors, and who may do what.
 *
 * Tokens are never stored or logged: the analyst table keeps the SHA-256
 * hex of each (admin.c makes them). A request's token is hashed and looked
 * up; a revoked token is as bad as an unknown one. Known tokens are
 * remembered by hash for up to 30 s (cache.c): a revocation, or any other
 * change of the analyst row, reaches the daemon by NOTIFY and the token is
 * forgotten before the next request looks (memory is off whenever that
 * could not be guaranteed). Unknown tokens are always asked for. */
#include "cmdd/cmdd.h"
#include "cmdd/cache.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/sha256.h"

const char *role_name(enum role r)
{
	switch (r) {
	case ROLE_VIEWER: return "viewer";
	case ROLE_ANALYST: return "analyst";
	case ROLE_LEAD: return "lead";
	case ROLE_ENDPOINT: return "endpoint";
	}
	return "?";
}

/* "{1,2,3}" (a bigint[] in text form) into a->tenants. */
static void parse_tenants(const char *s, struct actor *a)
{
	a->ntenants = 0;
	if (*s == '{')
		s++;
	while (*s != '\0' && *s != '}' &&
	       a->ntenants < sizeof a->tenants / sizeof a->tenants[0]) {
		char *end;
		long long v = strtoll(s, &end, 10);
		if (end == s)
			break;
		a->tenants[a->ntenants++] = v;
		s = *end == ',' ? end + 1 : end;
	}
}

int auth_lookup(PGconn *c, const char *authorization, struct actor *a)
{
	memset(a, 0, sizeof *a);
	if (authorization == NULL || strncasecmp(authorization, "Bearer ", 7) != 0)
		return 1;
	const char *tok = authorization + 7;
	while (*tok == ' ')
		tok++;
	size_t n = strlen(tok);
	while (n > 0 && tok[n - 1] == ' ')
		n--;
	if (n < 16 || n > 256)
		return 1;
	char hash[SHA256_HEX_LEN];
	sha256_hex(tok, n, hash);
	if (cache_auth_get(hash, a))
		return 0;
	if (cache_request_wants_sync())
		return 2;
	uint64_t ticket = cache_auth_ticket();
	PGresult *r = DBP(c, "auth_lookup",
		"SELECT a.id, a.name, a.role, a.tenants, a.endpoint_id, e.tenant_id, e.name"
		"  FROM analyst a LEFT JOIN endpoint e ON e.id = a.endpoint_id"
		" WHERE a.token_hash = $1 AND a.revoked_at IS NULL", hash);
	if (!db_ok(r)) {
		PQclear(r);
		return -1;
	}
	if (PQntuples(r) != 1) {
		PQclear(r);
		return 1;
	}
	a->id = db_i64(r, 0, 0);
	const char *role = PQgetvalue(r, 0, 2);
	if (strcmp(role, "lead") == 0)
		a->role = ROLE_LEAD;
	else if (strcmp(role, "analyst") == 0)
		a->role = ROLE_ANALYST;
	else if (strcmp(role, "endpoint") == 0)
		a->role = ROLE_ENDPOINT;
	else
		a->role = ROLE_VIEWER;
	if (a->role == ROLE_ENDPOINT) {
		/* No endpoint, or the endpoint row is gone (analyst has no
		 * foreign key to it: migration 012): the token is dead. */
		if (PQgetisnull(r, 0, 4) || PQgetisnull(r, 0, 5)) {
			PQclear(r);
			return 1;
		}
		a->endpoint_id = db_i64(r, 0, 4);
		a->endpoint_tenant = db_i64(r, 0, 5);
		a->tenants[0] = a->endpoint_tenant;
		a->ntenants = 1;
		snprintf(a->name, sizeof a->name, "endpoint:%s", PQgetvalue(r, 0, 6));
	} else {
		snprintf(a->name, sizeof a->name, "%s", PQgetvalue(r, 0, 1));
		a->all_tenants = PQgetisnull(r, 0, 3);
		if (!a->all_tenants)
			parse_tenants(PQgetvalue(r, 0, 3), a);
	}
	PQclear(r);
	cache_auth_put(ticket, hash, a);
	return 0;
}

bool auth_tenant_ok(const struct actor *a, int64_t tenant_id)
{
	if (a->role == ROLE_ENDPOINT)
		return a->endpoint_tenant == tenant_id;
	if (a->all_tenants)
		return true;
	for (size_t i = 0; i < a->ntenants; i++)
		if (a->tenants[i] == tenant_id)
			return true;
	return false;
}

bool auth_can_write(const struct actor *a)
{
	return a->role == ROLE_ANALYST || a->role == ROLE_LEAD;
}
