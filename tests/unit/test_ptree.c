/* test_ptree.c - process tree: aliasing, pid reuse, missing parents,
 * cycles, deep chains, ordering, GUID-less (4688) starts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/ptree.h"

/* A GUID whose prefix is (a, b, c) and whose last groups are (d, e). */
static char *guid(unsigned a, unsigned b, unsigned c, unsigned d, unsigned long long e)
{
	char *s = malloc(40);
	snprintf(s, 40, "{%08X-%04x-%04x-%04x-%012llx}", a, b & 0xFFFFu, c & 0xFFFFu,
	         d & 0xFFFFu, e);
	return s;
}

struct evs {
	struct ev *v;
	size_t n, cap;
};

static struct ev *push(struct evs *s, enum ev_kind k, int64_t ts)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 16;
		s->v = realloc(s->v, s->cap * sizeof *s->v);
	}
	struct ev *e = &s->v[s->n++];
	ev_init(e);
	e->kind = k;
	e->ts_us = ts;
	return e;
}

static void evs_free(struct evs *s)
{
	for (size_t i = 0; i < s->n; i++)
		ev_clear(&s->v[i]);
	free(s->v);
	memset(s, 0, sizeof *s);
}

static void start(struct evs *s, int64_t ts, char *g, int64_t pid, const char *img,
                  char *pg, int64_t ppid, const char *pimg)
{
	struct ev *e = push(s, EV_PROCESS_START, ts);
	e->proc_guid = g;
	e->pid = pid;
	e->image = img ? strdup(img) : NULL;
	e->cmdline = img ? strdup(img) : NULL;
	e->parent_guid = pg;
	e->parent_pid = ppid;
	e->parent_image = pimg ? strdup(pimg) : NULL;
}

static void act(struct evs *s, enum ev_kind k, int64_t ts, char *g, int64_t pid,
                const char *img)
{
	struct ev *e = push(s, k, ts);
	e->proc_guid = g;
	e->pid = pid;
	e->image = img ? strdup(img) : NULL;
}

static void test_aliasing(void **state)
{
	(void)state;
	struct evs s = {0};
	/* Parent started with one GUID; its later events and its child's
	 * parent fields carry other last groups (and upper case). */
	start(&s, 1000, guid(0x39e4a257, 0x3a12, 0x5f91, 0xee13, 0x700), 10848,
	      "C:\\Windows\\powershell.exe", NULL, -1, NULL);
	act(&s, EV_FILE_CREATE, 2000, guid(0x39e4a257, 0x3a12, 0x5f91, 0xaaaa, 0x1234), 10848,
	    "C:\\Windows\\powershell.exe");
	start(&s, 3000, guid(0x39e4a257, 0x3a25, 0x5f91, 0xf113, 0x700), 9160,
	      "C:\\Windows\\mshta.exe", guid(0x39E4A257, 0x3A12, 0x5F91, 0xBBBB, 0x99), 10848,
	      "C:\\Windows\\powershell.exe");
	act(&s, EV_PROCESS_END, 4000, guid(0x39e4a257, 0x3a12, 0x5f91, 0xcccc, 0x1), 10848, NULL);

	struct ptree *t = ptree_build(s.v, s.n);
	assert_non_null(t);
	assert_int_equal(t->n, 2);
	long ps = ptree_find_guid(t, "39E4A257-3A12-5F91-0000-000000000000", 10848);
	assert_true(ps >= 0);
	const struct pt_node *p = &t->nodes[ps];
	assert_int_equal(p->known, PT_STARTED);
	assert_int_equal(p->n_aliases, 4);
	assert_string_equal(p->guid, "39e4a257-3a12-5f91-ee13-000000000700");
	assert_string_equal(p->aliases[0], p->guid);
	assert_int_equal(p->start_us, 1000);
	assert_int_equal(p->end_us, 4000);
	assert_int_equal(p->n_children, 1);
	long m = ptree_find_guid(t, "{39e4a257-3a25-5f91-f113-000000000700}", 9160);
	assert_int_equal(t->nodes[m].parent, ps);
	/* Every alias maps to the same node via events. */
	for (size_t i = 0; i < s.n; i++) {
		if (s.v[i].pid == 10848)
			assert_int_equal(ptree_of_event(t, &s.v[i]), ps);
	}
	ptree_free(t);
	evs_free(&s);
}

