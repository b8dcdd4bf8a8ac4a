/* test_sim_agent.c - itrace-endpoint-sim against a scripted fake API.
 *
 * A libmicrohttpd server inside the test plays the agent side of Command
 * API v1 and records what the simulator sends; a second mode answers
 * heartbeats with hostile bodies (not JSON, wrong types, escape sequences,
 * invalid UTF-8, 10 MB) to show that the simulator logs and carries on.
 * The real daemon round trips are in test_sim.c.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <microhttpd.h>

#include "th.h"

#define SHA_A "8f2b0c41d7a9e3f5b6c8d0e2f4a6b8c0d2e4f6a8b0c2d4e6f8a0b2c4d6e8f0a2"

/* ---- the fake server ---- */

struct canned {
	unsigned status;
	const char *body;
	size_t len;          /* 0: strlen(body) */
};

static struct fake {
	pthread_mutex_t mu;
	struct MHD_Daemon *d;
	int port;
	/* script mode: these commands are listed until their result arrives */
	json_t *commands;
	json_t *results;      /* "id" -> result body */
	json_t *done;         /* "token/id" -> true: that endpoint reported it */
	json_t *heartbeats;   /* bodies */
	json_t *alerts;       /* bodies */
	json_t *tokens;       /* "token" -> heartbeat count */
	size_t event_lines, event_posts;
	char *last_events;
	int no_idem, no_auth, result_fail_first;
	int result_calls;
	/* hostile mode: every heartbeat gets this */
	const struct canned *hostile;
} F = {.mu = PTHREAD_MUTEX_INITIALIZER};

struct upload {
	char *data;
	size_t len;
};

static enum MHD_Result answer(struct MHD_Connection *c, unsigned status,
                              const char *body, size_t len)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body,
	                                                         MHD_RESPMEM_MUST_COPY);
	MHD_add_response_header(r, "Content-Type", "application/json");
	enum MHD_Result ok = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ok;
}

static enum MHD_Result answer_json(struct MHD_Connection *c, unsigned status, json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	enum MHD_Result ok = answer(c, status, s, strlen(s));
	free(s);
	return ok;
}

