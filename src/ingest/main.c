/* main.c - itrace-ingest: load security logs and alerts into the shared
 * database (DESIGN.md "Programs"; issue 2 section 3). See usage() for the
 * command line and the meaning of the counts. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "core/event.h"
#include "core/logline.h"
#include "core/sanitize.h"
#include "core/tuning.h"
#include "db/tuning_rules.h"
#include "db/alerts.h"
#include "db/conn.h"
#include "db/endpoints.h"
#include "db/events.h"
#include "db/migrate.h"
#include "ingest/ingest.h"

#define PROG "itrace-ingest"

static void usage(FILE *out)
{
	fputs(
"usage: itrace-ingest --db CONNINFO --tenant NAME [--tuning FILE]\n"
"                     [--rejects PATH] [--dry-run] FILE...\n"
"       itrace-ingest --db CONNINFO --migrate\n"
"\n"
"Load security logs and alerts, one JSON object a line, into the shared\n"
"database with COPY. FILE '-' reads standard input. Lines may be Sysmon\n"
"events (flat Log Analytics export, nxlog->Logstash, winlogbeat\n"
"event_data), Security 4688, or the native format ({\"type\":\"event\",...}\n"
"and {\"type\":\"alert\",...}, see README.md).\n"
"\n"
"  -d, --db CONNINFO   libpq connection string or URI; without it the PG*\n"
"                      environment variables (PGHOST, PGDATABASE, ...) apply\n"
"  -t, --tenant NAME   tenant the endpoints belong to (created if new);\n"
"                      endpoints are created on first sight, one per short\n"
"                      host name (case-insensitive) within the tenant\n"
"  -T, --tuning FILE   exclusion rules, lines 'exclude FIELD /PCRE2/flags'\n"
"                      (FIELD image, target, cmdline or registry; flags\n"
"                      i x s m u; '#' comments); the tenant's rules in the\n"
"                      database (itrace-cmdd tuning add) apply after them\n"
"  -r, --rejects PATH  where rejected lines go (default FILE.rejects, and\n"
"                      stdin.rejects in the current directory for '-'); the\n"
"                      file is created only when a line is rejected\n"
"  -n, --dry-run       parse and apply the tuning rules, store nothing, and\n"
"                      print per rule how many events it excludes, the\n"
"                      number of unmonitored lines and of events that would\n"
"                      be loaded (--db and --tenant are then not needed;\n"
"                      with both, the tenant's database rules apply too)\n"
"      --migrate       apply the database schema migrations and exit\n"
"      --batch-rows N  events per COPY batch (default 20000)\n"
"  -j, --jobs N        parser threads (default: the number of CPUs)\n"
"  -v, --verbose       also print the loader's counters (batches, rows\n"
"                      already stored, batches that met a concurrent loader)\n"
"  -h, --help          this text\n"
"\n"
"For every alert it stores it prints 'alert ID HOST PATH' on stdout. A bad\n"
"line is reported on stderr as 'FILE:LINE: reason' and written unchanged to\n"
"the rejects file; every good line still loads. The last line on stderr is\n"
"  itrace-ingest: read R lines, loaded L, excluded X, rejected J\n"
"  read      every line of the input, blank lines included\n"
"  loaded    events and alerts that were new to the database: loading the\n"
"            same file again loads 0 and never duplicates an event (a line\n"
"            repeated within 4096 lines is a further event, as when Sysmon\n"
"            logs the same registry write twice in one millisecond)\n"
"  excluded  events matched by a tuning rule, plus valid lines this service\n"
"            does not monitor (other channels, such as Security events\n"
"            other than 4688, and Sysmon event ids it does not map)\n"
"  rejected  lines that could not be used\n"
"Exit status: 0 all lines used, 1 some lines rejected, 2 nothing could be\n"
"done or loading stopped (no database, unreadable file, bad tuning file,\n"
"rejects file not writable).\n",
	      out);
}

struct opts {
	const char *db, *tenant, *tuning, *rejects;
	int dry_run, migrate, verbose;
	size_t batch_rows;
	int jobs;
	char **files;
	int nfiles;
};

struct counts {
	long long read, loaded, excluded, rejected;
	long long unmonitored, would_load, alerts;
	long long *per_rule;
};

/* The state of one run. */
struct run {
	struct opts o;
	struct counts n;
	struct tun_rules *tun;
	PGconn *meta;              /* endpoints, alerts */
	struct db_hosts *hosts;
	struct db_evload *loader;
	struct ing_occ *occ;
	struct ing_rejects common; /* --rejects PATH, shared by all files */
	struct ing_pool *pool;     /* parser threads */
	struct ing_chunk *chunks;  /* ring of nchunks */
	size_t nchunks;
	double parse_wait_s;       /* main thread waiting for parsed chunks */
	int fatal;                 /* loading must stop: exit 2 */
};