static void test_pid_reuse(void **state)
{
	(void)state;
	struct evs s = {0};
	/* pid 500 used twice: different GUID prefixes, different processes. */
	start(&s, 100, guid(1, 1, 1, 1, 1), 500, "a.exe", NULL, -1, NULL);
	act(&s, EV_PROCESS_END, 150, guid(1, 1, 1, 9, 9), 500, "a.exe");
	start(&s, 200, guid(1, 2, 2, 1, 1), 500, "b.exe", NULL, -1, NULL);
	start(&s, 300, guid(1, 3, 3, 1, 1), 600, "child-of-b.exe", guid(1, 2, 2, 5, 5), 500, "b.exe");
	start(&s, 120, guid(1, 4, 4, 1, 1), 601, "child-of-a.exe", guid(1, 1, 1, 5, 5), 500, "a.exe");
	/* Same prefix, other pid: also another process. */
	start(&s, 130, guid(1, 1, 1, 2, 2), 700, "same-second.exe", NULL, -1, NULL);

	struct ptree *t = ptree_build(s.v, s.n);
	assert_non_null(t);
	assert_int_equal(t->n, 5);
	long a = ptree_find(t, ev_guid_prefix("00000001-0001-0001-0000-000000000000"), 500);
	long b = ptree_find(t, ev_guid_prefix("00000001-0002-0002-0000-000000000000"), 500);
	long same = ptree_find(t, ev_guid_prefix("00000001-0001-0001-0000-000000000000"), 700);
	assert_true(a >= 0 && b >= 0 && same >= 0 && a != b && a != same);
	assert_string_equal(t->nodes[a].image, "a.exe");
	assert_string_equal(t->nodes[b].image, "b.exe");
	assert_int_equal(t->nodes[a].end_us, 150);
	assert_int_equal(t->nodes[b].end_us, PT_NONE);
	assert_int_equal(t->nodes[a].n_children, 1);
	assert_string_equal(t->nodes[t->nodes[a].children[0]].image, "child-of-a.exe");
	assert_int_equal(t->nodes[b].n_children, 1);
	assert_string_equal(t->nodes[t->nodes[b].children[0]].image, "child-of-b.exe");
	ptree_free(t);
	evs_free(&s);
}

static void test_missing_parents(void **state)
{
	(void)state;
	struct evs s = {0};
	/* explorer never started in the data: known from the child only. */
	start(&s, 1000, guid(2, 1, 1, 1, 1), 6740, "C:\\dl\\happy.exe",
	      guid(2, 9, 9, 1, 1), 4668, "C:\\Windows\\explorer.exe");
	s.v[s.n - 1].parent_cmdline = strdup("C:\\Windows\\Explorer.EXE");
	start(&s, 2000, guid(2, 1, 2, 1, 1), 6984, "payload.exe", guid(2, 1, 1, 7, 7), 6740,
	      "C:\\dl\\happy.exe");
	/* A writer with events but no start. */
	act(&s, EV_FILE_CREATE, 500, guid(2, 5, 5, 1, 1), 4, "System");
	/* A child with no parent fields at all. */
	start(&s, 3000, guid(2, 6, 6, 1, 1), 77, "orphan.exe", NULL, -1, NULL);

	struct ptree *t = ptree_build(s.v, s.n);
	assert_non_null(t);
	long pay = ptree_find(t, ev_guid_prefix("00000002-0001-0002-0000-000000000000"), 6984);
	assert_true(pay >= 0);
	size_t *anc, na;
	assert_int_equal(ptree_ancestors(t, (size_t)pay, &anc, &na), 0);
	assert_int_equal(na, 2);
	const struct pt_node *ex = &t->nodes[anc[0]];
	assert_int_equal(ex->known, PT_PARENT_ONLY);
	assert_int_equal(ex->pid, 4668);
	assert_string_equal(ex->image, "C:\\Windows\\explorer.exe");
	assert_string_equal(ex->cmdline, "C:\\Windows\\Explorer.EXE");
	assert_string_equal(ex->guid, "00000002-0009-0009-0001-000000000001");
	assert_int_equal(ex->start_us, PT_NONE);
	assert_int_equal(t->nodes[anc[1]].known, PT_STARTED);
	assert_int_equal(t->nodes[anc[1]].pid, 6740);
	free(anc);
	long sys = ptree_find(t, ev_guid_prefix("00000002-0005-0005-0000-000000000000"), 4);
	assert_true(sys >= 0);
	assert_int_equal(t->nodes[sys].known, PT_SEEN);
	assert_string_equal(t->nodes[sys].image, "System");
	assert_int_equal(t->nodes[sys].first_us, 500);
	long orph = ptree_find(t, ev_guid_prefix("00000002-0006-0006-0000-000000000000"), 77);
	assert_int_equal(t->nodes[orph].parent, -1);
	assert_int_equal(ptree_ancestors(t, (size_t)orph, &anc, &na), 0);
	assert_int_equal(na, 0);
	assert_null(anc);
	ptree_free(t);
	evs_free(&s);
}