static enum MHD_Result handle(struct MHD_Connection *c, const char *url,
                              struct upload *up)
{
	const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
	const char *idem = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Idempotency-Key");
	pthread_mutex_lock(&F.mu);
	if (idem == NULL || idem[0] == '\0')
		F.no_idem++;
	if (auth == NULL || strncmp(auth, "Bearer ", 7) != 0) {
		F.no_auth++;
		pthread_mutex_unlock(&F.mu);
		return answer(c, 401, "{\"error\":{\"code\":\"unauthorized\",\"message\":\"no\"}}", 50);
	}
	const char *token = auth + 7;
	enum MHD_Result ok;
	if (strcmp(url, "/v1/agent/heartbeat") == 0) {
		json_t *tc = json_object_get(F.tokens, token);
		json_object_set_new(F.tokens, token, json_integer(json_integer_value(tc) + 1));
		json_t *b = json_loadb(up->data != NULL ? up->data : "", up->len, 0, NULL);
		json_array_append_new(F.heartbeats, b != NULL ? b : json_null());
		if (F.hostile != NULL) {
			const struct canned *h = F.hostile;
			pthread_mutex_unlock(&F.mu);
			return answer(c, h->status, h->body, h->len != 0 ? h->len : strlen(h->body));
		}
		json_t *list = json_array();
		size_t i;
		json_t *cmd;
		json_array_foreach(F.commands, i, cmd) {
			char key[600];
			snprintf(key, sizeof key, "%.500s/%lld", token,
			         (long long)json_integer_value(json_object_get(cmd, "id")));
			if (json_object_get(F.done, key) == NULL)
				json_array_append(list, cmd);
		}
		pthread_mutex_unlock(&F.mu);
		return answer_json(c, 200, json_pack("{s:o}", "commands", list));
	}
	long long cid;
	int end = 0;
	if (sscanf(url, "/v1/agent/commands/%lld/result%n", &cid, &end) == 1 &&
	    url[end] == '\0') {
		F.result_calls++;
		if (F.result_fail_first > 0) {
			F.result_fail_first--;
			pthread_mutex_unlock(&F.mu);
			return answer(c, 503, "{\"error\":{\"code\":\"db_unavailable\",\"message\":\"later\"}}", 53);
		}
		char id[32];
		snprintf(id, sizeof id, "%lld", cid);
		json_t *b = json_loadb(up->data != NULL ? up->data : "", up->len, 0, NULL);
		json_object_set_new(F.results, id, b != NULL ? b : json_string("unparsable"));
		char key[600];
		snprintf(key, sizeof key, "%.500s/%lld", token, cid);
		json_object_set_new(F.done, key, json_true());
		pthread_mutex_unlock(&F.mu);
		return answer(c, 200, "{}", 2);
	}
	if (strcmp(url, "/v1/agent/alerts") == 0) {
		json_t *b = json_loadb(up->data != NULL ? up->data : "", up->len, 0, NULL);
		json_array_append_new(F.alerts, b != NULL ? b : json_null());
		size_t n = json_array_size(F.alerts);
		pthread_mutex_unlock(&F.mu);
		return answer_json(c, 201, json_pack("{s:I,s:s}", "id", (json_int_t)(100 + n), "state", "new"));
	}
	if (strcmp(url, "/v1/agent/events") == 0) {
		const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
		size_t lines = 0;
		for (size_t i = 0; i < up->len; i++)
			lines += up->data[i] == '\n';
		F.event_lines += lines;
		F.event_posts++;
		free(F.last_events);
		F.last_events = strndup(up->data != NULL ? up->data : "", up->len);
		bool nd = ct != NULL && strcmp(ct, "application/x-ndjson") == 0;
		pthread_mutex_unlock(&F.mu);
		return answer_json(c, nd ? 200 : 415, json_pack("{s:I}", "accepted", (json_int_t)lines));
	}
	pthread_mutex_unlock(&F.mu);
	ok = answer(c, 404, "{\"error\":{\"code\":\"not_found\",\"message\":\"no route\"}}", 51);
	return ok;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *data, size_t *data_size, void **con_cls)
{
	(void)cls;
	(void)version;
	struct upload *up = *con_cls;
	if (up == NULL) {
		up = calloc(1, sizeof *up);
		*con_cls = up;
		return MHD_YES;
	}
	if (*data_size > 0) {
		char *n = realloc(up->data, up->len + *data_size + 1);
		if (n == NULL)
			return MHD_NO;
		up->data = n;
		memcpy(up->data + up->len, data, *data_size);
		up->len += *data_size;
		up->data[up->len] = '\0';
		*data_size = 0;
		return MHD_YES;
	}
	if (strcmp(method, "POST") != 0)
		return answer(c, 405, "{}", 2);
	return handle(c, url, up);
}

static void on_done(void *cls, struct MHD_Connection *c, void **con_cls,
                    enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)c;
	(void)toe;
	struct upload *up = *con_cls;
	if (up != NULL) {
		free(up->data);
		free(up);
	}
	*con_cls = NULL;
}

static void fake_reset(void)
{
	pthread_mutex_lock(&F.mu);
	json_decref(F.commands);
	json_decref(F.results);
	json_decref(F.done);
	json_decref(F.heartbeats);
	json_decref(F.alerts);
	json_decref(F.tokens);
	free(F.last_events);
	F.done = json_object();
	F.commands = json_array();
	F.results = json_object();
	F.heartbeats = json_array();
	F.alerts = json_array();
	F.tokens = json_object();
	F.last_events = NULL;
	F.event_lines = F.event_posts = 0;
	F.no_idem = F.no_auth = F.result_fail_first = F.result_calls = 0;
	F.hostile = NULL;
	pthread_mutex_unlock(&F.mu);
}

static int fake_start(void **state)
{
	(void)state;
	fake_reset();
	F.d = MHD_start_daemon(MHD_USE_AUTO | MHD_USE_INTERNAL_POLLING_THREAD |
	                       MHD_USE_ERROR_LOG,
	                       0, NULL, NULL, on_request, NULL,
	                       MHD_OPTION_NOTIFY_COMPLETED, on_done, NULL,
	                       MHD_OPTION_CONNECTION_LIMIT, (unsigned)5000,
	                       MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
	                       MHD_OPTION_SOCK_ADDR, NULL, MHD_OPTION_END);
	if (F.d == NULL)
		return -1;
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(F.d, MHD_DAEMON_INFO_BIND_PORT);
	F.port = info != NULL ? info->port : 0;
	return F.port > 0 ? 0 : -1;
}

