/* cache.h - what itrace-cmdd remembers between requests (cache.c).
 *
 * Two memories, both only as good as the notifications that correct
 * them (src/db/sql/009_cmdd_cache.sql, channel itrace_cmdd, received by
 * the listener thread of longpoll.c):
 *
 *  - tokens: SHA-256 of a bearer token -> the caller (struct actor), for
 *    at most CACHE_AUTH_TTL_MS; dropped on "auth:ID" / "auth:*" (a token
 *    revoked, an endpoint renamed). Unknown tokens are not remembered.
 *  - heartbeats: per endpoint, what the last heartbeat that went to the
 *    database found there: last_seen, client_version, whether last_error
 *    is set, the stored Idempotency-Keys of its token, and that no
 *    command was queued and no upgrade owed. Dropped on "ep:ID",
 *    "ep:*", "cmd:ID:STATE", "idem:ID", by lp_wake(ID), and whenever two
 *    heartbeats of one endpoint went to the database at once.
 *
 * Nothing remembered is used unless the listener is connected and
 * LISTENs on a database that has the 009 triggers, and a request trusts
 * memory only after a barrier on the listener's connection sent after it
 * arrived (lp_sync, longpoll.c): then every change committed before the
 * request came has been applied. Each (re)connection of the listener
 * starts afresh. A value read from the database is stored only when no
 * notification about it was handled since before the read began
 * (tickets), so a change that commits while a request reads is never
 * papered over.
 */
#ifndef ITRACE_CMDD_CACHE_H
#define ITRACE_CMDD_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cmdd/cmdd.h"

#define CACHE_AUTH_TTL_MS 30000          /* a token is looked up again after */
/* How long a recorded contact (last_seen) stands before a heartbeat
 * writes it again: between 4 and 5 s, fixed per endpoint, so endpoints
 * that started together (a daemon restart, a network back) drift apart
 * instead of all writing in the same instant every 5 s. */
int64_t cache_hb_fresh_us(int64_t endpoint);
#define CACHE_HB_MAX_KEYS 64             /* stored keys remembered per token */

/* ---- the listener's side (longpoll.c calls these) ---- */
/* The listener LISTENs on a database with the triggers: new epoch,
 * everything remembered so far forgotten, memory on. */
void cache_enable(void);
/* The listener lost its connection (or the triggers are missing): memory
 * off, everything forgotten. */
void cache_disable(void);
/* One notification of channel itrace_cmdd, sent by backend be_pid. */
void cache_notify(const char *payload, int be_pid);

/* ---- tokens (auth.c) ---- */
/* 0 when the memory is off; else a ticket to pass to cache_auth_put
 * (taken before the database is asked). */
uint64_t cache_auth_ticket(void);
/* The caller of token hash hex (64 hex digits) if remembered. */
bool cache_auth_get(const char *hash, struct actor *a);
/* Remember it, unless a token changed since the ticket was taken. */
void cache_auth_put(uint64_t ticket, const char *hash, const struct actor *a);

/* ---- heartbeats (routes_agent.c, http.c) ---- */
/* A heartbeat as received: what the fast path must compare. */
struct hb_ask {
	int64_t actor;              /* analyst.id of the endpoint's token */
	const char *key;            /* Idempotency-Key or NULL */
	const char *version;        /* client_version or NULL (unchanged) */
	bool has_error;             /* errors[] not empty */
	bool contact;               /* records the contact (not a resumed poll) */
	int64_t now_us;
};
/* The database after a heartbeat statement (only stored when "clear"). */
struct hb_seen {
	int64_t actor;
	int64_t last_seen_us;
	bool has_last_seen;
	const char *version;        /* endpoint.client_version, NULL for NULL */
	bool has_error;             /* endpoint.last_error IS NOT NULL */
	bool clear;                 /* no queued command, no upgrade owed */
	bool many_keys;             /* more stored keys than CACHE_HB_MAX_KEYS */
	const char *const *keys;    /* the token's stored Idempotency-Keys */
	size_t nkeys;
};
/* True when the heartbeat has nothing to change and nothing to deliver:
 * the endpoint is known clear, the contact is fresh (or not recorded),
 * the version and errors are those stored, and the key has no stored
 * answer. Then the database need not be asked. */
bool cache_hb_idle(int64_t endpoint, const struct hb_ask *q);
/* Only "no queued command for the endpoint", without a barrier: for the
 * long-poll's re-check after the waiter is listed, where a command whose
 * notification is still on its way wakes the waiter when it comes. */
bool cache_hb_clear(int64_t endpoint);
/* Before a heartbeat's statement: a ticket (0 only when there is no room
 * to count it). Every ticket must be given back with cache_hb_done, with
 * or without a result; readers are counted even while memory is off. */
uint64_t cache_hb_ticket(int64_t endpoint);
void cache_hb_done(int64_t endpoint, uint64_t ticket, const struct hb_seen *s);
/* Forget endpoint's state (a command was queued for it). */
void cache_hb_forget(int64_t endpoint);

/* ---- the barrier (longpoll.c, http.c) ---- */
/* At the start of each run of a request (http.c, in its thread): synced
 * is 1 right after the request's barrier was passed, -1 when it failed
 * (memory off: ask the database), else 0. */
void cache_request_start(int synced);
/* True when memory would have answered this run had its barrier been
 * passed: the caller gives up (auth_lookup 2, rq->want_sync) and http.c
 * suspends the request until a barrier, then runs it again. */
bool cache_request_wants_sync(void);

struct MHD_Connection;
/* One request waiting for a barrier (inside http.c's connection state). */
struct lp_sync {
	struct lp_sync *next;
	struct MHD_Connection *conn;
	uint64_t need;              /* barrier sequence number awaited */
	int result;                 /* when resumed: 1 passed, -1 failed */
	bool listed, suspended;
};
/* Suspend connection c until a barrier sent after now has been answered
 * and what came before it applied: true. False (w->result -1) when it
 * cannot wait: memory off, shutting down. */
bool lp_sync_suspend(struct lp_sync *w, struct MHD_Connection *c);
/* The connection ends while waiting. */
void lp_sync_cancel(struct lp_sync *w);

/* ---- pool.c: the backends of this daemon's worker connections ---- */
bool pool_own_backend(int pid);

/* Counters for tests and the health route. */
struct cache_stats {
	unsigned long auth_hits, auth_misses, hb_idle, hb_db, barriers;
	bool enabled;
};
void cache_get_stats(struct cache_stats *st);
/* A heartbeat went to the database; a barrier was passed (counters). */
void cache_hb_count_db(void);
void cache_count_barrier(void);

#endif
