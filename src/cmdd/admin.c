/* admin.c - administration subcommands of itrace-cmdd (stdout for scripts).
 *
 *   tenant add NAME [options]     prints the new tenant's id
 *   tenant set NAME [options]     changes only the options given
 *     --auto-isolate | --no-auto-isolate        R-1
 *     --auto-exception | --no-auto-exception    R-2
 *     --allow IP[/NN]:PORT (repeatable; replaces the list; "none" empties)
 *     --mode block|nonblock                     R-5
 *     --service-start YYYY-MM-DD  --onboarding-days N     R-8
 *     --contact MAIL (repeatable; replaces the list; "none" empties)  R-6
 *     --calendar FILE (validated; "none" = the company calendar)
 *     --client-version V (a version made known by `release add`)     R-27
 *   token add --analyst NAME --role analyst|lead|viewer [--tenant T]...
 *   token add --endpoint HOST --tenant T       (creates the endpoint)
 *       print a new bearer token; only its SHA-256 is stored
 *   token revoke --analyst NAME | --endpoint HOST --tenant T
 *   release add VERSION
 *   tuning add|list|del ...    log tuning rules, R-7 (admin_tuning.c)
 * Every change is audited with actor "admin:<login>". Exit status 0 on
 * success, 2 on a usage error, 1 on a database error. */
#include <ctype.h>
#include <errno.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "cmdd/cmdd.h"
#include "cmdd/wf.h"
#include "core/calendar.h"
#include "core/event.h"
#include "core/sha256.h"

#define USAGE_ERR 2

static char actor[160];

static int usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "itrace-cmdd: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return USAGE_ERR;
}

static int dberr(PGconn *c, const char *what)
{
	fprintf(stderr, "itrace-cmdd: %s: %s", what, PQerrorMessage(c));
	return 1;
}

/* ---- option checks ---- */

/* IPv4 a.b.c.d[/nn]:port, or [IPv6][/nn]:port -> {"net","port"}. */
static json_t *parse_allow(const char *s)
{
	char net[80];
	const char *colon;
	if (s[0] == '[') {
		const char *rb = strchr(s, ']');
		if (rb == NULL || rb - s - 1 >= 64)
			return NULL;
		colon = strrchr(rb, ':');
		size_t n = (size_t)(rb - s - 1);
		memcpy(net, s + 1, n);
		net[n] = '\0';
		if (strspn(net, "0123456789abcdefABCDEF:.") != n || strchr(net, ':') == NULL)
			return NULL;
		if (rb[1] == '/') {
			char *end;
			long p = strtol(rb + 2, &end, 10);
			if (end == rb + 2 || p < 0 || p > 128 || end != colon)
				return NULL;
			snprintf(net + n, sizeof net - n, "/%ld", p);
		} else if (rb + 1 != colon) {
			return NULL;
		}
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL || colon - s >= 19)
			return NULL;
		size_t n = (size_t)(colon - s);
		memcpy(net, s, n);
		net[n] = '\0';
		unsigned a[4];
		int prefix = 32, used = 0;
		char *slash = strchr(net, '/');
		if (slash != NULL) {
			char *end;
			long p = strtol(slash + 1, &end, 10);
			if (end == slash + 1 || *end != '\0' || p < 0 || p > 32)
				return NULL;
			prefix = (int)p;
			*slash = '\0';
		}
		if (sscanf(net, "%3u.%3u.%3u.%3u%n", &a[0], &a[1], &a[2], &a[3], &used) != 4 ||
		    net[used] != '\0' || a[0] > 255 || a[1] > 255 || a[2] > 255 || a[3] > 255)
			return NULL;
		snprintf(net, sizeof net, "%u.%u.%u.%u/%d", a[0], a[1], a[2], a[3], prefix);
	}
	if (colon == NULL || colon[1] == '\0')
		return NULL;
	char *end;
	long port = strtol(colon + 1, &end, 10);
	if (*end != '\0' || port < 1 || port > 65535)
		return NULL;
	return json_pack("{s:s,s:i}", "net", net, "port", (int)port);
}

static bool mail_ok(const char *s)
{
	size_t n = strlen(s);
	const char *at = strchr(s, '@');
	if (n < 3 || n > 254 || at == NULL || at == s || strchr(at + 1, '@') != NULL ||
	    strchr(at + 1, '.') == NULL || at[1] == '.' || s[n - 1] == '.')
		return false;
	for (const char *p = s; *p != '\0'; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f || strchr("<>,;\"()[]\\", *p) != NULL)
			return false;
	return true;
}

