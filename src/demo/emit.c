/* emit.c - the events of one endpoint: built field by field into an arena,
 * sorted by time, written as native NDJSON lines with a record id that
 * grows with time (so every line is unique and reloading it is a no-op). */
#include <stdlib.h>
#include <string.h>

#include "demo/demo.h"

void eg_init(struct epgen *g, const struct endpoint *e, uint64_t seed,
             int64_t from, int64_t now)
{
	memset(g, 0, sizeof *g);
	g->e = e;
	g->seed = seed;
	g->from = from;
	g->now = now;
	rng_seed(&g->r, seed, 0x10000u + (uint64_t)e->idx);
	g->next_pid = 4;
	g->load_cap = -1;
	g->record = 1000 + rng_below(&g->r, 500000);
}

void eg_free(struct epgen *g)
{
	for (size_t i = 0; i < g->nprocs; i++) {
		free(g->procs[i]->image);
		free(g->procs[i]->cmdline);
		free(g->procs[i]);
	}
	free(g->procs);
	free(g->ev);
	sb_free(&g->arena);
	sb_free(&g->cur);
}

char *eg_str(struct epgen *g, const char *s)
{
	/* kept as a process's cmdline slot of a dummy process: freed with it */
	struct proc *p = xcalloc(1, sizeof *p);
	p->cmdline = xstrdup(s);
	if (g->nprocs == g->capprocs) {
		g->capprocs = g->capprocs ? g->capprocs * 2 : 256;
		g->procs = xrealloc(g->procs, g->capprocs * sizeof *g->procs);
	}
	g->procs[g->nprocs++] = p;
	return p->cmdline;
}

struct proc *proc_new(struct epgen *g, struct proc *parent, const char *image,
                      const char *cmdline, const char *user,
                      const char *integrity, int64_t start)
{
	struct proc *p = xcalloc(1, sizeof *p);
	if (g->nprocs == g->capprocs) {
		g->capprocs = g->capprocs ? g->capprocs * 2 : 256;
		g->procs = xrealloc(g->procs, g->capprocs * sizeof *g->procs);
	}
	g->procs[g->nprocs++] = p;
	if (strcmp(image, "System") == 0) {
		p->pid = 4;
	} else {
		g->next_pid += 4 * (uint32_t)rng_range(&g->r, 1, 60);
		if (g->next_pid > 30000)
			g->next_pid = 400 + 4 * (uint32_t)rng_below(&g->r, 100);
		p->pid = g->next_pid;
	}
	/* Sysmon-like GUID: machine, then the start time, then a sequence */
	uint32_t secs = (uint32_t)(start / US_SEC);
	g->guid_seq++;
	snprintf(p->guid, sizeof p->guid, "%08x-%04x-%04x-%04x-%012llx", g->e->machine,
	         (unsigned)(secs >> 16), (unsigned)(secs & 0xffff),
	         (unsigned)(0x0100 + (g->guid_seq >> 20 & 0xff)),
	         (unsigned long long)(0x001000000000ULL + g->guid_seq * 0x1f3ULL));
	p->image = xstrdup(image);
	p->cmdline = cmdline != NULL ? xstrdup(cmdline) : NULL;
	p->user = user;
	p->integrity = integrity;
	p->parent = parent;
	p->start = start;
	if (parent != NULL)
		parent->children++;
	p->exe = exe_find(image);
	return p;
}

/* ---- the event builder ---- */

void ev_begin(struct epgen *g, int64_t ts, enum ev_kind kind, int eid,
              const struct proc *p)
{
	g->cur.n = 0;
	if (g->cur.p != NULL)
		g->cur.p[0] = '\0';
	g->cur_ts = ts;
	g->cur_kind = (int)kind;
	g->cur_eid = eid;
	g->cur_drop = ts > g->now || ts < g->from;
	if (g->cur_drop || p == NULL)
		return;
	ev_str(g, "proc_guid", p->guid);
	ev_int(g, "pid", p->pid);
	ev_str(g, "image", p->image);
}

