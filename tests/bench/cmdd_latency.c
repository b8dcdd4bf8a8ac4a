/* cmdd_latency.c - isolate-to-endpoint latency with long-poll heartbeats.
 *
 *   cmdd_latency --api URL --token TOKEN --sim-out FILE --endpoints ID,ID,...
 *                [--runs N]
 *
 * Run by tests/bench/cmdd.sh against a running itrace-cmdd and an
 * itrace-endpoint-sim started with --wait --timestamps (its stdout going to
 * FILE). Each run isolates one endpoint through the API, finds the
 * simulator's "T HOST command ID isolate -> done" line (T: the Unix time at
 * which the simulator received the command), waits for the command to be
 * done, and releases the endpoint again (measured the same way). Prints the
 * latency from the moment the POST was answered and from the moment it was
 * sent; a negative figure means the command reached the endpoint before
 * the answer reached the analyst. Prints figures; fails only when the setup
 * does not work.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cmdd_helper.h"

static double wall(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The simulator's output, read as it grows. */
static struct {
	int fd;
	char *buf;
	size_t len, cap;
} out;

static void out_read(void)
{
	for (;;) {
		if (out.cap - out.len < 4096) {
			out.cap = out.cap * 2 + 65536;
			out.buf = realloc(out.buf, out.cap + 1);
		}
		ssize_t n = read(out.fd, out.buf + out.len, out.cap - out.len);
		if (n <= 0)
			break;
		out.len += (size_t)n;
	}
	out.buf[out.len] = '\0';
}

/* Receipt time of command id (kind) from the simulator, or -1 on timeout. */
static double wait_receipt(long id, const char *kind, double timeout_s)
{
	char needle[96];
	snprintf(needle, sizeof needle, " command %ld %s -> ", id, kind);
	double end = mono() + timeout_s;
	do {
		out_read();
		char *p = strstr(out.buf, needle);
		if (p != NULL && memchr(p, '\n', out.len - (size_t)(p - out.buf)) != NULL) {
			char *bol = p;
			while (bol > out.buf && bol[-1] != '\n')
				bol--;
			return strtod(bol, NULL);
		}
		usleep(500);
	} while (mono() < end);
	return -1;
}

static long post(const struct cmdd *d, const char *token, long ep, const char *what,
                 double *t_sent, double *t_answer)
{
	static int n;
	char path[96], idem[64];
	snprintf(path, sizeof path, "/v1/endpoints/%ld/%s", ep, what);
	snprintf(idem, sizeof idem, "bench-%d-%d-%d", (int)getpid(), (int)time(NULL), n++);
	const char *body = "{\"reason\":\"benchmark\"}";
	struct cmdd_resp r;
	*t_sent = wall();
	int rc = cmdd_http(d, "POST", path, token, idem, body, strlen(body), &r);
	*t_answer = wall();
	long id = -1;
	if (rc == 0 && r.status == 202) {
		json_t *j = json_loads(r.body, 0, NULL);
		id = (long)json_integer_value(json_object_get(j, "id"));
		json_decref(j);
	} else {
		fprintf(stderr, "cmdd_latency: POST %s: %ld %s\n", path, r.status,
		        r.body != NULL ? r.body : "");
	}
	cmdd_resp_free(&r);
	return id;
}

