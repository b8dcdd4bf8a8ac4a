/* fuzz_ptree.c - the process tree (src/core/ptree.h) and, on top of it,
 * the quick report model and renderers (src/core/report.h) over random
 * event sets.
 *
 * Two input forms:
 *   - text starting with '{': NDJSON lines through ll_parse() (seeds are
 *     windows of the shared OTRF files, so real trees get mutated);
 *   - anything else: a compact binary recipe of up to 96 events drawn from
 *     small pools of GUIDs (some sharing the three-group prefix, some
 *     differing in case or braces), pids, images and hostile strings, so
 *     that pid reuse, aliases, GUID-less starts, cycles and parents known
 *     only from a child collide often.
 *
 * Invariants:
 *   - the build terminates; parent links are in range, never a node itself,
 *     and following them always ends (no cycle) within n steps;
 *   - a node's children point back to it, and every node with a parent is
 *     among that parent's children exactly once;
 *   - from every root, ptree_descendants() lists each node below it once,
 *     children after their parent with depth = parent's depth + 1, and
 *     ptree_ancestors() of that node has exactly `depth` entries starting at
 *     the root; every node is reached from exactly one root;
 *   - lookups (ptree_of_event, ptree_find_guid) return -1 or a valid node;
 *   - for half of the inputs (last byte odd), the report: its JSON parses
 *     back and none of its strings, nor any line of its Markdown (en or
 *     ja), holds a control, C1 or bidi code point or invalid UTF-8.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/event.h"
#include "core/logline.h"
#include "core/ptree.h"
#include "core/report.h"
#include "fuzz.h"

#define FZP_MAX_EVENTS 96
#define FZP_MAX_LINES 512

static const char *const fzp_guids[] = {
	"{11111111-2222-3333-4444-555555555555}",
	"{11111111-2222-3333-aaaa-bbbbbbbbbbbb}",    /* same process, later event */
	"11111111-2222-3333-4444-555555555555",      /* no braces */
	"{11111111-2222-3334-4444-555555555555}",
	"{AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE}",    /* upper case */
	"{aaaaaaaa-bbbb-cccc-0000-000000000000}",
	"{00000000-0000-0000-0000-000000000000}",    /* all zero: absent */
	"{12345678-9abc-def0-1234-56789abcdef0}",
	"not-a-guid",
	"{11111111-2222-3333-4444-55555555555}",     /* one digit short */
};

static const int64_t fzp_pids[] = {-1, 0, 4, 100, 101, 102, 4294967295LL, 100};

static const char *const fzp_strs[] = {
	"C:\\Windows\\System32\\cmd.exe",
	"C:\\Users\\x\\evil.exe",
	"c:\\users\\X\\EVIL.EXE",
	"C:\\Users\\x\\evil.exe:Zone.Identifier",
	"C:\\Windows\\explorer.exe",
	"C:\\Users\\x\\doc.hta",
	"mshta.exe C:\\Users\\x\\doc.hta",
	"\x1b[2J\x1b]52;c;cHduZWQ=\x07",
	"\x1b]8;;http://evil.example/\x1b\\click\x1b]8;;\x1b\\",
	"\xc2\x9b" "31m \xe2\x80\xae" "gpj.exe \xe2\x81\xa6x\xe2\x81\xa9",
	"<img src=x onerror=alert(1)> [a](http://evil.example) `x` | *y* _z_ ~w~ &amp;",
	"\xff\xfe\xc0\xaf invalid \xed\xa0\x80 utf-8 \xf4\x90\x80\x80",
	"\xe6\xa4\x9c\xe6\x9f\xbb\\\xe3\x83\x95\xe3\x82\xa1\xe3\x82\xa4\xe3\x83\xab.exe",
	"[ZoneTransfer]\r\nZoneId=3\r\nHostUrl=http://evil.example/x.exe\r\n",
	"HKLM\\SYSTEM\\CurrentControlSet\\Services\\evil\\ImagePath",
	"-",
	"",
	"evil.example",
	"10.0.0.1",
	"NT AUTHORITY\\SYSTEM",
};

