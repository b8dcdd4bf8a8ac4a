/* main.c - itrace-endpoint-sim: options, signals, the exit summary.
 *
 *   itrace-endpoint-sim --api URL --tokens FILE [--endpoints N]
 *       [--replay EVENTS.json] [--alerts ALERTS.json] [--interval S] [--wait]
 *       [--duration S] [--once] [--client-version V] [--stats]
 *       [--timestamps] [--verbose]
 *
 * stdout: one line per command executed, "HOST command ID KIND -> done"
 * (or "-> failed"), with --timestamps prefixed by the Unix time at which the
 * command was received. stderr: errors, and the counts at exit.
 */
#include "sim/sim.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <curl/curl.h>

static volatile sig_atomic_t stop_flag;
static int wake_pipe[2] = {-1, -1};

static void on_signal(int sig)
{
	(void)sig;
	int saved = errno;
	stop_flag = 1;
	if (wake_pipe[1] >= 0) {
		ssize_t w = write(wake_pipe[1], "x", 1);
		(void)w;
	}
	errno = saved;
}

static void usage(FILE *f)
{
	fputs("usage: itrace-endpoint-sim --api URL --tokens FILE [--endpoints N]\n"
	      "         [--replay EVENTS.json] [--alerts ALERTS.json] [--interval S]\n"
	      "         [--wait] [--duration S] [--once] [--client-version V]\n"
	      "         [--stats] [--timestamps] [--verbose]\n"
	      "Plays endpoints against the itrace command API: heartbeats (or long\n"
	      "polls with --wait), event and alert uploads, and commands executed on\n"
	      "a simulated state. FILE holds \"HOST TOKEN\" lines and must be private\n"
	      "(chmod 600).\n", f);
}

static int parse_seconds(const char *s, double *out)
{
	char *end = NULL;
	errno = 0;
	double v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !isfinite(v) || v < 0 || v > 86400.0 * 365)
		return -1;
	*out = v;
	return 0;
}

/* Room for one connection per endpoint and request kind. */
static void raise_fd_limit(size_t endpoints)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	rlim_t want = (rlim_t)(endpoints * 4 + 64);
	if (rl.rlim_cur >= want)
		return;
	rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= want ? want : rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_cur < want)
		fprintf(stderr, "itrace-endpoint-sim: warning: only %lu file descriptors "
		        "for %zu endpoints\n", (unsigned long)rl.rlim_cur, endpoints);
}

