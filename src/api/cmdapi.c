/* cmdapi.c - asynchronous Command API client; see cmdapi.h. */
#include "api/cmdapi.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#define CMDAPI_TRIES 4              /* first try + 3 retries */
#define CMDAPI_RESP_LIMIT (4u << 20)

struct call {
	struct cmdapi *api;
	CURL *easy;
	struct curl_slist *hdrs;
	char method[8];
	char *url, *body;
	char key[40];
	int64_t tag;
	int attempt;
	int64_t retry_at;       /* mono ms; 0 when running */
	char *resp;
	size_t resp_len;
	int too_big;
	struct call *next;      /* in api->calls */
};

struct sock {
	curl_socket_t fd;
	int what;
};

struct cmdapi {
	CURLM *multi;
	char *base;
	char *auth;             /* "Authorization: Bearer ..." or NULL */
	cmdapi_cb cb;
	void *udata;
	struct call *calls;
	struct sock *socks;
	size_t nsocks, capsocks;
	int64_t timer_at;       /* mono ms, -1 none */
	int running;
};

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void cmdapi_new_key(char *out)
{
	unsigned char r[16];
	if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r) {
		/* fall back to time and pid: unique enough for one console */
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		uint64_t x = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^
		             ((uint64_t)getpid() << 40);
		for (int i = 0; i < 16; i++) {
			x = x * 6364136223846793005u + 1442695040888963407u;
			r[i] = (unsigned char)(x >> 56);
		}
	}
	for (int i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", r[i]);
}

static int sock_cb(CURL *e, curl_socket_t s, int what, void *up, void *sp)
{
	(void)e;
	(void)sp;
	struct cmdapi *c = up;
	for (size_t i = 0; i < c->nsocks; i++)
		if (c->socks[i].fd == s) {
			if (what == CURL_POLL_REMOVE)
				c->socks[i] = c->socks[--c->nsocks];
			else
				c->socks[i].what = what;
			return 0;
		}
	if (what == CURL_POLL_REMOVE)
		return 0;
	if (c->nsocks == c->capsocks) {
		size_t nc = c->capsocks ? c->capsocks * 2 : 8;
		struct sock *ns = realloc(c->socks, nc * sizeof *ns);
		if (ns == NULL)
			return -1;
		c->socks = ns;
		c->capsocks = nc;
	}
	c->socks[c->nsocks++] = (struct sock){s, what};
	return 0;
}

static int timer_cb(CURLM *m, long ms, void *up)
{
	(void)m;
	struct cmdapi *c = up;
	c->timer_at = ms < 0 ? -1 : mono_ms() + ms;
	return 0;
}

struct cmdapi *cmdapi_new(const char *base, const char *token, cmdapi_cb cb,
                          void *udata)
{
	static int global_done;
	if (!global_done) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		global_done = 1;
	}
	struct cmdapi *c = calloc(1, sizeof *c);
	if (c == NULL)
		return NULL;
	c->multi = curl_multi_init();
	c->base = strdup(base);
	if (c->multi == NULL || c->base == NULL) {
		cmdapi_free(c);
		return NULL;
	}
	size_t bl = strlen(c->base);
	while (bl > 0 && c->base[bl - 1] == '/')
		c->base[--bl] = '\0';
	if (token != NULL && asprintf(&c->auth, "Authorization: Bearer %s", token) < 0)
		c->auth = NULL;
	c->cb = cb;
	c->udata = udata;
	c->timer_at = -1;
	curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, sock_cb);
	curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c);
	curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c);
	return c;
}

static void call_free(struct call *k)
{
	if (k->easy != NULL)
		curl_easy_cleanup(k->easy);
	curl_slist_free_all(k->hdrs);
	free(k->url);
	free(k->body);
	free(k->resp);
	free(k);
}

