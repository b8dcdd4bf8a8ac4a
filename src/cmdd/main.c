/* main.c - itrace-cmdd: options, configuration, signals, start and stop.
 *
 *   itrace-cmdd --db CONNINFO --listen HOST:PORT [--config FILE]
 *               [--smtp URL] [--threads N] [--job-interval SECONDS]
 *               [--log-retention-days N]
 *   itrace-cmdd --db CONNINFO tenant|token|release ...   (admin.c)
 *
 * With --listen HOST:0 a free port is chosen; the line
 * "listening on HOST:PORT" on stdout (flushed) tells which.
 *
 * Config file: `key = value` lines, `#` comments. Keys: threads,
 * job_interval (seconds, fractions allowed), longpoll_max (seconds),
 * smtp, mail_from, calendar (the company calendar file, calendar.h
 * format), log_retention_days (days of `event` partitions kept, R-28:
 * default 30, at least 7). Command-line options win over the file. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "cmdd/cmdd.h"
#include "cmdd/cache.h"
#include "core/calendar.h"

struct cmdd_cfg cmdd_cfg = {
	.threads = 4,
	.job_interval_ms = 60000,
	.longpoll_max_s = 25,
	.body_limit = 1024 * 1024,
	.events_limit = 16 * 1024 * 1024,
};

int r_health(struct req *rq, struct resp *rs)
{
	PGresult *r = PQexec(rq->db, "SELECT 1");
	if (!db_ok(r))
		return rs_db(rq, rs, r);
	PQclear(r);
	char now[40];
	struct cache_stats cs;
	cache_get_stats(&cs);
	return rs_json(rs, 200, json_pack("{s:s,s:s,s:s,s:i,s:{s:b,s:I,s:I,s:I,s:I,s:I}}",
	                                  "status", "ok", "db", "ok",
	                                  "time", clk_fmt(rq->now_us, now, sizeof now),
	                                  "waiting", lp_count(),
	                                  "cache", "on", cs.enabled,
	                                  "auth_hits", (json_int_t)cs.auth_hits,
	                                  "auth_misses", (json_int_t)cs.auth_misses,
	                                  "heartbeats_idle", (json_int_t)cs.hb_idle,
	                                  "heartbeats_db", (json_int_t)cs.hb_db,
	                                  "barriers", (json_int_t)cs.barriers));
}

static int usage(void)
{
	fprintf(stderr,
		"usage: itrace-cmdd --db CONNINFO --listen HOST:PORT [--config FILE] [--smtp URL]\n"
		"                   [--threads N] [--job-interval SECONDS] [--log-retention-days N]\n"
		"       itrace-cmdd --db CONNINFO tenant add|set NAME [options]\n"
		"       itrace-cmdd --db CONNINFO token add|revoke --analyst NAME [--role R] [--tenant T]...\n"
		"       itrace-cmdd --db CONNINFO token add|revoke --endpoint HOST --tenant T\n"
		"       itrace-cmdd --db CONNINFO release add VERSION\n");
	return 2;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	char *buf = malloc(1 << 20);
	size_t n = buf != NULL ? fread(buf, 1, (1 << 20) - 1, f) : 0;
	fclose(f);
	if (buf != NULL)
		buf[n] = '\0';
	return buf;
}

static int set_interval(const char *v)
{
	char *end;
	double s = strtod(v, &end);
	if (end == v || *end != '\0' || s < 0.05 || s > 86400) {
		fprintf(stderr, "itrace-cmdd: job interval %s: expected 0.05 to 86400 seconds\n", v);
		return -1;
	}
	cmdd_cfg.job_interval_ms = (int)(s * 1000);
	return 0;
}

static int set_threads(const char *v)
{
	char *end;
	long n = strtol(v, &end, 10);
	if (end == v || *end != '\0' || n < 1 || n > 32) {
		fprintf(stderr, "itrace-cmdd: threads %s: expected 1 to 32\n", v);
		return -1;
	}
	cmdd_cfg.threads = (int)n;
	return 0;
}

static int load_config(const char *path)
{
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		fprintf(stderr, "itrace-cmdd: --config %s: %s\n", path, strerror(errno));
		return -1;
	}
	char line[1024];
	int n = 0, rc = 0;
	while (rc == 0 && fgets(line, sizeof line, f) != NULL) {
		n++;
		char *h = strchr(line, '#');
		if (h != NULL)
			*h = '\0';
		char *k = line + strspn(line, " \t");
		size_t len = strlen(k);
		while (len > 0 && strchr(" \t\r\n", k[len - 1]) != NULL)
			k[--len] = '\0';
		if (len == 0)
			continue;
		char *eq = strchr(k, '=');
		if (eq == NULL) {
			fprintf(stderr, "itrace-cmdd: %s: line %d: expected key = value\n", path, n);
			rc = -1;
			break;
		}
		char *v = eq + 1 + strspn(eq + 1, " \t");
		while (eq > k && (eq[-1] == ' ' || eq[-1] == '\t'))
			eq--;
		*eq = '\0';
		if (strcmp(k, "threads") == 0) {
			rc = set_threads(v);
		} else if (strcmp(k, "job_interval") == 0) {
			rc = set_interval(v);
		} else if (strcmp(k, "longpoll_max") == 0) {
			int s = atoi(v);
			if (s < 1 || s > 300) {
				fprintf(stderr, "itrace-cmdd: %s: line %d: longpoll_max 1..300\n", path, n);
				rc = -1;
			}
			cmdd_cfg.longpoll_max_s = s;
		} else if (strcmp(k, "smtp") == 0) {
			free(cmdd_cfg.smtp_url);
			cmdd_cfg.smtp_url = strdup(v);
		} else if (strcmp(k, "mail_from") == 0) {
			free(cmdd_cfg.mail_from);
			cmdd_cfg.mail_from = strdup(v);
		} else if (strcmp(k, "log_retention_days") == 0) {
			rc = jobs_log_retention_set(v);
		} else if (strcmp(k, "calendar") == 0) {
			free(cmdd_cfg.calendar_file);
			cmdd_cfg.calendar_file = strdup(v);
		} else {
			fprintf(stderr, "itrace-cmdd: %s: line %d: unknown key %s\n", path, n, k);
			rc = -1;
		}
	}
	fclose(f);
	return rc;
}

static int parse_listen(const char *s)
{
	const char *colon = strrchr(s, ':');
	char *end;
	long port = colon != NULL ? strtol(colon + 1, &end, 10) : -1;
	if (colon == NULL || colon == s || end == colon + 1 || *end != '\0' || port < 0 ||
	    port > 65535) {
		fprintf(stderr, "itrace-cmdd: --listen %s: expected HOST:PORT\n", s);
		return -1;
	}
	cmdd_cfg.listen_host = strndup(s, (size_t)(colon - s));
	cmdd_cfg.listen_port = (int)port;
	return 0;
}

static int serve(void)
{
	if (clk_init() != 0)
		return 2;
	if (cmdd_cfg.calendar_file != NULL) {
		cmdd_cfg.calendar_text = slurp(cmdd_cfg.calendar_file);
		struct cal c;
		char *err = NULL;
		if (cmdd_cfg.calendar_text == NULL ||
		    cal_parse(&c, cmdd_cfg.calendar_text, &err) != 0) {
			fprintf(stderr, "itrace-cmdd: calendar %s: %s\n", cmdd_cfg.calendar_file,
			        err != NULL ? err : strerror(errno));
			free(err);
			return 2;
		}
		cal_free(&c);
	}
	if (cmdd_cfg.mail_from == NULL)
		cmdd_cfg.mail_from = strdup("itrace-soc@localhost");
	/* Long polls hold a socket each: allow as many as the hard limit. */
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	/* Signals go to sigwait below; every thread inherits the mask. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	pool_init(cmdd_cfg.db);
	PGconn *probe = pool_connect(cmdd_cfg.db);
	if (probe == NULL)
		fprintf(stderr, "itrace-cmdd: database not reachable yet; answering 503 until it is\n");
	PQfinish(probe);
	if (lp_start() != 0)
		return 1;
	int port = 0;
	if (http_start(cmdd_cfg.listen_host, cmdd_cfg.listen_port, &port) != 0) {
		lp_stop();
		return 1;
	}
	printf("listening on %s:%d\n", cmdd_cfg.listen_host, port);
	fflush(stdout);
	if (jobs_start() != 0) {
		http_stop();
		lp_stop();
		return 1;
	}
	int sig = 0;
	sigwait(&set, &sig);
	fprintf(stderr, "itrace-cmdd: signal %d: stopping\n", sig);
	http_stop();
	lp_stop();
	jobs_stop();
	pool_close_all();
	return 0;
}

int main(int argc, char **argv)
{
	const char *config = NULL, *listen = NULL, *smtp = NULL, *threads = NULL,
	           *interval = NULL, *retention = NULL;
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage();
			return 0;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "itrace-cmdd: %s: needs a value\n", a);
			return usage();
		}
		const char *v = argv[++i];
		if (strcmp(a, "--db") == 0)
			cmdd_cfg.db = strdup(v);
		else if (strcmp(a, "--listen") == 0)
			listen = v;
		else if (strcmp(a, "--config") == 0)
			config = v;
		else if (strcmp(a, "--smtp") == 0)
			smtp = v;
		else if (strcmp(a, "--threads") == 0)
			threads = v;
		else if (strcmp(a, "--job-interval") == 0)
			interval = v;
		else if (strcmp(a, "--log-retention-days") == 0)
			retention = v;
		else {
			fprintf(stderr, "itrace-cmdd: %s: unknown option\n", a);
			return usage();
		}
	}
	if (cmdd_cfg.db == NULL) {
		fprintf(stderr, "itrace-cmdd: --db CONNINFO is required\n");
		return usage();
	}
	if (i < argc)
		return admin_main(cmdd_cfg.db, argc - i, argv + i);
	if (listen == NULL) {
		fprintf(stderr, "itrace-cmdd: --listen HOST:PORT is required\n");
		return usage();
	}
	if (config != NULL && load_config(config) != 0)
		return 2;
	if (parse_listen(listen) != 0 || (threads != NULL && set_threads(threads) != 0) ||
	    (interval != NULL && set_interval(interval) != 0) ||
	    (retention != NULL && jobs_log_retention_set(retention) != 0))
		return 2;
	if (smtp != NULL) {
		free(cmdd_cfg.smtp_url);
		cmdd_cfg.smtp_url = strdup(smtp);
	}
	return serve();
}
