/* occ.c - occurrence-numbered dedup keys over a sliding window of lines;
 * see ingest.h. */
#include "ingest/ingest.h"

#include <stdlib.h>
#include <string.h>

#define MAP_CAP (ING_OCC_WINDOW * 2)   /* power of two, load <= 1/2 */

struct occ_slot {
	uint64_t key;
	uint32_t count;     /* 0: empty */
};

struct ing_occ {
	uint64_t ring[ING_OCC_WINDOW];
	size_t head, n;
	struct occ_slot map[MAP_CAP];
};

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= UINT64_C(0xBF58476D1CE4E5B9);
	x ^= x >> 27;
	x *= UINT64_C(0x94D049BB133111EB);
	x ^= x >> 31;
	return x;
}

struct ing_occ *ing_occ_new(void)
{
	struct ing_occ *o = calloc(1, sizeof *o);
	if (o == NULL)
		abort();
	return o;
}

void ing_occ_free(struct ing_occ *o)
{
	free(o);
}

void ing_occ_reset(struct ing_occ *o)
{
	memset(o, 0, sizeof *o);
}

static size_t find(const struct ing_occ *o, uint64_t key)
{
	size_t i = (size_t)mix64(key) & (MAP_CAP - 1);
	while (o->map[i].count != 0 && o->map[i].key != key)
		i = (i + 1) & (MAP_CAP - 1);
	return i;
}

/* Remove one occurrence of key; deletes the slot at zero with backward
 * shifting so probe chains stay intact. */
static void drop(struct ing_occ *o, uint64_t key)
{
	size_t i = find(o, key);
	if (o->map[i].count == 0)
		return;
	if (--o->map[i].count != 0)
		return;
	size_t j = i;
	for (;;) {
		j = (j + 1) & (MAP_CAP - 1);
		if (o->map[j].count == 0)
			break;
		size_t home = (size_t)mix64(o->map[j].key) & (MAP_CAP - 1);
		/* Move j into the hole at i unless its home lies in (i, j]. */
		int in_range = i <= j ? (home > i && home <= j) : (home > i || home <= j);
		if (!in_range) {
			o->map[i] = o->map[j];
			o->map[j].count = 0;
			i = j;
		}
	}
	o->map[i].count = 0;
}

int64_t ing_occ_key(struct ing_occ *o, int64_t line_key)
{
	uint64_t k = (uint64_t)line_key;
	size_t i = find(o, k);
	uint32_t before = o->map[i].count;
	o->map[i].key = k;
	o->map[i].count = before + 1;
	if (o->n == ING_OCC_WINDOW) {
		uint64_t old = o->ring[o->head];
		o->ring[o->head] = k;
		o->head = (o->head + 1) % ING_OCC_WINDOW;
		drop(o, old);
	} else {
		o->ring[(o->head + o->n) % ING_OCC_WINDOW] = k;
		o->n++;
	}
	if (before == 0)
		return line_key;
	return (int64_t)mix64(k + (uint64_t)before * UINT64_C(0x9E3779B97F4A7C15));
}