static bool version_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 64)
		return false;
	for (const char *p = s; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && strchr("._+-", *p) == NULL)
			return false;
	return true;
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	char *buf = NULL;
	size_t n = 0;
	for (;;) {
		char *nb = realloc(buf, n + 65537);
		if (nb == NULL || n > 4 * 1024 * 1024) {
			free(nb != NULL ? nb : buf);
			fclose(f);
			errno = EFBIG;
			return NULL;
		}
		buf = nb;
		size_t got = fread(buf + n, 1, 65536, f);
		n += got;
		if (got == 0)
			break;
	}
	fclose(f);
	buf[n] = '\0';
	return buf;
}

/* ---- the protection mode the endpoints are told ---- */

/* The tenant's endpoints (or only endpoint_id) are told its effective
 * mode now, in the caller's transaction (wf_mode_converge: non-block
 * during onboarding, else tenant.mode; only those whose mode_sent
 * differs). The daemon's timed job does the same every job_interval, so
 * whatever is not done here (the onboarding end, endpoints made by other
 * writers) follows within a minute. A block tenant still onboarding is
 * said so on stderr. */
static int mode_converge(PGconn *c, int64_t tenant, int64_t endpoint_id)
{
	int64_t now = clk_now_us();
	struct wf_tenant t;
	int rc = wf_tenant_load(c, tenant, &t);
	if (rc != 0)
		return rc < 0 ? dberr(c, "tenant") : usage("tenant %lld vanished", (long long)tenant);
	const char *why;
	const char *mode = wf_mode_effective(&t, now, &why);
	long n = 0;
	if (wf_mode_sync(c, tenant, endpoint_id, mode, why, actor, now, &n) != 0)
		rc = dberr(c, "set_mode commands");
	if (rc == 0 && endpoint_id <= 0 && strcmp(t.mode, "block") == 0 &&
	    strcmp(why, "onboarding") == 0) {
		char end[40];
		fprintf(stderr, "itrace-cmdd: tenant %s is onboarding until %s: its endpoints run"
		        " non-block until then (R-5)\n", t.name,
		        clk_fmt(t.rt.onboarding_end_us, end, sizeof end));
	}
	wf_tenant_free(&t);
	return rc;
}

/* ---- tenant add / set ---- */

struct topts {
	int auto_isolate, auto_exception;       /* -1 not given */
	json_t *allow;                          /* NULL not given */
	json_t *contacts;
	const char *mode, *service_start, *client_version;
	int onboarding_days;                    /* -1 not given */
	char *calendar;                         /* file text; "" = clear */
	bool calendar_given;
};

static void topts_free(struct topts *o)
{
	json_decref(o->allow);
	json_decref(o->contacts);
	free(o->calendar);
}

