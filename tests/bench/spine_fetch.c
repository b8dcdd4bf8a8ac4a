/* spine_fetch.c - times the evidence of alerts two ways (tests/bench/spine.sh):
 *
 *   spine_fetch --db CONNINFO [--report BIN] [--rounds N] [-v] ID...
 *
 * For every alert id:
 *   bare    a new connection, then the SELECTs that fetch the rows a quick
 *           report needs (the same row sets as src/db/evidence.c: the
 *           alert; the file's events by path, Zone.Identifier stream and
 *           hash; for a file that is not a PE image, the process starts
 *           naming it; descendants of its executions and ancestors of its
 *           executions and writers, with their events; registry changes
 *           naming it within two minutes of its writes and executions),
 *           every row fetched as text and nothing built from it;
 *   report  `BIN report quick --db CONNINFO --alert ID --format json
 *           --timing` run to completion, its output read and dropped (end
 *           to end: exec, connect, queries, tree, JSON); its --timing
 *           lines on stderr split the time into phases: outside main()
 *           (exec, dynamic loading of the libraries, exit), connect, each
 *           query (the client's wall time: the server's parse, plan and
 *           execution plus the round trip), and build, render and output.
 * Times are wall clock (CLOCK_MONOTONIC). With --rounds N every alert is
 * measured N times and the last round counts (the earlier ones warm the
 * caches). Prints p50, p95 and max of each, the ratio report/bare, rows
 * per alert, and any alert that failed.
 *
 * A new connection pays for loading the catalog entries of the event
 * partitions and their indexes into its caches (several ms for the first
 * statement that plans over them); the report, a new process, pays it too,
 * so the ratio compares like with like. The same queries on one long-lived
 * session (what the console and itrace-cmdd see) are printed as well.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* What the report reads of an event (plus the row id). */
#define COLS \
	"id, ts, kind, eid, record_id, proc_guid, proc_key, pid, image, cmdline," \
	" user_name, integrity, parent_guid, parent_key, parent_pid, parent_image," \
	" parent_cmdline, target, details, proto, remote_ip, remote_port, local_ip," \
	" local_port, initiated, sha256, sha1, md5, imphash, signed, signature," \
	" original_file_name, company, description, product," \
	" extra->>'DestinationHostname'"
enum { F_ID, F_TS, F_KIND, F_EID, F_REC, F_GUID, F_KEY, F_PID };

static const char q_alert[] =
	"SELECT a.endpoint_id, lower(a.path), lower(a.sha256),"
	" a.detected_at - interval '7 days', greatest(now(), a.detected_at)"
	" FROM alert a WHERE a.id = $1";

/* $1 endpoint, $2 from, $3 to, $4 {path, path:zone.identifier} lower,
 * $5 path lower, $6 sha256.
 * A detected file is rare: the probe looks it up by the three hash indexes
 * alone, over all endpoints (the planner, left to itself, often ANDs them
 * with the endpoint's rows of each day and rechecks a thousand rows per
 * partition), and the client keeps the endpoint's rows. A full probe means
 * a common file: then the endpoint goes into the index search. */
#define FILE_WHERE \
	" ts BETWEEN $2 AND $3" \
	" AND ((lower(target) = ANY ($4::text[])" \
	"      AND kind IN ('file_create','file_write','file_stream','file_delete','image_load'))" \
	"   OR (lower(image) = $5 AND kind = 'process_start')" \
	"   OR sha256 = $6)"
#define PROBE 1000
static const char q_probe[] =
	"SELECT " COLS ", endpoint_id = $1 FROM event WHERE" FILE_WHERE " LIMIT 1001";
static const char q_file[] =
	"SELECT " COLS ", true FROM event WHERE endpoint_id = $1 AND" FILE_WHERE;

/* $4: the lower-case file name */
static const char q_cmdline[] =
	"SELECT " COLS " FROM event"
	" WHERE endpoint_id = $1 AND ts BETWEEN $2 AND $3 AND kind = 'process_start'"
	" AND strpos(lower(cmdline), $4) > 0";

/* $1 endpoint, $2 from, $3 to, $4/$5 executions (keys, pids), $6/$7
 * executions and writers, $8 writer keys, $9..$12 the first and last write
 * and execution (NULL: none), $13 the file's stem (NULL: too short). */
