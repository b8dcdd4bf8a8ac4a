/* evidence.c - the events behind one alert's quick report; see evidence.h. */
#include "db/evidence.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "db/conn.h"

/* Columns of every event query, in the order row_to_ev() reads them. */
#define EV_COLS \
	"(extract(epoch FROM ts) * 1000000)::int8, kind::text, eid, record_id," \
	" proc_guid::text, pid, image, cmdline, user_name, integrity," \
	" parent_guid::text, parent_pid, parent_image, parent_cmdline, target," \
	" details, proto, remote_ip, remote_port, local_ip, local_port, initiated," \
	" sha256, sha1, md5, imphash, signed, signature, original_file_name," \
	" company, description, product, extra->>'DestinationHostname'," \
	" proc_key, id"
enum { C_TS, C_KIND, C_EID, C_REC, C_GUID, C_PID, C_IMAGE, C_CMD, C_USER,
       C_INTEG, C_PGUID, C_PPID, C_PIMAGE, C_PCMD, C_TARGET, C_DETAILS,
       C_PROTO, C_RIP, C_RPORT, C_LIP, C_LPORT, C_INIT, C_SHA256, C_SHA1,
       C_MD5, C_IMPHASH, C_SIGNED, C_SIGNATURE, C_OFN, C_COMPANY, C_DESC,
       C_PRODUCT, C_DSTHOST, C_KEY, C_ID };

#define MAX_SEEDS 200           /* executions / writers followed */

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static PGresult *q(PGconn *c, struct evidence *ev, const char *what, const char *sql,
                   int n, const char *const *params, char **err)
{
	double t0 = now_ms();
	PGresult *r = db_exec(c, what, sql, n, params, NULL, err);
	double ms = now_ms() - t0;
	if (ev->n_queries < 8) {
		ev->q[ev->n_queries].what = what;
		ev->q[ev->n_queries].ms = ms;
		ev->q[ev->n_queries].rows = r != NULL ? PQntuples(r) : -1;
	}
	ev->query_ms += ms;
	ev->n_queries++;
	return r;
}

static char *cell(const PGresult *r, int row, int col)
{
	if (PQgetisnull(r, row, col))
		return NULL;
	return strdup(PQgetvalue(r, row, col));
}

static int64_t cell_i64(const PGresult *r, int row, int col, int64_t dflt)
{
	int64_t v;
	if (PQgetisnull(r, row, col) || db_parse_i64(PQgetvalue(r, row, col), &v) != 0)
		return dflt;
	return v;
}

static int cell_bool(const PGresult *r, int row, int col)
{
	if (PQgetisnull(r, row, col))
		return -1;
	return PQgetvalue(r, row, col)[0] == 't';
}

/* ---- a set of (proc_key, pid) ---------------------------------------------- */

struct pset {
	int64_t *key, *pid;
	size_t n, cap;
};

static int pset_has(const struct pset *s, int64_t key, int64_t pid)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->key[i] == key && s->pid[i] == pid)
			return 1;
	return 0;
}

static int pset_add(struct pset *s, int64_t key, int64_t pid)
{
	if (key == 0 || pset_has(s, key, pid))
		return 0;
	if (s->n == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 32;
		int64_t *nk = realloc(s->key, nc * sizeof *nk);
		if (nk == NULL)
			return -1;
		s->key = nk;
		int64_t *np = realloc(s->pid, nc * sizeof *np);
		if (np == NULL)
			return -1;
		s->pid = np;
		s->cap = nc;
	}
	s->key[s->n] = key;
	s->pid[s->n] = pid;
	s->n++;
	return 0;
}

static void pset_free(struct pset *s)
{
	free(s->key);
	free(s->pid);
	memset(s, 0, sizeof *s);
}

/* PostgreSQL array literal "{1,2,3}" of the keys (which = 0) or pids
 * (which = 1) of one or two sets; NULL on allocation failure. */
static char *pg_array(const struct pset *a, const struct pset *b, int which)
{
	size_t n = a->n + (b != NULL ? b->n : 0);
	char *s = malloc(n * 22 + 3);
	if (s == NULL)
		return NULL;
	char *o = s;
	*o++ = '{';
	for (int k = 0; k < 2; k++) {
		const struct pset *p = k == 0 ? a : b;
		for (size_t i = 0; p != NULL && i < p->n; i++) {
			if (o > s + 1)
				*o++ = ',';
			o += sprintf(o, "%lld", (long long)(which ? p->pid[i] : p->key[i]));
		}
	}
	*o++ = '}';
	*o = '\0';
	return s;
}