static void test_cycles(void **state)
{
	(void)state;
	struct evs s = {0};
	/* a -> b -> c -> a, and d is its own parent. */
	start(&s, 10, guid(3, 1, 1, 0, 0), 1, "a", guid(3, 3, 3, 0, 0), 3, "c");
	start(&s, 20, guid(3, 2, 2, 0, 0), 2, "b", guid(3, 1, 1, 0, 0), 1, "a");
	start(&s, 30, guid(3, 3, 3, 0, 0), 3, "c", guid(3, 2, 2, 0, 0), 2, "b");
	start(&s, 40, guid(3, 4, 4, 0, 0), 4, "d", guid(3, 4, 4, 0, 0), 4, "d");
	struct ptree *t = ptree_build(s.v, s.n);
	assert_non_null(t);
	assert_int_equal(t->n, 4);
	int cycles = 0;
	for (size_t i = 0; i < t->n; i++) {
		cycles += t->nodes[i].cycle;
		size_t *anc, na;
		struct pt_desc *d;
		size_t nd;
		assert_int_equal(ptree_ancestors(t, i, &anc, &na), 0);
		assert_true(na < t->n);
		free(anc);
		assert_int_equal(ptree_descendants(t, i, &d, &nd), 0);
		assert_true(nd < t->n);
		free(d);
	}
	assert_int_equal(cycles, 2);          /* one in the ring, d itself */
	long d4 = ptree_find(t, ev_guid_prefix("00000003-0004-0004-0000-000000000000"), 4);
	assert_int_equal(t->nodes[d4].parent, -1);
	assert_int_equal(t->nodes[d4].cycle, 1);
	ptree_free(t);
	evs_free(&s);
}

