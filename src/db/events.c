/* events.c - the event loader: batches, dedup pre-check, COPY, fallback;
 * see events.h for the protocol. Rows are encoded by event_copy.c. */
#include "db/events.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db/conn.h"
#include "db/copy.h"

/* Everything but endpoint_id and dedup depends on the event alone and can
 * be encoded by any thread (db_event_encode_tail). */
const char db_event_columns[] =
	"endpoint_id, ts, kind, eid, record_id, dedup, proc_guid, proc_key, pid,"
	" image, cmdline, user_name, integrity, parent_guid, parent_key,"
	" parent_pid, parent_image, parent_cmdline, target, details, proto,"
	" remote_ip, remote_port, local_ip, local_port, initiated, sha256, sha1,"
	" md5, imphash, signed, signature, original_file_name, company,"
	" description, product, extra";

#define US_PER_DAY INT64_C(86400000000)

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);
	if (p == NULL) {
		fputs("itrace: out of memory (event loader)\n", stderr);
		abort();
	}
	return p;
}

static void *xrealloc(void *p, size_t size)
{
	p = realloc(p, size);
	if (p == NULL) {
		fputs("itrace: out of memory (event loader)\n", stderr);
		abort();
	}
	return p;
}

int db_event_check(const struct ev *e, char *why, size_t whylen)
{
	if (!db_ts_valid(e->ts_us)) {
		snprintf(why, whylen, "event time outside years 1..9999");
		return -1;
	}
	if ((unsigned)e->kind >= EV_KIND_COUNT) {
		snprintf(why, whylen, "unknown event kind %d", (int)e->kind);
		return -1;
	}
	return 0;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- batches and key sets ---------------------------------------------- */

struct row {
	int64_t ep, ts, dedup;
	size_t off, len;       /* the encoded row in batch.buf */
};

struct batch {
	struct db_copybuf buf;
	struct row *rows;
	size_t n, cap;
};

/* Open-addressing set of (endpoint, time, dedup) triples. */
struct keyset {
	struct row *tab;       /* only ep/ts/dedup used; ep == 0 is empty
	                        * (bigserial ids start at 1) */
	size_t cap, n;
};

static uint64_t mix3(int64_t a, int64_t b, int64_t c)
{
	uint64_t h = (uint64_t)a * UINT64_C(0x9E3779B97F4A7C15);
	h ^= (uint64_t)b + UINT64_C(0x632BE59BD9B4E019) + (h << 6) + (h >> 2);
	h ^= (uint64_t)c + UINT64_C(0x94D049BB133111EB) + (h << 6) + (h >> 2);
	h ^= h >> 31;
	h *= UINT64_C(0xBF58476D1CE4E5B9);
	h ^= h >> 29;
	return h;
}

static void keyset_clear(struct keyset *s, size_t expect)
{
	size_t cap = 64;
	while (cap < expect * 2 + 2)
		cap *= 2;
	if (cap > s->cap) {
		free(s->tab);
		s->tab = xcalloc(cap, sizeof *s->tab);
		s->cap = cap;
	} else {
		memset(s->tab, 0, s->cap * sizeof *s->tab);
	}
	s->n = 0;
}

static void keyset_grow(struct keyset *s);

/* Insert; returns 1 when added, 0 when it was there. */
static int keyset_add(struct keyset *s, int64_t ep, int64_t ts, int64_t dedup)
{
	if ((s->n + 1) * 2 > s->cap)
		keyset_grow(s);
	size_t i = (size_t)mix3(ep, ts, dedup) & (s->cap - 1);
	while (s->tab[i].ep != 0) {
		if (s->tab[i].ep == ep && s->tab[i].ts == ts && s->tab[i].dedup == dedup)
			return 0;
		i = (i + 1) & (s->cap - 1);
	}
	s->tab[i].ep = ep;
	s->tab[i].ts = ts;
	s->tab[i].dedup = dedup;
	s->n++;
	return 1;
}

static void keyset_grow(struct keyset *s)
{
	struct keyset big = {0};
	big.cap = s->cap * 2;
	big.tab = xcalloc(big.cap, sizeof *big.tab);
	for (size_t i = 0; i < s->cap; i++)
		if (s->tab[i].ep != 0)
			keyset_add(&big, s->tab[i].ep, s->tab[i].ts, s->tab[i].dedup);
	free(s->tab);
	*s = big;
}

/* Endpoint -> [lo, hi] time range of a batch. */
struct eprange {
	int64_t ep, lo, hi;
};

/* ---- the loader ------------------------------------------------------- */

struct db_evload {
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct batch b[2];
	struct batch *fill;    /* filled by the caller's thread */
	struct batch *queued;  /* handed to the worker; NULL when it is idle */
	int stop;
	char *werr;            /* first worker failure, sticky */
	struct db_evload_stats st;
	size_t max_rows, max_bytes;
	size_t cur_rows;       /* this batch's limit: starts small, doubles up
	                        * to max_rows, so the server starts early */
	int precheck;

	/* Worker-only state. */
	PGconn *c;
	int64_t *days;         /* partitions ensured (sorted) */
	size_t ndays, capdays;
	struct keyset seen;
	struct eprange *rng;   /* per-endpoint ranges, open addressing */
	size_t caprng;
	struct db_copy_range *ranges;
	size_t capranges;
	const struct row **order;   /* the batch's rows sorted (sort_rows) */
	size_t caporder;
	struct db_copybuf q1, q2, q3;   /* query parameter arrays */
	struct db_copybuf scratch;      /* db_evload_add (caller's thread) */
};

static int day_known(struct db_evload *l, int64_t day, size_t *pos)
{
	size_t lo = 0, hi = l->ndays;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (l->days[mid] < day)
			lo = mid + 1;
		else
			hi = mid;
	}
	*pos = lo;
	return lo < l->ndays && l->days[lo] == day;
}