/* ---- rows to events ---------------------------------------------------------- */

static int row_to_ev(const PGresult *r, int row, struct ev *e)
{
	ev_init(e);
	int k = ev_kind_from_name(PQgetvalue(r, row, C_KIND));
	if (k < 0)
		return 1;           /* a kind this build does not know: skip */
	e->kind = (enum ev_kind)k;
	e->ts_us = cell_i64(r, row, C_TS, 0);
	e->eid = (int)cell_i64(r, row, C_EID, 0);
	e->record_id = cell_i64(r, row, C_REC, -1);
	e->pid = cell_i64(r, row, C_PID, -1);
	e->parent_pid = cell_i64(r, row, C_PPID, -1);
	e->remote_port = cell_i64(r, row, C_RPORT, -1);
	e->local_port = cell_i64(r, row, C_LPORT, -1);
	e->initiated = cell_bool(r, row, C_INIT);
	e->signed_ = cell_bool(r, row, C_SIGNED);
	struct {
		int col;
		char **slot;
	} strs[] = {
		{C_GUID, &e->proc_guid}, {C_IMAGE, &e->image}, {C_CMD, &e->cmdline},
		{C_USER, &e->user}, {C_INTEG, &e->integrity}, {C_PGUID, &e->parent_guid},
		{C_PIMAGE, &e->parent_image}, {C_PCMD, &e->parent_cmdline},
		{C_TARGET, &e->target}, {C_DETAILS, &e->details}, {C_PROTO, &e->proto},
		{C_RIP, &e->remote_ip}, {C_LIP, &e->local_ip}, {C_SHA256, &e->sha256},
		{C_SHA1, &e->sha1}, {C_MD5, &e->md5}, {C_IMPHASH, &e->imphash},
		{C_SIGNATURE, &e->signature}, {C_OFN, &e->original_file_name},
		{C_COMPANY, &e->company}, {C_DESC, &e->description},
		{C_PRODUCT, &e->product},
	};
	for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
		if (PQgetisnull(r, row, strs[i].col))
			continue;
		if ((*strs[i].slot = strdup(PQgetvalue(r, row, strs[i].col))) == NULL)
			return -1;
	}
	if (!PQgetisnull(r, row, C_DSTHOST)) {
		e->extra = json_pack("{s:s}", "DestinationHostname",
		                     PQgetvalue(r, row, C_DSTHOST));
		if (e->extra == NULL)
			return -1;
	}
	return 0;
}

/* Event ids already taken (rows of several queries overlap). */
struct idset {
	int64_t *v;
	size_t n, cap;       /* open addressing, 0 = empty */
};

static int idset_add(struct idset *s, int64_t id)
{
	if ((s->n + 1) * 2 > s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 1024;
		int64_t *nv = calloc(nc, sizeof *nv);
		if (nv == NULL)
			return -1;
		for (size_t i = 0; i < s->cap; i++) {
			if (s->v[i] == 0)
				continue;
			size_t h = (size_t)((uint64_t)s->v[i] * 0x9E3779B97F4A7C15ull >> 20) & (nc - 1);
			while (nv[h] != 0)
				h = (h + 1) & (nc - 1);
			nv[h] = s->v[i];
		}
		free(s->v);
		s->v = nv;
		s->cap = nc;
	}
	size_t h = (size_t)((uint64_t)id * 0x9E3779B97F4A7C15ull >> 20) & (s->cap - 1);
	while (s->v[h] != 0) {
		if (s->v[h] == id)
			return 0;
		h = (h + 1) & (s->cap - 1);
	}
	s->v[h] = id;
	s->n++;
	return 1;
}

/* Append the rows of r not seen before. 0, or -1 (allocation). */
static int take_rows(struct evidence *ev, struct idset *seen, const PGresult *r)
{
	int rows = PQntuples(r);
	for (int i = 0; i < rows; i++) {
		if (PQgetisnull(r, i, C_ID))
			continue;           /* the fast seed query's empty row */
		int fresh = idset_add(seen, cell_i64(r, i, C_ID, 0));
		if (fresh < 0)
			return -1;
		if (fresh == 0)
			continue;
		if (ev->n == ev->cap) {
			size_t nc = ev->cap ? ev->cap * 2 : 256;
			struct ev *nv = realloc(ev->evs, nc * sizeof *nv);
			if (nv == NULL)
				return -1;
			ev->evs = nv;
			ev->cap = nc;
		}
		int rc = row_to_ev(r, i, &ev->evs[ev->n]);
		if (rc < 0) {
			ev_clear(&ev->evs[ev->n]);
			return -1;
		}
		if (rc > 0) {
			ev_clear(&ev->evs[ev->n]);
			continue;
		}
		ev->n++;
	}
	return 0;
}

