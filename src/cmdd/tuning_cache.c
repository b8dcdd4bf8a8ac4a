/* tuning_cache.c - each tenant's log tuning rules (SPEC R-7), compiled
 * once and kept for POST /v1/agent/events.
 *
 * A request asks tcache_get for its tenant's rules: one cheap query reads
 * the rules' fingerprint (count, max id: db_tuning_fingerprint); when it
 * differs from the cached set's, the rules are read and compiled again
 * (outside the lock) and replace the cached set. So a rule added or
 * deleted with `itrace-cmdd tuning` applies to the next request. Sets are
 * reference-counted: a request keeps using the set it got even if another
 * thread replaces it meanwhile. Matching uses the caller's own match data
 * (tun_match_md), so one set serves every worker thread. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdd/cmdd.h"
#include "db/tuning_rules.h"

struct tc_set {
	struct tun_rules *rules;
	int refs;                 /* the table's reference + requests' */
};

struct tc_entry {
	int64_t tenant;
	int64_t fp[2];
	struct tc_set *set;
};

static pthread_mutex_t tc_lock = PTHREAD_MUTEX_INITIALIZER;
static struct tc_entry *tc_v;
static size_t tc_n, tc_cap;

static void set_unref(struct tc_set *s)   /* under tc_lock */
{
	if (s != NULL && --s->refs == 0) {
		tun_free(s->rules);
		free(s);
	}
}

static struct tc_entry *find(int64_t tenant)   /* under tc_lock */
{
	for (size_t i = 0; i < tc_n; i++)
		if (tc_v[i].tenant == tenant)
			return &tc_v[i];
	return NULL;
}

struct tc_set *tcache_get(PGconn *c, int64_t tenant, const struct tun_rules **rules)
{
	*rules = NULL;
	int64_t fp[2];
	char *err = NULL;
	if (db_tuning_fingerprint(c, tenant, fp, &err) != 0) {
		fprintf(stderr, "itrace-cmdd: tuning rules: %s\n", err);
		free(err);
		return NULL;
	}
	pthread_mutex_lock(&tc_lock);
	struct tc_entry *e = find(tenant);
	if (e != NULL && e->fp[0] == fp[0] && e->fp[1] == fp[1]) {
		struct tc_set *s = e->set;
		s->refs++;
		pthread_mutex_unlock(&tc_lock);
		*rules = s->rules;
		return s;
	}
	pthread_mutex_unlock(&tc_lock);

	struct tc_set *s = calloc(1, sizeof *s);
	if (s == NULL || (s->rules = tun_new()) == NULL) {
		free(s);
		fprintf(stderr, "itrace-cmdd: tuning rules: out of memory\n");
		return NULL;
	}
	char *warn = NULL;
	if (db_tuning_load(c, tenant, NULL, s->rules, fp, &warn, &err) != 0) {
		fprintf(stderr, "itrace-cmdd: tuning rules: %s\n", err);
		free(err);
		tun_free(s->rules);
		free(s);
		return NULL;
	}
	if (warn != NULL) {
		/* A row that does not compile is skipped, not fatal: the
		 * events are then stored, never lost. */
		fprintf(stderr, "itrace-cmdd: tenant %lld: skipped: %s\n", (long long)tenant, warn);
		free(warn);
	}
	s->refs = 2;              /* the table's and the caller's */
	pthread_mutex_lock(&tc_lock);
	e = find(tenant);
	if (e == NULL && tc_n == tc_cap) {
		size_t cap = tc_cap != 0 ? tc_cap * 2 : 16;
		struct tc_entry *v = realloc(tc_v, cap * sizeof *v);
		if (v == NULL) {
			pthread_mutex_unlock(&tc_lock);
			tun_free(s->rules);
			free(s);
			return NULL;
		}
		tc_v = v;
		tc_cap = cap;
	}
	if (e == NULL) {
		e = &tc_v[tc_n++];
		e->tenant = tenant;
		e->set = NULL;
	}
	set_unref(e->set);
	e->set = s;
	e->fp[0] = fp[0];
	e->fp[1] = fp[1];
	pthread_mutex_unlock(&tc_lock);
	*rules = s->rules;
	return s;
}

void tcache_put(struct tc_set *s)
{
	pthread_mutex_lock(&tc_lock);
	set_unref(s);
	pthread_mutex_unlock(&tc_lock);
}