static int ensure_day(struct db_evload *l, int64_t day, char **err)
{
	size_t pos;
	if (day_known(l, day, &pos))
		return 0;
	char d[DB_TS_LEN];
	db_format_ts(day * US_PER_DAY, d);
	d[10] = '\0';           /* "YYYY-MM-DD" */
	const char *p[] = {d};
	char *e1 = NULL;
	/* Two loaders creating the same partition at once: the loser gets an
	 * error from the catalog; the second try finds the table. */
	for (int attempt = 0;; attempt++) {
		if (db_exec_cmd(l->c, "create event partition",
		                "SELECT itrace_event_partition($1::date)", 1, p, &e1) == 0)
			break;
		if (attempt == 1) {
			*err = e1;
			return -1;
		}
		free(e1);
		e1 = NULL;
	}
	if (l->ndays == l->capdays) {
		l->capdays = l->capdays != 0 ? l->capdays * 2 : 16;
		l->days = xrealloc(l->days, l->capdays * sizeof *l->days);
	}
	memmove(l->days + pos + 1, l->days + pos, (l->ndays - pos) * sizeof *l->days);
	l->days[pos] = day;
	l->ndays++;
	return 0;
}

static int64_t day_of(int64_t ts)
{
	int64_t d = ts / US_PER_DAY;
	return ts % US_PER_DAY < 0 ? d - 1 : d;
}

static int ensure_days(struct db_evload *l, const struct batch *b, char **err)
{
	int64_t last = INT64_MIN;
	for (size_t i = 0; i < b->n; i++) {
		int64_t d = day_of(b->rows[i].ts);
		if (d == last)
			continue;
		if (ensure_day(l, d, err) < 0)
			return -1;
		last = d;
	}
	return 0;
}