static const char q_tree[] =
	"WITH RECURSIVE"
	" down(k, p) AS ("
	"  SELECT * FROM unnest($4::int8[], $5::int8[])"
	"  UNION"
	"  SELECT c.proc_key, c.pid FROM down, LATERAL ("
	"   SELECT proc_key, pid FROM event"
	"   WHERE endpoint_id = $1 AND kind = 'process_start' AND ts BETWEEN $2 AND $3"
	"   AND parent_key = down.k AND parent_pid = down.p AND proc_key IS NOT NULL) c),"
	" up(k, p) AS ("
	"  SELECT * FROM unnest($6::int8[], $7::int8[])"
	"  UNION"
	"  SELECT s.parent_key, s.parent_pid FROM up, LATERAL ("
	"   SELECT parent_key, parent_pid FROM event"
	"   WHERE endpoint_id = $1 AND kind = 'process_start' AND ts BETWEEN $2 AND $3"
	"   AND proc_key = up.k AND pid = up.p AND parent_key IS NOT NULL LIMIT 1) s),"
	" dk AS MATERIALIZED (SELECT DISTINCT k FROM down),"
	" uk AS MATERIALIZED (SELECT DISTINCT k FROM up)"
	" SELECT " COLS " FROM event"
	" WHERE endpoint_id = $1 AND ts BETWEEN $2 AND $3"
	" AND proc_key = ANY (ARRAY(SELECT k FROM dk UNION SELECT k FROM uk))"
	" AND (proc_key = ANY (ARRAY(SELECT k FROM dk))"
	"      OR kind IN ('process_start','process_end')"
	"      OR (kind IN ('net_connect','dns_query') AND proc_key = ANY ($8::int8[])))"
	" UNION ALL"
	" SELECT " COLS " FROM event"
	" WHERE endpoint_id = $1"
	" AND kind IN ('registry_set','registry_create','registry_delete','registry_rename')"
	" AND (ts BETWEEN $9::timestamptz - interval '2 min' AND $9::timestamptz + interval '2 min'"
	"   OR ts BETWEEN $10::timestamptz - interval '2 min' AND $10::timestamptz + interval '2 min'"
	"   OR ts BETWEEN $11::timestamptz - interval '2 min' AND $11::timestamptz + interval '2 min'"
	"   OR ts BETWEEN $12::timestamptz - interval '2 min' AND $12::timestamptz + interval '2 min')"
	" AND (strpos(lower(target), $13) > 0 OR strpos(lower(details), $13) > 0)";

struct keys {
	char *k, *p;          /* "{...}" array literals */
	size_t nk, np, n;
};

static void keys_add(struct keys *s, const char *k, const char *p)
{
	size_t lk = strlen(k), lp = strlen(p);
	s->k = realloc(s->k, s->nk + lk + 3);
	s->p = realloc(s->p, s->np + lp + 3);
	if (s->k == NULL || s->p == NULL) {
		fputs("spine_fetch: out of memory\n", stderr);
		exit(2);
	}
	s->k[s->nk++] = s->n == 0 ? '{' : ',';
	memcpy(s->k + s->nk, k, lk);
	s->nk += lk;
	s->p[s->np++] = s->n == 0 ? '{' : ',';
	memcpy(s->p + s->np, p, lp);
	s->np += lp;
	s->k[s->nk] = s->p[s->np] = '\0';
	s->n++;
}

/* The literal, closed ("{}" when empty). Valid until the next add. */
static const char *keys_lit(struct keys *s, int pids)
{
	if (s->n == 0)
		return "{}";
	char **b = pids ? &s->p : &s->k;
	size_t *n = pids ? &s->np : &s->nk;
	(*b)[*n] = '}';
	(*b)[*n + 1] = '\0';
	return *b;
}

static void keys_free(struct keys *s)
{
	free(s->k);
	free(s->p);
	memset(s, 0, sizeof *s);
}

/* Per-query times of the last bare fetch, for -v. */
static char qlog[256];
static size_t qlog_len;

