/* idem.c - Idempotency-Key: the first answer to a POST, kept per caller.
 *
 * Runs inside the request's transaction: an advisory lock on (caller, key)
 * serialises two concurrent requests with the same key, so the second
 * waits for the first and then gets its stored answer. A key reused for a
 * different request (method, path or body differ) is refused with 422
 * idempotency_mismatch instead of replaying an unrelated answer. */
#include "cmdd/cmdd.h"

#include <stdlib.h>
#include <string.h>

#include "core/sha256.h"

void idem_fingerprint(const char *method, const char *path, const char *body,
                      size_t len, char out[65])
{
	struct sha256 s;
	uint8_t d[SHA256_LEN];
	sha256_init(&s);
	sha256_update(&s, method, strlen(method) + 1);
	sha256_update(&s, path, strlen(path) + 1);
	sha256_update(&s, body, len);
	sha256_final(&s, d);
	static const char hex[] = "0123456789abcdef";
	for (int i = 0; i < SHA256_LEN; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 15];
	}
	out[64] = '\0';
}

bool idem_key_ok(const char *key)
{
	size_t n = strlen(key);
	if (n == 0 || n > 255)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)key[i] < 0x21 || (unsigned char)key[i] > 0x7e)
			return false;
	return true;
}

int idem_lookup(PGconn *c, int64_t actor, const char *key, const char *fp,
                struct resp *rs)
{
	char ab[24];
	i64s(ab, actor);
	PGresult *r = DBQ(c, "SELECT pg_advisory_xact_lock(hashtextextended($1 || ':' || $2, 7))",
	                  ab, key);
	if (!db_ok(r)) {
		PQclear(r);
		return -1;
	}
	PQclear(r);
	r = DBQ(c, "SELECT status, body, fingerprint FROM idempotency"
	           " WHERE analyst_id = $1 AND key = $2", ab, key);
	if (!db_ok(r)) {
		PQclear(r);
		return -1;
	}
	if (PQntuples(r) == 0) {
		PQclear(r);
		return 0;
	}
	if (strcmp(PQgetvalue(r, 0, 2), fp) != 0) {
		PQclear(r);
		rs_err(rs, 422, "idempotency_mismatch",
		       "this Idempotency-Key was used for a different request");
		return 2;
	}
	free(rs->body);
	rs->status = (int)db_i64(r, 0, 0);
	rs->body = strdup(PQgetvalue(r, 0, 1));
	rs->len = strlen(rs->body);
	PQclear(r);
	return 1;
}

int idem_store(PGconn *c, int64_t actor, const char *key, const char *fp,
               const struct resp *rs)
{
	char ab[24], sb[24];
	PGresult *r = DBQ(c,
		"INSERT INTO idempotency (analyst_id, key, fingerprint, status, body)"
		" VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
		i64s(ab, actor), key, fp, i64s(sb, rs->status), rs->body);
	int ok = db_ok(r) ? 0 : -1;
	PQclear(r);
	return ok;
}