/* ---- the queries -------------------------------------------------------------- */

static const char sql_alert[] =
	"SELECT a.id, t.name, e.hostname, a.endpoint_id, a.path, a.sha256,"
	" (extract(epoch FROM a.detected_at) * 1000000)::int8,"
	" (extract(epoch FROM a.received_at) * 1000000)::int8,"
	" a.detection, a.action,"
	" (extract(epoch FROM coalesce($2::timestamptz, now())) * 1000000)::int8,"
	/* JIT compilation costs 50-100 ms and the row estimates of the path
	 * hash indexes are pessimistic enough to trigger it: off for this
	 * session's evidence queries. */
	" set_config('jit', 'off', false)"
	" FROM alert a JOIN endpoint e ON e.id = a.endpoint_id"
	" JOIN tenant t ON t.id = a.tenant_id WHERE a.id = $1";

/* The file's events: $1 endpoint, $2 from, $3 to, $4 lower target paths,
 * $5 lower image path, $6 sha256 (NULL: none).
 *
 * A detected file is usually rare, so the fast form looks it up by the
 * hash indexes alone, over every endpoint, with at most SEED_PROBE rows,
 * and keeps this endpoint's; the last column counts the rows looked at
 * (a LEFT JOIN gives one all-NULL row when none is this endpoint's). When
 * the probe is full the file is common (a popular program), and the slow
 * form adds the endpoint to the index search (BitmapAnd with event_proc's
 * endpoint prefix: ~0.5 ms per daily partition, whatever the file). */
#define SEED_WHERE \
	" ts >= $2::timestamptz AND ts <= $3::timestamptz" \
	" AND ((lower(target) = ANY($4::text[])" \
	"       AND kind IN ('file_create','file_write','file_stream','file_delete','image_load'))" \
	"   OR (lower(image) = $5 AND kind = 'process_start')" \
	"   OR sha256 = $6)"
#define SEED_PROBE 500
static const char sql_seeds_fast[] =
	"WITH s AS MATERIALIZED (SELECT * FROM event WHERE" SEED_WHERE " LIMIT 501),"
	" m AS (SELECT * FROM s WHERE endpoint_id = $1)"
	" SELECT " EV_COLS ", c.n FROM (SELECT count(*) AS n FROM s) c LEFT JOIN m ON true";
static const char sql_seeds[] =
	"SELECT " EV_COLS " FROM event WHERE endpoint_id = $1 AND" SEED_WHERE;

/* Process starts naming the file in their command line (non-PE files):
 * $4 is the lower-case file name. */
static const char sql_cmdline[] =
	"SELECT " EV_COLS " FROM event"
	" WHERE endpoint_id = $1 AND ts >= $2::timestamptz AND ts <= $3::timestamptz"
	" AND kind = 'process_start' AND strpos(lower(cmdline), $4) > 0";

/* The processes of interest and their events, in one statement.
 * d: descendants of the executions ($4 keys, $5 pids) started from $2 (the
 * first execution) to $3; a: the process starts of the executions, the
 * writers ($6 keys, $7 pids) and their ancestors, started from $8 (the
 * window's start) to $9 (the last seed), each row carrying the next
 * parent. LATERAL makes both walks per-row index probes (event_parent,
 * event_proc_start of 006_evidence.sql) rather than joins over the
 * endpoint's starts, and an ancestor costs one probe, not its events
 * (explorer or services have thousands). UNION (d) and the depth bound
 * (a) end loops in bad data; the LIMITs end runaway walks (recursion is
 * lazy). The rows returned:
 *   - every event of d in the whole window [$8, $3] (event_proc; network
 *     clocks can be hours off, so no tighter time bound);
 *   - the process starts found by a;
 *   - network and DNS of the writers ($10 keys) from 1 h before their
 *     first write to 10 min after their last ([$20, $21]);
 *   - registry changes naming the file ($19: lower-case stem; NULL: none)
 *     within up to four windows [$11,$12] .. [$17,$18] (NULL: unused). */
