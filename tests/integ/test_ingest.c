/* test_ingest.c - itrace-ingest against a real PostgreSQL.
 *
 * Every case gets its own database (th_db_new). The OTRF cases compare with
 * the README's table of events per Sysmon EventID (../shared/data/otrf);
 * they skip only when the shared folder is missing. Expected counts are
 * computed here from the README table or from the raw JSON (jansson), never
 * from the program's own output.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "th.h"

/* ---- helpers ----------------------------------------------------------- */

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		fail_msg("cannot open %s: %s", path, strerror(errno));
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

struct lines {
	char **v;     /* each NUL-terminated, without the newline; owned */
	size_t *len;
	size_t n;
};

static void split_lines(const char *buf, size_t len, struct lines *out)
{
	memset(out, 0, sizeof *out);
	size_t cap = 0;
	const char *p = buf, *end = buf + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl != NULL ? nl : end;
		if (out->n == cap) {
			cap = cap != 0 ? cap * 2 : 1024;
			out->v = realloc(out->v, cap * sizeof *out->v);
			out->len = realloc(out->len, cap * sizeof *out->len);
		}
		size_t l = (size_t)(le - p);
		out->v[out->n] = malloc(l + 1);
		memcpy(out->v[out->n], p, l);
		out->v[out->n][l] = '\0';
		out->len[out->n] = l;
		out->n++;
		p = nl != NULL ? nl + 1 : end;
	}
}

static void free_lines(struct lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	free(l->len);
}

/* The last line of captured stderr (static copy). */
static const char *last_line(const char *s)
{
	static char buf[512];
	size_t n = strlen(s);
	while (n > 0 && s[n - 1] == '\n')
		n--;
	size_t b = n;
	while (b > 0 && s[b - 1] != '\n')
		b--;
	snprintf(buf, sizeof buf, "%.*s", (int)(n - b), s + b);
	return buf;
}

static void expect_summary(const struct th_out *o, long long r, long long l, long long x,
                           long long j)
{
	char want[256];
	snprintf(want, sizeof want,
	         "itrace-ingest: read %lld lines, loaded %lld, excluded %lld, rejected %lld",
	         r, l, x, j);
	if (strcmp(last_line(o->err), want) != 0)
		fail_msg("summary:\n  want %s\n  got  %s\nstderr:\n%.3000s", want,
		         last_line(o->err), o->err);
}

static int run_ingest(struct th_out *o, const char *in, char *const env[], ...)
{
	const char *argv[32];
	int n = 0;
	argv[n++] = "itrace-ingest";
	va_list ap;
	va_start(ap, env);
	const char *a;
	while ((a = va_arg(ap, const char *)) != NULL && n < 31)
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;
	return th_run(o, in, env, argv);
}