static int tenant_opts(int argc, char **argv, struct topts *o)
{
	memset(o, 0, sizeof *o);
	o->auto_isolate = o->auto_exception = o->onboarding_days = -1;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		bool takes = true;
		if (strcmp(a, "--auto-isolate") == 0) {
			o->auto_isolate = 1, takes = false;
		} else if (strcmp(a, "--no-auto-isolate") == 0) {
			o->auto_isolate = 0, takes = false;
		} else if (strcmp(a, "--auto-exception") == 0) {
			o->auto_exception = 1, takes = false;
		} else if (strcmp(a, "--no-auto-exception") == 0) {
			o->auto_exception = 0, takes = false;
		} else if (v == NULL) {
			return usage("%s: needs a value (or is unknown)", a);
		} else if (strcmp(a, "--allow") == 0) {
			if (o->allow == NULL)
				o->allow = json_array();
			if (strcmp(v, "none") != 0) {
				json_t *e = parse_allow(v);
				if (e == NULL)
					return usage("--allow %s: expected IP[/NN]:PORT, e.g. 10.0.0.0/8:443", v);
				json_array_append_new(o->allow, e);
			}
		} else if (strcmp(a, "--contact") == 0) {
			if (o->contacts == NULL)
				o->contacts = json_array();
			if (strcmp(v, "none") != 0) {
				if (!mail_ok(v))
					return usage("--contact %s: not a mail address", v);
				json_array_append_new(o->contacts, json_string(v));
			}
		} else if (strcmp(a, "--mode") == 0) {
			if (strcmp(v, "block") != 0 && strcmp(v, "nonblock") != 0)
				return usage("--mode %s: must be block or nonblock", v);
			o->mode = v;
		} else if (strcmp(a, "--service-start") == 0) {
			int y, m, d, used = 0;
			if (strlen(v) != 10 || sscanf(v, "%4d-%2d-%2d%n", &y, &m, &d, &used) != 3 ||
			    used != 10 || !cal_valid_date(y, m, d))
				return usage("--service-start %s: expected a date YYYY-MM-DD", v);
			o->service_start = v;
		} else if (strcmp(a, "--onboarding-days") == 0) {
			char *end;
			long n = strtol(v, &end, 10);
			if (*v == '\0' || *end != '\0' || n < 0 || n > 366)
				return usage("--onboarding-days %s: expected 0 to 366", v);
			o->onboarding_days = (int)n;
		} else if (strcmp(a, "--calendar") == 0) {
			free(o->calendar);
			o->calendar_given = true;
			if (strcmp(v, "none") == 0) {
				o->calendar = strdup("");
			} else {
				o->calendar = read_file(v);
				if (o->calendar == NULL) {
					fprintf(stderr, "itrace-cmdd: --calendar %s: %s\n", v, strerror(errno));
					return USAGE_ERR;
				}
				struct cal c;
				char *err = NULL;
				if (cal_parse(&c, o->calendar, &err) != 0) {
					fprintf(stderr, "itrace-cmdd: --calendar %s: %s\n", v,
					        err != NULL ? err : "invalid");
					free(err);
					return USAGE_ERR;
				}
				cal_free(&c);
			}
		} else if (strcmp(a, "--client-version") == 0) {
			if (!version_ok(v))
				return usage("--client-version %s: letters, digits and ._+- only", v);
			o->client_version = v;
		} else {
			return usage("%s: unknown tenant option", a);
		}
		if (takes)
			i++;
	}
	return 0;
}