static const char sql_procs[] =
	"WITH RECURSIVE"
	" d(k, p) AS ("
	"  SELECT * FROM unnest($4::int8[], $5::int8[])"
	"  UNION"
	"  SELECT c.proc_key, c.pid FROM d CROSS JOIN LATERAL ("
	"   SELECT e.proc_key, e.pid FROM event e"
	"   WHERE e.endpoint_id = $1 AND e.kind = 'process_start'"
	"   AND e.parent_key = d.k AND e.parent_pid = d.p AND e.proc_key IS NOT NULL"
	"   AND e.ts >= $2::timestamptz AND e.ts <= $3::timestamptz) c),"
	" a(k, p, r, n) AS ("
	"  SELECT u.k, u.p, NULL::event, 0 FROM unnest($6::int8[], $7::int8[]) AS u(k, p)"
	"  UNION ALL"
	"  SELECT (s.e).parent_key, (s.e).parent_pid, s.e, a.n + 1 FROM a CROSS JOIN LATERAL ("
	"   SELECT e FROM event e"
	"   WHERE e.endpoint_id = $1 AND e.kind = 'process_start'"
	"   AND e.proc_key = a.k AND e.pid = a.p"
	"   AND e.ts >= $8::timestamptz AND e.ts <= $9::timestamptz LIMIT 1) s"
	"  WHERE a.k IS NOT NULL AND a.n < 64),"
	" dk AS MATERIALIZED (SELECT k FROM d LIMIT 5000)"
	" SELECT " EV_COLS " FROM event"
	" WHERE endpoint_id = $1 AND ts >= $8::timestamptz AND ts <= $3::timestamptz"
	" AND proc_key = ANY (ARRAY(SELECT k FROM dk))"
	" UNION ALL"
	" SELECT " EV_COLS " FROM (SELECT (r).* FROM a WHERE n > 0 LIMIT 1000) st"
	" UNION ALL"
	" SELECT " EV_COLS " FROM event"
	" WHERE endpoint_id = $1 AND ts >= $20::timestamptz AND ts <= $21::timestamptz"
	" AND kind IN ('net_connect','dns_query') AND proc_key = ANY($10::int8[])"
	" UNION ALL"
	" SELECT " EV_COLS " FROM event"
	" WHERE endpoint_id = $1"
	" AND kind IN ('registry_set','registry_create','registry_delete','registry_rename')"
	" AND ((ts >= $11::timestamptz AND ts <= $12::timestamptz)"
	"   OR (ts >= $13::timestamptz AND ts <= $14::timestamptz)"
	"   OR (ts >= $15::timestamptz AND ts <= $16::timestamptz)"
	"   OR (ts >= $17::timestamptz AND ts <= $18::timestamptz))"
	" AND (strpos(lower(target), $19) > 0 OR strpos(lower(details), $19) > 0)";

#define REG_WINDOW_US (120LL * 1000000)
/* The writers' network that report.c keeps (WRITER_NET_*). */
#define WRITER_NET_BEFORE_US (3600LL * 1000000)
#define WRITER_NET_AFTER_US (10LL * 60 * 1000000)

static char *lower_copy(const char *s)
{
	char *c = strdup(s != NULL ? s : "");
	for (char *p = c; p != NULL && *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p + ('a' - 'A'));
	return c;
}

static const char *file_name(const char *path)
{
	const char *s = strrchr(path, '\\');
	const char *f = strrchr(path, '/');
	if (f != NULL && (s == NULL || f > s))
		s = f;
	return s != NULL ? s + 1 : path;
}

static int non_pe(const char *path)
{
	static const char *const pe[] = {
		"exe", "dll", "sys", "scr", "com", "cpl", "ocx", "drv", "efi",
		"mui", "ax", "tsp", "pif",
	};
	const char *dot = strrchr(file_name(path), '.');
	if (dot == NULL)
		return 1;
	for (size_t i = 0; i < sizeof pe / sizeof pe[0]; i++)
		if (strcasecmp(dot + 1, pe[i]) == 0)
			return 0;
	return 1;
}

