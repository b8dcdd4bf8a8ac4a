/* cmdd_helper.c - start/stop itrace-cmdd and call it; see cmdd_helper.h. */
#include "cmdd_helper.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "th.h"

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int cmdd_start(struct cmdd *d, const char *conninfo, const char *const *extra_args,
               char *const env[])
{
	static int n;
	memset(d, 0, sizeof *d);
	snprintf(d->log, sizeof d->log, "%s/cmdd%d-%d.log", th_tmpdir(), (int)getpid(), n++);
	const char *argv[64];
	int k = 0;
	argv[k++] = th_bin("itrace-cmdd");
	argv[k++] = "--db";
	argv[k++] = conninfo;
	argv[k++] = "--listen";
	argv[k++] = "127.0.0.1:0";
	for (size_t i = 0; extra_args != NULL && extra_args[i] != NULL && k < 62; i++)
		argv[k++] = extra_args[i];
	argv[k] = NULL;
	int pfd[2];
	if (pipe(pfd) != 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int e = open(d->log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int in = open("/dev/null", O_RDONLY);
		if (e < 0 || in < 0)
			_exit(126);
		dup2(in, 0);
		dup2(pfd[1], 1);
		dup2(e, 2);
		close(pfd[0]);
		for (size_t i = 0; env != NULL && env[i] != NULL; i++)
			putenv(env[i]);
		execv(argv[0], (char *const *)argv);
		fprintf(stderr, "cmdd_helper: exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(pfd[1]);
	d->pid = pid;
	char buf[256];
	size_t len = 0;
	int64_t deadline = now_ms() + 15000;
	while (len < sizeof buf - 1) {
		struct pollfd p = {.fd = pfd[0], .events = POLLIN};
		int left = (int)(deadline - now_ms());
		if (left <= 0 || poll(&p, 1, left) <= 0)
			break;
		ssize_t got = read(pfd[0], buf + len, sizeof buf - 1 - len);
		if (got <= 0)
			break;
		len += (size_t)got;
		buf[len] = '\0';
		if (strchr(buf, '\n') != NULL)
			break;
	}
	close(pfd[0]);
	buf[len] = '\0';
	const char *colon = strrchr(buf, ':');
	if (strncmp(buf, "listening on ", 13) != 0 || colon == NULL) {
		fprintf(stderr, "cmdd_helper: daemon did not start (stdout \"%s\"); log %s:\n",
		        buf, d->log);
		char cmd[600];
		snprintf(cmd, sizeof cmd, "cat '%s' >&2", d->log);
		if (system(cmd) != 0)
			fprintf(stderr, "(no log)\n");
		cmdd_stop(d);
		return -1;
	}
	d->port = atoi(colon + 1);
	snprintf(d->url, sizeof d->url, "http://127.0.0.1:%d", d->port);
	return 0;
}

int cmdd_alive(struct cmdd *d)
{
	if (d->pid <= 0)
		return 0;
	int st;
	return waitpid(d->pid, &st, WNOHANG) == 0;
}

int cmdd_stop(struct cmdd *d)
{
	if (d->pid <= 0)
		return -1;
	kill(d->pid, SIGTERM);
	int st = 0;
	int64_t deadline = now_ms() + 15000;
	pid_t r;
	while ((r = waitpid(d->pid, &st, WNOHANG)) == 0 && now_ms() < deadline)
		usleep(20000);
	if (r == 0) {
		fprintf(stderr, "cmdd_helper: daemon ignored SIGTERM; killing it\n");
		kill(d->pid, SIGKILL);
		waitpid(d->pid, &st, 0);
	}
	d->pid = 0;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

char *cmdd_admin(const char *conninfo, const char *const *args)
{
	const char *argv[64];
	int k = 0;
	argv[k++] = "itrace-cmdd";
	argv[k++] = "--db";
	argv[k++] = conninfo;
	for (size_t i = 0; args[i] != NULL && k < 63; i++)
		argv[k++] = args[i];
	argv[k] = NULL;
	struct th_out o;
	if (th_run(&o, NULL, NULL, argv) != 0) {
		fprintf(stderr, "cmdd_helper: admin %s %s failed (%d): %s", args[0],
		        args[1] != NULL ? args[1] : "", o.status, o.err);
		th_out_free(&o);
		return NULL;
	}
	char *nl = strchr(o.out, '\n');
	if (nl != NULL)
		*nl = '\0';
	char *line = strdup(o.out);
	th_out_free(&o);
	return line;
}

static size_t on_data(char *p, size_t size, size_t n, void *arg)
{
	struct cmdd_resp *r = arg;
	size_t add = size * n;
	char *nb = realloc(r->body, r->len + add + 1);
	if (nb == NULL)
		return 0;
	memcpy(nb + r->len, p, add);
	r->len += add;
	nb[r->len] = '\0';
	r->body = nb;
	return add;
}

int cmdd_http(const struct cmdd *d, const char *method, const char *path,
              const char *token, const char *idem_key, const char *body,
              size_t body_len, struct cmdd_resp *out)
{
	memset(out, 0, sizeof *out);
	out->body = calloc(1, 1);
	CURL *c = curl_easy_init();
	if (c == NULL)
		return -1;
	char url[1024], auth[600], idem[600];
	snprintf(url, sizeof url, "%s%s", d->url, path);
	struct curl_slist *h = NULL;
	h = curl_slist_append(h, "Content-Type: application/json");
	h = curl_slist_append(h, "Expect:");
	if (token != NULL) {
		snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
		h = curl_slist_append(h, auth);
	}
	if (idem_key != NULL) {
		snprintf(idem, sizeof idem, "Idempotency-Key: %s", idem_key);
		h = curl_slist_append(h, idem);
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
	if (body != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
	} else if (strcmp(method, "POST") == 0) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)0);
	}
	CURLcode rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return rc == CURLE_OK ? 0 : -1;
}

void cmdd_resp_free(struct cmdd_resp *r)
{
	free(r->body);
	memset(r, 0, sizeof *r);
}

char *cmdd_admin_or_die(const char *conninfo, const char *first, ...)
{
	const char *args[32];
	size_t n = 0;
	va_list ap;
	va_start(ap, first);
	for (const char *a = first; a != NULL && n < 31; a = va_arg(ap, const char *))
		args[n++] = a;
	va_end(ap);
	args[n] = NULL;
	char *out = cmdd_admin(conninfo, args);
	if (out == NULL) {
		fprintf(stderr, "admin %s %s failed\n", n > 0 ? args[0] : "",
		        n > 1 ? args[1] : "");
		exit(99);
	}
	return out;
}