int main(int argc, char **argv)
{
	struct sim_opts o;
	memset(&o, 0, sizeof o);
	o.interval = 10;
	o.version = "1.0.0";
	static const struct option longopts[] = {
		{"api", required_argument, NULL, 'a'},
		{"tokens", required_argument, NULL, 't'},
		{"endpoints", required_argument, NULL, 'n'},
		{"replay", required_argument, NULL, 'r'},
		{"alerts", required_argument, NULL, 'A'},
		{"interval", required_argument, NULL, 'i'},
		{"duration", required_argument, NULL, 'd'},
		{"wait", no_argument, NULL, 'w'},
		{"once", no_argument, NULL, '1'},
		{"client-version", required_argument, NULL, 'V'},
		{"stats", no_argument, NULL, 's'},
		{"timestamps", no_argument, NULL, 'T'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int ch;
	while ((ch = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'a': o.api = optarg; break;
		case 't': o.tokens = optarg; break;
		case 'r': o.replay = optarg; break;
		case 'A': o.alerts = optarg; break;
		case 'w': o.wait = true; break;
		case '1': o.once = true; break;
		case 's': o.stats = true; break;
		case 'T': o.timestamps = true; break;
		case 'v': o.verbose = true; break;
		case 'V': {
			size_t n = strlen(optarg);
			if (n == 0 || n > SIM_VERSION_MAX ||
			    strspn(optarg, "0123456789abcdefghijklmnopqrstuvwxyz"
			                   "ABCDEFGHIJKLMNOPQRSTUVWXYZ.-+") != n) {
				fprintf(stderr, "itrace-endpoint-sim: --client-version: not a version\n");
				return 2;
			}
			o.version = optarg;
			break;
		}
		case 'n': {
			char *end = NULL;
			errno = 0;
			long v = strtol(optarg, &end, 10);
			if (errno != 0 || end == optarg || *end != '\0' || v < 1 || v > 100000) {
				fprintf(stderr, "itrace-endpoint-sim: --endpoints: 1..100000\n");
				return 2;
			}
			o.endpoints = (size_t)v;
			break;
		}
		case 'i':
			if (parse_seconds(optarg, &o.interval) != 0) {
				fprintf(stderr, "itrace-endpoint-sim: --interval: seconds >= 0\n");
				return 2;
			}
			break;
		case 'd':
			if (parse_seconds(optarg, &o.duration) != 0) {
				fprintf(stderr, "itrace-endpoint-sim: --duration: seconds >= 0\n");
				return 2;
			}
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc || o.api == NULL || o.tokens == NULL) {
		usage(stderr);
		return 2;
	}
	size_t alen = strlen(o.api);
	if (strncmp(o.api, "http://", 7) != 0 && strncmp(o.api, "https://", 8) != 0) {
		fprintf(stderr, "itrace-endpoint-sim: --api must be an http:// or https:// URL\n");
		return 2;
	}
	char *api = strndup(o.api, alen);
	if (api == NULL)
		return 1;
	while (alen > 0 && api[alen - 1] == '/')
		api[--alen] = '\0';
	o.api = api;

	char err[512];
	struct sim_token *tokens = NULL;
	struct sim_alert *alerts = NULL;
	char **lines = NULL;
	size_t ntok = 0, nal = 0, nlines = 0;
	int rc = 1;
	if (sim_load_tokens(o.tokens, &tokens, &ntok, err, sizeof err) != 0) {
		fprintf(stderr, "itrace-endpoint-sim: %s\n", err);
		goto out;
	}
	if (o.endpoints > ntok) {
		fprintf(stderr, "itrace-endpoint-sim: --endpoints %zu but %s has only %zu tokens\n",
		        o.endpoints, o.tokens, ntok);
		goto out;
	}
	if (o.alerts != NULL && sim_load_alerts(o.alerts, &alerts, &nal, err, sizeof err) != 0) {
		fprintf(stderr, "itrace-endpoint-sim: %s\n", err);
		goto out;
	}
	if (o.replay != NULL && sim_load_lines(o.replay, &lines, &nlines, err, sizeof err) != 0) {
		fprintf(stderr, "itrace-endpoint-sim: %s\n", err);
		goto out;
	}
	size_t neps = o.endpoints != 0 ? o.endpoints : ntok;
	raise_fd_limit(neps);

	if (pipe2(wake_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
		perror("itrace-endpoint-sim: pipe");
		goto out;
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "itrace-endpoint-sim: libcurl failed to start\n");
		goto out;
	}
	struct sim_counts c;
	memset(&c, 0, sizeof c);
	rc = sim_run(&o, tokens, ntok, alerts, nal, lines, nlines, &stop_flag, wake_pipe[0], &c);
	curl_global_cleanup();
	fprintf(stderr,
	        "itrace-endpoint-sim: %zu endpoints: heartbeats %lu ok %lu failed; "
	        "commands %lu done %lu failed %lu repeated; results %lu recorded %lu refused; "
	        "alerts %lu ok %lu failed; events %lu ok %lu failed; bad answers %lu%s\n",
	        neps, c.hb_ok, c.hb_fail, c.cmd_done, c.cmd_failed, c.cmd_repeat,
	        c.results_ok, c.results_fail, c.alerts_ok, c.alerts_fail, c.events_ok,
	        c.events_fail, c.bad_answers, stop_flag ? " (stopped by signal)" : "");
out:
	sim_tokens_free(tokens, ntok);
	sim_alerts_free(alerts, nal);
	sim_lines_free(lines, nlines);
	if (wake_pipe[0] >= 0) {
		close(wake_pipe[0]);
		close(wake_pipe[1]);
	}
	free(api);
	return rc;
}
