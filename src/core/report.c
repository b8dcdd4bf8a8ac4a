/* report.c - the quick report model; see report.h. Renderers are in
 * report_render.c.
 *
 * The build walks the events once in time order (an index sorted by time,
 * then input order) for each item, with the process tree (ptree.c) giving
 * every event its process node. Allocation failures set b->oom and the
 * build returns NULL at the end, so the walkers stay linear.
 */
#include "core/report.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ptree.h"
#include "core/sanitize.h"

#define MAX_EXEC 200            /* executions kept */
#define MAX_ROWS 5000           /* rows kept per item 4-7 */

struct build {
	struct report *r;
	const struct rp_alert *a;
	const struct ev *evs;
	size_t n;
	size_t *order;          /* event indexes by time */
	long *node_of;          /* event -> tree node (-1) */
	struct ptree *t;
	unsigned char *in_sub;  /* nodes: execution or descendant */
	unsigned char *writer;  /* nodes: origin writer */
	unsigned char *noted;   /* nodes: already named in a note */
	int64_t *write_from;    /* nodes: first write of the file (writers) */
	int64_t *write_until;   /* nodes: last write of the file (writers) */
	int non_pe;             /* the file is not a PE image */
	int oom;
};

/* ---- small helpers --------------------------------------------------------- */

static char *sdup(struct build *b, const char *s)
{
	if (s == NULL)
		return NULL;
	char *c = san_str(s);
	if (c == NULL)
		b->oom = 1;
	return c;
}

static char *lower_dup(struct build *b, const char *s)
{
	char *c = sdup(b, s);
	for (char *p = c; p != NULL && *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p + ('a' - 'A'));
	return c;
}

