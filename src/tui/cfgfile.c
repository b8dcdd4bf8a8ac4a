/* cfgfile.c - line-based configuration files; see cfgfile.h. */
#include "tui/cfgfile.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifndef ITRACE_DATADIR
#define ITRACE_DATADIR "/usr/local/share/itrace-tui"
#endif

#define CF_MAX_DEPTH 8

void cf_init(struct cf_reader *r, const char *kind, const char *ext,
             cf_line_fn line, void *udata)
{
	memset(r, 0, sizeof *r);
	r->kind = kind;
	r->ext = ext;
	r->line = line;
	r->udata = udata;
	r->file = "(none)";
}

void cf_free(struct cf_reader *r)
{
	free(r->errors);
	r->errors = NULL;
	r->errors_len = 0;
	r->nerrors = 0;
}

void cf_error(struct cf_reader *r, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	char line[768];
	int n = snprintf(line, sizeof line, "%s:%d: %s\n", r->file, r->lineno, msg);
	if (n < 0)
		return;
	size_t len = (size_t)n < sizeof line ? (size_t)n : sizeof line - 1;
	char *nb = realloc(r->errors, r->errors_len + len + 1);
	if (nb == NULL)
		return;
	memcpy(nb + r->errors_len, line, len + 1);
	r->errors = nb;
	r->errors_len += len;
	r->nerrors++;
}

static char *join(const char *a, const char *b, const char *c)
{
	char *s = NULL;
	if (asprintf(&s, "%s%s%s", a, b, c) < 0)
		return NULL;
	return s;
}

static char *xdg_dir(const char *var, const char *fallback)
{
	const char *v = getenv(var);
	if (v != NULL && v[0] == '/')
		return join(v, "/itrace-tui", "");
	const char *home = getenv("HOME");
	if (home == NULL || home[0] == '\0')
		return NULL;
	char *s = NULL;
	if (asprintf(&s, "%s/%s/itrace-tui", home, fallback) < 0)
		return NULL;
	return s;
}

char *cf_config_dir(void) { return xdg_dir("XDG_CONFIG_HOME", ".config"); }
char *cf_state_dir(void) { return xdg_dir("XDG_STATE_HOME", ".local/state"); }

static int is_file(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

char *cf_find(const char *kind, const char *ext, const char *name)
{
	if (name == NULL || name[0] == '\0')
		return NULL;
	if (strchr(name, '/') != NULL)
		return is_file(name) ? strdup(name) : NULL;
	char *cands[4] = {NULL, NULL, NULL, NULL};
	char *cfg = cf_config_dir();
	if (cfg != NULL) {
		if (asprintf(&cands[0], "%s/%s.%s", cfg, name, ext) < 0)
			cands[0] = NULL;
		if (asprintf(&cands[1], "%s/%s/%s.%s", cfg, kind, name, ext) < 0)
			cands[1] = NULL;
		free(cfg);
	}
	if (asprintf(&cands[2], "%s/%s/%s.%s", ITRACE_DATADIR, kind, name, ext) < 0)
		cands[2] = NULL;
	if (asprintf(&cands[3], "./%s/%s.%s", kind, name, ext) < 0)
		cands[3] = NULL;
	char *found = NULL;
	for (int i = 0; i < 4; i++) {
		if (found == NULL && cands[i] != NULL && is_file(cands[i]))
			found = cands[i];
		else
			free(cands[i]);
	}
	return found;
}

/* Split s in place into words; returns the count (extra words dropped and
 * reported by the caller through the count CF_MAX_WORDS+1). */
static int split(char *s, char **w)
{
	int n = 0;
	for (;;) {
		while (*s == ' ' || *s == '\t' || *s == '\r')
			s++;
		if (*s == '\0')
			break;
		if (n == CF_MAX_WORDS)
			return n + 1;
		w[n++] = s;
		while (*s != '\0' && *s != ' ' && *s != '\t' && *s != '\r')
			s++;
		if (*s != '\0')
			*s++ = '\0';
	}
	return n;
}

static void do_include(struct cf_reader *r, const char *name);

static void handle_line(struct cf_reader *r, char *buf)
{
	char *w[CF_MAX_WORDS];
	int n = split(buf, w);
	if (n == 0 || w[0][0] == '#')
		return;
	if (n > CF_MAX_WORDS) {
		cf_error(r, "too many words (at most %d)", CF_MAX_WORDS);
		return;
	}
	if (strcmp(w[0], "include") == 0) {
		if (n != 2)
			cf_error(r, "include takes one name");
		else
			do_include(r, w[1]);
		return;
	}
	r->line(r, n, w, r->udata);
}

static void read_text(struct cf_reader *r, const char *name, const char *text)
{
	const char *ofile = r->file;
	int oline = r->lineno;
	r->file = name;
	r->lineno = 0;
	const char *p = text;
	while (*p != '\0') {
		const char *e = strchr(p, '\n');
		size_t len = e != NULL ? (size_t)(e - p) : strlen(p);
		r->lineno++;
		char *buf = strndup(p, len);
		if (buf == NULL)
			break;
		handle_line(r, buf);
		free(buf);
		p += len;
		if (*p == '\n')
			p++;
	}
	r->file = ofile;
	r->lineno = oline;
}

void cf_read_string(struct cf_reader *r, const char *name, const char *text)
{
	read_text(r, name, text);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return NULL;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	char chunk[4096];
	size_t got;
	while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) {
		if (len + got + 1 > cap) {
			cap = (len + got + 1) * 2;
			char *nb = realloc(buf, cap);
			if (nb == NULL) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
		memcpy(buf + len, chunk, got);
		len += got;
		if (len > (1u << 20))
			break; /* a config file is never this big */
	}
	fclose(f);
	if (buf == NULL)
		buf = calloc(1, 1);
	else
		buf[len] = '\0';
	return buf;
}

int cf_read_path(struct cf_reader *r, const char *path)
{
	char *text = slurp(path);
	if (text == NULL) {
		cf_error(r, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	read_text(r, path, text);
	free(text);
	return 0;
}

static void do_include(struct cf_reader *r, const char *name)
{
	if (r->depth >= CF_MAX_DEPTH) {
		cf_error(r, "include nested too deeply (loop?) at %s", name);
		return;
	}
	char *path = NULL;
	if (strchr(name, '/') == NULL) {
		/* next to the including file first */
		const char *slash = strrchr(r->file, '/');
		if (slash != NULL) {
			char *p = NULL;
			if (asprintf(&p, "%.*s/%s.%s", (int)(slash - r->file), r->file,
			             name, r->ext) >= 0) {
				if (is_file(p))
					path = p;
				else
					free(p);
			}
		}
	}
	if (path == NULL)
		path = cf_find(r->kind, r->ext, name);
	if (path == NULL) {
		cf_error(r, "include: %s not found", name);
		return;
	}
	r->depth++;
	cf_read_path(r, path);
	r->depth--;
	free(path);
}

int cf_read_name(struct cf_reader *r, const char *name)
{
	char *path = cf_find(r->kind, r->ext, name);
	if (path == NULL) {
		const char *of = r->file;
		r->file = name;
		cf_error(r, "no %s named \"%s\" (looked in $XDG_CONFIG_HOME/itrace-tui, "
		         "%s/%s, ./%s)", r->kind, name, ITRACE_DATADIR, r->kind, r->kind);
		r->file = of;
		return -1;
	}
	int rc = cf_read_path(r, path);
	free(path);
	return rc;
}