/* Per-endpoint time ranges of the batch into l->rng; returns how many. */
static size_t batch_ranges(struct db_evload *l, const struct batch *b)
{
	size_t cap = 64;
	while (cap < b->n * 2 + 2 && cap < 65536)
		cap *= 2;
	if (cap > l->caprng) {
		free(l->rng);
		l->rng = xcalloc(cap, sizeof *l->rng);
		l->caprng = cap;
	} else {
		cap = l->caprng;
		memset(l->rng, 0, cap * sizeof *l->rng);
	}
	size_t n = 0;
	for (size_t i = 0; i < b->n; i++) {
		const struct row *r = &b->rows[i];
		if ((n + 1) * 2 > l->caprng) {  /* more endpoints than expected */
			struct eprange *old = l->rng;
			size_t oldcap = l->caprng;
			l->caprng *= 2;
			l->rng = xcalloc(l->caprng, sizeof *l->rng);
			for (size_t j = 0; j < oldcap; j++) {
				if (old[j].ep == 0)
					continue;
				size_t k = (size_t)mix3(old[j].ep, 0, 0) & (l->caprng - 1);
				while (l->rng[k].ep != 0)
					k = (k + 1) & (l->caprng - 1);
				l->rng[k] = old[j];
			}
			free(old);
		}
		size_t k = (size_t)mix3(r->ep, 0, 0) & (l->caprng - 1);
		while (l->rng[k].ep != 0 && l->rng[k].ep != r->ep)
			k = (k + 1) & (l->caprng - 1);
		if (l->rng[k].ep == 0) {
			l->rng[k].ep = r->ep;
			l->rng[k].lo = l->rng[k].hi = r->ts;
			n++;
		} else {
			if (r->ts < l->rng[k].lo)
				l->rng[k].lo = r->ts;
			if (r->ts > l->rng[k].hi)
				l->rng[k].hi = r->ts;
		}
	}
	return n;
}

/* Array literal helpers: "{1,2,3}" and "{\"2020-...+00\",...}". Values are
 * our own numbers and times, passed as parameters. */
static void arr_start(struct db_copybuf *q)
{
	db_copy_reset(q);
	db_copy_raw(q, "{", 1);
}

static void arr_end(struct db_copybuf *q)
{
	if (q->len > 1)
		q->len--;       /* the last ',' */
	db_copy_raw(q, "}", 2);  /* with the NUL: used as a C string */
}

/* Fetch the keys already stored for the batch's endpoints and ranges into
 * l->seen. */
static int fetch_existing(struct db_evload *l, const struct batch *b, char **err)
{
	size_t neps = batch_ranges(l, b);
	keyset_clear(&l->seen, b->n + neps);
	arr_start(&l->q1);
	arr_start(&l->q2);
	arr_start(&l->q3);
	char ts[DB_TS_LEN];
	for (size_t k = 0; k < l->caprng; k++) {
		const struct eprange *r = &l->rng[k];
		if (r->ep == 0)
			continue;
		db_copy_i64(&l->q1, r->ep);
		db_copy_raw(&l->q1, ",", 1);
		db_copy_raw(&l->q2, "\"", 1);
		db_format_ts(r->lo, ts);
		db_copy_raw(&l->q2, ts, strlen(ts));
		db_copy_raw(&l->q2, "\",", 2);
		db_copy_raw(&l->q3, "\"", 1);
		db_format_ts(r->hi, ts);
		db_copy_raw(&l->q3, ts, strlen(ts));
		db_copy_raw(&l->q3, "\",", 2);
	}
	arr_end(&l->q1);
	arr_end(&l->q2);
	arr_end(&l->q3);
	const char *p[] = {l->q1.data, l->q2.data, l->q3.data};
	/* One index probe per endpoint: the LATERAL subquery with OFFSET 0 is
	 * not flattened into a join. As a plain join the planner, which cannot
	 * see how narrow the ranges are, chose a hash join over a sequential
	 * scan of the whole day partition, per batch: 90 ms a batch on a
	 * 0.75 M-row day, a quarter of the server's time of the load. */
	PGresult *r = db_exec(l->c, "look up stored events",
	                      "SELECT e.endpoint_id,"
	                      " (extract(epoch FROM e.ts) * 1000000)::bigint, e.dedup"
	                      " FROM unnest($1::bigint[], $2::timestamptz[], $3::timestamptz[])"
	                      "   AS r(ep, lo, hi)"
	                      " CROSS JOIN LATERAL (SELECT x.endpoint_id, x.ts, x.dedup"
	                      "   FROM event x WHERE x.endpoint_id = r.ep"
	                      "    AND x.ts >= r.lo AND x.ts <= r.hi OFFSET 0) e",
	                      3, p, NULL, err);
	if (r == NULL)
		return -1;
	int n = PQntuples(r);
	for (int i = 0; i < n; i++) {
		int64_t ep, t, d;
		if (db_parse_i64(PQgetvalue(r, i, 0), &ep) < 0 ||
		    db_parse_i64(PQgetvalue(r, i, 1), &t) < 0 ||
		    db_parse_i64(PQgetvalue(r, i, 2), &d) < 0)
			continue;
		keyset_add(&l->seen, ep, t, d);
	}
	PQclear(r);
	return 0;
}

