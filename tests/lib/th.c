/* th.c - integration test helpers; see th.h. */
#include "th.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char tmpdir[256];

static void rm_tmpdir(void)
{
	if (tmpdir[0] != '\0') {
		char cmd[300];
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
		if (system(cmd) != 0)
			fprintf(stderr, "th: cannot remove %s\n", tmpdir);
	}
}

const char *th_tmpdir(void)
{
	if (tmpdir[0] == '\0') {
		snprintf(tmpdir, sizeof tmpdir, "/tmp/itrace-test.XXXXXX");
		if (mkdtemp(tmpdir) == NULL) {
			perror("th: mkdtemp");
			exit(99);
		}
		chmod(tmpdir, 0755);
		atexit(rm_tmpdir);
	}
	return tmpdir;
}

static const char *env_or(const char *name, const char *dflt)
{
	const char *v = getenv(name);
	return v != NULL && v[0] != '\0' ? v : dflt;
}

const char *th_bin(const char *name)
{
	static char buf[4][1024];
	static int slot;
	char *b = buf[slot++ % 4];
	snprintf(b, sizeof buf[0], "%s/%s", env_or("ITRACE_BIN", "build/bin"), name);
	return b;
}

const char *th_shared(const char *rel)
{
	static char buf[4][1024];
	static int slot;
	char *b = buf[slot++ % 4];
	const char *root = env_or("ITRACE_SHARED", "../shared");
	struct stat st;
	if (stat(root, &st) != 0 || !S_ISDIR(st.st_mode))
		return NULL;
	snprintf(b, sizeof buf[0], "%s/%s", root, rel);
	return b;
}

static char *admin_conninfo(const char *db)
{
	char *s = NULL;
	if (asprintf(&s, "host=%s user=%s dbname=%s",
	             env_or("ITRACE_TEST_PGHOST", "/var/run/postgresql"),
	             env_or("ITRACE_TEST_PGUSER", "postgres"), db) < 0)
		return NULL;
	return s;
}

PGconn *th_connect(const char *conninfo)
{
	PGconn *c = PQconnectdb(conninfo);
	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "th: connect %s: %s", conninfo, PQerrorMessage(c));
		PQfinish(c);
		exit(99);
	}
	PQsetNoticeProcessor(c, NULL, NULL);
	return c;
}

char *th_db_new(void)
{
	static int n;
	char name[64];
	snprintf(name, sizeof name, "t_%ld_%d", (long)getpid(), n++);
	char *admin = admin_conninfo("postgres");
	PGconn *c = th_connect(admin);
	free(admin);
	char sql[128];
	snprintf(sql, sizeof sql, "CREATE DATABASE %s", name);
	PGresult *r = PQexec(c, sql);
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	if (!ok)
		fprintf(stderr, "th: %s", PQerrorMessage(c));
	PQclear(r);
	PQfinish(c);
	return ok ? admin_conninfo(name) : NULL;
}

char *th_db_new_migrated(void)
{
	char *ci = th_db_new();
	if (ci == NULL)
		return NULL;
	struct th_out o;
	const char *argv[] = {"itrace-ingest", "--db", ci, "--migrate", NULL};
	if (th_run(&o, NULL, NULL, argv) != 0) {
		fprintf(stderr, "th: migrate failed (%d): %s\n", o.status, o.err);
		th_out_free(&o);
		free(ci);
		return NULL;
	}
	th_out_free(&o);
	return ci;
}

void th_db_drop(char *conninfo)
{
	if (conninfo == NULL)
		return;
	const char *p = strstr(conninfo, "dbname=");
	if (p != NULL) {
		char *admin = admin_conninfo("postgres");
		PGconn *c = th_connect(admin);
		free(admin);
		char sql[128];
		snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", p + 7);
		PQclear(PQexec(c, sql));
		PQfinish(c);
	}
	free(conninfo);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, cap = 0;
	if (f != NULL) {
		for (;;) {
			if (cap - n < 65536) {
				cap = cap * 2 + 65536;
				char *nb = realloc(buf, cap + 1);
				if (nb == NULL)
					break;
				buf = nb;
			}
			size_t got = fread(buf + n, 1, cap - n, f);
			n += got;
			if (got == 0)
				break;
		}
		fclose(f);
	}
	if (buf == NULL)
		buf = calloc(1, 1);
	else
		buf[n] = '\0';
	*len = n;
	return buf;
}

