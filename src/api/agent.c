/* agent.c - endpoint side of Command API v1; see agent.h. */
#include "api/agent.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

/* Copy s into out for a log line: printable ASCII kept, anything else as
 * \xNN, cut at outlen. Never longer than outlen - 1. */
static void printable(char *out, size_t outlen, const char *s, size_t n)
{
	size_t o = 0;
	if (outlen == 0)
		return;
	for (size_t i = 0; i < n && o + 1 < outlen; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch >= 0x20 && ch < 0x7f && ch != '\\') {
			out[o++] = (char)ch;
		} else {
			if (o + 5 >= outlen)
				break;
			snprintf(out + o, outlen - o, "\\x%02x", ch);
			o += 4;
		}
	}
	out[o] = '\0';
}

__attribute__((format(printf, 3, 4)))
static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
	if (err == NULL || errlen == 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static bool kind_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > AGENT_KIND_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || s[i] == '_'))
			return false;
	return true;
}

/* A command id: a JSON integer > 0, or a string of 1..18 digits. */
static int parse_id(json_t *v, int64_t *out)
{
	if (json_is_integer(v)) {
		json_int_t i = json_integer_value(v);
		if (i <= 0)
			return -1;
		*out = (int64_t)i;
		return 0;
	}
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		size_t n = json_string_length(v);
		if (n == 0 || n > 18)
			return -1;
		int64_t x = 0;
		for (size_t i = 0; i < n; i++) {
			if (s[i] < '0' || s[i] > '9')
				return -1;
			x = x * 10 + (s[i] - '0');
		}
		if (x <= 0)
			return -1;
		*out = x;
		return 0;
	}
	return -1;
}

void agent_cmds_free(struct agent_cmds *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->n; i++)
		json_decref(c->v[i].args);
	free(c->v);
	c->v = NULL;
	c->n = 0;
}

int agent_parse_commands(const char *body, size_t len, struct agent_cmds *out,
                         size_t *bad, char *err, size_t errlen)
{
	out->v = NULL;
	out->n = 0;
	*bad = 0;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (body == NULL || len == 0) {
		seterr(err, errlen, "empty answer");
		return -1;
	}
	json_error_t je;
	json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL) {
		char safe[128];
		printable(safe, sizeof safe, je.text, strlen(je.text));
		seterr(err, errlen, "answer is not JSON: %s", safe);
		return -1;
	}
	json_t *cmds = json_is_object(root) ? json_object_get(root, "commands") : NULL;
	if (!json_is_array(cmds)) {
		seterr(err, errlen, "answer has no \"commands\" array");
		json_decref(root);
		return -1;
	}
	size_t n = json_array_size(cmds);
	if (n > 0) {
		out->v = calloc(n, sizeof *out->v);
		if (out->v == NULL) {
			seterr(err, errlen, "out of memory");
			json_decref(root);
			return -1;
		}
	}
	for (size_t i = 0; i < n; i++) {
		json_t *c = json_array_get(cmds, i);
		const char *why = NULL;
		int64_t id = 0;
		json_t *kind = json_object_get(c, "kind");
		json_t *args = json_object_get(c, "args");
		if (!json_is_object(c))
			why = "is not an object";
		else if (parse_id(json_object_get(c, "id"), &id) != 0)
			why = ".id is not a positive integer";
		else if (!json_is_string(kind) || strlen(json_string_value(kind)) != json_string_length(kind) ||
		         !kind_ok(json_string_value(kind)))
			why = ".kind is not a command kind";
		else if (args != NULL && !json_is_object(args) && !json_is_null(args))
			why = ".args is not an object";
		if (why != NULL) {
			if (*bad == 0)
				seterr(err, errlen, "commands[%zu]%s%s", i, why[0] == '.' ? "" : " ", why);
			(*bad)++;
			continue;
		}
		struct agent_cmd *d = &out->v[out->n];
		d->id = id;
		snprintf(d->kind, sizeof d->kind, "%s", json_string_value(kind));
		d->args = json_is_object(args) ? json_incref(args) : json_object();
		if (d->args == NULL) {
			seterr(err, errlen, "out of memory");
			json_decref(root);
			return -1;
		}
		out->n++;
	}
	json_decref(root);
	return (int)out->n;
}