static long q_count(PGconn *c, const char *fmt, ...)
{
	char sql[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(sql, sizeof sql, fmt, ap);
	va_end(ap);
	long n = th_count(c, sql);
	if (n < 0)
		fail_msg("query failed: %s", sql);
	return n;
}

static char *q_text(PGconn *c, const char *fmt, ...)
{
	char sql[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(sql, sizeof sql, fmt, ap);
	va_end(ap);
	char *v = th_scalar(c, sql);
	if (v == NULL)
		fail_msg("query failed: %s", sql);
	return v;
}

/* th_connect with the session in UTC, so timestamptz text is comparable. */
static PGconn *connect_utc(const char *ci)
{
	PGconn *c = th_connect(ci);
	PQclear(PQexec(c, "SET TimeZone = 'UTC'"));
	return c;
}

static const char *shared_or_skip(const char *rel)
{
	const char *p = th_shared(rel);
	if (p == NULL) {
		fprintf(stderr, "ITRACE_SHARED missing: skipping\n");
		skip();
	}
	return p;
}

/* ---- the README table ---------------------------------------------------- */

enum { E1, E2, E3, E5, E7, E9, E10, E11, E12, E13, E15, E17, E18, E22, E23, E26, E28,
       E29, E4688, NEID };
static const int eid_of[NEID] = {1, 2, 3, 5, 7, 9, 10, 11, 12, 13, 15, 17, 18, 22, 23, 26,
                                 28, 29, 4688};

struct otrf {
	const char *name;
	long lines;
	long n[NEID];
};

static const struct otrf otrf[] = {
	{"psh_mshta_html_application_execution", 1553,
	 {[E1] = 7, [E2] = 1, [E3] = 1, [E5] = 4, [E7] = 446, [E9] = 19, [E10] = 511, [E11] = 6,
	  [E12] = 197, [E13] = 85, [E22] = 1, [E23] = 1, [E4688] = 7}},
	{"cmd_psexec_lsa_secrets_dump", 286,
	 {[E1] = 4, [E3] = 2, [E5] = 4, [E7] = 130, [E9] = 3, [E10] = 38, [E11] = 7, [E12] = 14,
	  [E13] = 23, [E17] = 7, [E18] = 7, [E22] = 2, [E4688] = 4}},
	{"empire_launcher_vbs", 2067,
	 {[E1] = 5, [E3] = 10, [E5] = 2, [E7] = 324, [E9] = 9, [E10] = 324, [E11] = 22,
	  [E12] = 420, [E13] = 63, [E17] = 2, [E18] = 5, [E22] = 2, [E23] = 2, [E4688] = 5}},
	{"metasploit_procdump_lsass_memory_dump", 11471,
	 {[E1] = 138, [E2] = 30, [E3] = 135, [E5] = 121, [E7] = 6068, [E9] = 126, [E10] = 281,
	  [E11] = 408, [E12] = 2299, [E13] = 1193, [E15] = 8, [E17] = 49, [E18] = 180,
	  [E22] = 28, [E23] = 96, [E26] = 72, [E28] = 168, [E29] = 5, [E4688] = 66}},
	{"empire_scm_dll_hijack_ikeext", 7257,
	 {[E1] = 32, [E3] = 275, [E7] = 1650, [E9] = 39, [E10] = 26, [E11] = 106, [E12] = 3984,
	  [E13] = 1056, [E17] = 5, [E18] = 52, [E4688] = 32}},
};
#define NOTRF (sizeof otrf / sizeof otrf[0])

/* Events the service monitors: every mapped EID (not 9, 10, 28). */
static long monitored(const struct otrf *o)
{
	long s = 0;
	for (int i = 0; i < NEID; i++)
		if (i != E9 && i != E10 && i != E28)
			s += o->n[i];
	return s;
}

static const char *otrf_path(const struct otrf *o)
{
	static char rel[256];
	snprintf(rel, sizeof rel, "data/otrf/%s.json", o->name);
	return shared_or_skip(rel);
}

/* ---- cases ------------------------------------------------------------- */

static void test_migrate_twice(void **state)
{
	(void)state;
	char *ci = th_db_new();
	assert_non_null(ci);
	struct th_out o;
	assert_int_equal(run_ingest(&o, NULL, NULL, "--db", ci, "--migrate", NULL), 0);
	assert_non_null(strstr(o.err, "applied"));
	th_out_free(&o);
	PGconn *c = connect_utc(ci);
	long versions = q_count(c, "SELECT count(*) FROM schema_version");
	assert_true(versions >= 2);
	char *before = q_text(c, "SELECT string_agg(version || ':' || applied_at, ',' ORDER BY version)"
	                         " FROM schema_version");

	/* Second run: a no-op. */
	assert_int_equal(run_ingest(&o, NULL, NULL, "--db", ci, "--migrate", NULL), 0);
	assert_non_null(strstr(o.err, "up to date"));
	th_out_free(&o);
	char *after = q_text(c, "SELECT string_agg(version || ':' || applied_at, ',' ORDER BY version)"
	                        " FROM schema_version");
	assert_string_equal(before, after);
	assert_int_equal(q_count(c, "SELECT count(*) FROM pg_class WHERE relname = 'event'"), 1);
	free(before);
	free(after);

	/* Two at once: the advisory lock lets one apply, the other wait. */
	char *ci2 = th_db_new();
	pid_t kids[2];
	for (int i = 0; i < 2; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			int dn = open("/dev/null", O_WRONLY);
			dup2(dn, 1);
			dup2(dn, 2);
			execl(th_bin("itrace-ingest"), "itrace-ingest", "--db", ci2, "--migrate",
			      (char *)NULL);
			_exit(127);
		}
	}
	for (int i = 0; i < 2; i++) {
		int st;
		assert_int_equal(waitpid(kids[i], &st, 0), kids[i]);
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	PGconn *c2 = connect_utc(ci2);
	assert_int_equal(q_count(c2, "SELECT count(*) FROM schema_version"), versions);
	PQfinish(c2);
	th_db_drop(ci2);
	PQfinish(c);
	th_db_drop(ci);
}

/* Event counts of tenant `tenant` by kind and by eid against the table. */
static void check_counts(PGconn *c, const char *tenant, const struct otrf *o)
{
	static const struct {
		const char *kinds;
		int eids[3];
	} map[] = {
		{"'process_start'", {E1, E4688, -1}},
		{"'process_end'", {E5, -1, -1}},
		{"'file_create'", {E11, E29, -1}},
		{"'file_write'", {E2, -1, -1}},
		{"'file_delete'", {E23, E26, -1}},
		{"'file_stream'", {E15, -1, -1}},
		{"'image_load'", {E7, -1, -1}},
		{"'registry_create','registry_delete'", {E12, -1, -1}},
		{"'registry_set'", {E13, -1, -1}},
		{"'net_connect'", {E3, -1, -1}},
		{"'dns_query'", {E22, -1, -1}},
		{"'pipe_create'", {E17, -1, -1}},
		{"'pipe_connect'", {E18, -1, -1}},
	};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
		long want = 0;
		for (int k = 0; k < 3 && map[i].eids[k] >= 0; k++)
			want += o->n[map[i].eids[k]];
		long got = q_count(c,
		                   "SELECT count(*) FROM event e JOIN endpoint p ON p.id = e.endpoint_id"
		                   " JOIN tenant t ON t.id = p.tenant_id"
		                   " WHERE t.name = '%s' AND e.kind IN (%s)",
		                   tenant, map[i].kinds);
		if (got != want)
			fail_msg("%s: kind %s: want %ld, got %ld", o->name, map[i].kinds, want, got);
	}
	for (int i = 0; i < NEID; i++) {
		long want = i == E9 || i == E10 || i == E28 ? 0 : o->n[i];
		long got = q_count(c,
		                   "SELECT count(*) FROM event e JOIN endpoint p ON p.id = e.endpoint_id"
		                   " JOIN tenant t ON t.id = p.tenant_id"
		                   " WHERE t.name = '%s' AND e.eid = %d",
		                   tenant, eid_of[i]);
		if (got != want)
			fail_msg("%s: EventID %d: want %ld, got %ld", o->name, eid_of[i], want, got);
	}
	long total = q_count(c,
	                     "SELECT count(*) FROM event e JOIN endpoint p ON p.id = e.endpoint_id"
	                     " JOIN tenant t ON t.id = p.tenant_id WHERE t.name = '%s'",
	                     tenant);
	assert_int_equal(total, monitored(o));
}

static void test_otrf_all_load(void **state)
{
	(void)state;
	const char *paths[NOTRF];
	for (size_t i = 0; i < NOTRF; i++)
		paths[i] = strdup(otrf_path(&otrf[i]));
	char *ci = th_db_new_migrated();
	assert_non_null(ci);
	PGconn *c = connect_utc(ci);
	struct th_out o;
	for (size_t i = 0; i < NOTRF; i++) {
		const struct otrf *f = &otrf[i];
		int rc = run_ingest(&o, NULL, NULL, "--db", ci, "--tenant", f->name, paths[i], NULL);
		if (rc != 0)
			fail_msg("%s: exit %d\n%.3000s", f->name, rc, o.err);
		expect_summary(&o, f->lines, monitored(f), f->lines - monitored(f), 0);
		assert_int_equal(th_count_str(o.err, "\n"), 1);  /* nothing but the summary */
		assert_int_equal(o.out_len, 0);
		th_out_free(&o);
		char rej[1100];
		snprintf(rej, sizeof rej, "%s.rejects", paths[i]);
		assert_int_equal(access(rej, F_OK), -1);
		check_counts(c, f->name, f);
	}
	long total = q_count(c, "SELECT count(*) FROM event");

	/* Loading again adds nothing; both passes together in one run too. */
	for (size_t i = 0; i < NOTRF; i++) {
		const struct otrf *f = &otrf[i];
		assert_int_equal(run_ingest(&o, NULL, NULL, "--db", ci, "--tenant", f->name,
		                            paths[i], NULL), 0);
		expect_summary(&o, f->lines, 0, f->lines - monitored(f), 0);
		th_out_free(&o);
	}
	assert_int_equal(q_count(c, "SELECT count(*) FROM event"), total);

	/* Partitions are daily and hold what they should. */
	assert_true(q_count(c, "SELECT count(*) FROM pg_inherits i JOIN pg_class p"
	                       " ON p.oid = i.inhparent WHERE p.relname = 'event'") >= 4);
	assert_int_equal(q_count(c, "SELECT count(*) FROM event"
	                            " WHERE tableoid::regclass::text <> 'event_' || to_char(ts AT TIME ZONE 'UTC', 'YYYYMMDD')"),
	                 0);
	/* Endpoints: one per short host name, full name kept. */
	assert_int_equal(q_count(c, "SELECT count(*) FROM endpoint p JOIN tenant t"
	                            " ON t.id = p.tenant_id WHERE t.name = 'empire_launcher_vbs'"),
	                 3);
	assert_int_equal(q_count(c, "SELECT count(*) FROM endpoint WHERE name = 'mordordc'"
	                            " AND hostname = 'MORDORDC.theshire.local'"),
	                 1);
	assert_int_equal(q_count(c, "SELECT count(*) FROM endpoint WHERE name <> lower(name)"), 0);
	/* GUIDs canonical, proc_key set with them. */
	assert_int_equal(q_count(c, "SELECT count(*) FROM event WHERE proc_guid IS NOT NULL"
	                            " AND proc_guid <> '00000000-0000-0000-0000-000000000000'"
	                            " AND proc_key IS NULL"),
	                 0);
	PQfinish(c);
	th_db_drop(ci);
	for (size_t i = 0; i < NOTRF; i++)
		free((char *)paths[i]);
}

/* Lines of a file with bad lines inserted at known places. */
static void test_corrupted_copy(void **state)
{
	(void)state;
	const struct otrf *f = &otrf[0];
	size_t len;
	char *data = slurp(otrf_path(f), &len);
	struct lines src;
	split_lines(data, len, &src);
	free(data);
	assert_int_equal(src.n, (size_t)f->lines);

	/* A Sysmon line (EID 7) to damage. */
	size_t s7 = 0;
	while (s7 < src.n && (strstr(src.v[s7], "\"EventID\":7,") == NULL ||
	                      strstr(src.v[s7], "\"UtcTime\":\"") == NULL))
		s7++;
	assert_true(s7 < src.n);
	char *badtime = strdup(src.v[s7]);
	char *ut = strstr(badtime, "\"UtcTime\":\"") + 11;
	memcpy(ut, "2020-10-22 25:61:00.000", 23);
	char *badutf = strdup(src.v[s7]);
	char *img = strstr(badutf, "\"ImageLoaded\":\"C:") + 16;
	img[0] = (char)0xC3;  /* lead byte followed by ':' */
	char *trunc = strndup(src.v[s7 + 1], src.len[s7 + 1] / 2);
	const char *bad[] = {
		"this is not JSON at all",
		trunc,
		badtime,
		badutf,
		"{\"neither\":\"a known layout\"}",
		"\x1b[31m{\"red\": garbage\x1b[0m",
	};
	enum { NBAD = sizeof bad / sizeof bad[0] };
	/* Insert bad[k] before source line at[k] (0-based). */
	const size_t at[NBAD] = {0, 10, 100, 777, 1200, src.n};
	size_t cap = len + 4096;
	char *out = malloc(cap + len);
	size_t o = 0, k = 0;
	long bad_lineno[NBAD];
	long lineno = 0;
	for (size_t i = 0; i <= src.n; i++) {
		while (k < NBAD && at[k] == i) {
			size_t bl = strlen(bad[k]);
			memcpy(out + o, bad[k], bl);
			o += bl;
			out[o++] = '\n';
			bad_lineno[k] = ++lineno;
			k++;
		}
		if (i == src.n)
			break;
		memcpy(out + o, src.v[i], src.len[i]);
		o += src.len[i];
		out[o++] = '\n';
		lineno++;
	}
	const char *path = th_write_file("mshta bad.json", out, o);
	char *path_dup = strdup(path);
	char *ci = th_db_new_migrated();
	struct th_out r;
	assert_int_equal(run_ingest(&r, NULL, NULL, "--db", ci, "--tenant", "t", path_dup, NULL), 1);
	for (int b = 0; b < NBAD; b++) {
		char want[1200];
		snprintf(want, sizeof want, "%s:%ld: ", path_dup, bad_lineno[b]);
		if (strstr(r.err, want) == NULL)
			fail_msg("stderr does not name %s\n%s", want, r.err);
	}
	/* Exactly one message per bad line, plus the summary. */
	assert_int_equal(th_count_str(r.err, "\n"), NBAD + 1);
	/* No raw escape sequences reach the terminal. */
	assert_null(strchr(r.err, '\x1b'));
	expect_summary(&r, f->lines + NBAD, monitored(f), f->lines - monitored(f), NBAD);
	th_out_free(&r);

	/* The rejects file holds the bad lines unchanged, in order. */
	char rej[1200];
	snprintf(rej, sizeof rej, "%s.rejects", path_dup);
	size_t rl;
	char *rdata = slurp(rej, &rl);
	size_t want_len = 0;
	for (int b = 0; b < NBAD; b++)
		want_len += strlen(bad[b]) + 1;
	char *want = malloc(want_len + 1);
	size_t w = 0;
	for (int b = 0; b < NBAD; b++) {
		memcpy(want + w, bad[b], strlen(bad[b]));
		w += strlen(bad[b]);
		want[w++] = '\n';
	}
	assert_int_equal(rl, want_len);
	assert_memory_equal(rdata, want, want_len);
	free(rdata);

	PGconn *c = connect_utc(ci);
	assert_int_equal(q_count(c, "SELECT count(*) FROM event"), monitored(f));
	check_counts(c, "t", f);

	/* --rejects PATH elsewhere, and stdin: named "stdin". */
	char altrej[1200];
	snprintf(altrej, sizeof altrej, "%s/other.rejects", th_tmpdir());
	assert_int_equal(run_ingest(&r, path_dup, NULL, "--db", ci, "--tenant", "t", "--rejects",
	                            altrej, "-", NULL),
	                 1);
	assert_non_null(strstr(r.err, "stdin:1: "));
	expect_summary(&r, f->lines + NBAD, 0, f->lines - monitored(f), NBAD);
	th_out_free(&r);
	rdata = slurp(altrej, &rl);
	assert_int_equal(rl, want_len);
	free(rdata);

	/* stdin without --rejects: stdin.rejects in the current directory. */
	char cwd[PATH_MAX];
	assert_non_null(getcwd(cwd, sizeof cwd));
	assert_int_equal(chdir(th_tmpdir()), 0);
	assert_int_equal(run_ingest(&r, path_dup, NULL, "--db", ci, "--tenant", "t", "-", NULL), 1);
	th_out_free(&r);
	rdata = slurp("stdin.rejects", &rl);
	assert_int_equal(rl, want_len);
	assert_memory_equal(rdata, want, want_len);
	free(rdata);
	assert_int_equal(chdir(cwd), 0);

	/* A rejects file that cannot be written (full disk) stops the run. */
	assert_int_equal(run_ingest(&r, NULL, NULL, "--db", ci, "--tenant", "t", "--rejects",
	                            "/dev/full", path_dup, NULL),
	                 2);
	assert_non_null(strstr(r.err, "/dev/full"));
	assert_non_null(strstr(last_line(r.err), "itrace-ingest: read "));
	th_out_free(&r);

	PQfinish(c);
	th_db_drop(ci);
	free(want);
	free(path_dup);
	free(out);
	free(trunc);
	free(badtime);
	free(badutf);
	free_lines(&src);
}

/* What a tuning rule covers, computed from the raw JSON. */
static const char *jstr(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static int ends_with_ci(const char *s, const char *suffix)
{
	size_t n = s != NULL ? strlen(s) : 0, m = strlen(suffix);
	return s != NULL && n >= m && strcasecmp(s + n - m, suffix) == 0;
}

static int contains_ci(const char *s, const char *needle)
{
	return s != NULL && strcasestr(s, needle) != NULL;
}

static void test_tuning_and_dry_run(void **state)
{
	(void)state;
	const struct otrf *f = &otrf[0];
	const char *path = otrf_path(f);
	char *path_dup = strdup(path);

	/* Independent count over the flat layout of this file. */
	size_t len;
	char *data = slurp(path_dup, &len);
	struct lines src;
	split_lines(data, len, &src);
	free(data);
	long want[3] = {0, 0, 0};
	for (size_t i = 0; i < src.n; i++) {
		json_t *j = json_loads(src.v[i], JSON_DECODE_INT_AS_REAL, NULL);
		assert_non_null(j);
		const char *ch = jstr(j, "Channel");
		int eid = (int)json_number_value(json_object_get(j, "EventID"));
		int sysmon = ch != NULL && strcmp(ch, "Microsoft-Windows-Sysmon/Operational") == 0;
		int mon = (sysmon && eid != 9 && eid != 10 && eid != 28) ||
		          (ch != NULL && strcmp(ch, "Security") == 0 && eid == 4688);
		if (!mon) {
			json_decref(j);
			continue;
		}
		const char *image = eid == 4688 ? jstr(j, "NewProcessName") : jstr(j, "Image");
		const char *target = NULL;
		int reg = eid == 12 || eid == 13 || eid == 14;
		if (eid == 7)
			target = jstr(j, "ImageLoaded");
		else if (eid == 11 || eid == 2 || eid == 15 || eid == 23 || eid == 26 || eid == 29)
			target = jstr(j, "TargetFilename");
		else if (reg)
			target = jstr(j, "TargetObject");
		else if (eid == 22)
			target = jstr(j, "QueryName");
		if (ends_with_ci(image, "\\mshta.exe"))
			want[0]++;
		else if (reg && contains_ci(target, "internet settings"))
			want[1]++;
		else if (ends_with_ci(target, ".dll"))
			want[2]++;
		json_decref(j);
	}
	free_lines(&src);
	assert_true(want[0] > 0 && want[1] > 0 && want[2] > 0);

	const char *rules =
		"# tuning for the test\n"
		"\n"
		"exclude image /\\\\mshta\\.exe$/i\n"
		"  # an indented comment\n"
		"exclude registry /internet settings/i\n"
		"exclude target /\\.dll$/i\n";
	const char *tpath = th_write_file("tuning.txt", rules, strlen(rules));
	char *tdup = strdup(tpath);
	long unmon = f->lines - monitored(f);
	long sum = want[0] + want[1] + want[2];

	/* --dry-run: no database needed, nothing stored, counts on stdout. */
	struct th_out o;
	assert_int_equal(run_ingest(&o, NULL, NULL, "--dry-run", "--tuning", tdup, path_dup, NULL),
	                 0);
	char exp[1024];
	snprintf(exp, sizeof exp,
	         "rule 1 (image /\\\\mshta\\.exe$/i): %ld events\n"
	         "rule 2 (registry /internet settings/i): %ld events\n"
	         "rule 3 (target /\\.dll$/i): %ld events\n"
	         "unmonitored: %ld lines\n"
	         "would load: %ld events, 0 alerts\n",
	         want[0], want[1], want[2], unmon, monitored(f) - sum);
	assert_string_equal(o.out, exp);
	expect_summary(&o, f->lines, 0, unmon + sum, 0);
	th_out_free(&o);

	char *ci = th_db_new_migrated();
	PGconn *c = connect_utc(ci);
	/* Dry run with a database given still stores nothing. */
	assert_int_equal(run_ingest(&o, NULL, NULL, "--db", ci, "--tenant", "t", "--dry-run",
	                            "--tuning", tdup, path_dup, NULL),
	                 0);
	th_out_free(&o);
	assert_int_equal(q_count(c, "SELECT count(*) FROM event"), 0);
	assert_int_equal(q_count(c, "SELECT count(*) FROM tenant"), 0);

	/* For real. */
	assert_int_equal(run_ingest(&o, NULL, NULL, "--db", ci, "--tenant", "t", "--tuning", tdup,
	                            path_dup, NULL),
	                 0);
	expect_summary(&o, f->lines, monitored(f) - sum, unmon + sum, 0);
	th_out_free(&o);
	assert_int_equal(q_count(c, "SELECT count(*) FROM event"), monitored(f) - sum);
	assert_int_equal(q_count(c, "SELECT count(*) FROM event WHERE image ILIKE '%%\\mshta.exe'"
	                            " OR target ILIKE '%%.dll'"),
	                 0);

	/* A bad tuning file: FILE:LINE: message, exit 2, nothing loaded. */
	const char *badrules = "exclude image /ok/\n\nexclude cmdline /a(b/i\n";
	const char *bpath = th_write_file("bad-tuning.txt", badrules, strlen(badrules));
	char *bdup = strdup(bpath);
	assert_int_equal(run_ingest(&o, NULL, NULL, "--db", ci, "--tenant", "t2", "--tuning", bdup,
	                            path_dup, NULL),
	                 2);
	char wantmsg[1200];
	snprintf(wantmsg, sizeof wantmsg, "%s:3: bad pattern at offset", bdup);
	if (strstr(o.err, wantmsg) == NULL)
		fail_msg("want %s in\n%s", wantmsg, o.err);
	assert_non_null(strstr(o.err, "missing closing parenthesis"));
	expect_summary(&o, 0, 0, 0, 0);
	th_out_free(&o);
	assert_int_equal(q_count(c, "SELECT count(*) FROM tenant WHERE name = 't2'"), 0);

	PQfinish(c);
	th_db_drop(ci);
	free(path_dup);
	free(tdup);
	free(bdup);
}

/* Native events: host name forms, COPY escaping, extra JSON. */
static void test_endpoints_and_escaping(void **state)
{
	(void)state;
	const char *lines =
		"{\"type\":\"event\",\"kind\":\"process_start\",\"time\":\"2024-05-01T10:00:00.123456Z\","
		"\"host\":\"WORKSTATION5\",\"proc_guid\":\"{AA6B4A20-BC60-5CA4-0000-0010B9F5C401}\","
		"\"pid\":42,\"image\":\"C:\\\\x\\\\a.exe\","
		"\"cmdline\":\"a.exe \\\"tab\\there\\\" nl\\nline cr\\r back\\\\slash \\\\N end\"}\n"
		"{\"type\":\"event\",\"kind\":\"file_create\",\"time\":\"2024-05-01T10:00:01Z\","
		"\"host\":\"workstation5.theshire.local\",\"pid\":42,"
		"\"proc_guid\":\"aa6b4a20-bc60-5ca4-0000-0010b9f5c401\","
		"\"target\":\"C:\\\\Users\\\\テスト\\\\f.txt\","
		"\"extra\":{\"note\":\"q\\\"uote\\\\ and\\ttab\",\"n\":[1,2]}}\n"
		"{\"type\":\"event\",\"kind\":\"dns_query\",\"time\":\"2024-05-02T00:00:00Z\","
		"\"host\":\"Workstation5.other.example\",\"target\":\"example.com\"}\n"
		"{\"type\":\"event\",\"kind\":\"dns_query\",\"time\":\"2024-05-02T00:00:00Z\","
		"\"host\":\"WORKSTATION6\",\"target\":\"example.com\"}\n";
	const char *path = th_write_file("native.json", lines, strlen(lines));
	char *pdup = strdup(path);
	char *ci = th_db_new_migrated();
	PGconn *c = connect_utc(ci);
	struct th_out o;
	assert_int_equal(run_ingest(&o, NULL, NULL, "--db", ci, "--tenant", "acme", pdup, NULL), 0);
	expect_summary(&o, 4, 4, 0, 0);
	th_out_free(&o);

	assert_int_equal(q_count(c, "SELECT count(*) FROM endpoint"), 2);
	char *hn = q_text(c, "SELECT hostname FROM endpoint WHERE name = 'workstation5'");
	/* An FQDN replaces the short name; a later, different FQDN does not. */
	assert_string_equal(hn, "workstation5.theshire.local");
	free(hn);
	assert_int_equal(q_count(c, "SELECT count(DISTINCT endpoint_id) FROM event"
	                            " WHERE target = 'example.com'"),
	                 2);
	char *cmd = q_text(c, "SELECT cmdline FROM event WHERE kind = 'process_start'");
	assert_string_equal(cmd, "a.exe \"tab\there\" nl\nline cr\r back\\slash \\N end");
	free(cmd);
	char *ts = q_text(c, "SELECT to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')"
	                     " FROM event WHERE kind = 'process_start'");
	assert_string_equal(ts, "2024-05-01 10:00:00.123456");
	free(ts);
	char *g = q_text(c, "SELECT proc_guid FROM event WHERE kind = 'process_start'");
	assert_string_equal(g, "aa6b4a20-bc60-5ca4-0000-0010b9f5c401");
	free(g);
	char *tgt = q_text(c, "SELECT target FROM event WHERE kind = 'file_create'");
	assert_string_equal(tgt, "C:\\Users\\テスト\\f.txt");
	free(tgt);
	char *note = q_text(c, "SELECT extra->>'note' FROM event WHERE kind = 'file_create'");
	assert_string_equal(note, "q\"uote\\ and\ttab");
	free(note);
	assert_int_equal(q_count(c, "SELECT count(*) FROM event WHERE proc_key IS NOT NULL"
	                            " GROUP BY proc_key"),
	                 2);
	char *seen = q_text(c, "SELECT last_seen FROM endpoint WHERE name = 'workstation5'");
	assert_string_equal(seen, "2024-05-02 00:00:00+00");
	free(seen);

	PQfinish(c);
	th_db_drop(ci);
	free(pdup);
}

static void test_alerts(void **state)
{
	(void)state;
	const char *sha = "1111111111111111111111111111111111111111111111111111111111111111";
	char lines[4096];
	snprintf(lines, sizeof lines,
	         "{\"type\":\"alert\",\"host\":\"WORKSTATION5.theshire.local\","
	         "\"detected_at\":\"2020-10-22T07:52:06Z\",\"received_at\":\"2020-10-22T08:00:00Z\","
	         "\"path\":\"C:\\\\Users\\\\wardog\\\\T1218.005.hta\",\"sha256\":\"%s\","
	         "\"detection\":\"HTA.Dropper\",\"action\":\"blocked\"}\n"
	         "{\"type\":\"alert\",\"host\":\"WORKSTATION5\","
	         "\"detected_at\":\"2020-10-22T09:00:00Z\","
	         "\"path\":\"C:\\\\Temp\\\\copy.hta\",\"sha256\":\"%s\",\"action\":\"allowed\"}\n"
	         "{\"type\":\"alert\",\"host\":\"ws9\",\"detected_at\":\"2020-10-23T00:00:00Z\","
	         "\"path\":\"C:\\\\evil\\u001b[2J\\u0007.exe\",\"action\":\"blocked\"}\n",
	         sha, sha);
	const char *path = th_write_file("alerts.json", lines, strlen(lines));
	char *pdup = strdup(path);
	char *ci = th_db_new_migrated();
	PGconn *c = connect_utc(ci);
	struct th_out o;
	assert_int_equal(run_ingest(&o, NULL, NULL, "--db", ci, "--tenant", "acme", pdup, NULL), 0);
	expect_summary(&o, 3, 3, 0, 0);
	long id1 = q_count(c, "SELECT id FROM alert WHERE path LIKE '%%T1218.005.hta'");
	long id2 = q_count(c, "SELECT id FROM alert WHERE path LIKE '%%copy.hta'");
	long id3 = q_count(c, "SELECT id FROM alert WHERE endpoint_id ="
	                      " (SELECT id FROM endpoint WHERE name = 'ws9')");
	char want[1024];
	snprintf(want, sizeof want, "alert %ld WORKSTATION5.theshire.local C:\\Users\\wardog\\T1218.005.hta\n"
	                            "alert %ld WORKSTATION5 C:\\Temp\\copy.hta\n",
	         id1, id2);
	if (strncmp(o.out, want, strlen(want)) != 0)
		fail_msg("stdout:\n%s\nwant:\n%s", o.out, want);
	/* The third path is sanitized: no raw ESC/BEL on stdout. */
	char third[64];
	snprintf(third, sizeof third, "alert %ld ws9 C:\\evil", id3);
	assert_non_null(strstr(o.out, third));
	assert_null(strchr(o.out, '\x1b'));
	assert_null(strchr(o.out, '\a'));
	assert_int_equal(th_count_str(o.out, "\n"), 3);
	th_out_free(&o);

	/* quick report due 2 h after reception. */
	char *st = q_text(c, "SELECT state || ' ' || quick_due || ' ' || received_at || ' '"
	                     " || detection || ' ' || action || ' ' || sha256"
	                     " FROM alert WHERE id = %ld", id1);
	char exp[512];
	snprintf(exp, sizeof exp,
	         "new 2020-10-22 10:00:00+00 2020-10-22 08:00:00+00 HTA.Dropper blocked %s", sha);
	assert_string_equal(st, exp);
	free(st);
	/* received_at defaults to detected_at; the same hash again within 72 h
	 * on the same endpoint is a duplicate of the first. */
	st = q_text(c, "SELECT state || ' ' || coalesce(duplicate_of::text, '-') || ' ' || received_at"
	               " FROM alert WHERE id = %ld", id2);
	snprintf(exp, sizeof exp, "duplicate %ld 2020-10-22 09:00:00+00", id1);
	assert_string_equal(st, exp);
	free(st);
	assert_int_equal(q_count(c, "SELECT count(*) FROM alert WHERE id = %ld AND sha256 IS NULL"
	                            " AND quick_due = received_at + interval '2 hours'", id3),
	                 1);
	assert_int_equal(q_count(c, "SELECT count(*) FROM audit WHERE action = 'alert.create'"), 3);

	/* Reloading stores nothing and prints nothing (also without SHA-256). */
	assert_int_equal(run_ingest(&o, NULL, NULL, "--db", ci, "--tenant", "acme", pdup, NULL), 0);
	assert_int_equal(o.out_len, 0);
	expect_summary(&o, 3, 0, 0, 0);
	th_out_free(&o);
	assert_int_equal(q_count(c, "SELECT count(*) FROM alert"), 3);

	PQfinish(c);
	th_db_drop(ci);
	free(pdup);
}

static void test_exit_2(void **state)
{
	(void)state;
	const char *line = "{\"type\":\"event\",\"kind\":\"dns_query\",\"time\":\"2024-05-02T00:00:00Z\","
	                   "\"host\":\"h\",\"target\":\"example.com\"}\n";
	const char *path = th_write_file("one.json", line, strlen(line));
	char *pdup = strdup(path);
	struct th_out o;

	/* No database. */
	assert_int_equal(run_ingest(&o, NULL, NULL, "--db", "host=/nonexistent-itrace dbname=x",
	                            "--tenant", "t", pdup, NULL),
	                 2);
	assert_non_null(strstr(o.err, "cannot connect to the database"));
	expect_summary(&o, 0, 0, 0, 0);
	th_out_free(&o);
	assert_int_equal(run_ingest(&o, NULL, NULL, "--db", "postgresql://nobody@/x?host=/nonexistent-itrace",
	                            "--migrate", NULL),
	                 2);
	assert_non_null(strstr(o.err, "cannot connect"));
	th_out_free(&o);

	/* Unreadable files: nothing is loaded from the readable one either. */
	char *ci = th_db_new_migrated();
	char missing[600];
	snprintf(missing, sizeof missing, "%s/does-not-exist.json", th_tmpdir());
	assert_int_equal(run_ingest(&o, NULL, NULL, "--db", ci, "--tenant", "t", pdup, missing, NULL),
	                 2);
	assert_non_null(strstr(o.err, "does-not-exist.json: No such file or directory"));
	expect_summary(&o, 0, 0, 0, 0);
	th_out_free(&o);
	assert_int_equal(run_ingest(&o, NULL, NULL, "--db", ci, "--tenant", "t", th_tmpdir(), NULL),
	                 2);
	assert_non_null(strstr(o.err, "Is a directory"));
	th_out_free(&o);
	PGconn *c = connect_utc(ci);
	assert_int_equal(q_count(c, "SELECT count(*) FROM event"), 0);

	/* PG* environment variables when --db is absent. */
	char *host = strdup(strstr(ci, "host=") + 5);
	*strchr(host, ' ') = '\0';
	char *dbn = strdup(strstr(ci, "dbname=") + 7);
	char *env_h, *env_d, *env_u;
	assert_true(asprintf(&env_h, "PGHOST=%s", host) > 0);
	assert_true(asprintf(&env_d, "PGDATABASE=%s", dbn) > 0);
	const char *u = getenv("ITRACE_TEST_PGUSER");
	assert_true(asprintf(&env_u, "PGUSER=%s", u != NULL ? u : "postgres") > 0);
	char *env[] = {env_h, env_d, env_u, NULL};
	assert_int_equal(run_ingest(&o, NULL, env, "--tenant", "t", pdup, NULL), 0);
	expect_summary(&o, 1, 1, 0, 0);
	th_out_free(&o);
	assert_int_equal(q_count(c, "SELECT count(*) FROM event"), 1);

	/* Usage errors. */
	assert_int_equal(run_ingest(&o, NULL, NULL, "--db", ci, pdup, NULL), 2);
	assert_non_null(strstr(o.err, "--tenant"));
	th_out_free(&o);
	assert_int_equal(run_ingest(&o, NULL, NULL, "--help", NULL), 0);
	assert_non_null(strstr(o.out, "usage: itrace-ingest"));
	assert_non_null(strstr(o.out, "excluded"));
	th_out_free(&o);

	PQfinish(c);
	th_db_drop(ci);
	free(pdup);
	free(host);
	free(dbn);
	free(env_h);
	free(env_d);
	free(env_u);
}

/* A process whose later events carry a GUID that differs in the last two
 * groups: both kept, same proc_key and pid. */
static void test_guid_aliasing(void **state)
{
	(void)state;
	const struct otrf *f = &otrf[0];
	size_t len;
	char *data = slurp(otrf_path(f), &len);
	struct lines src;
	split_lines(data, len, &src);
	free(data);
	const char *guid = "{39e4a257-3a25-5f91-f113-000000000700}";
	const char *alias = "{39e4a257-3a25-5f91-f213-000000000a00}";
	char *start = NULL, *end = NULL;
	for (size_t i = 0; i < src.n; i++) {
		if (strstr(src.v[i], guid) == NULL || strstr(src.v[i], "\"Channel\":\"Microsoft-Windows-Sysmon") == NULL)
			continue;
		if (start == NULL && strstr(src.v[i], "\"EventID\":1,") != NULL)
			start = strdup(src.v[i]);
		if (end == NULL && strstr(src.v[i], "\"EventID\":5,") != NULL)
			end = strdup(src.v[i]);
	}
	free_lines(&src);
	assert_non_null(start);
	assert_non_null(end);
	/* Rewrite every occurrence of the GUID in the exit event. */
	for (char *p = strstr(end, guid); p != NULL; p = strstr(p, guid))
		memcpy(p, alias, strlen(alias));
	char buf[65536];
	snprintf(buf, sizeof buf, "%s\n%s\n", start, end);
	const char *path = th_write_file("alias.json", buf, strlen(buf));
	char *pdup = strdup(path);
	char *ci = th_db_new_migrated();
	struct th_out o;
	assert_int_equal(run_ingest(&o, NULL, NULL, "--db", ci, "--tenant", "t", pdup, NULL), 0);
	expect_summary(&o, 2, 2, 0, 0);
	th_out_free(&o);
	PGconn *c = connect_utc(ci);
	assert_int_equal(q_count(c, "SELECT count(DISTINCT proc_guid) FROM event"), 2);
	assert_int_equal(q_count(c, "SELECT count(DISTINCT (proc_key, pid)) FROM event"), 1);
	assert_int_equal(q_count(c, "SELECT count(*) FROM event WHERE pid = 9160"
	                            " AND proc_guid = '39e4a257-3a25-5f91-f213-000000000a00'"
	                            " AND kind = 'process_end'"),
	                 1);
	PQfinish(c);
	th_db_drop(ci);
	free(pdup);
	free(start);
	free(end);
}

/* Small batches, the staging-table path, and loaders running at once. */
static void test_batches_fallback_concurrency(void **state)
{
	(void)state;
	const struct otrf *f = &otrf[1];  /* psexec: 204 events */
	char *p = strdup(otrf_path(f));
	size_t len;
	char *data = slurp(p, &len);
	/* The first 150 lines only. */
	size_t cut = 0;
	for (int n = 0; n < 150; n++)
		cut = (size_t)((char *)memchr(data + cut, '\n', len - cut) - data) + 1;
	const char *half = th_write_file("psexec-half.json", data, cut);
	char *hdup = strdup(half);
	free(data);

	char *ci = th_db_new_migrated();
	PGconn *c = connect_utc(ci);
	struct th_out o;
	assert_int_equal(run_ingest(&o, NULL, NULL, "--db", ci, "--tenant", "t", "--batch-rows", "7",
	                            hdup, NULL),
	                 0);
	th_out_free(&o);
	long first = q_count(c, "SELECT count(*) FROM event");
	assert_true(first > 0 && first < monitored(f));

	/* Without the pre-check, overlapping batches go through the staging
	 * table: exactly the missing rows are added. */
	char *env[] = {"ITRACE_INGEST_NO_PRECHECK=1", NULL};
	assert_int_equal(run_ingest(&o, NULL, env, "--db", ci, "--tenant", "t", "--batch-rows", "13",
	                            "--verbose", p, NULL),
	                 0);
	expect_summary(&o, f->lines, monitored(f) - first, f->lines - monitored(f), 0);
	long batches = 0, dups = 0, staged = 0;
	const char *v = strstr(o.err, "itrace-ingest: ");
	assert_non_null(v);
	assert_int_equal(sscanf(v, "itrace-ingest: %ld COPY batches, %ld events already stored,"
	                           " %ld batches through the staging table",
	                        &batches, &dups, &staged),
	                 3);
	assert_int_equal(batches, (monitored(f) + 12) / 13);
	assert_int_equal(dups, first);
	assert_true(staged > 0);
	th_out_free(&o);
	check_counts(c, "t", f);
	assert_int_equal(run_ingest(&o, NULL, env, "--db", ci, "--tenant", "t", p, NULL), 0);
	expect_summary(&o, f->lines, 0, f->lines - monitored(f), 0);
	th_out_free(&o);

	/* Four loaders of the same file into a new tenant at once. */
	pid_t kids[4];
	for (int i = 0; i < 4; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			int dn = open("/dev/null", O_WRONLY);
			dup2(dn, 1);
			dup2(dn, 2);
			if (i % 2 == 1)
				putenv("ITRACE_INGEST_NO_PRECHECK=1");
			execl(th_bin("itrace-ingest"), "itrace-ingest", "--db", ci, "--tenant", "race",
			      "--batch-rows", i < 2 ? "5" : "50", p, (char *)NULL);
			_exit(127);
		}
	}
	for (int i = 0; i < 4; i++) {
		int st;
		assert_int_equal(waitpid(kids[i], &st, 0), kids[i]);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			fail_msg("concurrent loader %d: status %d", i, st);
	}
	check_counts(c, "race", f);
	assert_int_equal(q_count(c, "SELECT count(*) FROM tenant WHERE name = 'race'"), 1);

	PQfinish(c);
	th_db_drop(ci);
	free(p);
	free(hdup);
}

/* The loader sends COPY's binary format (src/db/event_copy.c): every
 * column type at its edges must arrive as the value the line gave. The
 * expected values are literals from the lines below, compared by the
 * server (never by re-encoding them with our own code). */
static void test_binary_values(void **state)
{
	(void)state;
	const char *lines =
		/* before 2000-01-01 (a negative binary timestamp), maximal numbers */
		"{\"type\":\"event\",\"kind\":\"net_connect\",\"time\":\"1999-12-31T23:59:59.999999Z\","
		"\"host\":\"edge1\",\"eid\":65535,\"record_id\":9223372036854775807,"
		"\"proc_guid\":\"{AA6B4A20-BC60-5CA4-0000-0010B9F5C401}\",\"pid\":4294967295,"
		"\"image\":\"C:\\\\a b\\\\c.exe\",\"proto\":\"tcp\",\"remote_ip\":\"10.0.0.1\","
		"\"remote_port\":65535,\"local_ip\":\"10.0.0.2\",\"local_port\":0,"
		"\"initiated\":false,\"user\":\"\\u65e5\\u672c\\\\user\\t\\u00e9\\ud83d\\ude00\"}\n"
		/* the first and the last representable day, hashes, booleans, extra */
		"{\"type\":\"event\",\"kind\":\"process_start\",\"time\":\"0001-01-01T00:00:00Z\","
		"\"host\":\"edge1\",\"record_id\":0,\"pid\":0,"
		"\"parent_guid\":\"aa6b4a20-bc60-5ca4-0000-0010b9f5c401\",\"parent_pid\":7,"
		"\"sha256\":\"" "ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef0123456789" "\","
		"\"md5\":\"0123456789abcdef0123456789abcdef\",\"signed\":true,"
		"\"extra\":{\"k\":\"v\\n\\\\\",\"a\":[1,2.5,true,null],\"o\":{\"\\u00fc\":\"\\ud83d\\ude00\"}}}\n"
		"{\"type\":\"event\",\"kind\":\"registry_set\",\"time\":\"9999-12-31T23:59:59.999999Z\","
		"\"host\":\"edge1\",\"target\":\"HKLM\\\\x\",\"details\":\"\",\"signed\":false}\n";
	const char *path = th_write_file("edges.json", lines, strlen(lines));
	char *pdup = strdup(path);
	char *ci = th_db_new_migrated();
	PGconn *c = connect_utc(ci);
	struct th_out o;
	assert_int_equal(run_ingest(&o, NULL, NULL, "--db", ci, "--tenant", "t", pdup, NULL), 0);
	expect_summary(&o, 3, 3, 0, 0);
	th_out_free(&o);

	static const struct {
		const char *sql, *want;
	} q[] = {
		{"SELECT to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') FROM event"
		 " WHERE kind = 'net_connect'", "1999-12-31 23:59:59.999999"},
		{"SELECT concat_ws('|', eid, record_id, proc_guid, pid, image, proto, remote_ip,"
		 " remote_port, local_ip, local_port, initiated, signed IS NULL, parent_guid IS NULL,"
		 " parent_key IS NULL, extra IS NULL, cmdline IS NULL)"
		 " FROM event WHERE kind = 'net_connect'",
		 "65535|9223372036854775807|aa6b4a20-bc60-5ca4-0000-0010b9f5c401|4294967295|"
		 "C:\\a b\\c.exe|tcp|10.0.0.1|65535|10.0.0.2|0|f|t|t|t|t|t"},
		{"SELECT user_name FROM event WHERE kind = 'net_connect'",
		 "\xe6\x97\xa5\xe6\x9c\xac\\user\t\xc3\xa9\xf0\x9f\x98\x80"},
		{"SELECT to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') FROM event"
		 " WHERE kind = 'process_start'", "0001-01-01 00:00:00.000000"},
		{"SELECT concat_ws('|', eid, record_id, pid, parent_guid, parent_pid, sha256, md5,"
		 " signed, initiated IS NULL, proc_guid IS NULL)"
		 " FROM event WHERE kind = 'process_start'",
		 "0|0|0|aa6b4a20-bc60-5ca4-0000-0010b9f5c401|7|"
		 "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789|"
		 "0123456789abcdef0123456789abcdef|t|t|t"},
		{"SELECT extra = '{\"k\":\"v\\n\\\\\",\"a\":[1,2.5,true,null],"
		 "\"o\":{\"\\u00fc\":\"\\ud83d\\ude00\"}}'::jsonb FROM event"
		 " WHERE kind = 'process_start'", "t"},
		/* the key of a GUID is the same whichever column it is in */
		{"SELECT (SELECT proc_key FROM event WHERE kind = 'net_connect') ="
		 " (SELECT parent_key FROM event WHERE kind = 'process_start')", "t"},
		{"SELECT to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '|' ||"
		 " target || '|' || (details IS NULL) || '|' || signed FROM event"
		 " WHERE kind = 'registry_set'", "9999-12-31 23:59:59.999999|HKLM\\x|true|false"},
	};
	for (size_t i = 0; i < sizeof q / sizeof q[0]; i++) {
		char *got = q_text(c, "%s", q[i].sql);
		if (strcmp(got, q[i].want) != 0)
			fail_msg("%s\n  want %s\n  got  %s", q[i].sql, q[i].want, got);
		free(got);
	}
	/* Loaded again: nothing new. */
	assert_int_equal(run_ingest(&o, NULL, NULL, "--db", ci, "--tenant", "t", pdup, NULL), 0);
	expect_summary(&o, 3, 0, 0, 0);
	th_out_free(&o);
	assert_int_equal(q_count(c, "SELECT count(*) FROM event"), 3);

	PQfinish(c);
	th_db_drop(ci);
	free(pdup);
}

/* One COPY batch that holds both stored and new rows, its rows of three
 * endpoints interleaved (the loader sends them in key order): the
 * pre-check drops exactly the stored ones, the rest goes in by the direct
 * COPY (no staging table), and loading it all again stores nothing. */
static void test_mixed_batch(void **state)
{
	(void)state;
	enum { N = 90 };
	char *all = NULL, *third = NULL;
	size_t all_len = 0, third_len = 0;
	FILE *fa = open_memstream(&all, &all_len);
	FILE *ft = open_memstream(&third, &third_len);
	for (int i = 0; i < N; i++) {
		char line[512];
		snprintf(line, sizeof line,
		         "{\"type\":\"event\",\"kind\":\"file_create\",\"host\":\"pc%d\","
		         "\"time\":\"2024-06-0%dT10:%02d:%02d.%06dZ\",\"record_id\":%d,"
		         "\"target\":\"C:\\\\f%d.txt\",\"pid\":%d}\n",
		         i % 3, 1 + i % 2, i % 60, (N - i) % 60, i * 7, 1000 + i, i, 100 + i % 5);
		fputs(line, fa);
		if (i % 3 == 1)
			fputs(line, ft);
	}
	fclose(fa);
	fclose(ft);
	char *pall = strdup(th_write_file("mixed-all.json", all, all_len));
	char *pthird = strdup(th_write_file("mixed-third.json", third, third_len));
	free(all);
	free(third);

	char *ci = th_db_new_migrated();
	PGconn *c = connect_utc(ci);
	struct th_out o;
	assert_int_equal(run_ingest(&o, NULL, NULL, "--db", ci, "--tenant", "t", pthird, NULL), 0);
	expect_summary(&o, N / 3, N / 3, 0, 0);
	th_out_free(&o);

	assert_int_equal(run_ingest(&o, NULL, NULL, "--db", ci, "--tenant", "t", "--verbose",
	                            pall, NULL),
	                 0);
	expect_summary(&o, N, N - N / 3, 0, 0);
	const char *v = strstr(o.err, "itrace-ingest: ");
	assert_non_null(v);
	long batches = -1, dups = -1, staged = -1;
	assert_int_equal(sscanf(v, "itrace-ingest: %ld COPY batches, %ld events already stored,"
	                           " %ld batches through the staging table",
	                        &batches, &dups, &staged),
	                 3);
	assert_int_equal(batches, 1);
	assert_int_equal(dups, N / 3);
	assert_int_equal(staged, 0);
	th_out_free(&o);
	assert_int_equal(q_count(c, "SELECT count(*) FROM event"), N);
	assert_int_equal(q_count(c, "SELECT count(DISTINCT (endpoint_id, ts, dedup)) FROM event"), N);
	assert_int_equal(q_count(c, "SELECT count(DISTINCT record_id) FROM event"), N);
	assert_int_equal(q_count(c, "SELECT count(*) FROM event e JOIN endpoint p"
	                            " ON p.id = e.endpoint_id WHERE p.name = 'pc1'"),
	                 N / 3);

	/* Everything again, in batches of 7 that straddle the old rows. */
	assert_int_equal(run_ingest(&o, NULL, NULL, "--db", ci, "--tenant", "t", "--batch-rows",
	                            "7", pall, NULL),
	                 0);
	expect_summary(&o, N, 0, 0, 0);
	th_out_free(&o);
	assert_int_equal(q_count(c, "SELECT count(*) FROM event"), N);

	PQfinish(c);
	th_db_drop(ci);
	free(pall);
	free(pthird);
}

/* The itrace_ingest role of DESIGN.md is enough to load events (also the
 * staging path and new partitions) and to store alerts. */
static void test_ingest_role(void **state)
{
	(void)state;
	char *ci = th_db_new_migrated();
	PGconn *c = connect_utc(ci);
	char role[64], sql[256];
	snprintf(role, sizeof role, "t_ingest_%ld", (long)getpid());
	snprintf(sql, sizeof sql, "CREATE ROLE %s LOGIN IN ROLE itrace_ingest", role);
	PGresult *res = PQexec(c, sql);
	assert_int_equal(PQresultStatus(res), PGRES_COMMAND_OK);
	PQclear(res);
	char *ci_role = NULL;
	assert_true(asprintf(&ci_role, "%s user=%s", ci, role) > 0);
	const char *lines =
		"{\"type\":\"event\",\"kind\":\"dns_query\",\"time\":\"2024-05-02T00:00:00Z\","
		"\"host\":\"h1\",\"target\":\"example.com\"}\n"
		"{\"type\":\"alert\",\"host\":\"h1\",\"detected_at\":\"2024-05-02T00:00:01Z\","
		"\"path\":\"C:\\\\x.exe\",\"action\":\"blocked\"}\n";
	const char *path = th_write_file("role.json", lines, strlen(lines));
	char *pdup = strdup(path);
	struct th_out o;
	int rc = run_ingest(&o, NULL, NULL, "--db", ci_role, "--tenant", "acme", pdup, NULL);
	if (rc != 0)
		fail_msg("exit %d\n%s", rc, o.err);
	expect_summary(&o, 2, 2, 0, 0);
	th_out_free(&o);
	char *env[] = {"ITRACE_INGEST_NO_PRECHECK=1", NULL};
	assert_int_equal(run_ingest(&o, NULL, env, "--db", ci_role, "--tenant", "acme", pdup, NULL),
	                 0);
	expect_summary(&o, 2, 0, 0, 0);
	th_out_free(&o);
	assert_int_equal(q_count(c, "SELECT count(*) FROM event"), 1);
	assert_int_equal(q_count(c, "SELECT count(*) FROM alert"), 1);
	PQfinish(c);
	th_db_drop(ci);
	/* The role is cluster-wide: remove it once its database is gone. */
	char *admin = NULL;
	assert_true(asprintf(&admin, "host=%s user=%s dbname=postgres",
	                     getenv("ITRACE_TEST_PGHOST") != NULL ? getenv("ITRACE_TEST_PGHOST")
	                                                          : "/var/run/postgresql",
	                     getenv("ITRACE_TEST_PGUSER") != NULL ? getenv("ITRACE_TEST_PGUSER")
	                                                          : "postgres") > 0);
	c = th_connect(admin);
	snprintf(sql, sizeof sql, "DROP ROLE IF EXISTS %s", role);
	PQclear(PQexec(c, sql));
	PQfinish(c);
	free(admin);
	free(ci_role);
	free(pdup);
}

int main(void)
{
	/* Child programs run with this process's cwd; make ITRACE_BIN absolute
	 * so a test may change directory. */
	const char *bin = getenv("ITRACE_BIN");
	char abs[PATH_MAX];
	if (realpath(bin != NULL && bin[0] != '\0' ? bin : "build/bin", abs) != NULL)
		setenv("ITRACE_BIN", abs, 1);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_migrate_twice),
		cmocka_unit_test(test_otrf_all_load),
		cmocka_unit_test(test_corrupted_copy),
		cmocka_unit_test(test_tuning_and_dry_run),
		cmocka_unit_test(test_endpoints_and_escaping),
		cmocka_unit_test(test_alerts),
		cmocka_unit_test(test_exit_2),
		cmocka_unit_test(test_guid_aliasing),
		cmocka_unit_test(test_batches_fallback_concurrency),
		cmocka_unit_test(test_binary_values),
		cmocka_unit_test(test_mixed_batch),
		cmocka_unit_test(test_ingest_role),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