static int wait_done(const struct cmdd *d, const char *token, long id)
{
	char path[64];
	snprintf(path, sizeof path, "/v1/commands/%ld", id);
	double end = mono() + 10;
	while (mono() < end) {
		struct cmdd_resp r;
		if (cmdd_http(d, "GET", path, token, NULL, NULL, 0, &r) == 0 && r.status == 200) {
			json_t *j = json_loads(r.body, 0, NULL);
			const char *st = json_string_value(json_object_get(j, "state"));
			int fin = st != NULL && (strcmp(st, "done") == 0 || strcmp(st, "failed") == 0);
			json_decref(j);
			cmdd_resp_free(&r);
			if (fin)
				return 0;
		} else {
			cmdd_resp_free(&r);
		}
		usleep(2000);
	}
	return -1;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void report(const char *what, double *v, size_t n)
{
	if (n == 0) {
		printf("  %-34s no samples\n", what);
		return;
	}
	qsort(v, n, sizeof *v, cmp);
	size_t p99 = (size_t)((double)(n - 1) * 0.99 + 0.5);
	printf("  %-34s n=%zu  p50 %7.1f ms  p99 %7.1f ms  min %7.1f  max %7.1f\n", what, n,
	       1e3 * v[(n - 1) / 2], 1e3 * v[p99], 1e3 * v[0], 1e3 * v[n - 1]);
}

int main(int argc, char **argv)
{
	const char *api = NULL, *token = NULL, *simout = NULL, *eps = NULL;
	int runs = 20;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--api") == 0)
			api = argv[i + 1];
		else if (strcmp(argv[i], "--token") == 0)
			token = argv[i + 1];
		else if (strcmp(argv[i], "--sim-out") == 0)
			simout = argv[i + 1];
		else if (strcmp(argv[i], "--endpoints") == 0)
			eps = argv[i + 1];
		else if (strcmp(argv[i], "--runs") == 0)
			runs = atoi(argv[i + 1]);
	}
	if (api == NULL || token == NULL || simout == NULL || eps == NULL || runs < 1) {
		fprintf(stderr, "usage: cmdd_latency --api URL --token T --sim-out FILE "
		        "--endpoints ID,... [--runs N]\n");
		return 2;
	}
	struct cmdd d;
	memset(&d, 0, sizeof d);
	snprintf(d.url, sizeof d.url, "%s", api);
	long ids[256];
	size_t nids = 0;
	char *list = strdup(eps);
	for (char *tok = strtok(list, ","); tok != NULL && nids < 256; tok = strtok(NULL, ","))
		ids[nids++] = atol(tok);
	free(list);
	out.fd = open(simout, O_RDONLY);
	if (out.fd < 0 || nids == 0) {
		fprintf(stderr, "cmdd_latency: %s: %s\n", simout, strerror(errno));
		return 1;
	}
	double *iso_ans = calloc((size_t)runs, sizeof(double));
	double *iso_sent = calloc((size_t)runs, sizeof(double));
	double *rel_ans = calloc((size_t)runs, sizeof(double));
	size_t ni = 0, nr = 0;
	int bad = 0;
	for (int i = 0; i < runs && bad < 3; i++) {
		long ep = ids[(size_t)i % nids];
		double ts, ta;
		long id = post(&d, token, ep, "isolate", &ts, &ta);
		double tr = id > 0 ? wait_receipt(id, "isolate", 30) : -1;
		if (tr < 0 || wait_done(&d, token, id) != 0) {
			fprintf(stderr, "cmdd_latency: isolate of endpoint %ld not seen\n", ep);
			bad++;
			continue;
		}
		iso_ans[ni] = tr - ta;
		iso_sent[ni++] = tr - ts;
		id = post(&d, token, ep, "release", &ts, &ta);
		tr = id > 0 ? wait_receipt(id, "release", 30) : -1;
		if (tr < 0 || wait_done(&d, token, id) != 0) {
			fprintf(stderr, "cmdd_latency: release of endpoint %ld not seen\n", ep);
			bad++;
			continue;
		}
		rel_ans[nr++] = tr - ta;
	}
	printf("isolate-to-endpoint latency (long-poll), %d runs:\n", runs);
	report("isolate, from the POST answer", iso_ans, ni);
	report("isolate, from the POST sent", iso_sent, ni);
	report("release, from the POST answer", rel_ans, nr);
	free(iso_ans);
	free(iso_sent);
	free(rel_ans);
	free(out.buf);
	close(out.fd);
	return ni > 0 ? 0 : 1;
}