static int row_cmp(const void *pa, const void *pb)
{
	const struct row *a = *(const struct row *const *)pa;
	const struct row *b = *(const struct row *const *)pb;
	if (a->ep != b->ep)
		return a->ep < b->ep ? -1 : 1;
	if (a->ts != b->ts)
		return a->ts < b->ts ? -1 : 1;
	if (a->dedup != b->dedup)
		return a->dedup < b->dedup ? -1 : 1;
	return a->off < b->off ? -1 : a->off > b->off;
}

/* The batch's rows in the order of the unique key (endpoint, time, dedup)
 * into l->order. A batch of a busy day holds rows of every endpoint
 * interleaved; sent in key order, the server inserts each endpoint's rows
 * into the same index pages one after the other (and stores them next to
 * each other in the heap): about 10% less server CPU for the same rows
 * than in input order (spine.sh (a): 11.1 vs 12.3 s for 0.75 M rows), and
 * two loaders with overlapping rows take their index locks in the same
 * order. */
static void sort_rows(struct db_evload *l, const struct batch *b)
{
	if (b->n > l->caporder) {
		free(l->order);
		l->caporder = b->cap;
		l->order = xcalloc(l->caporder, sizeof *l->order);
	}
	for (size_t i = 0; i < b->n; i++)
		l->order[i] = &b->rows[i];
	qsort(l->order, b->n, sizeof *l->order, row_cmp);
}

static void add_range(struct db_evload *l, size_t *nr, size_t off, size_t len)
{
	if (*nr > 0 && l->ranges[*nr - 1].off + l->ranges[*nr - 1].len == off) {
		l->ranges[*nr - 1].len += len;
		return;
	}
	if (*nr == l->capranges) {
		l->capranges = l->capranges != 0 ? l->capranges * 2 : 1024;
		l->ranges = xrealloc(l->ranges, l->capranges * sizeof *l->ranges);
	}
	l->ranges[*nr].off = off;
	l->ranges[*nr].len = len;
	(*nr)++;
}

/* The COPY stream of the rows not in l->seen (which then gets them), in
 * key order, as coalesced byte ranges of the batch's buffer: the header
 * (at its start), the rows, the trailer (appended here); returns the
 * number of rows kept. */
static size_t select_rows(struct db_evload *l, struct batch *b, size_t *nranges)
{
	size_t kept = 0, nr = 0;
	size_t trailer = b->buf.len;
	db_copy_raw(&b->buf, db_event_copy_trailer, sizeof db_event_copy_trailer);
	sort_rows(l, b);
	add_range(l, &nr, 0, sizeof db_event_copy_header);
	for (size_t i = 0; i < b->n; i++) {
		const struct row *r = l->order[i];
		if (!keyset_add(&l->seen, r->ep, r->ts, r->dedup))
			continue;
		kept++;
		add_range(l, &nr, r->off, r->len);
	}
	add_range(l, &nr, trailer, sizeof db_event_copy_trailer);
	*nranges = nr;
	return kept;
}