static int fake_stop(void **state)
{
	(void)state;
	MHD_stop_daemon(F.d);
	fake_reset();
	json_decref(F.commands);
	json_decref(F.results);
	json_decref(F.heartbeats);
	json_decref(F.alerts);
	json_decref(F.tokens);
	json_decref(F.done);
	F.commands = F.results = F.heartbeats = F.alerts = F.tokens = F.done = NULL;
	return 0;
}

/* ---- helpers ---- */

static const char *api_url(void)
{
	static char buf[64];
	snprintf(buf, sizeof buf, "http://127.0.0.1:%d", F.port);
	return buf;
}

static const char *tokens_file(const char *name, size_t n, int mode)
{
	size_t cap = n * 64 + 64, len = 0;
	char *s = malloc(cap);
	len += (size_t)snprintf(s + len, cap - len, "# host token\n");
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(s + len, cap - len, "h%zu tok-%08zu-secret\n", i + 1, i + 1);
	const char *p = th_write_file(name, s, len);
	free(s);
	chmod(p, (mode_t)mode);
	return p;
}

static int run_sim(struct th_out *o, const char *tokens, const char *const *extra)
{
	const char *argv[32] = {"itrace-endpoint-sim", "--api", api_url(), "--tokens", tokens};
	size_t n = 5;
	for (size_t i = 0; extra != NULL && extra[i] != NULL && n < 31; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	return th_run(o, NULL, NULL, argv);
}

static void add_cmd(json_int_t id, const char *kind, const char *args_json)
{
	json_t *args = json_loads(args_json, 0, NULL);
	assert_non_null(args);
	pthread_mutex_lock(&F.mu);
	json_array_append_new(F.commands, json_pack("{s:I,s:s,s:o}", "id", id, "kind", kind, "args", args));
	pthread_mutex_unlock(&F.mu);
}

static json_t *result_of(json_int_t id)
{
	char k[32];
	snprintf(k, sizeof k, "%lld", (long long)id);
	return json_object_get(F.results, k);
}

/* A result's detail member as a string ("" when absent). */
static const char *detail_str(json_int_t id, const char *name)
{
	const char *s = json_string_value(json_object_get(json_object_get(result_of(id), "detail"), name));
	return s != NULL ? s : "";
}

static const char *status_of(json_int_t id)
{
	const char *s = json_string_value(json_object_get(result_of(id), "status"));
	return s != NULL ? s : "";
}

/* ---- tests ---- */

static void test_tokens_file_checks(void **state)
{
	(void)state;
	struct th_out o;
	const char *p = tokens_file("tok-open", 2, 0644);
	assert_int_equal(run_sim(&o, p, (const char *[]){"--once", NULL}), 1);
	assert_non_null(strstr(o.err, "readable or writable by group or others"));
	assert_non_null(strstr(o.err, "chmod 600"));
	th_out_free(&o);

	const char *bad = th_write_file("tok-bad", "h1 tok-00000001-secret\nh2\n", 26);
	chmod(bad, 0600);
	assert_int_equal(run_sim(&o, bad, (const char *[]){"--once", NULL}), 1);
	assert_non_null(strstr(o.err, ":2: expected \"HOST TOKEN\""));
	th_out_free(&o);

	const char *dup = th_write_file("tok-dup", "h1 tok-00000001-secret\nH1 tok-00000002-secret\n", 46);
	chmod(dup, 0600);
	assert_int_equal(run_sim(&o, dup, (const char *[]){"--once", NULL}), 1);
	assert_non_null(strstr(o.err, "listed twice"));
	th_out_free(&o);

	p = tokens_file("tok-ok", 2, 0600);
	assert_int_equal(run_sim(&o, p, (const char *[]){"--endpoints", "3", NULL}), 1);
	assert_non_null(strstr(o.err, "has only 2 tokens"));
	th_out_free(&o);
	assert_int_equal(F.no_auth + (int)json_array_size(F.heartbeats), 0);
}

static const char alerts_json[] =
	"[{\"host\":\"h1\",\"detected_at\":\"2026-11-20T07:00:00Z\","
	"\"path\":\"C:\\\\Users\\\\a\\\\Downloads\\\\invoice.exe\",\"sha256\":\"" SHA_A "\","
	"\"detection\":\"Trojan:Win32/Test\",\"action\":\"allowed\"},"
	"{\"type\":\"alert\",\"path\":\"C:\\\\tmp\\\\b.dll\",\"detection\":\"X\",\"action\":\"blocked\"}]";

static const char events_ndjson[] =
	"{\"type\":\"event\",\"host\":\"original\",\"time\":\"2026-11-20T06:59:00Z\",\"kind\":\"process_start\",\"image\":\"C:\\\\a.exe\"}\n"
	"{\"EventID\":1,\"Channel\":\"Microsoft-Windows-Sysmon/Operational\",\"Hostname\":\"WS5.corp\",\"host\":\"collector\"}\n"
	"not json at all\n";

static void test_commands_round_trip(void **state)
{
	(void)state;
	fake_reset();
	add_cmd(11, "isolate", "{\"allow\":[{\"net\":\"10.1.0.0/16\",\"port\":443},\"192.0.2.10:53\","
	                       "{\"net\":\"2001:db8:ff::/48\",\"port\":443},\"[2001:db8::1]:8443\"],"
	                       "\"reason\":\"black\",\"urgent\":false}");
	add_cmd(12, "fetch_file", "{\"path\":\"c:\\\\users\\\\a\\\\downloads\\\\INVOICE.exe\"}");
	add_cmd(13, "delete_file", "{\"path\":\"C:\\\\Users\\\\a\\\\Downloads\\\\invoice.exe\",\"sha256\":\"" SHA_A "\"}");
	add_cmd(14, "fetch_file", "{\"path\":\"C:\\\\Users\\\\a\\\\Downloads\\\\invoice.exe\"}");
	add_cmd(15, "format_disk", "{}");
	add_cmd(16, "add_exception", "{\"sha256\":\"" SHA_A "\"}");
	add_cmd(17, "set_mode", "{\"mode\":\"block\"}");
	add_cmd(18, "release", "{}");
	add_cmd(19, "upgrade", "{\"version\":\"2.0.0\"}");
	/* The daemon's short names for the file commands. */
	add_cmd(20, "fetch", "{\"path\":\"C:\\\\Windows\\\\System32\\\\notepad.exe\"}");
	const char *tok = tokens_file("tok-rt", 3, 0600);
	const char *al = th_write_file("alerts.json", alerts_json, sizeof alerts_json - 1);
	const char *ev = th_write_file("events.ndjson", events_ndjson, sizeof events_ndjson - 1);
	struct th_out o;
	int rc = run_sim(&o, tok, (const char *[]){"--once", "--endpoints", "1", "--alerts", al,
	                                            "--replay", ev, NULL});
	if (rc != 0)
		fprintf(stderr, "sim: %s", o.err);
	assert_int_equal(rc, 0);
	/* One line per command, in order. */
	assert_non_null(strstr(o.out, "h1 command 11 isolate -> done\n"));
	assert_non_null(strstr(o.out, "h1 command 12 fetch_file -> done\n"));
	assert_non_null(strstr(o.out, "h1 command 13 delete_file -> done\n"));
	assert_non_null(strstr(o.out, "h1 command 14 fetch_file -> failed\n"));
	assert_non_null(strstr(o.out, "h1 command 15 format_disk -> failed\n"));
	assert_non_null(strstr(o.out, "h1 command 19 upgrade -> done\n"));
	assert_non_null(strstr(o.out, "h1 command 20 fetch -> done\n"));
	assert_int_equal(th_count_str(o.out, "\n"), 10);
	assert_non_null(strstr(o.err, "commands 8 done 2 failed"));
	th_out_free(&o);

	pthread_mutex_lock(&F.mu);
	/* isolate: the allowlist applies, the rest is refused, the API stays reachable */
	json_t *probe = json_object_get(json_object_get(result_of(11), "detail"), "probe");
	char *ps = json_dumps(probe, JSON_COMPACT);
	assert_string_equal(status_of(11), "done");
	char want[128];
	snprintf(want, sizeof want, "{\"dest\":\"127.0.0.1:%d\",\"result\":\"allowed\"}", F.port);
	assert_non_null(strstr(ps, want));
	assert_non_null(strstr(ps, "{\"dest\":\"10.1.0.1:443\",\"result\":\"allowed\"}"));
	assert_non_null(strstr(ps, "{\"dest\":\"192.0.2.10:53\",\"result\":\"allowed\"}"));
	assert_non_null(strstr(ps, "{\"dest\":\"198.51.100.7:443\",\"result\":\"refused\"}"));
	free(ps);
	char *al_s = json_dumps(json_object_get(json_object_get(result_of(11), "detail"), "allowlist"),
	                        JSON_COMPACT);
	assert_string_equal(al_s, "[\"10.1.0.0/16:443\",\"192.0.2.10/32:53\","
	                          "\"[2001:db8:ff::]/48:443\",\"[2001:db8::1]/128:8443\"]");
	free(al_s);
	/* fetch: path and hash (path matched case-insensitively) */
	assert_string_equal(status_of(12), "done");
	assert_string_equal(detail_str(12, "sha256"), SHA_A);
	assert_string_equal(detail_str(12, "path"), "C:\\Users\\a\\Downloads\\invoice.exe");
	/* delete, then the file is gone */
	assert_string_equal(status_of(13), "done");
	assert_string_equal(detail_str(13, "sha256"), SHA_A);
	assert_true(json_is_true(json_object_get(json_object_get(result_of(13), "detail"), "deleted")));
	assert_string_equal(status_of(14), "failed");
	assert_string_equal(detail_str(14, "error"), "no such file");
	assert_string_equal(status_of(15), "failed");
	assert_string_equal(detail_str(15, "error"), "unknown command kind");
	assert_string_equal(detail_str(16, "exception"), "sha256:" SHA_A);
	assert_string_equal(detail_str(17, "mode"), "block");
	assert_string_equal(status_of(18), "done");
	assert_string_equal(detail_str(19, "client_version"), "2.0.0");
	assert_string_equal(detail_str(19, "previous"), "1.0.0");
	/* An ordinary file's real SHA-256 (of its simulated contents). */
	assert_string_equal(detail_str(20, "sha256"),
	                    "7020d32a0fe6258ef16381577213d75925c5e417228e6bfe62a58240838e1461");
	/* heartbeat body */
	json_t *hb = json_array_get(F.heartbeats, 0);
	assert_string_equal(json_string_value(json_object_get(hb, "client_version")), "1.0.0");
	assert_true(json_is_array(json_object_get(hb, "errors")));
	assert_null(json_object_get(hb, "wait"));
	/* alerts: only the API's fields; a time stamped when missing */
	assert_int_equal(json_array_size(F.alerts), 2);
	json_t *a0 = json_array_get(F.alerts, 0);
	assert_int_equal(json_object_size(a0), 5);
	assert_string_equal(json_string_value(json_object_get(a0, "sha256")), SHA_A);
	json_t *a1 = json_array_get(F.alerts, 1);
	assert_null(json_object_get(a1, "type"));
	assert_non_null(json_string_value(json_object_get(a1, "detected_at")));
	/* events: NDJSON, native host and Sysmon Hostname rewritten */
	assert_int_equal(F.event_lines, 3);
	assert_non_null(strstr(F.last_events, "\"host\":\"h1\""));
	assert_non_null(strstr(F.last_events, "\"Hostname\":\"h1\""));
	assert_non_null(strstr(F.last_events, "\"host\":\"collector\""));
	assert_non_null(strstr(F.last_events, "not json at all\n"));
	assert_int_equal(F.no_idem, 0);
	assert_int_equal(F.no_auth, 0);
	pthread_mutex_unlock(&F.mu);
}

/* The server lists a command again while its result is not in (the first
 * post gets 503): executed once, its result posted again. Later heartbeats
 * report the failed command and the upgraded version. */
static void test_repeat_and_upgrade(void **state)
{
	(void)state;
	fake_reset();
	F.result_fail_first = 2;
	add_cmd(21, "upgrade", "{\"version\":\"2.1.0-rc1\"}");
	add_cmd(22, "delete_file", "{\"path\":\"C:\\\\nope.exe\"}");
	const char *tok = tokens_file("tok-rep", 2, 0600);
	struct th_out o;
	int rc = run_sim(&o, tok, (const char *[]){"--duration", "3", "--interval", "0.1", NULL});
	assert_int_equal(rc, 0);
	assert_int_equal(th_count_str(o.out, "h1 command 21 upgrade -> done\n"), 1);
	assert_int_equal(th_count_str(o.out, "h2 command 21 upgrade -> done\n"), 1);
	assert_int_equal(th_count_str(o.out, "h1 command 22 delete_file -> failed\n"), 1);
	assert_non_null(strstr(o.err, "will retry"));
	th_out_free(&o);
	pthread_mutex_lock(&F.mu);
	assert_string_equal(status_of(21), "done");
	size_t n = json_array_size(F.heartbeats);
	assert_true(n > 10);
	json_t *last = json_array_get(F.heartbeats, n - 1);
	assert_string_equal(json_string_value(json_object_get(last, "client_version")), "2.1.0-rc1");
	/* The failure was reported once in a heartbeat's errors[]. */
	int reported = 0;
	size_t i;
	json_t *hb;
	json_array_foreach(F.heartbeats, i, hb) {
		json_t *errs = json_object_get(hb, "errors");
		for (size_t k = 0; k < json_array_size(errs); k++)
			if (strstr(json_string_value(json_array_get(errs, k)), "command 22 delete_file failed") != NULL)
				reported++;
	}
	assert_true(reported >= 1 && reported <= 2);
	pthread_mutex_unlock(&F.mu);
}

static const char big_prefix[] = "{\"commands\":[],\"pad\":\"";

static const struct canned hostile[] = {
	{200, "not json", 0},
	{200, "[1,2,3]", 0},
	{200, "{\"commands\":\"isolate\"}", 0},
	{200, "{\"commands\":[{\"id\":6,\"kind\":\"iso", 0},
	{200, "{\"commands\":[],\"commands\":[]}", 0},
	{200, "{\"commands\":[{\"id\":99999999999999999999999,\"kind\":\"release\"}]}", 0},
	{200, "{\"commands\":[{\"id\":7,\"kind\":\"fetch_file\",\"args\":{\"path\":\"\xff\xfe\"}}]}", 0},
	{200, "{\"commands\":[{\"id\":-1,\"kind\":\"isolate\"},{\"id\":\"12abc\",\"kind\":\"release\"},"
	      "{\"id\":3,\"kind\":\"\\u001b[31mred\"},{\"id\":4,\"kind\":\"isolate\",\"args\":\"x\"},"
	      "{\"id\":5,\"kind\":\"release\",\"args\":{}},7,null]}", 0},
	{200, "{\"commands\":[{\"id\":8,\"kind\":\"isolate\",\"args\":{\"allow\":"
	      "[{\"net\":\"999.1.1.1\",\"port\":70000},\"x\"]}}]}", 0},
	{200, "{\"commands\":[{\"id\":9,\"kind\":\"delete_file\",\"args\":{\"path\":12}},"
	      "{\"id\":10,\"kind\":\"upgrade\",\"args\":{\"version\":\"1.0\\n\\u001b]0;pwn\\u0007\"}},"
	      "{\"id\":\"11\",\"kind\":\"fetch_file\",\"args\":{\"path\":\"\"}}]}", 0},
	{200, "{\"commands\":[{\"id\":12,\"kind\":\"fetch_file\",\"args\":{\"path\":\"a\\u0000b\"}}]}", 0},
	{500, "{\"error\":{\"code\":\"internal\",\"message\":\"\\u001b[2Jboom\"}}", 0},
	{401, "", 0},
	{200, "", 0},
};

static void test_hostile_answers(void **state)
{
	(void)state;
	const char *tok = tokens_file("tok-host", 1, 0600);
	for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
		fake_reset();
		F.hostile = &hostile[i];
		struct th_out o;
		int rc = run_sim(&o, tok, (const char *[]){"--once", NULL});
		/* Never a crash; a bad answer is a failed sync (exit 1) unless some
		 * command in it was usable. */
		if (rc != 0 && rc != 1)
			fprintf(stderr, "case %zu: status %d\n%s", i, rc, o.err);
		assert_true(rc == 0 || rc == 1);
		assert_null(strchr(o.err, '\033'));
		assert_null(strchr(o.out, '\033'));
		th_out_free(&o);
	}
	/* The mixed list: only id 5 is usable, and it is executed. */
	fake_reset();
	F.hostile = &hostile[7];
	struct th_out o;
	assert_int_equal(run_sim(&o, tok, (const char *[]){"--once", NULL}), 0);
	assert_string_equal(o.out, "h1 command 5 release -> done\n");
	assert_non_null(strstr(o.err, "bad heartbeat answer: commands[0].id is not a positive integer"));
	th_out_free(&o);
	pthread_mutex_lock(&F.mu);
	assert_string_equal(status_of(5), "done");
	pthread_mutex_unlock(&F.mu);
	/* Bad arguments fail the command, with the reason in the result. */
	fake_reset();
	F.hostile = &hostile[9];
	assert_int_equal(run_sim(&o, tok, (const char *[]){"--once", NULL}), 0);
	assert_int_equal(th_count_str(o.out, "-> failed\n"), 3);
	th_out_free(&o);
	pthread_mutex_lock(&F.mu);
	assert_string_equal(detail_str(9, "error"), "path missing or not a valid path");
	assert_string_equal(detail_str(10, "error"), "version missing or not a version string");
	assert_string_equal(detail_str(11, "error"), "path missing or not a valid path");
	pthread_mutex_unlock(&F.mu);

	/* 10 MB answer: refused by size, logged, no crash. */
	size_t big = 10u << 20;
	char *b = malloc(big + 64);
	memcpy(b, big_prefix, sizeof big_prefix - 1);
	memset(b + sizeof big_prefix - 1, 'A', big);
	memcpy(b + sizeof big_prefix - 1 + big, "\"}", 3);
	struct canned huge = {200, b, strlen(b)};
	fake_reset();
	F.hostile = &huge;
	assert_int_equal(run_sim(&o, tok, (const char *[]){"--once", NULL}), 1);
	assert_non_null(strstr(o.err, "answer too large"));
	th_out_free(&o);
	fake_reset();
	free(b);
}