static int load_alert(PGconn *c, int64_t alert_id, int64_t to_us, struct evidence *ev,
                      char **err)
{
	char id[24], tbuf[DB_TS_LEN];
	snprintf(id, sizeof id, "%lld", (long long)alert_id);
	const char *p[2] = {id, to_us != 0 ? db_format_ts(to_us, tbuf) : NULL};
	PGresult *r = q(c, ev, "load alert", sql_alert, 2, p, err);
	if (r == NULL)
		return -1;
	if (PQntuples(r) == 0) {
		PQclear(r);
		return 1;
	}
	ev->tenant = cell(r, 0, 1);
	ev->host = cell(r, 0, 2);
	ev->endpoint_id = cell_i64(r, 0, 3, 0);
	ev->path = cell(r, 0, 4);
	ev->sha256 = cell(r, 0, 5);
	ev->detection = cell(r, 0, 8);
	ev->action = cell(r, 0, 9);
	ev->alert.id = alert_id;
	ev->alert.detected_us = cell_i64(r, 0, 6, 0);
	ev->alert.received_us = cell_i64(r, 0, 7, 0);
	ev->to_us = cell_i64(r, 0, 10, 0);
	PQclear(r);
	if (ev->path == NULL || ev->tenant == NULL || ev->host == NULL) {
		*err = db_strf("load alert: out of memory");
		return -1;
	}
	ev->alert.tenant = ev->tenant;
	ev->alert.host = ev->host;
	ev->alert.path = ev->path;
	ev->alert.sha256 = ev->sha256;
	ev->alert.detection = ev->detection;
	ev->alert.action = ev->action;
	ev->from_us = ev->alert.detected_us - EVIDENCE_LOOKBACK_US;
	if (ev->to_us < ev->alert.detected_us)
		ev->to_us = ev->alert.detected_us;
	return 0;
}

/* Seeds -> executions (x) and writers (w); times of the file's writes and
 * executions into t[] (first and last of each). */
static int classify_seeds(struct evidence *ev, struct pset *x, struct pset *w,
                          int64_t t[4])
{
	for (size_t i = 0; i < ev->n; i++) {
		const struct ev *e = &ev->evs[i];
		int64_t key = ev_guid_prefix(e->proc_guid);
		int rc = 0;
		if (e->kind == EV_PROCESS_START || e->kind == EV_IMAGE_LOAD) {
			if (x->n < MAX_SEEDS)
				rc = pset_add(x, key, e->pid);
			if (t[2] == 0 || e->ts_us < t[2])
				t[2] = e->ts_us;
			if (e->ts_us > t[3])
				t[3] = e->ts_us;
		} else if (e->kind != EV_FILE_DELETE) {
			if (w->n < MAX_SEEDS)
				rc = pset_add(w, key, e->pid);
			if (t[0] == 0 || e->ts_us < t[0])
				t[0] = e->ts_us;
			if (e->ts_us > t[1])
				t[1] = e->ts_us;
		}
		if (rc < 0)
			return -1;
	}
	return 0;
}

int evidence_load(PGconn *c, int64_t alert_id, int64_t to_us,
                  struct evidence *ev, char **err)
{
	memset(ev, 0, sizeof *ev);
	int rc = load_alert(c, alert_id, to_us, ev, err);
	if (rc != 0)
		return rc;

	char endp[24], from[DB_TS_LEN], to[DB_TS_LEN];
	snprintf(endp, sizeof endp, "%lld", (long long)ev->endpoint_id);
	db_format_ts(ev->from_us, from);
	db_format_ts(ev->to_us, to);
	struct idset seen = {0};
	struct pset x = {0}, w = {0};
	char *lpath = lower_copy(ev->path);
	char *lname = lower_copy(file_name(ev->path));
	char *targets = NULL, *sha = ev->sha256 != NULL && ev->sha256[0] != '\0'
	                           ? lower_copy(ev->sha256) : NULL;
	char *arr[5] = {0};
	PGresult *r = NULL;
	rc = -1;
	if (lpath == NULL || lname == NULL)
		goto oom;

