/* ptree.c - process tree from events; see ptree.h.
 *
 * Building is five passes over the events:
 *   A. Sysmon process starts (GUID present) make STARTED nodes;
 *   B. every other event with a GUID names its acting process: alias,
 *      exit time, first-seen time, or a SEEN node when it had no start;
 *   C. GUID-less process starts (Security 4688) merge into a STARTED node
 *      of the same pid and image, else become key-0 nodes;
 *   D. each process start links its node to the parent named by its
 *      parent fields, synthesizing a PARENT_ONLY node when that parent is
 *      unknown; a link that would close a cycle is dropped;
 *   E. children lists, ordered by start time (first-seen when no start).
 */
#include "core/ptree.h"

#include <stdlib.h>
#include <string.h>

/* Fill *dst from src when *dst is absent (or "-", Sysmon's blank). */
static int fill(char **dst, const char *src)
{
	if (src == NULL || src[0] == '\0')
		return 0;
	if (*dst != NULL && (*dst)[0] != '\0' && strcmp(*dst, "-") != 0)
		return 0;
	char *c = strdup(src);
	if (c == NULL)
		return -1;
	free(*dst);
	*dst = c;
	return 0;
}

static int ascii_casecmp(const char *a, const char *b)
{
	for (;; a++, b++) {
		int ca = (unsigned char)*a, cb = (unsigned char)*b;
		if (ca >= 'A' && ca <= 'Z')
			ca += 'a' - 'A';
		if (cb >= 'A' && cb <= 'Z')
			cb += 'a' - 'A';
		if (ca != cb || ca == 0)
			return ca - cb;
	}
}

static size_t hash_key(int64_t key, size_t mask)
{
	uint64_t h = (uint64_t)key * 0x9E3779B97F4A7C15ull;
	return (size_t)(h >> 17) & mask;
}

static void slots_insert(struct ptree *t, size_t idx)
{
	size_t mask = t->n_slots - 1;
	size_t h = hash_key(t->nodes[idx].key, mask);
	for (;;) {
		long s = t->slots[h];
		if (s < 0 || t->nodes[s].key == t->nodes[idx].key) {
			t->nodes[idx].next_same_key = s;
			t->slots[h] = (long)idx;
			return;
		}
		h = (h + 1) & mask;
	}
}

static int rehash(struct ptree *t, size_t want)
{
	size_t ns = 64;
	while (ns < want * 2)
		ns *= 2;
	long *s = malloc(ns * sizeof *s);
	if (s == NULL)
		return -1;
	for (size_t i = 0; i < ns; i++)
		s[i] = -1;
	free(t->slots);
	t->slots = s;
	t->n_slots = ns;
	for (size_t i = 0; i < t->n; i++)
		slots_insert(t, i);
	return 0;
}

/* First node of the chain of one key (newest first), or -1. */
static long chain_head(const struct ptree *t, int64_t key)
{
	if (t == NULL || t->n_slots == 0)
		return -1;
	size_t mask = t->n_slots - 1;
	size_t h = hash_key(key, mask);
	for (;;) {
		long s = t->slots[h];
		if (s < 0 || t->nodes[s].key == key)
			return s;
		h = (h + 1) & mask;
	}
}

long ptree_find(const struct ptree *t, int64_t key, int64_t pid)
{
	long found = -1;
	for (long i = chain_head(t, key); i >= 0; i = t->nodes[i].next_same_key) {
		if (pid < 0 || t->nodes[i].pid == pid)
			found = i;      /* chains run newest first: keep the oldest */
	}
	return found;
}

long ptree_find_guid(const struct ptree *t, const char *guid, int64_t pid)
{
	int64_t key = ev_guid_prefix(guid);
	return key != 0 ? ptree_find(t, key, pid) : -1;
}

/* New node (key, pid) appended; returns its index or -1. */
static long add_node(struct ptree *t, int64_t key, int64_t pid,
                     enum pt_known known)
{
	if (t->n == t->cap) {
		size_t nc = t->cap ? t->cap * 2 : 64;
		struct pt_node *nn = realloc(t->nodes, nc * sizeof *nn);
		if (nn == NULL)
			return -1;
		t->nodes = nn;
		t->cap = nc;
	}
	if ((t->n + 1) * 2 > t->n_slots && rehash(t, t->n + 1) < 0)
		return -1;
	struct pt_node *p = &t->nodes[t->n];
	memset(p, 0, sizeof *p);
	p->key = key;
	p->pid = pid;
	p->start_us = p->end_us = p->first_us = PT_NONE;
	p->known = known;
	p->parent = -1;
	slots_insert(t, t->n);
	return (long)t->n++;
}