static void test_deep_chain_and_order(void **state)
{
	(void)state;
	struct evs s = {0};
	enum { DEPTH = 20000 };
	/* Input in reverse order: the builder must not depend on it. */
	for (int i = DEPTH - 1; i >= 0; i--)
		start(&s, 1000 + i, guid(4, (unsigned)i, (unsigned)(i >> 16), 0, 0), 10 + i, "x.exe",
		      i ? guid(4, (unsigned)(i - 1), (unsigned)((i - 1) >> 16), 0, 0) : NULL,
		      i ? 10 + i - 1 : -1, "x.exe");
	/* Siblings under the root, out of time order. */
	start(&s, 5, guid(5, 3, 0, 0, 0), 3, "third", guid(4, 0, 0, 0, 0), 10, "x.exe");
	start(&s, 3, guid(5, 1, 0, 0, 0), 1, "first", guid(4, 0, 0, 0, 0), 10, "x.exe");
	start(&s, 4, guid(5, 2, 0, 0, 0), 2, "second", guid(4, 0, 0, 0, 0), 10, "x.exe");
	struct ptree *t = ptree_build(s.v, s.n);
	assert_non_null(t);
	long root = ptree_find(t, ev_guid_prefix("00000004-0000-0000-0000-000000000000"), 10);
	long leaf = ptree_find(t, ev_guid_prefix(s.v[0].proc_guid), 10 + DEPTH - 1);
	assert_true(root >= 0 && leaf >= 0);
	size_t *anc, na;
	assert_int_equal(ptree_ancestors(t, (size_t)leaf, &anc, &na), 0);
	assert_int_equal(na, DEPTH - 1);
	assert_int_equal(anc[0], (size_t)root);     /* oldest first */
	free(anc);
	struct pt_desc *d;
	size_t nd;
	assert_int_equal(ptree_descendants(t, (size_t)root, &d, &nd), 0);
	assert_int_equal(nd, DEPTH - 1 + 3);
	/* Children by start time: first, second, third, then the chain. */
	assert_string_equal(t->nodes[d[0].node].image, "first");
	assert_string_equal(t->nodes[d[1].node].image, "second");
	assert_string_equal(t->nodes[d[2].node].image, "third");
	assert_int_equal(d[0].depth, 1);
	assert_int_equal(d[nd - 1].depth, DEPTH - 1);
	assert_int_equal(d[nd - 1].node, (size_t)leaf);
	free(d);
	ptree_free(t);
	evs_free(&s);
}

static void test_guidless_starts(void **state)
{
	(void)state;
	struct evs s = {0};
	start(&s, 1000, guid(6, 1, 1, 0, 0), 0x2a60, "C:\\Windows\\System32\\mshta.exe",
	      guid(6, 0, 0, 0, 0), 10848, "powershell.exe");
	/* The Security 4688 twin (no GUID, clock hours off, other case). */
	start(&s, 1000 - 4LL * 3600 * 1000000, NULL, 0x2a60, "C:\\windows\\system32\\MSHTA.EXE",
	      NULL, 10848, NULL);
	/* A 4688 start with no Sysmon twin: a key-0 node under its parent by pid. */
	start(&s, 2000, NULL, 0x999, "C:\\x\\only4688.exe", NULL, 0x2a60, NULL);
	/* ...whose child is also GUID-less. */
	start(&s, 3000, NULL, 0x99a, "C:\\x\\grandchild.exe", NULL, 0x999, NULL);
	struct ptree *t = ptree_build(s.v, s.n);
	assert_non_null(t);
	assert_int_equal(t->n, 4);       /* mshta, its synthesized parent, two key-0 */
	long m = ptree_find(t, ev_guid_prefix("00000006-0001-0001-0000-000000000000"), 0x2a60);
	assert_int_equal(ptree_of_event(t, &s.v[1]), m);
	long o = ptree_of_event(t, &s.v[2]);
	assert_true(o >= 0 && o != m);
	assert_int_equal(t->nodes[o].key, 0);
	assert_int_equal(t->nodes[o].parent, m);
	long g = ptree_of_event(t, &s.v[3]);
	assert_int_equal(t->nodes[g].parent, o);
	struct pt_desc *d;
	size_t nd;
	assert_int_equal(ptree_descendants(t, (size_t)m, &d, &nd), 0);
	assert_int_equal(nd, 2);
	assert_int_equal(d[1].depth, 2);
	free(d);
	ptree_free(t);
	evs_free(&s);
}

static void test_empty(void **state)
{
	(void)state;
	struct ptree *t = ptree_build(NULL, 0);
	assert_non_null(t);
	assert_int_equal(t->n, 0);
	assert_int_equal(ptree_find(t, 1, 1), -1);
	assert_int_equal(ptree_find_guid(t, "not a guid", 1), -1);
	ptree_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_aliasing),
		cmocka_unit_test(test_pid_reuse),
		cmocka_unit_test(test_missing_parents),
		cmocka_unit_test(test_cycles),
		cmocka_unit_test(test_deep_chain_and_order),
		cmocka_unit_test(test_guidless_starts),
		cmocka_unit_test(test_empty),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
