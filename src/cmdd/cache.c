/* cache.c - tokens and heartbeat state kept in memory; see cache.h.
 *
 * Two hash tables, each under its own mutex. Entries are corrected only
 * by notifications, so the rules are strict:
 *
 *  - memory is on only between cache_enable() and cache_disable() (the
 *    listener's connection), and both forget everything;
 *  - a read is trusted only after the request's barrier (lp_sync): every
 *    change committed before the request arrived has been applied; a
 *    look without it first tells whether the barrier is worth waiting for
 *    (memory that would not serve the request anyway);
 *  - a value read from the database is stored only if nothing that could
 *    concern it was invalidated since before the read (tickets: the token
 *    generation; per endpoint a generation bumped by every invalidation
 *    and by every new reader, plus a count of readers in flight, so two
 *    heartbeats of one endpoint reading at once store nothing).
 */
#include "cmdd/cache.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sha256.h"

#define AUTH_MAX 100000         /* remembered tokens before starting over */
#define HB_MAX (1u << 20)       /* endpoints remembered */

static atomic_bool enabled;
static atomic_ulong n_auth_hit, n_auth_miss, n_hb_idle, n_hb_db, n_barrier;

/* This run of a request: its barrier (0 not yet, 1 passed, -1 failed),
 * and whether memory would have served it after one. */
static _Thread_local int tl_synced;
static _Thread_local bool tl_want;

void cache_request_start(int synced)
{
	tl_synced = synced;
	tl_want = false;
}

bool cache_request_wants_sync(void)
{
	return tl_want;
}

static bool synced(void)
{
	if (tl_synced == 0)
		tl_want = true;
	return tl_synced > 0;
}

/* ---- tokens ---- */

struct auth_ent {
	struct auth_ent *next;
	char hash[SHA256_HEX_LEN];
	int64_t expires_ms;
	struct actor a;
};

static pthread_mutex_t auth_mu = PTHREAD_MUTEX_INITIALIZER;
static struct auth_ent **auth_tab;
static size_t auth_nb, auth_n;
static uint64_t auth_gen = 1;   /* bumped by every token invalidation */