void ev_str(struct epgen *g, const char *key, const char *v)
{
	if (g->cur_drop || v == NULL)
		return;
	sb_printf(&g->cur, ",\"%s\":", key);
	sb_json(&g->cur, v);
}

void ev_int(struct epgen *g, const char *key, int64_t v)
{
	if (g->cur_drop)
		return;
	sb_printf(&g->cur, ",\"%s\":%lld", key, (long long)v);
}

void ev_bool(struct epgen *g, const char *key, bool v)
{
	if (g->cur_drop)
		return;
	sb_printf(&g->cur, ",\"%s\":%s", key, v ? "true" : "false");
}

void ev_end(struct epgen *g)
{
	if (g->cur_drop)
		return;
	if (g->nev == g->cap) {
		g->cap = g->cap ? g->cap * 2 : 4096;
		g->ev = xrealloc(g->ev, g->cap * sizeof *g->ev);
	}
	struct gev *v = &g->ev[g->nev];
	v->ts = g->cur_ts;
	v->seq = (uint32_t)g->nev;
	v->kind = (uint16_t)g->cur_kind;
	v->eid = (uint16_t)g->cur_eid;
	v->off = (uint32_t)g->arena.n;
	v->len = (uint32_t)g->cur.n;
	if (g->arena.n + g->cur.n > UINT32_MAX - 1)
		die("%s: too many events", g->e->host);
	sb_putn(&g->arena, g->cur.p != NULL ? g->cur.p : "", g->cur.n);
	g->nev++;
}

