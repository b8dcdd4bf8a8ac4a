/* logline_native.c - our own NDJSON lines (README.md, "Input formats"):
 *   {"type":"event","host","time","kind", ...struct ev member names...}
 *   {"type":"alert","host","detected_at","received_at","path","sha256",
 *    "detection","action"}
 * Strict, being our own contract: an unknown field is an error (a typo
 * must not silently drop data), null means absent, hashes must be hex of
 * the right length.  Values are taken as given: no %% or HTML quirks. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/logline_int.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

enum ntype { N_STR, N_GUID, N_PID, N_PORT, N_REC, N_EID, N_BOOL,
             N_H64, N_H40, N_H32, N_EXTRA, N_KIND, N_TIME, N_TYPE };

struct nfield {
	const char *name;
	enum ntype type;
	size_t off;
};

#define NF(n, t, m) {n, t, offsetof(struct ev, m)}
/* (Any order: looked up by nfield_find.) */
static const struct nfield native_fields[] = {
	NF("cmdline", N_STR, cmdline),
	NF("company", N_STR, company),
	NF("description", N_STR, description),
	NF("details", N_STR, details),
	NF("eid", N_EID, eid),
	NF("extra", N_EXTRA, extra),
	NF("host", N_STR, host),
	NF("image", N_STR, image),
	NF("imphash", N_H32, imphash),
	NF("initiated", N_BOOL, initiated),
	NF("integrity", N_STR, integrity),
	NF("kind", N_KIND, kind),
	NF("local_ip", N_STR, local_ip),
	NF("local_port", N_PORT, local_port),
	NF("md5", N_H32, md5),
	NF("original_file_name", N_STR, original_file_name),
	NF("parent_cmdline", N_STR, parent_cmdline),
	NF("parent_guid", N_GUID, parent_guid),
	NF("parent_image", N_STR, parent_image),
	NF("parent_pid", N_PID, parent_pid),
	NF("pid", N_PID, pid),
	NF("proc_guid", N_GUID, proc_guid),
	NF("product", N_STR, product),
	NF("proto", N_STR, proto),
	NF("record_id", N_REC, record_id),
	NF("remote_ip", N_STR, remote_ip),
	NF("remote_port", N_PORT, remote_port),
	NF("sha1", N_H40, sha1),
	NF("sha256", N_H64, sha256),
	NF("signature", N_STR, signature),
	NF("signed", N_BOOL, signed_),
	NF("target", N_STR, target),
	NF("time", N_TIME, ts_us),
	NF("type", N_TYPE, kind),
	NF("user", N_STR, user),
};
#undef NF

/* Field lookup: an open-addressing table of native_fields indexes, by
 * length and first and last byte, filled once. One strcmp per key where a
 * binary search took five or six (3% of itrace-ingest's parsing). */
#define NSLOTS 128
static unsigned char nslot[NSLOTS];     /* index + 1; 0 empty */
static pthread_once_t nslot_once = PTHREAD_ONCE_INIT;

static size_t nhash(const char *k, size_t n)
{
	return (n * 31u + (unsigned char)k[0] * 7u + (unsigned char)k[n - 1]) % NSLOTS;
}

static void nslot_fill(void)
{
	for (size_t i = 0; i < NELEM(native_fields); i++) {
		const char *k = native_fields[i].name;
		size_t h = nhash(k, strlen(k));
		while (nslot[h] != 0)
			h = (h + 1) % NSLOTS;
		nslot[h] = (unsigned char)(i + 1);
	}
}

static const struct nfield *nfield_find(const char *key)
{
	size_t n = strlen(key);
	if (n == 0)
		return NULL;
	pthread_once(&nslot_once, nslot_fill);
	for (size_t h = nhash(key, n); nslot[h] != 0; h = (h + 1) % NSLOTS) {
		const struct nfield *f = &native_fields[nslot[h] - 1];
		if (strcmp(key, f->name) == 0)
			return f;
	}
	return NULL;
}

/* A hex digest of exactly n digits, stored lower-case. */
static enum ll_result take_hex(struct ctx *c, const char *key, json_t *v,
                               size_t n, char **slot)
{
	if (!json_is_string(v))
		return ll_fail(c, "$.%s: not a string", key);
	const char *s = json_string_value(v);
	size_t l = json_string_length(v);
	if (l != n || !ll_is_hex(s, l))
		return ll_fail_val(c, "$.", key, n == 64 ? "not 64 hex digits"
				   : n == 40 ? "not 40 hex digits" : "not 32 hex digits",
				   s, l);
	free(*slot);
	if ((*slot = ll_lower_dup(s, l)) == NULL)
		return ll_fail_oom(c);
	return LL_EVENT;
}

/* "$.KEY: unknown field" with the sender's key made printable (the reason
 * is printable ASCII: it reaches terminals through itrace-ingest). */
static enum ll_result unknown_field(struct ctx *c, const char *key)
{
	if (c->err != NULL && c->errlen > 0) {
		ll_fail(c, "$.");
		ll_put_safe(c->err, c->errlen, key, strlen(key), 60);
		size_t o = strlen(c->err);
		snprintf(c->err + o, c->errlen - o, ": unknown field");
	}
	return LL_ERROR;
}