static void test_many_endpoints(void **state)
{
	(void)state;
	fake_reset();
	add_cmd(31, "isolate", "{\"allow\":[]}");
	const char *tok = tokens_file("tok-1000", 1000, 0600);
	struct th_out o;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int rc = run_sim(&o, tok, (const char *[]){"--once", NULL});
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (rc != 0)
		fprintf(stderr, "%s", o.err);
	assert_int_equal(rc, 0);
	assert_int_equal(th_count_str(o.out, " command 31 isolate -> done\n"), 1000);
	assert_non_null(strstr(o.out, "h1000 command 31 isolate -> done\n"));
	th_out_free(&o);
	pthread_mutex_lock(&F.mu);
	assert_int_equal(json_object_size(F.tokens), 1000);
	pthread_mutex_unlock(&F.mu);
	double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("1000 endpoints, one sync each: %.2f s\n", s);
}

static void test_sigterm(void **state)
{
	(void)state;
	fake_reset();
	const char *tok = tokens_file("tok-term", 50, 0600);
	char errpath[512];
	snprintf(errpath, sizeof errpath, "%s/term.err", th_tmpdir());
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (freopen("/dev/null", "w", stdout) == NULL || freopen(errpath, "w", stderr) == NULL)
			_exit(126);
		execl(th_bin("itrace-endpoint-sim"), "itrace-endpoint-sim", "--api", api_url(),
		      "--tokens", tok, "--interval", "0.05", (char *)NULL);
		_exit(127);
	}
	usleep(700 * 1000);
	kill(pid, SIGTERM);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int st = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	assert_true(t1.tv_sec - t0.tv_sec < 2);
	FILE *f = fopen(errpath, "r");
	assert_non_null(f);
	char buf[4096] = "";
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	fclose(f);
	assert_non_null(strstr(buf, "50 endpoints: heartbeats"));
	assert_non_null(strstr(buf, "(stopped by signal)"));

	/* --wait asks the server to long-poll. */
	fake_reset();
	struct th_out o;
	assert_int_equal(run_sim(&o, tok, (const char *[]){"--once", "--wait", "--endpoints", "1", NULL}), 0);
	th_out_free(&o);
	pthread_mutex_lock(&F.mu);
	assert_int_equal(json_array_size(F.heartbeats), 1);
	assert_true(json_is_true(json_object_get(json_array_get(F.heartbeats, 0), "wait")));
	pthread_mutex_unlock(&F.mu);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tokens_file_checks),
		cmocka_unit_test(test_commands_round_trip),
		cmocka_unit_test(test_repeat_and_upgrade),
		cmocka_unit_test(test_hostile_answers),
		cmocka_unit_test(test_many_endpoints),
		cmocka_unit_test(test_sigterm),
	};
	return cmocka_run_group_tests(tests, fake_start, fake_stop);
}