static int gev_cmp(const void *a, const void *b)
{
	const struct gev *x = a, *y = b;
	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

size_t eg_write(struct epgen *g, FILE *f)
{
	qsort(g->ev, g->nev, sizeof *g->ev, gev_cmp);
	struct sb line = {0};
	for (size_t i = 0; i < g->nev; i++) {
		const struct gev *v = &g->ev[i];
		char t[40];
		fmt_time(v->ts, t, sizeof t);
		line.n = 0;
		sb_printf(&line, "{\"type\":\"event\",\"host\":\"%s\",\"time\":\"%s\",\"kind\":\"%s\"",
		          g->e->host, t, ev_kind_name((enum ev_kind)v->kind));
		if (v->eid != 0)
			sb_printf(&line, ",\"eid\":%u", (unsigned)v->eid);
		sb_printf(&line, ",\"record_id\":%llu", (unsigned long long)g->record++);
		sb_putn(&line, g->arena.p + v->off, v->len);
		sb_puts(&line, "}\n");
		if (fwrite(line.p, 1, line.n, f) != line.n)
			die("write: short write");
	}
	sb_free(&line);
	return g->nev;
}

/* ---- common events ---- */

static void exe_fields(struct epgen *g, const struct proc *p, bool with_meta)
{
	char sha[65], sha1[41], md5[33];
	if (p->sha256 != NULL) {
		ev_str(g, "sha256", p->sha256);
	} else {
		file_hashes(p->image, g->seed, sha, sha1, md5);
		ev_str(g, "sha256", sha);
		ev_str(g, "md5", md5);
	}
	if (!with_meta)
		return;
	if (p->exe != NULL) {
		ev_bool(g, "signed", p->exe->signed_ != 0);
		ev_str(g, "signature", p->exe->signature);
		ev_str(g, "company", p->exe->company);
		ev_str(g, "description", p->exe->description);
		ev_str(g, "product", p->exe->product);
		ev_str(g, "original_file_name", p->exe->ofn);
	} else {
		ev_bool(g, "signed", false);
	}
}

void ev_proc_start(struct epgen *g, struct proc *p)
{
	ev_begin(g, p->start, EV_PROCESS_START, 1, p);
	ev_str(g, "cmdline", p->cmdline);
	ev_str(g, "user", p->user);
	ev_str(g, "integrity", p->integrity);
	if (p->parent != NULL) {
		ev_str(g, "parent_guid", p->parent->guid);
		ev_int(g, "parent_pid", p->parent->pid);
		ev_str(g, "parent_image", p->parent->image);
		ev_str(g, "parent_cmdline", p->parent->cmdline);
	}
	exe_fields(g, p, true);
	ev_end(g);
}

void ev_proc_end(struct epgen *g, struct proc *p, int64_t ts)
{
	p->end = ts;
	ev_begin(g, ts, EV_PROCESS_END, 5, p);
	ev_str(g, "user", p->user);
	ev_end(g);
}

void ev_load(struct epgen *g, const struct proc *p, int64_t ts, const char *dll,
             const char *sha256, bool signed_, const char *sig)
{
	char sha[65], md5[33];
	ev_begin(g, ts, EV_IMAGE_LOAD, 7, p);
	ev_str(g, "target", dll);
	if (sha256 != NULL) {
		ev_str(g, "sha256", sha256);
	} else {
		file_hashes(dll, g->seed, sha, NULL, md5);
		ev_str(g, "sha256", sha);
		ev_str(g, "md5", md5);
	}
	ev_bool(g, "signed", signed_);
	ev_str(g, "signature", sig);
	ev_end(g);
}

void ev_image_loads(struct epgen *g, const struct proc *p, int set, int max)
{
	const char *const *l = dll_list(set);
	if (l == NULL)
		return;
	int64_t t = p->start + rng_range(&g->r, 2, 15) * US_MS;
	/* the image itself, then its DLLs */
	ev_load(g, p, t, p->image, p->sha256, p->exe != NULL && p->exe->signed_,
	        p->exe != NULL ? p->exe->signature : NULL);
	for (int n = 0; *l != NULL && (max < 0 || n < max); l++, n++) {
		t += rng_range(&g->r, 1, 12) * US_MS;
		ev_load(g, p, t, *l, NULL, true, "Microsoft Windows");
	}
}

void ev_file(struct epgen *g, const struct proc *p, int64_t ts, enum ev_kind k,
             const char *path, const char *sha256)
{
	int eid = k == EV_FILE_CREATE ? (sha256 != NULL ? 29 : 11) :
	          k == EV_FILE_DELETE ? 23 : 0;
	ev_begin(g, ts, k, eid, p);
	ev_str(g, "target", path);
	ev_str(g, "sha256", sha256);
	ev_end(g);
}

void ev_stream(struct epgen *g, const struct proc *p, int64_t ts,
               const char *path, const char *sha256, const char *url,
               const char *referrer)
{
	char *target = xprintf("%s:Zone.Identifier", path);
	char *details = xprintf("[ZoneTransfer]  ZoneId=3  ReferrerUrl=%s  HostUrl=%s",
	                        referrer != NULL ? referrer : "", url);
	ev_begin(g, ts, EV_FILE_STREAM, 15, p);
	ev_str(g, "target", target);
	ev_str(g, "details", details);
	ev_str(g, "sha256", sha256);
	ev_end(g);
	free(target);
	free(details);
}

void ev_reg(struct epgen *g, const struct proc *p, int64_t ts, enum ev_kind k,
            const char *key, const char *value)
{
	ev_begin(g, ts, k, k == EV_REGISTRY_SET ? 13 : 12, p);
	ev_str(g, "target", key);
	ev_str(g, "details", value);
	ev_end(g);
}

int64_t ev_net(struct epgen *g, const struct proc *p, int64_t ts,
               const char *name, const char *ip, int port, bool dns)
{
	if (dns && name != NULL) {
		char res[64];
		snprintf(res, sizeof res, "::ffff:%s;", ip);
		ev_begin(g, ts, EV_DNS_QUERY, 22, p);
		ev_str(g, "target", name);
		ev_str(g, "details", res);
		ev_end(g);
		ts += rng_range(&g->r, 5, 80) * US_MS;
	}
	ev_begin(g, ts, EV_NET_CONNECT, 3, p);
	ev_str(g, "user", p->user);
	ev_str(g, "proto", "tcp");
	ev_bool(g, "initiated", true);
	ev_str(g, "local_ip", g->e->ip);
	ev_int(g, "local_port", rng_range(&g->r, 49152, 65535));
	ev_str(g, "remote_ip", ip);
	ev_int(g, "remote_port", port);
	ev_end(g);
	return ts + rng_range(&g->r, 20, 400) * US_MS;
}