int agent_parse_alert_answer(const char *body, size_t len, int64_t *id,
                             char state[AGENT_STATE_MAX + 1], char *err,
                             size_t errlen)
{
	json_error_t je;
	if (state != NULL)
		state[0] = '\0';
	json_t *root = body != NULL ? json_loadb(body, len, JSON_REJECT_DUPLICATES, &je) : NULL;
	if (root == NULL) {
		char safe[128];
		const char *t = body != NULL ? je.text : "empty";
		printable(safe, sizeof safe, t, strlen(t));
		seterr(err, errlen, "alert answer is not JSON: %s", safe);
		return -1;
	}
	int rc = -1;
	json_t *st = json_object_get(root, "state");
	if (!json_is_object(root))
		seterr(err, errlen, "alert answer is not an object");
	else if (parse_id(json_object_get(root, "id"), id) != 0)
		seterr(err, errlen, "alert answer has no valid \"id\"");
	else if (!json_is_string(st) || json_string_length(st) > AGENT_STATE_MAX ||
	         !kind_ok(json_string_value(st)))
		seterr(err, errlen, "alert answer has no valid \"state\"");
	else {
		if (state != NULL)
			snprintf(state, AGENT_STATE_MAX + 1, "%s", json_string_value(st));
		rc = 0;
	}
	json_decref(root);
	return rc;
}

void agent_error_text(long status, const char *body, size_t len, char *out,
                      size_t outlen)
{
	json_t *root = body != NULL && len > 0 ? json_loadb(body, len, 0, NULL) : NULL;
	json_t *e = json_object_get(root, "error");
	const char *code = json_string_value(json_object_get(e, "code"));
	const char *msg = json_string_value(json_object_get(e, "message"));
	char c[64], m[200];
	printable(c, sizeof c, code != NULL ? code : "", code != NULL ? strlen(code) : 0);
	printable(m, sizeof m, msg != NULL ? msg : "", msg != NULL ? strlen(msg) : 0);
	if (code != NULL || msg != NULL)
		snprintf(out, outlen, "HTTP %ld %s: %s", status, c, m);
	else
		snprintf(out, outlen, "HTTP %ld", status);
	json_decref(root);
}

char *agent_heartbeat_json(const char *client_version,
                           const char *const *errors, size_t nerr, bool wait)
{
	json_t *o = json_object();
	json_t *errs = json_array();
	if (o == NULL || errs == NULL) {
		json_decref(o);
		json_decref(errs);
		return NULL;
	}
	for (size_t i = 0; i < nerr; i++)
		json_array_append_new(errs, json_string(errors[i]));
	json_object_set_new(o, "client_version", json_string(client_version));
	json_object_set_new(o, "errors", errs);
	if (wait)
		json_object_set_new(o, "wait", json_true());
	char *s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}

char *agent_result_json(bool done, json_t *detail)
{
	json_t *o = json_object();
	if (o == NULL)
		return NULL;
	json_object_set_new(o, "status", json_string(done ? "done" : "failed"));
	if (detail != NULL)
		json_object_set(o, "detail", detail);
	char *s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}

void agent_idem_random(char *buf, size_t len)
{
	unsigned char r[16];
	size_t got = 0;
	while (got < sizeof r) {
		ssize_t n = getrandom(r + got, sizeof r - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (got < sizeof r) {
		/* No entropy source: time and a counter still give unique keys. */
		static uint64_t ctr;
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		uint64_t a = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
		uint64_t b = ++ctr;
		memcpy(r, &a, 8);
		memcpy(r + 8, &b, 8);
	}
	size_t o = 0;
	for (size_t i = 0; i < sizeof r && o + 3 <= len; i++, o += 2)
		snprintf(buf + o, len - o, "%02x", r[i]);
	if (len > 0)
		buf[o < len ? o : len - 1] = '\0';
}

static uint64_t fnv1a(uint64_t h, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 1099511628211ull;
	}
	return h;
}

void agent_idem_hash(char *buf, size_t len, const char *prefix,
                     const char *a, size_t alen, const char *b, size_t blen)
{
	uint64_t h1 = fnv1a(14695981039346656037ull, a, alen);
	h1 = fnv1a(h1, "\n", 1);
	h1 = fnv1a(h1, b, blen);
	/* A second, differently seeded pass makes 128 bits. */
	uint64_t h2 = fnv1a(0x84222325cbf29ce4ull, b, blen);
	h2 = fnv1a(h2, "\n", 1);
	h2 = fnv1a(h2, a, alen);
	snprintf(buf, len, "%s-%016" PRIx64 "%016" PRIx64, prefix, h1, h2);
}

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct agent_buf *b = ud;
	size_t n = size * nmemb;
	if (b->len + n > b->limit) {
		b->overflow = true;
		return 0; /* aborts the transfer: CURLE_WRITE_ERROR */
	}
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap != 0 ? b->cap : 1024;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *nd = realloc(b->data, cap);
		if (nd == NULL)
			return 0;
		b->data = nd;
		b->cap = cap;
	}
	memcpy(b->data + b->len, ptr, n);
	b->len += n;
	b->data[b->len] = '\0';
	return n;
}