static char copy_event_sql[1024], copy_stage_sql[1024], insert_stage_sql[2048];
static pthread_once_t sql_once = PTHREAD_ONCE_INIT;

static void build_sql(void)
{
	snprintf(copy_event_sql, sizeof copy_event_sql,
	         "COPY event (%s) FROM STDIN (FORMAT binary)", db_event_columns);
	snprintf(copy_stage_sql, sizeof copy_stage_sql,
	         "COPY itrace_stage (%s) FROM STDIN (FORMAT binary)", db_event_columns);
	snprintf(insert_stage_sql, sizeof insert_stage_sql,
	         "INSERT INTO event (%s) SELECT %s FROM itrace_stage ON CONFLICT DO NOTHING",
	         db_event_columns, db_event_columns);
}

/* SQLSTATEs after which the same batch may simply be tried again:
 * deadlock and serialization failure (two loaders inserting overlapping
 * keys in different orders). */
static int retryable(const char *state)
{
	return strcmp(state, "40P01") == 0 || strcmp(state, "40001") == 0;
}

/* Slow path: COPY into a temporary table, then insert what is new, in one
 * transaction; tried again (a few times) after a deadlock. */
static int64_t load_staged(struct db_evload *l, struct batch *b, size_t nranges,
                           char **err)
{
	char stage[1200];
	snprintf(stage, sizeof stage,
	         "CREATE TEMP TABLE itrace_stage ON COMMIT DROP AS SELECT %s FROM event WITH NO DATA",
	         db_event_columns);
	for (int attempt = 1;; attempt++) {
		char state[6] = "";
		int64_t rows = -1;
		if (db_exec_cmd(l->c, "begin", "BEGIN", 0, NULL, err) < 0)
			return -1;
		if (db_exec_cmd(l->c, "create staging table", stage, 0, NULL, err) == 0 &&
		    db_copy_send_ranges(l->c, copy_stage_sql, b->buf.data, l->ranges, nranges,
		                        NULL, err) >= 0) {
			PGresult *r = db_exec(l->c, "insert staged events", insert_stage_sql, 0,
			                      NULL, state, err);
			if (r != NULL) {
				if (db_parse_i64(PQcmdTuples(r), &rows) < 0)
					rows = 0;
				PQclear(r);
				if (db_exec_cmd(l->c, "commit", "COMMIT", 0, NULL, err) < 0)
					rows = -1;
			}
		}
		if (rows >= 0)
			return rows;
		PQclear(PQexec(l->c, "ROLLBACK"));
		if (attempt == 5 || !retryable(state))
			return -1;
		free(*err);
		*err = NULL;
	}
}

/* Load one batch; updates the stats. */
static int load_batch(struct db_evload *l, struct batch *b, char **err)
{
	if (b->n == 0)
		return 0;
	if (ensure_days(l, b, err) < 0)
		return -1;
	if (!l->precheck)
		keyset_clear(&l->seen, b->n);
	else if (fetch_existing(l, b, err) < 0)
		return -1;
	size_t nranges = 0;
	size_t kept = select_rows(l, b, &nranges);
	int64_t rows = 0;
	int fallback = 0;
	if (kept > 0) {
		char state[6];
		char *cerr = NULL;
		rows = db_copy_send_ranges(l->c, copy_event_sql, b->buf.data, l->ranges,
		                           nranges, state, &cerr);
		/* Rows another loader stored since the pre-check, or a deadlock
		 * with one: take the path that tolerates both. */
		if (rows < 0 && (strcmp(state, "23505") == 0 || retryable(state))) {
			free(cerr);
			fallback = 1;
			rows = load_staged(l, b, nranges, err);
		} else if (rows < 0) {
			*err = cerr;
		}
		if (rows < 0)
			return -1;
	}
	pthread_mutex_lock(&l->mu);
	l->st.loaded += rows;
	l->st.duplicate += (int64_t)b->n - rows;
	l->st.batches++;
	l->st.fallbacks += fallback;
	pthread_mutex_unlock(&l->mu);
	return 0;
}