static int lc(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

static int eq_ci_n(const char *a, size_t an, const char *b, size_t bn)
{
	if (an != bn)
		return 0;
	for (size_t i = 0; i < an; i++)
		if (lc((unsigned char)a[i]) != lc((unsigned char)b[i]))
			return 0;
	return 1;
}

static int eq_ci(const char *a, const char *b)
{
	return a != NULL && b != NULL && eq_ci_n(a, strlen(a), b, strlen(b));
}

/* Case-insensitive substring search; NULL when absent. */
static const char *find_ci(const char *hay, const char *needle, size_t nl)
{
	if (hay == NULL || nl == 0)
		return NULL;
	for (const char *p = hay; *p != '\0'; p++) {
		size_t i = 0;
		while (i < nl && p[i] != '\0' &&
		       lc((unsigned char)p[i]) == lc((unsigned char)needle[i]))
			i++;
		if (i == nl)
			return p;
	}
	return NULL;
}

/* Length of the file part of a target: an NTFS stream suffix
 * ("x.exe:Zone.Identifier") is not part of the file's path. */
static size_t path_part(const char *target)
{
	const char *bs = strrchr(target, '\\');
	const char *from = bs != NULL ? bs + 1 : target;
	const char *colon = strchr(from, ':');
	if (colon != NULL && colon - target > 1)
		return (size_t)(colon - target);
	return strlen(target);
}

static int is_path(const struct build *b, const char *target)
{
	if (target == NULL || b->a->path == NULL)
		return 0;
	return eq_ci_n(target, path_part(target), b->a->path, strlen(b->a->path));
}

static int is_hash(const struct build *b, const char *sha256)
{
	return b->a->sha256 != NULL && b->a->sha256[0] != '\0' && eq_ci(sha256, b->a->sha256);
}

static const char *base_name(const char *p)
{
	if (p == NULL)
		return "?";
	const char *s = strrchr(p, '\\');
	const char *f = strrchr(p, '/');
	if (f != NULL && (s == NULL || f > s))
		s = f;
	return s != NULL ? s + 1 : p;
}

/* A PE image by extension: executions are then by image / load / hash;
 * anything else (scripts, HTA, documents) is run by a host process whose
 * command line names it. */
static int non_pe_path(const char *path)
{
	static const char *const pe[] = {
		"exe", "dll", "sys", "scr", "com", "cpl", "ocx", "drv", "efi",
		"mui", "ax", "tsp", "pif",
	};
	const char *name = base_name(path);
	const char *dot = strrchr(name, '.');
	if (dot == NULL)
		return 1;
	for (size_t i = 0; i < sizeof pe / sizeof pe[0]; i++)
		if (eq_ci(dot + 1, pe[i]))
			return 0;
	return 1;
}

/* The command line names the file: the full path, or its file name as a
 * whole word (after a separator or quote, before a quote, space or end). */
static int cmdline_names(const char *cmd, const char *path)
{
	if (cmd == NULL || path == NULL || path[0] == '\0')
		return 0;
	if (find_ci(cmd, path, strlen(path)) != NULL)
		return 1;
	const char *name = base_name(path);
	size_t nl = strlen(name);
	if (nl < 3)
		return 0;
	for (const char *p = find_ci(cmd, name, nl); p != NULL;
	     p = find_ci(p + 1, name, nl)) {
		char before = p == cmd ? ' ' : p[-1];
		char after = p[nl];
		if (strchr(" \"'\\/=", before) != NULL && strchr(" \"',;", after) != NULL)
			return 1;
	}
	return 0;
}

static void note(struct build *b, const char *en, const char *ja, ...)
	__attribute__((format(printf, 2, 4)));

/* Add a note: en and ja formats take the same arguments. */
static void note(struct build *b, const char *en, const char *ja, ...)
{
	struct report *r = b->r;
	struct rp_note *nn = realloc(r->notes, (r->n_notes + 1) * sizeof *nn);
	if (nn == NULL) {
		b->oom = 1;
		return;
	}
	r->notes = nn;
	va_list ap;
	char *e = NULL, *j = NULL;
	va_start(ap, ja);
	int ok1 = vasprintf(&e, en, ap);
	va_end(ap);
	va_start(ap, ja);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	int ok2 = vasprintf(&j, ja, ap);
#pragma GCC diagnostic pop
	va_end(ap);
	if (ok1 < 0 || ok2 < 0) {
		if (ok1 >= 0)
			free(e);
		if (ok2 >= 0)
			free(j);
		b->oom = 1;
		return;
	}
	r->notes[r->n_notes].en = e;
	r->notes[r->n_notes].ja = j;
	r->n_notes++;
}

/* A note without arguments. */
static void note0(struct build *b, const char *en, const char *ja)
{
	size_t before = b->r->n_notes;
	note(b, "%s", "%s", en);
	if (b->r->n_notes == before)
		return;
	char *j = strdup(ja);
	if (j == NULL) {
		b->oom = 1;
		return;
	}
	free(b->r->notes[before].ja);
	b->r->notes[before].ja = j;
}

static void fmt_pid(char *buf, size_t len, int64_t pid)
{
	if (pid >= 0)
		snprintf(buf, len, "%lld", (long long)pid);
	else
		snprintf(buf, len, "?");
}

/* ---- processes ------------------------------------------------------------- */

static void fill_proc(struct build *b, struct rp_proc *p, size_t node)
{
	const struct pt_node *x = &b->t->nodes[node];
	memset(p, 0, sizeof *p);
	p->guid = sdup(b, x->guid);
	p->pid = x->pid;
	p->image = sdup(b, x->image);
	p->cmdline = sdup(b, x->cmdline);
	p->user = sdup(b, x->user);
	p->integrity = sdup(b, x->integrity);
	p->start_us = x->start_us;
	p->end_us = x->end_us;
	p->parent_only = x->known == PT_PARENT_ONLY;
	p->seen_only = x->known == PT_SEEN;
}

static void free_proc(struct rp_proc *p)
{
	free(p->guid);
	free(p->image);
	free(p->cmdline);
	free(p->user);
	free(p->integrity);
}

/* Name a node in notes, once per kind of note. */
static void note_node(struct build *b, size_t node)
{
	const struct pt_node *x = &b->t->nodes[node];
	if (b->noted[node])
		return;
	char pid[24];
	fmt_pid(pid, sizeof pid, x->pid);
	char *img = sdup(b, base_name(x->image));
	char *g = sdup(b, x->guid != NULL ? x->guid : "-");
	if (img == NULL || g == NULL) {
		free(img);
		free(g);
		return;
	}
	if (x->known == PT_PARENT_ONLY) {
		b->noted[node] = 1;
		note(b, "Ancestor %s (pid %s, GUID %s) is known only from a child's "
		        "parent fields: its own start is not in the logs.",
		     "祖先プロセス %s (pid %s, GUID %s) は子プロセスの親情報からのみ"
		     "判明しています（起動イベントは記録にありません）。", img, pid, g);
	} else if (x->cycle) {
		b->noted[node] = 1;
		note(b, "The parent links of %s (pid %s, GUID %s) form a loop in the "
		        "logs; the loop was cut.",
		     "%s (pid %s, GUID %s) の親子関係が記録上ループしているため、"
		     "ループを切断して表示しています。", img, pid, g);
	}
	free(img);
	free(g);
}

/* Ancestors of node as rp_procs (oldest first), noting parent-only ones. */
static struct rp_proc *ancestors(struct build *b, size_t node, size_t *n)
{
	size_t *idx = NULL;
	*n = 0;
	if (ptree_ancestors(b->t, node, &idx, n) < 0) {
		b->oom = 1;
		return NULL;
	}
	if (*n == 0)
		return NULL;
	struct rp_proc *v = calloc(*n, sizeof *v);
	if (v == NULL) {
		b->oom = 1;
		free(idx);
		*n = 0;
		return NULL;
	}
	for (size_t i = 0; i < *n; i++) {
		fill_proc(b, &v[i], idx[i]);
		note_node(b, idx[i]);
	}
	free(idx);
	return v;
}

/* ---- 1. origin ------------------------------------------------------------- */

/* Value of "Key=" in Zone.Identifier text, up to white space. */
static char *zone_value(struct build *b, const char *text, const char *key)
{
	const char *p = find_ci(text, key, strlen(key));
	if (p == NULL)
		return NULL;
	p += strlen(key);
	size_t l = strcspn(p, " \t\r\n");
	if (l == 0)
		return NULL;
	char *raw = strndup(p, l);
	if (raw == NULL) {
		b->oom = 1;
		return NULL;
	}
	char *s = sdup(b, raw);
	free(raw);
	return s;
}

static int is_file_write(enum ev_kind k)
{
	return k == EV_FILE_CREATE || k == EV_FILE_WRITE || k == EV_FILE_STREAM;
}

static void build_origin(struct build *b, long *origin_node)
{
	struct report *r = b->r;
	for (size_t oi = 0; oi < b->n; oi++) {
		size_t i = b->order[oi];
		const struct ev *e = &b->evs[i];
		if (!is_file_write(e->kind) || e->target == NULL)
			continue;
		int by_path = is_path(b, e->target);
		if (!by_path && !is_hash(b, e->sha256))
			continue;
		long node = b->node_of[i];
		/* One entry per (process, kind, target): Sysmon repeats stream
		 * events; keep the first time and any URL / zone seen. */
		size_t k = 0;
		for (; k < r->n_origin; k++)
			if (origin_node[k] == node && r->origin[k].kind == e->kind &&
			    eq_ci(r->origin[k].path, e->target))
				break;
		if (k == r->n_origin) {
			if (r->n_origin >= MAX_EXEC)
				continue;
			struct rp_origin *o = &r->origin[r->n_origin++];
			memset(o, 0, sizeof *o);
			o->ts = e->ts_us;
			o->kind = e->kind;
			o->path = sdup(b, e->target);
			o->by_hash = !by_path;
			origin_node[k] = node;
			if (node >= 0) {
				fill_proc(b, &o->proc, (size_t)node);
				o->anc = ancestors(b, (size_t)node, &o->n_anc);
				b->writer[node] = 1;
				b->write_from[node] = b->write_until[node] = e->ts_us;
			} else {
				o->proc.pid = e->pid;
				o->proc.guid = sdup(b, e->proc_guid);
				o->proc.image = sdup(b, e->image);
				o->proc.start_us = o->proc.end_us = RP_NONE;
			}
		}
		struct rp_origin *o = &r->origin[k];
		if (node >= 0 && e->ts_us > b->write_until[node])
			b->write_until[node] = e->ts_us;
		if (node >= 0 && e->ts_us < b->write_from[node])
			b->write_from[node] = e->ts_us;
		if (e->details != NULL) {
			char *url = zone_value(b, e->details, "HostUrl=");
			char *zone = zone_value(b, e->details, "ZoneId=");
			if (url != NULL) {
				free(o->url);
				o->url = url;
			}
			if (zone != NULL) {
				free(o->zone);
				o->zone = zone;
			}
		}
	}
}

/* ---- 2, 3. executions ------------------------------------------------------ */

struct cand {
	size_t node;
	enum rp_via via;
};

static void add_exec(struct cand *c, size_t *nc, long node, enum rp_via via)
{
	if (node < 0)
		return;
	for (size_t k = 0; k < *nc; k++) {
		if (c[k].node == (size_t)node) {
			if (via < c[k].via)
				c[k].via = via;
			return;
		}
	}
	if (*nc >= MAX_EXEC)
		return;
	c[*nc].node = (size_t)node;
	c[*nc].via = via;
	(*nc)++;
}

static int64_t node_time(const struct pt_node *p)
{
	return p->start_us != PT_NONE ? p->start_us : p->first_us;
}

static int cmp_cand(const void *pa, const void *pb, void *arg)
{
	const struct cand *x = pa, *y = pb;
	const struct ptree *t = arg;
	int64_t tx = node_time(&t->nodes[x->node]);
	int64_t ty = node_time(&t->nodes[y->node]);
	if (tx != ty)
		return tx < ty ? -1 : 1;
	return x->node < y->node ? -1 : x->node > y->node;
}

static void build_exec(struct build *b)
{
	struct report *r = b->r;
	struct cand *c = malloc(MAX_EXEC * sizeof *c);
	size_t nc = 0;
	if (c == NULL) {
		b->oom = 1;
		return;
	}
	for (size_t oi = 0; oi < b->n; oi++) {
		size_t i = b->order[oi];
		const struct ev *e = &b->evs[i];
		long node = b->node_of[i];
		if (e->kind == EV_PROCESS_START) {
			if (is_path(b, e->image))
				add_exec(c, &nc, node, RP_VIA_START);
			else if (is_hash(b, e->sha256))
				add_exec(c, &nc, node, RP_VIA_HASH);
			else if (b->non_pe && cmdline_names(e->cmdline, b->a->path))
				add_exec(c, &nc, node, RP_VIA_CMDLINE);
		} else if (e->kind == EV_IMAGE_LOAD &&
		           (is_path(b, e->target) || is_hash(b, e->sha256))) {
			add_exec(c, &nc, node, RP_VIA_LOAD);
		}
	}
	qsort_r(c, nc, sizeof *c, cmp_cand, b->t);
	if (nc == MAX_EXEC)
		note(b, "The file ran or was loaded in %d or more processes; only "
		        "the first %d are shown.",
		     "ファイルは %d 以上のプロセスで実行または読み込まれました。"
		     "最初の %d 件のみ表示しています。", MAX_EXEC, MAX_EXEC);

	for (size_t k = 0; k < nc; k++) {
		struct rp_exec *x = &r->exec[r->n_exec++];
		size_t node = c[k].node;
		memset(x, 0, sizeof *x);
		x->via = c[k].via;
		fill_proc(b, &x->proc, node);
		x->anc = ancestors(b, node, &x->n_anc);
		b->in_sub[node] = 1;
		struct pt_desc *d = NULL;
		size_t nd = 0;
		if (ptree_descendants(b->t, node, &d, &nd) < 0) {
			b->oom = 1;
			continue;
		}
		if (nd > 0) {
			x->desc = calloc(nd, sizeof *x->desc);
			if (x->desc == NULL) {
				b->oom = 1;
				free(d);
				continue;
			}
		}
		for (size_t j = 0; j < nd; j++) {
			fill_proc(b, &x->desc[j], d[j].node);
			x->desc[j].depth = d[j].depth;
			b->in_sub[d[j].node] = 1;
			if (b->t->nodes[d[j].node].cycle)
				note_node(b, d[j].node);
		}
		x->n_desc = nd;
		free(d);
	}
	free(c);
}

/* ---- 4-7. activity of the executions and descendants ---------------------- */

/* A registry change names the file: its value or key holds the path or the
 * file name as a word, or a key component is the file's stem (a service
 * named after it: ...\Services\PSEXESVC). */
static int reg_names_file(const struct build *b, const struct ev *e)
{
	const char *path = b->a->path;
	if (cmdline_names(e->details, path) || cmdline_names(e->target, path))
		return 1;
	if (e->target == NULL)
		return 0;
	const char *name = base_name(path);
	const char *dot = strrchr(name, '.');
	size_t sl = dot != NULL ? (size_t)(dot - name) : strlen(name);
	if (sl < 4)
		return 0;
	for (const char *p = e->target; p != NULL; p = strchr(p, '\\')) {
		if (*p == '\\')
			p++;
		size_t cl = strcspn(p, "\\");
		if (eq_ci_n(p, cl, name, sl))
			return 1;
		if (p[cl] == '\0')
			break;
	}
	return 0;
}

/* Writers' network: from 1 h before their first write of the file to 10 min
 * after their last. */
#define WRITER_NET_BEFORE (3600LL * 1000000)
#define WRITER_NET_AFTER (10LL * 60 * 1000000)

static struct rp_row *add_row(struct build *b, struct rp_rows *rows,
                              const struct ev *e, long node)
{
	if (rows->n >= MAX_ROWS) {
		rows->dropped++;
		return NULL;
	}
	if (rows->n == rows->cap) {
		size_t nc = rows->cap ? rows->cap * 2 : 32;
		struct rp_row *nv = realloc(rows->v, nc * sizeof *nv);
		if (nv == NULL) {
			b->oom = 1;
			return NULL;
		}
		rows->v = nv;
		rows->cap = nc;
	}
	struct rp_row *w = &rows->v[rows->n++];
	memset(w, 0, sizeof *w);
	w->ts = e->ts_us;
	w->kind = e->kind;
	w->remote_port = -1;
	w->signed_ = -1;
	w->pid = e->pid;
	if (node >= 0) {
		const struct pt_node *x = &b->t->nodes[node];
		w->guid = sdup(b, x->guid);
		w->image = sdup(b, e->image != NULL ? e->image : x->image);
	} else {
		char *g = ev_guid_canon(e->proc_guid);
		w->guid = sdup(b, g);
		free(g);
		w->image = sdup(b, e->image);
	}
	return w;
}

/* DNS name of a remote address: the connection's own hostname when
 * logged, else a logged DNS answer that contains the address. */
static char *dns_name(struct build *b, const struct ev *e)
{
	json_t *h = e->extra != NULL ? json_object_get(e->extra, "DestinationHostname") : NULL;
	const char *hn = json_is_string(h) ? json_string_value(h) : NULL;
	if (hn != NULL && hn[0] != '\0' && strcmp(hn, "-") != 0)
		return sdup(b, hn);
	if (e->remote_ip == NULL || e->remote_ip[0] == '\0')
		return NULL;
	size_t il = strlen(e->remote_ip);
	for (size_t i = 0; i < b->n; i++) {
		const struct ev *d = &b->evs[i];
		if (d->kind != EV_DNS_QUERY || d->details == NULL || d->target == NULL)
			continue;
		for (const char *p = strstr(d->details, e->remote_ip); p != NULL;
		     p = strstr(p + 1, e->remote_ip)) {
			char before = p == d->details ? ';' : p[-1];
			char after = p[il];
			if (strchr(" ;:", before) != NULL && strchr(" ;", after) != NULL)
				return sdup(b, d->target);
		}
	}
	return NULL;
}

static void build_rows(struct build *b)
{
	struct report *r = b->r;
	for (size_t oi = 0; oi < b->n; oi++) {
		size_t i = b->order[oi];
		const struct ev *e = &b->evs[i];
		long node = b->node_of[i];
		if (node < 0)
			continue;
		int sub = b->in_sub[node], wr = !sub && b->writer[node];
		if (wr && (e->ts_us < b->write_from[node] - WRITER_NET_BEFORE ||
		           e->ts_us > b->write_until[node] + WRITER_NET_AFTER))
			wr = 0;
		int names = !sub && e->kind >= EV_REGISTRY_SET &&
		            e->kind <= EV_REGISTRY_RENAME && reg_names_file(b, e);
		if (!sub && !wr && !names)
			continue;
		struct rp_row *w;
		switch (e->kind) {
		case EV_FILE_CREATE:
		case EV_FILE_WRITE:
		case EV_FILE_STREAM:
			if (!sub || (w = add_row(b, &r->files_written, e, node)) == NULL)
				break;
			w->path = sdup(b, e->target);
			break;
		case EV_REGISTRY_SET:
		case EV_REGISTRY_CREATE:
		case EV_REGISTRY_DELETE:
		case EV_REGISTRY_RENAME:
			if ((!sub && !names) || (w = add_row(b, &r->registry, e, node)) == NULL)
				break;
			w->names_file = !sub;
			w->path = sdup(b, e->target);
			w->value = sdup(b, e->details);
			break;
		case EV_FILE_READ:
		case EV_IMAGE_LOAD:
			if (!sub || (w = add_row(b, &r->files_read, e, node)) == NULL)
				break;
			w->path = sdup(b, e->target);
			w->signed_ = e->signed_;
			w->signature = sdup(b, e->signature);
			break;
		case EV_NET_CONNECT:
			if ((!sub && !wr) || (w = add_row(b, &r->network, e, node)) == NULL)
				break;
			w->origin_writer = wr;
			w->proto = lower_dup(b, e->proto);
			w->remote_ip = sdup(b, e->remote_ip);
			w->remote_port = e->remote_port;
			w->path = dns_name(b, e);
			break;
		case EV_DNS_QUERY:
			if ((!sub && !wr) || (w = add_row(b, &r->network, e, node)) == NULL)
				break;
			w->origin_writer = wr;
			w->proto = sdup(b, "dns");
			w->path = sdup(b, e->target);
			break;
		default:
			break;
		}
	}
	const struct rp_rows *caps[] = {
		&r->files_written, &r->registry, &r->files_read, &r->network,
	};
	for (int k = 0; k < 4; k++)
		if (caps[k]->dropped > 0)
			note(b, "Item %d: %zu more rows not shown (limit %d).",
			     "項目%d: ほか %zu 行は省略しています（上限 %d 行）。",
			     k + 4, caps[k]->dropped, MAX_ROWS);
}

/* ---- 8. attributes --------------------------------------------------------- */

static void attr_add(struct build *b, enum rp_attr_field f, const char *value,
                     const char *kind, int64_t ts)
{
	if (value == NULL || value[0] == '\0')
		return;
	struct rp_attr *a = &b->r->attr[f];
	int ci = f <= RP_IMPHASH;
	for (size_t i = 0; i < a->n_vals; i++) {
		if (ci ? eq_ci(a->vals[i].value, value) : strcmp(a->vals[i].value, value) == 0)
			return;
	}
	struct rp_source *nv = realloc(a->vals, (a->n_vals + 1) * sizeof *nv);
	if (nv == NULL) {
		b->oom = 1;
		return;
	}
	a->vals = nv;
	char when[40] = "";
	if (ts != RP_NONE)
		ev_format_time(ts, when, sizeof when);
	char *src = NULL;
	if (asprintf(&src, "%s%s%s", kind, when[0] ? " " : "", when) < 0) {
		b->oom = 1;
		return;
	}
	char *v = ci ? lower_dup(b, value) : sdup(b, value);
	if (v == NULL) {
		free(src);
		return;
	}
	a->vals[a->n_vals].value = v;
	a->vals[a->n_vals].source = src;
	a->n_vals++;
}

static void attr_from_event(struct build *b, const struct ev *e)
{
	const char *kind = ev_kind_name(e->kind);
	attr_add(b, RP_SHA256, e->sha256, kind, e->ts_us);
	attr_add(b, RP_SHA1, e->sha1, kind, e->ts_us);
	attr_add(b, RP_MD5, e->md5, kind, e->ts_us);
	attr_add(b, RP_IMPHASH, e->imphash, kind, e->ts_us);
	if (e->signed_ >= 0)
		attr_add(b, RP_SIGNED, e->signed_ ? "true" : "false", kind, e->ts_us);
	attr_add(b, RP_SIGNATURE, e->signature, kind, e->ts_us);
	attr_add(b, RP_OFN, e->original_file_name, kind, e->ts_us);
	attr_add(b, RP_COMPANY, e->company, kind, e->ts_us);
	attr_add(b, RP_DESCRIPTION, e->description, kind, e->ts_us);
}

static void build_attrs(struct build *b)
{
	/* Sources in order of authority: the image of a process start, an
	 * image load, the file's own file events; then the alert. */
	for (int pass = 0; pass < 3; pass++) {
		for (size_t oi = 0; oi < b->n; oi++) {
			const struct ev *e = &b->evs[b->order[oi]];
			int match;
			if (pass == 0)
				match = e->kind == EV_PROCESS_START &&
				        (is_path(b, e->image) || is_hash(b, e->sha256));
			else if (pass == 1)
				match = e->kind == EV_IMAGE_LOAD &&
				        (is_path(b, e->target) || is_hash(b, e->sha256));
			else
				match = e->target != NULL && e->kind != EV_IMAGE_LOAD &&
				        e->kind >= EV_FILE_CREATE && e->kind <= EV_FILE_STREAM &&
				        ((is_path(b, e->target) &&
				          path_part(e->target) == strlen(e->target)) ||
				         is_hash(b, e->sha256));
			if (match)
				attr_from_event(b, e);
		}
	}
	if (b->a->sha256 != NULL && b->a->sha256[0] != '\0')
		attr_add(b, RP_SHA256, b->a->sha256, "alert", b->a->detected_us);
	for (int f = 0; f < RP_ATTR_COUNT; f++) {
		struct rp_attr *a = &b->r->attr[f];
		for (size_t i = 0; i < a->n_vals && a->value == NULL; i++)
			if (strcmp(a->vals[i].value, "-") != 0)
				a->value = sdup(b, a->vals[i].value);
		if (a->value == NULL && a->n_vals > 0)
			a->value = sdup(b, a->vals[0].value);
	}
}

/* ---- notes ------------------------------------------------------------------ */

static void build_notes(struct build *b)
{
	struct report *r = b->r;
	char p1[24], p2[24];
	if (r->n_origin == 0)
		note0(b, "No event in the lookback window created or wrote the file: it "
		         "was probably created before the recording started (or more "
		         "than 7 days before detection).",
		      "調査範囲内にファイルを作成・書き込みしたイベントはありません。"
		      "記録開始前（または検知の7日以上前）に作成されたと考えられます。");
	for (size_t k = 0; k < r->n_origin; k++) {
		const struct rp_origin *o = &r->origin[k];
		int dup = 0;
		for (size_t j = 0; j < k && !dup; j++)
			dup = r->origin[j].by_hash && eq_ci(r->origin[j].path, o->path);
		if (o->by_hash && !dup)
			note(b, "The same SHA-256 was seen under another path: %s.",
			     "同じ SHA-256 のファイルが別のパスでも確認されました: %s", o->path);
		if (o->proc.seen_only) {
			fmt_pid(p1, sizeof p1, o->proc.pid);
			note(b, "The writer %s (pid %s) has no process start in the window; "
			        "it is known from its own events.",
			     "書き込んだプロセス %s (pid %s) の起動イベントは調査範囲内に"
			     "ありません（そのプロセス自身のイベントから判明）。",
			     base_name(o->proc.image), p1);
		}
	}
	/* Deletions of the file (path or content). */
	int deletes = 0;
	for (size_t oi = 0; oi < b->n && deletes < 5; oi++) {
		const struct ev *e = &b->evs[b->order[oi]];
		if (e->kind != EV_FILE_DELETE || e->target == NULL ||
		    (!is_path(b, e->target) && !is_hash(b, e->sha256)))
			continue;
		char when[40], *img = sdup(b, base_name(e->image)), *path = sdup(b, e->target);
		ev_format_time(e->ts_us, when, sizeof when);
		fmt_pid(p1, sizeof p1, e->pid);
		if (img != NULL && path != NULL)
			note(b, "%s was deleted at %s by %s (pid %s).",
			     "%s は %s に %s (pid %s) によって削除されました。", path, when, img, p1);
		free(img);
		free(path);
		deletes++;
	}
	int started = 0;
	for (size_t k = 0; k < r->n_exec; k++)
		started += r->exec[k].via != RP_VIA_LOAD;
	if (r->n_exec == 0)
		note0(b, "No execution or load of the file was logged in the lookback "
		         "window.",
		      "調査範囲内にファイルの実行・読み込みの記録はありません。");
	for (size_t k = 0; k < r->n_exec; k++) {
		const struct rp_exec *x = &r->exec[k];
		fmt_pid(p1, sizeof p1, x->proc.pid);
		if (x->via == RP_VIA_LOAD && started == 0)
			note(b, "%s (pid %s) loaded the file as a module (image load); the "
			        "file itself was not started as a process.",
			     "%s (pid %s) がファイルをモジュールとして読み込みました"
			     "（イメージロード）。ファイル自体はプロセスとして起動されていません。",
			     base_name(x->proc.image), p1);
		else if (x->via == RP_VIA_CMDLINE)
			note(b, "%s (pid %s) ran the file: its command line names it.",
			     "%s (pid %s) がファイルを実行しました（コマンドラインにファイルが"
			     "指定されています）。", base_name(x->proc.image), p1);
		else if (x->via == RP_VIA_HASH)
			note(b, "%s (pid %s) runs a file with the same SHA-256 under "
			        "another path.",
			     "%s (pid %s) は別のパスにある同じ SHA-256 のファイルを実行して"
			     "います。", x->proc.image != NULL ? x->proc.image : "?", p1);
	}
	/* The writer is not the parent of the runner (e.g. PsExec's service):
	 * told for the first execution that was a process start. */
	for (size_t k = 0; k < r->n_exec; k++) {
		const struct rp_exec *x = &r->exec[k];
		if (x->via == RP_VIA_LOAD || x->via == RP_VIA_HASH)
			continue;
		const struct rp_proc *par = x->n_anc > 0 ? &x->anc[x->n_anc - 1] : NULL;
		const struct rp_proc *w = NULL;
		int is_parent = 0;
		for (size_t o = 0; o < r->n_origin; o++) {
			const struct rp_proc *ow = &r->origin[o].proc;
			if (r->origin[o].by_hash || ow->guid == NULL)
				continue;
			if (w == NULL)
				w = ow;
			if (par != NULL && par->guid != NULL && strcmp(par->guid, ow->guid) == 0)
				is_parent = 1;
		}
		if (w != NULL && par != NULL && !is_parent) {
			fmt_pid(p1, sizeof p1, w->pid);
			fmt_pid(p2, sizeof p2, x->proc.pid);
			note(b, "The file was written by %s (pid %s) but run by %s (pid %s), "
			        "whose parent is %s: the writer is not the parent of the "
			        "process that ran it.",
			     "ファイルを書き込んだのは %s (pid %s) ですが、実行したのは "
			     "%s (pid %s)（親: %s）で、書き込んだプロセスは実行したプロセスの"
			     "親ではありません。",
			     base_name(w->image), p1, base_name(x->proc.image), p2,
			     base_name(par->image));
		}
		break;          /* the first execution tells the story */
	}
	size_t named = 0;
	for (size_t j = 0; j < r->registry.n; j++)
		named += r->registry.v[j].names_file;
	if (named > 0)
		note(b, "Item 5 includes %zu registry changes by other processes whose "
		        "key or value names the file (such as a service or autorun entry).",
		     "項目5には、キーまたは値がファイルを指す他のプロセスによる"
		     "レジストリ変更 %zu 件（サービスや自動起動の登録など）も含めています。",
		     named);
	/* Network of origin writers included in item 7. */
	for (size_t k = 0; k < r->n_origin; k++) {
		const struct rp_origin *o = &r->origin[k];
		int has = 0, dup = 0;
		for (size_t j = 0; j < r->network.n && !has; j++)
			has = r->network.v[j].origin_writer && o->proc.guid != NULL &&
			      r->network.v[j].guid != NULL &&
			      strcmp(r->network.v[j].guid, o->proc.guid) == 0;
		for (size_t j = 0; j < k && !dup; j++)
			dup = r->origin[j].proc.guid != NULL && o->proc.guid != NULL &&
			      strcmp(r->origin[j].proc.guid, o->proc.guid) == 0;
		if (!has || dup)
			continue;
		fmt_pid(p1, sizeof p1, o->proc.pid);
		note(b, "Item 7 includes the network events of the origin writer %s "
		        "(pid %s): they show where the file came from.",
		     "項目7にはファイルを書き込んだプロセス %s (pid %s) の通信も含めて"
		     "います（ファイルの入手元を示します）。", base_name(o->proc.image), p1);
	}
}

/* ---- build / free ---------------------------------------------------------- */

static int cmp_order(const void *pa, const void *pb, void *arg)
{
	const struct ev *evs = arg;
	size_t x = *(const size_t *)pa, y = *(const size_t *)pb;
	int64_t tx = evs[x].ts_us, ty = evs[y].ts_us;
	if (tx != ty)
		return tx < ty ? -1 : 1;
	return x < y ? -1 : x > y;
}

static void copy_alert(struct build *b)
{
	struct report *r = b->r;
	const struct rp_alert *a = b->a;
	r->alert.id = a->id;
	r->alert.tenant = sdup(b, a->tenant);
	r->alert.host = sdup(b, a->host);
	r->alert.path = sdup(b, a->path);
	r->alert.sha256 = a->sha256 != NULL && a->sha256[0] != '\0' ? lower_dup(b, a->sha256) : NULL;
	r->alert.detection = sdup(b, a->detection);
	r->alert.action = sdup(b, a->action);
	r->alert.detected_us = a->detected_us;
	r->alert.received_us = a->received_us;
	if (a->facts != NULL) {
		r->has_facts = 1;
		r->facts = *a->facts;
		if (r->facts.n_cmds > RP_MAX_CMDS)
			r->facts.n_cmds = RP_MAX_CMDS;
	}
}

struct report *report_build(const struct rp_alert *a, const struct ev *evs,
                            size_t n, int64_t from_us, int64_t to_us)
{
	struct build b = {0};
	b.a = a;
	b.evs = evs;
	b.n = n;
	b.r = calloc(1, sizeof *b.r);
	b.order = malloc((n + 1) * sizeof *b.order);
	b.node_of = malloc((n + 1) * sizeof *b.node_of);
	b.t = ptree_build(evs, n);
	if (b.r == NULL || b.order == NULL || b.node_of == NULL || b.t == NULL)
		goto fail;
	size_t nn = b.t->n + 1;
	b.in_sub = calloc(nn, 1);
	b.writer = calloc(nn, 1);
	b.noted = calloc(nn, 1);
	b.write_until = calloc(nn, sizeof *b.write_until);
	b.write_from = calloc(nn, sizeof *b.write_from);
	b.r->origin = calloc(MAX_EXEC, sizeof *b.r->origin);
	b.r->exec = calloc(MAX_EXEC, sizeof *b.r->exec);
	long *origin_node = calloc(MAX_EXEC, sizeof *origin_node);
	if (b.in_sub == NULL || b.writer == NULL || b.noted == NULL || b.write_until == NULL || b.write_from == NULL ||
	    b.r->origin == NULL || b.r->exec == NULL || origin_node == NULL) {
		free(origin_node);
		goto fail;
	}
	for (size_t i = 0; i < n; i++) {
		b.order[i] = i;
		b.node_of[i] = ptree_of_event(b.t, &evs[i]);
	}
	qsort_r(b.order, n, sizeof *b.order, cmp_order, (void *)evs);
	b.non_pe = non_pe_path(a->path);
	b.r->from_us = from_us;
	b.r->to_us = to_us;

	copy_alert(&b);
	build_origin(&b, origin_node);
	free(origin_node);
	build_exec(&b);
	build_rows(&b);
	build_attrs(&b);
	build_notes(&b);
	if (b.oom)
		goto fail;
	ptree_free(b.t);
	free(b.order);
	free(b.node_of);
	free(b.in_sub);
	free(b.writer);
	free(b.noted);
	free(b.write_until);
	free(b.write_from);
	return b.r;
fail:
	ptree_free(b.t);
	free(b.order);
	free(b.node_of);
	free(b.in_sub);
	free(b.writer);
	free(b.noted);
	free(b.write_until);
	free(b.write_from);
	report_free(b.r);
	return NULL;
}

static void free_rows(struct rp_rows *rows)
{
	for (size_t i = 0; i < rows->n; i++) {
		struct rp_row *w = &rows->v[i];
		free(w->path);
		free(w->value);
		free(w->proto);
		free(w->remote_ip);
		free(w->signature);
		free(w->guid);
		free(w->image);
	}
	free(rows->v);
}

void report_free(struct report *r)
{
	if (r == NULL)
		return;
	free(r->alert.tenant);
	free(r->alert.host);
	free(r->alert.path);
	free(r->alert.sha256);
	free(r->alert.detection);
	free(r->alert.action);
	for (size_t i = 0; r->origin != NULL && i < r->n_origin; i++) {
		struct rp_origin *o = &r->origin[i];
		free(o->path);
		free(o->url);
		free(o->zone);
		free_proc(&o->proc);
		for (size_t j = 0; j < o->n_anc; j++)
			free_proc(&o->anc[j]);
		free(o->anc);
	}
	free(r->origin);
	for (size_t i = 0; r->exec != NULL && i < r->n_exec; i++) {
		struct rp_exec *x = &r->exec[i];
		free_proc(&x->proc);
		for (size_t j = 0; x->anc != NULL && j < x->n_anc; j++)
			free_proc(&x->anc[j]);
		free(x->anc);
		for (size_t j = 0; j < x->n_desc; j++)
			free_proc(&x->desc[j]);
		free(x->desc);
	}
	free(r->exec);
	free_rows(&r->files_written);
	free_rows(&r->registry);
	free_rows(&r->files_read);
	free_rows(&r->network);
	for (int f = 0; f < RP_ATTR_COUNT; f++) {
		free(r->attr[f].value);
		for (size_t i = 0; i < r->attr[f].n_vals; i++) {
			free(r->attr[f].vals[i].value);
			free(r->attr[f].vals[i].source);
		}
		free(r->attr[f].vals);
	}
	for (size_t i = 0; i < r->n_notes; i++) {
		free(r->notes[i].en);
		free(r->notes[i].ja);
	}
	free(r->notes);
	free(r);
}

const char *report_attr_name(enum rp_attr_field f)
{
	static const char *const names[RP_ATTR_COUNT] = {
		"sha256", "sha1", "md5", "imphash", "signed", "signature",
		"original_file_name", "company", "description",
	};
	return (unsigned)f < RP_ATTR_COUNT ? names[f] : "?";
}