void agent_call_free(struct agent_call *c)
{
	if (c == NULL)
		return;
	if (c->easy != NULL)
		curl_easy_cleanup(c->easy);
	curl_slist_free_all(c->hdrs);
	free(c->body);
	free(c->resp.data);
	memset(c, 0, sizeof *c);
}

static int add_hdr(struct curl_slist **l, const char *name, const char *value)
{
	char *h = NULL;
	if (asprintf(&h, "%s: %s", name, value) < 0)
		return -1;
	struct curl_slist *n = curl_slist_append(*l, h);
	free(h);
	if (n == NULL)
		return -1;
	*l = n;
	return 0;
}

int agent_call_init(struct agent_call *c, const char *api, const char *path,
                    const char *token, const char *idem_key, char *body,
                    size_t body_len, const char *ctype, long timeout_ms)
{
	memset(c, 0, sizeof *c);
	c->body = body;
	c->body_len = body_len;
	c->resp.limit = AGENT_RESP_LIMIT;
	char *url = NULL;
	char *auth = NULL;
	if (body == NULL || asprintf(&url, "%s%s", api, path) < 0) {
		agent_call_free(c);
		return -1;
	}
	if (asprintf(&auth, "Bearer %s", token) < 0) {
		free(url);
		agent_call_free(c);
		return -1;
	}
	int bad = add_hdr(&c->hdrs, "Authorization", auth);
	free(auth);
	bad |= add_hdr(&c->hdrs, "Content-Type", ctype != NULL ? ctype : "application/json");
	if (idem_key != NULL)
		bad |= add_hdr(&c->hdrs, "Idempotency-Key", idem_key);
	/* No "Expect: 100-continue" round trip for large uploads. */
	struct curl_slist *n = curl_slist_append(c->hdrs, "Expect:");
	if (n == NULL)
		bad = -1;
	else
		c->hdrs = n;
	c->easy = curl_easy_init();
	if (bad != 0 || c->easy == NULL) {
		free(url);
		agent_call_free(c);
		return -1;
	}
	CURL *e = c->easy;
	CURLcode rc = CURLE_OK;
	rc |= curl_easy_setopt(e, CURLOPT_URL, url);
	rc |= curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	rc |= curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	rc |= curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	rc |= curl_easy_setopt(e, CURLOPT_POST, 1L);
	rc |= curl_easy_setopt(e, CURLOPT_POSTFIELDS, c->body);
	rc |= curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)c->body_len);
	rc |= curl_easy_setopt(e, CURLOPT_HTTPHEADER, c->hdrs);
	rc |= curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	rc |= curl_easy_setopt(e, CURLOPT_WRITEDATA, &c->resp);
	rc |= curl_easy_setopt(e, CURLOPT_ERRORBUFFER, c->errbuf);
	rc |= curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms);
	rc |= curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
	rc |= curl_easy_setopt(e, CURLOPT_USERAGENT, "itrace-agent/1");
	free(url);
	if (rc != CURLE_OK) {
		agent_call_free(c);
		return -1;
	}
	return 0;
}

long agent_call_status(const struct agent_call *c)
{
	long st = 0;
	if (c->easy == NULL || curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &st) != CURLE_OK)
		return 0;
	return st;
}

bool agent_token_ok(const char *token)
{
	size_t n = strlen(token);
	if (n < 8 || n > 512)
		return false;
	for (size_t i = 0; i < n; i++)
		if (token[i] < '!' || token[i] > '~')
			return false;
	return true;
}

bool agent_host_ok(const char *host)
{
	size_t n = strlen(host);
	if (n == 0 || n > 253)
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = host[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '.' || ch == '-' || ch == '_'))
			return false;
	}
	return true;
}
