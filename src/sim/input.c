/* input.c - the simulator's input files; see sim.h. */
#include "sim/sim.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/agent.h"

#define LINE_MAX_BYTES (16u << 20)

/* Read a whole file; NUL-terminated. NULL with err set. */
static char *slurp_fd(int fd, const char *path, size_t *len, char *err, size_t errlen)
{
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap + 1);
	if (buf == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	for (;;) {
		if (n == cap) {
			char *nb = realloc(buf, cap * 2 + 1);
			if (nb == NULL) {
				free(buf);
				snprintf(err, errlen, "%s: out of memory", path);
				return NULL;
			}
			buf = nb;
			cap *= 2;
		}
		ssize_t got = read(fd, buf + n, cap - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			free(buf);
			return NULL;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

static char *slurp(const char *path, size_t *len, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	char *b = slurp_fd(fd, path, len, err, errlen);
	close(fd);
	return b;
}

void sim_tokens_free(struct sim_token *t, size_t n)
{
	for (size_t i = 0; t != NULL && i < n; i++) {
		free(t[i].host);
		if (t[i].token != NULL)
			explicit_bzero(t[i].token, strlen(t[i].token));
		free(t[i].token);
	}
	free(t);
}

int sim_load_tokens(const char *path, struct sim_token **out, size_t *n,
                    char *err, size_t errlen)
{
	*out = NULL;
	*n = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		snprintf(err, errlen, "tokens file %s: %s", path, strerror(errno));
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "tokens file %s: not a regular file", path);
		close(fd);
		return -1;
	}
	if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		snprintf(err, errlen,
		         "tokens file %s is readable or writable by group or others "
		         "(mode %04o); it holds secrets: chmod 600 %s",
		         path, (unsigned)(st.st_mode & 07777), path);
		close(fd);
		return -1;
	}
	size_t len;
	char *buf = slurp_fd(fd, path, &len, err, errlen);
	close(fd);
	if (buf == NULL)
		return -1;
	if (strlen(buf) != len) {
		snprintf(err, errlen, "tokens file %s: contains a NUL byte", path);
		explicit_bzero(buf, len);
		free(buf);
		return -1;
	}
	struct sim_token *v = NULL;
	size_t cnt = 0, lineno = 0;
	int rc = 0;
	char *save = NULL;
	for (char *line = strtok_r(buf, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		lineno++;
		char *f[3] = {NULL, NULL, NULL};
		int nf = 0;
		char *s2 = NULL;
		if (line[strspn(line, " \t\r")] == '#')
			continue;
		for (char *w = strtok_r(line, " \t\r", &s2); w != NULL; w = strtok_r(NULL, " \t\r", &s2)) {
			if (nf < 3)
				f[nf] = w;
			nf++;
		}
		if (nf == 0)
			continue;
		if (nf != 2) {
			snprintf(err, errlen, "tokens file %s:%zu: expected \"HOST TOKEN\"", path, lineno);
			rc = -1;
			break;
		}
		if (!agent_host_ok(f[0])) {
			snprintf(err, errlen, "tokens file %s:%zu: bad host name", path, lineno);
			rc = -1;
			break;
		}
		if (!agent_token_ok(f[1])) {
			snprintf(err, errlen, "tokens file %s:%zu: bad token", path, lineno);
			rc = -1;
			break;
		}
		for (size_t i = 0; i < cnt; i++) {
			if (strcasecmp(v[i].host, f[0]) == 0) {
				snprintf(err, errlen, "tokens file %s:%zu: host %s listed twice",
				         path, lineno, f[0]);
				rc = -1;
				break;
			}
		}
		if (rc != 0)
			break;
		struct sim_token *nv = realloc(v, (cnt + 1) * sizeof *nv);
		if (nv == NULL) {
			snprintf(err, errlen, "out of memory");
			rc = -1;
			break;
		}
		v = nv;
		v[cnt].host = strdup(f[0]);
		v[cnt].token = strdup(f[1]);
		cnt++;
		if (v[cnt - 1].host == NULL || v[cnt - 1].token == NULL) {
			snprintf(err, errlen, "out of memory");
			rc = -1;
			break;
		}
	}
	explicit_bzero(buf, len);
	free(buf);
	if (rc == 0 && cnt == 0) {
		snprintf(err, errlen, "tokens file %s: no \"HOST TOKEN\" lines", path);
		rc = -1;
	}
	if (rc != 0) {
		sim_tokens_free(v, cnt);
		return -1;
	}
	*out = v;
	*n = cnt;
	return 0;
}

void sim_lines_free(char **lines, size_t n)
{
	for (size_t i = 0; lines != NULL && i < n; i++)
		free(lines[i]);
	free(lines);
}

int sim_load_lines(const char *path, char ***lines, size_t *n, char *err, size_t errlen)
{
	*lines = NULL;
	*n = 0;
	size_t len;
	char *buf = slurp(path, &len, err, errlen);
	if (buf == NULL)
		return -1;
	char **v = NULL;
	size_t cnt = 0, cap = 0;
	char *p = buf, *end = buf + len;
	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		char *e = nl != NULL ? nl : end;
		size_t l = (size_t)(e - p);
		while (l > 0 && (p[l - 1] == '\r' || p[l - 1] == ' ' || p[l - 1] == '\t'))
			l--;
		if (l > LINE_MAX_BYTES) {
			snprintf(err, errlen, "%s:%zu: line longer than 16 MiB", path, cnt + 1);
			sim_lines_free(v, cnt);
			free(buf);
			return -1;
		}
		if (l > 0) {
			if (cnt == cap) {
				cap = cap != 0 ? cap * 2 : 1024;
				char **nv = realloc(v, cap * sizeof *nv);
				if (nv == NULL) {
					snprintf(err, errlen, "out of memory");
					sim_lines_free(v, cnt);
					free(buf);
					return -1;
				}
				v = nv;
			}
			v[cnt] = strndup(p, l);
			if (v[cnt] == NULL) {
				snprintf(err, errlen, "out of memory");
				sim_lines_free(v, cnt);
				free(buf);
				return -1;
			}
			cnt++;
		}
		p = e + 1;
	}
	free(buf);
	*lines = v;
	*n = cnt;
	return 0;
}