#define FZP_NELEM(a) (sizeof(a) / sizeof((a)[0]))

static char *fzp_pick_str(struct fz_in *in)
{
	unsigned k = fz_u8(in);
	if (k < 200)
		return k % 3 == 0 ? NULL : strdup(fzp_strs[k % FZP_NELEM(fzp_strs)]);
	return fz_take_str(in, 64);
}

static char *fzp_pick_guid(struct fz_in *in)
{
	unsigned k = fz_u8(in) % (FZP_NELEM(fzp_guids) + 2);
	if (k >= FZP_NELEM(fzp_guids))
		return NULL;
	return ev_guid_canon(fzp_guids[k]);   /* NULL for a malformed one */
}

static void fzp_binary_event(struct fz_in *in, struct ev *e)
{
	ev_init(e);
	e->kind = (enum ev_kind)(fz_u8(in) % EV_KIND_COUNT);
	if (fz_u8(in) % 4 == 0)
		e->kind = EV_PROCESS_START;
	e->ts_us = INT64_C(1714557600000000) + (int64_t)fz_u16(in) * 1000000 -
	           (int64_t)fz_u8(in) * 3600000000;
	e->host = strdup("PC1");
	e->proc_guid = fzp_pick_guid(in);
	e->pid = fzp_pids[fz_u8(in) % FZP_NELEM(fzp_pids)];
	e->image = fzp_pick_str(in);
	e->cmdline = fzp_pick_str(in);
	unsigned m = fz_u8(in);
	if (m & 1)
		e->user = fzp_pick_str(in);
	if (e->kind == EV_PROCESS_START || (m & 2)) {
		e->parent_guid = fzp_pick_guid(in);
		e->parent_pid = fzp_pids[fz_u8(in) % FZP_NELEM(fzp_pids)];
		e->parent_image = fzp_pick_str(in);
		e->parent_cmdline = fzp_pick_str(in);
	}
	if (m & 4)
		e->target = fzp_pick_str(in);
	if (m & 8)
		e->details = fzp_pick_str(in);
	if (m & 16) {
		e->sha256 = strdup((m & 32) ? "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		                            : "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
		e->signed_ = (int)(fz_u8(in) % 3) - 1;
		e->signature = fzp_pick_str(in);
		e->company = fzp_pick_str(in);
		e->original_file_name = fzp_pick_str(in);
	}
	if (e->kind == EV_NET_CONNECT || (m & 64)) {
		e->proto = fzp_pick_str(in);
		e->remote_ip = fzp_pick_str(in);
		e->remote_port = (int64_t)fz_u16(in);
	}
	if (m & 128)
		e->integrity = fzp_pick_str(in);
}

/* Events from the input; returns the count (each filled, caller clears). */
static size_t fzp_events(const uint8_t *data, size_t size, struct ev *evs, size_t max,
                         struct fz_in *rest)
{
	size_t n = 0;
	rest->p = data + size;
	rest->n = 0;
	if (size > 0 && data[0] == '{') {
		size_t i = 0, lines = 0;
		while (i < size && n < max && lines < FZP_MAX_LINES) {
			const uint8_t *nl = memchr(data + i, '\n', size - i);
			size_t len = nl != NULL ? (size_t)(nl - (data + i)) : size - i;
			char *line = fz_copy(data + i, len);
			struct ev_alert al;
			memset(&al, 0, sizeof al);
			ev_init(&evs[n]);
			if (ll_parse(line, len, &evs[n], &al, NULL, 0) == LL_EVENT)
				n++;
			ev_alert_clear(&al);
			free(line);
			i += len + 1;
			lines++;
		}
		return n;
	}
	struct fz_in in = {data, size};
	size_t want = fz_u8(&in) % (max + 1);
	while (n < want && in.n > 0)
		fzp_binary_event(&in, &evs[n++]);
	*rest = in;
	return n;
}

static void fzp_check_tree(const struct ptree *t, const struct ev *evs, size_t n_ev)
{
	size_t n = t->n;
	for (size_t i = 0; i < n; i++) {
		const struct pt_node *p = &t->nodes[i];
		FZ_CHECK(p->parent >= -1 && p->parent < (long)n, "node %zu: parent %ld of %zu",
		         i, p->parent, n);
		FZ_CHECK(p->parent != (long)i, "node %zu is its own parent", i);
		size_t steps = 0;
		for (long q = p->parent; q >= 0; q = t->nodes[q].parent)
			FZ_CHECK(++steps <= n, "node %zu: parent links loop", i);
		for (size_t c = 0; c < p->n_children; c++) {
			size_t ch = p->children[c];
			FZ_CHECK(ch < n && t->nodes[ch].parent == (long)i,
			         "node %zu lists child %zu whose parent is %ld", i, ch,
			         ch < n ? t->nodes[ch].parent : -2L);
		}
		if (p->parent >= 0) {
			const struct pt_node *pp = &t->nodes[p->parent];
			size_t seen = 0;
			for (size_t c = 0; c < pp->n_children; c++)
				seen += pp->children[c] == i;
			FZ_CHECK(seen == 1, "node %zu is listed %zu times by its parent %ld", i,
			         seen, p->parent);
		}
		FZ_CHECK(p->n_aliases == 0 || p->aliases != NULL, "aliases");
		FZ_CHECK(ptree_find(t, p->key, p->pid) >= 0, "node %zu not found by its key", i);
	}

	/* Depth-first from every root: depths consistent with ancestors. */
	unsigned char *reached = calloc(n > 0 ? n : 1, 1);
	int *depth = calloc(n > 0 ? n : 1, sizeof *depth);
	FZ_CHECK(reached != NULL && depth != NULL, "out of memory");
	for (size_t r = 0; r < n; r++) {
		if (t->nodes[r].parent >= 0)
			continue;
		FZ_CHECK(!reached[r], "root %zu reached twice", r);
		reached[r] = 1;
		depth[r] = 0;
		struct pt_desc *d;
		size_t nd;
		FZ_CHECK(ptree_descendants(t, r, &d, &nd) == 0, "descendants failed");
		for (size_t k = 0; k < nd; k++) {
			size_t x = d[k].node;
			FZ_CHECK(x < n && x != r, "descendant %zu of %zu", x, r);
			FZ_CHECK(!reached[x], "node %zu reached twice (from root %zu)", x, r);
			long par = t->nodes[x].parent;
			FZ_CHECK(par >= 0 && reached[par], "node %zu listed before its parent %ld",
			         x, par);
			FZ_CHECK(d[k].depth == depth[par] + 1, "node %zu depth %d, parent %ld depth %d",
			         x, d[k].depth, par, depth[par]);
			reached[x] = 1;
			depth[x] = d[k].depth;
			size_t *a;
			size_t na;
			FZ_CHECK(ptree_ancestors(t, x, &a, &na) == 0, "ancestors failed");
			FZ_CHECK(na == (size_t)d[k].depth, "node %zu: %zu ancestors at depth %d", x,
			         na, d[k].depth);
			FZ_CHECK(na > 0 && a[0] == r && a[na - 1] == (size_t)par,
			         "node %zu: ancestors do not run from root %zu to parent %ld", x, r,
			         par);
			for (size_t j = 1; j < na; j++)
				FZ_CHECK(t->nodes[a[j]].parent == (long)a[j - 1],
				         "ancestor chain of %zu broken at %zu", x, j);
			free(a);
		}
		free(d);
	}
	for (size_t i = 0; i < n; i++)
		FZ_CHECK(reached[i], "node %zu reached from no root", i);
	free(reached);
	free(depth);

	for (size_t i = 0; i < n_ev; i++) {
		long k = ptree_of_event(t, &evs[i]);
		FZ_CHECK(k >= -1 && k < (long)n, "ptree_of_event: %ld", k);
		if (evs[i].proc_guid != NULL) {
			k = ptree_find_guid(t, evs[i].proc_guid, evs[i].pid);
			FZ_CHECK(k >= -1 && k < (long)n, "ptree_find_guid: %ld", k);
		}
	}
}

static void fzp_check_json_strings(const json_t *j)
{
	const char *k;
	json_t *v;
	size_t i;
	switch (json_typeof(j)) {
	case JSON_OBJECT:
		json_object_foreach((json_t *)j, k, v) {
			FZ_CHECK(fz_text_bad_at(k, strlen(k), 0, 0) == strlen(k), "JSON key \"%s\"", k);
			fzp_check_json_strings(v);
		}
		break;
	case JSON_ARRAY:
		json_array_foreach(j, i, v)
			fzp_check_json_strings(v);
		break;
	case JSON_STRING: {
		const char *s = json_string_value(j);
		size_t n = json_string_length(j);
		size_t bad = fz_text_bad_at(s, n, 0, 0);
		FZ_CHECK(bad == n, "report JSON string has a hostile byte at %zu: \"%s\"", bad, s);
		break;
	}
	default:
		break;
	}
}

static void fzp_report(const struct ev *evs, size_t n, struct fz_in *in)
{
	struct rp_alert a = {0};
	a.id = 1;
	a.tenant = "acme";
	a.host = "PC1";
	unsigned k = fz_u8(in);
	a.path = fzp_strs[k % 6];
	if (k & 0x80)
		a.path = fzp_strs[7 + k % (FZP_NELEM(fzp_strs) - 7)];
	a.sha256 = (k & 0x40) ? "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" : NULL;
	a.detection = fzp_strs[fz_u8(in) % FZP_NELEM(fzp_strs)];
	a.action = (k & 0x20) ? "blocked" : "allowed";
	a.detected_us = INT64_C(1714557600000000) + (int64_t)fz_u16(in) * 1000000;
	a.received_us = a.detected_us;
	int64_t from = a.detected_us - INT64_C(7) * 24 * 3600 * 1000000;
	struct report *r = report_build(&a, evs, n, from, a.detected_us + 3600000000LL);
	FZ_CHECK(r != NULL, "report_build failed");
	/* Rendering costs ten times the tree: one language per input. */
	int lang = (k & 0x10) != 0;
	{
		char *js = report_json(r, lang ? RP_JA : RP_EN);
		FZ_CHECK(js != NULL, "report_json failed");
		json_error_t je;
		json_t *j = json_loads(js, 0, &je);
		FZ_CHECK(j != NULL, "report JSON does not parse: %s", je.text);
		fzp_check_json_strings(j);
		json_decref(j);
		free(js);
		char *md = report_markdown(r, lang ? RP_JA : RP_EN);
		FZ_CHECK(md != NULL, "report_markdown failed");
		size_t len = strlen(md);
		size_t bad = fz_text_bad_at(md, len, 1, 0);
		FZ_CHECK(bad == len, "Markdown has a hostile byte at %zu: \"%.40s\"", bad, md + bad);
		free(md);
	}
	report_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ev *evs = calloc(FZP_MAX_EVENTS, sizeof *evs);
	FZ_CHECK(evs != NULL, "out of memory");
	struct fz_in rest;
	size_t n = fzp_events(data, size, evs, FZP_MAX_EVENTS, &rest);
	struct ptree *t = ptree_build(evs, n);
	FZ_CHECK(t != NULL, "ptree_build failed");
	fzp_check_tree(t, evs, n);
	ptree_free(t);
	/* Half of the inputs (by their last byte) also build the report. */
	if (size > 0 && (data[size - 1] & 1))
		fzp_report(evs, n, &rest);
	for (size_t i = 0; i < n; i++)
		ev_clear(&evs[i]);
	free(evs);
	return 0;
}
