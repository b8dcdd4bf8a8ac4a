/* state.c - simulated endpoint state and command execution; see state.h. */
#include "sim/state.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/sha256.h"

/* Ordinary files every simulated endpoint has, with made-up contents whose
 * real SHA-256 is what a fetch reports. */
static const struct {
	const char *path, *content;
} base_files[] = {
	{"C:\\Windows\\System32\\notepad.exe", "itrace-sim: notepad.exe\n"},
	{"C:\\Windows\\System32\\drivers\\etc\\hosts", "127.0.0.1 localhost\n"},
	{"C:\\Users\\Public\\Documents\\readme.txt", "itrace-sim: a document\n"},
};

/* Destinations tried to show what isolation does (TEST-NET ranges). */
static const struct {
	const char *ip;
	int port;
} probes[] = {
	{"198.51.100.7", 443}, {"203.0.113.9", 8443}, {"192.0.2.77", 80},
};

int sim_parse_ipv4(const char *s, uint32_t *out)
{
	uint32_t v = 0;
	int parts = 0;
	const char *p = s;
	while (parts < 4) {
		if (*p < '0' || *p > '9')
			return -1;
		unsigned n = 0;
		int digits = 0;
		while (*p >= '0' && *p <= '9') {
			n = n * 10 + (unsigned)(*p++ - '0');
			if (++digits > 3 || n > 255)
				return -1;
		}
		v = v << 8 | n;
		if (++parts < 4) {
			if (*p != '.')
				return -1;
			p++;
		}
	}
	if (*p != '\0')
		return -1;
	*out = v;
	return 0;
}

static void fmt_ipv4(uint32_t a, char *buf, size_t len)
{
	snprintf(buf, len, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255u, (a >> 8) & 255u, a & 255u);
}

static bool sha_ok(const char *s)
{
	if (strlen(s) != 64)
		return false;
	for (size_t i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') ||
		      (s[i] >= 'A' && s[i] <= 'F')))
			return false;
	return true;
}

static void sha_lower(char out[65], const char *s)
{
	for (size_t i = 0; i < 64; i++)
		out[i] = (s[i] >= 'A' && s[i] <= 'F') ? (char)(s[i] - 'A' + 'a') : s[i];
	out[64] = '\0';
}

static bool path_ok(const char *s, size_t n)
{
	return n > 0 && n <= SIM_PATH_MAX && strlen(s) == n;
}

int sim_state_init(struct sim_state *s, const char *version,
                   uint32_t service_addr, int service_port)
{
	memset(s, 0, sizeof *s);
	snprintf(s->version, sizeof s->version, "%s", version);
	snprintf(s->mode, sizeof s->mode, "nonblock");
	s->service_addr = service_addr;
	s->service_port = service_port;
	for (size_t i = 0; i < sizeof base_files / sizeof base_files[0]; i++) {
		char hex[65];
		size_t n = strlen(base_files[i].content);
		sha256_hex(base_files[i].content, n, hex);
		if (sim_file_put(s, base_files[i].path, hex, (int64_t)n) != 0) {
			sim_state_free(s);
			return -1;
		}
	}
	return 0;
}

void sim_state_free(struct sim_state *s)
{
	for (size_t i = 0; i < s->nfiles; i++)
		free(s->files[i].path);
	free(s->files);
	for (size_t i = 0; i < s->nexc; i++)
		free(s->exceptions[i]);
	free(s->exceptions);
	free(s->allow);
	memset(s, 0, sizeof *s);
}

static size_t file_index(const struct sim_state *s, const char *path)
{
	for (size_t i = 0; i < s->nfiles; i++)
		if (strcasecmp(s->files[i].path, path) == 0)
			return i;
	return (size_t)-1;
}

const struct sim_file *sim_file_get(const struct sim_state *s, const char *path)
{
	size_t i = file_index(s, path);
	return i == (size_t)-1 ? NULL : &s->files[i];
}

int sim_file_put(struct sim_state *s, const char *path, const char *sha256,
                 int64_t size)
{
	if (!path_ok(path, strlen(path)) || !sha_ok(sha256))
		return -1;
	size_t i = file_index(s, path);
	if (i == (size_t)-1) {
		struct sim_file *nf = realloc(s->files, (s->nfiles + 1) * sizeof *nf);
		if (nf == NULL)
			return -1;
		s->files = nf;
		char *p = strdup(path);
		if (p == NULL)
			return -1;
		i = s->nfiles++;
		s->files[i].path = p;
	}
	sha_lower(s->files[i].sha256, sha256);
	s->files[i].size = size;
	return 0;
}

static void file_remove(struct sim_state *s, size_t i)
{
	free(s->files[i].path);
	s->files[i] = s->files[--s->nfiles];
}