enum ll_result ll_native_event(struct ctx *c, json_t *root)
{
	struct ev *e = c->ev;
	bool have_time = false, have_kind = false;
	const char *key;
	json_t *v;
	c->pfx = "$.";
	json_object_foreach(root, key, v) {
		const struct nfield *f = nfield_find(key);
		if (f == NULL)
			return unknown_field(c, key);
		if (json_is_null(v) && f->type != N_TIME && f->type != N_KIND)
			continue;
		void *slot = (char *)e + f->off;
		enum ll_result r = LL_EVENT;
		switch (f->type) {
		case N_TYPE:
			break;
		case N_STR:
			if (!json_is_string(v))
				return ll_fail(c, "$.%s: not a string", key);
			if (json_string_length(v) > 0) {
				char *d = strndup(json_string_value(v), json_string_length(v));
				if (d == NULL)
					return ll_fail_oom(c);
				free(*(char **)slot);
				*(char **)slot = d;
			}
			break;
		case N_GUID:
			r = ll_take_guid(c, key, v, slot);
			break;
		case N_PID:
			r = ll_take_uint(c, "$.", key, v, UINT32_MAX, "bad pid", slot);
			break;
		case N_PORT:
			r = ll_take_uint(c, "$.", key, v, 65535, "bad port", slot);
			break;
		case N_REC:
			r = ll_take_uint(c, "$.", key, v, INT64_MAX, "bad record id", slot);
			break;
		case N_EID: {
			int64_t id;
			if (ll_json_uint(v, 65535, &id) != 0)
				return ll_fail(c, "$.%s: not an event id", key);
			*(int *)slot = (int)id;
			break;
		}
		case N_BOOL:
			if (!json_is_boolean(v))
				return ll_fail(c, "$.%s: not a boolean", key);
			*(int *)slot = json_is_true(v) ? 1 : 0;
			break;
		case N_H64:
			r = take_hex(c, key, v, 64, slot);
			break;
		case N_H40:
			r = take_hex(c, key, v, 40, slot);
			break;
		case N_H32:
			r = take_hex(c, key, v, 32, slot);
			break;
		case N_EXTRA:
			if (!json_is_object(v))
				return ll_fail(c, "$.%s: not an object", key);
			if (json_object_size(v) > 0) {
				json_decref(e->extra);
				e->extra = json_incref(v);
			}
			break;
		case N_KIND: {
			const char *s = json_string_value(v);
			if (s == NULL)
				return ll_fail(c, "$.kind: not a string");
			int k = ev_kind_from_name(s);
			if (k < 0)
				return ll_fail_val(c, "$.", key, "unknown kind", s,
						   json_string_length(v));
			e->kind = (enum ev_kind)k;
			have_kind = true;
			break;
		}
		case N_TIME:
			r = ll_take_time(c, "$.", key, v, &e->ts_us);
			have_time = r == LL_EVENT;
			break;
		}
		if (r != LL_EVENT)
			return r;
	}
	if (e->host == NULL)
		return ll_fail(c, "$.host: missing");
	if (strlen(e->host) > LL_HOST_MAX)
		return ll_fail(c, "$.host: longer than %d bytes", LL_HOST_MAX);
	if (!have_time)
		return ll_fail(c, "$.time: missing");
	if (!have_kind)
		return ll_fail(c, "$.kind: missing");
	return LL_EVENT;
}

static enum ll_result alert_str(struct ctx *c, const char *key, json_t *v,
                                char **slot)
{
	if (!json_is_string(v))
		return ll_fail(c, "$.%s: not a string", key);
	if (json_string_length(v) == 0)
		return LL_EVENT;
	free(*slot);
	*slot = strndup(json_string_value(v), json_string_length(v));
	return *slot ? LL_EVENT : ll_fail_oom(c);
}

enum ll_result ll_native_alert(struct ctx *c, json_t *root,
                                         struct ev_alert *a)
{
	bool have_det = false, have_recv = false;
	const char *key;
	json_t *v;
	json_object_foreach(root, key, v) {
		enum ll_result r = LL_EVENT;
		if (strcmp(key, "type") == 0)
			continue;
		if (json_is_null(v) && strcmp(key, "detected_at") != 0)
			continue;
		if (strcmp(key, "host") == 0) {
			r = alert_str(c, key, v, &a->host);
		} else if (strcmp(key, "path") == 0) {
			r = alert_str(c, key, v, &a->path);
		} else if (strcmp(key, "detection") == 0) {
			r = alert_str(c, key, v, &a->detection);
		} else if (strcmp(key, "detected_at") == 0) {
			r = ll_take_time(c, "$.", key, v, &a->detected_us);
			have_det = r == LL_EVENT;
		} else if (strcmp(key, "received_at") == 0) {
			r = ll_take_time(c, "$.", key, v, &a->received_us);
			have_recv = r == LL_EVENT;
		} else if (strcmp(key, "sha256") == 0) {
			r = take_hex(c, key, v, 64, &a->sha256);
		} else if (strcmp(key, "action") == 0) {
			const char *s = json_string_value(v);
			if (s == NULL)
				return ll_fail(c, "$.action: not a string");
			if (strcmp(s, "blocked") != 0 && strcmp(s, "allowed") != 0)
				return ll_fail_val(c, "$.", key,
						   "must be blocked or allowed, not", s,
						   json_string_length(v));
			r = alert_str(c, key, v, &a->action);
		} else {
			return unknown_field(c, key);
		}
		if (r != LL_EVENT)
			return r;
	}
	if (a->host == NULL)
		return ll_fail(c, "$.host: missing");
	if (strlen(a->host) > LL_HOST_MAX)
		return ll_fail(c, "$.host: longer than %d bytes", LL_HOST_MAX);
	if (!have_det)
		return ll_fail(c, "$.detected_at: missing");
	if (a->path == NULL)
		return ll_fail(c, "$.path: missing");
	if (!have_recv)
		a->received_us = a->detected_us;
	return LL_ALERT;
}