static int tenant_cmd(PGconn *c, bool add, int argc, char **argv)
{
	if (argc < 1 || argv[0][0] == '-' || argv[0][0] == '\0')
		return usage("tenant %s: NAME expected", add ? "add" : "set");
	const char *name = argv[0];
	if (strlen(name) > 100)
		return usage("tenant %s: name longer than 100 bytes", name);
	struct topts o;
	int rc = tenant_opts(argc - 1, argv + 1, &o);
	if (rc != 0) {
		topts_free(&o);
		return rc;
	}
	char *allow = o.allow != NULL ? json_dumps(o.allow, JSON_COMPACT) : NULL;
	char *contacts = NULL;
	if (o.contacts != NULL) {
		/* text[] literal from the validated addresses (no quotes or
		 * commas can be in them: mail_ok refuses those). */
		size_t cap = 3, len;
		for (size_t i = 0; i < json_array_size(o.contacts); i++)
			cap += strlen(json_string_value(json_array_get(o.contacts, i))) + 3;
		contacts = calloc(1, cap);
		strcpy(contacts, "{");
		for (size_t i = 0; i < json_array_size(o.contacts); i++) {
			if (i > 0)
				strcat(contacts, ",");
			strcat(contacts, "\"");
			strcat(contacts, json_string_value(json_array_get(o.contacts, i)));
			strcat(contacts, "\"");
		}
		len = strlen(contacts);
		contacts[len] = '}';
	}
	char ai[4], ae[4], od[24];
	snprintf(ai, sizeof ai, "%d", o.auto_isolate);
	snprintf(ae, sizeof ae, "%d", o.auto_exception);
	snprintf(od, sizeof od, "%d", o.onboarding_days);
	PGresult *r = PQexec(c, "BEGIN");
	PQclear(r);
	if (o.client_version != NULL) {
		r = DBQ(c, "SELECT 1 FROM client_release WHERE version = $1", o.client_version);
		if (!db_ok(r) || PQntuples(r) == 0) {
			PQclear(r);
			topts_free(&o);
			free(allow);
			free(contacts);
			fprintf(stderr, "itrace-cmdd: --client-version %s: not a known release"
			        " (itrace-cmdd release add %s)\n", o.client_version, o.client_version);
			return USAGE_ERR;
		}
		PQclear(r);
	}
	r = DBQ(c, "SELECT to_jsonb(t)::text, mode FROM tenant t WHERE name = $1 FOR UPDATE", name);
	if (!db_ok(r)) {
		rc = dberr(c, "tenant");
		goto out;
	}
	char *before = PQntuples(r) == 1 ? strdup(PQgetvalue(r, 0, 0)) : NULL;
	PQclear(r);
	if (add && before != NULL) {
		free(before);
		rc = usage("tenant %s exists (use tenant set)", name);
		goto out;
	}
	if (!add && before == NULL) {
		rc = usage("tenant %s: no such tenant (use tenant add)", name);
		goto out;
	}
	const char *cal = o.calendar_given ? (o.calendar[0] != '\0' ? o.calendar : NULL) : NULL;
	const char *p[] = {name, ai, ae, allow, o.mode, contacts, o.service_start, od, cal,
	                   o.calendar_given ? "t" : "f", o.client_version};
	r = dbx(c, add
		? "INSERT INTO tenant (name, auto_isolate, auto_exception, allowlist, mode,"
		  " contacts, service_start, onboarding_days, calendar, client_version)"
		  " VALUES ($1, $2::int = 1, $3::int = 1, coalesce($4::jsonb, '[]'),"
		  " coalesce($5, 'nonblock'), coalesce($6::text[], '{}'), $7::date,"
		  " CASE WHEN $8::int < 0 THEN 30 ELSE $8::int END,"
		  " CASE WHEN $10::boolean THEN $9 END, $11)"
		  " RETURNING id, to_jsonb(tenant)::text"
		: "UPDATE tenant SET"
		  " auto_isolate = CASE WHEN $2::int < 0 THEN auto_isolate ELSE $2::int = 1 END,"
		  " auto_exception = CASE WHEN $3::int < 0 THEN auto_exception ELSE $3::int = 1 END,"
		  " allowlist = coalesce($4::jsonb, allowlist), mode = coalesce($5, mode),"
		  " contacts = coalesce($6::text[], contacts),"
		  " service_start = coalesce($7::date, service_start),"
		  " onboarding_days = CASE WHEN $8::int < 0 THEN onboarding_days ELSE $8::int END,"
		  " calendar = CASE WHEN $10::boolean THEN $9 ELSE calendar END,"
		  " client_version = coalesce($11, client_version)"
		  " WHERE name = $1 RETURNING id, to_jsonb(tenant)::text",
		11, p);
	if (!db_ok(r) || PQntuples(r) != 1) {
		free(before);
		PQclear(r);
		rc = dberr(c, add ? "tenant add" : "tenant set");
		goto out;
	}
	int64_t id = db_i64(r, 0, 0);
	char ob[40];
	snprintf(ob, sizeof ob, "tenant:%lld", (long long)id);
	rc = wf_audit(c, actor, add ? "tenant.add" : "tenant.set", ob, id, before,
	              PQgetvalue(r, 0, 1), NULL) != 0 ? dberr(c, "audit") : 0;
	PQclear(r);
	free(before);
	if (rc == 0 && !add)
		rc = mode_converge(c, id, 0);
	if (rc == 0) {
		r = PQexec(c, "COMMIT");
		if (!db_ok(r))
			rc = dberr(c, "commit");
		PQclear(r);
	}
	if (rc == 0)
		printf("%lld\n", (long long)id);
out:
	if (rc != 0)
		PQclear(PQexec(c, "ROLLBACK"));
	topts_free(&o);
	free(allow);
	free(contacts);
	return rc;
}

/* ---- tokens ---- */