bool sim_connect_allowed(const struct sim_state *s, uint32_t addr, int port)
{
	if (!s->isolated)
		return true;
	/* the endpoint must still reach the service system. */
	if (s->service_addr != 0 && addr == s->service_addr &&
	    (s->service_port == 0 || port == s->service_port))
		return true;
	for (size_t i = 0; i < s->nallow; i++) {
		const struct sim_net *n = &s->allow[i];
		if (n->family == 4 && (addr & n->mask) == n->addr && (n->port == 0 || n->port == port))
			return true;
	}
	return false;
}

/* One allowlist entry: {"net": "IP[/NN]", "port": N} (also "ip" or
 * "address" for the net, port 0 or absent: any), or the string
 * "IP[/NN][:PORT]" ("[IPv6][/NN]:PORT" for IPv6). */
static int parse_allow(json_t *v, struct sim_net *out)
{
	char net[64];
	long port = 0;
	if (json_is_object(v)) {
		json_t *a = json_object_get(v, "net");
		if (a == NULL)
			a = json_object_get(v, "ip");
		if (a == NULL)
			a = json_object_get(v, "address");
		json_t *p = json_object_get(v, "port");
		if (!json_is_string(a) || json_string_length(a) >= sizeof net)
			return -1;
		snprintf(net, sizeof net, "%s", json_string_value(a));
		if (p != NULL && !json_is_null(p)) {
			if (!json_is_integer(p))
				return -1;
			port = (long)json_integer_value(p);
		}
	} else if (json_is_string(v) && json_string_length(v) < sizeof net) {
		const char *src = json_string_value(v);
		const char *rest;
		if (src[0] == '[') {
			/* "[IPv6][/NN][:PORT]" */
			const char *rb = strchr(src, ']');
			if (rb == NULL)
				return -1;
			size_t n = (size_t)(rb - src - 1);
			memcpy(net, src + 1, n);
			net[n] = '\0';
			rest = rb + 1;
			if (*rest == '/') {
				size_t m = strcspn(rest, ":");
				if (n + m >= sizeof net)
					return -1;
				memcpy(net + n, rest, m);
				net[n + m] = '\0';
				rest += m;
			}
		} else {
			/* "IPv4[/NN][:PORT]", or a bare IPv6 network (no port) */
			snprintf(net, sizeof net, "%s", src);
			char *colon = strchr(net, ':');
			rest = "";
			if (colon != NULL && strchr(colon + 1, ':') == NULL) {
				rest = src + (colon - net);
				*colon = '\0';
			}
		}
		if (*rest == ':') {
			char *end = NULL;
			port = strtol(rest + 1, &end, 10);
			if (end == rest + 1 || *end != '\0')
				return -1;
		} else if (*rest != '\0') {
			return -1;
		}
	} else {
		return -1;
	}
	if (port < 0 || port > 65535)
		return -1;
	bool v6 = strchr(net, ':') != NULL;
	int bits = v6 ? 128 : 32;
	char *slash = strchr(net, '/');
	if (slash != NULL) {
		char *end = NULL;
		long b = strtol(slash + 1, &end, 10);
		if (end == slash + 1 || *end != '\0' || b < 0 || b > bits)
			return -1;
		bits = (int)b;
		*slash = '\0';
	}
	memset(out, 0, sizeof *out);
	out->bits = bits;
	out->port = (int)port;
	if (v6) {
		if (inet_pton(AF_INET6, net, out->a6) != 1)
			return -1;
		for (int i = 0; i < 16; i++) {
			int keep = bits - 8 * i;
			if (keep <= 0)
				out->a6[i] = 0;
			else if (keep < 8)
				out->a6[i] &= (unsigned char)(0xff << (8 - keep));
		}
		out->family = 6;
		return 0;
	}
	uint32_t addr;
	if (sim_parse_ipv4(net, &addr) != 0)
		return -1;
	out->family = 4;
	out->mask = bits == 0 ? 0 : 0xffffffffu << (32 - bits);
	out->addr = addr & out->mask;
	return 0;
}

static json_t *fail(const char *why)
{
	return json_pack("{s:s}", "error", why);
}

static json_t *probe(const struct sim_state *s, uint32_t addr, int port)
{
	char ip[20], dest[32];
	fmt_ipv4(addr, ip, sizeof ip);
	snprintf(dest, sizeof dest, "%s:%d", ip, port);
	return json_pack("{s:s,s:s}", "dest", dest, "result",
	                 sim_connect_allowed(s, addr, port) ? "allowed" : "refused");
}

/* Try a few connections and say what happened: the service system, each
 * allowlist entry, and destinations on no list. */
