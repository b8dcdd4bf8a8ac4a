/* jv.c - JSON responses and the validation of request bodies.
 *
 * Policy (README "Command API"): a body must be one JSON object of valid
 * UTF-8; unknown members are REJECTED (400 unknown_field) rather than
 * ignored, so that a misspelt "urgent" or "verdict" never passes silently;
 * every string has a length cap; 400 names the member as "$.name". */
#include "cmdd/cmdd.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/event.h"

int rs_json(struct resp *rs, int status, json_t *j)
{
	free(rs->body);
	rs->body = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(j);
	if (rs->body == NULL) {
		rs->body = strdup("{\"error\":{\"code\":\"internal\",\"message\":\"out of memory\"}}");
		status = 500;
	}
	rs->len = rs->body != NULL ? strlen(rs->body) : 0;
	rs->status = status;
	return status;
}

static int verr(struct resp *rs, int status, const char *code, json_t *extra,
                const char *fmt, va_list ap)
{
	char msg[512];
	vsnprintf(msg, sizeof msg, fmt, ap);
	json_t *e = json_object();
	json_object_set_new(e, "code", json_string(code));
	/* Messages may quote client input: keep them valid UTF-8. */
	json_t *m = json_string(msg);
	json_object_set_new(e, "message", m != NULL ? m : json_string("(unprintable)"));
	if (extra != NULL) {
		json_object_update(e, extra);
		json_decref(extra);
	}
	return rs_json(rs, status, json_pack("{s:o}", "error", e));
}

int rs_err(struct resp *rs, int status, const char *code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int s = verr(rs, status, code, NULL, fmt, ap);
	va_end(ap);
	return s;
}

int rs_errx(struct resp *rs, int status, const char *code, json_t *extra,
            const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int s = verr(rs, status, code, extra, fmt, ap);
	va_end(ap);
	return s;
}

int rs_db(struct req *rq, struct resp *rs, PGresult *r)
{
	if (db_lost(rq->db)) {
		PQclear(r);
		pool_drop();
		rq->db = NULL;
		return rs_err(rs, 503, "db_unavailable", "the database is unavailable; retry later");
	}
	const char *state = r != NULL ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	fprintf(stderr, "itrace-cmdd: %s %s: database error %s: %s", rq->method,
	        rq->path, state != NULL ? state : "?", PQerrorMessage(rq->db));
	PQclear(r);
	return rs_err(rs, 500, "internal", "internal error (logged)");
}

void rs_free(struct resp *rs)
{
	free(rs->body);
	rs->body = NULL;
	rs->len = 0;
}

/* ---- validation ---- */

static int bad(struct resp *rs, const char *name, const char *what)
{
	rs_err(rs, 400, "bad_field", "$.%s: %s", name, what);
	return -1;
}

int jv_only(const json_t *obj, const char *const *allowed, struct resp *rs)
{
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)obj, k, v) {
		bool ok = false;
		for (size_t i = 0; allowed[i] != NULL && !ok; i++)
			ok = strcmp(allowed[i], k) == 0;
		if (!ok) {
			/* Quote at most 64 bytes of the name, never cut UTF-8. */
			char nm[72];
			size_t n = strlen(k);
			if (n > 64) {
				n = 64;
				while (n > 0 && ((unsigned char)k[n] & 0xC0) == 0x80)
					n--;
			}
			memcpy(nm, k, n);
			nm[n] = '\0';
			rs_err(rs, 400, "unknown_field", "$.%s: unknown field", nm);
			return -1;
		}
	}
	return 0;
}

int jv_str(const json_t *obj, const char *name, bool required, size_t maxlen,
           const char **out, struct resp *rs)
{
	json_t *v = json_object_get(obj, name);
	*out = NULL;
	if (v == NULL || json_is_null(v))
		return required ? bad(rs, name, "required") : 0;
	if (!json_is_string(v))
		return bad(rs, name, "must be a string");
	size_t n = json_string_length(v);
	if (n == 0 && required)
		return bad(rs, name, "must not be empty");
	if (n > maxlen) {
		char msg[64];
		snprintf(msg, sizeof msg, "longer than %zu bytes", maxlen);
		return bad(rs, name, msg);
	}
	*out = json_string_value(v);
	return 0;
}

int jv_enum(const json_t *obj, const char *name, bool required,
            const char *const *choices, const char **out, struct resp *rs)
{
	if (jv_str(obj, name, required, 64, out, rs) != 0)
		return -1;
	if (*out == NULL)
		return 0;
	for (size_t i = 0; choices[i] != NULL; i++)
		if (strcmp(choices[i], *out) == 0)
			return 0;
	char msg[256] = "must be ";
	for (size_t i = 0; choices[i] != NULL; i++) {
		if (i > 0)
			strcat(msg, choices[i + 1] == NULL ? " or " : ", ");
		strncat(msg, choices[i], sizeof msg - strlen(msg) - 8);
	}
	*out = NULL;
	return bad(rs, name, msg);
}

int jv_bool(const json_t *obj, const char *name, bool dflt, bool *out,
            struct resp *rs)
{
	json_t *v = json_object_get(obj, name);
	*out = dflt;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_boolean(v))
		return bad(rs, name, "must be true or false");
	*out = json_is_true(v);
	return 0;
}

int jv_int(const json_t *obj, const char *name, bool required, int64_t min,
           int64_t max, int64_t *out, bool *present, struct resp *rs)
{
	json_t *v = json_object_get(obj, name);
	if (present != NULL)
		*present = false;
	if (v == NULL || json_is_null(v))
		return required ? bad(rs, name, "required") : 0;
	if (!json_is_integer(v))
		return bad(rs, name, "must be an integer");
	json_int_t i = json_integer_value(v);
	if (i < min || i > max) {
		char msg[96];
		snprintf(msg, sizeof msg, "must be between %lld and %lld",
		         (long long)min, (long long)max);
		return bad(rs, name, msg);
	}
	*out = (int64_t)i;
	if (present != NULL)
		*present = true;
	return 0;
}

int jv_sha256(const json_t *obj, const char *name, bool required, char *buf,
              bool *present, struct resp *rs)
{
	const char *s;
	if (present != NULL)
		*present = false;
	if (jv_str(obj, name, required, 64, &s, rs) != 0)
		return -1;
	if (s == NULL)
		return 0;
	size_t n = strlen(s);
	if (n != 64)
		return bad(rs, name, "must be 64 hexadecimal digits (SHA-256)");
	for (size_t i = 0; i < n; i++) {
		if (!isxdigit((unsigned char)s[i]))
			return bad(rs, name, "must be 64 hexadecimal digits (SHA-256)");
		buf[i] = (char)tolower((unsigned char)s[i]);
	}
	buf[64] = '\0';
	if (present != NULL)
		*present = true;
	return 0;
}

int jv_time(const json_t *obj, const char *name, bool required, int64_t *out,
            struct resp *rs)
{
	const char *s;
	if (jv_str(obj, name, required, 64, &s, rs) != 0)
		return -1;
	if (s == NULL)
		return 0;
	if (ev_parse_time(s, out) != 0)
		return bad(rs, name, "must be an RFC 3339 time");
	return 0;
}