char *sim_line_for_host(const char *line, const char *host, size_t *len)
{
	/* Only lines that are JSON objects naming a host get rewritten. */
	json_t *o = json_loads(line, 0, NULL);
	const char *type = json_string_value(json_object_get(o, "type"));
	bool changed = false;
	if (json_is_object(o)) {
		if (type != NULL && (strcmp(type, "event") == 0 || strcmp(type, "alert") == 0)) {
			json_object_set_new(o, "host", json_string(host));
			changed = true;
		} else {
			static const char *const keys[] = {"Hostname", "Computer", "computer_name"};
			for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
				if (json_is_string(json_object_get(o, keys[i]))) {
					json_object_set_new(o, keys[i], json_string(host));
					changed = true;
				}
			}
		}
	}
	char *s = changed ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : strdup(line);
	json_decref(o);
	if (s != NULL)
		*len = strlen(s);
	return s;
}

void sim_alerts_free(struct sim_alert *a, size_t n)
{
	for (size_t i = 0; a != NULL && i < n; i++) {
		free(a[i].host);
		json_decref(a[i].body);
	}
	free(a);
}

static bool sha_hex(const char *s)
{
	if (strlen(s) != 64)
		return false;
	for (size_t i = 0; i < 64; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* One alert object of the file to an upload. -1 with err set. */
static int alert_from(json_t *o, struct sim_alert *a, const char *path, size_t idx,
                      char *err, size_t errlen)
{
	memset(a, 0, sizeof *a);
	if (!json_is_object(o)) {
		snprintf(err, errlen, "%s: alert %zu is not a JSON object", path, idx + 1);
		return -1;
	}
	json_t *p = json_object_get(o, "path");
	json_t *h = json_object_get(o, "sha256");
	json_t *host = json_object_get(o, "host");
	if (!json_is_string(p) || json_string_length(p) == 0 ||
	    json_string_length(p) > SIM_PATH_MAX || strlen(json_string_value(p)) != json_string_length(p)) {
		snprintf(err, errlen, "%s: alert %zu: \"path\" missing or bad", path, idx + 1);
		return -1;
	}
	if (h != NULL && !json_is_null(h) && (!json_is_string(h) || !sha_hex(json_string_value(h)))) {
		snprintf(err, errlen, "%s: alert %zu: \"sha256\" is not 64 hex digits", path, idx + 1);
		return -1;
	}
	if (host != NULL && !json_is_null(host) &&
	    (!json_is_string(host) || !agent_host_ok(json_string_value(host)))) {
		snprintf(err, errlen, "%s: alert %zu: bad \"host\"", path, idx + 1);
		return -1;
	}
	json_t *body = json_object();
	if (body == NULL)
		return -1;
	static const char *const keys[] = {"detected_at", "path", "sha256", "detection", "action"};
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		json_t *v = json_object_get(o, keys[i]);
		if (v != NULL && !json_is_null(v))
			json_object_set(body, keys[i], v);
	}
	a->body = body;
	a->path = (char *)json_string_value(json_object_get(body, "path"));
	a->sha256 = (char *)json_string_value(json_object_get(body, "sha256"));
	json_t *sz = json_object_get(o, "size");
	a->size = json_is_integer(sz) && json_integer_value(sz) >= 0 ? (int64_t)json_integer_value(sz) : 0;
	if (json_is_string(host)) {
		a->host = strdup(json_string_value(host));
		if (a->host == NULL) {
			json_decref(body);
			a->body = NULL;
			return -1;
		}
	}
	return 0;
}

int sim_load_alerts(const char *path, struct sim_alert **out, size_t *n,
                    char *err, size_t errlen)
{
	*out = NULL;
	*n = 0;
	size_t len;
	char *buf = slurp(path, &len, err, errlen);
	if (buf == NULL)
		return -1;
	/* A JSON array of alert objects, or one object a line. */
	json_t *items = NULL;
	size_t first = strspn(buf, " \t\r\n");
	if (buf[first] == '[') {
		json_error_t je;
		items = json_loadb(buf, len, 0, &je);
		if (!json_is_array(items)) {
			snprintf(err, errlen, "%s:%d: %s", path, je.line, je.text);
			json_decref(items);
			free(buf);
			return -1;
		}
	} else {
		items = json_array();
		char *save = NULL;
		size_t lineno = 0;
		for (char *line = strtok_r(buf, "\n", &save); line != NULL;
		     line = strtok_r(NULL, "\n", &save)) {
			lineno++;
			if (line[strspn(line, " \t\r")] == '\0')
				continue;
			json_error_t je;
			json_t *o = json_loads(line, 0, &je);
			if (o == NULL) {
				snprintf(err, errlen, "%s:%zu: %s", path, lineno, je.text);
				json_decref(items);
				free(buf);
				return -1;
			}
			json_array_append_new(items, o);
		}
	}
	free(buf);
	size_t cnt = json_array_size(items);
	struct sim_alert *v = cnt > 0 ? calloc(cnt, sizeof *v) : NULL;
	if (cnt > 0 && v == NULL) {
		snprintf(err, errlen, "out of memory");
		json_decref(items);
		return -1;
	}
	for (size_t i = 0; i < cnt; i++) {
		if (alert_from(json_array_get(items, i), &v[i], path, i, err, errlen) != 0) {
			sim_alerts_free(v, i);
			json_decref(items);
			return -1;
		}
	}
	json_decref(items);
	*out = v;
	*n = cnt;
	return 0;
}