static json_t *probes_json(const struct sim_state *s)
{
	json_t *a = json_array();
	if (a == NULL)
		return NULL;
	if (s->service_addr != 0)
		json_array_append_new(a, probe(s, s->service_addr,
		                                s->service_port != 0 ? s->service_port : 443));
	for (size_t i = 0; i < s->nallow && i < 8; i++) {
		if (s->allow[i].family != 4)
			continue;
		uint32_t host = s->allow[i].mask == 0xffffffffu ? s->allow[i].addr : s->allow[i].addr + 1;
		json_array_append_new(a, probe(s, host, s->allow[i].port != 0 ? s->allow[i].port : 443));
	}
	for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++) {
		uint32_t addr;
		if (sim_parse_ipv4(probes[i].ip, &addr) == 0)
			json_array_append_new(a, probe(s, addr, probes[i].port));
	}
	return a;
}

static json_t *allow_json(const struct sim_state *s)
{
	json_t *a = json_array();
	for (size_t i = 0; a != NULL && i < s->nallow; i++) {
		const struct sim_net *n = &s->allow[i];
		char ip[INET6_ADDRSTRLEN + 2], buf[80];
		if (n->family == 6) {
			char t[INET6_ADDRSTRLEN];
			inet_ntop(AF_INET6, n->a6, t, sizeof t);
			snprintf(ip, sizeof ip, "[%s]", t);
		} else {
			fmt_ipv4(n->addr, ip, sizeof ip);
		}
		if (n->port != 0)
			snprintf(buf, sizeof buf, "%s/%d:%d", ip, n->bits, n->port);
		else
			snprintf(buf, sizeof buf, "%s/%d", ip, n->bits);
		json_array_append_new(a, json_string(buf));
	}
	return a;
}

static bool do_isolate(struct sim_state *s, json_t *args, json_t **detail)
{
	json_t *list = json_object_get(args, "allow");
	if (list == NULL)
		list = json_object_get(args, "allowlist");
	if (list != NULL && !json_is_array(list) && !json_is_null(list)) {
		*detail = fail("allow is not an array");
		return false;
	}
	size_t n = json_array_size(list);
	if (n > 1024) {
		*detail = fail("allowlist too long");
		return false;
	}
	struct sim_net *nets = n > 0 ? calloc(n, sizeof *nets) : NULL;
	if (n > 0 && nets == NULL) {
		*detail = NULL;
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		if (parse_allow(json_array_get(list, i), &nets[i]) != 0) {
			char why[64];
			snprintf(why, sizeof why, "allow[%zu] is not IP[/NN] and port", i);
			free(nets);
			*detail = fail(why);
			return false;
		}
	}
	free(s->allow);
	s->allow = nets;
	s->nallow = n;
	s->isolated = true;
	*detail = json_pack("{s:b,s:o,s:o}", "isolated", 1, "allowlist", allow_json(s),
	                    "probe", probes_json(s));
	return true;
}

static bool do_release(struct sim_state *s, json_t **detail)
{
	bool was = s->isolated;
	s->isolated = false;
	free(s->allow);
	s->allow = NULL;
	s->nallow = 0;
	*detail = json_pack("{s:b,s:b,s:o}", "isolated", 0, "was_isolated", was,
	                    "probe", probes_json(s));
	return true;
}

/* args.path, checked; NULL with *detail set when missing or bad. */
static const char *arg_path(json_t *args, json_t **detail)
{
	json_t *p = json_object_get(args, "path");
	if (!json_is_string(p) || !path_ok(json_string_value(p), json_string_length(p))) {
		*detail = fail("path missing or not a valid path");
		return NULL;
	}
	return json_string_value(p);
}

static bool do_delete(struct sim_state *s, json_t *args, json_t **detail)
{
	const char *path = arg_path(args, detail);
	if (path == NULL)
		return false;
	json_t *h = json_object_get(args, "sha256");
	if (h != NULL && !json_is_null(h) && (!json_is_string(h) || !sha_ok(json_string_value(h)))) {
		*detail = fail("sha256 is not 64 hex digits");
		return false;
	}
	size_t i = file_index(s, path);
	if (i == (size_t)-1) {
		*detail = json_pack("{s:s,s:s}", "error", "no such file", "path", path);
		return false;
	}
	if (json_is_string(h)) {
		char want[65];
		sha_lower(want, json_string_value(h));
		if (strcmp(want, s->files[i].sha256) != 0) {
			*detail = json_pack("{s:s,s:s,s:s}", "error", "hash mismatch, file kept",
			                    "path", s->files[i].path, "sha256", s->files[i].sha256);
			return false;
		}
	}
	*detail = json_pack("{s:s,s:s,s:b}", "path", s->files[i].path, "sha256",
	                    s->files[i].sha256, "deleted", 1);
	file_remove(s, i);
	return true;
}