int th_run(struct th_out *out, const char *in_file, char *const env[],
           const char *const argv[])
{
	static int n;
	char opath[512], epath[512];
	const char *dir = th_tmpdir();
	snprintf(opath, sizeof opath, "%s/run%d.out", dir, n);
	snprintf(epath, sizeof epath, "%s/run%d.err", dir, n++);
	const char *prog = strchr(argv[0], '/') != NULL ? argv[0] : th_bin(argv[0]);

	memset(out, 0, sizeof *out);
	pid_t pid = fork();
	if (pid < 0) {
		out->status = 127;
		return 127;
	}
	if (pid == 0) {
		int in = open(in_file != NULL ? in_file : "/dev/null", O_RDONLY);
		int o = open(opath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int e = open(epath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (in < 0 || o < 0 || e < 0)
			_exit(126);
		dup2(in, 0);
		dup2(o, 1);
		dup2(e, 2);
		for (size_t i = 0; env != NULL && env[i] != NULL; i++)
			putenv(env[i]);
		execv(prog, (char *const *)argv);
		fprintf(stderr, "th: exec %s: %s\n", prog, strerror(errno));
		_exit(127);
	}
	int st = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	out->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	out->out = slurp(opath, &out->out_len);
	out->err = slurp(epath, &out->err_len);
	unlink(opath);
	unlink(epath);
	return out->status;
}

void th_out_free(struct th_out *out)
{
	free(out->out);
	free(out->err);
	memset(out, 0, sizeof *out);
}

char *th_scalar(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);
	char *v = NULL;
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		fprintf(stderr, "th: %s: %s", sql, PQerrorMessage(c));
	} else if (PQntuples(r) > 0 && PQnfields(r) > 0) {
		v = strdup(PQgetvalue(r, 0, 0));
	} else {
		v = strdup("");
	}
	PQclear(r);
	return v;
}

long th_count(PGconn *c, const char *sql)
{
	char *v = th_scalar(c, sql);
	long n = v != NULL && v[0] != '\0' ? strtol(v, NULL, 10) : -1;
	free(v);
	return n;
}

long th_countf(PGconn *c, const char *fmt, ...)
{
	char sql[2048];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(sql, sizeof sql, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof sql) {
		fprintf(stderr, "th_countf: query longer than %zu bytes\n", sizeof sql);
		exit(99);
	}
	return th_count(c, sql);
}

const char *th_write_file(const char *name, const char *data, size_t len)
{
	static char path[4][512];
	static int slot;
	char *p = path[slot++ % 4];
	snprintf(p, sizeof path[0], "%s/%s", th_tmpdir(), name);
	FILE *f = fopen(p, "wb");
	if (f == NULL || fwrite(data, 1, len, f) != len) {
		perror(p);
		exit(99);
	}
	fclose(f);
	return p;
}

int th_count_str(const char *hay, const char *needle)
{
	int n = 0;
	size_t nl = strlen(needle);
	if (nl == 0)
		return 0;
	for (const char *p = strstr(hay, needle); p != NULL; p = strstr(p + nl, needle))
		n++;
	return n;
}

static void buf_reserve(struct th_buf *b, size_t more)
{
	if (b->n + more + 1 <= b->cap)
		return;
	b->cap = (b->n + more + 1) * 2;
	b->p = realloc(b->p, b->cap);
	if (b->p == NULL) {
		fprintf(stderr, "th_buf: out of memory\n");
		exit(99);
	}
}

void th_buf_printf(struct th_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int need = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (need < 0) {
		fprintf(stderr, "th_buf_printf: bad format %s\n", fmt);
		exit(99);
	}
	buf_reserve(b, (size_t)need);
	va_start(ap, fmt);
	vsnprintf(b->p + b->n, (size_t)need + 1, fmt, ap);
	va_end(ap);
	b->n += (size_t)need;
}

void th_buf_add(struct th_buf *b, const char *s, size_t n)
{
	buf_reserve(b, n);
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
}
