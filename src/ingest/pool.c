/* pool.c - parser threads over chunks of lines; see ingest.h.
 *
 * Parsing a line (JSON, layouts, times) is most of the client's work; on a
 * loaded database server it is the part that limits the ingest rate, so it
 * runs in parallel. Everything that depends on order or on the database
 * stays in the main thread. */
#include "ingest/ingest.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "db/events.h"

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (p == NULL)
		abort();
	return p;
}

void ing_chunk_init(struct ing_chunk *c)
{
	memset(c, 0, sizeof *c);
	db_copy_init(&c->tails);
}

int ing_chunk_add(struct ing_chunk *c, const char *line, size_t len)
{
	if (c->n == c->cap) {
		c->cap = c->cap != 0 ? c->cap * 2 : 256;
		c->items = xrealloc(c->items, c->cap * sizeof *c->items);
	}
	if (c->lines_cap - c->lines_len < len + 1) {
		size_t cap = c->lines_cap != 0 ? c->lines_cap : 65536;
		while (cap - c->lines_len < len + 1)
			cap *= 2;
		c->lines = xrealloc(c->lines, cap);
		c->lines_cap = cap;
	}
	struct ing_item *it = &c->items[c->n++];
	memset(it, 0, sizeof *it);
	ev_init(&it->ev);
	it->line_off = c->lines_len;
	it->line_len = len;
	memcpy(c->lines + c->lines_len, line, len);
	c->lines[c->lines_len + len] = '\0';
	c->lines_len += len + 1;
	return c->n >= ING_CHUNK_LINES || c->lines_len >= ING_CHUNK_BYTES;
}

void ing_chunk_reset(struct ing_chunk *c)
{
	for (size_t i = 0; i < c->n; i++) {
		ev_clear(&c->items[i].ev);
		ev_alert_clear(&c->items[i].al);
		free(c->items[i].err);
	}
	c->n = 0;
	c->lines_len = 0;
	db_copy_reset(&c->tails);
	c->done = 0;
}

void ing_chunk_free(struct ing_chunk *c)
{
	ing_chunk_reset(c);
	free(c->items);
	free(c->lines);
	db_copy_free(&c->tails);
	memset(c, 0, sizeof *c);
}

static int is_blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return 0;
	return 1;
}

static void parse_chunk(struct ing_chunk *c)
{
	char err[512];
	for (size_t i = 0; i < c->n; i++) {
		struct ing_item *it = &c->items[i];
		const char *line = c->lines + it->line_off;
		if (is_blank(line, it->line_len)) {
			it->blank = 1;
			continue;
		}
		err[0] = '\0';
		it->res = ll_parse(line, it->line_len, &it->ev, &it->al, err, sizeof err);
		it->key = ll_dedup_key(line, it->line_len);
		if (it->res == LL_ERROR) {
			it->err = strdup(err[0] != '\0' ? err : "bad line");
			if (it->err == NULL)
				abort();
		} else if (it->res == LL_EVENT) {
			it->tail_off = c->tails.len;
			db_event_encode_tail(&c->tails, &it->ev);
			it->tail_len = c->tails.len - it->tail_off;
		}
	}
}

struct ing_pool {
	pthread_mutex_t mu;
	pthread_cond_t work, done;
	struct ing_chunk **q;      /* FIFO of submitted chunks */
	size_t qhead, qlen, qcap;
	int stop;
	int n;
	pthread_t th[];
};

static void *parser(void *arg)
{
	struct ing_pool *p = arg;
	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (p->qlen == 0 && !p->stop)
			pthread_cond_wait(&p->work, &p->mu);
		if (p->qlen == 0)
			break;
		struct ing_chunk *c = p->q[p->qhead];
		p->qhead = (p->qhead + 1) % p->qcap;
		p->qlen--;
		pthread_mutex_unlock(&p->mu);
		parse_chunk(c);
		pthread_mutex_lock(&p->mu);
		c->done = 1;
		pthread_cond_broadcast(&p->done);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

struct ing_pool *ing_pool_new(int nthreads)
{
	if (nthreads < 1)
		nthreads = 1;
	struct ing_pool *p = calloc(1, sizeof *p + (size_t)nthreads * sizeof p->th[0]);
	if (p == NULL)
		abort();
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->done, NULL);
	p->qcap = 64;
	p->q = calloc(p->qcap, sizeof *p->q);
	if (p->q == NULL)
		abort();
	for (int i = 0; i < nthreads; i++) {
		if (pthread_create(&p->th[i], NULL, parser, p) != 0)
			break;
		p->n++;
	}
	if (p->n == 0) {
		ing_pool_free(p);
		return NULL;
	}
	return p;
}

void ing_pool_submit(struct ing_pool *p, struct ing_chunk *c)
{
	pthread_mutex_lock(&p->mu);
	if (p->qlen == p->qcap) {
		struct ing_chunk **q = calloc(p->qcap * 2, sizeof *q);
		if (q == NULL)
			abort();
		for (size_t i = 0; i < p->qlen; i++)
			q[i] = p->q[(p->qhead + i) % p->qcap];
		free(p->q);
		p->q = q;
		p->qhead = 0;
		p->qcap *= 2;
	}
	c->done = 0;
	p->q[(p->qhead + p->qlen) % p->qcap] = c;
	p->qlen++;
	pthread_cond_signal(&p->work);
	pthread_mutex_unlock(&p->mu);
}

void ing_pool_wait(struct ing_pool *p, struct ing_chunk *c)
{
	pthread_mutex_lock(&p->mu);
	while (!c->done)
		pthread_cond_wait(&p->done, &p->mu);
	pthread_mutex_unlock(&p->mu);
}

void ing_pool_free(struct ing_pool *p)
{
	if (p == NULL)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = 1;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->mu);
	for (int i = 0; i < p->n; i++)
		pthread_join(p->th[i], NULL);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->done);
	free(p->q);
	free(p);
}