static bool do_fetch(struct sim_state *s, json_t *args, json_t **detail)
{
	const char *path = arg_path(args, detail);
	if (path == NULL)
		return false;
	const struct sim_file *f = sim_file_get(s, path);
	if (f == NULL) {
		*detail = json_pack("{s:s,s:s}", "error", "no such file", "path", path);
		return false;
	}
	*detail = json_pack("{s:s,s:s,s:I}", "path", f->path, "sha256", f->sha256,
	                    "size", (json_int_t)f->size);
	return true;
}

static bool do_exception(struct sim_state *s, json_t *args, json_t **detail)
{
	json_t *h = json_object_get(args, "sha256");
	json_t *p = json_object_get(args, "path");
	char *entry = NULL;
	if (json_is_string(h) && sha_ok(json_string_value(h))) {
		char lo[65];
		sha_lower(lo, json_string_value(h));
		if (asprintf(&entry, "sha256:%s", lo) < 0)
			entry = NULL;
	} else if (json_is_string(p) && path_ok(json_string_value(p), json_string_length(p))) {
		if (asprintf(&entry, "path:%s", json_string_value(p)) < 0)
			entry = NULL;
	} else {
		*detail = fail("exception needs sha256 (64 hex digits) or path");
		return false;
	}
	if (entry == NULL) {
		*detail = NULL;
		return false;
	}
	for (size_t i = 0; i < s->nexc; i++) {
		if (strcasecmp(s->exceptions[i], entry) == 0) {
			*detail = json_pack("{s:s,s:b}", "exception", entry, "already", 1);
			free(entry);
			return true;
		}
	}
	char **ne = realloc(s->exceptions, (s->nexc + 1) * sizeof *ne);
	if (ne == NULL) {
		free(entry);
		*detail = NULL;
		return false;
	}
	s->exceptions = ne;
	s->exceptions[s->nexc++] = entry;
	*detail = json_pack("{s:s,s:I}", "exception", entry, "count", (json_int_t)s->nexc);
	return true;
}

static bool do_set_mode(struct sim_state *s, json_t *args, json_t **detail)
{
	const char *m = json_string_value(json_object_get(args, "mode"));
	if (m == NULL || (strcmp(m, "block") != 0 && strcmp(m, "nonblock") != 0)) {
		*detail = fail("mode must be block or nonblock");
		return false;
	}
	snprintf(s->mode, sizeof s->mode, "%s", m);
	*detail = json_pack("{s:s}", "mode", s->mode);
	return true;
}

static bool version_ok(const char *v, size_t n)
{
	if (n == 0 || n > SIM_VERSION_MAX || strlen(v) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((v[i] >= '0' && v[i] <= '9') || (v[i] >= 'a' && v[i] <= 'z') ||
		      (v[i] >= 'A' && v[i] <= 'Z') || v[i] == '.' || v[i] == '-' || v[i] == '+'))
			return false;
	return true;
}

static bool do_upgrade(struct sim_state *s, json_t *args, json_t **detail)
{
	json_t *v = json_object_get(args, "version");
	if (!json_is_string(v) || !version_ok(json_string_value(v), json_string_length(v))) {
		*detail = fail("version missing or not a version string");
		return false;
	}
	char prev[SIM_VERSION_MAX + 1];
	snprintf(prev, sizeof prev, "%s", s->version);
	snprintf(s->version, sizeof s->version, "%s", json_string_value(v));
	*detail = json_pack("{s:s,s:s}", "client_version", s->version, "previous", prev);
	return true;
}

bool sim_exec(struct sim_state *s, const struct agent_cmd *cmd, json_t **detail)
{
	json_t *args = cmd->args;
	*detail = NULL;
	if (strcmp(cmd->kind, "isolate") == 0)
		return do_isolate(s, args, detail);
	if (strcmp(cmd->kind, "release") == 0)
		return do_release(s, detail);
	/* itrace-cmdd names the file commands "delete" and "fetch"; the
	 * longer names are accepted as well, and so are those of exceptions
	 * and mode. */
	if (strcmp(cmd->kind, "delete_file") == 0 || strcmp(cmd->kind, "delete") == 0)
		return do_delete(s, args, detail);
	if (strcmp(cmd->kind, "fetch_file") == 0 || strcmp(cmd->kind, "fetch") == 0)
		return do_fetch(s, args, detail);
	if (strcmp(cmd->kind, "except") == 0 || strcmp(cmd->kind, "add_exception") == 0 ||
	    strcmp(cmd->kind, "exception") == 0)
		return do_exception(s, args, detail);
	if (strcmp(cmd->kind, "set_mode") == 0 || strcmp(cmd->kind, "mode") == 0)
		return do_set_mode(s, args, detail);
	if (strcmp(cmd->kind, "upgrade") == 0)
		return do_upgrade(s, args, detail);
	*detail = json_pack("{s:s,s:s}", "error", "unknown command kind", "kind", cmd->kind);
	return false;
}
