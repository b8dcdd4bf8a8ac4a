/* endpoints.h - tenants and endpoints, created on first sight, cached.
 *
 * An endpoint is identified within its tenant by the case-insensitive short
 * host name (ev_host_key(): "WORKSTATION5" and "workstation5.theshire.local"
 * are one endpoint); endpoint.hostname keeps the fuller name (an FQDN
 * replaces a short name, never the other way round).
 *
 * Creation uses INSERT ... ON CONFLICT, so concurrent loaders agree on one
 * row. A struct db_hosts caches what it has resolved; it is not thread-safe
 * and uses the borrowed connection it was created with.
 */
#ifndef ITRACE_DB_ENDPOINTS_H
#define ITRACE_DB_ENDPOINTS_H

#include <stdint.h>
#include <libpq-fe.h>

struct db_hosts;

/* Find or create the tenant `tenant` (exact name) on connection c (borrowed;
 * must outlive the cache). NULL with *err set on failure; free with
 * db_hosts_free(). */
struct db_hosts *db_hosts_new(PGconn *c, const char *tenant, char **err);
void db_hosts_free(struct db_hosts *h);
int64_t db_hosts_tenant(const struct db_hosts *h);

/* Endpoint id of `host` (name as logged, short or FQDN), creating the
 * endpoint if needed. ts_us is the time of what was seen from it (used for
 * endpoint.last_seen by db_hosts_touch), or INT64_MIN for none. Returns 0,
 * or -1 with *err set (a database failure, or a host name without a usable
 * short name: empty or starting with a dot). */
int db_hosts_get(struct db_hosts *h, const char *host, int64_t ts_us,
                 int64_t *id, char **err);

/* Raise endpoint.last_seen to the latest time given to db_hosts_get for
 * each endpoint of this cache (never lowers it). 0 or -1 with *err. */
int db_hosts_touch(struct db_hosts *h, char **err);

#endif