static void *worker(void *arg)
{
	struct db_evload *l = arg;
	pthread_mutex_lock(&l->mu);
	for (;;) {
		while (l->queued == NULL && !l->stop)
			pthread_cond_wait(&l->cv, &l->mu);
		if (l->queued == NULL)
			break;
		struct batch *b = l->queued;
		int failed = l->werr != NULL;
		pthread_mutex_unlock(&l->mu);
		char *err = NULL;
		double t0 = now_s();
		if (!failed && load_batch(l, b, &err) < 0 && err == NULL)
			err = db_strf("loading events failed");
		double t1 = now_s();
		pthread_mutex_lock(&l->mu);
		l->st.busy_s += t1 - t0;
		if (err != NULL && l->werr == NULL)
			l->werr = err;
		else
			free(err);
		l->queued = NULL;
		pthread_cond_broadcast(&l->cv);
	}
	pthread_mutex_unlock(&l->mu);
	return NULL;
}

/* Empty: no rows, the buffer holds the COPY header. */
static void batch_reset(struct batch *b)
{
	b->n = 0;
	db_copy_reset(&b->buf);
	db_copy_raw(&b->buf, db_event_copy_header, sizeof db_event_copy_header);
}

struct db_evload *db_evload_new(const char *conninfo, char **err)
{
	pthread_once(&sql_once, build_sql);
	PGconn *c = db_connect(conninfo, "itrace-ingest", err);
	if (c == NULL)
		return NULL;
	/* One commit per batch: waiting for the WAL flush buys nothing here,
	 * a crash loses at most batches that a rerun loads again. */
	PQclear(PQexec(c, "SET synchronous_commit = off"));
	struct db_evload *l = xcalloc(1, sizeof *l);
	l->c = c;
	l->max_rows = 20000;
	l->cur_rows = 2000;
	l->max_bytes = 32u << 20;
	l->precheck = 1;
	for (int i = 0; i < 2; i++) {
		db_copy_init(&l->b[i].buf);
		batch_reset(&l->b[i]);
	}
	l->fill = &l->b[0];
	pthread_mutex_init(&l->mu, NULL);
	pthread_cond_init(&l->cv, NULL);
	if (pthread_create(&l->th, NULL, worker, l) != 0) {
		*err = db_strf("cannot start the loader thread");
		pthread_mutex_destroy(&l->mu);
		pthread_cond_destroy(&l->cv);
		PQfinish(c);
		free(l);
		return NULL;
	}
	return l;
}

void db_evload_set_batch(struct db_evload *l, size_t rows, size_t bytes)
{
	l->max_rows = rows >= 1 ? rows : 1;
	l->cur_rows = l->max_rows < 2000 ? l->max_rows : 2000;
	l->max_bytes = bytes >= 65536 ? bytes : 65536;
}

void db_evload_set_precheck(struct db_evload *l, int on)
{
	l->precheck = on != 0;
}

/* Hand l->fill to the worker (waiting until it is idle) and take the other
 * batch to fill next. */