static PGresult *run(PGconn *c, const char *sql, int n, const char *const *p,
                     const char *what, long long id)
{
	double t0 = now_ms();
	PGresult *r = PQexecParams(c, sql, n, NULL, p, NULL, NULL, 0);
	if (qlog_len < sizeof qlog)
		qlog_len += (size_t)snprintf(qlog + qlog_len, sizeof qlog - qlog_len, " %s %.1f",
		                             what, now_ms() - t0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		fprintf(stderr, "spine_fetch: alert %lld: %s: %s", id, what, PQerrorMessage(c));
		PQclear(r);
		return NULL;
	}
	return r;
}

static int non_pe(const char *name)
{
	static const char *const pe[] = {".exe", ".dll", ".sys", ".scr", ".com", ".cpl", ".ocx", ".drv"};
	const char *dot = strrchr(name, '.');
	if (dot == NULL)
		return 1;
	for (size_t i = 0; i < sizeof pe / sizeof pe[0]; i++)
		if (strcmp(dot, pe[i]) == 0)
			return 0;
	return 1;
}

/* The bare fetch of alert `id` on connection c. Returns rows fetched, or
 * -1 on an error (printed). */
static long long bare_fetch(PGconn *c, long long id)
{
	char ids[24];
	snprintf(ids, sizeof ids, "%lld", id);
	const char *pa[1] = {ids};
	qlog_len = 0;
	qlog[0] = '\0';
	PGresult *r = run(c, q_alert, 1, pa, "alert", id);
	if (r == NULL)
		return -1;
	if (PQntuples(r) != 1) {
		fprintf(stderr, "spine_fetch: alert %lld: no such alert\n", id);
		PQclear(r);
		return -1;
	}
	char ep[24], path[1024], targets[2200], from[64], to[64], sha[72], name[1024], stem[1024];
	snprintf(ep, sizeof ep, "%s", PQgetvalue(r, 0, 0));
	snprintf(path, sizeof path, "%s", PQgetvalue(r, 0, 1));
	snprintf(sha, sizeof sha, "%s", PQgetvalue(r, 0, 2));
	int has_sha = !PQgetisnull(r, 0, 2);
	snprintf(from, sizeof from, "%s", PQgetvalue(r, 0, 3));
	snprintf(to, sizeof to, "%s", PQgetvalue(r, 0, 4));
	PQclear(r);
	/* text[] literal: both elements quoted, \ and " escaped */
	char *o = targets;
	*o++ = '{';
	for (int k = 0; k < 2; k++) {
		*o++ = k ? ',' : '"';
		if (k)
			*o++ = '"';
		for (const char *s = path; *s != '\0' && o < targets + sizeof targets - 40; s++) {
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
	const char *slash = strrchr(path, '\\');
	snprintf(name, sizeof name, "%s", slash != NULL ? slash + 1 : path);
	snprintf(stem, sizeof stem, "%s", name);
	char *dot = strrchr(stem, '.');
	if (dot != NULL && dot != stem)
		*dot = '\0';

	long long rows = 0;
	const char *pf[6] = {ep, from, to, targets, path, has_sha ? sha : NULL};
	if ((r = run(c, q_probe, 6, pf, "file", id)) == NULL)
		return -1;
	if (PQntuples(r) > PROBE) {
		PQclear(r);
		if ((r = run(c, q_file, 6, pf, "file (common)", id)) == NULL)
			return -1;
	}
	/* executions (starts, loads) and writers; first/last time of each */
	struct keys x = {0}, xw = {0}, w = {0};
	char t[4][64] = {"", "", "", ""};
	int nr = PQntuples(r), mine = PQnfields(r) - 1;
	for (int i = 0; i < nr; i++) {
		const char *kind = PQgetvalue(r, i, F_KIND), *ts = PQgetvalue(r, i, F_TS);
		if (PQgetvalue(r, i, mine)[0] != 't')
			continue;           /* another endpoint's */
		rows++;
		if (PQgetisnull(r, i, F_KEY) || PQgetisnull(r, i, F_PID))
			continue;
		const char *k = PQgetvalue(r, i, F_KEY), *p = PQgetvalue(r, i, F_PID);
		int exec = strcmp(kind, "process_start") == 0 || strcmp(kind, "image_load") == 0;
		if (!exec && strcmp(kind, "file_delete") == 0)
			continue;
		int b = exec ? 2 : 0;   /* timestamptz text of one zone sorts as time */
		if (t[b][0] == '\0' || strcmp(ts, t[b]) < 0)
			snprintf(t[b], 64, "%s", ts);
		if (strcmp(ts, t[b + 1]) > 0)
			snprintf(t[b + 1], 64, "%s", ts);
		if (exec)
			keys_add(&x, k, p);
		else
			keys_add(&w, k, p);
		keys_add(&xw, k, p);
	}
	PQclear(r);
	if (non_pe(name)) {
		const char *pc[4] = {ep, from, to, name};
		if ((r = run(c, q_cmdline, 4, pc, "cmdline", id)) == NULL)
			goto fail;
		rows += PQntuples(r);
		PQclear(r);
	}
	if (xw.n > 0) {
		const char *pt[13] = {ep, from, to};
		for (int k = 0; k < 4; k++)
			pt[8 + k] = t[k][0] != '\0' ? t[k] : NULL;
		/* keys_lit closes a literal in place: copy each one */
		char *xkl = strdup(keys_lit(&x, 0)), *xpl = strdup(keys_lit(&x, 1));
		char *xwk = strdup(keys_lit(&xw, 0)), *xwp = strdup(keys_lit(&xw, 1));
		char *wk = strdup(keys_lit(&w, 0));
		pt[3] = xkl;
		pt[4] = xpl;
		pt[5] = xwk;
		pt[6] = xwp;
		pt[7] = wk;
		pt[12] = strlen(stem) >= 4 ? stem : NULL;
		r = run(c, q_tree, 13, pt, "tree", id);
		free(xkl);
		free(xpl);
		free(xwk);
		free(xwp);
		free(wk);
		if (r == NULL)
			goto fail;
		rows += PQntuples(r);
		PQclear(r);
	}
	keys_free(&x);
	keys_free(&xw);
	keys_free(&w);
	return rows;
fail:
	keys_free(&x);
	keys_free(&xw);
	keys_free(&w);
	return -1;
}

/* Where one report's time went, from its --timing lines (ms). */
enum { PH_OUTSIDE, PH_CONNECT, PH_ALERT, PH_FILE, PH_PROCS, PH_OTHERQ, PH_BUILD, PH_N };
static const char *const ph_name[PH_N] = {
	"outside main (exec, libraries, exit)", "connect", "query: the alert",
	"queries: the file's events", "query: processes, registry", "other queries",
	"build, render, output",
};

/* Parse the --timing lines in err (NUL-terminated) into ph[]; total is
 * the whole run as measured outside. 0, or -1 when the lines are missing. */
static int parse_timing(const char *err, double total, double ph[PH_N])
{
	memset(ph, 0, PH_N * sizeof ph[0]);
	const char *l = strstr(err, "itrace-tui: timing: connect ");
	double conn, evid, build, render, output, main_ms, qms;
	int nq;
	size_t nev;
	if (l == NULL ||
	    sscanf(l, "itrace-tui: timing: connect %lf ms, evidence %lf ms (%d queries, %lf ms in"
	           " queries, %zu events), build %lf ms, render %lf ms, output %lf ms, main %lf ms",
	           &conn, &evid, &nq, &qms, &nev, &build, &render, &output, &main_ms) != 9)
		return -1;
	ph[PH_OUTSIDE] = total - main_ms;
	ph[PH_CONNECT] = conn;
	ph[PH_BUILD] = build + render + output + (evid - qms);
	/* "itrace-tui: timing:   NAME   12.34 ms   5 rows" */
	for (const char *q = strstr(l + 1, "itrace-tui: timing:   "); q != NULL;
	     q = strstr(q + 1, "itrace-tui: timing:   ")) {
		const char *name = q + strlen("itrace-tui: timing:   ");
		const char *ms = strstr(name, " ms ");
		if (ms == NULL)
			break;
		const char *num = ms;
		while (num > name && num[-1] != ' ')
			num--;
		double v = strtod(num, NULL);
		int k = strncmp(name, "load alert", 10) == 0 ? PH_ALERT
		      : strncmp(name, "evidence: file events", 21) == 0 ? PH_FILE
		      : strncmp(name, "evidence: command lines", 23) == 0 ? PH_FILE
		      : strncmp(name, "evidence: processes", 19) == 0 ? PH_PROCS : PH_OTHERQ;
		ph[k] += v;
	}
	return 0;
}

/* Run BIN report quick ...; 0 when it exited 0 with some output. Its
 * stderr (the --timing lines) goes to errbuf. */
static int run_report(const char *bin, const char *db, long long id, size_t *outlen,
                      char *errbuf, size_t errcap)
{
	int fd[2], fe[2];
	if (pipe(fd) != 0)
		return -1;
	if (pipe(fe) != 0) {
		close(fd[0]);
		close(fd[1]);
		return -1;
	}
	char ids[24];
	snprintf(ids, sizeof ids, "%lld", id);
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(fd[1], 1);
		dup2(fe[1], 2);
		close(fd[0]);
		close(fd[1]);
		close(fe[0]);
		close(fe[1]);
		execl(bin, bin, "report", "quick", "--db", db, "--alert", ids, "--format", "json",
		      "--timing", (char *)NULL);
		_exit(127);
	}
	close(fd[1]);
	close(fe[1]);
	char buf[65536];
	ssize_t got;
	*outlen = 0;
	while ((got = read(fd[0], buf, sizeof buf)) > 0 || (got < 0 && errno == EINTR))
		if (got > 0)
			*outlen += (size_t)got;
	close(fd[0]);
	/* a few hundred bytes, written after the report: read after stdout */
	size_t el = 0;
	while (el + 1 < errcap &&
	       ((got = read(fe[0], errbuf + el, errcap - 1 - el)) > 0 || (got < 0 && errno == EINTR)))
		if (got > 0)
			el += (size_t)got;
	errbuf[el] = '\0';
	close(fe[0]);
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 && *outlen > 0 ? 0 : -1;
}

static int dcmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of n sorted values. */
static double pct(const double *v, int n, double p)
{
	int i = (int)(p * n + 0.999999) - 1;
	if (i < 0)
		i = 0;
	if (i >= n)
		i = n - 1;
	return v[i];
}

static void summary(const char *what, double *v, int n, double *p50)
{
	if (n == 0) {
		printf("spine: %-30s no successful runs\n", what);
		*p50 = 0;
		return;
	}
	qsort(v, (size_t)n, sizeof *v, dcmp);
	*p50 = pct(v, n, 0.50);
	printf("spine: %-30s p50 %8.2f ms   p95 %8.2f ms   max %8.2f ms   (n=%d)\n", what,
	       *p50, pct(v, n, 0.95), v[n - 1], n);
}

int main(int argc, char **argv)
{
	const char *db = NULL, *bin = NULL;
	int rounds = 2, verbose = 0, i;
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--db") == 0 && i + 1 < argc)
			db = argv[++i];
		else if (strcmp(argv[i], "--report") == 0 && i + 1 < argc)
			bin = argv[++i];
		else if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc)
			rounds = atoi(argv[++i]);
		else if (strcmp(argv[i], "-v") == 0)
			verbose = 1;
		else
			break;
	}
	if (db == NULL || i >= argc || rounds < 1) {
		fputs("usage: spine_fetch --db CONNINFO [--report BIN] [--rounds N] [-v] ID...\n", stderr);
		return 2;
	}
	int n = argc - i;
	long long *ids = calloc((size_t)n, sizeof *ids);
	double *bq = calloc((size_t)n, sizeof *bq), *bt = calloc((size_t)n, sizeof *bt);
	double *rp = calloc((size_t)n, sizeof *rp), *bw = calloc((size_t)n, sizeof *bw);
	double *phv[PH_N];
	for (int k = 0; k < PH_N; k++)
		if ((phv[k] = calloc((size_t)n, sizeof *phv[k])) == NULL)
			return 2;
	int nph = 0;
	static char errbuf[8192];
	if (ids == NULL || bq == NULL || bt == NULL || rp == NULL || bw == NULL)
		return 2;
	for (int k = 0; k < n; k++)
		ids[k] = atoll(argv[i + k]);
	/* the bare session is as the report's: JIT off (it compiles for 50+ ms
	 * on the pessimistic estimates of the hash indexes) */
	char *conninfo = malloc(strlen(db) + 64);
	if (conninfo == NULL)
		return 2;
	sprintf(conninfo, "%s options='-c jit=off'", db);
	PGconn *warm = PQconnectdb(conninfo);
	if (PQstatus(warm) != CONNECTION_OK) {
		fprintf(stderr, "spine_fetch: connect: %s", PQerrorMessage(warm));
		return 1;
	}
	int nb = 0, nr = 0, nw = 0, bad_b = 0, bad_r = 0;
	long long rows_total = 0;
	size_t out_total = 0;
	for (int round = 0; round < rounds; round++) {
		int last = round == rounds - 1;
		for (int k = 0; k < n; k++) {
			double t0 = now_ms();
			PGconn *c = PQconnectdb(conninfo);
			if (PQstatus(c) != CONNECTION_OK) {
				fprintf(stderr, "spine_fetch: connect: %s", PQerrorMessage(c));
				PQfinish(c);
				return 1;
			}
			double t1 = now_ms();
			long long rows = bare_fetch(c, ids[k]);
			double t2 = now_ms();
			PQfinish(c);
			double t3 = now_ms();
			if (last) {
				if (rows < 0) {
					bad_b++;
				} else {
					bq[nb] = t2 - t1;
					bt[nb++] = t3 - t0;
					rows_total += rows;
				}
			}
			double w0 = now_ms();
			long long wrows = bare_fetch(warm, ids[k]);
			double w1 = now_ms();
			if (last && wrows >= 0)
				bw[nw++] = w1 - w0;
			double rt = 0;
			int rok = 0;
			size_t ol = 0;
			if (bin != NULL) {
				double s0 = now_ms();
				rok = run_report(bin, db, ids[k], &ol, errbuf, sizeof errbuf) == 0;
				rt = now_ms() - s0;
				if (last) {
					double ph[PH_N];
					if (rok) {
						rp[nr++] = rt;
						out_total += ol;
						if (parse_timing(errbuf, rt, ph) == 0) {
							for (int j = 0; j < PH_N; j++)
								phv[j][nph] = ph[j];
							nph++;
						}
					} else {
						bad_r++;
						fprintf(stderr, "spine_fetch: alert %lld: report failed: %s\n",
						        ids[k], errbuf);
					}
				}
			}
			if (verbose && last)
				printf("spine: alert %lld: bare %.2f ms (queries %.2f ms:%s; %lld rows)"
				       " report %.2f ms (%zu bytes)\n", ids[k], t3 - t0, t2 - t1,
				       qlog, rows, rt, ol);
		}
	}
	PQfinish(warm);
	double p_bq, p_bt, p_bw, p_rp = 0;
	printf("spine: evidence over %d alerts (%d round%s, the last timed):"
	       " %.0f rows fetched per alert on average\n",
	       n, rounds, rounds > 1 ? "s" : "", nb > 0 ? (double)rows_total / nb : 0.0);
	summary("bare fetch, queries only", bq, nb, &p_bq);
	summary("bare fetch, with connect", bt, nb, &p_bt);
	summary("bare fetch, one warm session", bw, nw, &p_bw);
	if (bin != NULL) {
		summary("report quick --format json", rp, nr, &p_rp);
		if (nr > 0)
			printf("spine: report output %.0f bytes per alert on average\n",
			       (double)out_total / nr);
		/* each phase's own p50 (they need not add up to the total's) */
		for (int j = 0; j < PH_N && nph > 0; j++) {
			char what[80];
			double p;
			snprintf(what, sizeof what, "  %s", ph_name[j]);
			qsort(phv[j], (size_t)nph, sizeof *phv[j], dcmp);
			p = pct(phv[j], nph, 0.50);
			if (phv[j][nph - 1] <= 0)
				continue;   /* a phase no report had (other queries) */
			printf("spine: %-40s p50 %6.2f ms   p95 %6.2f ms\n", what, p, pct(phv[j], nph, 0.95));
		}
		if (p_bt > 0 && p_rp > 0)
			printf("spine: ratio report/bare (p50): %.2fx against the bare fetch with"
			       " connect, %.2fx against its queries alone (goal: <= 2x;"
			       " report p50 goal: <= 20 ms)\n", p_rp / p_bt, p_rp / p_bq);
	}
	if (bad_b + bad_r > 0)
		printf("spine: failed: %d bare fetches, %d reports\n", bad_b, bad_r);
	free(ids);
	free(bq);
	free(bt);
	free(rp);
	free(bw);
	free(conninfo);
	for (int k = 0; k < PH_N; k++)
		free(phv[k]);
	return 0;
}