void cmdapi_free(struct cmdapi *c)
{
	if (c == NULL)
		return;
	struct call *k = c->calls;
	while (k != NULL) {
		struct call *n = k->next;
		if (k->easy != NULL && k->retry_at == 0)
			curl_multi_remove_handle(c->multi, k->easy);
		call_free(k);
		k = n;
	}
	if (c->multi != NULL)
		curl_multi_cleanup(c->multi);
	free(c->base);
	if (c->auth != NULL) {
		explicit_bzero(c->auth, strlen(c->auth));
		free(c->auth);
	}
	free(c->socks);
	free(c);
}

static size_t write_cb(char *p, size_t sz, size_t n, void *ud)
{
	struct call *k = ud;
	size_t len = sz * n;
	if (k->resp_len + len > CMDAPI_RESP_LIMIT) {
		k->too_big = 1;
		return 0;
	}
	char *nb = realloc(k->resp, k->resp_len + len + 1);
	if (nb == NULL)
		return 0;
	memcpy(nb + k->resp_len, p, len);
	k->resp = nb;
	k->resp_len += len;
	k->resp[k->resp_len] = '\0';
	return len;
}

static int start(struct cmdapi *c, struct call *k)
{
	if (k->easy != NULL)
		curl_easy_cleanup(k->easy);
	k->easy = curl_easy_init();
	if (k->easy == NULL)
		return -1;
	free(k->resp);
	k->resp = NULL;
	k->resp_len = 0;
	k->too_big = 0;
	k->retry_at = 0;
	CURL *e = k->easy;
	curl_easy_setopt(e, CURLOPT_URL, k->url);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, k->hdrs);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, k);
	curl_easy_setopt(e, CURLOPT_PRIVATE, k);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 30000L);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "itrace-tui");
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
#endif
	if (strcmp(k->method, "POST") == 0) {
		curl_easy_setopt(e, CURLOPT_POST, 1L);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, k->body != NULL ? k->body : "{}");
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE,
		                 (long)(k->body != NULL ? strlen(k->body) : 2));
	}
	if (curl_multi_add_handle(c->multi, e) != CURLM_OK)
		return -1;
	c->running++;
	return 0;
}

int cmdapi_call(struct cmdapi *c, const char *method, const char *path,
                const char *body, const char *key, int64_t tag, char *key_out)
{
	struct call *k = calloc(1, sizeof *k);
	if (k == NULL)
		return -1;
	k->api = c;
	snprintf(k->method, sizeof k->method, "%s", method);
	if (asprintf(&k->url, "%s%s", c->base, path) < 0) {
		k->url = NULL;
		call_free(k);
		return -1;
	}
	k->body = body != NULL ? strdup(body) : NULL;
	k->tag = tag;
	if (key != NULL)
		snprintf(k->key, sizeof k->key, "%s", key);
	else
		cmdapi_new_key(k->key);
	if (key_out != NULL)
		snprintf(key_out, 40, "%s", k->key);
	if (c->auth != NULL)
		k->hdrs = curl_slist_append(k->hdrs, c->auth);
	k->hdrs = curl_slist_append(k->hdrs, "Accept: application/json");
	if (strcmp(method, "POST") == 0) {
		char h[80];
		snprintf(h, sizeof h, "Idempotency-Key: %s", k->key);
		k->hdrs = curl_slist_append(k->hdrs, h);
		k->hdrs = curl_slist_append(k->hdrs, "Content-Type: application/json");
	}
	k->hdrs = curl_slist_append(k->hdrs, "Expect:");
	if (start(c, k) != 0) {
		call_free(k);
		return -1;
	}
	k->next = c->calls;
	c->calls = k;
	return 0;
}

int cmdapi_pollfds(struct cmdapi *c, struct pollfd *fds, int max)
{
	int n = 0;
	for (size_t i = 0; i < c->nsocks && n < max; i++) {
		short ev = 0;
		if (c->socks[i].what == CURL_POLL_IN || c->socks[i].what == CURL_POLL_INOUT)
			ev |= POLLIN;
		if (c->socks[i].what == CURL_POLL_OUT || c->socks[i].what == CURL_POLL_INOUT)
			ev |= POLLOUT;
		fds[n++] = (struct pollfd){.fd = c->socks[i].fd, .events = ev};
	}
	return n;
}