static int new_token(char *out, size_t len)
{
	unsigned char raw[32];
	size_t got = 0;
	while (got < sizeof raw) {
		ssize_t n = getrandom(raw + got, sizeof raw - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t o = (size_t)snprintf(out, len, "itr_");
	unsigned acc = 0;
	int bits = 0;
	for (size_t i = 0; i < sizeof raw && o + 2 < len; i++) {
		acc = (acc << 8) | raw[i];
		bits += 8;
		while (bits >= 6 && o + 2 < len) {
			out[o++] = b64[(acc >> (bits - 6)) & 63];
			bits -= 6;
		}
	}
	if (bits > 0 && o + 1 < len)
		out[o++] = b64[(acc << (6 - bits)) & 63];
	out[o] = '\0';
	return 0;
}

static int tenant_id(PGconn *c, const char *name, int64_t *id)
{
	PGresult *r = DBQ(c, "SELECT id FROM tenant WHERE name = $1", name);
	if (!db_ok(r)) {
		PQclear(r);
		return dberr(c, "tenant");
	}
	if (PQntuples(r) == 0) {
		PQclear(r);
		return usage("--tenant %s: no such tenant", name);
	}
	*id = db_i64(r, 0, 0);
	PQclear(r);
	return 0;
}

static int token_cmd(PGconn *c, int argc, char **argv)
{
	if (argc < 1 || (strcmp(argv[0], "add") != 0 && strcmp(argv[0], "revoke") != 0))
		return usage("token: expected add or revoke%s", "");
	bool add = strcmp(argv[0], "add") == 0;
	const char *analyst = NULL, *endpoint = NULL, *role = NULL;
	int64_t tenants[64];
	size_t nt = 0;
	for (int i = 1; i < argc; i++) {
		if (i + 1 >= argc)
			return usage("%s: needs a value (or is unknown)", argv[i]);
		const char *v = argv[++i];
		if (strcmp(argv[i - 1], "--analyst") == 0) {
			analyst = v;
		} else if (strcmp(argv[i - 1], "--endpoint") == 0) {
			endpoint = v;
		} else if (strcmp(argv[i - 1], "--role") == 0) {
			if (strcmp(v, "analyst") != 0 && strcmp(v, "lead") != 0 &&
			    strcmp(v, "viewer") != 0)
				return usage("--role %s: must be analyst, lead or viewer", v);
			role = v;
		} else if (strcmp(argv[i - 1], "--tenant") == 0) {
			if (nt == 64)
				return usage("--tenant %s: at most 64 tenants", v);
			int rc = tenant_id(c, v, &tenants[nt]);
			if (rc != 0)
				return rc;
			nt++;
		} else {
			return usage("%s: unknown token option", argv[i - 1]);
		}
	}
	if ((analyst == NULL) == (endpoint == NULL))
		return usage("token: give --analyst NAME or --endpoint HOST%s", "");
	if (analyst != NULL && (analyst[0] == '\0' || strlen(analyst) > 100))
		return usage("--analyst %s: 1 to 100 bytes", analyst);
	if (add && analyst != NULL && role == NULL)
		return usage("token add --analyst: --role analyst|lead|viewer is required%s", "");
	if (endpoint != NULL && (nt != 1 || role != NULL))
		return usage("token --endpoint %s: exactly one --tenant and no --role", endpoint);
	char tb[24], eb[24];
	int64_t ep = 0;
	char *key = NULL;
	if (endpoint != NULL) {
		key = ev_host_key(endpoint);
		if (key == NULL || strlen(endpoint) > 255)
			return usage("--endpoint %s: not a host name", endpoint);
		PGresult *r = DBQ(c,
			"INSERT INTO endpoint (tenant_id, name, hostname) VALUES ($1, $2, $3)"
			" ON CONFLICT (tenant_id, name) DO UPDATE SET name = EXCLUDED.name"
			" RETURNING id", i64s(tb, tenants[0]), key, endpoint);
		if (!db_ok(r) || PQntuples(r) != 1) {
			free(key);
			PQclear(r);
			return dberr(c, "endpoint");
		}
		ep = db_i64(r, 0, 0);
		PQclear(r);
		/* a new endpoint of a block tenant is told block at once. */
		if (add) {
			PQclear(PQexec(c, "BEGIN"));
			int rc = mode_converge(c, tenants[0], ep);
			r = PQexec(c, rc == 0 ? "COMMIT" : "ROLLBACK");
			if (rc == 0 && !db_ok(r))
				rc = dberr(c, "commit");
			PQclear(r);
			if (rc != 0) {
				free(key);
				return rc;
			}
		}
	}
	const char *who = analyst != NULL ? analyst : key != NULL ? key : "?";
	char ob[160];
	snprintf(ob, sizeof ob, "analyst:%s", who);
	if (!add) {
		PGresult *r = endpoint != NULL
			? DBQ(c, "UPDATE analyst SET revoked_at = now() WHERE endpoint_id = $1"
			         " AND role = 'endpoint' AND revoked_at IS NULL", i64s(eb, ep))
			: DBQ(c, "UPDATE analyst SET revoked_at = now() WHERE name = $1"
			         " AND role <> 'endpoint' AND revoked_at IS NULL", analyst);
		int rc = db_ok(r) ? 0 : dberr(c, "revoke");
		if (rc == 0)
			printf("%s\n", PQcmdTuples(r));
		PQclear(r);
		if (rc == 0 && wf_audit(c, actor, "token.revoke", ob, endpoint != NULL ? tenants[0] : 0,
		                        NULL, NULL, NULL) != 0)
			rc = dberr(c, "audit");
		free(key);
		return rc;
	}
	char tok[80], hash[SHA256_HEX_LEN];
	if (new_token(tok, sizeof tok) != 0) {
		free(key);
		fprintf(stderr, "itrace-cmdd: no random bytes: %s\n", strerror(errno));
		return 1;
	}
	sha256_hex(tok, strlen(tok), hash);
	char *arr = NULL;
	if (nt > 0) {
		arr = calloc(1, nt * 22 + 3);
		strcpy(arr, "{");
		for (size_t i = 0; i < nt; i++) {
			char nb[24];
			if (i > 0)
				strcat(arr, ",");
			strcat(arr, i64s(nb, tenants[i]));
		}
		strcat(arr, "}");
	}
	PGresult *r = DBQ(c,
		"INSERT INTO analyst (name, role, tenants, endpoint_id, token_hash)"
		" VALUES ($1, $2, $3::bigint[], $4, $5)"
		" RETURNING jsonb_build_object('id', id, 'name', name, 'role', role,"
		"   'tenants', tenants, 'endpoint_id', endpoint_id)::text",
		who, endpoint != NULL ? "endpoint" : role, arr,
		endpoint != NULL ? i64s(eb, ep) : NULL, hash);
	free(arr);
	int rc = db_ok(r) ? 0 : dberr(c, "token add");
	if (rc == 0 && wf_audit(c, actor, "token.add", ob, endpoint != NULL ? tenants[0] : 0,
	                        NULL, PQgetvalue(r, 0, 0), NULL) != 0)
		rc = dberr(c, "audit");
	PQclear(r);
	if (rc == 0) {
		printf("%s\n", tok);
		if (endpoint != NULL)
			fprintf(stderr, "itrace-cmdd: endpoint %lld (%s)\n", (long long)ep, key);
	}
	free(key);
	return rc;
}

static int release_cmd(PGconn *c, int argc, char **argv)
{
	if (argc != 2 || strcmp(argv[0], "add") != 0)
		return usage("release: expected `release add VERSION`%s", "");
	if (!version_ok(argv[1]))
		return usage("release add %s: letters, digits and ._+- only, at most 64", argv[1]);
	PGresult *r = DBQ(c, "INSERT INTO client_release (version, created_by) VALUES ($1, $2)"
	                     " ON CONFLICT DO NOTHING", argv[1], actor);
	int rc = db_ok(r) ? 0 : dberr(c, "release add");
	PQclear(r);
	if (rc == 0) {
		char ob[100];
		snprintf(ob, sizeof ob, "release:%s", argv[1]);
		if (wf_audit(c, actor, "release.add", ob, 0, NULL, NULL, "R-27") != 0)
			rc = dberr(c, "audit");
	}
	if (rc == 0)
		printf("%s\n", argv[1]);
	return rc;
}

int admin_main(const char *conninfo, int argc, char **argv)
{
	struct passwd *pw = getpwuid(getuid());
	snprintf(actor, sizeof actor, "admin:%s", pw != NULL ? pw->pw_name : "?");
	if (argc < 1)
		return usage("expected a subcommand%s", "");
	const char *cmd = argv[0];
	bool known = strcmp(cmd, "tenant") == 0 || strcmp(cmd, "token") == 0 ||
	             strcmp(cmd, "release") == 0 || strcmp(cmd, "tuning") == 0;
	if (!known)
		return usage("%s: unknown subcommand (tenant, token, release, tuning)", cmd);
	if (strcmp(cmd, "tenant") == 0 &&
	    (argc < 2 || (strcmp(argv[1], "add") != 0 && strcmp(argv[1], "set") != 0)))
		return usage("tenant: expected add or set%s", "");
	/* ITRACE_FAKE_NOW (the test hook) moves this clock too, so that the
	 * commands queued here (created_at, R-5's onboarding window) agree
	 * with a daemon started with the same hook. */
	if (clk_init() != 0)
		return USAGE_ERR;
	PGconn *c = pool_connect(conninfo);
	if (c == NULL)
		return 1;
	int rc;
	if (strcmp(cmd, "tenant") == 0)
		rc = tenant_cmd(c, strcmp(argv[1], "add") == 0, argc - 2, argv + 2);
	else if (strcmp(cmd, "token") == 0)
		rc = token_cmd(c, argc - 1, argv + 1);
	else if (strcmp(cmd, "tuning") == 0)
		rc = admin_tuning(c, actor, argc - 1, argv + 1);
	else
		rc = release_cmd(c, argc - 1, argv + 1);
	PQfinish(c);
	return rc;
}