static int submit(struct db_evload *l, char **err)
{
	pthread_mutex_lock(&l->mu);
	if (l->queued != NULL) {
		double t0 = now_s();
		while (l->queued != NULL)
			pthread_cond_wait(&l->cv, &l->mu);
		l->st.wait_s += now_s() - t0;
	}
	if (l->werr != NULL) {
		*err = db_strf("%s", l->werr);
		pthread_mutex_unlock(&l->mu);
		return -1;
	}
	if (l->fill->n > 0) {
		l->queued = l->fill;
		l->fill = l->fill == &l->b[0] ? &l->b[1] : &l->b[0];
		pthread_cond_broadcast(&l->cv);
	}
	pthread_mutex_unlock(&l->mu);
	/* The worker finished with this one before taking the other. */
	batch_reset(l->fill);
	return 0;
}

static struct row *new_row(struct db_evload *l, int64_t endpoint_id, int64_t ts_us,
                           int64_t dedup)
{
	/* The row's bytes are written by the caller. */
	struct batch *b = l->fill;
	if (b->n == b->cap) {
		b->cap = b->cap != 0 ? b->cap * 2 : 1024;
		b->rows = xrealloc(b->rows, b->cap * sizeof *b->rows);
	}
	struct row *r = &b->rows[b->n++];
	r->ep = endpoint_id;
	r->ts = ts_us;
	r->dedup = dedup;
	r->off = b->buf.len;
	return r;
}

static int end_row(struct db_evload *l, struct row *r, char **err)
{
	struct batch *b = l->fill;
	r->len = b->buf.len - r->off;
	if (b->n >= l->cur_rows || b->buf.len >= l->max_bytes) {
		l->cur_rows = l->cur_rows * 2 < l->max_rows ? l->cur_rows * 2 : l->max_rows;
		return submit(l, err);
	}
	return 0;
}

int db_evload_add(struct db_evload *l, int64_t endpoint_id, const struct ev *e,
                  int64_t dedup, char **err)
{
	struct row *r = new_row(l, endpoint_id, e->ts_us, dedup);
	db_copy_reset(&l->scratch);
	size_t mid = db_event_encode_tail(&l->scratch, e);
	db_event_row(&l->fill->buf, endpoint_id, dedup, l->scratch.data, l->scratch.len, mid);
	return end_row(l, r, err);
}

int db_evload_add_tail(struct db_evload *l, int64_t endpoint_id, int64_t ts_us,
                       int64_t dedup, const char *tail, size_t len, size_t mid, char **err)
{
	struct row *r = new_row(l, endpoint_id, ts_us, dedup);
	db_event_row(&l->fill->buf, endpoint_id, dedup, tail, len, mid);
	return end_row(l, r, err);
}

int db_evload_flush(struct db_evload *l, char **err)
{
	if (submit(l, err) < 0)
		return -1;
	pthread_mutex_lock(&l->mu);
	while (l->queued != NULL)
		pthread_cond_wait(&l->cv, &l->mu);
	int rc = 0;
	if (l->werr != NULL) {
		*err = db_strf("%s", l->werr);
		rc = -1;
	}
	pthread_mutex_unlock(&l->mu);
	return rc;
}

void db_evload_get_stats(struct db_evload *l, struct db_evload_stats *out)
{
	pthread_mutex_lock(&l->mu);
	*out = l->st;
	pthread_mutex_unlock(&l->mu);
}

void db_evload_free(struct db_evload *l)
{
	if (l == NULL)
		return;
	pthread_mutex_lock(&l->mu);
	l->stop = 1;
	pthread_cond_broadcast(&l->cv);
	pthread_mutex_unlock(&l->mu);
	pthread_join(l->th, NULL);
	pthread_mutex_destroy(&l->mu);
	pthread_cond_destroy(&l->cv);
	PQfinish(l->c);
	for (int i = 0; i < 2; i++) {
		db_copy_free(&l->b[i].buf);
		free(l->b[i].rows);
	}
	free(l->werr);
	free(l->days);
	free(l->seen.tab);
	free(l->rng);
	free(l->ranges);
	free(l->order);
	db_copy_free(&l->q1);
	db_copy_free(&l->q2);
	db_copy_free(&l->q3);
	db_copy_free(&l->scratch);
	free(l);
}
