/* arena.c - jansson's allocator for itrace-ingest: a bump arena per chunk
 * while a parser thread parses it; see ingest.h.
 *
 * Parsing a JSON line with jansson allocates a node per value and frees
 * them all a moment later; malloc and free were a quarter of the parser
 * threads' time. While a chunk is parsed, jansson allocates from that
 * chunk's arena and frees are no-ops; the arena is emptied when the chunk
 * is parsed again (after its results, which may hold jansson values, were
 * released). Everywhere else jansson gets malloc. Every block carries a
 * header saying which, so a free never needs to know where it runs. */
#include "ingest/ingest.h"

#include <jansson.h>
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#define HDR 16                       /* keeps max_align_t alignment */
#define FROM_HEAP UINT64_C(0x68656170)   /* "heap" */
#define FROM_ARENA UINT64_C(0x6172656e)  /* "aren" */
#define BLOCK (1u << 20)

struct ablock {
	struct ablock *next;
	size_t size, used;
	alignas(16) unsigned char data[];
};

static _Thread_local struct ing_arena *current;

static void *ja_malloc(size_t n)
{
	unsigned char *p;
	uint64_t tag;
	if (current != NULL) {
		p = ing_arena_alloc(current, n + HDR);
		tag = FROM_ARENA;
	} else {
		p = malloc(n + HDR);
		if (p == NULL)
			return NULL;
		tag = FROM_HEAP;
	}
	memcpy(p, &tag, sizeof tag);
	return p + HDR;
}

static void ja_free(void *ptr)
{
	if (ptr == NULL)
		return;
	unsigned char *p = (unsigned char *)ptr - HDR;
	uint64_t tag;
	memcpy(&tag, p, sizeof tag);
	if (tag == FROM_HEAP)
		free(p);
	/* FROM_ARENA: released with the whole arena. */
}

void ing_json_alloc_init(void)
{
	json_set_alloc_funcs(ja_malloc, ja_free);
}

void ing_arena_use(struct ing_arena *a)
{
	current = a;
}

void *ing_arena_alloc(struct ing_arena *a, size_t n)
{
	n = (n + 15) & ~(size_t)15;
	struct ablock *b = a->cur;
	while (b != NULL && b->size - b->used < n)
		b = b->next;            /* a later block kept from before */
	if (b == NULL) {
		size_t size = n > BLOCK ? n : BLOCK;
		b = malloc(sizeof *b + size);
		if (b == NULL)
			abort();
		b->size = size;
		b->used = 0;
		/* Append after cur so the blocks keep being used in order. */
		if (a->cur == NULL) {
			b->next = a->first;
			a->first = b;
		} else {
			b->next = a->cur->next;
			a->cur->next = b;
		}
	}
	a->cur = b;
	void *p = b->data + b->used;
	b->used += n;
	return p;
}

void ing_arena_reset(struct ing_arena *a)
{
	for (struct ablock *b = a->first; b != NULL; b = b->next)
		b->used = 0;
	a->cur = a->first;
}

void ing_arena_free(struct ing_arena *a)
{
	struct ablock *b = a->first;
	while (b != NULL) {
		struct ablock *next = b->next;
		free(b);
		b = next;
	}
	a->first = a->cur = NULL;
}