	/* 2. seeds. The target list is a text[] literal: quote each path. */
	{
		size_t l = strlen(lpath);
		targets = malloc(4 * l + 64);
		if (targets == NULL)
			goto oom;
		char *o = targets;
		*o++ = '{';
		for (int k = 0; k < 2; k++) {
			if (k)
				*o++ = ',';
			*o++ = '"';
			for (const char *s = lpath; *s; s++) {
				if (*s == '"' || *s == '\\')
					*o++ = '\\';
				*o++ = *s;
			}
			if (k)
				o += sprintf(o, ":zone.identifier");
			*o++ = '"';
		}
		*o++ = '}';
		*o = '\0';
	}
	const char *p_seeds[6] = {endp, from, to, targets, lpath, sha};
	if ((r = q(c, ev, "evidence: file events", sql_seeds_fast, 6, p_seeds, err)) == NULL)
		goto out;
	if (cell_i64(r, 0, C_ID + 1, 0) > SEED_PROBE) {
		PQclear(r);
		r = q(c, ev, "evidence: file events (common)", sql_seeds, 6, p_seeds, err);
		if (r == NULL)
			goto out;
	}
	if (take_rows(ev, &seen, r) < 0)
		goto oom;
	PQclear(r);
	r = NULL;
	if (non_pe(ev->path)) {
		const char *p_cmd[4] = {endp, from, to, lname};
		if ((r = q(c, ev, "evidence: command lines", sql_cmdline, 4, p_cmd, err)) == NULL)
			goto out;
		if (take_rows(ev, &seen, r) < 0)
			goto oom;
		PQclear(r);
		r = NULL;
	}
	int64_t t[4] = {0, 0, 0, 0};
	if (classify_seeds(ev, &x, &w, t) < 0)
		goto oom;

	/* 3, 4. descendants, ancestors, their events; registry changes naming
	 * the file around its writes and executions. */
	int any = 0;
	for (int i = 0; i < 4; i++)
		any |= t[i] != 0;
	if (x.n + w.n > 0 || any) {
		arr[0] = pg_array(&x, NULL, 0);
		arr[1] = pg_array(&x, NULL, 1);
		arr[2] = pg_array(&x, &w, 0);
		arr[3] = pg_array(&x, &w, 1);
		arr[4] = pg_array(&w, NULL, 0);
		if (arr[0] == NULL || arr[1] == NULL || arr[2] == NULL || arr[3] == NULL ||
		    arr[4] == NULL)
			goto oom;
		/* Descendants start after the first execution; ancestors
		 * before the last seed: fewer partitions to plan and scan. */
		char dfrom[DB_TS_LEN], ato[DB_TS_LEN], tb[8][DB_TS_LEN], stem[256];
		int64_t last = t[1] > t[3] ? t[1] : t[3];
		db_format_ts(t[2] != 0 ? t[2] : ev->from_us, dfrom);
		db_format_ts(last != 0 ? last : ev->to_us, ato);
		snprintf(stem, sizeof stem, "%s", lname);
		char *dot = strrchr(stem, '.');
		if (dot != NULL && dot != stem)
			*dot = '\0';
		const char *p[21] = {endp, dfrom, to, arr[0], arr[1], arr[2], arr[3],
		                     from, ato, arr[4]};
		char wfrom[DB_TS_LEN], wto[DB_TS_LEN];
		if (t[0] != 0) {
			p[19] = db_format_ts(t[0] - WRITER_NET_BEFORE_US, wfrom);
			p[20] = db_format_ts(t[1] + WRITER_NET_AFTER_US, wto);
		}
		for (int i = 0; i < 4; i++) {
			if (t[i] == 0)
				continue;
			p[10 + 2 * i] = db_format_ts(t[i] - REG_WINDOW_US, tb[2 * i]);
			p[11 + 2 * i] = db_format_ts(t[i] + REG_WINDOW_US, tb[2 * i + 1]);
		}
		p[18] = strlen(stem) >= 4 ? stem : NULL;
		if ((r = q(c, ev, "evidence: processes, registry", sql_procs, 21, p, err)) == NULL)
			goto out;
		if (take_rows(ev, &seen, r) < 0)
			goto oom;
		PQclear(r);
		r = NULL;
	}
	rc = 0;
	goto out;
oom:
	*err = db_strf("evidence: out of memory");
out:
	PQclear(r);
	for (int i = 0; i < 5; i++)
		free(arr[i]);
	free(seen.v);
	pset_free(&x);
	pset_free(&w);
	free(lpath);
	free(lname);
	free(targets);
	free(sha);
	if (rc != 0)
		evidence_free(ev);
	return rc;
}

void evidence_free(struct evidence *ev)
{
	if (ev == NULL)
		return;
	for (size_t i = 0; i < ev->n; i++)
		ev_clear(&ev->evs[i]);
	free(ev->evs);
	free(ev->tenant);
	free(ev->host);
	free(ev->path);
	free(ev->sha256);
	free(ev->detection);
	free(ev->action);
	memset(ev, 0, sizeof *ev);
}