long cmdapi_timeout(struct cmdapi *c)
{
	int64_t now = mono_ms(), best = -1;
	if (c->timer_at >= 0)
		best = c->timer_at - now;
	for (struct call *k = c->calls; k != NULL; k = k->next)
		if (k->retry_at > 0 && (best < 0 || k->retry_at - now < best))
			best = k->retry_at - now;
	return best < 0 ? -1 : best == 0 ? 0 : (long)best;
}

static void unlink_call(struct cmdapi *c, struct call *k)
{
	for (struct call **p = &c->calls; *p != NULL; p = &(*p)->next)
		if (*p == k) {
			*p = k->next;
			return;
		}
}

/* "code: message" from an error body, else the HTTP reason. */
static void error_text(json_t *j, long status, char *buf, size_t len)
{
	json_t *e = j != NULL ? json_object_get(j, "error") : NULL;
	const char *code = json_string_value(json_object_get(e, "code"));
	const char *msg = json_string_value(json_object_get(e, "message"));
	if (code != NULL || msg != NULL)
		snprintf(buf, len, "%s%s%s", code != NULL ? code : "",
		         code != NULL && msg != NULL ? ": " : "", msg != NULL ? msg : "");
	else
		snprintf(buf, len, "HTTP %ld", status);
}

static void finish(struct cmdapi *c, struct call *k, CURLcode rc)
{
	long status = 0;
	curl_easy_getinfo(k->easy, CURLINFO_RESPONSE_CODE, &status);
	curl_multi_remove_handle(c->multi, k->easy);
	c->running--;
	int transient = rc != CURLE_OK || status == 502 || status == 503 || status == 504;
	if (transient && !k->too_big && k->attempt + 1 < CMDAPI_TRIES) {
		k->attempt++;
		k->retry_at = mono_ms() + (500 << (k->attempt - 1));
		return;
	}
	unlink_call(c, k);
	json_t *j = NULL;
	if (k->resp != NULL && k->resp_len > 0)
		j = json_loadb(k->resp, k->resp_len, 0, NULL);
	char err[300];
	const char *errp = NULL;
	if (rc != CURLE_OK) {
		snprintf(err, sizeof err, "%s", k->too_big ? "answer too large"
		                                           : curl_easy_strerror(rc));
		status = 0;
		errp = err;
	} else if (status >= 400) {
		error_text(j, status, err, sizeof err);
		errp = err;
	}
	c->cb(c->udata, k->tag, status, j, errp);
	json_decref(j);
	call_free(k);
}

static void drain(struct cmdapi *c)
{
	CURLMsg *m;
	int left;
	while ((m = curl_multi_info_read(c->multi, &left)) != NULL) {
		if (m->msg != CURLMSG_DONE)
			continue;
		struct call *k = NULL;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&k);
		CURLcode rc = m->data.result;
		if (k != NULL)
			finish(c, k, rc);
	}
}

void cmdapi_service(struct cmdapi *c, const struct pollfd *fds, int n)
{
	int still;
	for (int i = 0; i < n; i++) {
		if (fds[i].revents == 0)
			continue;
		int ev = 0;
		if (fds[i].revents & POLLIN)
			ev |= CURL_CSELECT_IN;
		if (fds[i].revents & POLLOUT)
			ev |= CURL_CSELECT_OUT;
		if (fds[i].revents & (POLLERR | POLLHUP | POLLNVAL))
			ev |= CURL_CSELECT_ERR;
		curl_multi_socket_action(c->multi, fds[i].fd, ev, &still);
	}
	int64_t now = mono_ms();
	if (c->timer_at >= 0 && now >= c->timer_at) {
		c->timer_at = -1;
		curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &still);
	}
	for (struct call *k = c->calls; k != NULL; k = k->next)
		if (k->retry_at > 0 && now >= k->retry_at)
			if (start(c, k) != 0)
				k->retry_at = now + 1000;
	drain(c);
}

int cmdapi_pending(const struct cmdapi *c)
{
	int n = 0;
	for (struct call *k = c->calls; k != NULL; k = k->next)
		n++;
	return n;
}