static int add_alias(struct pt_node *p, const char *raw_guid)
{
	char *g = ev_guid_canon(raw_guid);
	if (g == NULL)
		return 0;
	for (size_t i = 0; i < p->n_aliases; i++) {
		if (strcmp(p->aliases[i], g) == 0) {
			free(g);
			return 0;
		}
	}
	char **na = realloc(p->aliases, (p->n_aliases + 1) * sizeof *na);
	if (na == NULL) {
		free(g);
		return -1;
	}
	p->aliases = na;
	p->aliases[p->n_aliases++] = g;
	if (p->guid == NULL) {
		p->guid = strdup(g);
		if (p->guid == NULL)
			return -1;
	}
	return 0;
}

/* Make the start's GUID the node's main GUID and first alias. */
static int set_main_guid(struct pt_node *p, const char *raw_guid)
{
	char *g = ev_guid_canon(raw_guid);
	if (g == NULL)
		return 0;
	if (p->guid != NULL && strcmp(p->guid, g) == 0) {
		free(g);
		return 0;
	}
	if (add_alias(p, raw_guid) < 0) {
		free(g);
		return -1;
	}
	for (size_t i = 0; i < p->n_aliases; i++) {
		if (strcmp(p->aliases[i], g) == 0 && i > 0) {
			char *tmp = p->aliases[0];
			p->aliases[0] = p->aliases[i];
			p->aliases[i] = tmp;
		}
	}
	free(p->guid);
	p->guid = g;
	return 0;
}

static void see_time(struct pt_node *p, int64_t ts)
{
	if (p->first_us == PT_NONE || ts < p->first_us)
		p->first_us = ts;
}

static int take_start(struct pt_node *p, const struct ev *e)
{
	if (p->start_us == PT_NONE || e->ts_us < p->start_us)
		p->start_us = e->ts_us;
	see_time(p, e->ts_us);
	p->known = PT_STARTED;
	if (fill(&p->image, e->image) < 0 || fill(&p->cmdline, e->cmdline) < 0 ||
	    fill(&p->user, e->user) < 0 || fill(&p->integrity, e->integrity) < 0 ||
	    fill(&p->sha256, e->sha256) < 0)
		return -1;
	return 0;
}

/* Pass A: Sysmon starts. */
static int pass_starts(struct ptree *t, const struct ev *evs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct ev *e = &evs[i];
		if (e->kind != EV_PROCESS_START)
			continue;
		int64_t key = ev_guid_prefix(e->proc_guid);
		if (key == 0)
			continue;
		long x = ptree_find(t, key, e->pid);
		if (x < 0 || (e->pid >= 0 && t->nodes[x].pid != e->pid))
			x = add_node(t, key, e->pid, PT_STARTED);
		if (x < 0)
			return -1;
		struct pt_node *p = &t->nodes[x];
		int first = p->start_us == PT_NONE || e->ts_us < p->start_us;
		if ((first ? set_main_guid(p, e->proc_guid) : add_alias(p, e->proc_guid)) < 0 ||
		    take_start(p, e) < 0)
			return -1;
	}
	return 0;
}

/* Pass B: the acting process of every other event with a GUID. */
static int pass_seen(struct ptree *t, const struct ev *evs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct ev *e = &evs[i];
		if (e->kind == EV_PROCESS_START)
			continue;
		int64_t key = ev_guid_prefix(e->proc_guid);
		if (key == 0)
			continue;
		long x = ptree_find(t, key, e->pid);
		if (x < 0) {
			x = add_node(t, key, e->pid, PT_SEEN);
			if (x < 0)
				return -1;
		}
		struct pt_node *p = &t->nodes[x];
		if (add_alias(p, e->proc_guid) < 0 || fill(&p->image, e->image) < 0)
			return -1;
		if (p->known == PT_SEEN && (fill(&p->user, e->user) < 0 ||
		                            fill(&p->cmdline, e->cmdline) < 0))
			return -1;
		see_time(p, e->ts_us);
		if (e->kind == EV_PROCESS_END &&
		    (p->end_us == PT_NONE || e->ts_us > p->end_us))
			p->end_us = e->ts_us;
	}
	return 0;
}

/* A STARTED node with a GUID that a GUID-less start duplicates. */
static long twin_of(const struct ptree *t, const struct ev *e)
{
	if (e->pid < 0 || e->image == NULL)
		return -1;
	for (size_t i = 0; i < t->n; i++) {
		const struct pt_node *p = &t->nodes[i];
		if (p->key != 0 && p->pid == e->pid && p->known == PT_STARTED &&
		    p->image != NULL && ascii_casecmp(p->image, e->image) == 0)
			return (long)i;
	}
	return -1;
}