static uint64_t fnv(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++) {
		h ^= s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

/* Under auth_mu. */
static void auth_clear(void)
{
	for (size_t i = 0; i < auth_nb; i++) {
		struct auth_ent *e = auth_tab[i];
		while (e != NULL) {
			struct auth_ent *n = e->next;
			free(e);
			e = n;
		}
		auth_tab[i] = NULL;
	}
	auth_n = 0;
	auth_gen++;
}

/* Under auth_mu: drop every token of analyst row id. */
static void auth_drop(int64_t id)
{
	for (size_t i = 0; i < auth_nb; i++) {
		struct auth_ent **pp = &auth_tab[i];
		while (*pp != NULL) {
			struct auth_ent *e = *pp;
			if (e->a.id == id) {
				*pp = e->next;
				free(e);
				auth_n--;
			} else {
				pp = &e->next;
			}
		}
	}
	auth_gen++;
}

uint64_t cache_auth_ticket(void)
{
	if (!atomic_load(&enabled))
		return 0;
	pthread_mutex_lock(&auth_mu);
	uint64_t t = auth_gen;
	pthread_mutex_unlock(&auth_mu);
	return t;
}

/* Under auth_mu: the remembered, unexpired caller of hash. */
static bool auth_find(const char *hash, struct actor *a)
{
	if (auth_nb == 0 || !atomic_load(&enabled))
		return false;
	struct auth_ent *e = auth_tab[fnv(hash, SHA256_HEX_LEN - 1) % auth_nb];
	for (; e != NULL; e = e->next) {
		if (memcmp(e->hash, hash, SHA256_HEX_LEN - 1) == 0) {
			if (clk_mono_ms() >= e->expires_ms)
				return false;
			if (a != NULL)
				*a = e->a;
			return true;
		}
	}
	return false;
}

bool cache_auth_get(const char *hash, struct actor *a)
{
	bool hit = false;
	if (atomic_load(&enabled)) {
		/* Worth a barrier only when remembered; then look again. */
		pthread_mutex_lock(&auth_mu);
		hit = auth_find(hash, NULL);
		pthread_mutex_unlock(&auth_mu);
		if (hit && synced()) {
			pthread_mutex_lock(&auth_mu);
			hit = auth_find(hash, a);
			pthread_mutex_unlock(&auth_mu);
		} else {
			hit = false;
		}
	}
	if (!tl_want)
		atomic_fetch_add(hit ? &n_auth_hit : &n_auth_miss, 1);
	return hit;
}

void cache_auth_put(uint64_t ticket, const char *hash, const struct actor *a)
{
	if (ticket == 0)
		return;
	pthread_mutex_lock(&auth_mu);
	if (!atomic_load(&enabled) || ticket != auth_gen)
		goto out;
	if (auth_nb == 0 || auth_n >= AUTH_MAX) {
		if (auth_nb == 0) {
			auth_tab = calloc(4096, sizeof *auth_tab);
			if (auth_tab == NULL)
				goto out;
			auth_nb = 4096;
		} else {
			auth_clear();
		}
	}
	struct auth_ent **head = &auth_tab[fnv(hash, SHA256_HEX_LEN - 1) % auth_nb];
	struct auth_ent *e = *head;
	while (e != NULL && memcmp(e->hash, hash, SHA256_HEX_LEN - 1) != 0)
		e = e->next;
	if (e == NULL) {
		e = calloc(1, sizeof *e);
		if (e == NULL)
			goto out;
		memcpy(e->hash, hash, SHA256_HEX_LEN);
		e->next = *head;
		*head = e;
		auth_n++;
	}
	e->a = *a;
	e->expires_ms = clk_mono_ms() + CACHE_AUTH_TTL_MS;
out:
	pthread_mutex_unlock(&auth_mu);
}

/* ---- heartbeats ---- */

struct hb_ent {
	struct hb_ent *next;
	int64_t ep;
	uint64_t gen;           /* bumped by invalidations and new readers */
	int inflight;           /* heartbeats of this endpoint in the database */
	bool valid;
	/* what the database held (valid only) */
	int64_t actor;
	int64_t last_seen_us;
	bool has_last_seen, has_version, has_error, clear, many_keys;
	char version[65];
	uint64_t *keys;         /* fnv of each stored Idempotency-Key */
	size_t nkeys;
};

static pthread_mutex_t hb_mu = PTHREAD_MUTEX_INITIALIZER;
static struct hb_ent **hb_tab;
static size_t hb_nb, hb_n;

/* Under hb_mu. */
static struct hb_ent *hb_find(int64_t ep)
{
	if (hb_nb == 0)
		return NULL;
	struct hb_ent *e = hb_tab[(uint64_t)ep % hb_nb];
	while (e != NULL && e->ep != ep)
		e = e->next;
	return e;
}

/* Under hb_mu: the entry, made when missing (NULL when full or no
 * memory). Doubles the table when it gets crowded. */
static struct hb_ent *hb_make(int64_t ep)
{
	struct hb_ent *e = hb_find(ep);
	if (e != NULL)
		return e;
	if (hb_n >= HB_MAX)
		return NULL;
	if (hb_n >= hb_nb) {
		size_t nb = hb_nb == 0 ? 4096 : hb_nb * 2;
		struct hb_ent **t = calloc(nb, sizeof *t);
		if (t == NULL)
			return NULL;
		for (size_t i = 0; i < hb_nb; i++) {
			struct hb_ent *x = hb_tab[i];
			while (x != NULL) {
				struct hb_ent *n = x->next;
				x->next = t[(uint64_t)x->ep % nb];
				t[(uint64_t)x->ep % nb] = x;
				x = n;
			}
		}
		free(hb_tab);
		hb_tab = t;
		hb_nb = nb;
	}
	e = calloc(1, sizeof *e);
	if (e == NULL)
		return NULL;
	e->ep = ep;
	e->gen = 1;
	e->next = hb_tab[(uint64_t)ep % hb_nb];
	hb_tab[(uint64_t)ep % hb_nb] = e;
	hb_n++;
	return e;
}

/* Under hb_mu. Entries stay (their readers in flight are counted). */
static void hb_invalidate(struct hb_ent *e)
{
	e->gen++;
	e->valid = false;
	free(e->keys);
	e->keys = NULL;
	e->nkeys = 0;
}

static void hb_invalidate_all(void)
{
	for (size_t i = 0; i < hb_nb; i++)
		for (struct hb_ent *e = hb_tab[i]; e != NULL; e = e->next)
			hb_invalidate(e);
}

void cache_hb_forget(int64_t ep)
{
	pthread_mutex_lock(&hb_mu);
	struct hb_ent *e = hb_find(ep);
	if (e != NULL)
		hb_invalidate(e);
	pthread_mutex_unlock(&hb_mu);
}

int64_t cache_hb_fresh_us(int64_t ep)
{
	uint64_t h = (uint64_t)ep * 0x9E3779B97F4A7C15ULL;
	return 4000000 + (int64_t)((h >> 32) % 1000) * 1000;
}

/* Under hb_mu: the endpoint's entry when it may be trusted as clear. */
static struct hb_ent *hb_trusted(int64_t ep)
{
	struct hb_ent *e = hb_find(ep);
	if (e == NULL || !e->valid || e->inflight != 0 || !e->clear ||
	    !atomic_load(&enabled))
		return NULL;
	return e;
}

bool cache_hb_clear(int64_t ep)
{
	if (!atomic_load(&enabled))
		return false;
	pthread_mutex_lock(&hb_mu);
	bool ok = hb_trusted(ep) != NULL;
	pthread_mutex_unlock(&hb_mu);
	return ok;
}

/* Under hb_mu: does the entry answer q as idle? */
static bool hb_idle(int64_t ep, const struct hb_ask *q, uint64_t kh)
{
	struct hb_ent *e = hb_trusted(ep);
	bool ok = e != NULL && e->actor == q->actor && !q->has_error && !e->has_error;
	/* The contact is recorded every 4 to 5 s, and a last_seen in the
	 * future is put right (as the statement of routes_agent.c does). */
	if (ok && q->contact)
		ok = e->has_last_seen && e->last_seen_us <= q->now_us &&
		     e->last_seen_us >= q->now_us - cache_hb_fresh_us(ep);
	/* No version: the stored one stays (coalesce). */
	if (ok && q->version != NULL)
		ok = e->has_version && strcmp(e->version, q->version) == 0;
	if (ok && q->key != NULL) {
		ok = !e->many_keys;
		for (size_t i = 0; ok && i < e->nkeys; i++)
			if (e->keys[i] == kh)
				ok = false;   /* maybe stored: the database replays it */
	}
	return ok;
}

bool cache_hb_idle(int64_t ep, const struct hb_ask *q)
{
	if (!atomic_load(&enabled))
		return false;
	uint64_t kh = q->key != NULL ? fnv(q->key, strlen(q->key)) : 0;
	pthread_mutex_lock(&hb_mu);
	bool ok = hb_idle(ep, q, kh);
	pthread_mutex_unlock(&hb_mu);
	/* Worth a barrier only when memory would answer; then look again. */
	if (ok && synced()) {
		pthread_mutex_lock(&hb_mu);
		ok = hb_idle(ep, q, kh);
		pthread_mutex_unlock(&hb_mu);
	} else {
		ok = false;
	}
	if (ok)
		atomic_fetch_add(&n_hb_idle, 1);
	return ok;
}

/* Readers are counted even while the memory is off: one that read before
 * cache_enable() and writes after it must still spoil a concurrent
 * reader's store. */
uint64_t cache_hb_ticket(int64_t ep)
{
	pthread_mutex_lock(&hb_mu);
	struct hb_ent *e = hb_make(ep);
	uint64_t t = 0;
	if (e != NULL) {
		e->gen++;
		e->inflight++;
		t = e->gen;
	}
	pthread_mutex_unlock(&hb_mu);
	return t;
}

void cache_hb_done(int64_t ep, uint64_t ticket, const struct hb_seen *s)
{
	if (ticket == 0)
		return;
	pthread_mutex_lock(&hb_mu);
	struct hb_ent *e = hb_find(ep);
	if (e == NULL)
		goto out;
	e->inflight--;
	bool store = s != NULL && s->clear && e->gen == ticket && e->inflight == 0 &&
	             atomic_load(&enabled) &&
	             (s->version == NULL || strlen(s->version) < sizeof e->version);
	hb_invalidate(e);
	if (!store)
		goto out;
	e->keys = s->nkeys > 0 ? calloc(s->nkeys, sizeof *e->keys) : NULL;
	if (s->nkeys > 0 && e->keys == NULL)
		goto out;
	for (size_t i = 0; i < s->nkeys; i++)
		e->keys[i] = fnv(s->keys[i], strlen(s->keys[i]));
	e->nkeys = s->nkeys;
	e->many_keys = s->many_keys;
	e->actor = s->actor;
	e->last_seen_us = s->last_seen_us;
	e->has_last_seen = s->has_last_seen;
	e->has_version = s->version != NULL;
	snprintf(e->version, sizeof e->version, "%s", s->version != NULL ? s->version : "");
	e->has_error = s->has_error;
	e->clear = true;
	/* hb_invalidate moved the generation on: a ticket taken before now
	 * can no longer store over this. */
	e->valid = true;
out:
	pthread_mutex_unlock(&hb_mu);
}

/* ---- the listener's side ---- */

static void forget_all(void)
{
	pthread_mutex_lock(&auth_mu);
	auth_clear();
	pthread_mutex_unlock(&auth_mu);
	pthread_mutex_lock(&hb_mu);
	hb_invalidate_all();
	pthread_mutex_unlock(&hb_mu);
}

void cache_enable(void)
{
	forget_all();
	atomic_store(&enabled, true);
}

void cache_disable(void)
{
	atomic_store(&enabled, false);
	forget_all();
}

/* "123" -> 123; -1 when not a positive decimal number ending at *end. */
static int64_t num(const char *s, const char **end)
{
	int64_t v = 0;
	int digits = 0;
	while (*s >= '0' && *s <= '9' && digits < 18) {
		v = v * 10 + (*s++ - '0');
		digits++;
	}
	*end = s;
	return digits == 0 ? -1 : v;
}

void cache_notify(const char *p, int be_pid)
{
	const char *end;
	int64_t id;
	if (strncmp(p, "auth:", 5) == 0) {
		id = strcmp(p + 5, "*") == 0 ? -1 : num(p + 5, &end);
		pthread_mutex_lock(&auth_mu);
		if (id < 0 || *end != '\0')
			auth_clear();
		else
			auth_drop(id);
		pthread_mutex_unlock(&auth_mu);
		return;
	}
	id = -1;
	end = "";
	bool own_ok = false;
	if (strncmp(p, "ep:", 3) == 0 || strncmp(p, "endpoint:", 9) == 0) {
		id = num(p + (p[1] == 'p' ? 3 : 9), &end);
		/* Heartbeats of this daemon keep their entry right themselves
		 * (cache_hb_done, under tickets). */
		own_ok = true;
	} else if (strncmp(p, "cmd:", 4) == 0) {
		id = num(p + 4, &end);
		if (*end == ':')
			end = "";
	} else if (strncmp(p, "idem:", 5) == 0) {
		id = num(p + 5, &end);
	}
	pthread_mutex_lock(&hb_mu);
	if (id < 0 || *end != '\0') {
		hb_invalidate_all();    /* "ep:*", or a payload not understood */
	} else if (!own_ok || !pool_own_backend(be_pid)) {
		struct hb_ent *e = hb_find(id);
		if (e != NULL)
			hb_invalidate(e);
	}
	pthread_mutex_unlock(&hb_mu);
}

void cache_hb_count_db(void)
{
	atomic_fetch_add(&n_hb_db, 1);
}

void cache_count_barrier(void)
{
	atomic_fetch_add(&n_barrier, 1);
}

void cache_get_stats(struct cache_stats *st)
{
	st->barriers = atomic_load(&n_barrier);
	st->auth_hits = atomic_load(&n_auth_hit);
	st->auth_misses = atomic_load(&n_auth_miss);
	st->hb_idle = atomic_load(&n_hb_idle);
	st->hb_db = atomic_load(&n_hb_db);
	st->enabled = atomic_load(&enabled);
}
