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
	if (c->n >= c->nres) {
		/* A slot that never held results. */
		memset(&c->items[c->n], 0, sizeof c->items[c->n]);
		ev_init(&c->items[c->n].ev);
	}
	struct ing_item *it = &c->items[c->n++];
	it->line_off = c->lines_len;
	it->line_len = len;
	memcpy(c->lines + c->lines_len, line, len);
	c->lines[c->lines_len + len] = '\0';
	c->lines_len += len + 1;
	return c->n >= ING_CHUNK_LINES || c->lines_len >= ING_CHUNK_BYTES;
}

static void free_results(struct ing_chunk *c)
{
	for (size_t i = 0; i < c->nres; i++) {
		ev_clear(&c->items[i].ev);
		ev_alert_clear(&c->items[i].al);
		free(c->items[i].err);
		c->items[i].err = NULL;
	}
	c->nres = 0;
}

void ing_chunk_reset(struct ing_chunk *c)
{
	c->n = 0;
	c->lines_len = 0;
	c->done = 0;
}

void ing_chunk_free(struct ing_chunk *c)
{
	free_results(c);
	ing_arena_free(&c->arena);
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

/* Free what the main thread does not read once the event is encoded:
 * every string but those of ING_EV_KEPT. Freed here, right after they
 * were allocated, the blocks go back to this thread's malloc cache and
 * serve the next line; freed in bulk when the chunk is parsed again, they
 * overflowed it and malloc and free were a tenth of the parser's time. */
static void slim(struct ev *e)
{
	char **strs[] = {
		&e->proc_guid, &e->user, &e->integrity, &e->parent_guid,
		&e->parent_image, &e->parent_cmdline, &e->details, &e->proto,
		&e->remote_ip, &e->local_ip, &e->sha256, &e->sha1, &e->md5,
		&e->imphash, &e->signature, &e->original_file_name, &e->company,
		&e->description, &e->product,
	};
	for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
		free(*strs[i]);
		*strs[i] = NULL;
	}
	json_decref(e->extra);
	e->extra = NULL;
}

static void parse_chunk(struct ing_chunk *c)
{
	char err[512];
	free_results(c);
	ing_arena_reset(&c->arena);
	ing_arena_use(&c->arena);
	db_copy_reset(&c->tails);
	for (size_t i = 0; i < c->n; i++) {
		struct ing_item *it = &c->items[i];
		it->blank = 0;
		it->key = 0;
		it->tail_off = it->tail_len = 0;
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
			it->tail_mid = db_event_encode_tail(&c->tails, &it->ev);
			it->tail_len = c->tails.len - it->tail_off;
			slim(&it->ev);
		}
	}
	c->nres = c->n;
	ing_arena_use(NULL);
}

struct pq {                    /* one parser thread's FIFO */
	struct ing_chunk **q;
	size_t head, len, cap;
	pthread_t th;
	struct ing_pool *pool;
};

struct ing_pool {
	pthread_mutex_t mu;
	pthread_cond_t work, done;
	int stop;
	int n;
	struct pq w[];
};

static void *parser(void *arg)
{
	struct pq *w = arg;
	struct ing_pool *p = w->pool;
	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (w->len == 0 && !p->stop)
			pthread_cond_wait(&p->work, &p->mu);
		if (w->len == 0)
			break;
		struct ing_chunk *c = w->q[w->head];
		w->head = (w->head + 1) % w->cap;
		w->len--;
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
	struct ing_pool *p = calloc(1, sizeof *p + (size_t)nthreads * sizeof p->w[0]);
	if (p == NULL)
		abort();
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->done, NULL);
	for (int i = 0; i < nthreads; i++) {
		struct pq *w = &p->w[i];
		w->pool = p;
		w->cap = 16;
		w->q = calloc(w->cap, sizeof *w->q);
		if (w->q == NULL)
			abort();
		if (pthread_create(&w->th, NULL, parser, w) != 0) {
			free(w->q);
			w->q = NULL;
			break;
		}
		p->n++;
	}
	if (p->n == 0) {
		ing_pool_free(p);
		return NULL;
	}
	return p;
}

int ing_pool_threads(const struct ing_pool *p)
{
	return p->n;
}

void ing_pool_submit(struct ing_pool *p, struct ing_chunk *c)
{
	pthread_mutex_lock(&p->mu);
	struct pq *w = &p->w[(unsigned)c->owner % (unsigned)p->n];
	if (w->len == w->cap) {
		struct ing_chunk **q = calloc(w->cap * 2, sizeof *q);
		if (q == NULL)
			abort();
		for (size_t i = 0; i < w->len; i++)
			q[i] = w->q[(w->head + i) % w->cap];
		free(w->q);
		w->q = q;
		w->head = 0;
		w->cap *= 2;
	}
	c->done = 0;
	w->q[(w->head + w->len) % w->cap] = c;
	w->len++;
	/* Every thread waits on the one condition: wake them all, the one
	 * whose queue grew takes it. */
	pthread_cond_broadcast(&p->work);
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
	for (int i = 0; i < p->n; i++) {
		pthread_join(p->w[i].th, NULL);
		free(p->w[i].q);
	}
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->done);
	free(p);
}