/* Key-0 node of a GUID-less start: same pid and image, else new. */
static long guidless_node(struct ptree *t, const struct ev *e, int create)
{
	long twin = twin_of(t, e);
	if (twin >= 0)
		return twin;
	for (long i = chain_head(t, 0); i >= 0; i = t->nodes[i].next_same_key) {
		const struct pt_node *p = &t->nodes[i];
		if (p->pid == e->pid && (e->image == NULL || p->image == NULL ||
		                         ascii_casecmp(p->image, e->image) == 0))
			return i;
	}
	return create ? add_node(t, 0, e->pid, PT_STARTED) : -1;
}

/* Pass C: GUID-less starts. Returns -1 on allocation failure. */
static int pass_guidless(struct ptree *t, const struct ev *evs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct ev *e = &evs[i];
		if (e->kind != EV_PROCESS_START || ev_guid_prefix(e->proc_guid) != 0)
			continue;
		if (e->pid < 0)
			continue;
		long x = guidless_node(t, e, 1);
		if (x < 0)
			return -1;
		if (t->nodes[x].key == 0 && take_start(&t->nodes[x], e) < 0)
			return -1;
	}
	return 0;
}

static int would_cycle(const struct ptree *t, size_t child, size_t parent)
{
	size_t steps = 0;
	for (long p = (long)parent; p >= 0; p = t->nodes[p].parent) {
		if ((size_t)p == child || ++steps > t->n)
			return 1;
	}
	return 0;
}

/* A GUID-less parent by pid: the latest start at or before the child's. */
static long parent_by_pid(const struct ptree *t, int64_t ppid, int64_t child_ts)
{
	long best = -1;
	for (size_t i = 0; i < t->n; i++) {
		const struct pt_node *p = &t->nodes[i];
		if (p->pid != ppid)
			continue;
		if (p->start_us != PT_NONE && child_ts != PT_NONE && p->start_us > child_ts)
			continue;
		if (best < 0 || (p->start_us != PT_NONE &&
		                 (t->nodes[best].start_us == PT_NONE ||
		                  p->start_us > t->nodes[best].start_us)))
			best = (long)i;
	}
	return best;
}

/* Pass D: parent links. */
static int pass_parents(struct ptree *t, const struct ev *evs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct ev *e = &evs[i];
		if (e->kind != EV_PROCESS_START)
			continue;
		long c;
		int64_t ckey = ev_guid_prefix(e->proc_guid);
		if (ckey != 0) {
			c = ptree_find(t, ckey, e->pid);
		} else {
			if (e->pid < 0)
				continue;
			c = guidless_node(t, e, 0);
			if (c >= 0 && t->nodes[c].key != 0)
				continue;       /* merged into a Sysmon start */
		}
		if (c < 0 || t->nodes[c].parent >= 0 || t->nodes[c].cycle)
			continue;
		int64_t pkey = ev_guid_prefix(e->parent_guid);
		long p = -1;
		if (pkey != 0) {
			p = ptree_find(t, pkey, e->parent_pid);
			if (p >= 0 && e->parent_pid >= 0 && t->nodes[p].pid != e->parent_pid)
				p = -1;
			if (p < 0) {
				p = add_node(t, pkey, e->parent_pid, PT_PARENT_ONLY);
				if (p < 0 || add_alias(&t->nodes[p], e->parent_guid) < 0)
					return -1;
			} else if (add_alias(&t->nodes[p], e->parent_guid) < 0) {
				return -1;
			}
		} else if (e->parent_pid >= 0) {
			p = parent_by_pid(t, e->parent_pid, t->nodes[c].start_us);
			if (p < 0 && (e->parent_image != NULL || e->parent_pid > 0)) {
				p = add_node(t, 0, e->parent_pid, PT_PARENT_ONLY);
				if (p < 0)
					return -1;
			}
		}
		if (p < 0)
			continue;
		struct pt_node *pn = &t->nodes[p];
		if (fill(&pn->image, e->parent_image) < 0 ||
		    fill(&pn->cmdline, e->parent_cmdline) < 0)
			return -1;
		if (would_cycle(t, (size_t)c, (size_t)p))
			t->nodes[c].cycle = 1;
		else
			t->nodes[c].parent = p;
	}
	return 0;
}

struct child_sort {
	int64_t when;
	int64_t pid;
	size_t idx;
};