static void fatal_msg(struct run *r, const char *msg)
{
	fprintf(stderr, "%s: %s\n", PROG, msg);
	r->fatal = 1;
}

/* Text for stderr: attacker-controlled bytes made visible. */
static void put_clean(FILE *out, const char *s)
{
	char *c = san_str(s);
	fputs(c != NULL ? c : "?", out);
	free(c);
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	enum { OPT_MIGRATE = 256, OPT_BATCH };
	static const struct option longopts[] = {
		{"db", required_argument, NULL, 'd'},
		{"tenant", required_argument, NULL, 't'},
		{"tuning", required_argument, NULL, 'T'},
		{"rejects", required_argument, NULL, 'r'},
		{"dry-run", no_argument, NULL, 'n'},
		{"migrate", no_argument, NULL, OPT_MIGRATE},
		{"batch-rows", required_argument, NULL, OPT_BATCH},
		{"verbose", no_argument, NULL, 'v'},
		{"jobs", required_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	memset(o, 0, sizeof *o);
	int c;
	while ((c = getopt_long(argc, argv, "d:t:T:r:nvj:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': o->db = optarg; break;
		case 't': o->tenant = optarg; break;
		case 'T': o->tuning = optarg; break;
		case 'r': o->rejects = optarg; break;
		case 'n': o->dry_run = 1; break;
		case 'v': o->verbose = 1; break;
		case 'j': {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (*end != '\0' || v < 1 || v > 64) {
				fprintf(stderr, "%s: --jobs: expected 1..64\n", PROG);
				return 2;
			}
			o->jobs = (int)v;
			break;
		}
		case OPT_MIGRATE: o->migrate = 1; break;
		case OPT_BATCH: {
			char *end;
			errno = 0;
			unsigned long long v = strtoull(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || v == 0 || v > 10000000) {
				fprintf(stderr, "%s: --batch-rows: expected 1..10000000\n", PROG);
				return 2;
			}
			o->batch_rows = (size_t)v;
			break;
		}
		case 'h': usage(stdout); exit(0);
		default:
			fprintf(stderr, "Try '%s --help'.\n", PROG);
			return 2;
		}
	}
	o->files = argv + optind;
	o->nfiles = argc - optind;
	if (o->migrate) {
		if (o->nfiles > 0 || o->tenant != NULL || o->dry_run) {
			fprintf(stderr, "%s: --migrate takes no files, --tenant or --dry-run\n", PROG);
			return 2;
		}
		return 0;
	}
	if (o->nfiles == 0) {
		fprintf(stderr, "%s: no input files (use '-' for standard input)\nTry '%s --help'.\n",
		        PROG, PROG);
		return 2;
	}
	if (!o->dry_run && (o->tenant == NULL || o->tenant[0] == '\0')) {
		fprintf(stderr, "%s: --tenant NAME is required\nTry '%s --help'.\n", PROG, PROG);
		return 2;
	}
	return 0;
}

static int do_migrate(const struct opts *o)
{
	char *err = NULL;
	PGconn *c = db_connect(o->db, PROG, &err);
	if (c == NULL) {
		fprintf(stderr, "%s: %s\n", PROG, err);
		free(err);
		return 2;
	}
	int n = db_migrate(c, &err);
	PQfinish(c);
	if (n < 0) {
		fprintf(stderr, "%s: %s\n", PROG, err);
		free(err);
		return 2;
	}
	int last = 0;
	for (const struct db_migration *m = db_migrations; m->sql != NULL; m++)
		last = m->version;
	if (n == 0)
		fprintf(stderr, "%s: schema up to date (version %d)\n", PROG, last);
	else
		fprintf(stderr, "%s: applied %d migration%s, schema version %d\n", PROG, n,
		        n == 1 ? "" : "s", last);
	return 0;
}

/* Read a whole file (the tuning file) into a malloc'd buffer. */
static char *slurp(const char *path, size_t *len, int *err_no)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		*err_no = errno;
		return NULL;
	}
	char *buf = NULL;
	size_t n = 0, cap = 0;
	for (;;) {
		if (cap - n < 4096) {
			cap = cap * 2 + 4096;
			char *nb = realloc(buf, cap);
			if (nb == NULL)
				abort();
			buf = nb;
		}
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		*err_no = errno != 0 ? errno : EIO;
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	*len = n;
	return buf;
}

static int load_tuning(struct run *r)
{
	if (r->o.tuning == NULL)
		return 0;
	size_t len = 0;
	int e = 0;
	char *text = slurp(r->o.tuning, &len, &e);
	if (text == NULL) {
		fprintf(stderr, "%s: %s: %s\n", PROG, r->o.tuning, strerror(e));
		return -1;
	}
	char *err = NULL;
	int line = 0;
	r->tun = tun_parse(text, len, &err, &line);
	free(text);
	if (r->tun == NULL) {
		/* err is "line N: message"; show it as FILE:N: message. */
		const char *msg = err != NULL ? err : "out of memory";
		const char *colon = line > 0 ? strstr(msg, ": ") : NULL;
		if (colon != NULL)
			fprintf(stderr, "%s:%d: %s\n", r->o.tuning, line, colon + 2);
		else
			fprintf(stderr, "%s: %s\n", r->o.tuning, msg);
		free(err);
		return -1;
	}
	r->n.per_rule = calloc(tun_count(r->tun) + 1, sizeof *r->n.per_rule);
	if (r->n.per_rule == NULL)
		abort();
	return 0;
}

/* the tenant's rules from the tuning_rule table, read once, after the
 * --tuning file's rules: a file is the operator's choice for this run, the
 * table the standing rules; the first match is the one counted, and the
 * file's rules keep their numbers 1..N in the --dry-run report. A dry run
 * reads them when --db and --tenant are given (it creates nothing). */
static int load_table_rules(struct run *r)
{
	if (r->meta == NULL && !(r->o.dry_run && r->o.db != NULL && r->o.tenant != NULL))
		return 0;
	if (r->tun == NULL && (r->tun = tun_new()) == NULL)
		abort();
	char *err = NULL, *warn = NULL;
	int64_t fp[2];
	PGconn *c = r->meta;
	if (c == NULL && (c = db_connect(r->o.db, PROG, &err)) == NULL) {
		fatal_msg(r, err);
		free(err);
		return -1;
	}
	int rc = db_tuning_load(c, r->hosts != NULL ? db_hosts_tenant(r->hosts) : 0, r->o.tenant,
	                        r->tun, fp, &warn, &err);
	if (c != r->meta)
		PQfinish(c);
	if (rc != 0) {
		fatal_msg(r, err);
		free(err);
		return -1;
	}
	if (warn != NULL) {
		fprintf(stderr, "%s: skipped: %s\n", PROG, warn);
		free(warn);
	}
	long long *pr = realloc(r->n.per_rule, (tun_count(r->tun) + 1) * sizeof *pr);
	if (pr == NULL)
		abort();
	memset(pr, 0, (tun_count(r->tun) + 1) * sizeof *pr);
	r->n.per_rule = pr;
	return 0;
}

/* Open every input first: a missing file stops the run before anything is
 * stored. */
static FILE **open_inputs(const struct opts *o)
{
	FILE **fs = calloc((size_t)o->nfiles, sizeof *fs);
	if (fs == NULL)
		abort();
	int ok = 1;
	for (int i = 0; i < o->nfiles; i++) {
		const char *p = o->files[i];
		if (strcmp(p, "-") == 0) {
			fs[i] = stdin;
			continue;
		}
		fs[i] = fopen(p, "r");
		struct stat st;
		if (fs[i] == NULL) {
			fprintf(stderr, "%s: %s: %s\n", PROG, p, strerror(errno));
			ok = 0;
		} else if (fstat(fileno(fs[i]), &st) == 0 && S_ISDIR(st.st_mode)) {
			fprintf(stderr, "%s: %s: %s\n", PROG, p, strerror(EISDIR));
			fclose(fs[i]);
			fs[i] = NULL;
			ok = 0;
		}
	}
	if (!ok) {
		for (int i = 0; i < o->nfiles; i++)
			if (fs[i] != NULL && fs[i] != stdin)
				fclose(fs[i]);
		free(fs);
		return NULL;
	}
	return fs;
}

static int connect_db(struct run *r)
{
	char *err = NULL;
	r->meta = db_connect(r->o.db, PROG, &err);
	if (r->meta == NULL)
		goto fail;
	r->hosts = db_hosts_new(r->meta, r->o.tenant, &err);
	if (r->hosts == NULL)
		goto fail;
	r->loader = db_evload_new(r->o.db, &err);
	if (r->loader == NULL)
		goto fail;
	if (r->o.batch_rows != 0)
		db_evload_set_batch(r->loader, r->o.batch_rows, 32u << 20);
	const char *np = getenv("ITRACE_INGEST_NO_PRECHECK");
	if (np != NULL && strcmp(np, "1") == 0)
		db_evload_set_precheck(r->loader, 0);
	return 0;
fail:
	fatal_msg(r, err);
	free(err);
	return -1;
}

static void reject(struct run *r, struct ing_rejects *rej, const char *name, long long lineno,
                   const char *line, size_t len, const char *reason)
{
	r->n.rejected++;
	fprintf(stderr, "%s:%lld: ", name, lineno);
	put_clean(stderr, reason);
	fputc('\n', stderr);
	char *err = NULL;
	if (ing_rejects_put(rej, line, len, &err) < 0) {
		fatal_msg(r, err);
		free(err);
	}
}

/* Endpoint of a host name; 1 ok, 0 the line must be rejected (why set),
 * -1 fatal (reported). */
static int endpoint_of(struct run *r, const char *host, int64_t ts, int64_t *id,
                       char *why, size_t whylen)
{
	char *key = host != NULL ? ev_host_key(host) : NULL;
	int usable = key != NULL && key[0] != '\0';
	free(key);
	if (!usable) {
		snprintf(why, whylen, "no usable host name");
		return 0;
	}
	char *err = NULL;
	if (db_hosts_get(r->hosts, host, ts, id, &err) < 0) {
		fatal_msg(r, err);
		free(err);
		return -1;
	}
	return 1;
}

static void on_event(struct run *r, const struct ing_chunk *c, const struct ing_item *it,
                     struct ing_rejects *rej, const char *name, long long lineno)
{
	const struct ev *e = &it->ev;
	const char *line = c->lines + it->line_off;
	char why[256];
	if (db_event_check(e, why, sizeof why) < 0) {
		reject(r, rej, name, lineno, line, it->line_len, why);
		return;
	}
	/* Keys are numbered before tuning, so changing the rules never changes
	 * the key of a line. */
	int64_t dedup = ing_occ_key(r->occ, it->key);
	int rule = tun_match(r->tun, e);
	if (rule >= 0) {
		r->n.excluded++;
		r->n.per_rule[rule]++;
		return;
	}
	if (r->o.dry_run) {
		r->n.would_load++;
		return;
	}
	int64_t ep;
	int rc = endpoint_of(r, e->host, e->ts_us, &ep, why, sizeof why);
	if (rc == 0)
		reject(r, rej, name, lineno, line, it->line_len, why);
	if (rc <= 0)
		return;
	char *err = NULL;
	if (db_evload_add_tail(r->loader, ep, e->ts_us, dedup, c->tails.data + it->tail_off,
	                       it->tail_len, it->tail_mid, &err) < 0) {
		fatal_msg(r, err);
		free(err);
	}
}

static void on_alert(struct run *r, const struct ev_alert *a, struct ing_rejects *rej,
                     const char *name, long long lineno, const char *line, size_t len)
{
	if (r->o.dry_run) {
		r->n.alerts++;
		return;
	}
	char why[256];
	int64_t ep;
	int rc = endpoint_of(r, a->host, a->received_us, &ep, why, sizeof why);
	if (rc == 0)
		reject(r, rej, name, lineno, line, len, why);
	if (rc <= 0)
		return;
	struct db_alert_info info;
	char *err = NULL;
	rc = db_alert_store(r->meta, db_hosts_tenant(r->hosts), ep, a, &info, &err);
	if (rc == -2) {
		reject(r, rej, name, lineno, line, len, err);
	} else if (rc < 0) {
		fatal_msg(r, err);
	} else if (rc == 1) {
		r->n.loaded++;
		r->n.alerts++;
		printf("alert %lld ", (long long)info.id);
		put_clean(stdout, a->host);
		putchar(' ');
		put_clean(stdout, a->path);
		putchar('\n');
		fflush(stdout);
	}
	free(err);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The results of one parsed chunk, in order. */
static void consume(struct run *r, const struct ing_chunk *c, struct ing_rejects *rej,
                    const char *name)
{
	for (size_t i = 0; i < c->n && !r->fatal; i++) {
		const struct ing_item *it = &c->items[i];
		long long lineno = c->first_lineno + (long long)i;
		r->n.read++;
		if (it->blank)
			continue;
		switch (it->res) {
		case LL_EVENT:
			on_event(r, c, it, rej, name, lineno);
			break;
		case LL_ALERT:
			on_alert(r, &it->al, rej, name, lineno, c->lines + it->line_off,
			         it->line_len);
			break;
		case LL_SKIP:
			r->n.excluded++;
			r->n.unmonitored++;
			break;
		case LL_ERROR:
			reject(r, rej, name, lineno, c->lines + it->line_off, it->line_len, it->err);
			break;
		}
	}
}

/* Load one opened input: the main thread reads chunks of lines, the pool
 * parses them, and they are consumed in input order. */
static void load_file(struct run *r, FILE *f, const char *path)
{
	int is_stdin = strcmp(path, "-") == 0;
	const char *name = is_stdin ? "stdin" : path;
	struct ing_rejects own;
	struct ing_rejects *rej = &r->common;
	if (r->o.rejects == NULL) {
		char *p = NULL;
		if (asprintf(&p, "%s.rejects", is_stdin ? "stdin" : path) < 0)
			abort();
		ing_rejects_init(&own, p);
		free(p);
		rej = &own;
	}
	ing_occ_reset(r->occ);

	char *line = NULL;
	size_t cap = 0;
	long long lineno = 0;
	size_t head = 0, tail = 0;   /* chunks consumed / submitted */
	int eof = 0;
	while (!eof || head < tail) {
		/* Fill and submit while there is a free chunk. */
		while (!eof && !r->fatal && tail - head < r->nchunks) {
			struct ing_chunk *c = &r->chunks[tail % r->nchunks];
			c->first_lineno = lineno + 1;
			ssize_t got;
			errno = 0;
			while ((got = getline(&line, &cap, f)) >= 0) {
				size_t len = (size_t)got;
				if (len > 0 && line[len - 1] == '\n')
					len--;
				lineno++;
				if (ing_chunk_add(c, line, len))
					break;
				errno = 0;
			}
			if (got < 0) {
				eof = 1;
				if (ferror(f)) {
					char *m = NULL;
					if (asprintf(&m, "%s: read error: %s", name,
					             strerror(errno != 0 ? errno : EIO)) < 0)
						abort();
					fatal_msg(r, m);
					free(m);
				}
			}
			if (c->n == 0)
				break;
			ing_pool_submit(r->pool, c);
			tail++;
		}
		if (r->fatal)
			eof = 1;
		if (head == tail)
			break;
		struct ing_chunk *c = &r->chunks[head % r->nchunks];
		double t0 = now_s();
		ing_pool_wait(r->pool, c);
		r->parse_wait_s += now_s() - t0;
		if (!r->fatal)
			consume(r, c, rej, name);
		ing_chunk_reset(c);
		head++;
	}
	free(line);
	if (rej == &own) {
		char *cerr = NULL;
		if (ing_rejects_close(&own, &cerr) < 0 && !r->fatal)
			fatal_msg(r, cerr);
		free(cerr);
	}
}

static int start_pool(struct run *r)
{
	int n = r->o.jobs;
	if (n == 0) {
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);
		n = cpus < 1 ? 1 : cpus > 16 ? 16 : (int)cpus;
	}
	/* Make jansson's hash seed before threads race to do it. */
	json_object_seed(0);
	r->pool = ing_pool_new(n);
	if (r->pool == NULL) {
		fprintf(stderr, "%s: cannot start parser threads\n", PROG);
		return -1;
	}
	/* Enough chunks to keep every thread busy while one is consumed; a
	 * multiple of the thread count, so the ring visits threads in turn. */
	r->nchunks = (size_t)ing_pool_threads(r->pool) * 3;
	r->chunks = calloc(r->nchunks, sizeof *r->chunks);
	if (r->chunks == NULL)
		abort();
	for (size_t i = 0; i < r->nchunks; i++) {
		ing_chunk_init(&r->chunks[i]);
		r->chunks[i].owner = (int)(i % (size_t)ing_pool_threads(r->pool));
	}
	return 0;
}

static void print_dry_run(const struct run *r)
{
	for (size_t i = 0; i < tun_count(r->tun); i++) {
		if (tun_rule_id(r->tun, i) > 0)
			printf("rule %zu (tuning_rule %lld: %s): %lld events\n", i + 1,
			       (long long)tun_rule_id(r->tun, i), tun_rule_text(r->tun, i),
			       r->n.per_rule[i]);
		else
			printf("rule %zu (%s): %lld events\n", i + 1, tun_rule_text(r->tun, i),
			       r->n.per_rule[i]);
	}
	printf("unmonitored: %lld lines\n", r->n.unmonitored);
	printf("would load: %lld events, %lld alerts\n", r->n.would_load, r->n.alerts);
}

int main(int argc, char **argv)
{
	/* Before any jansson value exists. */
	ing_json_alloc_init();
	struct run r;
	memset(&r, 0, sizeof r);
	int rc = parse_opts(argc, argv, &r.o);
	if (rc != 0)
		return rc;
	if (r.o.migrate)
		return do_migrate(&r.o);

	FILE **fs = NULL;
	if (load_tuning(&r) < 0 || (fs = open_inputs(&r.o)) == NULL) {
		r.fatal = 1;
	} else {
		if (r.n.per_rule == NULL) {
			r.n.per_rule = calloc(1, sizeof *r.n.per_rule);
			if (r.n.per_rule == NULL)
				abort();
		}
		r.occ = ing_occ_new();
		if (start_pool(&r) < 0)
			r.fatal = 1;
		if (r.o.rejects != NULL)
			ing_rejects_init(&r.common, r.o.rejects);
		if (!r.fatal && (r.o.dry_run || connect_db(&r) == 0) &&
		    load_table_rules(&r) == 0) {
			for (int i = 0; i < r.o.nfiles && !r.fatal; i++)
				load_file(&r, fs[i], r.o.files[i]);
		}
		char *err = NULL;
		if (r.loader != NULL) {
			if (!r.fatal && db_evload_flush(r.loader, &err) < 0) {
				fatal_msg(&r, err);
				free(err);
				err = NULL;
			}
			struct db_evload_stats st;
			db_evload_get_stats(r.loader, &st);
			r.n.loaded += st.loaded;
			if (r.o.verbose) {
				fprintf(stderr, "%s: %lld COPY batches, %lld events already stored,"
				        " %lld batches through the staging table\n", PROG,
				        (long long)st.batches, (long long)st.duplicate,
				        (long long)st.fallbacks);
				fprintf(stderr, "%s: %.2f s loading, %.2f s waiting for the"
				        " loader, %.2f s waiting for the parsers\n", PROG, st.busy_s,
				        st.wait_s, r.parse_wait_s);
			}
			db_evload_free(r.loader);
		}
		if (r.hosts != NULL && !r.fatal && db_hosts_touch(r.hosts, &err) < 0) {
			fatal_msg(&r, err);
			free(err);
			err = NULL;
		}
		if (r.o.rejects != NULL && ing_rejects_close(&r.common, &err) < 0 && !r.fatal) {
			fatal_msg(&r, err);
		}
		free(err);
		db_hosts_free(r.hosts);
		if (r.meta != NULL)
			PQfinish(r.meta);
		ing_occ_free(r.occ);
		ing_pool_free(r.pool);
		for (size_t i = 0; i < r.nchunks; i++)
			ing_chunk_free(&r.chunks[i]);
		free(r.chunks);
		for (int i = 0; i < r.o.nfiles; i++)
			if (fs[i] != stdin)
				fclose(fs[i]);
		free(fs);
		if (r.o.dry_run && !r.fatal)
			print_dry_run(&r);
	}
	tun_free(r.tun);
	free(r.n.per_rule);
	fflush(stdout);
	fprintf(stderr, "%s: read %lld lines, loaded %lld, excluded %lld, rejected %lld\n", PROG,
	        r.n.read, r.n.loaded, r.n.excluded, r.n.rejected);
	if (r.fatal)
		return 2;
	return r.n.rejected > 0 ? 1 : 0;
}