static int cmp_child(const void *a, const void *b)
{
	const struct child_sort *x = a, *y = b;
	if (x->when != y->when)
		return x->when < y->when ? -1 : 1;
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int64_t order_time(const struct pt_node *p)
{
	return p->start_us != PT_NONE ? p->start_us : p->first_us;
}

/* Pass E: children lists, by start time. */
static int pass_children(struct ptree *t)
{
	size_t linked = 0;
	for (size_t i = 0; i < t->n; i++)
		linked += t->nodes[i].parent >= 0;
	if (linked == 0)
		return 0;
	struct child_sort *all = malloc(linked * sizeof *all);
	t->child_buf = malloc(linked * sizeof *t->child_buf);
	if (all == NULL || t->child_buf == NULL) {
		free(all);
		return -1;
	}
	size_t k = 0;
	for (size_t i = 0; i < t->n; i++) {
		const struct pt_node *p = &t->nodes[i];
		if (p->parent >= 0) {
			all[k].when = order_time(p);
			all[k].pid = p->pid;
			all[k].idx = i;
			t->nodes[p->parent].n_children++;
			k++;
		}
	}
	qsort(all, linked, sizeof *all, cmp_child);
	size_t off = 0;
	for (size_t i = 0; i < t->n; i++) {
		t->nodes[i].children = t->child_buf + off;
		off += t->nodes[i].n_children;
		t->nodes[i].n_children = 0;
	}
	for (size_t j = 0; j < linked; j++) {
		struct pt_node *par = &t->nodes[t->nodes[all[j].idx].parent];
		par->children[par->n_children++] = all[j].idx;
	}
	free(all);
	return 0;
}

struct ptree *ptree_build(const struct ev *evs, size_t n)
{
	struct ptree *t = calloc(1, sizeof *t);
	if (t == NULL)
		return NULL;
	if (rehash(t, 32) < 0 || pass_starts(t, evs, n) < 0 ||
	    pass_seen(t, evs, n) < 0 || pass_guidless(t, evs, n) < 0 ||
	    pass_parents(t, evs, n) < 0 || pass_children(t) < 0) {
		ptree_free(t);
		return NULL;
	}
	return t;
}

void ptree_free(struct ptree *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->n; i++) {
		struct pt_node *p = &t->nodes[i];
		for (size_t j = 0; j < p->n_aliases; j++)
			free(p->aliases[j]);
		free(p->aliases);
		free(p->guid);
		free(p->image);
		free(p->cmdline);
		free(p->user);
		free(p->integrity);
		free(p->sha256);
	}
	free(t->nodes);
	free(t->slots);
	free(t->child_buf);
	free(t);
}

long ptree_of_event(const struct ptree *t, const struct ev *e)
{
	int64_t key = ev_guid_prefix(e->proc_guid);
	if (key != 0)
		return ptree_find(t, key, e->pid);
	if (e->pid < 0)
		return -1;
	if (e->kind == EV_PROCESS_START) {
		long twin = twin_of(t, e);
		if (twin >= 0)
			return twin;
	}
	return ptree_find(t, 0, e->pid);
}

int ptree_ancestors(const struct ptree *t, size_t i, size_t **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	size_t cnt = 0;
	for (long p = t->nodes[i].parent; p >= 0 && cnt < t->n; p = t->nodes[p].parent)
		cnt++;
	if (cnt == 0)
		return 0;
	size_t *a = malloc(cnt * sizeof *a);
	if (a == NULL)
		return -1;
	size_t k = cnt;
	for (long p = t->nodes[i].parent; p >= 0 && k > 0; p = t->nodes[p].parent)
		a[--k] = (size_t)p;
	*out = a;
	*n = cnt;
	return 0;
}

int ptree_descendants(const struct ptree *t, size_t i, struct pt_desc **out,
                      size_t *n)
{
	*out = NULL;
	*n = 0;
	if (t->nodes[i].n_children == 0)
		return 0;
	unsigned char *seen = calloc(t->n, 1);
	struct pt_desc *stack = malloc(t->n * sizeof *stack);
	struct pt_desc *res = malloc(t->n * sizeof *res);
	if (seen == NULL || stack == NULL || res == NULL) {
		free(seen);
		free(stack);
		free(res);
		return -1;
	}
	size_t sp = 0, k = 0;
	seen[i] = 1;
	const struct pt_node *root = &t->nodes[i];
	for (size_t c = root->n_children; c > 0; c--) {
		size_t ch = root->children[c - 1];
		if (!seen[ch]) {
			seen[ch] = 1;
			stack[sp++] = (struct pt_desc){ch, 1};
		}
	}
	while (sp > 0) {
		struct pt_desc d = stack[--sp];
		res[k++] = d;
		const struct pt_node *p = &t->nodes[d.node];
		for (size_t c = p->n_children; c > 0; c--) {
			size_t ch = p->children[c - 1];
			if (!seen[ch]) {
				seen[ch] = 1;
				stack[sp++] = (struct pt_desc){ch, d.depth + 1};
			}
		}
	}
	free(seen);
	free(stack);
	*out = res;
	*n = k;
	return 0;
}
